"""Records → typed frames, on hand-built records with the awkward wire values real accounts send."""

from __future__ import annotations

import pandas as pd
import pytest

from smexplore.core.frames import column_dtype, joined, to_frame
from smexplore.servicem8.enrich import enrich
from smexplore.servicem8.resources import get_resource

ACTIVITY = get_resource("jobactivity")
JOB = get_resource("job")


def _activity(**overrides: object) -> dict[str, object]:
    record = {name: "" for name in ACTIVITY.fields}
    record.update(uuid="00000000-0000-4000-8000-000000000001", active=1, edit_date="2026-03-01 10:00:00",
                  start_date="2026-03-02 08:00:00", end_date="2026-03-02 10:30:00",
                  activity_was_scheduled="1", activity_was_recorded="0", travel_time_in_seconds=900)
    record.update(overrides)
    return record


def test_timestamps_parse_and_zero_or_empty_dates_become_nat() -> None:
    frame = to_frame([_activity(), _activity(start_date="0000-00-00 00:00:00", end_date="")], ACTIVITY)
    assert frame["start_date"].dtype == "datetime64[ns]"
    assert frame["start_date"][0] == pd.Timestamp("2026-03-02 08:00:00")
    assert frame["start_date"].isna().tolist() == [False, True]
    assert frame["end_date"].isna().tolist() == [False, True]


def test_flags_as_int_or_string_become_nullable_booleans() -> None:
    frame = to_frame([_activity(activity_was_scheduled="1"), _activity(activity_was_scheduled=0),
                      _activity(activity_was_scheduled=1), _activity(activity_was_scheduled="")], ACTIVITY)
    assert frame["activity_was_scheduled"].dtype == "boolean"
    assert frame["activity_was_scheduled"].tolist() == [True, False, True, pd.NA]
    assert frame["active"].dtype == "boolean"


def test_integers_given_as_strings_and_blank_uuids() -> None:
    frame = to_frame([_activity(travel_time_in_seconds="1200", staff_uuid=""), _activity()], ACTIVITY)
    assert frame["travel_time_in_seconds"].dtype == "Int64"
    assert frame["travel_time_in_seconds"].tolist() == [1200, 900]
    assert frame["staff_uuid"].dtype == "string"
    assert frame["staff_uuid"].isna().tolist() == [True, True]  # '' and '' (unset in _activity)


def test_job_money_dates_status_and_custom_fields() -> None:
    job = {name: "" for name in JOB.fields}
    job.update(uuid="00000000-0000-4000-8000-000000000002", active=1, status="Work Order", date="2026-02-27",
               total_invoice_amount="1234.50", lat=-37.8, invoice_sent=0, customfield_site_access="Key in lockbox")
    odd = dict(job, status="Archived", total_invoice_amount="", date="0000-00-00", customfield_colour="red")
    frame = to_frame([job, odd], JOB)
    assert frame["total_invoice_amount"].dtype == "Float64"
    assert frame["total_invoice_amount"].tolist() == [1234.5, pd.NA]
    assert frame["date"].tolist()[0] == pd.Timestamp("2026-02-27") and pd.isna(frame["date"][1])
    assert isinstance(frame["status"].dtype, pd.CategoricalDtype)
    assert list(frame["status"].cat.categories) == ["Quote", "Work Order", "Unsuccessful", "Completed", "Archived"]
    assert frame["customfield_site_access"].dtype == "string"
    assert frame["customfield_colour"].tolist() == [pd.NA, "red"]
    assert next(iter(frame.columns)) == "uuid"
    assert list(frame.columns)[-2:] == ["customfield_colour", "customfield_site_access"]


def test_empty_result_has_the_same_columns_and_dtypes() -> None:
    full = to_frame([_activity()], ACTIVITY)
    empty = to_frame([], ACTIVITY)
    assert len(empty) == 0
    assert list(empty.columns) == list(full.columns)
    assert empty.dtypes.to_dict() == full.dtypes.to_dict()


