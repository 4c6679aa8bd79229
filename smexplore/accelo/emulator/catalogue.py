"""The fixed vocabulary of the synthetic agency: names, positions, job and task kinds, statuses, rates."""

from __future__ import annotations

from collections.abc import Sequence

from .agency import Record

__all__ = [
    "ACTIVITY_CLASSES", "AGENCY", "COMPANY_PREFIXES", "COMPANY_SUFFIXES", "FIRST_NAMES", "INTERNAL_JOBS", "JOB_KINDS",
    "JOB_STATUSES", "JOB_TYPES", "NOTES", "POSITIONS", "RATES", "SURNAMES", "TASK_PRIORITIES", "TASK_STATUSES",
    "TASK_TITLES", "TASK_TYPES", "status_records",
]

AGENCY = "Brightwater Digital"

FIRST_NAMES = (
    "Amara", "Ben", "Chloe", "Dev", "Elena", "Finn", "Grace", "Hamza", "Isla", "Jonah", "Kiran", "Leah", "Marcus",
    "Nadia", "Owen", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor", "Willow", "Xander", "Yasmin", "Zoe",
    "Aidan", "Bella", "Callum", "Daisy", "Ethan", "Freya", "George", "Hannah", "Ivan", "Jasmine", "Kai", "Lucy",
    "Mateo", "Niamh",
)
SURNAMES = (
    "Adeyemi", "Brennan", "Carter", "Desai", "Evans", "Fraser", "Gallagher", "Hughes", "Iqbal", "Jensen", "Kowalski",
    "Lindqvist", "Morgan", "Nakamura", "O'Connor", "Patel", "Quigley", "Rahman", "Sullivan", "Thornton", "Underwood",
    "Vargas", "Walsh", "Xu", "Young", "Zielinski", "Ahmed", "Baker", "Chen", "Doyle", "Ellis", "Foster", "Green",
    "Hall", "Ito", "James", "Khan", "Lewis", "Murphy", "Novak",
)

POSITIONS: tuple[tuple[str, float, str], ...] = (
    # (position, billable rate, financial level): the first five manage jobs
    ("Managing Director", 220, "all"), ("Operations Director", 200, "all"), ("Senior Project Manager", 180, "all"),
    ("Project Manager", 165, "all"), ("Project Manager", 165, "all"),
    ("Senior Developer", 175, "time"), ("Designer", 140, "time"), ("Developer", 150, "time"),
    ("Copywriter", 120, "time"), ("SEO Specialist", 135, "time"), ("UX Designer", 150, "time"),
    ("Content Strategist", 130, "time"), ("Account Manager", 140, "none"), ("Junior Developer", 110, "time"),
    ("Motion Designer", 145, "time"),
)

COMPANY_PREFIXES = (
    "Northwind", "Harbour", "Copper", "Juniper", "Atlas", "Meridian", "Kestrel", "Bramble", "Larkspur", "Tidewater",
    "Redwood", "Silverline", "Foxglove", "Granite", "Halcyon", "Ironbridge", "Lantern", "Marlow", "Oakridge",
    "Pennant", "Quayside", "Riverside", "Saltmarsh", "Thistle", "Upland", "Vantage", "Wrenfield", "Yarrow",
    "Zephyr", "Bluebell",
)
COMPANY_SUFFIXES = (
    "Traders", "Foods", "Logistics", "Dental", "Architects", "Brewing", "Legal", "Clinic", "Outdoors", "Studios",
    "Partners", "Bakery", "Motors", "Health", "Consulting",
)

INTERNAL_JOBS = (f"{AGENCY}: Admin & Operations", f"{AGENCY}: Business Development", f"{AGENCY}: Training")

