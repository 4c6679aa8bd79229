"""The public face: an explicit, sorted, complete ``__all__`` (as httpx keeps its own)."""

from __future__ import annotations

import types

import smexplore
import smexplore.emulator


def test_all_is_sorted_and_complete() -> None:
    for package in (smexplore, smexplore.emulator):
        names = package.__all__
        assert list(names) == sorted(names), package.__name__
        assert all(hasattr(package, name) for name in names)
        public = {name for name, value in vars(package).items()
                  if not name.startswith("_") and not isinstance(value, types.ModuleType)}
        assert public - {"annotations"} <= set(names), public - set(names)


def test_every_error_derives_from_the_base() -> None:
    errors = [getattr(smexplore, name) for name in smexplore.__all__ if name.endswith("Error")]
    assert len(errors) >= 10
    assert all(issubclass(error, smexplore.SMExploreError) for error in errors)
