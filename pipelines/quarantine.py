"""The quarantine: where records that cannot be exported go, one JSON line each.

A rejected page is never silently lost: it is written with its URL, the reason, the validation
errors and the fields that were found to `XINWEN_QUARANTINE_PATH`, or else to
`<output>.rejected.jsonl` beside the crawl's first local feed file (`-o out/hnr.jsonl` →
`out/hnr.jsonl.rejected.jsonl`). Without either, each record is logged as a warning.
Lines are appended (truncated first when the feed itself is overwritten, `-O`) and flushed one
by one, so a killed crawl keeps what it rejected.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any
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


class Quarantine:
    """Appends rejected records to a JSON-lines file (or the log when there is no file)."""

    def __init__(self, path: Path | None, overwrite: bool = False) -> None:
        self.path = path
        self.overwrite = overwrite
        self._fh: IO[str] | None = None
        self.count = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Quarantine:
        configured = crawler.settings.get("XINWEN_QUARANTINE_PATH")
        if configured:
            return cls(Path(configured))
        name = crawler.spider.name if crawler.spider else "crawl"
        path, overwrite = default_quarantine_path(crawler.settings.getdict("FEEDS"), name)
        return cls(path, overwrite)

    def open(self) -> None:
        if self.path is not None and self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("w" if self.overwrite else "a", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, default=str)
        self.count += 1
        if self.path is None:
            logger.warning("rejected (no quarantine file): %s", line)
            return
        self.open()
        assert self._fh is not None
        self._fh.write(line + "\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
