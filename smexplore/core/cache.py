"""The HTTP cache: requests-cache's SQLite backend, keyed per account and made hard to break.

What this adds to requests-cache's own SQLite cache:

- **Credentials never stored.** The credential headers are appended to requests-cache's ignored
  parameters, so they are neither part of a cache key nor kept with the cached request.
- **Answers keyed by topic.** Every cache key starts with the first path segment below the base
  URL (``job:…`` for ``/job.json`` and ``/job/{uuid}.json``), so the answers about one resource
  can be dropped with one indexed ``DELETE`` instead of reading every stored answer.
- **Damage repaired.** A file that is not a database, or is malformed or cut short, is set aside
  next to itself (``….sqlite.corrupt-…``) with a warning, and a new one is started.
- **Read-only files read.** A cache file (or folder) that cannot be written is opened read-only
  (with a warning logged): answers are served from it, new ones are not stored.
- **Clearing never breaks a reader.** ``clear()`` deletes rows inside the tables (requests-cache
  drops and re-creates them, which other processes see as ``no such table``), and nothing here
  vacuums on the hot path (``VACUUM`` fails while another thread is reading).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlsplit

import platformdirs
import requests
from requests_cache import DEFAULT_IGNORED_PARAMS, CachedSession, CacheMixin
from requests_cache.backends.base import BaseCache
from requests_cache.backends.sqlite import SQLiteCache, SQLiteDict
from requests_cache.cache_keys import create_key
from requests_cache.session import OriginalSession

from .errors import CacheError, StoreError
from .keys import folder_key
from .log import get_logger
from .settings import Settings

__all__ = ["ACCOUNT_HEADER", "AUTH_HEADERS", "GuardedSQLiteCache", "Mode", "make_cached_session", "names_key",
           "session_for", "topic"]

log = get_logger("cache")

Mode = Literal["normal", "refresh", "cache_only", "bypass"]
"""How a GET uses the cache: ``normal`` (a fresh cached answer, else the network), ``refresh``
(the network, and the answer replaces the cached one), ``cache_only`` (a fresh cached answer, or
``NotCached``), ``bypass`` (the network, and nothing is stored: for a caller that keeps the
records itself, as ``sync`` does in the store, or stores the answer later, as a pull does with
pages fetched ahead)."""

# The headers that carry credentials: never part of a cache key, redacted from stored requests.
AUTH_HEADERS = ("X-Api-Key", "Authorization")
# A one-way hash of the account, sent with every request so that a shared cache keys answers by account.
ACCOUNT_HEADER = "X-Smexplore-Account"
_DAMAGE = ("not a database", "malformed", "file is encrypted", "disk image")
_LOCK_WAIT = 30.0  # seconds a write waits for another writer before giving up (the answer is then not stored)
_VERSIONS = "smexplore_versions"
# The page size of a new cache file: a list's pages are MBs, and big SQLite pages copy them (into
# the WAL, then into the file) in a sixteenth of the system calls of the default 4 KiB: storing a
# page of 5,000 records costs about half as much.
_PAGE_SIZE = 65_536
_WAL_BYTES = 4 * 1024 * 1024  # checkpoint the WAL past this size (SQLite's default of 1,000 pages of 4 KiB)
_BUMP = (f"INSERT INTO {_VERSIONS} (topic, version) VALUES (?, 1) "
         "ON CONFLICT(topic) DO UPDATE SET version = version + 1")
_T = TypeVar("_T")


def topic(url: str, base_url: str) -> str:
    """The first path segment of ``url`` below ``base_url``, without its extension (``"job"``)."""
    base = urlsplit(base_url).path.rstrip("/")
    path = urlsplit(url).path
    rest = path.removeprefix(base)
    return rest.strip("/").split("/", 1)[0].split(".", 1)[0]


_HERE = "http://api.invalid"  # what a key says in place of the API's scheme, host and port


def _topic_key_fn(base_url: str) -> Callable[..., str]:
    """Cache keys by topic, and by the request below ``base_url``: the same answer whatever host and
    port serve the API (an emulator serving a demo account listens on a new port each time)."""
    root = base_url.rstrip("/")

    def key(request: Any, **kwargs: Any) -> str:
        url = request.url or ""
        if url.startswith((root + "/", root + "?")):
            request = request.copy()
            request.url = _HERE + url[len(root):]
        return f"{topic(url, base_url)}:{create_key(request, **kwargs)}"

    return key


def _is_damage(exc: sqlite3.Error) -> bool:
    return isinstance(exc, sqlite3.DatabaseError) and any(sign in str(exc) for sign in _DAMAGE)


def _start_file(path: Path) -> None:
    """Give a new (missing or empty) cache file ``_PAGE_SIZE`` pages; the size is fixed once the
    file is in WAL mode, and requests-cache turns WAL on before it creates a table."""
    try:
        if path.exists() and path.stat().st_size:
            return
        with contextlib.closing(sqlite3.connect(path, timeout=_LOCK_WAIT)) as con:
            con.execute(f"PRAGMA page_size={_PAGE_SIZE}")
            con.execute("PRAGMA journal_mode=WAL")  # writes the header
    except (OSError, sqlite3.Error):  # another process is starting it: SQLite's default pages, then
        pass


class _Table(SQLiteDict):
    """requests-cache's SQLite table; opened read-only (and never written) when ``read_only``."""

    def __init__(self, path: Path, table_name: str, *, read_only: bool, **kwargs: Any) -> None:
        self.read_only = read_only
        super().__init__(path, table_name, wal=not read_only, **kwargs)
        if read_only:  # immutable: no lock or -shm file is needed in a folder we cannot write
            self.db_path = f"file:{quote(str(path))}?mode=ro&immutable=1"
            self.connection_kwargs["uri"] = True

    def init_db(self) -> None:
        if not self.read_only:
            super().init_db()
            with self.connection() as con:  # the WAL checkpointed by size, whatever the page size
                page_size = con.execute("PRAGMA page_size").fetchone()[0]
                con.execute(f"PRAGMA wal_autocheckpoint={max(1, _WAL_BYTES // page_size)}")

    def _write(self, key: str, value: Any) -> None:
        if not self.read_only:
            super()._write(key, value)

    @contextmanager
    def connection(self, commit: bool = False) -> Iterator[sqlite3.Connection]:
        """requests-cache's shared connection, used by one thread at a time: requests-cache lets reads
        run in parallel on it, and Python's ``sqlite3`` can crash when two threads use one connection
        at once (pages of a list fetched ahead are read from the cache on several threads)."""
        with self._lock, super().connection(commit) as connection:
            yield connection

    @contextmanager
    def _acquire_sqlite_lock(self) -> Iterator[None]:
        """requests-cache's write transaction, made safe: rolled back on any interruption (a Ctrl-C
        between ``BEGIN`` and ``COMMIT`` would otherwise keep the file locked for every process),
        and waiting at most ``_LOCK_WAIT`` seconds for another writer instead of for ever."""
        with self._lock:
            connection = self._connection
            assert connection is not None
            deadline = time.monotonic() + _LOCK_WAIT
            while True:
                try:
                    connection.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError:
                    if connection.in_transaction:  # left open by an interrupted write
                        connection.rollback()
                    elif time.monotonic() > deadline:
                        raise
                    time.sleep(0.001)
            self._active_transaction = True
            try:
                yield
                connection.commit()
            except BaseException:
                connection.rollback()
                raise
            finally:
                self._active_transaction = False


