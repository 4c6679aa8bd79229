"""The Session: ServiceM8 records as typed DataFrames, through a real HTTP cache.

``connect()`` opens a live account, ``demo()`` an embedded emulator with the synthetic demo
account. Both return a ``Session``, whose query methods return pandas DataFrames.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import requests

from ..core.errors import CacheMissError, SMExploreError
from ..core.filters.evaluate import evaluate
from ..core.filters.expr import F, as_expression
from ..core.filters.plan import Dialect, Lookup
from ..core.log import get_logger
from ..core.retry import RetryPolicy
from ..core.schedule import people_frame
from ..core.schema import Resource, canonical_uuid
from ..core.session import (
    DEFAULT_EXPIRE_AFTER,
    BaseSession,
    CacheInfo,
    Source,
    Where,
    cache_dir,
    demo_session,
    store_dir,
)
from ..core.session import Settings as BaseSettings
from ..core.settings import DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT
from ..core.wire import Wire
from .auth import resolve_credential
from .dialect import DIALECT
from .enrich import DIRECT_KEYS, enriched_columns, names_by_uuid
from .enrich import enrich as add_enrichment
from .errors import describe_error
from .normalise import timeline_frame
from .resources import CUSTOM_FIELD_PREFIX, get_resource, resource_names
from .writes import WRITABLE, WritesMixin

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_EXPIRE_AFTER", "CacheInfo", "Session", "Settings", "connect", "demo"]
# CacheInfo and DEFAULT_EXPIRE_AFTER live in smexplore.core.session; named here too.

DEFAULT_BASE_URL = "https://api.servicem8.com/api_1.0"
# Query method → resource, for the convenience methods and ``resources()``.
METHODS = {
    "jobs": "job",
    "allocations": "joballocation",
    "activities": "jobactivity",
    "bookings": "jobactivity",
    "staff": "staff",
    "clients": "company",
    "categories": "category",
    "allocation_windows": "allocationwindow",
    "queues": "queue",
    "job_contacts": "jobcontact",
    "client_contacts": "companycontact",
    "notes": "note",
    "job_materials": "jobmaterial",
    "materials": "material",
    "badges": "badge",
    "tasks": "task",
    "forms": "form",
    "form_responses": "formresponse",
}

_SCHEDULED = F.activity_was_scheduled == True  # builds a filter expression
"""What makes an activity a booking (see ``Session.bookings``)."""

# The FilterBuilder lists these uuids by name: uuid field → the enriched column that names it.
_NAMED_UUIDS = {key: column for column, key in DIRECT_KEYS.items() if column != "job_number"}


@dataclass(frozen=True)
class Settings(BaseSettings):
    """Every behaviour flag of a ServiceM8 Session (see :class:`smexplore.core.settings.Settings`); the base
    URL defaults to ServiceM8's, and the limits to its 180 requests a minute and 20,000 a day."""

    base_url: str = DEFAULT_BASE_URL


log = get_logger("session")


def _first_page_filter(params: Mapping[str, str]) -> str | None:
    """The ``$filter`` of a first-page request (a 400 to a later page is about its cursor, not the filter)."""
    return params.get("$filter") if params.get("cursor", "-1") == "-1" else None


API_WIRE = Wire(credential_hint="check the API key (api_key= or SERVICEM8_API_KEY) or OAuth token",
                filter_of=_first_page_filter, describe_error=describe_error)
"""How ServiceM8's API speaks (``core.wire``): JSON, a 403 naming the read's scope, ``$filter``."""


