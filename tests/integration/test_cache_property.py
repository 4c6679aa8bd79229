"""Property: whatever happens to a shared cache, every pull that completes equals a fault-free pull.

Hypothesis drives random sequences of actions over two worker processes (``_property_worker``,
started once per module with the "spawn" context) whose Sessions share one requests-cache SQLite
folder, against one emulator in this process (pages of ``PAGE_SIZE`` records, cursors valid for
``CURSOR_TTL`` seconds of its clock, cached answers fresh for ``EXPIRE_AFTER`` seconds):

- ``Pull(worker, what, offline)``: a pull of ``joballocation`` (every record, or one staff member's)
  or of one staff member's ``jobactivity``, through the worker's Session or its offline one;
- ``Fault(kind, times, after)``: 500s, 503s, 429s, cut-short bodies or cut connections, queued on
  the emulator behind ``after`` requests that go through untouched;
- ``Interrupt(worker, what, after_pages)``: a pull slowed by latency, and a real SIGINT sent to the
  worker once the emulator has answered ``after_pages`` of its pages (the worker catches
  ``KeyboardInterrupt`` and goes on with the same Sessions, as a Jupyter kernel does);
- ``Write(worker, op, target, staff)``: create, update or (soft) delete a ``joballocation``;
- ``Clear(worker)``: ``session.clear_cache()``; ``Reopen(worker)``: new Sessions on the same folder;
- ``Sleep(until)``: time passes until the emulator's cursors have expired (its clock jumps), or
  until the workers' cached answers have (a real wait: requests-cache reads the wall clock);
- ``Together(first, second, stagger)``: a pull or write by one worker while the other pulls,
  writes, clears or reopens (the second command sent ``stagger`` seconds after the first).

Every example gets a fresh cache folder, a fresh emulator on a copy of the small demo account, and
fresh Sessions in both workers. Checked after each action:

1. A pull that returns a frame equals a pull of the server's state at that moment by a Session with
   no cache, through a second emulator over the same records that never injects faults: same
   uuids, values and dtypes (``assert_frame_equal`` after sorting by uuid). A pull that ran while
   the other worker wrote may show the state before the write or after it, nothing else. So a
   write that returned is visible in the next completed pull of its resource by either worker
   (``StalePull``).
2. Pulls and writes may fail, with an ``smexplore`` error, only when a fault was served while they
   ran or the pull was interrupted (``FailedWithoutFault``); an offline pull may also raise
   ``CacheMissError``, and nothing else (``OfflineMissMisreported``). Clearing and reopening never
   fail (``CacheCallFailed``).
3. Any other exception (``sqlite3`` errors, ``KeyError``…) fails (``WorkerCrash[type]``), and so
   does a worker that does not answer within ``REPLY_TIMEOUT`` (``WorkerLost``: its threads'
   stacks are shown, and it is restarted for the next example). A SIGINT that lands inside a cache
   write, between requests-cache's ``BEGIN IMMEDIATE`` and its ``COMMIT``, leaves the SQLite write
   lock held, and the next cache write in either process waits forever: that shows as ``WorkerLost``
   (rarely: about one interrupt in 150).

Hypothesis is derandomized (the same sequences on every run) and does not shrink by default (see
``PHASES``); a failure's message lists every action run, with its outcome, up to the failing one.
Timing still varies (how far a pull gets before a SIGINT or a concurrent clear, which cached
answers have expired), so the ``@example`` sequences pin the interleavings that found defects.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import threading
import time
import uuid as uuidlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

import smexplore as sm
from smexplore.emulator import Emulator, Faults, build_account

from ._property_worker import serve

PAGE_SIZE = 50  # 383 allocations → 8 pages; one staff member's ~600 activities → 13 pages
CURSOR_TTL = 600.0  # seconds (of the emulator's clock, which Sleep("cursors") moves) a cursor stays valid
EXPIRE_AFTER = 2.0  # seconds the workers' cached answers stay fresh
RETRY_BUDGET = 1.0  # one retry (after 0.5 s), then the error
LATENCY = 0.02  # seconds per answer while an interrupt waits for its moment
REPLY_TIMEOUT = 20.0  # seconds a worker has to answer any command
STAGGERS = (0.0, 0.005, 0.02, 0.05)  # seconds between the two commands of a Together
# What an offline pull may raise, fault or no fault, when an answer it needs is not cached: the guide
# (docs/guide/sessions.md) says "offline=True serves from the cache only; a miss raises CacheMissError".
OFFLINE_MISS = "CacheMissError"
SLEEPS = {"cursors": 0.0, "answers": EXPIRE_AFTER + 0.2}  # real seconds waited
WORKERS = ("A", "B")
WHAT = ("alloc", "alloc_staff", "acts")
FAULT_KINDS = ("500", "503", "429", "truncate", "cut")
_UUIDS = uuidlib.UUID("0b6d3c1e-52a4-4c55-9d4c-6f1c2a7e9b30")


# --- actions ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pull:
    worker: str
    what: str
    offline: bool = False


@dataclass(frozen=True)
class Fault:
    kind: str
    times: int
    after: int


@dataclass(frozen=True)
class Interrupt:
    worker: str
    what: str
    after_pages: int


@dataclass(frozen=True)
class Write:
    worker: str
    op: str
    target: int = 0
    staff: int = 0


@dataclass(frozen=True)
class Clear:
    worker: str


@dataclass(frozen=True)
class Reopen:
    worker: str


@dataclass(frozen=True)
class Sleep:
    until: str


@dataclass(frozen=True)
class Together:
    first: Pull | Write
    second: Pull | Clear | Write | Reopen
    stagger: float = 0.0  # seconds between sending the first command and the second


def _other(worker: str) -> str:
    return "B" if worker == "A" else "A"


_workers = st.sampled_from(WORKERS)
_staggers = st.sampled_from(STAGGERS)
_offline = st.sampled_from((False, False, False, True))
_ops = st.sampled_from(("create", "update", "delete"))


# What a sequence may do besides pulling its focus query ("swarm testing": each sequence draws a few of
# these, so that the ones it has come often enough to line up, such as an interrupt, then time passing,
# then a pull of the same query, within a short sequence).
KINDS = ("others", "offline", "write", "together", "fault", "interrupt", "clear", "sleep")


def _actions(focus: str, kinds: frozenset[str]) -> st.SearchStrategy[Any]:
    """One action of a sequence: a pull of ``focus``, or of a kind in ``kinds``.

    ``others``: pulls of the other queries too; ``offline``: some pulls through the offline Session.
    """
    what = st.sampled_from((focus, focus, *WHAT)) if "others" in kinds else st.just(focus)
    offline = _offline if "offline" in kinds else st.just(False)

    def pulls(worker: str) -> st.SearchStrategy[Pull]:
        return st.builds(Pull, st.just(worker), what, offline)

    def writes(worker: str) -> st.SearchStrategy[Write]:
        return st.builds(Write, st.just(worker), _ops, st.integers(0, 999), st.integers(0, 1))

    def together(worker: str) -> st.SearchStrategy[Together]:
        other = _other(worker)
        return st.builds(Together, st.one_of(pulls(worker), writes(worker)), st.one_of(
            pulls(other), writes(other), st.builds(Clear, st.just(other)), st.builds(Reopen, st.just(other))),
            _staggers)

    choices = {
        "write": _workers.flatmap(writes),
        "together": _workers.flatmap(together),
        "fault": st.builds(Fault, st.sampled_from(FAULT_KINDS), st.integers(1, 3), st.integers(0, 4)),
        "interrupt": st.builds(Interrupt, _workers, st.just(focus), st.integers(1, 6)),
        "clear": st.one_of(st.builds(Clear, _workers), st.builds(Reopen, _workers)),
        "sleep": st.builds(Sleep, st.sampled_from(("cursors", "cursors", "cursors", "answers"))),
    }
    pull = _workers.flatmap(pulls)
    return st.one_of(pull, pull, *(choices[kind] for kind in KINDS if kind in choices and kind in kinds))


# ``alloc`` and ``acts`` both have several pages; writes change ``alloc``.
SEQUENCES = st.tuples(st.sampled_from(("alloc", "acts")), st.frozensets(st.sampled_from(KINDS))).flatmap(
    lambda drawn: st.lists(_actions(*drawn), min_size=3, max_size=12)).filter(  # waiting is slow: once at most
    lambda actions: sum(a == Sleep("answers") for a in actions) <= 1)


# --- failures (one class per kind, so that hypothesis reports each kind as a bug of its own) ------
class PropertyFailure(AssertionError):
    """An invariant of the cache property was broken."""


class StalePull(PropertyFailure):
    """A pull returned a frame that differs from the server's state."""


