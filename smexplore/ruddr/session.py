"""The Ruddr Session: a workspace's allocations, members, projects and time as typed DataFrames.

``connect()`` opens a workspace with its API key (sent as a bearer token), ``demo()`` the embedded
emulator's synthetic consultancy. Everything but the field table, the paging style (``hasMore`` and
``startingAfter``) and the filter dialect (query parameters) is the shared core's
(``smexplore.core.session.BaseSession``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import requests

from ..core.auth import Credential, resolve_secret
from ..core.filters.expr import as_expression
from ..core.filters.plan import Dialect
from ..core.limits import Limits
from ..core.paging import JsonCursor, Paginator
from ..core.retry import RetryPolicy
from ..core.schedule import CAPACITY_DTYPES, people_frame
from ..core.schema import Resource, canonical_uuid
from ..core.session import DEFAULT_EXPIRE_AFTER, BaseSession, Source, Where, cache_dir, demo_session, store_dir
from ..core.session import Settings as BaseSettings
from ..core.settings import DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT
from ..core.timeline import normalise
from ..core.wire import Wire
from .capacity import utilisation_against_capacity
from .dialect import dialect_for
from .flatten import flatten
from .normalise import days_off_filter, joined, member_capacities, timeline_frame, window_filters, with_time_off
from .resources import get_resource, resource_names

__all__ = ["DEFAULT_BASE_URL", "ENV_TOKEN", "Session", "Settings", "connect", "demo"]

DEFAULT_BASE_URL = "https://www.ruddr.io/api/workspace"
ENV_TOKEN = "RUDDR_TOKEN"
PAGE_SIZE = 100
"""Records per page: the most Ruddr's ``limit`` allows."""
_PAGING_PARAMS = frozenset({"limit", "startingAfter", "endingBefore"})
# Convenience method → list.
METHODS = {
    "allocations": "allocations",
    "members": "members",
    "projects": "projects",
    "clients": "clients",
    "time_entries": "time-entries",
    "placeholders": "resource-placeholders",
    "roles": "project-roles",
    "tasks": "project-tasks",
}
# The column a list's frame is sorted by (the API sends newest ``createdAt`` first).
# The columns the widgets' preview shows first (ids are left out of it: these name them).
_PREVIEW = {
    "allocations": ("member_name", "placeholder_name", "project_name", "start", "end", "total_hours"),
    "time-entries": ("member_name", "project_name", "date", "minutes", "type_id", "status_id"),
    "members": ("name", "email", "job_title_name"),
    "projects": ("name", "client_name", "status_id", "start", "end"),
    "project-roles": ("name", "project_name"),
    "project-tasks": ("name", "project_name", "status_id"),
}

# Name columns whose values one of the workspace's lists names: column → (list, its column of names).
# The FilterBuilder offers them as a list; an == or isin on one that names no one warns.
_NAME_LISTS = {
    "member_name": ("members", "name"),
    "project_name": ("projects", "name"),
    "client_name": ("clients", "name"),
    "project_client_name": ("clients", "name"),
    "placeholder_name": ("resource-placeholders", "name"),
}


@dataclass(frozen=True)
class Settings(BaseSettings):
    """Every behaviour flag of a Ruddr Session (see :class:`smexplore.core.settings.Settings`).

    Ruddr allows 20 requests a second (with bursts of 60) per workspace: the client keeps to 20 a
    second; the minute and day budgets are wide (the API sets none).
    """

    base_url: str = DEFAULT_BASE_URL
    limits: Limits = Limits(per_second=20, per_minute=1_200, per_day=1_000_000)


def _first_page_filters(params: Mapping[str, str]) -> str | None:
    """The filter parameters of a first-page request (a 400 to a later page is about its cursor)."""
    if "startingAfter" in params or "endingBefore" in params:
        return None
    sent = {name: value for name, value in params.items() if name not in _PAGING_PARAMS}
    return " & ".join(f"{name}={value}" for name, value in sent.items()) or None


