"""The demo account's shape and the words its records are made of, shared by the schedule's builder
(``synth``) and the other resources' (``extras``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .index import EditIndex

__all__ = ["FIRST_NAMES", "LAST_NAMES", "SCALES", "STREETS", "SUBURBS", "ZERO", "Account", "Record", "Scale"]

ZERO = "0000-00-00 00:00:00"
Record = dict[str, Any]


@dataclass(frozen=True)
class Scale:
    """How big a demo account is.

    Attributes:
        jobs: Number of jobs.
        staff: Inclusive range of staff members (one is a former, soft-deleted employee).
        history_days: How far back the account's history reaches from ``ANCHOR``.
    """

    jobs: int
    staff: tuple[int, int]
    history_days: int


SCALES: dict[str, Scale] = {
    "small": Scale(jobs=2_000, staff=(8, 15), history_days=365),
    "medium": Scale(jobs=20_000, staff=(30, 40), history_days=3 * 365),
    "large": Scale(jobs=27_000, staff=(50, 60), history_days=3 * 365),
}
"""The sizes of the synthetic account by name (``scale=`` of ``build_account``, ``Emulator`` and ``demo``),
each a ``Scale``: how many jobs, how many staff (a range) and how many days of history."""


@dataclass
class Account:
    """A synthetic account: every resource's records in wire form, in creation order.

    Attributes:
        seed: The seed it was built from.
        scale: The scale name.
        now: The account's anchored "now".
        tables: Resource name → records (dicts with the spec's field names and wire types).
        indexes: Resource name → the ``edit_date`` index of its records, built by the emulator
            serving them on the first filter on ``edit_date`` and kept right by its writes (every
            emulator over this account shares them). Change records through an emulator's API: an
            index does not see a timestamp changed behind its back.
    """

    seed: int
    scale: str
    now: datetime
    tables: dict[str, list[Record]] = field(default_factory=dict)
    indexes: dict[str, EditIndex] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(rows)}" for name, rows in self.tables.items())
        return f"<Account seed={self.seed} scale={self.scale!r} now={self.now:%Y-%m-%d %H:%M} {sizes}>"


FIRST_NAMES = [
    "Liam", "Olivia", "Noah", "Charlotte", "Jack", "Amelia", "William", "Isla", "Oliver", "Mia",
    "Thomas", "Grace", "James", "Chloe", "Lucas", "Zoe", "Henry", "Ruby", "Ethan", "Sophie",
    "Mason", "Harper", "Leo", "Ava", "Cooper", "Ella", "Hudson", "Lily", "Archie", "Matilda",
]
LAST_NAMES = [
    "Nguyen", "Smith", "Williams", "Brown", "Wilson", "Taylor", "Kelly", "Murphy", "Martin", "Lee",
    "Anderson", "Walker", "Harris", "Ryan", "Thompson", "White", "Clarke", "Campbell", "Singh",
    "O'Brien", "Hughes", "Papadopoulos", "Russo", "Chen", "Kowalski", "Fraser", "Doyle", "Patel",
]
SUBURBS = [
    ("Richmond", "3121"), ("Brunswick", "3056"), ("Footscray", "3011"), ("Hawthorn", "3122"),
    ("St Kilda", "3182"), ("Coburg", "3058"), ("Preston", "3072"), ("Box Hill", "3128"),
    ("Camberwell", "3124"), ("Essendon", "3040"), ("Northcote", "3070"), ("Carlton", "3053"),
    ("Williamstown", "3016"), ("Malvern", "3144"), ("Kew", "3101"), ("Elwood", "3184"),
]
STREETS = ["High St", "Station St", "Church St", "Victoria Rd", "Park Ave", "King St", "Albert St",
            "Queens Pde", "Bay St", "Glenferrie Rd", "Sydney Rd", "Union Rd"]
