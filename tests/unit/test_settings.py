"""Settings: each default named once, limits and the retry policy as objects, bad values refused at once."""

from __future__ import annotations

import inspect
import math
from dataclasses import replace

import pytest

import smexplore as sm
from smexplore import accelo, ruddr, syncd
from smexplore.core.limits import Limits
from smexplore.core.retry import RetryPolicy
from smexplore.core.settings import DEFAULT_TIMEOUT, Settings


def test_the_base_defaults_are_servicem8s_documented_limits() -> None:
    settings = Settings()
    assert settings.limits == Limits(per_second=None, per_minute=180, per_hour=None, per_day=20_000)
    assert (settings.per_second, settings.per_minute, settings.per_hour, settings.per_day) == (None, 180, None, 20_000)
    assert settings.retry_budget == settings.retry.budget == 120.0
    assert settings.timeout == DEFAULT_TIMEOUT == 60.0


@pytest.mark.parametrize(("module", "limits"), [
    (sm, Limits(per_minute=180, per_day=20_000)),
    (accelo, Limits(per_minute=5_000, per_hour=5_000, per_day=120_000)),
    (ruddr, Limits(per_second=20, per_minute=1_200, per_day=1_000_000)),
    (syncd, Limits(per_second=25, per_minute=1_500, per_day=100_000)),
])
def test_each_system_states_its_limits_and_connect_takes_its_defaults_from_them(module: object, limits: Limits) -> None:
    assert module.Settings().limits == limits  # type: ignore[attr-defined]
    parameters = inspect.signature(module.connect).parameters  # type: ignore[attr-defined]
    for name in ("per_second", "per_minute", "per_hour", "per_day"):
        if name in parameters:
            assert parameters[name].default == getattr(limits, name), name
    assert parameters["retry_budget"].default == RetryPolicy.budget
    assert parameters["timeout"].default == DEFAULT_TIMEOUT


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "180"])
def test_a_limit_must_be_a_whole_number_of_requests(value: object) -> None:
    with pytest.raises(ValueError, match="per_minute must be a whole number of requests"):
        Limits(per_minute=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [-1, math.inf, math.nan, True, "120"])
def test_the_retry_budget_must_be_seconds(value: object) -> None:
    with pytest.raises(ValueError, match="retry_budget must be a finite number of seconds"):
        RetryPolicy(budget=value)  # type: ignore[arg-type]


def test_the_backoff_factor_must_not_shrink_the_waits() -> None:
    with pytest.raises(ValueError, match="factor must be a finite number at least 1"):
        RetryPolicy(factor=0.5)


@pytest.mark.parametrize("value", [0, -1, math.inf, math.nan, False])
def test_the_timeout_must_be_a_positive_number_of_seconds(value: object) -> None:
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds"):
        Settings(timeout=value)  # type: ignore[arg-type]


def test_limits_and_retry_must_be_their_objects() -> None:
    with pytest.raises(TypeError, match="limits must be a Limits, not dict"):
        Settings(limits={"per_minute": 10})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="retry must be a RetryPolicy, not float"):
        Settings(retry=5.0)  # type: ignore[arg-type]


def test_an_unknown_time_zone_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        Settings(timezone="Mars/Olympus")


def test_connect_passes_its_limits_and_budget_into_the_settings() -> None:
    with sm.connect("k" * 12, base_url="http://127.0.0.1:9", cache=False, per_minute=7, retry_budget=3,
                    timeout=2) as s:
        assert s.settings.limits == replace(sm.Settings.limits, per_minute=7)
        assert s.settings.retry == RetryPolicy(budget=3)
        assert s.settings.timeout == 2
    with ruddr.connect("t" * 12, base_url="http://127.0.0.1:9", cache=False, per_second=None) as r:
        assert r.settings.limits == Limits(per_second=None, per_minute=1_200, per_day=1_000_000)
