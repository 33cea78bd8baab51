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

import contextlib
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

from crawler.state import StateError, StateStore, body_simhash, crawl_state, stop_crawl
from crawler.state.files import fsync_dir, os_reason
from crawler.state.locks import HeldElsewhere, pid_lock

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


def _valid_record(line: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return _record_or_none(record)


def _record_or_none(record: Any) -> dict[str, Any] | None:
    """The record when it is one the state can mark (a URL and a fingerprint), else None."""
    if not isinstance(record, dict) or not isinstance(record.get("canonical_url"), str):
        return None
    if not isinstance(record.get("fingerprint"), str):
        return None
    return record


class OutputError(RuntimeError):
    """An output cannot be used as it is: the crawl refuses to start (or stops), and the file
    is left as it was."""


def _recovery_mismatch(path: Path, line_no: int, what: str) -> OutputError:
    return OutputError(
        f"{path} line {line_no} {what}; nothing was changed. xinwen appends only to a JSON-lines"
        " file of its own records: choose another -o file, or repair this one"
        " (`xinwen validate` shows the bad lines)"
    )


def _line_number(path: Path, offset: int, index: int) -> int:
    """1-based line number of the `index`-th line after byte `offset`."""
    before = 0
    with path.open("rb") as fh:
        while offset > 0:
            chunk = fh.read(min(offset, 1 << 20))
            if not chunk:
                break
            before += chunk.count(b"\n")
            offset -= len(chunk)
    return before + index + 1


def recover_output(state: StateStore, path: Path, recorded: bool | None = None) -> tuple[int, int]:
    """Make one output file consistent with the state after a kill: mark the complete records
    past the committed offset seen, cut a torn last line. Returns (records marked, bytes cut).

    Only a torn tail this state's crawl wrote is cut (the file is recorded in the state, and
    the tail is an incomplete last line past the committed offset); anything else that does not
    fit (a line that is not a record, a file shorter than recorded, a file of someone else
    without its final newline) raises `OutputError` and changes nothing."""
    key = str(path)
    if recorded is None:
        recorded = key in state.output_offsets()
    committed = state.committed_offset(key)
    if not path.is_file():
        if committed:
            with state.transaction():
                state.set_committed_offset(key, 0)
        return 0, 0
    size = path.stat().st_size
    if committed > size:
        raise OutputError(
            f"{path} is shorter than this crawl state recorded ({size} < {committed} bytes):"
            " it was changed outside xinwen; nothing was changed. Restore it, or write to"
            " another -o file"
        )
    if committed == size:
        return 0, 0
    records: list[dict[str, Any]] = []
    good_end = committed
    with path.open("rb") as fh:
        fh.seek(committed)
        for index, line in enumerate(fh):
            if not line.endswith(b"\n"):  # the last line, incomplete
                if not recorded:
                    raise _recovery_mismatch(
                        path, _line_number(path, committed, index), "(the last) has no newline"
                    )
                break
            if line.strip():
                record = _valid_record(line)
                if record is None:
                    raise _recovery_mismatch(
                        path, _line_number(path, committed, index), "is not a xinwen record"
                    )
                records.append(record)
            good_end += len(line)
    # Nothing is changed before the whole tail was checked.
    for first in range(0, len(records), RECOVERY_BATCH):
        with state.transaction():
            for record in records[first : first + RECOVERY_BATCH]:
                state.add_article(record, body_simhash(record.get("body") or ""), state.run_id)
            if first + RECOVERY_BATCH >= len(records):
                state.set_committed_offset(key, good_end)
    if not records:
        with state.transaction():
            state.set_committed_offset(key, good_end)
    truncated = size - good_end
    if truncated:
        with path.open("r+b") as fh:
            fh.truncate(good_end)
            fh.flush()
            os.fsync(fh.fileno())
        logger.warning("%s: removed a torn last line of %d bytes", path, truncated)
    if records:
        logger.info(
            "%s: %d record(s) were written but not yet marked seen: marked now",
            path,
            len(records),
        )
    return len(records), truncated


def recover_outputs(state: StateStore, feeds: dict[str, Any]) -> dict[str, int]:
    """`recover_output` for every output file the state has recorded (this run's or an earlier
    run's: a resumed crawl may write to another file) and every file of an appending feed, all
    before anything is fetched. An overwritten feed starts empty."""
    totals = {"lines": 0, "truncated_bytes": 0}
    recorded = state.output_offsets()
    overwritten = set()
    files: list[Path] = []
    for path, partitioned, overwrite in durable_feeds(feeds):
        if overwrite:
            overwritten.add(str(path))
            continue
        files.extend(output_files(path, partitioned))
    files.extend(Path(p) for p in sorted(recorded) if p not in overwritten)
    done: set[str] = set()
    for file in files:
        if str(file) in done:
            continue
        done.add(str(file))
        marked, truncated = recover_output(state, file, str(file) in recorded)
        totals["lines"] += marked
        totals["truncated_bytes"] += truncated
    state.recovered = totals
    return totals


# -- before the crawl: outputs usable, locked, not emptied ---------------------------------------

_HELD_LOCKS: dict[str, int] = {}


def lock_output(path: Path, partitioned: bool) -> None:
    """One crawl per output: an exclusive lock on `<file>.lock` (`<dir>/.xinwen.lock` for a
    partitioned output), held until the process ends (released by the OS, even on kill -9).
    A second crawl on the same output raises `OutputError` with the holder's pid."""
    lock_path = path / ".xinwen.lock" if partitioned else path.with_name(path.name + ".lock")
    if str(lock_path) in _HELD_LOCKS:
        return
    try:
        fd = pid_lock(lock_path)
    except HeldElsewhere as held:
        raise OutputError(
            f"{path} is being written by another crawl (pid {held.holder}); wait for it to end,"
            " or write to another file"
        ) from None
    _HELD_LOCKS[str(lock_path)] = fd


def check_writable(path: Path, directory: bool = False) -> str | None:
    """Make sure `path` (a file, or a directory) can be written before anything is fetched: a
    missing parent directory is created (and the returned note says so); anything else raises
    `OutputError` naming the path and the reason. Nothing is left behind that was not there."""
    folder = path if directory else path.parent
    note = None
    for parent in [folder, *folder.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"cannot write {path}: {parent} is not a directory")
            break
    if not folder.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create the directory {folder}: {os_reason(exc)}") from None
        note = f"created the missing directory {folder}"
    target = folder / f".xinwen-write-test-{os.getpid()}" if directory else path
    existed = target.exists()
    if not directory and existed and path.is_dir():
        raise OutputError(f"cannot write {path}: it is a directory")
    try:
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {os_reason(exc)}") from None
    if not existed:
        target.unlink()
    return note


def refuse_overwrite_with_state(state: StateStore, feeds: dict[str, Any]) -> None:
    """`-O` replaces a file, and an incremental crawl writes only what its state does not know:
    together they would leave a dataset without every article known. Refused (decided in issue
    18): append with `-o`, or give `-O` a state of its own (`--state :memory:` or a new file)."""
    known = state.count_articles()
    if not known:
        return
    for path, _partitioned, overwrite in durable_feeds(feeds):
        if overwrite:
            raise OutputError(
                f"-O {path} would replace the file with only the articles the state"
                f" {state.path} does not know yet ({known} known would be left out); use -o to"
                " add new articles to it, or --state :memory: (or a new state file) for a full"
                " crawl into a replaced file"
            )


def prepare_outputs(state: StateStore, feeds: dict[str, Any], extra_files: list[Path]) -> list[str]:
    """Before the crawl: every local output writable (a missing directory created), each
    appended output locked, `-O` not combined with a state that knows articles, and every output
    the state recorded reconciled. Raises `OutputError`; returns notes for the log."""
    notes = []
    feed_files = [
        (path, partitioned)
        for uri in feeds
        if (path := feed_path(str(uri))) is not None
        for partitioned in [is_partitioned(str(uri), feeds[uri])]
    ]
    for path, partitioned in feed_files:
        note = check_writable(path, directory=partitioned)
        if note:
            notes.append(note)
    for path in extra_files:
        note = check_writable(path)
        if note:
            notes.append(note)
    if not getattr(state, "memory", False):
        refuse_overwrite_with_state(state, feeds)
    for path, partitioned in feed_files:
        lock_output(path, partitioned)
    return notes


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

    def write_record(self, line: bytes, record: dict[str, Any]) -> None:
        """One whole line with the record it serialises (pipelines/exporters.py): not parsed
        back."""
        if self._buffer:  # never interleave with a line written in pieces
            self.write(line)
            return
        self.storage.write_line(line, record)

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
        # Per file, the end of what is fsynced: a failed write is cut back to it.
        self._durable_end: dict[Path, int] = {}
        self.failed: str | None = None
        self._recorded: set[str] | None = None
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
        self._durable_end[path] = fh.tell()
        self._record_output(path, fh.tell())
        if not existed:
            fsync_dir(path.parent)
            if new_dir:
                fsync_dir(path.parent.parent)
        self._files[path] = fh
        return fh

    def _record_output(self, path: Path, size: int) -> None:
        """Name the file in the state before anything is appended: recovery cuts a torn last
        line only in a file the state knows it was writing."""
        state = self.state
        if state is None or getattr(state, "memory", False):
            return
        if self._recorded is None:
            self._recorded = set(state.output_offsets())
        if str(path) not in self._recorded:
            with state.transaction():
                state.set_committed_offset(str(path), size)
            self._recorded.add(str(path))

    def write_line(self, line: bytes, record: dict[str, Any] | None = None) -> None:
        """Append one line; `record` is what it serialises, when the exporter says (else the
        line is parsed for it)."""
        if self.failed is not None:
            return  # the output failed: the crawl is stopping, nothing more is marked
        try:
            self._write_line(line, record)
        except OSError as exc:
            self._fail(exc, self.path)

    def _write_line(self, line: bytes, given: dict[str, Any] | None) -> None:
        record = None
        if self.partitioned or self.state is not None:
            record = _valid_record(line) if given is None else _record_or_none(given)
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
        if self.failed is not None:
            return
        path = self.path
        try:
            for path, fh in self._files.items():  # noqa: B007 (named in the error)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            self._fail(exc, path)
            return
        if self._uncommitted and self.state is not None:
            try:
                self.state.commit_articles(
                    [(record, str(path), offset) for record, path, offset in self._uncommitted]
                )
            except StateError as exc:
                # The lines are durable but unmarked: the next run's recovery marks them.
                self.failed = str(exc)
                self._uncommitted = []
                return
        for path, fh in self._files.items():
            self._durable_end[path] = fh.tell()
        self._uncommitted = []
        self._last_commit = time.monotonic()

    def _fail(self, exc: OSError, failed_path: Path) -> None:
        """A write failed (disk full, a size limit, permissions): every file is cut back to
        what was fsynced before (so no torn or unmarked line stays), its records stay unmarked
        (fetched again next run) and the crawl stops, naming the cause."""
        for fh in self._files.values():
            with contextlib.suppress(OSError):
                fh.close()
        self._files.clear()
        for path, end in self._durable_end.items():
            try:
                with path.open("r+b") as fh:
                    fh.truncate(end)
                    os.fsync(fh.fileno())
            except OSError:
                pass
        self._uncommitted = []
        self.failed = f"cannot write {failed_path}: {os_reason(exc)}"
        if self.crawler is not None:
            stop_crawl(self.crawler, "output error", self.failed)
        else:
            raise OutputError(self.failed) from exc

    def close_files(self) -> None:
        self.commit()
        while self._files:
            _, fh = self._files.popitem()
            fh.close()


def commit_all(crawler: Crawler) -> None:
    """Commit what every durable feed storage of this crawl has written so far."""
    for storage in crawler.__dict__.get(DURABLE_STORAGES_ATTR, []):
        storage.commit()
