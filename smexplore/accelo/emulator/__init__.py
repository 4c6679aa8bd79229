"""An embedded Accelo API emulator over a deterministic synthetic agency.

``AcceloEmulator`` serves one Accelo deployment over real HTTP on loopback, read-only:

- ``POST /oauth2/v0/token`` (a service application: HTTP Basic ``client_id:client_secret``,
  ``grant_type=client_credentials``, optional ``scope`` and ``expires_in``) and ``/oauth2/v0/revoke``;
- ``/api/v0`` with ``Authorization: Bearer <token>`` (or ``_bearer_token``): ``/jobs``, ``/jobs/{id}``,
  ``/jobs/count``, ``/jobs/recent``, ``/jobs/newest``, ``/jobs/statuses[/{id}|/count]``,
  ``/jobs/types[/{id}|/count]``, ``/staff[/{id}|/count|/whoami]``, ``/companies[/{id}|/count|/recent|/newest]``,
  ``/tasks[/{id}|/count]``, ``/tasks/statuses``, ``/tasks/priorities``, ``/activities[/{id}|/count|/allocations]``,
  ``/activities/classes``, ``/rates``, ``/tokeninfo``;
- the envelope ``{"meta": {"status", "message", "more_info"}, "response": ...}`` with every value a
  string (unix timestamps, seconds, ``"0"``/``"1"`` flags, decimals ``"150.00"``; unset → null);
- ``_page`` (from 0), ``_limit`` (default 10, at most 100), ``_offset`` (Accelo/docs
  ``source/includes/_configuring_responses.md``, see ``query.py``); ``/count`` answers
  ``{"count": "N"}``; ``_fields`` with linked objects (``manager``, ``manager()``,
  ``company(name)``, ``status(_ALL)``, nesting, ``_ALL``, ``breadcrumbs``), ``_hide_defaults``;
- ``_filters`` (``query.py``/``filters.py``: basic, ``_not``, date, range, ``empty``, object,
  ``search``, order, ``_OR`` with one ``_AND``) and ``_search``; ``_suppress_message``,
  ``_suppress_http_status``, ``_suppress_meta``;
- errors in ``meta.status`` with the documented HTTP statuses: ``invalid_request`` 400 (a malformed
  or unknown parameter or filter, an unknown resource, and an id with no record, as documented),
  ``invalid_client`` 401, ``too_many_failed_logins`` 401 (with ``Retry-After``),
  ``invalid_permission`` 403 (a token's scope), ``too_many_requests`` 429, ``server_error`` 500;
- 5,000 requests an hour per deployment, with ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``
  and ``X-RateLimit-Reset`` (unix seconds) on every ``/api/v0`` answer; faults via ``Faults``.

``build_agency`` makes the agency it serves (``synth.py``; ``schema.py`` says what each table holds).

Documented facts followed (``shared/reference/other-systems.md`` §B, the Accelo docs, the source
document ``accelo-get-jobs.txt``): the paths, the envelope and its sample messages and ``more_info``
links, every value a string, the default fields in bold, each list's filters, the filter grammar
with its "only the last instance counts" rule and its single ``_AND``, the status codes, the
lockout, the token request and answer, ``_page`` counted from 0 and ``_limit`` at most 100 (the
docs since commit f91e70c of 2020-11-18; the source document's "5 will display the fifth page" and
its 50 are the older wording), and ``_page`` overriding ``_offset`` (the source document: they
"cannot be used in conjunction").

Decided here, where the documents are silent or disagree (the open questions of §B.13 first):

- job standings are ``pending``, ``active``, ``paused``, ``complete`` and ``inactive``, each from a
  status (Pending, In Progress, Awaiting Client, On Hold, Completed, Cancelled); task standings
  ``pending``, ``accepted``, ``started``, ``complete``, ``inactive``;
- a job's ``against_table`` (the source document's field, "the name of the object the job is
  against. E.g, companies"; the current job object has none) is served as the table ``against``
  points into (``companies``); ``against`` is the API path of the parent, plural
  (``companies/39``, ``jobs/12``, ``tasks/5``), without the source document's leading ``/``, as in
  the current docs' sample;
- ``_limit`` above 100 answers 100 records (``over_limit="error"`` refuses it instead); ``_limit`` 0
  or a value that is no whole number is a 400; ``_offset`` works alone, and ``_page`` overrides it;
- ``/time/schedules`` is not served (it left the docs);
- the rate-limit headers come with every ``/api/v0`` answer, errors included, never with
  ``/oauth2``'s (not limited, as documented); the limit is per deployment (every token shares it,
  as documented; ``limit_per="token"`` counts each token apart), in fixed windows of the clock's
  hours; ``X-RateLimit-Reset`` is the window's end; refused requests and failed authentications are
  not counted; a 429 has no ``Retry-After``;
- a ``_fields`` name a table does not have is left out of the answer (``strict_fields=True``
  refuses it); parentheses after a field that links nothing give its plain value; the linked
  objects are staff, companies, jobs, tasks, job/task statuses and types, task priorities,
  activity classes and rates (affiliations, contacts, time allocations and the like stay ids);
- an unknown filter, or one the table does not list, is a 400 (not silently ignored); ``_not``
  works after any filter but an order; several order keys sort in the order written, ties in
  ascending ``id``; the "last instance counts" rule applies at every level, the top included;
  values compare without regard to case and numbers by value; ``empty()`` counts null, ``""`` and
  ``"0"`` in id fields as empty; ``_filter`` (the source document's spelling) is read as
  ``_filters``; the source document's ``type`` (deprecated in the current docs for ``job_type``),
  ``manager_id``, ``min_id``/``max_id`` and ``plan_modified_by_*`` (no job here has a plan, so it
  keeps none), and the docs' typo ``dated_created``, are accepted on jobs;
- the token endpoint reads Basic credentials only (``/revoke`` also ``client_id``/``client_secret``
  in the body), a form-encoded body, and answers OAuth errors as ``{"error", "error_description"}``
  with the statuses of ``_status_codes.md`` (``unauthorized_client`` 401 for the
  ``authorization_code`` and ``refresh_token`` grants); ``expires_in`` is answered as a string, as
  in the service-application sample; a token lives ``min(expires_in, token_ttl)`` seconds;
- a token in both the header and ``_bearer_token`` is an ``invalid_request`` (as documented); a
  missing, unknown, revoked or expired token is ``invalid_client`` (unknown, revoked and expired
  ones count towards the lockout); a scope such as ``read(jobs)`` allows ``/jobs…`` only;
- faults apply to ``/api/v0`` only (the token endpoint is always well behaved); other methods than
  GET (and POST with ``_method=get``) are ``invalid_request`` (read-only); JSON only: a ``.json``
  suffix is accepted, ``.xml``/``.yaml`` are refused; JSON request bodies are not read;
- ``meta.response_code`` (``_suppress_http_status``) is a number, as in the docs' sample;
  ``/activities/allocations`` answers ``nonbillable`` (the sample), not ``unbillable`` (the table);
- an activity without a task has ``task`` ``"0"`` and ``parent`` ``"activities/0"``, as in the sample;
- times are UTC unix seconds; staff work 08:30 to about 17:00 UTC and say ``Europe/London``.
"""

from ...emulation.faults import Fault, Faults
from ...emulation.link import Link
from ...emulation.log import LoggedRequest, RequestLog
from .agency import ANCHOR, SCALES, TABLES, Agency
from .app import API_PREFIX, OAUTH_PREFIX, AcceloApp
from .server import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, AcceloEmulator
from .synth import build_agency

__all__ = [
    "ANCHOR",
    "API_PREFIX",
    "AcceloApp",
    "AcceloEmulator",
    "Agency",
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "Fault",
    "Faults",
    "Link",
    "LoggedRequest",
    "OAUTH_PREFIX",
    "RequestLog",
    "SCALES",
    "TABLES",
    "build_agency",
]