JOB_TYPES: tuple[tuple[str, str, str], ...] = (
    # (title, standing, has_custom_id), ids from 1
    ("Website Build", "active", "1"), ("Brand Identity", "active", "0"), ("Marketing Retainer", "active", "0"),
    ("SEO Campaign", "active", "0"), ("Internal", "active", "0"), ("Print Design", "inactive", "0"),
)
JOB_KINDS: dict[int, tuple[str, ...]] = {
    1: ("Website Rebuild", "E-commerce Site", "Landing Pages", "Website Refresh", "Booking Portal"),
    2: ("Brand Identity", "Logo Redesign", "Brand Guidelines", "Rebrand"),
    3: ("Marketing Retainer",),
    4: ("SEO Audit", "SEO Campaign", "Local SEO", "Content & SEO Sprint"),
    6: ("Brochure Design", "Annual Report", "Event Signage"),
}

JOB_STATUSES: tuple[tuple[str, str, str], ...] = (
    # (title, colour, standing), ids from 1
    ("Pending", "#9e9e9e", "pending"), ("In Progress", "#2e7d32", "active"), ("Awaiting Client", "#f9a825", "active"),
    ("On Hold", "#ef6c00", "paused"), ("Completed", "#1565c0", "complete"), ("Cancelled", "#616161", "inactive"),
)
TASK_STATUSES: tuple[tuple[str, str, str], ...] = (
    ("Pending", "#9e9e9e", "pending"), ("Accepted", "#6a1b9a", "accepted"), ("Started", "#2e7d32", "started"),
    ("Complete", "#1565c0", "complete"), ("Cancelled", "#616161", "inactive"),
)

TASK_TYPES = ("Design", "Development", "Content", "Project Management", "Meeting", "Analysis")
TASK_TITLES: dict[int, tuple[tuple[str, int], ...]] = {
    # job type -> (task title, task type id)
    1: (("Discovery workshop", 5), ("Sitemap and wireframes", 1), ("Visual design", 1), ("Front-end build", 2),
        ("CMS integration", 2), ("Content migration", 3), ("Testing and QA", 2), ("Launch and handover", 4)),
    2: (("Brand workshop", 5), ("Moodboards", 1), ("Logo concepts", 1), ("Brand guidelines", 1),
        ("Stationery set", 1), ("Tone of voice", 3)),
    3: (("Monthly content calendar", 3), ("Social media posts", 3), ("Newsletter", 3), ("Campaign reporting", 6),
        ("Paid ads management", 6)),
    4: (("Technical SEO audit", 6), ("Keyword research", 6), ("On-page fixes", 2), ("Link outreach", 3),
        ("Monthly SEO report", 6)),
    6: (("Layout design", 1), ("Print proofs", 1), ("Copy edit", 3)),
}
TASK_PRIORITIES: tuple[tuple[str, str], ...] = (
    ("Critical", "critical_priority"), ("High", "high_priority"), ("Normal", "normal_priority"),
    ("Low", "low_priority"), ("None", "none_priority"),
)

ACTIVITY_CLASSES = ("Client Work", "Sales", "Internal")

RATES: tuple[Record, ...] = (
    {"id": "1", "title": "Standard", "charged": "150.00", "standing": "active", "object": "job"},
    {"id": "2", "title": "Premium", "charged": "185.00", "standing": "active", "object": "job"},
    {"id": "3", "title": "Charity", "charged": "110.00", "standing": "active", "object": "job"},
    {"id": "4", "title": "Internal", "charged": "0.00", "standing": "active", "object": "job"},
)

NOTES = (
    "Worked through the review comments.", "Picked up where I left off yesterday.", "Call with the client first.",
    "Fixed the issues from testing.", "Prepared for the next milestone.", "Drafted and sent for review.",
    "Pairing session with the team.", "Updated the tracker and notes.", "Research and notes.",
)


def status_records(statuses: Sequence[tuple[str, str, str]]) -> list[Record]:
    """Status objects (``id``, ``title``, ``color``, ``standing``, ``start``, ``ordering``) from ids 1 up."""
    return [{"id": str(n), "title": title, "color": color, "standing": standing, "start": "yes" if n <= 2 else "no",
             "ordering": str(n - 1)} for n, (title, color, standing) in enumerate(statuses, start=1)]
