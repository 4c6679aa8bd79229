"""Which conditions name no one, what the warning says, and how resource names are spelt (no HTTP)."""

from __future__ import annotations

import warnings

import pytest

from smexplore import F
from smexplore.core.catalogue import spellings_of
from smexplore.core.filters.expr import parse_filter
from smexplore.core.filters.names import name_conditions, unknown_names, warn_unknown_names

STAFF = ["Ethan Kelly", "Ethan Kelley", "Mia Wilson", "Zoe Walker"]


def test_only_equalities_every_record_must_meet_are_checked() -> None:
    where = (F.staff_name == "Ethan Kely") & F.category_name.isin(["Gas", "", "Gas"]) & (F.status == "Quote")
    assert name_conditions(where, {"staff_name", "category_name"}) == [
        ("staff_name", ("Ethan Kely",)), ("category_name", ("Gas",))]
    assert name_conditions(parse_filter("staff_name eq 'Ethan Kely' and active eq 1"), {"staff_name"}) == [
        ("staff_name", ("Ethan Kely",))]
    for where in ((F.staff_name == "Ethan Kely") | (F.status == "Quote"), ~(F.staff_name == "Ethan Kely"),
                  F.staff_name != "Ethan Kely", F.staff_name.contains("Kely"), F.staff_name == "", None):
        assert name_conditions(where, {"staff_name"}) == [], where


def test_the_message_names_the_values_and_the_closest_names() -> None:
    assert unknown_names("staff_name", ["Ethan Kely"], STAFF) == (
        "no staff_name is 'Ethan Kely' (did you mean 'Ethan Kelly', 'Ethan Kelley'?); the filter matches no record")
    assert unknown_names("staff_name", ["ethan kely", "Zoe Walkr"], STAFF) == (
        "no staff_name is 'ethan kely' or 'Zoe Walkr' (did you mean 'Ethan Kelly', 'Ethan Kelley', 'Zoe Walker'?); "
        "the filter matches no record")
    assert unknown_names("staff_name", ["Nobody At All"], STAFF) == (
        "no staff_name is 'Nobody At All'; the filter matches no record")


def test_a_value_matching_a_name_ignoring_case_is_no_typo() -> None:
    assert unknown_names("staff_name", ["mia wilson"], STAFF) is None
    assert unknown_names("staff_name", ["Ethan Kely", "Zoe Walker"], STAFF) is None


def test_the_warning_points_at_the_caller_and_a_missing_list_means_no_check() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        said = warn_unknown_names(F.staff_name == "Mia Wilsen", {"staff_name"}, lambda column: STAFF)
        warn_unknown_names(F.staff_name == "Mia Wilsen", {"staff_name"}, lambda column: None)
    assert said == ["no staff_name is 'Mia Wilsen' (did you mean 'Mia Wilson'?); the filter matches no record"]
    assert [str(w.message) for w in caught] == said
    assert caught[0].category is UserWarning and caught[0].filename == __file__


@pytest.mark.parametrize(("name", "forms"), [
    ("time-entries", ("time_entries", "timeentries")),
    ("/jobs/types", ("jobs_types", "jobstypes")),
    ("/jobactivity.json", ("jobactivity", "jobactivity")),
    (" Job Activity ", ("job_activity", "jobactivity")),
    ("/", ()),
])
def test_resource_names_match_however_they_are_written(name: str, forms: tuple[str, ...]) -> None:
    assert spellings_of(name) == forms
