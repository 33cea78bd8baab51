"""Crawl state in SQLite: what earlier runs already have, so that a run adds only what is new.

Tables: `articles` (seen canonical URLs, fingerprints and SimHash bands for near-duplicates),
`list_pages` (per-list-page watermarks), `runs` (history), `outputs` (how far each output file
is known to be durably written, for recovery after a kill). Everything stays on disk: memory
does not grow with the state.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from simhash import Simhash

SIMHASH_BITS = 64
# Six bands: by the pigeonhole principle two hashes within Hamming distance 5 share a band.
BANDS = ((0, 11), (11, 11), (22, 11), (33, 11), (44, 10), (54, 10))
MAX_DISTANCE = len(BANDS) - 1
SHINGLE = 3
_NOT_TEXT_RE = re.compile(r"[\W_]+")


def default_state_path() -> Path:
    """`$XINWEN_STATE`, else `$XDG_STATE_HOME/xinwen/state.sqlite3` (~/.local/state/…)."""
    if os.environ.get("XINWEN_STATE"):
        return Path(os.environ["XINWEN_STATE"])
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "xinwen" / "state.sqlite3"


def body_simhash(body: str) -> int:
    """64-bit SimHash over character 3-shingles of the body, punctuation and space removed."""
    text = _NOT_TEXT_RE.sub("", unicodedata.normalize("NFKC", body).lower())
    shingles = [text[i : i + SHINGLE] for i in range(max(len(text) - SHINGLE + 1, 1))]
    return Simhash(shingles, f=SIMHASH_BITS).value


def _signed(value: int) -> int:
    """SQLite integers are signed 64-bit."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def _bands(value: int) -> list[int]:
    return [(value >> start) & ((1 << width) - 1) for start, width in BANDS]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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
    counts TEXT
);
CREATE TABLE IF NOT EXISTS outputs (
    path TEXT PRIMARY KEY,
    committed_offset INTEGER NOT NULL
);
"""


class StateStore:
    """One SQLite file; safe to open from one process at a time per crawl (WAL mode lets
    readers such as `xinwen report` look at it meanwhile)."""

    def __init__(self, path: str | os.PathLike, near_distance: int = 3) -> None:
        if not 0 <= near_distance <= MAX_DISTANCE:
            raise ValueError(f"near-duplicate distance must be 0..{MAX_DISTANCE}")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.near_distance = near_distance
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed "seen" survives power loss, never ahead of the output it follows.
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

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

    def find_near_duplicate(self, simhash: int) -> str | None:
        """canonical_url of the earliest article within the Hamming distance, if any."""
        bands = _bands(simhash)
        clauses = " OR ".join(f"b{i} = ?" for i in range(len(BANDS)))
        best: tuple[int, int, str] | None = None
        for rowid, value, url in self.db.execute(
            f"SELECT rowid, simhash, canonical_url FROM articles WHERE {clauses}", bands
        ):
            distance = (_unsigned(value) ^ simhash).bit_count()
            if distance <= self.near_distance and (best is None or rowid < best[0]):
                best = (rowid, distance, url)
        return best[2] if best else None

    def add_article(self, record: dict, simhash: int, run_id: int | None = None) -> None:
        bands = _bands(simhash)
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

    # ------------------------------------------------------------------ runs
    def start_run(self, site: str, argv: Iterable[str]) -> int:
        cursor = self.db.execute(
            "INSERT INTO runs (started_at, status, site, argv) VALUES (?, 'running', ?, ?)",
            (_now(), site, json.dumps(list(argv), ensure_ascii=False)),
        )
        return int(cursor.lastrowid)

    def finish_run(self, run_id: int, status: str, counts: dict) -> None:
        self.db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, counts = ? WHERE id = ?",
            (_now(), status, json.dumps(counts, ensure_ascii=False, sort_keys=True), run_id),
        )

    def runs(self, limit: int = 20) -> list[dict]:
        rows = self.db.execute(
            "SELECT id, started_at, finished_at, status, site, counts FROM runs"
            " ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        keys = ("id", "started_at", "finished_at", "status", "site", "counts")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    # ------------------------------------------------------------------ outputs
    def committed_offset(self, path: str) -> int:
        row = self.db.execute(
            "SELECT committed_offset FROM outputs WHERE path = ?", (path,)
        ).fetchone()
        return int(row[0]) if row else 0

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
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
