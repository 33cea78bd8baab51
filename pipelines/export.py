"""Durable JSON-lines export: every record on disk before it counts as seen, nothing torn left.

Export still goes through Scrapy's `FEEDS`; this module is the feed *storage* for local files
(`FEED_STORAGES` for plain paths and `file://` URIs). For a JSON-lines feed the file object it
hands the exporter takes each line the exporter writes and

1. appends it to the output file (or, for a partitioned feed, to `DIR/<site>/<YYYY-MM-DD>.jsonl`),
   flushes and fsyncs it;
2. then, in one SQLite transaction of the crawl state (`crawler.state.sqlite_store`), marks the record seen
   and moves that file's *committed offset* to the end of the line.

A kill can only fall between 1 and 2 (a line on disk, not yet seen) or inside 1 (a torn line).
`recover_output`, run when the next crawl opens, reads each output file from its committed offset
to the end: complete lines are records written but not marked, so they are marked now; the first
torn or unreadable line and everything after it is truncated away (those articles were never
marked seen, so the crawl fetches them again). So across kills every record is in the outputs
exactly once and no half line stays.

Other feed formats (`json`, `csv` …) on local files are written like Scrapy's own
`FileFeedStorage` and do not mark anything seen.

A feed is *partitioned* when its options say `xinwen_partitioned: true` or its URI ends in `/`
or names an existing directory. Path components taken from records are sanitised: the site is
kept only when it is `[a-z0-9.-]` without `..`, the date only when it is a real `YYYY-MM-DD`
(otherwise `unknown-site`, `undated`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections import OrderedDict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from scrapy.crawler import Crawler

from crawler.state import StateStore, body_simhash, crawl_state

logger = logging.getLogger(__name__)

JSONLINES_FORMATS = ("jsonlines", "jsonl", "jl")
PARTITION_SUFFIX = ".jsonl"
UNDATED = "undated"
UNKNOWN_SITE = "unknown-site"
RUNS_DIR = "_runs"
MAX_OPEN_FILES = 32
RECOVERY_BATCH = 1000
DURABLE_STORAGES_ATTR = "xinwen_durable_storages"
_SITE_RE = re.compile(r"[a-z0-9][a-z0-9.-]{0,252}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


# -- where a record goes -------------------------------------------------------------------------


def safe_site(site: Any) -> str:
    """The record's site as a directory name: `[a-z0-9.-]`, no `..`; else `unknown-site`."""
    if isinstance(site, str):
        text = site.strip().lower().rstrip(".")
        if _SITE_RE.fullmatch(text) and ".." not in text:
            return text
    return UNKNOWN_SITE


def safe_day(published_at: Any) -> str:
    """`YYYY-MM-DD` of a published_at that starts with a real date; else `undated`."""
    if isinstance(published_at, str) and _DATE_RE.match(published_at[:10]):
        try:
            return date.fromisoformat(published_at[:10]).isoformat()
        except ValueError:
            pass
    return UNDATED


def partition_path(root: Path, record: dict[str, Any]) -> Path:
    """`root/<site>/<YYYY-MM-DD>.jsonl` (or `undated.jsonl`), always inside root."""
    return (
        root
        / safe_site(record.get("site"))
        / (safe_day(record.get("published_at")) + PARTITION_SUFFIX)
    )


def feed_path(uri: str) -> Path | None:
    """The local path of a plain-path or `file://` feed URI, else None."""
    parts = urlsplit(uri)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    if parts.scheme and len(parts.scheme) > 1:
        return None
    return Path(uri)


def is_partitioned(uri: str, options: dict[str, Any] | None) -> bool:
    if options and "xinwen_partitioned" in options:
        return bool(options["xinwen_partitioned"])
    path = feed_path(uri)
    return path is not None and (uri.endswith(("/", os.sep)) or path.is_dir())


def durable_feeds(feeds: dict[str, Any]) -> Iterator[tuple[Path, bool, bool]]:
    """(path, partitioned, overwrite) of each local JSON-lines feed in a FEEDS setting."""
    for uri, options in feeds.items():
        options = options or {}
        path = feed_path(str(uri))
        fmt = options.get("format") or (path.suffix.lstrip(".") if path else "")
        if path is None or (fmt not in JSONLINES_FORMATS and not is_partitioned(str(uri), options)):
            continue
        if options.get("postprocessing"):  # compressed: written as a stream, not line by line
            continue
        yield path, is_partitioned(str(uri), options), bool(options.get("overwrite", False))


