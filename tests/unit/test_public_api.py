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


def test_the_error_tree_and_its_public_names() -> None:
    """Middle classes group the family; tracebacks name ``smexplore.X``; pickling round-trips."""
    import pickle

    sm = smexplore
    assert issubclass(sm.AuthenticationError, sm.ServerError) and issubclass(sm.NotFoundError, LookupError)
    assert issubclass(sm.ServerRateLimitError, sm.RateLimitError) and issubclass(sm.ServerRateLimitError,
                                                                                sm.ServerError)
    assert issubclass(sm.ClientBudgetError, sm.RateLimitError) and issubclass(sm.ClientBudgetError,
                                                                             sm.ClientLimitError)
    assert not issubclass(sm.ClientBudgetError, sm.ServerError)
    assert all(issubclass(e, sm.InputError) and issubclass(e, ValueError)
               for e in (sm.FilterError, sm.UnknownFieldError, sm.UnknownResourceError, sm.ValidationError))
    assert issubclass(sm.SyncRefusedError, sm.LocalStateError) and issubclass(sm.CacheMissError, sm.LocalStateError)
    assert sm.FilterError.__module__ == "smexplore" and sm.APIError("x", 503).status == 503
    assert sm.SMExploreError("x").status is None and sm.ForbiddenError("no", status=403).status == 403
    again = pickle.loads(pickle.dumps(sm.APIError("failed", 502)))
    assert isinstance(again, sm.APIError) and str(again) == "failed"
    tree = (sm.__doc__ or "") + (smexplore.core.errors.__doc__ or "")
    assert all(name in tree for name in ("ServerError", "ClientLimitError", "InputError", "LocalStateError"))
