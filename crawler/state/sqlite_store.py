"""Crawl state in SQLite: what earlier runs already have, so that a run adds only what is new.

Tables: `articles` (seen canonical URLs, fingerprints and SimHash bands for near-duplicates),
`pages` (fetched URLs that gave no record of their own: rejected pages, aliases of a known
article), `list_pages` (per-list-page watermarks), `runs` (history), `outputs` (how far each
output file is known to be durably written, for recovery after a kill). Everything stays on disk:
memory does not grow with the state.

One crawl shares one `StateStore` between its components (`crawl_state(crawler)`): the spider
middleware asks it which URLs are known, the duplicates pipeline which bodies were seen, the
durable feed storage (`pipelines.export`) marks an article seen once its line is on disk.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.state.errors import (
    GuardedStore,
    StateDamaged,
    StateError,
    StateFull,
    StateGuard,
    StateLocked,
)
from crawler.state.files import fsync_dir, os_reason
from crawler.state.locks import HeldElsewhere, pid_lock
from crawler.state.simhash import (
    BANDS,
    MAX_DISTANCE,
    band_layout,
    band_values,
    body_simhash,
    layout_name,
)

MEMORY = ":memory:"

# The emergency reserve (ballast) beside a crawl's state: freed when the state's disk is full, so
# that the run can still be recorded `failed`. That write, the run's row, measured 4,152 bytes
# of WAL (one 4 KiB page and the WAL header); 256 KiB also covers a split page, the commit's
# frames and file system rounding, and what another writer may take meanwhile.
RESERVE_BYTES = 256 * 1024

logger = logging.getLogger(__name__)


def reserve_path(state: Path) -> Path:
    return state.with_name(state.name + ".reserve")


def is_disk_full(exc: BaseException) -> bool:
    """SQLITE_FULL ("database or disk is full"), or an OS write refused for lack of space."""
    if isinstance(exc, OSError):
        return exc.errno == errno.ENOSPC
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == sqlite3.SQLITE_FULL
    return "database or disk is full" in str(exc)


def make_reserve(path: Path, size: int = RESERVE_BYTES) -> None:
    """`path` holds `size` real bytes, fsynced: random ones, which no file system stores sparse,
    compressed or deduplicated. A partial file is removed (its room given back)."""
    try:
        found = path.stat()
    except FileNotFoundError:
        pass
    else:
        if found.st_size == size and found.st_blocks * 512 >= size:
            return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            data = memoryview(os.urandom(size))
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        path.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def damaged_message(path: Path, error: BaseException) -> str:
    """One line: the file, what SQLite said, what `PRAGMA integrity_check` says, what to do."""
    check = "not run"
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            rows = db.execute("PRAGMA integrity_check(3)").fetchall()
            check = "; ".join(str(row[0]) for row in rows) or "no answer"
        finally:
            db.close()
    except sqlite3.Error as exc:
        check = f"could not run ({exc})"
    check = " ".join(check.split())[:300]
    return (
        f"the state {path} is damaged ({error}); PRAGMA integrity_check: {check}."
        f" Restore it from a backup, or start afresh with another --state"
        f" (or move {path.name} away)"
    )


class _GuardedCursor:
    """A cursor whose row fetches fail as the connection's statements do."""

    def __init__(self, cursor: sqlite3.Cursor, db: _GuardedDb) -> None:
        self.cursor = cursor
        self.db = db

    @property
    def lastrowid(self) -> int | None:
        return self.cursor.lastrowid

    def fetchone(self) -> Any:
        try:
            return self.cursor.fetchone()
        except sqlite3.Error as exc:
            raise self.db.fail(exc) from None

    def fetchall(self) -> list[Any]:
        try:
            return self.cursor.fetchall()
        except sqlite3.Error as exc:
            raise self.db.fail(exc) from None