class FailedWithoutFault(PropertyFailure):
    """A pull or write failed (with an smexplore error) though no fault was served while it ran."""


class OfflineMissMisreported(PropertyFailure):
    """An offline pull failed with something other than ``CacheMissError``, with no fault served."""


class CacheCallFailed(PropertyFailure):
    """``clear_cache()``, or opening a Session on the shared folder, raised an smexplore error."""


class WorkerLost(PropertyFailure):
    """A worker did not answer in time (it hung), or its process ended."""


class WorkerCrash(PropertyFailure):
    """A worker raised something other than an smexplore error."""


_CRASHES: dict[str, type[WorkerCrash]] = {}


def _crash(type_name: str) -> type[WorkerCrash]:
    """A WorkerCrash subclass per remote exception type (hypothesis keeps them apart)."""
    if type_name not in _CRASHES:
        _CRASHES[type_name] = type(f"WorkerCrash[{type_name}]", (WorkerCrash,), {})
    return _CRASHES[type_name]


# --- the emulator's faults, counted ---------------------------------------------------------------
@dataclass
class CountingFaults(Faults):
    """``Faults`` that count the faults actually served (so a failure can be told apart from a defect)."""

    served: int = 0
    _count_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, repr=False)

    def _counted(self, fault: Any) -> Any:
        if fault is not None and fault.kind != "pass":  # a pass lets the request through untouched
            with self._count_lock:
                self.served += 1
        return fault

    def before_answer(self) -> Any:
        return self._counted(super().before_answer())

    def on_body(self) -> Any:
        return self._counted(super().on_body())

    def inject(self, fault: Fault) -> None:
        if fault.after:
            self.fail_next(0, after=fault.after)  # passes only: the fault comes after them
        if fault.kind in ("500", "503"):
            self.fail_next(fault.times, status=int(fault.kind))
        elif fault.kind == "429":
            self.rate_limit_next(fault.times)
        elif fault.kind == "truncate":
            self.truncate_next(fault.times)
        else:
            self.cut_connection_next(fault.times)


