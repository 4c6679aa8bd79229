"""Conformance to ``accelo-get-jobs.txt``: Accelo's ``GET /jobs`` page (its 2017 wording), point by point.

Each point is tested against the Accelo emulator over HTTP (its records read independently, from
``agency.tables``) and, where the client is involved, the client (``smexplore.accelo.connect``)
against ``strict_accelo`` (a server doing exactly what the document says: pages from 1, at most 50
a page, only its parameters, fields and filters). Where the emulator follows the current docs on
purpose (Accelo/docs ``source/includes/_configuring_responses.md``: ``_page`` from 0, ``_limit`` at
most 100 since commit f91e70c of 2020-11-18, ``_page`` overriding ``_offset``; ``_jobs.md``'s
``against`` without a leading ``/``), the docstring says so and the test checks the current rule.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from datetime import UTC
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd
import pytest
import requests

import smexplore as sm
from smexplore.accelo.emulator import ANCHOR, AcceloEmulator, Agency, build_agency
from tests.conformance.strict import StrictServer, serve
from tests.conformance.strict_accelo import (
    DATE_TYPES,
    FIELDS,
    LINKS,
    ORDER_FIELDS,
    PARAMETERS,
    RANGE_FIELDS,
    TOKEN,
    StrictAccelo,
    compile_filters,
    make_jobs,
)

Record = dict[str, Any]
TODAY = int(ANCHOR.replace(tzinfo=UTC).timestamp())  # the agency's "now" (naive UTC)
SAMPLE = "date_created_before(1341281246),manager_id(10,11,100),standing(pending)"
"""The document's sample: "/jobs?_filter=date_created_before(1341281246),manager_id(10,11,100),standing(pending)"."""
UNSIGNED = re.compile(r"^\d+$")
DECIMAL = re.compile(r"^\d+\.\d+$")
STRICT_JOBS = 123


# --- the emulator ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def agency() -> Agency:
    return build_agency(0, "small")


@pytest.fixture(scope="module")
def jobs(agency: Agency) -> list[Record]:
    return agency.tables["jobs"]


@pytest.fixture(scope="module")
def emu(agency: Agency) -> Iterator[AcceloEmulator]:
    with AcceloEmulator(agency=agency, per_hour=10**9, failed_logins=0) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def api(emu: AcceloEmulator) -> Iterator[requests.Session]:
    grant = requests.post(emu.token_url, auth=(emu.client_id, emu.client_secret),
                          data={"grant_type": "client_credentials"}, timeout=30).json()
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {grant['access_token']}"
        yield session


def _answer(api: requests.Session, emu: AcceloEmulator, path: str = "/jobs", **params: Any) -> Any:
    """The ``response`` of a 200 ``ok`` answer."""
    got = api.get(emu.base_url + path, params=params, timeout=30)
    assert got.status_code == 200, got.text[:300]
    body = got.json()
    assert body["meta"]["status"] == "ok"
    return body["response"]


def _ids(rows: list[Record]) -> list[int]:
    return [int(row["id"]) for row in rows]


def _every(api: requests.Session, emu: AcceloEmulator, filters: str) -> list[int]:
    """The ids of every job the emulator answers ``filters`` with, page by page (``_page`` from 0)."""
    found: list[int] = []
    for page in range(100):
        rows = _answer(api, emu, _filters=filters, _limit=100, _page=page)
        found += _ids(rows)
        if not rows:
            return found
    raise AssertionError("more than 100 pages")


def _oracle(jobs: list[Record], keep: Callable[[Record], bool]) -> list[int]:
    return [int(job["id"]) for job in jobs if keep(job)]