class _GuardedDb(StateGuard):
    """The SQLite connection, whose every error becomes `StateDamaged` (or `StateError` when
    the file cannot be written) naming the file, and calls `on_error` once (the crawl stops
    instead of counting a page as failed)."""

    errors = (sqlite3.Error,)

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        super().__init__()
        self.db = db
        self.path = path
        # The store's last word on a full disk (`StateStore.record_full_disk`).
        self.on_full: Callable[[StateFull], None] | None = None

    def describe(self, exc: BaseException) -> StateError:
        if is_disk_full(exc):
            return StateFull(
                f"the state {self.path} cannot be written: disk full ({exc}); free space on"
                " its disk, then run again (what was written stays consistent)"
            )
        text = str(exc).lower()
        if "full" in text or "i/o" in text or "readonly" in text or "locked" in text:
            return StateError(
                f"the state {self.path} cannot be written ({exc}): free space or fix its"
                " permissions, then run again (what was written stays consistent)"
            )
        return StateDamaged(damaged_message(self.path, exc))

    def record_failure(self, error: StateError) -> None:
        if isinstance(error, StateFull) and self.on_full is not None:
            self.on_full(error)

    def _call(self, name: str, *args: Any) -> Any:
        return self.call(getattr(self.db, name), *args)

    def execute(self, *args: Any) -> _GuardedCursor:
        return _GuardedCursor(self._call("execute", *args), self)

    def executemany(self, *args: Any) -> _GuardedCursor:
        return _GuardedCursor(self._call("executemany", *args), self)

    def executescript(self, *args: Any) -> Any:
        return self._call("executescript", *args)

    def close(self) -> None:
        self.db.close()


def default_state_path() -> Path:
    """`$XINWEN_STATE`, else `$XDG_STATE_HOME/xinwen/state.sqlite3` (~/.local/state/…).
    (Offline crawls keep no state unless one is given: `xinwen crawl --offline`.)"""
    if os.environ.get("XINWEN_STATE"):
        return Path(os.environ["XINWEN_STATE"])
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "xinwen" / "state.sqlite3"


def _signed(value: int) -> int:
    """SQLite integers are signed 64-bit."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def _now() -> str:
    # Microseconds: a list pass's completion is compared with when its articles became known.
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Seen:
    canonical_url: str
    fingerprint: str


SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    canonical_url TEXT PRIMARY KEY,
    url TEXT,
    fingerprint TEXT NOT NULL,
    simhash INTEGER NOT NULL,
    b0 INTEGER, b1 INTEGER, b2 INTEGER, b3 INTEGER, b4 INTEGER, b5 INTEGER,
    site TEXT,
    published_at TEXT,
    duplicate_of TEXT,
    first_seen TEXT NOT NULL,
    run_id INTEGER
);
CREATE INDEX IF NOT EXISTS articles_fingerprint ON articles(fingerprint);
CREATE INDEX IF NOT EXISTS articles_url ON articles(url);
CREATE INDEX IF NOT EXISTS articles_b0 ON articles(b0);
CREATE INDEX IF NOT EXISTS articles_b1 ON articles(b1);
CREATE INDEX IF NOT EXISTS articles_b2 ON articles(b2);
CREATE INDEX IF NOT EXISTS articles_b3 ON articles(b3);
CREATE INDEX IF NOT EXISTS articles_b4 ON articles(b4);
CREATE INDEX IF NOT EXISTS articles_b5 ON articles(b5);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    reason TEXT,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS list_pages (
    url TEXT PRIMARY KEY,
    newest_published TEXT,
    last_crawled TEXT,
    last_new INTEGER
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT,
    site TEXT,
    argv TEXT,
    counts TEXT,
    problem TEXT
);
CREATE TABLE IF NOT EXISTS list_passes (
    folder TEXT PRIMARY KEY,
    completed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outputs (
    path TEXT PRIMARY KEY,
    committed_offset INTEGER NOT NULL
);
"""


# What `runs()` gives of each run, newest first (both stores).
RUN_FIELDS = ("id", "started_at", "finished_at", "status", "site", "counts", "problem")