class SteppedClock:
    """The emulator's monotonic clock: real time, plus the jumps the test makes (cursors expire at once)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


# --- the workers --------------------------------------------------------------------------------
class WorkerProcess:
    """One worker process and the pipe to it."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.dump = folder / f"worker-{name}-stacks.txt"
        self.process: Any = None
        self.conn: Any = None
        self.sent = 0  # id of the last command sent: an older reply (of a command given up on) is dropped

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child, str(self.dump)), name=f"cache-property-{self.name}",
                                       daemon=True)
        self.process.start()
        child.close()
        self.sent = 0

    def ready(self) -> str:
        """Wait for the worker's greeting: where its smexplore was imported from."""
        return self.reply("start", timeout=120.0)[1]

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    def send(self, name: str, *args: Any) -> None:
        self.sent += 1
        try:
            self.conn.send((self.sent, name, args))
        except OSError:
            self._lost(f"could not be sent {name}")

    def reply(self, what: str, timeout: float | None = None) -> tuple[Any, ...]:
        timeout = REPLY_TIMEOUT if timeout is None else timeout
        deadline = time.monotonic() + timeout
        try:
            while self.conn.poll(max(0.0, deadline - time.monotonic())):
                ident, *answer = self.conn.recv()
                if ident == self.sent:
                    return tuple(answer)
        except (EOFError, OSError):
            self._lost(f"ended while it ran {what}")
        self._lost(f"did not answer {what} within {timeout:.0f} s")

    def _lost(self, how: str) -> None:
        stacks = self._stacks()
        self.kill()
        raise WorkerLost(f"worker {self.name} {how}; its threads:\n{stacks}")

    def call(self, name: str, *args: Any) -> tuple[Any, ...]:
        self.send(name, *args)
        return self.reply(name)

    def interrupt(self) -> None:
        os.kill(self.process.pid, signal.SIGINT)

    def _stacks(self) -> str:
        if not self.alive:
            return f"(the process is gone, exit code {self.process.exitcode if self.process else None})"
        os.kill(self.process.pid, signal.SIGUSR1)
        time.sleep(0.5)
        return self.dump.read_text()[-6000:]

    def kill(self) -> None:
        if self.alive:
            self.process.kill()
        if self.process is not None:
            self.process.join(5)
        self.process = None

    def stop(self) -> None:
        if self.alive:
            try:
                self.send("stop")
            except OSError:
                pass
            self.process.join(5)
        self.kill()


