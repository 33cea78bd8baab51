"""The quarantine: where records that cannot be exported go, one JSON line each.

A rejected page is never silently lost: it is written with its URL, the reason, the validation
errors and the fields that were found to `XINWEN_QUARANTINE_PATH`, or else to
`<output>.rejected.jsonl` beside the crawl's first local feed file (`-o out/hnr.jsonl` →
`out/hnr.jsonl.rejected.jsonl`). Without either, each record is logged as a warning.
Lines are appended (truncated first when the feed itself is overwritten, `-O`) and fsynced one
by one: a page is marked rejected in the crawl state only after its line is durable (a write
that fails, a full disk say, is cut back, raises `OSError` and marks nothing), so a rejected
page is never in the state without its line.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

QUARANTINE_SUFFIX = ".rejected.jsonl"


@dataclass
class RejectedPage:
    """An item standing for a page that yielded no record (e.g. a parse error)."""

    url: str
    reason: str
    errors: list[Any] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    # The page was an article link (a gone one is not requested again for a while).
    article: bool = False


def quarantine_record(
    url: str | None, reason: str, errors: list[Any], fields: dict[str, Any]
) -> dict[str, Any]:
    return {"url": url, "reason": reason, "errors": errors, "fields": fields}


def _feed_path(uri: str, spider_name: str) -> Path | None:
    """A local file path from a FEEDS URI (plain path or file://), or None."""
    parts = urlsplit(uri)
    if parts.scheme == "file":
        uri = unquote(parts.path)
    elif parts.scheme and len(parts.scheme) > 1:  # s3:, stdout:, ftp: … (a Windows drive is 1)
        return None
    if "%(" in uri:
        stamp = datetime.now().replace(microsecond=0).isoformat().replace(":", "-")
        uri = uri % {"name": spider_name, "time": stamp}
    return Path(uri)


def default_quarantine_path(feeds: dict[str, Any], spider_name: str) -> tuple[Path | None, bool]:
    """`<output>.rejected.jsonl` for the first local feed, and whether that feed overwrites."""
    for uri, options in feeds.items():
        path = _feed_path(str(uri), spider_name)
        if path is not None:
            overwrite = bool((options or {}).get("overwrite", False))
            return path.with_name(path.name + QUARANTINE_SUFFIX), overwrite
    return None, False


def quarantine_path(
    settings: Any, feeds: dict[str, Any], spider_name: str
) -> tuple[Path | None, bool]:
    """Where a crawl's quarantine goes: `XINWEN_QUARANTINE_PATH`, else beside the first local
    feed; and whether it starts empty."""
    configured = settings.get("XINWEN_QUARANTINE_PATH")
    if configured:
        return Path(configured), False
    return default_quarantine_path(feeds, spider_name)


class Quarantine:
    """Appends rejected records to a JSON-lines file (or the log when there is no file)."""

    def __init__(self, path: Path | None, overwrite: bool = False) -> None:
        self.path = path
        self.overwrite = overwrite
        self._fd: int | None = None
        self.count = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Quarantine:
        name = crawler.spider.name if crawler.spider else crawler.spidercls.name
        path, overwrite = quarantine_path(crawler.settings, crawler.settings.getdict("FEEDS"), name)
        return cls(path, overwrite)

    def open(self) -> None:
        if self.path is not None and self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if self.overwrite else os.O_APPEND)
            self._fd = os.open(self.path, flags, 0o644)
            if self.overwrite:
                os.close(self._fd)
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
                self.overwrite = False

    def write(self, record: dict[str, Any]) -> None:
        """Append one line and fsync it; on failure cut the file back and raise `OSError`."""
        line = json.dumps(record, ensure_ascii=False, default=str)
        if self.path is None:
            self.count += 1
            logger.warning("rejected (no quarantine file): %s", line)
            return
        self.open()
        assert self._fd is not None
        data = (line + "\n").encode("utf-8", "surrogatepass")
        start = os.lseek(self._fd, 0, os.SEEK_END)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
            os.fsync(self._fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, start)
            raise
        self.count += 1

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
