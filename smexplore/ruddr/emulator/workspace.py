"""The synthetic Ruddr workspace: its records, sizes, and the helpers its builders share."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ...emulation.synth import ANCHOR, iso_millis, seeded_uuid

__all__ = ["ANCHOR", "FIRST_DAY", "LAST_DAY", "RESOURCES", "SCALES", "Builder", "Record", "Scale", "Workspace", "num"]

Record = dict[str, Any]

RESOURCES = ("allocations", "members", "projects", "clients", "time-entries", "resource-placeholders",
             "project-roles", "project-tasks")
"""The list endpoints the emulator serves, by their path below ``/api/workspace``."""

FIRST_DAY = date(2025, 3, 1)
"""The first day of the workspace's history (a year before ``ANCHOR``)."""
LAST_DAY = date(2026, 8, 31)
"""The last day allocations are planned to (six months after ``ANCHOR``)."""


@dataclass(frozen=True)
class Scale:
    """How big a synthetic workspace is.

    Attributes:
        members: Workspace members (one has left, one joined during the year).
        clients: Client companies (the firm itself is one more, internal, client).
        projects: Client projects (two internal projects come on top).
        placeholders: Resource placeholders.
    """

    members: int
    clients: int
    projects: int
    placeholders: int


SCALES: dict[str, Scale] = {
    "small": Scale(members=12, clients=8, projects=25, placeholders=5),
    "medium": Scale(members=40, clients=24, projects=80, placeholders=8),
    "large": Scale(members=100, clients=60, projects=200, placeholders=12),
}


@dataclass
class Workspace:
    """A synthetic workspace: every resource's records in wire form, newest ``createdAt`` first.

    Attributes:
        seed: The seed it was built from.
        scale: The scale name.
        now: The workspace's anchored "now" (UTC).
        id: The workspace id (``GET /api/workspace``).
        name: The workspace name.
        tables: Resource path (``allocations``, ``time-entries``…) → records, as the API lists them.
    """

    seed: int
    scale: str
    now: datetime
    id: str
    name: str
    tables: dict[str, list[Record]] = field(default_factory=dict)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(rows)}" for name, rows in self.tables.items())
        return f"<Workspace {self.name!r} seed={self.seed} scale={self.scale!r} now={self.now:%Y-%m-%d %H:%M} {sizes}>"

    def by_id(self, resource: str) -> dict[str, Record]:
        """The records of ``resource`` by id."""
        return {record["id"]: record for record in self.tables[resource]}


def num(value: float) -> float | int:
    """A number as JavaScript writes it into JSON: rounded to cents, whole numbers without ``.0`` (8, 6.5)."""
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


class Builder:
    """The random streams and clock a workspace is built with.

    ``rng`` draws everything the first emulator drew; ``extra`` (a stream of its own) draws only for
    the fields added later from the public reference (business units, payment terms, invoice
    lines …), so adding them left every earlier record, id and number as it was.
    """

    def __init__(self, seed: int, scale: Scale) -> None:
        self.rng = random.Random(seed)
        self.extra = random.Random(f"smexplore-ruddr-extra-{seed}")
        self.scale = scale
        self.now = ANCHOR
        self.today = ANCHOR.date()

    def uuid(self) -> str:
        return seeded_uuid(self.rng)

    def extra_uuid(self) -> str:
        """A uuid from the ``extra`` stream (for the records' later fields)."""
        return seeded_uuid(self.extra)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def moment(self, day: date, earliest: int = 8, latest: int = 18) -> datetime:
        """A random time (to the millisecond) on ``day`` between the hours ``earliest`` and ``latest``."""
        seconds = self.rng.randrange(earliest * 3600, latest * 3600)
        return datetime(day.year, day.month, day.day) + timedelta(seconds=seconds, milliseconds=self.rng.randrange(1000))

    def stamp(self, moment: datetime) -> str:
        """``moment`` as a ``createdAt`` timestamp, never later than "now"."""
        return iso_millis(min(moment, self.now - timedelta(minutes=1)))

    def created_before(self, day: date, days: tuple[int, int] = (3, 45)) -> str:
        """A ``createdAt`` some days before ``day``; for what lies ahead of "now", some time in the last 60 days."""
        moment = self.moment(day - timedelta(days=self.rng.randint(*days)))
        if moment >= self.now - timedelta(minutes=1):
            moment = self.now - timedelta(seconds=self.rng.randrange(600, 60 * 86_400), milliseconds=self.rng.randrange(1000))
        return self.stamp(moment)
