"""A strict Accelo ``GET /jobs``: exactly what ``shared/source-docs/accelo-get-jobs.txt`` says, and nothing more.

The source document is the 2017 wording of Accelo's jobs page. Read point by point:

- ``GET /jobs`` (``/jobs.json`` as in its ``_fields`` example) below ``/api/v0``, with a bearer token
  (``Authorization: Bearer …``; the document names no other way). Anything else is a 404.
- Parameters, each an unsigned int or a partial string, each given once: ``_page`` ("5 will display
  the fifth page": pages count **from 1**, each ``_limit`` resources), ``_limit`` ("Default is 10
  and maximum is 50": a larger ask is served ``max_limit`` resources), ``_offset`` ("if you had 20
  resources and requested an offset of 10. Resources 10 to 19 would be returned"; "cannot be used
  in conjunction with _page": both is a 400), ``_fields`` and ``_filters`` (the document also writes
  ``_filter``, in its filter section and its sample: read alike; both at once is a 400). Any other
  parameter is a 400.
- ``_fields``: default fields ``id`` and ``title``; the response fields of the table may be added;
  a linked object ("unsigned int or object") named bare gives its id, with parentheses its object
  ("including any optional fields or objects within the parenthesis"). A name the document does
  not list is left out (the document does not say it is refused).
- ``_filters``: the filters of the document only, all of which must hold: ``date_<type>_before``
  and ``_after`` (created, modified, started, commenced, due, completed; strict, unix timestamps),
  ``manager`` (and ``manager_id``, as in the sample request), ``affiliation``, ``standing``,
  ``type``, ``modified_by``, ``status``, ``rate``, ``against_type``, ``against_id`` and ``id``
  (the ``id_not`` example), each also with ``_not`` ("on standard in filters"); ``max_id``,
  ``min_id``; ``against(company(…),site(…))``; ``order_by_asc``/``order_by_desc`` on the listed
  fields; ``<field>_greater_than``, ``_less_than``, ``…_or_equal`` on the listed fields. Anything
  else (``_OR``, ``empty``, ``search``, ``job_type``, an unknown name, a malformed text) is a 400.
- The answer: ``{"meta": {"status", "message", "more_info"}, "response": [...]}``
  (``shared/reference/other-systems.md`` §B.4; the document itself shows no envelope), every value
  a string as in the official sample (§B.2), no total, no count, no rate-limit headers. Errors set
  the HTTP status, ``meta.status`` (``invalid_request`` 400, ``invalid_client`` 401) and a null
  ``response``.

What the document leaves open is decided as plainly as possible: the default order is ascending
``id`` (the current docs'), values compare as numbers where the field is a number and exactly as
text otherwise, a missing value never matches a comparison and is "not in" any list.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from werkzeug.wrappers import Request, Response

__all__ = [
    "DATE_TYPES", "DEFAULT_FIELDS", "DEFAULT_LIMIT", "FIELDS", "IN_FILTERS", "LINKS", "MAX_LIMIT", "ORDER_FIELDS",
    "PARAMETERS", "RANGE_FIELDS", "Refused", "StrictAccelo", "TOKEN", "make_jobs",
]

TOKEN = "strict-accelo-token"
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
PARAMETERS = ("_page", "_limit", "_offset", "_fields", "_filters", "_filter")
FIELDS = ("id", "title", "against", "date_created", "date_modified", "date_started", "date_due", "date_completed",
          "standing", "paused", "rate_charged", "type", "rate", "company", "status", "manager", "modified_by",
          "against_id", "against_table")
"""The response fields of the document, in its order."""
DEFAULT_FIELDS = ("id", "title")
LINKS = {"type": "types", "rate": "rates", "company": "companies", "status": "statuses", "manager": "staff",
         "modified_by": "staff"}
"""Fields "unsigned int or object" → the table of their objects."""
DATE_TYPES = ("created", "modified", "started", "commenced", "due", "completed")
IN_FILTERS = {"manager": "manager", "manager_id": "manager", "affiliation": "affiliation", "standing": "standing",
              "type": "type", "modified_by": "modified_by", "status": "status", "rate": "rate",
              "against_type": "against_type", "against_id": "against_id", "id": "id"}
"""In filters (each also with ``_not``) → the record key they read."""
RANGE_FIELDS = ("id", "type", "manager", "against_id", "affiliation", "modified_by", "status", "rate", "rate_charged",
                "contract", "plan_modified_by")
ORDER_FIELDS = ("id", "date_started", "date_created", "date_commenced", "date_due", "date_completed", "date_modified",
                "date_last_interacted", "title", "standing", "status")
TEXT_KEYS = frozenset({"title", "standing", "against_type", "against", "against_table"})
"""Record keys compared as text; every other key holds a number."""
MORE_INFO = "https://affinitylive.jira.com/wiki/display/APIS/Status+Codes#{status}"

_WHOLE = re.compile(r"^\d+$")
_DATE = re.compile(rf"^date_({'|'.join(DATE_TYPES)})_(before|after)$")
_RANGE = re.compile(rf"^({'|'.join(RANGE_FIELDS)})_(greater_than_or_equal|less_than_or_equal|greater_than|less_than)$")
_ORDER = re.compile(r"^order_by_(asc|desc)$")
_TESTS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "greater_than": lambda a, b: a > b, "less_than": lambda a, b: a < b,
    "greater_than_or_equal": lambda a, b: a >= b, "less_than_or_equal": lambda a, b: a <= b,
}

Record = dict[str, Any]
Predicate = Callable[[Record], bool]


class Refused(Exception):
    """A request the document does not allow: an ``invalid_request`` (400) saying why."""


@dataclass(frozen=True)
class Call:
    """``name(args)`` of ``_fields`` or ``_filters``."""

    name: str
    args: tuple[str | Call, ...]


Item = str | Call


def parse(text: str, parameter: str) -> list[Item]:
    """The comma-separated items of ``text``: words and calls, nested; malformed text is ``Refused``."""
    items, at = _items(text, 0, parameter)
    if at != len(text):
        raise Refused(f"{parameter}: unexpected {text[at]!r} at character {at + 1}")
    return items


def _items(text: str, at: int, parameter: str) -> tuple[list[Item], int]:
    found: list[Item] = []
    while True:
        start = at
        while at < len(text) and text[at] not in "(),":
            at += 1
        word = text[start:at].strip()
        if at < len(text) and text[at] == "(":
            if not re.match(r"^[A-Za-z_]\w*$", word):
                raise Refused(f"{parameter}: {word!r} before '(' is no name")
            if text[at + 1:].lstrip().startswith(")"):
                args: list[Item] = []
                at = text.index(")", at + 1) + 1
            else:
                args, at = _items(text, at + 1, parameter)
                if at >= len(text) or text[at] != ")":
                    raise Refused(f"{parameter}: '(' after {word} is never closed")
                at += 1
            found.append(Call(word, tuple(args)))
            while at < len(text) and text[at] == " ":
                at += 1
        elif word:
            found.append(word)
        else:
            raise Refused(f"{parameter}: an empty item at character {at + 1}")
        if at < len(text) and text[at] == ",":
            at += 1
            continue
        return found, at


def _number(text: Any) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(str(text).strip())
    except InvalidOperation:
        return None


def _words(call: Call, at_least: int = 1, at_most: int | None = None) -> list[str]:
    words = [arg.strip() for arg in call.args if isinstance(arg, str)]
    if len(words) != len(call.args) or len(words) < at_least or (at_most is not None and len(words) > at_most):
        raise Refused(f"_filters: {call.name}() takes {at_least if at_most == at_least else 'one or more'} value(s)")
    return words


def _same(key: str, value: Any, word: str) -> bool:
    if value is None:
        return False
    if key in TEXT_KEYS:
        return str(value) == word
    left, right = _number(value), _number(word)
    return left is not None and right is not None and left == right


def _in(call: Call, key: str, negated: bool) -> Predicate:
    words = _words(call)
    if key not in TEXT_KEYS and any(_number(word) is None for word in words):
        raise Refused(f"_filters: {call.name}() takes numbers")
    if negated:
        return lambda record: not any(_same(key, record.get(key), word) for word in words)
    return lambda record: any(_same(key, record.get(key), word) for word in words)


def _date(call: Call, key: str, op: str) -> Predicate:
    (word,) = _words(call, 1, 1)
    if not _WHOLE.match(word):
        raise Refused(f"_filters: {call.name}() takes a unix timestamp")
    bound = int(word)
    if op == "before":
        return lambda record: record.get(key) is not None and int(record[key]) < bound
    return lambda record: record.get(key) is not None and int(record[key]) > bound


def _range(call: Call, key: str, op: str) -> Predicate:
    (word,) = _words(call, 1, 1)
    bound, test = _number(word), _TESTS[op]
    if bound is None:
        raise Refused(f"_filters: {call.name}() takes a number")
    return lambda record: (value := _number(record.get(key))) is not None and test(value, bound)


def _against(call: Call) -> Predicate:
    pairs: set[tuple[str, Decimal]] = set()
    for arg in call.args:
        if not isinstance(arg, Call) or arg.name not in ("company", "site"):
            raise Refused("_filters: against() takes company(…) and site(…)")
        for word in _words(arg):
            number = _number(word)
            if number is None:
                raise Refused("_filters: against() takes ids")
            pairs.add((arg.name, number))
    if not pairs:
        raise Refused("_filters: against() takes company(…) and site(…)")
    return lambda record: (record.get("against_type"), _number(record.get("against_id"))) in pairs


def compile_filters(text: str) -> tuple[list[Predicate], list[tuple[str, bool]]]:
    """The predicates (all must hold) and the order keys (field, descending) of a ``_filters`` text."""
    predicates: list[Predicate] = []
    order: list[tuple[str, bool]] = []
    for item in parse(text, "_filters") if text.strip() else []:
        if not isinstance(item, Call):
            raise Refused(f"_filters: {item!r} is no filter")
        name = item.name
        if match := _ORDER.match(name):
            (key,) = _words(item, 1, 1)
            if key not in ORDER_FIELDS:
                raise Refused(f"_filters: cannot order by {key!r}")
            order.append((key, match[1] == "desc"))
        elif name in IN_FILTERS or (name.endswith("_not") and name.removesuffix("_not") in IN_FILTERS):
            base = name.removesuffix("_not") if name not in IN_FILTERS else name
            predicates.append(_in(item, IN_FILTERS[base], negated=base != name))
        elif match := _DATE.match(name):
            predicates.append(_date(item, f"date_{match[1]}", match[2]))
        elif match := _RANGE.match(name):
            predicates.append(_range(item, match[1], match[2]))
        elif name in ("max_id", "min_id"):
            predicates.append(_range(item, "id", "less_than_or_equal" if name == "max_id" else "greater_than_or_equal"))
        elif name == "against":
            predicates.append(_against(item))
        else:
            raise Refused(f"_filters: {name!r} is no filter of the document")
    return predicates, order


def _sort_key(value: Any, key: str) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    return (1, str(value)) if key in TEXT_KEYS else (1, _number(value))


@dataclass
class StrictAccelo:
    """The handler of a strict ``GET /jobs`` (wrap it in ``strict.StrictServer``).

    Attributes:
        jobs: The jobs, in ascending id, each with the document's fields (strings or null) and the
            keys some filters read that are no response field (``against_type``, ``affiliation``,
            ``date_commenced``, ``date_last_interacted``, ``contract``, ``plan_modified_by``).
        linked: Linked tables (``staff``, ``companies``, ``statuses``, ``types``, ``rates``): id → object.
        max_limit: The most resources a page holds (the document: 50).
        token: The bearer token it accepts.
    """

    jobs: list[Record]
    linked: Mapping[str, Mapping[str, Record]]
    max_limit: int = MAX_LIMIT
    token: str = TOKEN
    defaults: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: {
        "staff": ("id", "firstname", "surname"), "companies": ("id", "name"), "statuses": ("id", "title"),
        "types": ("id", "title"), "rates": ("id", "title")})

    def __call__(self, request: Request) -> Response:
        if request.method != "GET" or request.path.rstrip("/") not in ("/api/v0/jobs", "/api/v0/jobs.json"):
            return Response("not found", 404)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._answer(None, "invalid_client", "Invalid client authentication", 401)
        try:
            return self._answer(self.page(request.args.to_dict(flat=False)))
        except Refused as exc:
            return self._answer(None, "invalid_request", str(exc), 400)

    def _answer(self, payload: Any, status: str = "ok", message: str = "Everything executed as expected.",
                http: int = 200) -> Response:
        meta = {"status": status, "message": message, "more_info": MORE_INFO.format(status=status)}
        return Response(json.dumps({"meta": meta, "response": payload}), http, content_type="application/json")

    # --- the document's rules ------------------------------------------------------------------------
    def page(self, args: Mapping[str, Sequence[str]]) -> list[Record]:
        """The page a request's parameters (name → every value) ask for.

        Raises:
            Refused: A parameter the document does not define, given twice, or malformed.
        """
        for name, values in args.items():
            if name not in PARAMETERS:
                raise Refused(f"{name} is no parameter of GET /jobs; its parameters: {', '.join(PARAMETERS)}")
            if len(values) > 1:
                raise Refused(f"{name} was given {len(values)} times")
        one = {name: values[0] for name, values in args.items()}
        if "_filters" in one and "_filter" in one:
            raise Refused("give the filters in _filters or _filter, not both")
        if "_page" in one and "_offset" in one:
            raise Refused("_offset cannot be used in conjunction with _page")
        limit = min(self._unsigned(one, "_limit", DEFAULT_LIMIT), self.max_limit)
        if "_page" in one:
            number = self._unsigned(one, "_page", 1)
            if number < 1:
                raise Refused("_page counts from 1 (5 displays the fifth page)")
            start = (number - 1) * limit
        else:
            start = self._unsigned(one, "_offset", 0)
        rows = self.matching(one.get("_filters", one.get("_filter", "")))
        fields = parse(one["_fields"], "_fields") if one.get("_fields", "").strip() else []
        return [self.project(record, fields) for record in rows[start:start + limit]]

    @staticmethod
    def _unsigned(args: Mapping[str, str], name: str, default: int) -> int:
        text = args.get(name)
        if text is None:
            return default
        if not _WHOLE.match(text):
            raise Refused(f"{name} is an unsigned int, not {text[:40]!r}")
        return int(text)

    def matching(self, text: str) -> list[Record]:
        """Every job ``_filters`` text keeps, in the order it asks (default: ascending id)."""
        predicates, order = compile_filters(text)
        rows = [record for record in self.jobs if all(test(record) for test in predicates)]
        for key, descending in reversed(order):
            rows.sort(key=lambda record: _sort_key(record.get(key), key), reverse=descending)
        return rows

    def project(self, record: Record, items: Iterable[Item]) -> Record:
        """A job as ``_fields`` asks: the default fields, then those named (linked objects as ids or objects)."""
        wanted: dict[str, Call | None] = {name: None for name in DEFAULT_FIELDS}
        for item in items:
            name = item.name if isinstance(item, Call) else item
            if name in FIELDS:
                wanted[name] = item if isinstance(item, Call) and name in LINKS else None
        out: Record = {}
        for name in FIELDS:
            if name not in wanted:
                continue
            call = wanted[name]
            out[name] = record.get(name) if call is None else self.linked_object(LINKS[name], record.get(name), call)
        return out

    def linked_object(self, table: str, record_id: Any, call: Call) -> Record | None:
        """The object of ``table`` with this id: its default fields and those named inside the parentheses."""
        target = self.linked[table].get(str(record_id)) if record_id is not None else None
        if target is None:
            return None
        names = list(self.defaults[table]) + [arg for arg in call.args if isinstance(arg, str) and arg in target]
        return {name: target[name] for name in dict.fromkeys(names)}


def make_jobs(count: int, seed: int = 0) -> tuple[list[Record], dict[str, dict[str, Record]]]:
    """``count`` jobs (ids ascending with gaps) and their linked tables, every value a string or null."""
    rng = random.Random(seed)
    staff = {str(n): {"id": str(n), "firstname": f"First{n}", "surname": f"Last{n}", "email": f"s{n}@example.com"}
             for n in range(1, 16)}
    companies = {str(n): {"id": str(n), "name": f"Company {n}", "website": f"www.c{n}.example"} for n in range(1, 41)}
    statuses = {str(n): {"id": str(n), "title": title, "standing": standing} for n, (title, standing) in enumerate(
        [("Pending", "pending"), ("Active", "active"), ("Inactive", "inactive"), ("Complete", "complete")], 1)}
    types = {str(n): {"id": str(n), "title": f"Type {n}"} for n in range(1, 6)}
    rates = {str(n): {"id": str(n), "title": f"Rate {n}", "charged": charged}
             for n, charged in enumerate(["95.00", "125.00", "150.50", "0.00"], 1)}
    jobs: list[Record] = []
    job_id = 0
    start = 1_600_000_000
    for _ in range(count):
        job_id += rng.choice([1, 1, 2, 3])
        status = rng.choice(list(statuses))
        standing = statuses[status]["standing"]
        site = rng.random() < 0.2
        against_id = str(rng.randrange(1, 41))
        created = start + rng.randrange(0, 150_000_000)
        started = created + rng.randrange(0, 3_000_000)
        due = started + rng.randrange(1_000_000, 9_000_000) if rng.random() < 0.9 else None
        commenced = started + rng.randrange(0, 500_000) if standing != "pending" else None
        completed = (due or started) + rng.randrange(-400_000, 900_000) if standing == "complete" else None
        modified = max(t for t in (created, commenced, completed) if t is not None) + rng.randrange(0, 900_000)
        rate = rng.choice(list(rates))
        manager = str(rng.randrange(1, 6))
        jobs.append({
            "id": str(job_id), "title": rng.choice(["Website", "Logo", "Audit", "Retainer"]) + f" {job_id}",
            "against": f"/{'sites' if site else 'companies'}/{against_id}",
            "date_created": str(created), "date_modified": str(modified), "date_started": str(started),
            "date_due": None if due is None else str(due), "date_completed": None if completed is None else str(completed),
            "standing": standing, "paused": str(rng.choice([0, 0, 0, 3, 12])), "rate_charged": rates[rate]["charged"],
            "type": rng.choice(list(types)), "rate": rate, "company": None if site else against_id, "status": status,
            "manager": manager, "modified_by": rng.choice([manager, str(rng.randrange(1, 16))]),
            "against_id": against_id, "against_table": "sites" if site else "companies",
            # read by filters, no response field of the document:
            "against_type": "site" if site else "company", "affiliation": str(rng.randrange(1, 9)),
            "date_commenced": None if commenced is None else str(commenced),
            "date_last_interacted": str(modified + rng.randrange(0, 100_000)),
            "contract": str(rng.randrange(1, 6)) if rng.random() < 0.3 else None,
            "plan_modified_by": str(rng.randrange(1, 16)) if rng.random() < 0.5 else None,
        })
    return jobs, {"staff": staff, "companies": companies, "statuses": statuses, "types": types, "rates": rates}
