"""What Syncd's lists can select (paths, for=, the time-entry parameters) and what runs locally; its login.

No request is sent: ``explain`` plans without the network, and a Session is made without one.
"""

from __future__ import annotations

import base64

import pytest

import smexplore as sm
from smexplore import F
from smexplore.core.auth import BasicCredential, resolve_basic
from smexplore.syncd.dialect import list_path
from smexplore.syncd.session import account_url

PASSWORD = "correct horse:battery staple 9"


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> sm.syncd.Session:
    monkeypatch.delenv("SYNCD_USER", raising=False)
    monkeypatch.delenv("SYNCD_PASSWORD", raising=False)
    return sm.syncd.connect("artworks", "ann", PASSWORD, cache=False)


def _places(plan: sm.Plan) -> dict[str, str]:
    return {str(step.condition): step.place for step in plan.steps}


def test_job_paths_and_for_combine_into_one_request(session: sm.syncd.Session) -> None:
    where = (F.parent_id == 93) & (F.effectively_active == True) & (F.allow_time_entries == True)
    plan = session.explain("jobs", where & (F.depth > 1))
    assert plan.filter == "/jobs/93/children/active.xml?for=time"
    assert plan.params == {"parent": "93", "scope": "active", "for": "time"}
    assert set(_places(plan).values()) == {"both", "local"} and _places(plan)["F.depth > 1"] == "local"
    assert plan.local is not None  # what was sent is checked again on the frame
    assert list_path("/jobs.xml", plan.params) == ("/jobs/93/children/active.xml", {"for": "time"})


@pytest.mark.parametrize(("where", "sent"), [
    (F.parent_id.isna(), "/jobs/root/children.xml"),
    (F.parent_id.isin([7]), "/jobs/7/children.xml"),
    (F.active == False, "/jobs/inactive.xml"),
    (F.allow_expense_entries == True, "/jobs.xml?for=expenses"),
    (F.active == True, ""),  # the active list may hold the effectively active jobs only
    (F.effectively_active == False, ""),  # the inactive list may hold only jobs whose own flag is off
    (F.parent_id == 7.5, ""),
    (F.parent_id > 7, ""),
    ((F.parent_id == 7) | (F.parent_id == 8), ""),
    (~(F.active == False), ""),
    (F.name.contains("UFO"), ""),
])
def test_what_goes_to_the_jobs_list(session: sm.syncd.Session, where: sm.Expr, sent: str) -> None:
    plan = session.explain("jobs", where)
    assert plan.filter == sent
    assert plan.local is not None
    if not sent:
        assert all(step.place == "local" for step in plan.steps), str(plan)


def test_one_path_per_request(session: sm.syncd.Session) -> None:
    plan = session.explain("jobs", (F.effectively_active == True) & (F.active == False))
    assert plan.filter == "/jobs/active.xml"
    assert [step.place for step in plan.steps] == ["both", "local"]


@pytest.mark.parametrize(("where", "query"), [
    (F.user_id == 24, {"user_id": "24"}),
    ((F.user_id == 24) & (F.job_id == 116), {"user_id": "24", "job_id": "116"}),
    (F.date >= "2026-02-01", {"start_date": "2026-02-01"}),
    (F.date > "2026-02-01", {"start_date": "2026-02-02"}),
    (F.date >= "2026-02-01 08:00", {"start_date": "2026-02-02"}),
    (F.date < "2026-03-01", {"end_date": "2026-02-28"}),
    (F.date < "2026-03-01 08:00", {"end_date": "2026-03-01"}),
    (F.date <= "2026-03-01", {"end_date": "2026-03-01"}),
    (F.date == "2026-03-01", {"start_date": "2026-03-01", "end_date": "2026-03-01"}),
    (F.date == "2026-03-01 08:00", {}),
    (F.date != "2026-03-01", {}),
    (F.user_id != 24, {}),
    (F.user_id.isin([24, 25]), {}),
    (F.hours > 2, {}),
])
def test_what_goes_to_the_time_entries_list(session: sm.syncd.Session, where: sm.Expr, query: dict[str, str]) -> None:
    plan = session.explain("time_entries", where)
    assert plan.params == query
    assert plan.local is not None


def test_users_by_path_and_other_lists_locally(session: sm.syncd.Session) -> None:
    assert session.explain("users", F.active == False).filter == "/users/inactive.xml"
    for resource in ("job_types", "job_assignments"):
        plan = session.explain(resource, F.id == 3)
        assert plan.filter == "" and "takes no filter" in plan.steps[0].reason


def test_bad_filters_fail_before_any_request(session: sm.syncd.Session) -> None:
    with pytest.raises(sm.UnknownFieldError, match="did you mean 'parent_id'"):
        session.explain("jobs", F.parent == 3)
    with pytest.raises(sm.FilterError):
        session.explain("jobs", F.active > 1)


# --- the login ---------------------------------------------------------------------------------
def test_basic_credential_never_shows_the_password() -> None:
    credential = BasicCredential("ann", PASSWORD)
    assert PASSWORD not in repr(credential) and credential.hint == "ann"
    header = credential.headers()["Authorization"]
    assert base64.b64decode(header.removeprefix("Basic ")).decode() == f"ann:{PASSWORD}"
    assert credential.identity("https://a") != BasicCredential("ann", PASSWORD + "x").identity("https://a")
    assert PASSWORD not in credential.identity("https://a")
    assert credential.renew() is False


def test_the_login_comes_from_arguments_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCD_USER", " env-user ")
    monkeypatch.setenv("SYNCD_PASSWORD", "env pass")
    assert resolve_basic(None, None, env_user="SYNCD_USER", env_password="SYNCD_PASSWORD", system="Syncd") == \
        BasicCredential("env-user", "env pass")
    monkeypatch.delenv("SYNCD_PASSWORD")
    with pytest.raises(sm.AuthenticationError, match=r"no Syncd password: pass password= \(or SYNCD_PASSWORD\)"):
        sm.syncd.connect("artworks", cache=False)
    with pytest.raises(sm.AuthenticationError, match="colon"):
        sm.syncd.connect("artworks", "a:b", "pw", cache=False)
    with pytest.raises(sm.AuthenticationError, match="control character") as caught:
        sm.syncd.connect("artworks", "ann", "secret\n", cache=False)
    assert "secret" not in str(caught.value)
    with pytest.raises(TypeError, match="password must be a str"):
        sm.syncd.connect("artworks", "ann", b"pw", cache=False)  # type: ignore[arg-type]


def test_the_account_is_a_subdomain(session: sm.syncd.Session) -> None:
    assert account_url("Artworks") == "https://artworks.syncd.com"
    assert session.settings.base_url == "https://artworks.syncd.com"
    for bad in ("", "art works", "artworks.evil.com", "-x", "a/b"):
        with pytest.raises(ValueError, match="subdomain"):
            account_url(bad)
    with pytest.raises(ValueError, match="base_url="):
        sm.syncd.connect(None, "ann", "pw", cache=False)
    assert sm.syncd.connect(user="a", password="b", base_url="http://127.0.0.1:9/", cache=False).settings.base_url \
        == "http://127.0.0.1:9"


def test_the_repr_shows_the_user_not_the_password(session: sm.syncd.Session) -> None:
    text = repr(session) + session._repr_html_()
    assert "HTTP Basic user ann" in text and PASSWORD not in text
    assert PASSWORD not in repr(session.settings)
    assert base64.b64encode(f"ann:{PASSWORD}".encode()).decode() not in text