# --- the harness: workers for the module, an emulator and a cache folder per example -------------
@dataclass(frozen=True)
class Query:
    resource: str
    where: str | None


class Harness:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.account = build_account(0, "small")
        allocations = self.account.tables["joballocation"]
        counts = pd.Series([r["staff_uuid"] for r in allocations]).value_counts()
        self.staff = [str(counts.index[0]), str(counts.index[1])]  # the two with the most allocations
        self.job = self.account.tables["job"][0]["uuid"]
        one = f"staff_uuid eq '{self.staff[0]}'"
        self.queries = {"alloc": Query("joballocation", None), "alloc_staff": Query("joballocation", one),
                        "acts": Query("jobactivity", one)}
        self.workers = {name: WorkerProcess(name, root) for name in WORKERS}
        self.examples = 0

    def start_workers(self) -> None:
        dead = [w for w in self.workers.values() if not w.alive]
        for worker in dead:
            worker.start()
        for worker in dead:
            where = worker.ready()
            assert Path(where).resolve() == Path(sm.__file__).resolve(), (
                f"worker {worker.name} imported smexplore from {where}, the test from {sm.__file__}")

    def stop(self) -> None:
        for worker in self.workers.values():
            worker.stop()

    @contextmanager
    def example(self) -> Iterator[Run]:
        """A fresh emulator (on a copy of the account), cache folder and worker Sessions."""
        self.start_workers()
        self.examples += 1
        tables = {name: [dict(r) for r in rows] for name, rows in self.account.tables.items()}
        account = dataclasses.replace(self.account, tables=tables)
        options = {"account": account, "page_size": PAGE_SIZE, "per_minute": 1_000_000, "per_day": 1_000_000_000,
                       "cursor_ttl": CURSOR_TTL}
        clock = SteppedClock()
        emu = Emulator(faults=CountingFaults(), clock=clock, **options).start()
        # The same records (writes to ``emu`` show here too), its own cursors, and no faults ever.
        reference = Emulator(**options).start()
        plain = sm.connect(reference.api_key, base_url=reference.base_url, cache=False, progress=False,
                           per_minute=1_000_000, per_day=1_000_000_000)
        try:
            folder = self.root / f"cache-{self.examples}"
            opened = {"api_key": emu.api_key, "base_url": emu.base_url, "folder": str(folder), "expire_after": EXPIRE_AFTER,
                          "retry_budget": RETRY_BUDGET, "timeout": 10.0}
            for worker in self.workers.values():  # one after the other: see test_two_processes_open_a_new_cache
                answer = worker.call("open", opened)
                if answer[0] != "ok":
                    raise CacheCallFailed(f"worker {worker.name} could not open its Sessions: {answer[1:]}")
            yield Run(self, emu, clock, plain, opened)
        finally:
            plain.close()
            for server in (emu, reference):  # shutting down waits for the server's poll: not here
                threading.Thread(target=server.stop, daemon=True).start()


