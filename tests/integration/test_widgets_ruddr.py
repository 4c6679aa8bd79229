"""The widgets on a Ruddr Session, driven headless: set the controls, press Run, read the result.

The widgets ask the Session what to offer (``filter_columns``, ``named_columns``, its resources and
the resources it draws as a timeline), so they name no system. Every pull goes over HTTP to the
Ruddr emulator through the real SQLite cache.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import smexplore as sm
from smexplore import F
from smexplore.ruddr.emulator import DEMO_TOKEN, RuddrEmulator
from smexplore.ruddr.resources import get_resource, resource_names


@pytest.fixture(scope="module")
def emu() -> Iterator[RuddrEmulator]:
    with RuddrEmulator(seed=0, scale="small", per_second=1e6, burst=1_000_000) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def session(emu: RuddrEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sm.ruddr.Session]:
    with sm.ruddr.connect(DEMO_TOKEN, base_url=emu.base_url, cache=tmp_path_factory.mktemp("ruddr-widgets"),
                          progress=False, per_second=1_000) as s:
        yield s


def _choose(row, label: str) -> None:
    row.operator.value = dict(row.operator.options)[label]


def test_the_field_list_leaves_out_list_fields(session: sm.ruddr.Session) -> None:
    builder = sm.FilterBuilder(session, "members")
    row = builder.add_condition()
    spec = get_resource("members")
    assert list(row.field.options) == [n for n, f in spec.fields.items() if f.kind != "list"]
    assert {"tags", "skills", "availability_periods"}.isdisjoint(row.field.options)
    assert session.filter_columns("members") == list(row.field.options) and session.named_columns("members") == {}
    with pytest.raises(sm.FilterError, match="tags is a list field"):
        builder.add_condition("tags")
    with pytest.raises(sm.UnknownFieldError, match="did you mean 'email'"):
        builder.add_condition("emial")


def test_editors_fit_ruddr_fields(session: sm.ruddr.Session) -> None:
    row = sm.FilterBuilder(session, "allocations").add_condition("start")  # a date
    assert type(row.editors[0]).__name__ == "DatePicker"
    row.field.value = "assignment_type_id"  # an enumeration: its values as a list
    assert type(row.editors[0]).__name__ == "SelectMultiple"
    assert [value for _, value in row.editors[0].options] == ["project", "time_off"]
    row.field.value = "member_id"  # an id: typed (no list of names for Ruddr's ids)
    assert type(row.editors[0]).__name__ == "Text" and "contains" in dict(row.operator.options)
    row.field.value = "total_hours"
    assert type(row.editors[0]).__name__ == "FloatText"
    row.field.value = "is_billable"
    assert type(row.editors[0]).__name__ == "Dropdown"
    entries = sm.FilterBuilder(session, "time-entries").add_condition("minutes")
    assert type(entries.editors[0]).__name__ == "IntText"


def test_building_and_running_matches_the_session(session: sm.ruddr.Session, emu: RuddrEmulator) -> None:
    allocations = session.allocations()
    member = allocations["member_id"].value_counts().index[0]
    builder = sm.FilterBuilder(session, "allocations")
    who = builder.add_condition("member_id")
    _choose(who, "=")
    who.editors[0].value = member
    what = builder.add_condition("assignment_type_id")
    what.editors[0].value = ("project",)
    when = builder.add_condition("start")
    _choose(when, "between")
    when.editors[0].value, when.editors[1].value = date(2026, 1, 1), date(2026, 3, 31)
    expected = ((F.member_id == member) & F.assignment_type_id.isin(["project"])
                & (F.start >= date(2026, 1, 1)) & (F.start < date(2026, 4, 1)))
    assert builder.where == expected
    assert f"memberId={member}" in builder.plan.value and "assignmentTypeId=project" in builder.plan.value
    seen: list[pd.DataFrame] = []
    builder.observe(lambda change: seen.append(change.new), names="frame")
    emu.log.clear()
    builder.run_button.click()
    assert builder.frame is not None and seen and seen[-1] is builder.frame
    direct = session.frame("allocations", builder.where)
    pd.testing.assert_frame_equal(builder.frame, direct)
    assert 0 < len(direct) < len(allocations)
    assert [e.query.get("memberId") for e in emu.log.entries()] == [member]  # sent, one page
    assert f"{len(direct):,} rows" in builder.status.value
    assert "query parameters sent: <code>memberId=" in builder.status.value
    assert "smexplore-error" not in builder.status.value
    preview = builder.result.value
    assert direct["member_name"].iloc[0] in preview and member not in preview  # names shown, ids left out


def test_any_of_and_remove_on_text_fields(session: sm.ruddr.Session) -> None:
    members = session.members()
    first, second = members["name"].iloc[0], members["name"].iloc[1]
    builder = sm.FilterBuilder(session, "members")
    a, b = builder.add_condition("name"), builder.add_condition("name")
    a.editors[0].value, b.editors[0].value = first.split()[0].lower(), second.split()[-1].upper()
    builder.combine.value = "any"
    assert builder.where == F.name.contains(first.split()[0].lower()) | F.name.contains(second.split()[-1].upper())
    result = builder.run()
    pd.testing.assert_frame_equal(result, session.frame("members", builder.where))
    assert {first, second} <= set(result["name"])
    b.remove.click()
    assert builder.where == F.name.contains(first.split()[0].lower()) and len(builder.rows) == 1
    result = builder.run()
    assert "nameContains=" in builder.status.value
    pd.testing.assert_frame_equal(result, session.members(builder.where))


def test_errors_show_in_the_widget(session: sm.ruddr.Session, emu: RuddrEmulator, tmp_path: Path) -> None:
    builder = sm.FilterBuilder(session, "allocations")
    builder.add_condition("end")  # no date chosen yet
    emu.log.clear()
    builder.run_button.click()
    assert "choose a value for end" in builder.status.value and builder.frame is None
    assert emu.log.entries() == []
    with sm.ruddr.connect(DEMO_TOKEN, base_url=emu.base_url, cache=tmp_path, progress=False,
                          retry_budget=0.3) as failing:
        broken = sm.FilterBuilder(failing, "projects")
        broken.add_condition("name").editors[0].value = "zz"
        emu.faults.fail_next(20, 500)
        try:
            broken.run_button.click()
        finally:
            emu.faults.clear()
    assert "APIError" in broken.status.value and "Traceback" not in broken.status.value
    assert broken.frame is None and broken.result.value == ""


def test_the_explorer_on_a_ruddr_session(session: sm.ruddr.Session) -> None:
    explorer = sm.Explorer(session)
    assert list(explorer.resource.options) == resource_names()
    assert explorer.resource.value == "allocations" and explorer._range.layout.display is None
    today = session.now.date()
    assert explorer.start.value.weekday() == 0 and explorer.start.value <= today <= explorer.end.value
    row = explorer.builder.add_condition("start")
    _choose(row, "before")
    row.editors[0].value = date(2026, 3, 9)
    explorer.builder.run_button.click()
    frame = explorer.builder.frame
    assert frame is not None and len(frame) > 0
    pd.testing.assert_frame_equal(frame, session.allocations(F.start < date(2026, 3, 9)))
    assert bytes(explorer.timeline.value).startswith(b"\x89PNG") and explorer.message.value == ""
    explorer.resource.value = "time-entries"
    assert explorer.builder.resource == "time-entries" and explorer._range.layout.display is None
    row = explorer.builder.add_condition("date")
    _choose(row, "on or after")
    row.editors[0].value = date(2026, 2, 23)
    explorer.run()
    assert bytes(explorer.timeline.value).startswith(b"\x89PNG")
    explorer.resource.value = "projects"
    assert explorer._range.layout.display == "none"
    explorer.run()
    assert bytes(explorer.timeline.value) == b"" and "27 rows" in explorer.builder.status.value
    assert repr(explorer).startswith("<Explorer <FilterBuilder projects where everything; 27 rows")
