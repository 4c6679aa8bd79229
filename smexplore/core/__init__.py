"""What every system shares: transport and cache, paging, typed frames, filters and their planner,
the error family, spans and the normalised timeline. No system's name appears in here."""