def _number(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def _median(jobs: list[Record], key: str) -> str:
    values = sorted(n for job in jobs if (n := _number(job.get(key))) is not None)
    return str(values[len(values) // 2]) if values else "0"


# --- parameters -----------------------------------------------------------------------------------
def test_page_counts_from_0_in_the_current_docs(api: requests.Session, emu: AcceloEmulator) -> None:
    """Document: "_page … For example, 5 will display the fifth page." The current docs (Accelo/docs
    ``_configuring_responses.md``): "to retrieve the first page you would use ``_page=0``, and for the 5th
    page, ``_page=4``". The emulator follows the current docs."""
    assert _ids(_answer(api, emu, _page=0)) == list(range(1, 11))
    assert _ids(_answer(api, emu, _page=4)) == list(range(41, 51))


def test_each_page_contains_10_resources_by_default(api: requests.Session, emu: AcceloEmulator) -> None:
    """Document: "Each page contains 10 resources." """
    assert _ids(_answer(api, emu, _page=1)) == list(range(11, 21))


def test_limit_defaults_to_10(api: requests.Session, emu: AcceloEmulator) -> None:
    """Document: "_limit … The maximum number of resources to return. Default is 10"."""
    assert len(_answer(api, emu)) == 10
    assert len(_answer(api, emu, _limit=3)) == 3


def test_limit_is_at_most_100_in_the_current_docs(api: requests.Session, emu: AcceloEmulator) -> None:
    """Document: "maximum is 50". The current docs raised it to 100 (commit f91e70c, 2020-11-18, "Update
    pagination limit to max 100"); the emulator follows them, answering 100 for a larger ask."""
    assert len(_answer(api, emu, _limit=100)) == 100
    assert _ids(_answer(api, emu, _limit=500)) == list(range(1, 101))


def test_offset_returns_from_that_position(api: requests.Session, emu: AcceloEmulator) -> None:
    """Document: "if you had 20 resources and requested an offset of 10. Resources 10 to 19 would be returned."
    (20 resources: ``max_id(20)``; positions count from 0, so resources 10 to 19 are ids 11 to 20.)"""
    assert _ids(_answer(api, emu, _filters="max_id(20)", _offset=10, _limit=10)) == list(range(11, 21))
    assert _ids(_answer(api, emu, _offset=10)) == list(range(11, 21))


def test_offset_with_page_follows_the_current_docs(api: requests.Session, emu: AcceloEmulator) -> None:
    """Document: "Offset cannot be used in conjunction with _page." The current docs: "_offset … this will be
    overridden if ``_page`` is set"; the emulator follows them (the strict server refuses both)."""
    assert _ids(_answer(api, emu, _page=1, _offset=3, _limit=5)) == list(range(6, 11))


def test_fields_defaults_are_id_and_title(api: requests.Session, emu: AcceloEmulator, jobs: list[Record]) -> None:
    """Document: "Underlined values are default" (id and title); "_fields … Allows you to specify optional
    fields and linked objects to include in the response"."""
    rows = _answer(api, emu, _limit=5)
    assert rows == [{"id": job["id"], "title": job["title"]} for job in jobs[:5]]
    chosen = _answer(api, emu, _limit=5, _fields="standing,date_due")
    assert chosen == [{"id": j["id"], "title": j["title"], "date_due": j["date_due"], "standing": j["standing"]}
                      for j in jobs[:5]]


def test_filters_parameter_filters_jobs(api: requests.Session, emu: AcceloEmulator, jobs: list[Record]) -> None:
    """Document: "_filters … You can filter jobs using this parameter." """
    assert _every(api, emu, "standing(pending)") == _oracle(jobs, lambda j: j["standing"] == "pending")


def test_filter_parameter_is_read_as_filters(api: requests.Session, emu: AcceloEmulator, jobs: list[Record]) -> None:
    """Document: "You can defined filters in the _filter parameter" (its sample request writes ``_filter``)."""
    rows = _answer(api, emu, _filter="standing(pending)", _limit=100)
    assert _ids(rows) == _oracle(jobs, lambda j: j["standing"] == "pending")[:100]


# --- filters --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", DATE_TYPES)
@pytest.mark.parametrize("op", ["before", "after"])
def test_date_type_filters(api: requests.Session, emu: AcceloEmulator, jobs: list[Record], kind: str,
                           op: str) -> None:
    """Document: "date_type_before (unix timestamp) … date_type_after … This supports types: created,
    modified, started, commenced, due and completed." (strictly before / after; no date never matches)"""
    key = f"date_{kind}"
    bound = int(_median(jobs, key))
    expected = _oracle(jobs, lambda j: j[key] is not None and (int(j[key]) < bound if op == "before"
                                                                else int(j[key]) > bound))
    assert expected
    assert _every(api, emu, f"{key}_{op}({bound})") == expected


def test_date_completed_before_today(api: requests.Session, emu: AcceloEmulator, jobs: list[Record]) -> None:
    """Document: "date_completed_before(<todays timestamp>) would only return milestones completed before today"."""
    expected = _oracle(jobs, lambda j: j["date_completed"] is not None and int(j["date_completed"]) < TODAY)
    assert expected and _every(api, emu, f"date_completed_before({TODAY})") == expected


def test_date_due_after_today(api: requests.Session, emu: AcceloEmulator, jobs: list[Record]) -> None:
    """Document: "date_due_after(<todays timestamp>) would only return milestones due in the future"."""
    expected = _oracle(jobs, lambda j: j["date_due"] is not None and int(j["date_due"]) > TODAY)
    assert expected and _every(api, emu, f"date_due_after({TODAY})") == expected


# (filter text of the document's example, the same with values the agency holds, the field it reads)
IN_EXAMPLES = [
    ("manager(13,10,15)", "manager(1,3)", "manager"),
    ("affiliation(1, 3, 5)", "affiliation(5002, 5004, 5007)", "affiliation"),
    ("standing(pending,active)", "standing(pending,active)", "standing"),
    ("type(1,2)", "type(1,2)", "type"),
    ("modified_by(1,2)", "modified_by(1,2)", "modified_by"),
    ("status(1,2)", "status(1,2)", "status"),
    ("rate(1,2)", "rate(1,2)", "rate"),
    ("against_type(company, site)", "against_type(company, site)", "against_type"),
    ("against_id(1,32)", "against_id(1,32)", "against_id"),
]


def _words(text: str) -> set[str]:
    return {word.strip() for word in text[text.index("(") + 1:-1].split(",")}


@pytest.mark.parametrize(("example", "held", "key"), IN_EXAMPLES, ids=[e[2] for e in IN_EXAMPLES])
def test_in_filter_keeps_the_listed_values(api: requests.Session, emu: AcceloEmulator, jobs: list[Record],
                                           example: str, held: str, key: str) -> None:
    """Document: "manager … Filter out jobs that do not have a manager with supplied manager id"; "affiliation …
    _filters=affiliation(1, 3, 5)"; "standing(pending,active)"; "type … _filters=type(1,2)" (the current docs'
    ``job_type``); "modified_by(1,2)"; "status(1,2)"; "rate(1,2)"; "_filters=against_type(company, site)";
    "_filters=against_id(1,32)"."""
    for text in (example, held):
        words = _words(text)
        assert _every(api, emu, text) == [int(j["id"]) for j in jobs if j[key] in words], text
    assert _oracle(jobs, lambda j: j[key] in _words(held))


@pytest.mark.parametrize(("text", "key", "values"), [
    ("id_not(1,2,3)", "id", {"1", "2", "3"}), ("standing_not(active)", "standing", {"active"}),
    ("against_type_not(company)", "against_type", {"company"}), ("against_id_not(1,32)", "against_id", {"1", "32"}),
    ("manager_not(1)", "manager", {"1"}),
], ids=["id_not", "standing_not", "against_type_not", "against_id_not", "manager_not"])
def test_not_suffix_returns_results_not_in(api: requests.Session, emu: AcceloEmulator, jobs: list[Record],
                                           text: str, key: str, values: set[str]) -> None:
    """Document: "Using the _not suffix (e.g, id_not) on standard in filters will return results not in";
    "against_type(...) or against_type_not(...)"; "against_id(...) or against_id_not(...)"."""
    assert _every(api, emu, text) == _oracle(jobs, lambda j: j[key] not in values)


def test_max_id_and_min_id(api: requests.Session, emu: AcceloEmulator, jobs: list[Record]) -> None:
    """Document: "max_id Only return jobs with id less or equal to"; "min_id Only return jobs with id greater or
    equal to"."""
    assert _every(api, emu, "max_id(37)") == list(range(1, 38))
    assert _every(api, emu, "min_id(200)") == _oracle(jobs, lambda j: int(j["id"]) >= 200)
    assert _every(api, emu, "min_id(20),max_id(25)") == list(range(20, 26))


def test_against_objects(api: requests.Session, emu: AcceloEmulator, jobs: list[Record]) -> None:
    """Document: "against(type1(...),typeN(...)) _filters=against(company(1,4),site(4,5)) … will only return jobs
    against company 1 and 4 or jobs against site 4 and 5"."""
    pairs = {("company", "1"), ("company", "4"), ("site", "4"), ("site", "5")}
    expected = _oracle(jobs, lambda j: (j["against_type"], j["against_id"]) in pairs)
    assert expected and _every(api, emu, "against(company(1,4),site(4,5))") == expected


def _order_key(value: Any) -> tuple[int, Any]:
    if value is None or value == "":
        return (0, 0)
    number = _number(value)
    return (1, number) if number is not None else (2, str(value).casefold())


@pytest.mark.parametrize("key", ORDER_FIELDS)
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_order_by(api: requests.Session, emu: AcceloEmulator, jobs: list[Record], key: str, direction: str) -> None:
    """Document: "order_by_asc<type>, order_by_desc<type> Accepts: id, date_started, date_created,
    date_commenced, date_due and date_completed. NEW date_modified, date_last_interacted, title, standing and
    status" (written ``order_by_asc(field)``; no value first, ties in ascending id, as the emulator decides)."""
    expected = [int(j["id"]) for j in sorted(jobs, key=lambda j: _order_key(j[key]), reverse=direction == "desc")]
    assert _ids(_answer(api, emu, _filters=f"order_by_{direction}({key})", _limit=100)) == expected[:100]


_RANGE_KEYS = {"contract": "job_contract", "plan_modified_by": None}
_TESTS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "greater_than": lambda a, b: a > b, "less_than": lambda a, b: a < b,
    "greater_than_or_equal": lambda a, b: a >= b, "less_than_or_equal": lambda a, b: a <= b,
}


@pytest.mark.parametrize("name", RANGE_FIELDS)
def test_range_filters(api: requests.Session, emu: AcceloEmulator, jobs: list[Record], name: str) -> None:
    """Document: "<field_name>_greater_than(<value>), <field_name>_less_than(<value>),
    <field_name>_greater_than_or_equal(<value>), <field_name>_less_than_or_equal(<value>) e.g.
    _filters=id_greater_than(5) Available fields: id type manager against_id affiliation modified_by status rate
    rate_charged contract plan_modified_by". (The emulator's jobs have no contract and no job plan: those
    ranges keep none.)"""
    key = _RANGE_KEYS.get(name, name)
    bound = _median(jobs, key) if key is not None else "3"
    for op, test in _TESTS.items():
        values = [(int(j["id"]), _number(j[key]) if key is not None else None) for j in jobs]
        expected = [job_id for job_id, v in values if v is not None and test(v, Decimal(bound))]
        assert _every(api, emu, f"{name}_{op}({bound})") == expected, op
    if key is not None and name != "contract":
        assert _every(api, emu, f"{name}_greater_than_or_equal({bound})")


def test_range_example_id_greater_than_5(api: requests.Session, emu: AcceloEmulator, jobs: list[Record]) -> None:
    """Document: "e.g. _filters=id_greater_than(5)"."""
    assert _every(api, emu, "id_greater_than(5)") == list(range(6, len(jobs) + 1))


def test_the_documents_sample_request(api: requests.Session, emu: AcceloEmulator, jobs: list[Record]) -> None:
    """Document: "The following sample will return jobs created before Tue, 03 Jul 2012 02:07:26 GMT that have a
    manager with an id 10, 11 or 100 and are currently "pending". /jobs?_filter=date_created_before(1341281246),
    manager_id(10,11,100),standing(pending)" (the agency's jobs are younger: none; the same with today and its
    managers: those)."""
    assert _answer(api, emu, _filter=SAMPLE) == []
    held = f"date_created_before({TODAY}),manager_id(4,5,100),standing(pending)"
    expected = _oracle(jobs, lambda j: int(j["date_created"]) < TODAY and j["manager"] in {"4", "5", "100"}
                       and j["standing"] == "pending")
    assert expected and _ids(_answer(api, emu, _filter=held, _limit=100)) == expected


# --- the response ---------------------------------------------------------------------------------
def _unix(value: Any) -> bool:
    return value is None or (isinstance(value, str) and bool(UNSIGNED.match(value)))


FIELD_TYPES: dict[str, Callable[[Any], bool]] = {
    "id": lambda v: bool(UNSIGNED.match(v)), "title": lambda v: isinstance(v, str) and v != "",
    "against": lambda v: bool(re.match(r"^companies/\d+$", v)),
    "date_created": _unix, "date_modified": _unix, "date_started": _unix, "date_due": _unix,
    "date_completed": _unix,
    "standing": lambda v: v in ("pending", "active", "paused", "complete", "inactive"),
    "paused": lambda v: bool(UNSIGNED.match(v)), "rate_charged": lambda v: bool(DECIMAL.match(v)),
    "type": lambda v: bool(UNSIGNED.match(v)), "rate": lambda v: bool(UNSIGNED.match(v)),
    "company": lambda v: bool(UNSIGNED.match(v)), "status": lambda v: bool(UNSIGNED.match(v)),
    "manager": lambda v: bool(UNSIGNED.match(v)), "modified_by": lambda v: bool(UNSIGNED.match(v)),
    "against_id": lambda v: bool(UNSIGNED.match(v)), "against_table": lambda v: v == "companies",
}


@pytest.mark.parametrize("name", FIELDS)
def test_response_field_has_its_documented_type(api: requests.Session, emu: AcceloEmulator, jobs: list[Record],
                                                name: str) -> None:
    """Document, "Handling the response": id unsigned int; title string; against string ("Resource endpoint for
    the object the job is against. For example, /companies/12": the emulator writes ``companies/12``, as the
    current docs' sample does); date_created, date_modified, date_started, date_due, date_completed unix
    timestamps; standing string ("e.g, pending, active, inactive or complete"); paused unsigned int;
    rate_charged decimal; type, rate, company, status, manager, modified_by "unsigned int or object" (bare: the
    id); against_id unsigned int; against_table string ("E.g, companies"). Every value is a string on the wire."""
    rows = _answer(api, emu, _fields=name, _limit=100)
    assert [row[name] for row in rows] == [job[name] for job in jobs[:100]]
    assert all(FIELD_TYPES[name](row[name]) for row in rows), name


def test_against_table_is_served_when_asked(api: requests.Session, emu: AcceloEmulator) -> None:
    """Document: "against_table string The name of the object the job is against. E.g, companies." It is in no
    version of the current ``_jobs.md``; the emulator serves it when asked, and not by default."""
    rows = _answer(api, emu, _fields="against_table,against", _limit=100)
    assert all(row["against_table"] == row["against"].split("/")[0] == "companies" for row in rows)
    assert "against_table" not in _answer(api, emu)[0]


def test_company_is_set_when_the_job_is_against_a_company(api: requests.Session, emu: AcceloEmulator) -> None:
    """Document: "company … Job's company id or object if the against_table is equal to company"."""
    rows = _answer(api, emu, _fields="company,against_table,against_id", _limit=100)
    assert rows and all(row["company"] == row["against_id"] for row in rows if row["against_table"] == "companies")


@pytest.mark.parametrize("name", sorted(LINKS))
def test_linked_object_is_its_id_bare_and_its_object_with_parentheses(api: requests.Session, emu: AcceloEmulator,
                                                                      agency: Agency, name: str) -> None:
    """Document: "Fields that can be object indicate the field can be requested as a resource"; "type … Contains
    the job's type id or if using parenthesis, the job's rate object" (its typo: the job type's object)."""
    bare = _answer(api, emu, _fields=name, _limit=20)
    objects = _answer(api, emu, _fields=f"{name}()", _limit=20)
    table = {"type": "jobs/types", "rate": "rates", "company": "companies", "status": "jobs/statuses",
             "manager": "staff", "modified_by": "staff"}[name]
    for plain, linked in zip(bare, objects, strict=True):
        assert isinstance(plain[name], str) and isinstance(linked[name], dict)
        record = agency.by_id(table)[plain[name]]
        assert linked[name]["id"] == plain[name] and set(linked[name]) < set(record)
        assert linked[name] == {key: record[key] for key in linked[name]}


def test_fields_manager_is_the_staff_id_and_manager_parentheses_the_staff_object(
        api: requests.Session, emu: AcceloEmulator, agency: Agency) -> None:
    """Document: "GET /jobs.json?_fields=manager would return the manager's staff id. Where as, GET
    /jobs.json?_fields=manager() would return the manager's staff object, including any optional fields or
    objects within the parenthesis." """
    ids = _answer(api, emu, "/jobs.json", _fields="manager")
    objects = _answer(api, emu, "/jobs.json", _fields="manager(email)")
    staff = agency.by_id("staff")
    for plain, linked in zip(ids, objects, strict=True):
        person = staff[plain["manager"]]
        assert linked["manager"] == {"id": person["id"], "firstname": person["firstname"],
                                     "surname": person["surname"], "email": person["email"]}


def test_the_answer_is_the_envelope_with_no_total(api: requests.Session, emu: AcceloEmulator) -> None:
    """Document: "Returns an array of jobs" (in the envelope ``{"meta": …, "response": [...]}``,
    ``shared/reference/other-systems.md`` §B.4); no total anywhere."""
    got = api.get(emu.base_url + "/jobs", timeout=30)
    body = got.json()
    assert set(body) == {"meta", "response"} and isinstance(body["response"], list)
    assert set(body["meta"]) == {"status", "message", "more_info"}
    assert all(set(row) == {"id", "title"} for row in body["response"])
    assert not any("total" in name.lower() or "count" in name.lower() for name in got.headers)


# --- the client against the strict server ----------------------------------------------------------
class Strict:
    """A strict server, its handler and a client Session on it."""

    def __init__(self, handler: StrictAccelo, app: StrictServer, session: sm.accelo.Session) -> None:
        self.handler, self.app, self.session = handler, app, session

    def sent_filters(self) -> list[str]:
        return [r.query["_filters"] for r in self.app.requests if "_filters" in r.query]


def _strict(max_limit: int) -> Iterator[Strict]:
    data, linked = make_jobs(STRICT_JOBS, seed=1)
    handler = StrictAccelo(data, linked, max_limit=max_limit)
    app = StrictServer(handler)
    with serve(app) as url:
        session = sm.accelo.connect(base_url=url + "/api/v0", token=TOKEN, cache=False, progress=False)
        yield Strict(handler, app, session)
        session.close()


@pytest.fixture(scope="module")
def strict50() -> Iterator[Strict]:
    yield from _strict(50)


@pytest.fixture(scope="module")
def strict7() -> Iterator[Strict]:
    yield from _strict(7)


def test_strict_server_keeps_to_the_document() -> None:
    """The strict server itself: pages from 1 and at most 50, ``_offset`` not with ``_page``, only the
    document's parameters and filters, a bearer token."""
    data, linked = make_jobs(60, seed=1)
    handler = StrictAccelo(data, linked)
    with serve(StrictServer(handler)) as url:
        def get(**params: Any) -> requests.Response:
            return requests.get(f"{url}/api/v0/jobs", params=params, headers={"Authorization": f"Bearer {TOKEN}"},
                                timeout=30)

        assert _ids(get(_limit=500).json()["response"]) == _ids(data[:50])
        assert _ids(get(_page=2).json()["response"]) == _ids(data[10:20])
        assert _ids(get(_offset=10).json()["response"]) == _ids(data[10:20])
        for bad in ({"_page": 1, "_offset": 0}, {"_page": 0}, {"_search": "x"}, {"_filters": "job_type(1)"},
                    {"_filters": "_OR(type(1),type(2))"}, {"_filters": "empty(date_due)"}):
            got = get(**bad)
            assert got.status_code == 400 and got.json()["meta"]["status"] == "invalid_request", bad
        assert requests.get(f"{url}/api/v0/jobs", timeout=30).status_code == 401
        assert "total" not in get().text


@pytest.mark.parametrize("cap", [50, 7])
def test_client_gets_every_job_from_a_server_capping_pages(strict50: Strict, strict7: Strict, cap: int) -> None:
    """Document: "_limit … Default is 10 and maximum is 50": a page holds at most 50 whatever is asked (and a
    deployment or proxy may hold fewer: 7). The client gets every job, once each, in ascending id."""
    strict = strict50 if cap == 50 else strict7
    strict.app.requests.clear()
    frame = strict.session.jobs()
    assert list(frame["id"]) == _ids(strict.handler.jobs)
    assert len(strict.app.requests) == math.ceil(STRICT_JOBS / cap) + 1  # the last page is empty
    strict.app.requests.clear()
    pending = strict.session.jobs("standing(pending)")
    assert list(pending["id"]) == _ids(strict.handler.matching("standing(pending)")) != []


def test_client_sends_only_the_documents_parameters(strict50: Strict) -> None:
    """Document: "Table of allowed parameters": _page, _limit, _offset, _fields, _filters; and a bearer token."""
    strict50.app.requests.clear()
    strict50.session.jobs("manager(1,2)")
    assert strict50.app.requests
    for sent in strict50.app.requests:
        assert set(sent.query) <= set(PARAMETERS) and sent.path == "/api/v0/jobs"
        assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
        compile_filters(sent.query.get("_filters", ""))  # only the document's filters (raises otherwise)


CLIENT_EXAMPLES = [
    "type(1,2)", "manager(13,10,15)", "manager(1,3)", "manager_id(10,11,100)", "manager_id(1,2)",
    "affiliation(1, 3, 5)", "standing(pending,active)", "modified_by(1,2)", "status(1,2)", "rate(1,2)",
    "max_id(40)", "min_id(200)", "against_type(company, site)", "against_type_not(site)", "against_id(1,32)",
    "against_id_not(1,32)", "against(company(1,4),site(4,5))", "id_not(3)", "id_greater_than(5)",
    "type_greater_than(2)", "manager_greater_than_or_equal(3)", "against_id_less_than_or_equal(10)",
    "affiliation_greater_than(4)", "modified_by_less_than(4)", "status_greater_than_or_equal(3)",
    "rate_less_than_or_equal(2)", "rate_charged_greater_than(100)", "contract_greater_than(2)",
    "plan_modified_by_greater_than(3)", "plan_modified_by_less_than_or_equal(4)",
    "date_created_before(1700000000)", "date_modified_after(1700000000)", "date_started_after(1700000000)",
    "date_commenced_before(1700000000)", "date_due_before(1700000000)", "date_completed_after(1700000000)",
    SAMPLE, "date_created_after(1600000000),manager_id(1,2,3),standing(pending)",
]


@pytest.mark.parametrize("text", CLIENT_EXAMPLES)
def test_client_reads_and_sends_the_documents_filter_spellings(strict50: Strict, text: str) -> None:
    """Document, "Filters": each filter as the document writes it (``type(1,2)``, the sample's ``manager_id``,
    ``plan_modified_by_*``, ``max_id``, ``min_id``, ``rate_charged_*``, ``contract_*`` …) is read by the client,
    sent in the names the document gives (the strict server refuses any other), and gives the document's jobs."""
    strict50.app.requests.clear()
    frame = strict50.session.jobs(text)
    assert list(frame["id"]) == _ids(strict50.handler.matching(text)), strict50.sent_filters()
    assert strict50.sent_filters()
    for sent in strict50.sent_filters():
        compile_filters(sent)


def test_client_sends_conditions_in_the_documents_names(strict50: Strict) -> None:
    """Document: "type Array of type ids, e.g. _filters=type(1,2)" (the column ``job_type_id``); "manager"
    (``manager_id``)."""
    plan = strict50.session.explain("jobs", sm.F.job_type_id.isin([1, 2]) & (sm.F.manager_id == 3))
    assert plan.filter == "type(1,2),manager(3)" and plan.local is None


# Document field → (frame column, its dtype); ``type`` the client reads from the current docs' ``job_type``.
CLIENT_FIELDS = {
    "id": ("id", "Int64"), "title": ("title", "string"), "against": ("against", "string"),
    "date_created": ("date_created", "datetime64[ns]"), "date_modified": ("date_modified", "datetime64[ns]"),
    "date_started": ("date_started", "datetime64[ns]"), "date_due": ("date_due", "datetime64[ns]"),
    "date_completed": ("date_completed", "datetime64[ns]"), "standing": ("standing", "string"),
    "paused": ("paused", "Int64"), "rate_charged": ("rate_charged", "Float64"), "type": ("job_type_id", "Int64"),
    "rate": ("rate_id", "Int64"), "company": ("company_id", "Int64"), "status": ("status_id", "Int64"),
    "manager": ("manager_id", "Int64"), "modified_by": ("modified_by_id", "Int64"),
    "against_id": ("against_id", "Int64"), "against_table": ("against_table", "string"),
}


def _typed(value: Any, dtype: str) -> Any:
    if value is None:
        return None
    if dtype == "Int64":
        return int(value)
    if dtype == "Float64":
        return float(value)
    if dtype.startswith("datetime"):
        return pd.Timestamp(int(value), unit="s")
    return value


@pytest.mark.parametrize("name", FIELDS)
def test_client_reads_each_documented_field_with_its_type(strict50: Strict, name: str) -> None:
    """Document, "Handling the response": each field and its type (unix timestamps as datetimes, unsigned ints as
    ``Int64``, decimal ``rate_charged`` as ``Float64``, linked objects as ``<link>_id``)."""
    frame = strict50.session.jobs("max_id(60)")
    column, dtype = CLIENT_FIELDS[name]
    assert str(frame[column].dtype) == dtype
    expected = [_typed(job[name], dtype) for job in strict50.handler.matching("max_id(60)")]
    got = [None if pd.isna(value) else value for value in frame[column]]
    assert got == expected


def test_plan_modified_by_runs_only_on_the_server(strict50: Strict) -> None:
    """Document: "plan_modified_by" is among the range filters' "Available fields", and no response field: the
    client sends it as written and cannot check it on the frame, so it refuses what would need that (an ``_OR``
    with a side that runs locally, ``_not``, the local store) before any request."""
    plan = strict50.session.explain("jobs", "plan_modified_by_greater_than(3),standing(active)")
    assert plan.filter == "plan_modified_by_greater_than(3),standing(active)" and plan.local is None
    strict50.app.requests.clear()
    for text in ("_OR(plan_modified_by_greater_than(3),search(Logo))", "plan_modified_by_greater_than_not(3)",
                 "plan_modified_by_greater_than(ann)"):
        with pytest.raises(sm.FilterError, match="plan_modified_by"):
            strict50.session.jobs(text)
    with pytest.raises(sm.FilterError, match="local store"):
        strict50.session.jobs("plan_modified_by_greater_than(3)", source="store")
    assert strict50.app.requests == []