class StateStore(GuardedStore):
    """One SQLite file; safe to open from one process at a time per crawl (WAL mode lets
    readers such as `xinwen report` look at it meanwhile).

    `reserve` (a crawl's state): `<state>.reserve` is made sure to exist before anything else,
    `RESERVE_BYTES` kept for a full disk (`record_full_disk`); a disk already too full for it
    is `StateFull` at once."""

    def __init__(
        self,
        path: str | os.PathLike,
        near_distance: int = 3,
        lock: bool = False,
        reserve: bool = False,
    ) -> None:
        if not 0 <= near_distance <= MAX_DISTANCE:
            raise ValueError(f"near-duplicate distance must be 0..{MAX_DISTANCE}")
        self.memory = str(path) == MEMORY
        self.path = Path(path)
        self.near_distance = near_distance
        self._lock_fd: int | None = None
        self.reserve = reserve_path(self.path) if reserve and not self.memory else None
        if not self.memory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if lock:
                self._lock()
        try:
            if self.reserve is not None:
                self._make_reserve()
            self.db = _GuardedDb(
                sqlite3.connect(
                    MEMORY if self.memory else self.path, timeout=30, isolation_level=None
                ),
                self.path,
            )
            self.db.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed "seen" survives power loss, never ahead of the output it follows.
            self.db.execute("PRAGMA synchronous=FULL")
            if not self.memory:
                self._check_integrity()
            self.db.executescript(SCHEMA)
            self._add_run_problems()
            self.db.on_full = self.record_full_disk
            self.bands = band_layout(near_distance)
            self._use_band_layout()
        except BaseException:
            self.close()
            raise
        # This run's records that passed the duplicates pipeline but are not on disk yet:
        # canonical_url -> (fingerprint, simhash, duplicate_of). Emptied as lines are committed.
        self.pending: dict[str, tuple[str, int, str | None]] = {}
        self._pending_fingerprints: dict[str, str] = {}
        self.run_id: int | None = None
        self.run_started: datetime | None = None
        # Lines written this run per output file, and what recovery found at start.
        self.written: dict[str, int] = {}
        self.recovered = {"lines": 0, "truncated_bytes": 0}

    def _check_integrity(self) -> None:
        """`PRAGMA quick_check` at open: a damaged file stops the crawl before it starts."""
        rows = self.db.execute("PRAGMA quick_check(3)").fetchall()
        if [row[0] for row in rows] != ["ok"]:
            found = "; ".join(" ".join(str(row[0]).split()) for row in rows)[:300]
            raise StateDamaged(
                f"the state {self.path} is damaged; PRAGMA integrity_check: {found}."
                f" Restore it from a backup, or start afresh with another --state"
                f" (or move {self.path.name} away)"
            )

    def _add_run_problems(self) -> None:
        """A state from before the runs' `problem` column gets it."""
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(runs)").fetchall()}
        if "problem" not in columns:
            self.db.execute("ALTER TABLE runs ADD COLUMN problem TEXT")

    def _make_reserve(self) -> None:
        assert self.reserve is not None
        try:
            make_reserve(self.reserve)
        except OSError as exc:
            full = is_disk_full(exc)
            raise (StateFull if full else StateError)(
                f"the state {self.path} cannot keep its emergency reserve {self.reserve.name}"
                f" ({RESERVE_BYTES // 1024} KiB): {os_reason(exc)};"
                f" {'free space on its disk' if full else 'fix it'}, then run again"
            ) from None

    def record_full_disk(self, error: StateFull) -> None:
        """The disk is full: free the reserve and, in the room it leaves, end this run's row
        `failed` with the cause, so that the history does not take it for a killed run. The
        open transaction (nothing in it is durable anywhere else) is rolled back first."""
        if self.reserve is not None:
            self.reserve.unlink(missing_ok=True)
        if self.run_id is None:
            return
        db = self.db.db
        try:
            if db.in_transaction:
                db.execute("ROLLBACK")
            db.execute(
                "UPDATE runs SET finished_at = ?, status = 'failed', problem = ? WHERE id = ?",
                (_now(), str(error), self.run_id),
            )
        except sqlite3.Error as exc:
            logger.warning(
                "could not record run %d as failed in the state %s (%s): the next run will"
                " call it interrupted",
                self.run_id,
                self.path,
                exc,
            )

    @property
    def guard(self) -> StateGuard:
        return self.db

    def _lock(self) -> None:
        """One crawl per state file: an exclusive lock on `<state>.lock`, released by the OS when
        the process ends (even by kill -9)."""
        try:
            self._lock_fd = pid_lock(self.path.with_name(self.path.name + ".lock"))
        except HeldElsewhere as held:
            raise StateLocked(
                f"the state {self.path} is in use by another crawl (pid {held.holder})"
            ) from None

    def close(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            db.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # ------------------------------------------------------------------ articles
    def has_url(self, url: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM articles WHERE canonical_url = ? OR url = ? LIMIT 1", (url, url)
        ).fetchone()
        return row is not None

    def find_fingerprint(self, fingerprint: str) -> str | None:
        row = self.db.execute(
            "SELECT canonical_url FROM articles WHERE fingerprint = ? LIMIT 1", (fingerprint,)
        ).fetchone()
        return row[0] if row else None

    def _band_columns(self, simhash: int) -> list[int | None]:
        """Values of the columns b0..b5 for a hash: its bands, NULL where the layout has none."""
        bands: list[int | None] = list(band_values(simhash, self.bands))
        return bands + [None] * (len(BANDS) - len(bands))

    def _use_band_layout(self) -> None:
        """Index the articles by this store's band layout: a state written with another one
        (an older xinwen, or another distance) has its bands recomputed once, from the stored
        hashes, in one transaction."""
        wanted = layout_name(self.bands)
        row = self.db.execute("SELECT value FROM meta WHERE key = 'band_layout'").fetchone()
        # A state from before the layout was recorded was banded with BANDS.
        stored = row[0] if row else layout_name(BANDS)
        if stored == wanted:
            if row is None:
                self.db.execute("INSERT INTO meta VALUES ('band_layout', ?)", (wanted,))
            return
        rows = self.db.execute("SELECT rowid, simhash FROM articles").fetchall()
        if rows:
            logger.info(
                "re-banding %d articles for near-duplicate distance %d",
                len(rows),
                self.near_distance,
            )
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany(
                "UPDATE articles SET b0 = ?, b1 = ?, b2 = ?, b3 = ?, b4 = ?, b5 = ? WHERE rowid = ?",
                ([*self._band_columns(_unsigned(value)), rowid] for rowid, value in rows),
            )
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('band_layout', ?)", (wanted,))
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def find_near_duplicate(self, simhash: int) -> str | None:
        """canonical_url of the earliest article within the Hamming distance, if any: the
        candidates sharing a band come in insertion order, and the first close one wins."""
        bands = band_values(simhash, self.bands)
        clauses = " OR ".join(f"b{i} = ?" for i in range(len(bands)))
        for value, url in self.db.execute(
            f"SELECT simhash, canonical_url FROM articles WHERE {clauses} ORDER BY rowid", bands
        ).fetchall():
            if (_unsigned(value) ^ simhash).bit_count() <= self.near_distance:
                return url
        return None

    def add_article(self, record: dict, simhash: int, run_id: int | None = None) -> None:
        bands = self._band_columns(simhash)
        self.db.execute(
            "INSERT OR IGNORE INTO articles (canonical_url, url, fingerprint, simhash,"
            " b0, b1, b2, b3, b4, b5, site, published_at, duplicate_of, first_seen, run_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record["canonical_url"],
                record.get("url"),
                record["fingerprint"],
                _signed(simhash),
                *bands,
                record.get("site"),
                record.get("published_at"),
                record.get("duplicate_of"),
                _now(),
                run_id,
            ),
        )

    def count_articles(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def duplicate_root(self, canonical_url: str) -> str:
        """The first record of a chain of republications (`duplicate_of` of a duplicate)."""
        row = self.db.execute(
            "SELECT duplicate_of FROM articles WHERE canonical_url = ?", (canonical_url,)
        ).fetchone()
        if row is None and canonical_url in self.pending:
            return self.pending[canonical_url][2] or canonical_url
        return row[0] if row and row[0] else canonical_url

    # ------------------------------------------------------------------ this run's records
    def add_pending(
        self, canonical_url: str, fingerprint: str, simhash: int, duplicate_of: str | None
    ) -> None:
        """A record on its way to the outputs: duplicates of it are recognised meanwhile."""
        self.pending[canonical_url] = (fingerprint, simhash, duplicate_of)
        self._pending_fingerprints.setdefault(fingerprint, canonical_url)

    def pending_fingerprint(self, fingerprint: str) -> str | None:
        return self._pending_fingerprints.get(fingerprint)

    def pending_near_duplicate(self, simhash: int) -> str | None:
        for url, (_fingerprint, value, _dup) in self.pending.items():
            if (value ^ simhash).bit_count() <= self.near_distance:
                return url
        return None

    def commit_article(self, record: dict, output: str | None = None, offset: int = 0) -> None:
        """Mark a record seen (its line is durably written) and, in the same transaction, move
        the output's committed offset to the end of that line."""
        self.commit_articles([(record, output, offset)])

    def commit_articles(self, written: list[tuple[dict, str | None, int]]) -> None:
        """`commit_article` for a group of (record, output, offset), in one transaction."""
        with self.transaction():
            for record, output, offset in written:
                self.add_article(record, self._simhash_of(record), self.run_id)
                if output is not None:
                    self.set_committed_offset(output, offset)
        for record, output, _offset in written:
            if output is not None:
                self.written[output] = self.written.get(output, 0) + 1
            cached = self.pending.pop(record["canonical_url"], None)
            if (
                cached is not None
                and self._pending_fingerprints.get(cached[0]) == record["canonical_url"]
            ):
                del self._pending_fingerprints[cached[0]]

    def _simhash_of(self, record: dict) -> int:
        cached = self.pending.get(record["canonical_url"])
        if cached is not None and cached[0] == record.get("fingerprint"):
            return cached[1]
        return body_simhash(record.get("body") or "")

    # ------------------------------------------------------------------ other fetched pages
    def mark_page(self, url: str, status: str, reason: str | None = None) -> None:
        """A fetched page that made no record of its own (`rejected`, `alias`)."""
        self.db.execute(
            "INSERT INTO pages (url, status, reason, at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET status = excluded.status,"
            " reason = excluded.reason, at = excluded.at",
            (url, status, reason, _now()),
        )

    def is_known(self, url: str, rejected_retry: timedelta | None = None) -> bool:
        """Whether a URL needs no request: its article is written, it is an alias of a written
        article, or it was rejected less than `rejected_retry` ago (never retried when None)."""
        if self.has_url(url):
            return True
        row = self.db.execute("SELECT status, at FROM pages WHERE url = ?", (url,)).fetchone()
        if row is None:
            return False
        status, at = row
        if status != "rejected" or rejected_retry is None:
            return True
        return datetime.fromisoformat(at) > datetime.now(UTC) - rejected_retry

    # ------------------------------------------------------------------ list pages
    def list_page(self, url: str) -> dict | None:
        row = self.db.execute(
            "SELECT newest_published, last_crawled, last_new FROM list_pages WHERE url = ?", (url,)
        ).fetchone()
        if not row:
            return None
        return {"newest_published": row[0], "last_crawled": row[1], "last_new": row[2]}

    def mark_list_page(self, url: str, newest_published: str | None, new_links: int) -> None:
        self.db.execute(
            "INSERT INTO list_pages (url, newest_published, last_crawled, last_new)"
            " VALUES (?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET"
            " newest_published = max(coalesce(newest_published, ''), coalesce(excluded.newest_published, '')),"
            " last_crawled = excluded.last_crawled, last_new = excluded.last_new",
            (url, newest_published, _now(), new_links),
        )

    def known_at(self, url: str) -> str | None:
        """When a URL became known (an article written, a page rejected or an alias), or None."""
        row = self.db.execute(
            "SELECT min(first_seen) FROM articles WHERE canonical_url = ? OR url = ?", (url, url)
        ).fetchone()
        if row and row[0]:
            return row[0]
        row = self.db.execute("SELECT at FROM pages WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def list_pass(self, folder: str) -> str | None:
        """When the last complete pass over a list (its folder) ended, or None."""
        row = self.db.execute(
            "SELECT completed_at FROM list_passes WHERE folder = ?", (folder,)
        ).fetchone()
        return row[0] if row else None

    def complete_list_passes(self, folders: Iterable[str]) -> None:
        """Record that this run paged each list to its end and the run finished: a later run may
        stop paging them at a page whose articles were all known by now."""
        moment = _now()
        with self.transaction():
            self.db.executemany(
                "INSERT INTO list_passes (folder, completed_at) VALUES (?, ?) ON CONFLICT(folder)"
                " DO UPDATE SET completed_at = excluded.completed_at",
                [(folder, moment) for folder in folders],
            )

    # ------------------------------------------------------------------ runs
    def start_run(self, site: str, argv: Iterable[str]) -> int:
        """A new row in the history; runs left `running` by a killed process (the lock says no
        other process runs now) become `interrupted`."""
        if self._lock_fd is not None:
            self.db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
        self.run_started = datetime.now(UTC)
        cursor = self.db.execute(
            "INSERT INTO runs (started_at, status, site, argv) VALUES (?, 'running', ?, ?)",
            (
                self.run_started.isoformat(timespec="seconds"),
                site,
                json.dumps(list(argv), ensure_ascii=False),
            ),
        )
        self.run_id = int(cursor.lastrowid)
        return self.run_id

    def finish_run(
        self, run_id: int, status: str, counts: dict, problem: str | None = None
    ) -> None:
        self.db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, counts = ?, problem = ? WHERE id = ?",
            (
                _now(),
                status,
                json.dumps(counts, ensure_ascii=False, sort_keys=True),
                problem,
                run_id,
            ),
        )

    def runs(self, limit: int = 20) -> list[dict]:
        rows = self.db.execute(
            "SELECT id, started_at, finished_at, status, site, counts, problem FROM runs"
            " ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [dict(zip(RUN_FIELDS, row, strict=True)) for row in rows]

    # ------------------------------------------------------------------ outputs
    def committed_offset(self, path: str) -> int:
        row = self.db.execute(
            "SELECT committed_offset FROM outputs WHERE path = ?", (path,)
        ).fetchone()
        return int(row[0]) if row else 0

    def output_offsets(self) -> dict[str, int]:
        """Every output file this state has recorded, with its committed offset."""
        rows = self.db.execute("SELECT path, committed_offset FROM outputs").fetchall()
        return {path: int(offset) for path, offset in rows}

    def set_committed_offset(self, path: str, offset: int) -> None:
        self.db.execute(
            "INSERT INTO outputs (path, committed_offset) VALUES (?, ?)"
            " ON CONFLICT(path) DO UPDATE SET committed_offset = excluded.committed_offset",
            (path, offset),
        )

    def transaction(self):
        """`with store.transaction():` groups writes into one durable commit."""
        return _Transaction(self.db)


class _Transaction:
    def __init__(self, db: _GuardedDb) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and issubclass(exc_type, StateError):
            return  # the connection is unusable; its transaction ends with it
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


# ---------------------------------------------------------------------- one store per crawl
