"""An embedded Syncd API emulator over a deterministic synthetic account.

``SyncdEmulator`` serves Syncd's XML REST API (``https://{account}.syncd.com``) over real HTTP
on loopback: HTTP Basic auth, the job tree (``/jobs.xml``, ``/jobs/active.xml``,
``/jobs/inactive.xml``, ``/jobs/my_assignments.xml``, ``/jobs/my_active_assignments.xml``,
``/jobs/my_inactive_assignments.xml``, ``/jobs/{id}.xml`` with ``include=job_ancestors``,
``/jobs/{id|root}/children.xml`` and its ``/children/{scope}.xml`` variants, ``for=time`` and
``for=expenses``), job writes (``POST /jobs.xml``, ``PUT``/``DELETE /jobs/{id}.xml``),
``/job_types.xml``, job assignments (``/job_assignments.xml``, ``/job_assignments/{id}.xml``
with ``include=users,user_groups,jobs,timestamps``), users, user groups, activities, time
entries, ``/info/user.xml`` and ``/info/account.xml``; Rails-style XML, item ranges with
``start``/``end``, and injectable faults. ``build_account`` makes the account it serves.

Documented facts followed (``shared/source-docs/syncd-jobs.txt``; ``shared/reference/other-systems.md`` §C):
paths and ``.xml``; HTTP Basic with the web login (the browser is prompted, so a 401 carries a
``Basic`` challenge); dasherised names, ``type="integer|boolean|datetime|date"``, ``nil="true"``
and empty elements; ``Z`` audit stamps and offset time-entry times; job fields and their order;
``include=job_ancestors`` nesting ``<parent>`` in place of ``parent-id``; ``active`` vs
``effectively-active``; ``for=time``/``for=expenses`` adding ``allow-time-entries`` /
``allow-expense-entries`` and always including ancestors; ``assigned`` on the ``my_…`` lists
(false on ancestors that are not assigned themselves, true on assigned jobs and the descendants
that inherit the assignment); ``children`` of ``root``; the job-type fields (root ``parent-id``
nil, one child per type, ``levels``); job assignments (all/none users, a user or a group; one
job or all jobs; inherited by a child without its own, no longer once it has any; ``include=``
replacing ids with objects); job permissions (root-type managers list every job, others their
assigned jobs; managers manage their type and below); the job write fields, their limits (name
required, unique under its parent, 50 characters; code 50; description and url 255), 201 on create
and "jobs associated with time entries can not be deleted"; users' fields and ``include=rights``
for administrators; time entries' two shapes, minutes, and who may see whose.

Decided here, where the documents are silent (§C.10's open questions):

- **Item ranges.** Every list takes ``start``/``end``: 1-based and inclusive (``start=1&end=4`` is
  the first four items). ``start`` defaults to 1; one answer holds at most ``page_size`` items
  (default 100), so a wider or open range is cut short. The job lists (``/jobs.xml``, its scopes
  and ``children``) asked for with neither ``start`` nor ``end`` send every job, as the document
  says ("All jobs: GET /jobs.xml"); the other lists send their first ``page_size`` items. The root
  carries ``type="array"`` and ``total`` (all items of the list), ``start`` and ``end`` (the last
  item sent; ``start - 1`` when none are). ``start`` or ``end`` not a whole number of at least 1,
  ``end < start``, or either given twice: 422.
- **``for=time``** keeps the jobs whose job type allows time entries, plus their ancestors (as
  for every job list: ancestors are always included, so a list is a closed tree). Another value
  of ``for`` is 422. ``/jobs/active.xml`` and ``inactive.xml`` select by ``effectively-active``.
- **Children** lists hold the children that match or that have a matching descendant.
- **Order**: by id (the order records were created; a parent before its children).
- **Roots with ``include=job_ancestors``** keep ``<parent-id type="integer" nil="true"/>``;
  nested parents carry the core job fields only. Lists accept ``include=job_ancestors`` too.
- **Per-job and per-user assignment lists**: ``/jobs/{id}/job_assignments.xml`` (the job's own
  or inherited assignments and those to all jobs), ``/users/{id}/job_assignments.xml`` and
  ``/job_assignments/my_assignments.xml`` (assignments naming the user: directly, through a
  group, or all users). Assignments to all jobs apply to every job, whatever it inherits.
  Job managers (any level) and administrators see every assignment, other users the ones
  naming them.
- **User groups** (needed to expand group assignments) at ``/user_groups.xml`` and
  ``/user_groups/{id}.xml``: ``id``, ``name``, ``<user-ids type="array"><user-id type="integer">``.
- **Time-entry lists** at ``/time_entries.xml`` filter by ``user_id``, ``job_id`` (that job only,
  not its descendants), ``start_date`` and ``end_date`` (``YYYY-MM-DD``, inclusive, against the
  entry's date: its start's date in its own offset, or its ``start-date``). A malformed filter, or
  ``end_date`` before ``start_date``, is 422. Entries always carry ``created-at``/``updated-at``;
  ``include=billing`` is accepted and adds nothing (the account keeps no billing data).
  ``activity-id`` is ``nil`` for entries without an activity, even with ``include=activities``.
- **Visibility**: what a user may not see is 404 (a scoped lookup, as Rails does), not 403;
  lists leave it out (a non-manager's ``/jobs.xml`` is their assigned jobs and ancestors; a user
  without ``view-management-reports`` sees only their own time entries, whatever ``user_id``
  asks). 403 is for ``include=rights`` by a non-administrator and job writes outside the user's
  job types.
- **Errors** are XML, ``<errors><error>message</error></errors>``, for every status: 401 (``HTTP
  Basic: Access denied.``, ``WWW-Authenticate: Basic realm="Syncd"``; also for an inactive
  user), 403, 404 (an unknown path or id), 405 (with ``Allow``), 406 (a path without ``.xml``),
  422 (query values, failed validation: Rails messages such as ``Name can't be blank``), 400 (a
  body that is not well-formed XML, or holds a DOCTYPE), 413 (a body over 64 KiB), 500/503 and 429
  (injected). Unknown query parameters are ignored; unknown ``include`` names are 422.
- **Writes**: a created job takes its parent's child type; it has no assignments of its own, so it
  inherits its parent's ("a new job will inherit the assignments … of its parent"; nothing is
  copied: an assignment made on the parent later applies to it too); ``parent-id`` cannot change;
  ``PUT`` and ``DELETE`` answer 200 with an empty body; deleting a job deletes its descendants and
  their assignments. A job with time entries (or with descendants that have them) is not deleted:
  422 with the Rails error document, as a failed ``before_destroy`` check renders it (§C.10's
  inferred 422 for a refused change; 409 would be a REST convention Rails of the time did not
  follow), its message saying to make the job inactive instead. Bodies take dashed or underscored
  names.
- **Rate limits**: none are documented, so there are none (faults can still inject a 429).
- ``/info/account.xml`` renders ``name``, ``display-name``, ``time-settings`` and ``job-types``;
  its other documented ``include`` names are accepted and add nothing.
"""

from ...emulation.faults import Fault, Faults
from ...emulation.link import Link
from ...emulation.log import LoggedRequest, RequestLog
from .account import DEMO_USER, NOW, SCALES, Account
from .app import SyncdApp
from .server import DEMO_PASSWORD, SyncdEmulator
from .synth import STUDIO, build_account

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_USER",
    "NOW",
    "SCALES",
    "STUDIO",
    "Account",
    "Fault",
    "Faults",
    "Link",
    "LoggedRequest",
    "RequestLog",
    "SyncdApp",
    "SyncdEmulator",
    "build_account",
]
