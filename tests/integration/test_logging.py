"""Logging under ``smexplore``: what is logged at which level, never a credential, silent by default."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import smexplore as sm
from smexplore.core import cache as _cache
from smexplore.core.limits import Limits, RequestBudget
from smexplore.emulator import Emulator

KEY = "live-key-5e1f0c9a7b3d2468"
BAD_KEY = "bad-key-aa17c0ffee42bead"
TOKEN = "oauth-token-7d1e99b0c4f2a356"
SECRETS = (KEY, BAD_KEY, TOKEN)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(api_key=KEY, tokens={TOKEN: ["read_jobs"]}, page_size=2000, per_minute=100_000,
                  per_day=1_000_000) as emulator:
        yield emulator


@pytest.fixture
def formatted() -> Iterator[io.StringIO]:
    """Every smexplore record, formatted with all the detail a handler could show."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(pathname)s:%(lineno)d "
                                           "%(funcName)s %(message)s | %(args)r"))
    logger = logging.getLogger("smexplore")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def _connect(emu: Emulator, cache: Path | bool, **options) -> sm.Session:
    return sm.connect(KEY, base_url=emu.base_url, cache=cache, progress=False, **options)


def _run(emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A realistic run: pulls with faults, a 429 burst, giving up, an interrupted pull, writes,
    a bad key, a token short of a scope, the rate budget waiting, and a damaged and a read-only cache."""
    cache = tmp_path / "cache"
    with _connect(emu, cache, writable=True) as s, _connect(emu, cache, retry_budget=1.0) as quick:
        emu.faults.fail_next(1, status=503)
        s.categories()
        s.categories()  # from the cache
        emu.faults.truncate_next()
        s.staff()
        emu.faults.cut_connection_next()
        s.queues()
        emu.faults.rate_limit_next(2)  # a 429 burst
        s.jobs("status eq 'Quote'")
        emu.faults.rate_limit_next(50)
        with pytest.raises(sm.RateLimitError):
            quick.clients()
        emu.faults.clear()
        emu.faults.error_rate, emu.faults.error_statuses = 1.0, (500,)
        with pytest.raises(sm.APIError):
            quick.allocation_windows()
        emu.faults.clear()
        emu.faults.fail_next(100, status=503, after=1)  # page 1 succeeds, then 503s
        with pytest.raises(sm.IncompleteResultError):
            quick.activities()
        emu.faults.clear()
        quick.activities()  # nothing of the failed pull was kept: pulled again from the network
        target = s.categories().uuid[0]
        emu.faults.rate_limit_next(1)
        s.update("category", target, name="Renamed")
        s.create("category", name="Logged")
        s.delete("category", target)
        path = Path(s.cache_info().path)
    with sm.connect(BAD_KEY, base_url=emu.base_url, cache=False, progress=False) as bad, \
            pytest.raises(sm.AuthenticationError):
        bad.jobs()
    with sm.connect(oauth_token=TOKEN, base_url=emu.base_url, cache=False, progress=False) as scoped:
        scoped.jobs()
        with pytest.raises(sm.ForbiddenError):
            scoped.activities()
    clock = [0.0]
    budget = RequestBudget(Limits(per_minute=1), clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s))
    budget.acquire()
    budget.acquire()  # waits for the minute to pass
    path.write_bytes(b"not a database" * 1000)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with pytest.warns(RuntimeWarning, match="set aside"), _connect(emu, cache) as mended:
        mended.categories()
    with monkeypatch.context() as patch:
        patch.setattr(_cache.os, "access", lambda *args, **kwargs: False)  # only while opening
        read_only = _connect(emu, cache, writable=True)
    with read_only:
        read_only.update("category", read_only.categories().uuid[0], name="Again")  # cannot forget: logged


# (level, text in the message): one of each must be logged, at that level.
EXPECTED = [
    (logging.DEBUG, "GET /category.json {'cursor': '-1'}: HTTP 200 in"),
    (logging.DEBUG, "GET /category.json {'cursor': '-1'}: HTTP 503 in"),
    (logging.DEBUG, "GET /category.json {'cursor': '-1'}: from cache"),
    (logging.DEBUG, "{'$filter': \"status eq 'Quote'\", 'cursor': '-1'}: HTTP 200"),
    (logging.DEBUG, "GET /job.json {'cursor': '-1'}: HTTP 401"),
    (logging.INFO, "category page 1: retry 1 in 0.5 s after HTTP 503"),
    (logging.INFO, "staff page 1: retry 1 in 0.5 s after the body of GET /staff.json was cut short"),
    (logging.INFO, "queue page 1: retry 1 in 0.5 s after the connection failed"),
    (logging.INFO, "job page 1: retry 2 in 0.8 s after HTTP 429"),
    (logging.INFO, "client-side rate limit: 1 requests in the last minute; waiting 60.0 s"),
    (logging.INFO, "write POST category"),
    (logging.INFO, ": retry 1 in 0.5 s after HTTP 429"),  # the update, refused once
    (logging.INFO, "write DELETE category"),
    (logging.WARNING, "company page 1: giving up after 2 attempts"),
    (logging.WARNING, "allocationwindow page 1: giving up after 2 attempts"),
    (logging.WARNING, "s: HTTP 500: An unexpected error occurred"),
    (logging.WARNING, "jobactivity: page 2 failed after 2,000 records"),
    (logging.WARNING, "was damaged"),
    (logging.WARNING, "cannot be written: answers are served from it"),
    (logging.WARNING, "could not drop the cached answers about category"),
]


def test_a_realistic_run_logs_each_event_at_its_level_and_never_a_credential(
        emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        formatted: io.StringIO) -> None:
    caplog.set_level(logging.DEBUG, logger="smexplore")
    _run(emu, tmp_path, monkeypatch)
    records = [r for r in caplog.records if r.name == "smexplore" or r.name.startswith("smexplore.")]
    assert records and all(r.name in ("smexplore.http", "smexplore.cache") for r in records)
    for record in records:
        for secret in SECRETS:
            assert secret not in record.getMessage() and secret not in repr(record.args), record.getMessage()
            assert secret not in str(vars(record)), record.getMessage()
    text = formatted.getvalue() + caplog.text
    assert all(secret not in text for secret in SECRETS)
    assert "X-Api-Key" not in text and "Bearer" not in text and "http://" not in text  # never headers or URLs
    missing = [(logging.getLevelName(level), words) for level, words in EXPECTED
               if not any(r.levelno == level and words in r.getMessage() for r in records)]
    assert not missing, "\n".join(r.getMessage() for r in records)
    writes = [r.getMessage() for r in records if r.getMessage().startswith("write ")]
    made = emu.account.tables["category"][-1]["uuid"]  # the create names the new record's uuid
    assert any(m.startswith(f"write POST category {made}: HTTP 200") for m in writes), writes
    assert any(": HTTP 429 in " in m for m in writes), writes  # a refused write is logged too


def _python(script: str, stderr=subprocess.PIPE, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], stdout=subprocess.PIPE, stderr=stderr,
                          text=True, timeout=120, check=True, **kwargs)


def test_the_package_logger_has_a_null_handler_after_import() -> None:
    done = _python("""
        import logging, smexplore
        print(any(isinstance(h, logging.NullHandler) for h in logging.getLogger("smexplore").handlers))
    """)
    assert done.stdout.strip() == "True"
    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("smexplore").handlers)


_UNCONFIGURED = """
    import logging, sys, tempfile
    import smexplore as sm
    from smexplore.emulator import Emulator

    if sys.argv[1:] == ["configured"]:
        logging.basicConfig(level=logging.INFO)
    with Emulator(per_minute=100_000) as emu:
        with sm.connect(emu.api_key, base_url=emu.base_url, cache=tempfile.mkdtemp(), retry_budget=1.0) as s:
            emu.faults.fail_next(1, status=503)
            s.categories()  # retried (INFO)
            emu.faults.rate_limit_next(50)
            try:
                s.staff()  # given up (WARNING)
            except sm.RateLimitError:
                print("gave up")
"""


@pytest.mark.parametrize("configured", [False, True])
def test_nothing_reaches_stderr_unless_the_application_configures_logging(configured: bool) -> None:
    command = [sys.executable, "-c", textwrap.dedent(_UNCONFIGURED)] + (["configured"] if configured else [])
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "gave up"
    if configured:  # the same run logs retries and giving up once the application asks for them
        assert "INFO:smexplore.http:category page 1: retry 1" in done.stderr
        assert "WARNING:smexplore.http:staff page 1: giving up" in done.stderr
    else:
        assert done.stderr == ""
