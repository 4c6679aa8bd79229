"""Helpers for synthetic demo data: the shared "now", seeded ids and wire timestamps (ISO 8601, unix seconds)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

__all__ = ["ANCHOR", "iso_millis", "seeded_uuid", "unix_seconds"]

ANCHOR = datetime(2026, 3, 2, 12, 0, 0)
"""The demo data's "now", Monday 2 March 2026 at noon. Every emulator's synthetic data is anchored
here, so that notebooks and tests never drift with the calendar."""


def seeded_uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from ``rng`` (the same seed gives the same ids)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def iso_millis(moment: datetime) -> str:
    """``moment`` as an ISO 8601 UTC timestamp with milliseconds: ``2025-01-10T14:22:35.418Z``.

    A naive ``moment`` is taken to be UTC.
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds") + "Z"


def unix_seconds(moment: datetime) -> int:
    """``moment`` as whole seconds since 1970-01-01 UTC (a naive ``moment`` is taken to be UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())
