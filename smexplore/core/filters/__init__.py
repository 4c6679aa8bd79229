"""Filter expressions (``F``), their values and local evaluation, and the planner over a server dialect."""