class _Responses(_Table):
    """The stored answers, with a version per topic that every change to its answers bumps.

    A frame built from a topic's answers stays valid while the topic's version is the one it was
    built at: another process re-pulling (or writing to) the topic bumps it.
    """

    def init_db(self) -> None:
        super().init_db()
        if not self.read_only:
            with self.connection(commit=True) as con:
                con.execute(f"CREATE TABLE IF NOT EXISTS {_VERSIONS} (topic TEXT PRIMARY KEY, version INTEGER NOT NULL)")

    def _write(self, key: str, value: Any) -> None:
        if self.read_only:
            return
        expires = getattr(value, "expires_unix", None)
        blob = self.serialize(value)
        with self.connection(commit=True) as con:
            con.execute(f"INSERT OR REPLACE INTO {self.table_name} (key,value,expires) VALUES (?,?,?)",
                        (key, blob, expires))
            con.execute(_BUMP, (key.partition(":")[0],))

    def drop_topic(self, tag: str) -> int:
        """Delete every answer about ``tag`` and bump its version; returns how many were deleted."""
        with self.connection(commit=True) as con:
            dropped = con.execute(f"DELETE FROM {self.table_name} WHERE key GLOB ?", (f"{tag}:*",)).rowcount
            con.execute(_BUMP, (tag,))
        return int(dropped)

    def wipe(self) -> None:
        """Delete every answer and bump every version."""
        with self.connection(commit=True) as con:
            con.execute(f"DELETE FROM {self.table_name}")
            con.execute(f"UPDATE {_VERSIONS} SET version = version + 1")

    def version(self, tag: str) -> int:
        """How often the answers about ``tag`` have changed (0: never)."""
        with self.connection() as con:
            row = con.execute(f"SELECT version FROM {_VERSIONS} WHERE topic = ?", (tag,)).fetchone()
        return int(row[0]) if row else 0


