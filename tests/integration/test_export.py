"""Frames leave smexplore intact: Parquet, Feather and CSV round trips (#13, item 1).

The schedule's resources and three of the others, chosen for what they add (job materials: money,
quantities and ``material_name``; notes: a record path of their own and names through a related
job; form responses: a field named ``timestamp`` and ``staff_name``), so the suite stays fast; every
resource's columns and dtypes are pinned in ``tests/golden/frame_columns.json``. Each of these,
plain and enriched, naive and in a time zone, pulled once per variant from one
emulator through a real cache, written and read back: Parquet and Feather give the same frame
(columns, dtypes, values) and keep ``attrs``; CSV read back with the dtypes ``describe`` gives
the same values. ``attrs`` hold only JSON values.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

import smexplore as sm
from smexplore.emulator import Emulator
from smexplore.servicem8.auth import resolve_credential
from smexplore.servicem8.resources import CORE_RESOURCES
from smexplore.servicem8.session import Settings

ZONE = "Australia/Melbourne"
VARIANTS = [pytest.param(tz, enrich, id=f"{'tz' if tz else 'naive'}-{'enriched' if enrich else 'plain'}")
            for tz in (None, ZONE) for enrich in (False, True)]
# The demo account's clock starts at its anchor (Monday 2 March 2026, 12:00; Melbourne is on daylight time then).
NOW = {None: "2026-03-02T12:00:00", ZONE: "2026-03-02T12:00:00+11:00"}

RESOURCES = (*CORE_RESOURCES, "jobmaterial", "note", "formresponse")

MISSING = r"\N"  # how the CSV spells a missing value (as SQL dumps do)

Pull = Callable[[str, "str | None", bool], pd.DataFrame]


@pytest.fixture(scope="module")
def sessions(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str | None, sm.Session]]:
    """A demo Session per time zone on the module's emulator, each with a cache of its own."""
    opened = {}
    for tz in (None, ZONE):
        settings = Settings(base_url=emulator.base_url, cache_dir=tmp_path_factory.mktemp("cache"), timezone=tz,
                            progress=False, mode="demo")
        opened[tz] = sm.Session(resolve_credential(emulator.api_key, None), settings, emulator=emulator)
    yield opened
    for session in opened.values():
        session.close()


@pytest.fixture(scope="module")
def pull(sessions: dict[str | None, sm.Session]) -> Pull:
    """``pull(resource, tz, enrich)``: the frame, pulled once per variant (a copy for each test)."""
    frames: dict[tuple[str, str | None, bool], pd.DataFrame] = {}

    def get(resource: str, tz: str | None, enrich: bool) -> pd.DataFrame:
        key = (resource, tz, enrich)
        if key not in frames:
            frames[key] = sessions[tz].frame(resource, enrich=enrich)
            assert len(frames[key]) > 0
        return frames[key].copy()

    return get


def _strict_read(read: Callable[[], pd.DataFrame], write: Callable[[], object]) -> pd.DataFrame:
    """Write then read with every warning an error (pyarrow warns when it drops ``attrs``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write()
        return read()


@pytest.mark.parametrize(("tz", "enrich"), VARIANTS)
@pytest.mark.parametrize("resource", RESOURCES)
def test_attrs_are_json(pull: Pull, resource: str, tz: str | None, enrich: bool) -> None:
    frame = pull(resource, tz, enrich)
    assert set(frame.attrs) == {"source", "resource", "now", "filter", "pulled", "fetched_at", "read_from"}
    assert (frame.attrs["source"], frame.attrs["resource"]) == ("servicem8", resource)
    assert json.loads(json.dumps(frame.attrs)) == frame.attrs
    now = pd.Timestamp(frame.attrs["now"])  # ISO-8601, the offset included in a time zone
    assert pd.Timestamp(NOW[tz]) <= now < pd.Timestamp(NOW[tz]) + pd.Timedelta(hours=1)  # the emulator's clock runs
    assert frame.attrs["now"] == now.isoformat() and frame.attrs["now"].endswith("+11:00") == (tz is not None)
    assert frame.attrs["filter"] == "" and frame.attrs["pulled"] >= len(frame)
    assert pd.Timestamp(frame.attrs["fetched_at"]).tzinfo is not None


@pytest.mark.parametrize(("tz", "enrich"), VARIANTS)
@pytest.mark.parametrize("resource", RESOURCES)
def test_parquet_round_trip(pull: Pull, tmp_path: Path, resource: str, tz: str | None, enrich: bool) -> None:
    frame = pull(resource, tz, enrich)
    path = tmp_path / f"{resource}.parquet"
    back = _strict_read(lambda: pd.read_parquet(path), lambda: frame.to_parquet(path))
    pd.testing.assert_frame_equal(back, frame)
    assert back.attrs == frame.attrs


@pytest.mark.parametrize(("tz", "enrich"), VARIANTS)
@pytest.mark.parametrize("resource", RESOURCES)
def test_feather_round_trip(pull: Pull, tmp_path: Path, resource: str, tz: str | None, enrich: bool) -> None:
    frame = pull(resource, tz, enrich)
    path = tmp_path / f"{resource}.feather"
    back = _strict_read(lambda: pd.read_feather(path), lambda: frame.to_feather(path))
    pd.testing.assert_frame_equal(back, frame)


@pytest.mark.parametrize(("tz", "enrich"), VARIANTS)
@pytest.mark.parametrize("resource", RESOURCES)
def test_csv_round_trip_with_the_described_dtypes(pull: Pull, sessions: dict[str | None, sm.Session], tmp_path: Path,
                                                  resource: str, tz: str | None, enrich: bool) -> None:
    frame = pull(resource, tz, enrich)
    path = tmp_path / f"{resource}.csv"
    frame.to_csv(path, index=False, na_rep=MISSING)
    back = read_csv_typed(path, sessions[tz].describe(resource))
    assert list(back.columns) == list(frame.columns)
    assert {c: str(t) for c, t in back.dtypes.items()} == {c: str(t) for c, t in frame.dtypes.items()}
    pd.testing.assert_frame_equal(back, frame, check_categorical=False)  # CSV keeps no list of categories


def read_csv_typed(path: Path, described: pd.DataFrame) -> pd.DataFrame:
    """``read_csv`` with the dtypes ``describe`` gives (timestamps parsed); other columns are text.

    Missing values are written as ``MISSING``: an empty CSV field cannot tell blank text from
    missing text, and only ``MISSING`` is read as missing ("NA" or "null" in a name stay text).
    """
    dtypes = dict(zip(described["field"], described["dtype"]))
    header = pd.read_csv(path, nrows=0).columns
    times = [c for c in header if dtypes.get(c, "").startswith("datetime64")]
    others = {c: dtypes.get(c, "string") for c in header if c not in times}
    back = pd.read_csv(path, dtype={c: "string" if t == "category" else t for c, t in others.items()},
                       keep_default_na=False, na_values=[MISSING])
    for column in times:
        parsed = pd.to_datetime(back[column], format="ISO8601", utc="," in dtypes[column])
        back[column] = parsed.astype(dtypes[column])
    for column, dtype in others.items():
        if dtype == "category":
            back[column] = back[column].astype("category")
    return back