def test_timezone_localises_timestamps_but_not_dates() -> None:
    frame = to_frame([_activity()], ACTIVITY, tz="Australia/Melbourne")
    assert str(frame["start_date"].dtype) == "datetime64[ns, Australia/Melbourne]"
    assert frame["start_date"][0].utcoffset().total_seconds() == 11 * 3600  # AEDT in March
    assert column_dtype(JOB.fields["date"], "Australia/Melbourne") == "datetime64[ns]"


@pytest.mark.parametrize("kind_field", ["uuid", "start_date", "active", "travel_time_in_seconds"])
def test_column_dtype_matches_to_frame(kind_field: str) -> None:
    field = ACTIVITY.fields[kind_field]
    assert to_frame([_activity()], ACTIVITY)[kind_field].dtype == column_dtype(field)


def test_enrich_adds_names_by_joining_related_frames() -> None:
    staff = pd.DataFrame({"uuid": ["s1", "s2"], "first": ["Ava", "Leo"], "last": ["Lee", pd.NA]}, dtype="string")
    jobs = pd.DataFrame({"uuid": ["j1"], "generated_job_id": ["1001"], "company_uuid": ["c1"],
                         "category_uuid": ["k1"]}, dtype="string")
    companies = pd.DataFrame({"uuid": ["c1"], "name": ["Acme"]}, dtype="string")
    categories = pd.DataFrame({"uuid": ["k1"], "name": ["HVAC"]}, dtype="string")
    related = {"staff": staff, "job": jobs, "company": companies, "category": categories}
    activities = pd.DataFrame({"staff_uuid": ["s1", "s2", "s9"], "job_uuid": ["j1", "j1", "j9"]}, dtype="string")
    out = enrich(activities, related.__getitem__)
    assert out["staff_name"].tolist() == ["Ava Lee", "Leo", pd.NA]
    assert out["job_number"].tolist() == ["1001", "1001", pd.NA]
    assert out["client_name"].tolist() == ["Acme", "Acme", pd.NA]
    assert out["category_name"].tolist() == ["HVAC", "HVAC", pd.NA]
    assert list(out.columns[:2]) == ["staff_uuid", "job_uuid"]  # originals kept, not renamed
    assert "staff_name" not in activities  # the input is not changed



def test_a_time_a_frame_cannot_hold_is_missing_not_a_failed_pull() -> None:
    # One record dated before 1677 (or after 2262) on the server used to fail every pull of its resource.
    records = [{"uuid": "28e7222e-24c7-4c02-915c-d165ef530f4f", "start_date": "0999-03-03 08:00:00",
                "end_date": "2026-01-01 10:00:00"},
               {"uuid": "38e7222e-24c7-4c02-915c-d165ef530f4f", "start_date": "2263-01-01 00:00:00",
                "end_date": "1677-09-21 00:12:44"}]
    frame = to_frame(records, get_resource("jobactivity"))
    assert str(frame["start_date"].dtype) == "datetime64[ns]"
    assert frame["start_date"].isna().all()
    assert frame["end_date"].tolist() == [pd.Timestamp("2026-01-01 10:00:00"), pd.Timestamp("1677-09-21 00:12:44")]


def test_batches_typed_apart_join_into_the_frame_of_the_whole_list() -> None:
    job = get_resource("job")
    records = [{"uuid": f"u{i}", "status": status, "total_invoice_amount": str(i), "date": f"2026-03-0{i % 9 + 1} 00:00:00"}
               for i, status in enumerate(["Quote", "Odd one", "Completed", "Another odd", "Quote", None])]
    batches = [records[:2], records[2:3], records[3:]]  # each batch sees other values beyond the spec's statuses
    parts = [to_frame(batch, job) for batch in batches]
    assert len({tuple(part["status"].cat.categories) for part in parts}) == 3
    pd.testing.assert_frame_equal(joined(parts, job), to_frame(records, job))
    custom = [to_frame(records[:2], job), to_frame([{**records[2], "customfield_x": "1"}], job)]
    assert joined(custom, job) is None  # a column only some batches have: typed whole instead