class GuardedSQLiteCache(SQLiteCache):
    """requests-cache's SQLite backend that survives damage, read-only files and concurrent clears.

    Args:
        path: The SQLite file (its folder is created when missing).
        **kwargs: Passed to requests-cache's ``BaseCache``.

    Raises:
        CacheError: The folder cannot be created, or the file cannot be opened or repaired.
    """

    responses: _Responses
    redirects: _Table

    def __init__(self, path: Path, **kwargs: Any) -> None:
        BaseCache.__init__(self, cache_name=str(path), **kwargs)
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(f"cannot create the cache folder {path.parent} ({exc.strerror or exc}); pass "
                             "cache=<a folder you can write>, or cache=False to work without a cache") from None
        self.read_only = not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK))
        if self.read_only and not path.exists():
            raise CacheError(f"the cache folder {path.parent} cannot be written and holds no cache file for this "
                             "account; pass cache=<a folder you can write>, or cache=False")
        if self.read_only:
            log.warning("the cache file %s cannot be written: answers are served from it, new ones are not stored",
                        path)
        self._identity: tuple[int, int] | None = None
        deadline = time.monotonic() + _LOCK_WAIT
        while True:
            try:
                self._open()
                return
            except sqlite3.OperationalError as exc:  # another process is creating the same file
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    self._recover(exc)
                    return
                self._close()
                time.sleep(0.05)
            except sqlite3.DatabaseError as exc:
                self._recover(exc)
                return

    @property
    def db_path(self) -> Path:
        return self.path

    # --- opening and repairing ------------------------------------------------------------------
    def _open(self) -> None:
        if not self.read_only:
            _start_file(self.path)
        self.responses = _Responses(self.path, "responses", read_only=self.read_only)
        self.redirects = _Table(self.path, "redirects", read_only=self.read_only, lock=self.responses._lock,
                                serializer=None)
        with self.responses.connection() as con:  # reads the header: a damaged file fails here
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        stat = self.path.stat()
        self._identity = (stat.st_dev, stat.st_ino)

    def _close(self) -> None:
        for table in ("responses", "redirects"):
            if table in vars(self):
                getattr(self, table).close()

    def _recover(self, exc: sqlite3.Error) -> None:
        """Mend what ``exc`` says is wrong (missing tables, a damaged file), or raise ``CacheError``."""
        if "no such table" in str(exc) and not self.read_only:
            self.responses.init_db()
            self.redirects.init_db()
            return
        if not _is_damage(exc):
            raise CacheError(f"the cache file {self.path} cannot be used ({exc}); call clear_cache(), or "
                             f"delete the file, or pass another cache= folder") from None
        if self.read_only:
            raise CacheError(f"the cache file {self.path} is damaged ({exc}) and its folder is read-only; "
                             "delete it, or pass cache=<another folder>, or cache=False") from None
        self._close()
        self._set_aside(exc)
        self._open()

    def _set_aside(self, exc: sqlite3.Error) -> None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return
        if self._identity is not None and (stat.st_dev, stat.st_ino) != self._identity:
            return  # another process has already set it aside and started a new one
        target = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}")
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                os.replace(source, f"{target}{suffix}")
        message = (f"the cache file {self.path} was damaged ({exc}); it was set aside as {target.name} "
                   "and a new cache started")
        log.warning("%s", message)
        warnings.warn(message, RuntimeWarning, stacklevel=2)  # shown even where logging is not configured

    def _guarded(self, operation: Callable[[], _T]) -> _T:
        """Run ``operation``; after a database error, mend the cache and run it once more."""
        try:
            return operation()
        except sqlite3.DatabaseError as exc:
            self._recover(exc)
        try:
            return operation()
        except sqlite3.DatabaseError as exc:
            raise CacheError(f"the cache file {self.path} cannot be used ({exc}); call clear_cache(), or "
                             "delete the file, or pass another cache= folder") from None

    # --- what requests-cache calls ----------------------------------------------------------------
    def get_response(self, key: str, default: Any = None) -> Any:
        """The cached answer for ``key``; a cache that cannot be read answers like a miss."""
        try:
            return self._guarded(lambda: super(GuardedSQLiteCache, self).get_response(key, default))
        except CacheError as exc:
            log.warning("%s; answering from the network instead", exc)
            return default

    def save_response(self, response: Any, cache_key: str | None = None, expires: Any = None) -> None:
        """Store an answer; a read-only cache stores nothing, a failing one logs and goes on."""
        if self.read_only:
            return
        try:
            self._guarded(lambda: super(GuardedSQLiteCache, self).save_response(response, cache_key, expires))
        except CacheError as exc:
            log.warning("%s; the answer was not stored", exc)

    def clear(self) -> None:
        """Delete every stored answer, keeping the tables (a concurrent reader never fails)."""
        self._refuse_if_read_only("clear")
        self._guarded(self._wipe)
        try:  # give the space back when nothing else is using the connection (best effort)
            with self.responses._lock, self.responses.connection() as con:
                con.execute("VACUUM")
        except sqlite3.OperationalError:
            pass

    def _wipe(self) -> None:
        self.responses.wipe()
        with self.redirects.connection(commit=True) as con:
            con.execute(f"DELETE FROM {self.redirects.table_name}")

    def forget(self, tag: str) -> int:
        """Drop every answer about ``tag`` (a first path segment, see ``topic``); returns how many.

        Raises:
            CacheError: The answers could not be dropped (the cache is read-only or unusable).
        """
        self._refuse_if_read_only("forget answers")
        return self._guarded(lambda: self.responses.drop_topic(tag))

    def version(self, tag: str) -> int | None:
        """How often the answers about ``tag`` have changed; ``None`` when the cache cannot say."""
        try:
            return self._guarded(lambda: self.responses.version(tag))
        except CacheError:
            return None

    def count(self, expired: bool = True) -> int:
        """How many answers are stored (0 when the cache cannot be read)."""
        try:
            return self._guarded(lambda: super(GuardedSQLiteCache, self).count(expired))
        except CacheError:
            return 0

    def _refuse_if_read_only(self, what: str) -> None:
        if self.read_only:
            raise CacheError(f"cannot {what}: the cache file {self.path} is read-only")


