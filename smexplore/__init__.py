"""smexplore."""
