"""Ruddr (ruddr.io): resource allocations, members, projects and time entries, read into DataFrames.

``smexplore.ruddr.emulator`` serves the Ruddr API over a synthetic consultancy;
``smexplore.ruddr.allocation_hours`` is the rule that spreads an allocation's hours over its dates.
"""
