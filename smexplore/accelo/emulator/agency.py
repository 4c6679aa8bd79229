"""The synthetic Accelo deployment: its tables in wire form, its sizes, and the wire helpers its builder uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ...emulation.synth import ANCHOR, unix_seconds

__all__ = ["ANCHOR", "Agency", "Record", "SCALES", "Scale", "TABLES", "money", "unix"]

_EPOCH = datetime(1970, 1, 1)
_SECOND = timedelta(seconds=1)

Record = dict[str, Any]

TABLES = ("staff", "companies", "companies/statuses", "jobs", "jobs/statuses", "jobs/types", "tasks", "tasks/statuses",
          "tasks/types", "tasks/priorities", "activities", "activities/classes", "rates")
"""The tables of a deployment, by their path below ``/api/v0``."""


@dataclass(frozen=True)
class Scale:
    """How big a synthetic agency is.

    Attributes:
        staff: Staff members (one left during the year).
        companies: Companies, the agency itself included (its internal jobs are against it).
        jobs: Jobs (projects), over about two years.
    """

    staff: int
    companies: int
    jobs: int


SCALES: dict[str, Scale] = {
    "small": Scale(staff=15, companies=40, jobs=240),
    "medium": Scale(staff=40, companies=120, jobs=800),
    "large": Scale(staff=100, companies=300, jobs=2400),
}


@dataclass
class Agency:
    """A synthetic Accelo deployment: every table's records in wire form, in ascending ``id``.

    Every value is a string or ``None`` (an unset date, a missing link), as Accelo sends them:
    ids, unix timestamps, seconds, decimals (``"150.00"``) and flags (``"0"``/``"1"``).

    Attributes:
        seed: The seed it was built from.
        scale: The scale name.
        now: The deployment's anchored "now" (naive UTC).
        deployment: The deployment's name (``{deployment}.api.accelo.com``).
        name: The agency's name (``deployment_name``).
        tables: Table path (``jobs``, ``jobs/statuses``…) → records.
        company_managers: Company id → the staff id managing it (the ``manager_id`` filter; not a field).
        company_countries: Company id → its postal address's country (the ``country`` range filter).
        api_user: The staff id a service application's token acts as (``/staff/whoami``, ``/tokeninfo``).
    """

    seed: int
    scale: str
    now: datetime
    deployment: str
    name: str
    tables: dict[str, list[Record]] = field(default_factory=dict)
    company_managers: dict[str, str] = field(default_factory=dict)
    company_countries: dict[str, str] = field(default_factory=dict)
    api_user: str = "1"
    _index: dict[str, dict[str, Record]] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(rows)}" for name, rows in self.tables.items())
        return f"<Agency {self.name!r} seed={self.seed} scale={self.scale!r} now={self.now:%Y-%m-%d %H:%M} {sizes}>"

    def by_id(self, table: str) -> dict[str, Record]:
        """The records of ``table`` by id (built once)."""
        index = self._index.get(table)
        if index is None:
            index = self._index[table] = {record["id"]: record for record in self.tables[table]}
        return index

    def get(self, table: str, record_id: str | None) -> Record | None:
        """The record of ``table`` with this id, or ``None``."""
        return None if record_id is None else self.by_id(table).get(record_id)


def unix(moment: datetime | None) -> str | None:
    """A naive UTC ``moment`` as Accelo sends it: unix seconds in a string (``None`` stays ``None``)."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        return str(unix_seconds(moment))
    return str((moment - _EPOCH) // _SECOND)


def money(amount: float) -> str:
    """A decimal as Accelo sends it: a string with two places (``"125.00"``)."""
    return f"{amount:.2f}"
