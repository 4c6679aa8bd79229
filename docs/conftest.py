"""pytest under docs/: the pages' examples run through Sybil (the repository's conftest.py).

The notebooks are tested where they live (notebooks/, under nbval); docs/notebooks only points at
them, and the built site holds copies: neither is collected here.
"""

collect_ignore = ["notebooks", "_build", "jupyter_execute", "conf.py"]
