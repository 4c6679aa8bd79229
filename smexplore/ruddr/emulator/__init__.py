"""An embedded Ruddr API emulator over a deterministic synthetic consultancy.

``RuddrEmulator`` serves Ruddr's REST API (``/api/workspace``) over real HTTP on loopback,
read-only: Bearer auth (401, and 423 when API access is off), list endpoints with the
``{"results": [...], "hasMore": bool}`` envelope, id cursors (``startingAfter`` /
``endingBefore``, ``limit`` 1 to 100, newest ``createdAt`` first), each list's filters, one record
by id, the workspace's rate limit (20 a second, bursts of 60) and injectable faults.
``build_workspace`` makes the workspace it serves; ``smexplore.ruddr.allocation_hours`` is the
rule its ``totalHours`` follow.

Documented facts followed (``shared/reference/other-systems.md`` §A, the Ruddr docs):
paths, the envelope, the cursors, the order, ``limit`` 1..100 (default 10), the filter grammar,
the error body ``{"status", "message"}`` with the documented 401, 423 and 429 messages,
"Parameter 'id' is not a valid UUID." for a malformed id, the allocation object's fields (24, and ``bookingTypeId``),
dates ``YYYY-MM-DD``, timestamps with milliseconds, and ``totalHours`` over working days.

Sources of the fields added from Ruddr's current public reference (each field's own source is in
``smexplore.ruddr.resources``, beside its table):
- allocations: ``bookingTypeId`` ``confirmed``/``soft``: the Rust crate ``ruddr``
  (``mschuchard/ruddr-rust`` ``src/model/allocation.rs``) and https://help.ruddr.io/resourcing/confirmed-and-soft-bookings;
- clients: ``invoiceDetailsSource``, ``invoiceSubject``, ``invoiceNotes``, ``invoiceEmailSubject``,
  ``invoiceEmailBody``, ``useWorkspaceInvoiceDetails``, ``invoicePaymentTerm``, ``salesRepresentative``,
  ``businessUnit``: https://docs.ruddr.io/api-reference/clients/get-a-client; ``integrations``: the
  crate's ``src/model/client.rs``;
- projects: ``revenueRecognitionMethod``, ``useBudget``/``budgetMode``, ``useMonthlyBudget``/
  ``monthlyBudgetMode``, the ``capMaxMemberHoursPer…``/``maxMemberHoursPer…`` pairs,
  ``lockTimeAndExpenses``, ``trackTimeToAssignedRoles``, ``cloudFolderUrl``, ``salesRepresentative``,
  ``businessUnit``, ``projectGroup``, status ``cancelled`` and billing type ``tm`` (not
  ``time_and_materials``): https://docs.ruddr.io/api-reference/projects/get-a-project; ``budget``,
  ``monthlyBudget`` and ``integrations``: the crate's ``src/model/project.rs``;
- project tasks: ``order``, ``position``, ``capHours``, ``capAssignedHours``, ``forAssignedOnly``,
  ``requireNotes``, ``budgetedServicesRevenue``, ``roles[].hours``, ``projectMembers``:
  https://docs.ruddr.io/api-reference/project-tasks/get-a-project-task and
  https://ruddr.readme.io/reference/project-task-object;
- project roles: ``budget`` and ``monthlyBudget`` ``{billableHours, nonBillableHours}``:
  https://ruddr.readme.io/reference/project-role-object and the crate's ``src/model/role.rs``;
- members: ``allowedTimeOffTypes``, ``timesheetCapacityPolicy``, ``trackTimeByDuration``,
  ``trackTimeByTimeRange``, ``level``, ``timeOffTypes``, ``certifications``:
  https://docs.ruddr.io/api-reference/members/list-members (and update-a-member);
  ``internalExpenseApprovalMode``, ``automaticTimesheetSubmissionConfirmation``, ``businessUnit``,
  ``internalExpenseApprover`` and the cost periods' ``costMethodId``, ``costPerMonth``…,
  ``currencyName``: the crate's ``src/model/member.rs``;
- time entries: ``clientStatusId``, ``invoice.line {id, number}``:
  https://docs.ruddr.io/api-reference/time-entries/get-a-time-entry.

Decided here, where the documents are silent:
- filters beyond those seen in clients (``resourceTypeId``, ``resourcePlaceholderId`` and every
  suffix of the ``start``/``end``/``date`` families; ``name…`` on placeholders; ``projectId``
  on tasks) follow the documented grammar; unknown parameters are ignored (``reject_unknown``
  refuses them); a parameter given twice, both cursors at once, a ``limit`` outside 1..100, a
  cursor naming no record, and malformed uuids, enums and dates are 400s that name the parameter;
- ``…Contains``/``…StartsWith``/``…EndsWith`` ignore case, the bare name matches exactly;
- a cursor keeps its place even when its record does not match the filter (keyset paging);
- the list returns the read-only allocations of holidays and of time off recorded as time entries;
- 404 answers "The resource or endpoint does not exist."; other methods are 405 (read-only);
- the rate limit is a token bucket per workspace, shared by all keys; 401s are not counted;
  no ``Retry-After`` unless ``retry_after=True``;
- numbers are JSON numbers as JavaScript writes them (``8``, ``6.5``), hours rounded to cents;
- the added fields' values (their rules are in ``synth`` and ``schedule``): soft bookings are
  members' allocations on tentative projects and one in four of their future project allocations;
  client projects with tasks have budgets aggregated from the tasks (monthly ones too on fixed
  monthly projects); only the "Strategic Accounts" projects have client approvals
  (``clientStatusId``); the added fields draw from a random stream of their own, so every earlier
  value is as before.
"""

from ...emulation.faults import Fault, Faults
from ...emulation.link import Link
from ...emulation.log import LoggedRequest, RequestLog
from .app import API_PREFIX, RuddrApp
from .server import DEMO_TOKEN, RuddrEmulator
from .synth import SCALES, build_workspace
from .workspace import ANCHOR, RESOURCES, Workspace

__all__ = [
    "ANCHOR",
    "API_PREFIX",
    "DEMO_TOKEN",
    "Fault",
    "Faults",
    "Link",
    "LoggedRequest",
    "RESOURCES",
    "RequestLog",
    "RuddrApp",
    "RuddrEmulator",
    "SCALES",
    "Workspace",
    "build_workspace",
]