class Session(BaseSession, WritesMixin):  # the base's methods first: WritesMixin only declares them
    """A connection to one ServiceM8 account that returns typed pandas DataFrames.

    Make one with ``smexplore.connect()`` or ``smexplore.demo()``. Writes (``create``, ``update``,
    ``delete``, ``restore``, ``allocate``, ``book``, ``add_note``, ``add_job_contact``, ``add_task``,
    ``add_badge``, ``remove_badge``) need ``writable=True``, and reach only the resources a scheduling
    tool changes (``smexplore.servicem8.writes.WRITABLE``); the others are read-only on purpose.

    Attributes:
        settings: Every behaviour flag (see ``Settings``).
        emulator: The embedded emulator serving a demo session (``None`` when live).
    """

    source: ClassVar[str] = "servicem8"
    display_name: ClassVar[str] = "smexplore.Session"
    wire: ClassVar[Wire] = API_WIRE
    methods: ClassVar[Mapping[str, str]] = METHODS
    timeline_resources: ClassVar[tuple[str, ...]] = ("jobactivity", "joballocation")
    changed_field: ClassVar[str | None] = "edit_date"
    settings: Settings

    def __init__(self, credential: Any, settings: Settings, *, session: requests.Session | None = None,
                 emulator: Any = None) -> None:
        self._custom_fields: dict[str, tuple[str, ...]] = {}
        self._zone: str | None = None  # the account's time zone once asked ("": the API does not say)
        super().__init__(credential, settings, session=session, emulator=emulator)

    # --- queries ----------------------------------------------------------------------------
    def frame(self, resource: str, where: Where = None, *, include_inactive: bool = False,
              enrich: bool = False, source: Source = None) -> pd.DataFrame:
        """Records of any supported resource as a typed DataFrame.

        Args:
            resource: The API name, e.g. ``"jobactivity"`` (see ``resources()``).
            where: A filter expression (``sm.F.status == "Work Order"``) or ServiceM8 ``$filter``
                text (``"status eq 'Work Order'"``). It is checked against the resource before any
                request; the part the API can run is sent as ``$filter``, the rest runs on the
                frame (see ``explain``). Enriched columns (``staff_name`` …) may be used.
            include_inactive: Keep soft-deleted records (``active`` is 0); implied when ``where``
                names ``active`` (``F.active == False`` finds the deleted ones).
            enrich: Add ``staff_name``, ``job_number``, ``client_name``, ``category_name``.
            source: ``"api"``, ``"store"`` (the local copy ``sync`` keeps: same columns, dtypes and
                filter semantics, no request), or ``None``: the store when the session is offline
                and the store holds ``resource``, else the API.

        Raises:
            UnknownResourceError: No such resource.
            FilterError: ``where`` is malformed, names an unknown field (``UnknownFieldError``), or
                an operator or value does not fit a field's type.
            StoreError: ``source="store"``, and the store does not hold ``resource``.
            SMExploreError: The API refused or failed (a subclass says how).
        """
        spec = self._resource(resource)
        stored = self._reads_store(spec, source)
        related = self._related_lookup(stored)
        planned = self._plan(spec, where, related)
        result, local = self._rows(spec, planned, stored)
        pulled, fetched_at = len(result), result.attrs["fetched_at"]
        # Enriched columns the local filter reads are added for it, and dropped after unless asked for.
        borrowed = (local.fields() & set(enriched_columns(spec.fields))) if local is not None and not enrich else set()
        if enrich or borrowed:
            result = add_enrichment(result, related, None if enrich else borrowed)
        if local is not None:
            result = result[evaluate(local, result, spec, self.settings.timezone)].reset_index(drop=True)
        result = result.drop(columns=list(borrowed))
        # A filter that names ``active`` decides about soft-deleted records itself.
        if not include_inactive and "active" in result and "active" not in planned.fields:
            result = result[result["active"].fillna(True).astype(bool)].reset_index(drop=True)
        return self._finish(result, spec, planned, pulled, fetched_at, stored)

    def timeline_frame(self, where: Where = None, start: Any = None, end: Any = None) -> pd.DataFrame:
        """Bookings, recorded time and allocations as one normalised timeline frame (see ``sm.normalise``).

        The window goes to ServiceM8 with ``where`` as ``$filter``: only the activities and the
        allocations of its days are pulled (``smexplore.servicem8.normalise.timeline_frame`` says
        how); the jobs, clients and staff that name them, and the allocation windows, are pulled
        whole (its ``$filter`` cannot ask for a list of uuids). The frame is the one the whole
        history gives, trimmed to the window.

        Args:
            where: A filter both job activities and allocations can run (``staff_name``,
                ``staff_uuid``, ``job_uuid`` …).
            start: Keep spans that end after this moment.
            end: Keep spans that start before this moment.
        """
        return timeline_frame(self, where, start, end)

    def jobs(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Jobs (``/job.json``); same arguments as ``frame``."""
        return self.frame("job", where, **options)

    def allocations(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Job allocations (``/joballocation.json``); same arguments as ``frame``."""
        return self.frame("joballocation", where, **options)

    def activities(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Job activities: bookings and recorded time (``/jobactivity.json``); same arguments as ``frame``."""
        return self.frame("jobactivity", where, **options)

    def bookings(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Bookings: the job activities scheduled in advance (``activity_was_scheduled``), not the time
        recorded on site (``activity_was_recorded``; the API holds the two apart: no activity is
        both). The same columns and dtypes as ``activities()``, and the same arguments as ``frame``;
        the condition is sent to the API with ``where`` (``activity_was_scheduled eq 1``), as
        ServiceM8's own clients ask for bookings.

        ``frame("bookings")`` names the resource, ``jobactivity``: every activity.
        """
        return self.frame("jobactivity", _scheduled(where), **options)

    def staff(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Staff members (``/staff.json``); same arguments as ``frame``."""
        return self.frame("staff", where, **options)

    def clients(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Clients (``/company.json``); same arguments as ``frame``."""
        return self.frame("company", where, **options)

    def categories(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Job categories (``/category.json``); same arguments as ``frame``."""
        return self.frame("category", where, **options)

    def allocation_windows(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Allocation windows (``/allocationwindow.json``); same arguments as ``frame``."""
        return self.frame("allocationwindow", where, **options)

    def queues(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Job queues (``/queue.json``); same arguments as ``frame``."""
        return self.frame("queue", where, **options)

    def job_contacts(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Job contacts: the people to call about a job, its site and billing contacts (``/jobcontact.json``;
        ``type`` says which, e.g. ``JOB``, ``BILLING``); same arguments as ``frame``. ``enrich=True`` adds
        the job number and the job's client and category."""
        return self.frame("jobcontact", where, **options)

    def client_contacts(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Client contacts: the people of each client (``/companycontact.json``); same arguments as ``frame``.
        ``enrich=True`` adds ``client_name``."""
        return self.frame("companycontact", where, **options)

    def notes(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Notes on jobs and clients (``/note.json``; ``related_object`` says what a note is on, and
        ``related_object_uuid`` which); same arguments as ``frame``. ``enrich=True`` adds the job number,
        client and category of a note on a job (and the client of a note on a client)."""
        return self.frame("note", where, **options)

    def job_materials(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Materials used on jobs, a line each, with quantity, price and cost (``/jobmaterial.json``); same
        arguments as ``frame``. ``enrich=True`` adds ``material_name`` (the catalogue's name), the job
        number and the job's client and category."""
        return self.frame("jobmaterial", where, **options)

    def materials(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """The materials catalogue: products and labour rates, with price and cost (``/material.json``); same
        arguments as ``frame``."""
        return self.frame("material", where, **options)

    def badges(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Badges, the labels put on jobs and clients (``/badge.json``); same arguments as ``frame``. A job's
        ``badges`` field lists their uuids; ``jobs(enrich=True)`` names them in ``badge_names``."""
        return self.frame("badge", where, **options)

    def tasks(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Tasks: to-dos for staff, on a job or a client or on their own (``/task.json``); same arguments as
        ``frame``. ``enrich=True`` adds ``assigned_to_staff_name`` and, for a task on a job, its number,
        client and category."""
        return self.frame("task", where, **options)

    def forms(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Forms: the templates staff fill in on site (``/form.json``); same arguments as ``frame``."""
        return self.frame("form", where, **options)

    def form_responses(self, where: Where = None, **options: Any) -> pd.DataFrame:
        """Forms filled in (``/formresponse.json``: ``field_data`` holds the answers as JSON, ``regarding_object``
        what the form was about); same arguments as ``frame``. ``enrich=True`` adds ``staff_name`` and,
        for a form on a job, its number, client and category."""
        return self.frame("formresponse", where, **options)

    def get(self, resource: str, uuid: str) -> pd.DataFrame:
        """One record by uuid, as a one-row frame.

        Raises:
            NotFoundError: No record has this uuid.
            ValueError: ``uuid`` is not a uuid (nothing is sent).
        """
        return super().get(resource, uuid)

    def resources(self) -> pd.DataFrame:
        """Every supported resource: its methods (``jobactivity``: ``activities, bookings``), path, read
        scope, number of fields, and whether smexplore writes it (``writable``: see ``WRITABLE``; the
        others are read-only on purpose)."""
        frame = super().resources()
        scopes = [get_resource(name).scopes["list"] for name in frame["resource"]]
        frame.insert(3, "read_scope", pd.Series(scopes, index=frame.index, dtype="string"))
        frame["writable"] = pd.Series(frame["resource"].isin(WRITABLE).to_numpy(), index=frame.index, dtype="boolean")
        return frame

    def sync(self, resources: Sequence[str] | str | None = None, *, full: bool | None = None,
             force: bool = False) -> pd.DataFrame:
        """Bring the local store up to date with the account, and say what changed.

        ServiceM8 stamps every record with ``edit_date``: the first sync of a resource pulls every
        record, later ones only those changed since the last (less ``sync_overlap``), merged by uuid
        (soft deletes arrive as ``active`` false); a full sync (``full=True``, or by itself once the
        last is older than ``settings.full_sync_after``) pulls every record and reconciles. The
        whole behaviour (refusals, ``force``, Ctrl-C, locking) is ``smexplore.core.storing``'s.

        Args:
            resources: API names or method names (default: every resource with ``edit_date``, all of
                them, those of the convenience methods first: one request each when little changed).
            full: ``True``: pull every record and reconcile; ``False``: only what changed; ``None``:
                full when the last full sync is older than ``settings.full_sync_after``.
            force: Store a full pull's answer even when it empties a resource or halves it.

        Returns:
            One row per resource, with ``resource``, ``new``, ``changed``, ``deactivated``, ``requests``,
            ``seconds``, ``full`` and ``note`` (as every Session's ``sync`` says).

        Raises:
            UnknownResourceError: A name is no resource (nothing is pulled).
            CacheMissError: The session is offline.
            SyncRefusedError: A full pull's answer looked like a failure (an emptied or halved resource).
            StoreError: The store folder cannot be written, or another sync held it too long.
            SMExploreError: The API refused or failed; the store keeps what it held before.
        """
        if resources is None:
            resources = list(dict.fromkeys([*self.methods.values(), *resource_names()]))
            resources = [name for name in resources if self.changed_field in get_resource(name).fields]
        return super().sync(resources, full=full, force=force)

    # --- what ServiceM8 says ------------------------------------------------------------------
    def _get_resource(self, name: str) -> Resource:
        return get_resource(name)

    def _resource_names(self) -> tuple[str, ...]:
        return resource_names()

    def _dialect(self, spec: Resource) -> Dialect:
        return DIALECT

    def _record_path(self, spec: Resource, record_id: str) -> str:
        return spec.record(record_id)  # the spec's own path: a note is /dbonote/{uuid}.json

    def _check_id(self, record_id: str) -> str:
        return canonical_uuid(record_id)  # the API's spelling, whichever was given (ValueError if none)

    def people(self) -> pd.DataFrame:
        """The account's active staff who are on the schedule (not ``hide_from_schedule``): ``staff_id``
        (their uuid) and ``staff`` (first and last name)."""
        staff = self.staff()
        if "hide_from_schedule" in staff:
            staff = staff[~staff["hide_from_schedule"].fillna(False).astype(bool).to_numpy()]
        return people_frame(staff["uuid"], (staff["first"].fillna("") + " " + staff["last"].fillna("")).str.strip())

    def _account_zone(self) -> str | None:
        """The account's time zone, as its vendor record says (``/vendor.json``'s ``timezone_name``),
        asked once a session; ``None`` where the API does not say (a sync then keeps its mark safe)."""
        if self._zone is None:
            self._zone = ""
            try:
                body, _ = self._transport.get("/vendor.json", mode="bypass",  # a sync stores nothing in the cache
                                              what="the account's vendor record")
                record = body[0] if isinstance(body, list) and body else body
                name = record.get("timezone_name") if isinstance(record, dict) else None
                if isinstance(name, str) and name:
                    zoneinfo.ZoneInfo(name)
                    self._zone = name
            except (SMExploreError, zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
                log.info("the account's time zone is unknown (%s); sync marks are kept at the earliest wall clock "
                         "any zone shows", exc)
        return self._zone or None

    def _lookup(self, related: Callable[[str], pd.DataFrame]) -> Lookup:
        def uuids_named(column: str, name: str) -> list[str]:
            """The uuids of the related records an enriched ``column`` shows as ``name`` (any case)."""
            names = names_by_uuid(column, related)
            return sorted(set(names.index[names.astype("string").str.casefold() == name.casefold()]))

        return uuids_named

    def _names(self, column: str) -> pd.Series:
        """The names an enriched ``column`` shows, by the related record's uuid."""
        return names_by_uuid(column, self._related_frame)

    def _known_names(self, column: str, related: Callable[[str], pd.DataFrame]) -> pd.Series:
        """The names an enriched ``column`` shows, from the list a filter on it looks names up in (or
        enrichment adds them from): read through the query's ``related``, so no request is added."""
        return names_by_uuid(column, related)

    def named_columns(self, resource: str) -> dict[str, str]:
        """Staff, client, category and material uuids and names (not job numbers: too many for a list)."""
        named: dict[str, str] = {}
        enriched = self._resource(resource).enriched
        for column in self.filter_columns(resource):
            if column in _NAMED_UUIDS and _NAMED_UUIDS[column] in enriched:  # a job activity's material: no name
                named[column] = _NAMED_UUIDS[column]
            elif column in _NAMED_UUIDS.values():
                named[column] = column
        return named

    def _display_frame(self, resource: str, where: Where) -> pd.DataFrame:
        return self.frame(resource, where, enrich=True)

    def _learn(self, spec: Resource, frame: pd.DataFrame) -> None:
        self._custom_fields[spec.name] = tuple(sorted({*self._custom_fields.get(spec.name, ()),
                                                       *(c for c in frame.columns if spec.has_custom_field(c))}))

    def _extra_columns(self, spec: Resource, params: Mapping[str, str], any_records: bool) -> tuple[str, ...]:
        """The account's custom fields of ``spec``, for a frame that would otherwise lack them.

        Learnt from every pull; an empty filtered result of a resource with custom fields, before
        any pull has shown them, looks at the whole resource (through the cache) once.
        """
        known = self._custom_fields.get(spec.name)
        if known is None and not any_records and params and spec.has_custom_field(f"{CUSTOM_FIELD_PREFIX}probe"):
            try:
                self._related_frame(spec.name)
            except CacheMissError:
                return ()
            known = self._custom_fields.get(spec.name)
        return known or ()


def _scheduled(where: Where) -> Where:
    """``where`` and ``activity_was_scheduled``. Filter text stays text (checked as given first), so an
    error in it still quotes it and points into it."""
    if where is None:
        return _SCHEDULED
    given = as_expression(where)  # FilterError or TypeError as frame() would raise them
    if isinstance(where, str):
        return f"{where} and activity_was_scheduled eq 1"
    return _SCHEDULED if given is None else given & _SCHEDULED


def connect(api_key: str | None = None, *, oauth_token: str | None = None, base_url: str = DEFAULT_BASE_URL,
            session: requests.Session | None = None, cache: str | Path | bool | None = None,
            expire_after: Any = DEFAULT_EXPIRE_AFTER, timezone: str | None = None, offline: bool = False,
            progress: bool = True, per_minute: int | None = Settings.limits.per_minute,
            per_day: int | None = Settings.limits.per_day, retry_budget: float = RetryPolicy.budget,
            timeout: float = DEFAULT_TIMEOUT, concurrency: int = DEFAULT_CONCURRENCY, writable: bool = False, store: str | Path | None = None,
            full_sync_after: timedelta | None = Settings.full_sync_after) -> Session:
    """Open a ServiceM8 account.

    Args:
        api_key: The account's API key; ``$SERVICEM8_API_KEY`` when ``None``.
        oauth_token: An OAuth access token instead of an API key (sent as a bearer token).
        base_url: The API's base URL.
        session: Your own ``requests.Session`` or ``requests_cache.CachedSession`` (used as given;
            a plain Session does not cache, and ``cache`` is then ignored).
        cache: Folder for the cache files (created when missing); default: the user cache folder
            (``platformdirs.user_cache_dir("smexplore")``); ``False`` for no cache.
        expire_after: How long cached answers stay fresh (seconds, ``timedelta``, or requests-cache's
            constants); default one hour.
        timezone: IANA zone name to localise timestamps to; ``None`` keeps naive account time.
        offline: Serve from the cache only; a miss raises ``CacheMissError``.
        progress: Show a progress bar on pulls of more than one page, in Jupyter or on a terminal.
        per_minute: Client-side limit of requests per minute (the API allows 180).
        per_day: Client-side budget of requests per day (the API allows 20,000).
        retry_budget: Seconds to keep retrying 429 and 5xx answers before raising.
        timeout: Seconds to wait for each answer.
        concurrency: Pages of one list in flight at most, where its paging allows (1: one after
            another); every request still keeps to the client's limits.
        writable: Allow writes (``create``, ``update``, ``delete``, ``restore``, ``allocate``, ``book``,
            ``add_note`` …; see ``Session``); sessions are read-only by default.
        store: Folder of the local store ``sync`` keeps; default: ``store`` inside ``cache`` when
            you give a cache folder, else the user data folder (``platformdirs.user_data_dir``).
        full_sync_after: How old the last full sync may be before ``sync`` makes the next one full
            (every record pulled and reconciled: records deleted outright leave the store); ``None``:
            only ``sync(full=True)``.
    """
    credential = resolve_credential(api_key, oauth_token)
    settings = Settings(
        base_url=base_url.rstrip("/"), cache_dir=None if session is not None else cache_dir(cache),
        expire_after=expire_after, timezone=timezone, offline=offline, progress=progress,
        limits=replace(Settings.limits, per_minute=per_minute, per_day=per_day),
        retry=RetryPolicy(budget=retry_budget), timeout=timeout, concurrency=concurrency, writable=writable,
        store_dir=store_dir(store, cache), full_sync_after=full_sync_after,
    )
    return Session(credential, settings, session=session)


def demo(*, seed: int = 0, scale: str = "small", timezone: str | None = None, progress: bool = True,
         writable: bool = False, cache: str | Path | None = None, store: str | Path | None = None,
         offline: bool = False, **emulator_options: Any) -> Session:
    """A Session on the embedded emulator serving the synthetic demo account (no key needed).

    The emulator runs in a background thread on a free loopback port and the Session has a cache
    of its own in a temporary folder; both go when the Session is closed or Python exits.

    Args:
        seed: Seed of the synthetic account (the same seed gives the same records).
        scale: ``small`` (default), ``medium`` or ``large``.
        timezone: As for ``connect``.
        progress: As for ``connect``.
        writable: As for ``connect`` (writes change only the emulator's copy of the account).
        cache: A folder of your own for the cache and the local store (kept after the Session
            closes: a later demo of the same seed and scale finds its store there); default: a
            temporary folder.
        store: A folder of your own for the local store (default: ``store`` in the cache folder).
        offline: Answer from the cache and the store only (see ``connect``).
        **emulator_options: Passed to ``smexplore.emulator.Emulator`` (``page_size``,
            ``per_minute``, ``faults``, ``tokens`` …).
    """
    from .emulator import Emulator  # imported here: live sessions never load the emulator

    emulator = Emulator(seed=seed, scale=scale, **emulator_options)  # type: ignore[arg-type]
    return demo_session(emulator, "smexplore-demo-", lambda folder: Session(
        resolve_credential(emulator.api_key, None),
        Settings(base_url=emulator.base_url, cache_dir=folder, offline=offline,
                 store_dir=store_dir(store, folder), timezone=timezone, progress=progress, mode="demo",
                 expire_after=DEFAULT_EXPIRE_AFTER, writable=writable),
        emulator=emulator), cache=cache)