def _normal(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.sort_values("uuid", kind="stable").reset_index(drop=True)
    out.attrs = {}
    return out


def _same(got: pd.DataFrame, want: pd.DataFrame) -> bool:
    try:
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    except AssertionError:
        return False
    return True


def _difference(got: pd.DataFrame, want: pd.DataFrame) -> str:
    """What differs between two normalised frames, in a few lines."""
    try:
        return _describe_difference(got, want)
    except Exception as exc:  # noqa: BLE001 - the description must never hide the failure
        return f"(could not describe the difference: {exc!r}; got {len(got)} rows, the server {len(want)})"


def _describe_difference(got: pd.DataFrame, want: pd.DataFrame) -> str:
    lines = []
    if list(got.columns) != list(want.columns) or list(got.dtypes) != list(want.dtypes):
        lines.append(f"columns/dtypes: got {dict(got.dtypes.astype(str))}, want {dict(want.dtypes.astype(str))}")
    missing = sorted(set(want["uuid"]) - set(got["uuid"]))
    extra = sorted(set(got["uuid"]) - set(want["uuid"]))
    if missing:
        lines.append(f"{len(missing)} record(s) missing, e.g. {missing[:3]}")
    if extra:
        lines.append(f"{len(extra)} record(s) the server does not list, e.g. {extra[:3]}")
    both = got.merge(want, on="uuid", how="inner", suffixes=("_got", "_want")).set_index("uuid")
    changed = []
    for column in (c for c in want.columns if c != "uuid" and f"{c}_got" in both):
        a, b = both[f"{column}_got"].astype(object), both[f"{column}_want"].astype(object)
        differs = [uuid for uuid, x, y in zip(both.index, a, b) if not _equal(x, y)]
        for uuid in differs[:2]:
            changed.append(f"{uuid}.{column}: got {a[uuid]!r}, server {b[uuid]!r}")
    if changed:
        lines.append("values differ: " + "; ".join(changed[:6]))
    return "\n    ".join(lines) or "(same records and values: index or dtype detail)"


def _equal(x: Any, y: Any) -> bool:
    if pd.isna(x) or pd.isna(y):
        return bool(pd.isna(x) and pd.isna(y))
    return bool(x == y)


class Run:
    """One example: the actions, their outcomes so far, and the checks."""

    def __init__(self, harness: Harness, emu: Emulator, clock: SteppedClock, plain: sm.Session,
                 opened: dict[str, Any]) -> None:
        self.harness = harness
        self.clock = clock
        self.opened = opened
        self.emu = emu
        self.faults: CountingFaults = emu.faults  # type: ignore[assignment]
        self.plain = plain
        self.trace: list[str] = []
        self.writes = 0  # writes sent so far: the records change only through them
        self._references: dict[tuple[str, int], pd.DataFrame] = {}

    # --- helpers ----------------------------------------------------------------------------
    def fail(self, kind: type[PropertyFailure], message: str) -> None:
        steps = "\n  ".join(self.trace)
        raise kind(f"{message}\nwhat happened:\n  {steps}")

    def reference(self, what: str) -> pd.DataFrame:
        """The fault-free pull of ``what`` (pulled again only once a write was sent since the last one)."""
        key = (what, self.writes)
        if key not in self._references:
            query = self.harness.queries[what]
            self._references[key] = _normal(self.plain.frame(query.resource, query.where))
        return self._references[key]

    def pages(self, what: str, since: int) -> int:
        path = f"/api_1.0/{self.harness.queries[what].resource}.json"
        return sum(1 for e in self.emu.log.entries()[since:] if e.method == "GET" and e.path == path)

    def settle_pull(self, pull: Pull | Interrupt, reply: tuple[Any, ...], *, faulted: bool, interrupted: bool = False,
                    before: pd.DataFrame | None = None) -> None:
        label = f"{pull}"
        offline = isinstance(pull, Pull) and pull.offline
        if reply[0] == "ok":
            got = _normal(reply[1])
            want = self.reference(pull.what)
            self.trace.append(f"{label} → {len(got)} rows")
            if _same(got, want) or (before is not None and _same(got, before)):
                return
            self.fail(StalePull, f"{label} returned a frame that differs from the server's records:\n    "
                      f"{_difference(got, want)}")
        elif reply[0] == "interrupted":
            self.trace.append(f"{label} → interrupted")
            if not interrupted:
                self.fail(PropertyFailure, f"{label} was interrupted, but no SIGINT was sent")
        elif reply[0] == "sm_error":
            self.trace.append(f"{label} → {reply[1]}: {reply[2][:200]}")
            if offline and not (faulted or OFFLINE_MISS in reply[3]):
                self.fail(OfflineMissMisreported, f"{label} raised {reply[1]}, not {OFFLINE_MISS}, though no fault was "
                          f"served while it ran: {reply[2]}")
            if not (faulted or interrupted or offline):
                self.fail(FailedWithoutFault, f"{label} raised {reply[1]} though no fault was served while it ran: "
                          f"{reply[2]}")
        else:
            self.trace.append(f"{label} → {reply[1]}")
            self.fail(_crash(reply[1]), f"{label} raised {reply[1]}: {reply[2]}\n{reply[3]}")

    def settle(self, action: Write | Clear | Reopen, reply: tuple[Any, ...], *, faulted: bool) -> None:
        if reply[0] == "ok":
            self.trace.append(f"{action} → ok")
            return
        self.trace.append(f"{action} → {reply[1]}: {reply[2][:200]}")
        if reply[0] == "crash":
            self.fail(_crash(reply[1]), f"{action} raised {reply[1]}: {reply[2]}\n{reply[3]}")
        if isinstance(action, (Clear, Reopen)):
            self.fail(CacheCallFailed, f"{action} raised {reply[1]}: {reply[2]}")
        if not faulted:
            self.fail(FailedWithoutFault, f"{action} raised {reply[1]} though no fault was served: {reply[2]}")

    def command(self, action: Pull | Write | Clear | Reopen) -> tuple[str, tuple[Any, ...]]:
        """The worker command that performs ``action``."""
        if isinstance(action, Pull):
            query = self.harness.queries[action.what]
            return "pull", (query.resource, query.where, action.offline)
        if isinstance(action, Clear):
            return "clear", ()
        if isinstance(action, Reopen):
            return "open", (self.opened,)
        self.writes += 1
        when = (pd.Timestamp("2026-03-02 08:00") + pd.Timedelta(minutes=7 * self.writes)).strftime("%Y-%m-%d %H:%M:%S")
        if action.op == "create":
            fields = {"uuid": str(uuidlib.uuid5(_UUIDS, str(self.writes))), "job_uuid": self.harness.job,
                          "staff_uuid": self.harness.staff[action.staff], "allocation_date": when}
            return "create", ("joballocation", fields)
        records = self.emu.account.tables["joballocation"]
        target = records[action.target % len(records)]["uuid"]
        if action.op == "update":
            return "update", ("joballocation", target, {"staff_uuid": self.harness.staff[action.staff],
                                                            "allocation_date": when})
        return "delete", ("joballocation", target)

    # --- actions ----------------------------------------------------------------------------
    def do(self, action: Any) -> None:
        workers = self.harness.workers
        if isinstance(action, Fault):
            self.faults.inject(action)
            self.trace.append(f"{action}")
        elif isinstance(action, Sleep):
            if action.until == "cursors":
                self.clock.offset += CURSOR_TTL + 1
            time.sleep(SLEEPS[action.until])
            self.trace.append(f"{action}")
        elif isinstance(action, Interrupt):
            self.interrupt(action)
        elif isinstance(action, Together):
            self.together(action)
        else:
            served = self.faults.served
            name, args = self.command(action)
            reply = workers[action.worker].call(name, *args)
            faulted = self.faults.served != served
            if isinstance(action, Pull):
                self.settle_pull(action, reply, faulted=faulted)
            else:
                self.settle(action, reply, faulted=faulted)

    def interrupt(self, action: Interrupt) -> None:
        worker = self.harness.workers[action.worker]
        query = self.harness.queries[action.what]
        since, served = len(self.emu.log), self.faults.served
        self.faults.latency = LATENCY
        try:
            worker.send("pull", query.resource, query.where, False)
            signalled = False
            deadline = time.monotonic() + REPLY_TIMEOUT
            while not worker.conn.poll(0.002) and time.monotonic() < deadline:
                if self.pages(action.what, since) >= action.after_pages:
                    worker.interrupt()
                    signalled = True
                    break
            reply = worker.reply(f"{action}")
        finally:
            self.faults.latency = 0.0
        self.settle_pull(action, reply, faulted=self.faults.served != served, interrupted=signalled)

    def together(self, action: Together) -> None:
        pair = (action.first, action.second)
        # A pull that runs while the other worker writes may show the state before the write or after it.
        writing = any(isinstance(a, Write) for a in pair)
        before = {a.what: self.reference(a.what) for a in pair if isinstance(a, Pull) and writing}
        served = self.faults.served
        commands = [self.command(a) for a in pair]
        for a, (name, args) in zip(pair, commands):
            if a is action.second and action.stagger:
                time.sleep(action.stagger)
            self.harness.workers[a.worker].send(name, *args)
        replies = [self.harness.workers[a.worker].reply(f"{a}") for a in pair]
        faulted = self.faults.served != served
        self.trace.append(f"{action}:")
        for a, reply in zip(pair, replies):
            if isinstance(a, Pull):
                self.settle_pull(a, reply, faulted=faulted, before=before.get(a.what))
            else:
                self.settle(a, reply, faulted=faulted)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    harness = Harness(tmp_path_factory.mktemp("cache-property"))
    try:
        harness.start_workers()
        yield harness
    finally:
        harness.stop()


# More examples, or shrinking a failure to a shorter sequence (up to 5 minutes, and timing-dependent
# failures may not shrink), on request: SMEXPLORE_PROPERTY_EXAMPLES=200 SMEXPLORE_PROPERTY_SHRINK=1.
EXAMPLES = int(os.environ.get("SMEXPLORE_PROPERTY_EXAMPLES", "30"))
PHASES = [Phase.explicit, Phase.generate] + ([Phase.shrink] if os.environ.get("SMEXPLORE_PROPERTY_SHRINK") else [])


# Sequences that broke the invariants on the cache code of commit 5b05368, each one defect, run first on
# every run (random examples rarely line these interleavings up).
@example([  # a Session reuses its last frame when the cache serves the same first page: stale after a
    # write by another Session (process) touched a later page
    Pull("A", "alloc"), Write("B", "update", target=100, staff=1), Pull("B", "alloc"), Pull("A", "alloc")])
@example([  # an interrupted pull leaves pages 1-2 cached; once their cursors expire, every pull fails
    # (the restart refreshes page 1 only; page 2 still comes from the cache with its dead cursor)
    Interrupt("A", "acts", after_pages=3), Sleep("cursors"), Pull("B", "acts")])
@example([  # the same after a pull that failed on page 3
    Fault("500", times=2, after=2), Pull("A", "alloc"), Sleep("cursors"), Pull("B", "alloc")])
@example([  # clear_cache() in one process drops the tables another is reading: sqlite3.OperationalError
    # "no such table: responses" (or "redirects"); each try hits it about 60 % of the time: four tries
    Pull("A", "acts"), Together(Pull("B", "acts"), Clear("A")),
    Pull("A", "acts"), Together(Pull("B", "acts"), Clear("A"), stagger=0.005),
    Pull("A", "acts"), Together(Pull("B", "acts"), Clear("A"), stagger=0.01),
    Pull("A", "acts"), Together(Pull("B", "acts"), Clear("A"), stagger=0.02)])
@example([  # offline, with page 1 cached and page 3 not: IncompleteResultError instead of CacheMissError
    Interrupt("A", "alloc", after_pages=3), Pull("B", "alloc", offline=True)])
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, print_blob=False, phases=PHASES,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(actions=SEQUENCES)
def test_every_completed_pull_equals_a_fault_free_pull(harness: Harness, actions: list[Any]) -> None:
    with harness.example() as run:
        for action in actions:
            run.do(action)


def test_two_processes_open_a_new_cache_at_once(harness: Harness) -> None:
    """Two processes (two notebooks, say) that open Sessions on the same new cache folder at once both succeed.

    No request is sent: opening creates the SQLite file and switches it to write-ahead logging. On the
    cache code of commit 5b05368, between 1 attempt in 20 and 1 in 300 (it depends on the machine's
    load) fails with sqlite3.OperationalError "database is locked" (from ``PRAGMA journal_mode=WAL``):
    this test catches that race in some runs, not all.
    """
    failures = []
    for attempt in range(30):
        order = list(harness.workers.values())[:: 1 if attempt % 2 else -1]
        for worker in order:
            worker.send("open", {"api_key": "smexplore-demo-key-0000", "base_url": "http://127.0.0.1:9/api_1.0",
                                     "folder": str(harness.root / f"opened-together-{attempt}"), "expire_after": EXPIRE_AFTER,
                                     "retry_budget": RETRY_BUDGET, "timeout": 10.0})
        for worker in order:
            answer = worker.reply("open")
            if answer[0] != "ok":
                failures.append(f"attempt {attempt}, worker {worker.name}: {answer[1]}: {answer[2]}")
    assert not failures, "opening the same new cache folder from two processes at once failed:\n" + "\n".join(failures)