def output_files(path: Path, partitioned: bool) -> list[Path]:
    """The files of an output: the file itself, or every partition file of a directory."""
    if not partitioned:
        return [path]
    if not path.is_dir():
        return []
    return sorted(p for p in path.glob(f"*/*{PARTITION_SUFFIX}") if p.parent.name != RUNS_DIR)


# -- durability helpers ------------------------------------------------------------------------


def fsync_dir(path: Path) -> None:
    """Make a new directory entry durable (the file's own fsync does not cover its name)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _valid_record(line: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict) or not isinstance(record.get("canonical_url"), str):
        return None
    if not isinstance(record.get("fingerprint"), str):
        return None
    return record


def recover_output(state: StateStore, path: Path) -> tuple[int, int]:
    """Make one output file consistent with the state after a kill: mark the complete records
    past the committed offset seen, truncate a torn or unreadable tail. Returns (records marked,
    bytes truncated)."""
    key = str(path)
    committed = state.committed_offset(key)
    if not path.is_file():
        if committed:
            with state.transaction():
                state.set_committed_offset(key, 0)
        return 0, 0
    size = path.stat().st_size
    if committed > size:  # the file was replaced or cut by hand: read it all again
        logger.warning(
            "%s is shorter than recorded (%d < %d): re-reading it", path, size, committed
        )
        committed = 0
    if committed == size:
        return 0, 0
    marked = 0
    good_end = committed
    batch: list[dict[str, Any]] = []

    def flush_batch() -> None:
        with state.transaction():
            for record in batch:
                state.add_article(record, body_simhash(record.get("body") or ""), state.run_id)
            state.set_committed_offset(key, good_end)
        batch.clear()

    with path.open("r+b") as fh:
        fh.seek(committed)
        for line in fh:
            record = _valid_record(line) if line.endswith(b"\n") else None
            if record is None:
                break
            good_end += len(line)
            batch.append(record)
            marked += 1
            if len(batch) >= RECOVERY_BATCH:
                flush_batch()
        truncated = size - good_end
        if truncated:
            fh.truncate(good_end)
            fh.flush()
            os.fsync(fh.fileno())
            logger.warning("%s: removed a torn or unreadable tail of %d bytes", path, truncated)
    flush_batch()
    if marked:
        logger.info(
            "%s: %d record(s) were written but not yet marked seen: marked now", path, marked
        )
    return marked, truncated


def recover_outputs(state: StateStore, feeds: dict[str, Any]) -> dict[str, int]:
    """`recover_output` for every durable feed that appends (an overwritten one starts empty)."""
    totals = {"lines": 0, "truncated_bytes": 0}
    for path, partitioned, overwrite in durable_feeds(feeds):
        if overwrite:
            continue
        for file in output_files(path, partitioned):
            marked, truncated = recover_output(state, file)
            totals["lines"] += marked
            totals["truncated_bytes"] += truncated
    state.recovered = totals
    return totals


# -- the feed storage --------------------------------------------------------------------------


class DurableLineWriter:
    """The file object the JSON-lines exporter writes to. Every complete line is appended to its
    output file, fsynced, then committed to the state (record seen + offset) in one transaction."""

    def __init__(self, storage: DurableFeedStorage) -> None:
        self.storage = storage
        self._buffer = b""
        self.closed = False

    def write(self, data: bytes) -> int:
        self._buffer += data
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            self.storage.write_line(line + b"\n")
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        if self._buffer:  # an exporter never leaves half a line; keep it out of the output
            logger.error("feed closed with an unterminated line of %d bytes", len(self._buffer))
            self._buffer = b""
        self.storage.close_files()
        self.closed = True


class DurableFeedStorage:
    """`FEED_STORAGES` entry for local files: appends (or overwrites with `overwrite`), one
    fsynced line per record, marked seen in the crawl state after it is on disk."""

    def __init__(
        self,
        uri: str,
        *,
        feed_options: dict[str, Any] | None = None,
        crawler: Crawler | None = None,
    ) -> None:
        path = feed_path(uri)
        if path is None:
            raise ValueError(f"not a local file feed: {uri}")
        self.feed_options = feed_options or {}
        self.path = path
        self.crawler = crawler
        self.partitioned = is_partitioned(uri, self.feed_options)
        self.overwrite = bool(self.feed_options.get("overwrite", False))
        if self.partitioned and self.overwrite:
            raise ValueError(f"a partitioned output cannot be overwritten: {uri}")
        fmt = self.feed_options.get("format") or path.suffix.lstrip(".")
        self.durable = self.partitioned or fmt in JSONLINES_FORMATS
        if self.feed_options.get("postprocessing"):  # `.gz`: the plugin's bytes are not lines
            self.durable = False
        self._files: OrderedDict[Path, IO[bytes]] = OrderedDict()
        self._state: StateStore | None = None
        self._uncommitted: list[tuple[dict[str, Any], Path, int]] = []
        self._last_commit = time.monotonic()
        settings = crawler.settings if crawler is not None else {}
        self.commit_every = max(1, int(settings.get("XINWEN_EXPORT_COMMIT_EVERY", 64)))
        self.commit_seconds = float(settings.get("XINWEN_EXPORT_COMMIT_SECONDS", 1.0))
        if crawler is not None:  # the run recorder commits every storage before its manifest
            crawler.__dict__.setdefault(DURABLE_STORAGES_ATTR, []).append(self)

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> DurableFeedStorage:
        return cls(uri, feed_options=feed_options, crawler=crawler)

    @property
    def state(self) -> StateStore | None:
        if self._state is None and self.crawler is not None:
            self._state = crawl_state(self.crawler)
        return self._state

    def open(self, spider: Any) -> IO[bytes] | DurableLineWriter:
        if not self.durable:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return self.path.open("wb" if self.overwrite else "ab")
        if self.partitioned:
            self.path.mkdir(parents=True, exist_ok=True)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.overwrite:
                with self.path.open("wb") as fh:
                    os.fsync(fh.fileno())
                if self.state is not None:
                    with self.state.transaction():
                        self.state.set_committed_offset(str(self.path), 0)
            self._file(self.path)
        return DurableLineWriter(self)

    def store(self, file: Any) -> None:
        file.close()

    def _file(self, path: Path) -> IO[bytes]:
        fh = self._files.get(path)
        if fh is not None:
            self._files.move_to_end(path)
            return fh
        if len(self._files) >= MAX_OPEN_FILES:
            self.commit()  # its lines reach the disk before the file is closed
            _, oldest = self._files.popitem(last=False)
            oldest.close()
        new_dir = not path.parent.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        fh = path.open("ab")
        if not existed:
            fsync_dir(path.parent)
            if new_dir:
                fsync_dir(path.parent.parent)
        self._files[path] = fh
        return fh

    def write_line(self, line: bytes) -> None:
        record = _valid_record(line) if (self.partitioned or self.state is not None) else None
        if self.partitioned:
            if record is None:
                raise ValueError("a partitioned feed needs JSON records with canonical_url")
            path = partition_path(self.path, record)
        else:
            path = self.path
        fh = self._file(path)
        # Buffered until the group commit flushes and fsyncs it. A kill before that loses at
        # most lines not yet marked seen (fetched again next run) and leaves at most a torn
        # last line, which recovery cuts away.
        fh.write(line)
        if record is not None and self.state is not None:
            self._uncommitted.append((record, path, fh.tell()))
        if (
            len(self._uncommitted) >= self.commit_every
            or time.monotonic() - self._last_commit >= self.commit_seconds
            or self.state is None
            or not getattr(self.state, "GROUP_COMMIT", True)
        ):
            self.commit()

    def commit(self) -> None:
        """Group commit: fsync every file written since the last commit, then mark their
        records seen and move the offsets in one state transaction. A record counts as seen
        only after its line is on disk; one fsync per file per group instead of per line."""
        touched = {id(fh): fh for fh in self._files.values()}
        for fh in touched.values():
            fh.flush()
            os.fsync(fh.fileno())
        if self._uncommitted and self.state is not None:
            self.state.commit_articles(
                [(record, str(path), offset) for record, path, offset in self._uncommitted]
            )
        self._uncommitted = []
        self._last_commit = time.monotonic()

    def close_files(self) -> None:
        self.commit()
        while self._files:
            _, fh = self._files.popitem()
            fh.close()


def commit_all(crawler: Crawler) -> None:
    """Commit what every durable feed storage of this crawl has written so far."""
    for storage in crawler.__dict__.get(DURABLE_STORAGES_ATTR, []):
        storage.commit()