def make_cached_session(path: Path, expire_after: Any, base_url: str) -> CachedSession:
    """A requests-cache session on the SQLite file ``path`` (write-ahead logging on).

    Credentials are appended to requests-cache's own ignored parameters (never replacing them),
    so they are neither part of any cache key nor stored with the cached request; keys start with
    the answer's topic below ``base_url`` (see ``topic``).

    Raises:
        CacheError: The cache folder or file cannot be used.
    """
    return CachedSession(
        backend=GuardedSQLiteCache(path),
        expire_after=expire_after,
        allowable_methods=("GET",),
        allowable_codes=(200,),
        ignored_parameters=[*DEFAULT_IGNORED_PARAMS, *AUTH_HEADERS],
        match_headers=[ACCOUNT_HEADER],
        key_fn=_topic_key_fn(base_url),
    )


def names_key(settings: Settings, session: requests.Session | None) -> bytes:
    """The key of the names a Session gives an account's files and cached answers (``core.keys``):
    the cache folder's; for your own caching session, the user data folder's (its answers are kept
    under the same names in a later process); with no cache, one of this Session's own."""
    if settings.cache_dir is not None and session is None:
        folder: Path | None = settings.cache_dir
    elif isinstance(session, CacheMixin):
        folder = Path(platformdirs.user_data_dir("smexplore"))
    else:
        folder = None
    try:
        key = folder_key(folder, create=True) if folder is not None else None
    except StoreError as exc:
        log.warning("%s: this session names its cached answers with a key of its own, so a later session "
                    "will not find them", exc)
        key = None
    return key if key is not None else secrets.token_bytes(32)


def session_for(session: requests.Session | None, settings: Settings, name: str) -> requests.Session:
    """The requests session a Session sends through: its own cache file ``name`` in the cache folder,
    requests' own session when not caching, or yours (``session=``), made to keep credentials out of
    its cache and to key answers by the account."""
    if session is None:
        if settings.cache_dir is None:  # requests' own class, even under requests_cache.install_cache()
            return OriginalSession()
        return make_cached_session(settings.cache_dir / f"{name}.sqlite", settings.expire_after,
                                   settings.base_url)
    if isinstance(session, CacheMixin):  # a CachedSession, or any session install_cache() patched
        # The user's cache may hold several accounts: keep credentials out of it, and key
        # every answer by the account (a one-way hash sent as a header, matched by the cache).
        ignored = list(session.settings.ignored_parameters or ())
        session.settings.ignored_parameters = ignored + [h for h in AUTH_HEADERS if h not in ignored]
        matched = session.settings.match_headers
        if matched is not True and ACCOUNT_HEADER not in (matched or ()):
            session.settings.match_headers = [*(matched or ()), ACCOUNT_HEADER]
    return session
