"""The widgets driven headless: set the controls' values, press Run (its click handlers), read the result.

Every pull goes over HTTP to the emulator through the real SQLite cache.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import smexplore as sm
from smexplore import F
from smexplore.core.filters.values import FilterField
from smexplore.emulator import Emulator
from smexplore.widgets._editors import operators_for


@pytest.fixture
def session(emulator: Emulator, tmp_path: Path) -> Iterator[sm.Session]:
    with sm.connect(emulator.api_key, base_url=emulator.base_url, cache=tmp_path, progress=False) as s:
        yield s


def _choose(row, label: str) -> None:
    row.operator.value = dict(row.operator.options)[label]


def _staff_names(session: sm.Session) -> list[str]:
    staff = session.staff(include_inactive=True)
    return sorted((staff["first"].fillna("") + " " + staff["last"].fillna("")).str.strip())


def test_operators_fit_the_field_kind() -> None:
    labels = lambda kind, named=False: [op.label for op in operators_for(FilterField("x", kind), named)]
    assert labels("timestamp") == ["on", "before", "on or after", "between", "is empty", "is set"]
    assert labels("flag") == ["is"]
    assert "contains" in labels("text") and "contains" not in labels("int")
    assert labels("uuid", named=True)[:2] == ["is one of", "is not one of"]
    assert ">" in labels("money") and ">" not in labels("category", named=True)


def test_field_list_comes_from_the_schema_and_editors_fit(session: sm.Session) -> None:
    builder = sm.FilterBuilder(session, "jobactivity")
    row = builder.add_condition()
    fields = list(row.field.options)
    own = list(session.describe("jobactivity")["field"])
    assert fields[: len(own)] == own
    assert fields[-4:] == ["staff_name", "job_number", "client_name", "category_name"]
    row.field.value = "start_date"
    assert type(row.editors[0]).__name__ == "DatePicker"
    _choose(row, "between")
    assert [type(e).__name__ for e in row.editors] == ["DatePicker", "DatePicker"]
    _choose(row, "is empty")
    assert row.editors == []
    row.field.value = "staff_uuid"
    select = row.editors[0]
    assert type(select).__name__ == "SelectMultiple"
    labels = [label for label, _ in select.options]
    assert labels == sorted(_staff_names(session), key=str.casefold)
    row.field.value = "travel_time_in_seconds"
    assert type(row.editors[0]).__name__ == "IntText"
    job_row = sm.FilterBuilder(session, "job").add_condition("status")
    assert [value for _, value in job_row.editors[0].options] == ["Quote", "Work Order", "Unsuccessful", "Completed"]


def test_building_and_running_matches_the_session(session: sm.Session) -> None:
    builder = sm.FilterBuilder(session, "jobactivity")
    assert builder.where is None and builder.frame is None
    who = builder.add_condition("staff_name")
    name = who.editors[0].options[0][1]
    who.editors[0].value = (name,)
    when = builder.add_condition("start_date")
    _choose(when, "between")
    when.editors[0].value, when.editors[1].value = date(2026, 3, 2), date(2026, 3, 6)
    expected = F.staff_name.isin([name]) & (F.start_date >= date(2026, 3, 2)) & (F.start_date < date(2026, 3, 7))
    assert builder.where == expected
    assert "staff_uuid eq" in builder.plan.value  # one name: sent to the server as the uuid
    seen: list[pd.DataFrame] = []
    builder.observe(lambda change: seen.append(change.new), names="frame")
    builder.run_button.click()
    direct = session.activities(expected, enrich=True)
    assert builder.frame is not None and len(builder.frame) == len(direct) > 0
    assert set(builder.frame["uuid"]) == set(direct["uuid"])
    assert seen and seen[-1] is builder.frame
    assert f"{len(direct):,} rows" in builder.status.value
    assert name in builder.result.value  # the first rows show the names, not only uuids
    assert "smexplore-error" not in builder.status.value


def test_any_of_combines_with_or_and_remove_drops_a_row(session: sm.Session) -> None:
    builder = sm.FilterBuilder(session, "job")
    first, second = builder.add_condition("status"), builder.add_condition("status")
    first.editors[0].value, second.editors[0].value = ("Quote",), ("Completed",)
    builder.combine.value = "any"
    assert builder.where == F.status.isin(["Quote"]) | F.status.isin(["Completed"])
    result = builder.run()
    assert set(result["status"].astype(str)) == {"Quote", "Completed"}
    second.remove.click()
    assert builder.where == F.status.isin(["Quote"]) and len(builder.rows) == 1


def test_errors_show_in_the_widget_not_as_a_traceback(session: sm.Session, emulator: Emulator) -> None:
    builder = sm.FilterBuilder(session, "job")
    builder.add_condition("date")  # no date chosen yet
    assert builder.where is None and "choose a value for date" in builder.expression.value
    emulator.log.clear()
    builder.run_button.click()
    assert "choose a value for date" in builder.status.value and builder.frame is None
    assert emulator.log.entries() == []
    with pytest.raises(sm.UnknownFieldError, match="did you mean 'status'"):
        builder.add_condition("stauts")


def test_a_failed_pull_is_reported_in_the_widget(emulator: Emulator, tmp_path: Path) -> None:
    with sm.connect(emulator.api_key, base_url=emulator.base_url, cache=tmp_path, progress=False,
                    retry_budget=0.5) as session:
        builder = sm.FilterBuilder(session, "queue")
        builder.add_condition("name").editors[0].value = "zz-nothing-matches"
        emulator.faults.fail_next(times=50, status=500)
        try:
            builder.run_button.click()
        finally:
            emulator.faults.clear()
    assert "APIError" in builder.status.value and "Traceback" not in builder.status.value
    assert builder.frame is None and builder.result.value == ""


def test_text_repr_where_widgets_cannot_render(session: sm.Session) -> None:
    builder = sm.FilterBuilder(session, "job")
    builder.add_condition("status").editors[0].value = ("Quote",)
    assert repr(builder) == "<FilterBuilder job where F.status.isin(['Quote']); not run yet>"
    bundle = builder._repr_mimebundle_()
    assert bundle["text/plain"] == repr(builder)
    builder.run()
    assert "rows in the last run" in repr(builder)


def test_explorer_shows_count_table_and_timeline(session: sm.Session) -> None:
    explorer = sm.Explorer(session)
    assert explorer.resource.value == "jobactivity"
    assert explorer.timeline.layout.display == "none"  # no picture yet: none shown (not a broken one)
    today = session.now.date()
    assert explorer.start.value.weekday() == 0 and explorer.start.value <= today <= explorer.end.value  # this week
    assert (explorer.end.value - explorer.start.value).days == 6
    row = explorer.builder.add_condition("start_date")
    _choose(row, "between")
    row.editors[0].value, row.editors[1].value = date(2026, 3, 2), date(2026, 3, 8)
    explorer.builder.run_button.click()
    assert explorer.builder.frame is not None and len(explorer.builder.frame) > 0
    assert bytes(explorer.timeline.value).startswith(b"\x89PNG") and explorer.timeline.layout.display is None
    explorer.end.value = date(2026, 2, 1)  # before the start
    assert "date range" in explorer.message.value and bytes(explorer.timeline.value) == b""
    assert explorer.timeline.layout.display == "none"
    explorer.resource.value = "job"
    assert explorer.builder.resource == "job" and explorer._range.layout.display == "none"
    explorer.run()
    assert bytes(explorer.timeline.value) == b"" and "rows" in explorer.builder.status.value


def test_names_that_cannot_be_pulled_fall_back_to_a_text_box_and_say_why(emulator: Emulator, tmp_path: Path) -> None:
    with sm.connect(emulator.api_key, base_url=emulator.base_url, cache=tmp_path, progress=False,
                    retry_budget=0.5) as session:
        builder = sm.FilterBuilder(session, "jobactivity")
        emulator.faults.fail_next(times=50, status=500)
        try:
            row = builder.add_condition("staff_uuid")  # the staff list cannot be pulled
        finally:
            emulator.faults.clear()
        assert type(row.editors[0]).__name__ == "Text"
        assert "names for staff_uuid unavailable" in builder.status.value and "APIError" in builder.status.value