API_WIRE = Wire(credential_hint=f"check the workspace's API key (token= or {ENV_TOKEN})",
                filter_of=_first_page_filters)
"""How Ruddr's API speaks (``core.wire``): JSON, filters as query parameters."""


class Session(BaseSession):
    """A connection to one Ruddr workspace that returns typed pandas DataFrames (read-only).

    Nested objects are flattened into columns (``member_id``, ``member_name``,
    ``project_client_name`` …); allocations are sorted by start, time entries by date.

    Attributes:
        settings: Every behaviour flag (see ``Settings``).
        emulator: The embedded emulator serving a demo session (``None`` when live).
    """

    source: ClassVar[str] = "ruddr"
    display_name: ClassVar[str] = "smexplore.ruddr.Session"
    wire: ClassVar[Wire] = API_WIRE
    methods: ClassVar[Mapping[str, str]] = METHODS
    frame_order: ClassVar[Mapping[str, tuple[str, ...]]] = {"allocations": ("start", "end"), "time-entries": ("date",)}
    timeline_resources: ClassVar[tuple[str, ...]] = ("allocations", "time-entries")
    settings: Settings

    def allocations(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Allocations of members and placeholders (``/allocations``), by start."""
        return self.frame("allocations", where, source=source)

    def members(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Workspace members (``/members``)."""
        return self.frame("members", where, source=source)

    def projects(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Projects (``/projects``)."""
        return self.frame("projects", where, source=source)

    def clients(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Clients (``/clients``)."""
        return self.frame("clients", where, source=source)

    def time_entries(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Time entries (``/time-entries``), by date."""
        return self.frame("time-entries", where, source=source)

    def placeholders(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Resource placeholders: unfilled demand (``/resource-placeholders``)."""
        return self.frame("resource-placeholders", where, source=source)

    def roles(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Project roles (``/project-roles``)."""
        return self.frame("project-roles", where, source=source)

    def tasks(self, where: Where = None, *, source: Source = None) -> pd.DataFrame:
        """Project tasks (``/project-tasks``)."""
        return self.frame("project-tasks", where, source=source)

    def timeline_frame(self, where: Where = None, start: Any = None, end: Any = None) -> pd.DataFrame:
        """Allocation days, placeholder demand, time off and time entries as one normalised timeline
        frame (see ``sm.normalise``), recorded time counted once.

        The window goes to Ruddr with ``where``: only the allocations overlapping it
        (``startBefore``, ``endOnAfter``), the time off those reach beyond it (their hours on a day
        depend on it), and the time entries of its days are pulled; members whole (``window_filters``
        and ``days_off_filter`` in ``smexplore.ruddr.normalise`` say what is sent). The frame is the
        one the whole history gives, trimmed to the window.

        Args:
            where: A filter both allocations and time entries can run (``member_id``, ``project_id`` …).
            start: Keep days ending after this moment.
            end: Keep days starting before this moment.
        """
        base = as_expression(where)
        planned, recorded = window_filters(start, end)
        allocations = self.allocations(joined(base, planned))
        days_off = days_off_filter(allocations, start, end)
        if days_off is not None:
            allocations = with_time_off(allocations, self.allocations(joined(base, days_off)))
        frame = timeline_frame(allocations, self.members(), self.time_entries(joined(base, recorded)),
                               start=start, end=end)
        frame.attrs.update(source=self.source, resource="timeline", now=self.now.isoformat())
        return frame

    def billable_utilisation(self, start: Any = None, end: Any = None, freq: str = "W") -> pd.DataFrame:
        """Ruddr's own measures per member and week (or ``freq="M"``): capacity, allocated and billable
        hours, the member's target and billable utilisation, as fractions (0.8 is 80 %).

        Capacity comes from the members' availability periods less time off; the target from their
        utilisation target periods (see ``smexplore.ruddr.capacity``). ``utilisation()`` is the
        measure every system answers (planned and recorded ÷ available hours).
        """
        return utilisation_against_capacity(self.allocations(), self.members(), self.time_entries(), start, end,
                                            freq)

    def people(self) -> pd.DataFrame:
        """The workspace's active members: ``staff_id`` and ``staff`` (placeholders are demand, not people)."""
        members = self.members()
        active = members[members["is_active"].fillna(True).astype(bool)] if "is_active" in members else members
        return people_frame(active["id"], active["name"])

    def capacity(self, start: Any = None, end: Any = None, *, hours_per_day: float = 8) -> pd.DataFrame:
        """Each active member's hours per day of the window from their availability periods (Ruddr's
        capacity; the workspace default of 8 h Monday to Friday where a member has none). Time off
        is in the timeline and is taken out of it by ``load``; ``hours_per_day`` is not used."""
        first, last = self._window(start, end, weeks_back=0, weeks_ahead=2)
        hours_on = member_capacities(self.members())
        people = self.people()
        days = [day.date() for day in pd.date_range(first.normalize(), last - pd.Timedelta(1, "ns"), freq="D")]
        rows = [(member, name, pd.Timestamp(day), hours_on[member](day))
                for member, name in zip(people["staff_id"], people["staff"], strict=True)
                if member in hours_on for day in days]
        frame = pd.DataFrame(rows, columns=["staff_id", "staff", "day", "capacity_hours"]).assign(source=self.source)
        return frame[list(CAPACITY_DTYPES)].astype(CAPACITY_DTYPES)

    # --- what Ruddr says ----------------------------------------------------------------------
    def paging(self, spec: Resource | None = None) -> Paginator:
        return JsonCursor(limit=PAGE_SIZE)

    def _get_resource(self, name: str) -> Resource:
        return get_resource(name)

    def _resource_names(self) -> tuple[str, ...]:
        return tuple(resource_names())

    def _dialect(self, spec: Resource) -> Dialect:
        return dialect_for(spec.name)

    def _check_id(self, record_id: str) -> str:
        return canonical_uuid(record_id)

    def _demo_now(self) -> Any:
        return self.emulator.workspace.now

    def _prepare(self, spec: Resource, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [flatten(record, spec) for record in records]

    def named_columns(self, resource: str) -> dict[str, str]:
        """The names of members, projects, clients and placeholders a record points at (``member_name`` …),
        each listing itself (ids are typed: they are not offered as names)."""
        return {column: column for column in self.filter_columns(resource) if column in _NAME_LISTS}

    def _names(self, column: str) -> pd.Series:
        """The names a name column of ``named_columns`` shows, by the listed record's id."""
        return self._known_names(column, self._related_frame)

    def _known_names(self, column: str, related: Callable[[str], pd.DataFrame]) -> pd.Series:
        """The names ``column`` can show: those of the workspace's list (``members``, ``projects`` …),
        read through ``related`` (a query's reads: one pull through the cache)."""
        try:
            listed, name = _NAME_LISTS[column]
        except KeyError:
            raise KeyError(f"{self.display_name} lists no names for {column!r}") from None
        frame = related(listed)
        return pd.Series(frame[name].to_numpy(), index=frame["id"].to_numpy(), name=column).dropna()

    def preview_columns(self, resource: str) -> list[str]:
        """Who, what and when first (``member_name``, ``project_name``, ``start`` …), or the record's name."""
        spec = self._resource(resource)
        return list(_PREVIEW.get(spec.name, ("name",) if "name" in spec.fields else ()))

    def _timeline_rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Allocations as their days, time entries as their hours (``sm.normalise``)."""
        return normalise(frame)


def connect(token: str | None = None, *, base_url: str = DEFAULT_BASE_URL, session: requests.Session | None = None,
            cache: str | Path | bool | None = None, expire_after: Any = DEFAULT_EXPIRE_AFTER,
            timezone: str | None = None, offline: bool = False, progress: bool = True,
            per_second: int | None = Settings.limits.per_second, retry_budget: float = RetryPolicy.budget,
            timeout: float = DEFAULT_TIMEOUT, concurrency: int = DEFAULT_CONCURRENCY,
            store: str | Path | None = None) -> Session:
    """Open a Ruddr workspace.

    Args:
        token: The workspace's API key (Settings → API keys in Ruddr), sent as a bearer token;
            ``$RUDDR_TOKEN`` when ``None``.
        base_url: The API's base URL.
        session: Your own ``requests.Session`` or ``requests_cache.CachedSession`` (used as given).
        cache: Folder for the cache files; default the user cache folder; ``False`` for none.
        expire_after: How long cached answers stay fresh; default one hour.
        timezone: IANA zone for timestamps (``createdAt`` …); ``None`` keeps them naive UTC.
            Dates (``start``, ``end``, ``date``) are calendar days either way.
        offline: Serve from the cache only.
        progress: Show a progress bar on pulls of more than one page, in Jupyter or on a terminal.
        per_second: Client-side limit of requests per second (Ruddr allows 20, bursts of 60).
        retry_budget: Seconds to keep retrying 429 and 5xx answers before raising.
        timeout: Seconds to wait for each answer.
        concurrency: Pages of one list in flight at most, where its paging allows (1: one after
            another); every request still keeps to the client's limits.
        store: Folder of the local store ``sync`` keeps; default: ``store`` inside ``cache`` when
            you give a cache folder, else the user data folder.

    Raises:
        AuthenticationError: No token given or in the environment (the message never shows one).
    """
    credential = Credential(resolve_secret(token, argument="token", env=ENV_TOKEN, system="Ruddr"), "token")
    settings = Settings(base_url=base_url.rstrip("/"), cache_dir=None if session is not None else cache_dir(cache),
                        store_dir=store_dir(store, cache),
                        expire_after=expire_after, timezone=timezone, offline=offline, progress=progress,
                        limits=replace(Settings.limits, per_second=per_second), retry=RetryPolicy(budget=retry_budget),
                        timeout=timeout, concurrency=concurrency)
    return Session(credential, settings, session=session)


def demo(*, seed: int = 0, scale: str = "small", timezone: str | None = None, progress: bool = True,
         cache: str | Path | None = None, store: str | Path | None = None,
         offline: bool = False, **emulator_options: Any) -> Session:
    """A Session on the embedded Ruddr emulator's synthetic consultancy (no key needed).

    The emulator runs on a free loopback port and the Session has a cache of its own in a
    temporary folder; both go when the Session is closed or Python exits.

    Args:
        seed: Seed of the synthetic workspace.
        scale: ``small`` (default) or a larger scale the emulator knows.
        timezone: As for ``connect``.
        progress: As for ``connect``.
        cache: A folder of your own for the cache and the local store (kept after the Session
            closes: a later demo of the same seed and scale finds its store there); default: a
            temporary folder.
        store: A folder of your own for the local store (default: ``store`` in the cache folder).
        offline: Answer from the cache and the store only (see ``connect``).
        **emulator_options: Passed to ``smexplore.ruddr.emulator.RuddrEmulator``.
    """
    from .emulator import DEMO_TOKEN, RuddrEmulator  # imported here: live sessions never load the emulator

    emulator = RuddrEmulator(seed=seed, scale=scale, **emulator_options)  # type: ignore[arg-type]
    return demo_session(emulator, "smexplore-ruddr-demo-", lambda folder: Session(
        Credential(DEMO_TOKEN, "token"),
        Settings(base_url=emulator.base_url, cache_dir=folder, offline=offline,
                 store_dir=store_dir(store, folder), timezone=timezone, progress=progress, mode="demo"),
        emulator=emulator), cache=cache)
