"""A Scrapy extension that archives every fetched response, with its request, to a WARC file.

Enable it with the `XINWEN_WARC_PATH` setting (`xinwen crawl ... --warc PATH`); it is not
configured when the setting is empty, or when `XINWEN_WARC_ENABLED` is false. The path may
contain `%(name)s` (spider name) and `%(time)s` (UTC start time), as in Scrapy's FEEDS, so that
every run or worker gets its own file; an existing file is appended to, never overwritten.
A path ending in `.gz` is written as gzip members, one per record (the standard `.warc.gz`).

Each response becomes a WARC `request` + `response` pair (a `resource` record for non-HTTP
URLs such as file://) with the response URL, the HTTP status line and headers, and the body
bytes the spider saw, so `xinwen extract PATH` later gives the records the crawl gave. Scrapy
hands over bodies already de-chunked and (HttpCompressionMiddleware) decompressed, so the
archived headers drop `Transfer-Encoding` and carry the stored body's `Content-Length`.
Records are flushed as they are written; the file is closed when the spider closes.

A page rendered in the browser (crawler/crawl/render.py) is archived as the HTTP response its
document came from plus a `conversion` record of the rendered DOM whose `WARC-Refers-To` names
that response: the response written when the page was first fetched, or, for a page fetched by
the browser alone, a request + response pair written just before the conversion.
"""

from __future__ import annotations

import io
import logging
import os
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

logger = logging.getLogger(__name__)

__all__ = ["WarcWriterExtension", "conversion_record", "response_records"]

# Hop-by-hop or body-describing headers that no longer describe the stored body.
_DROPPED_RESPONSE_HEADERS = {"transfer-encoding"}


def _text(value: bytes | str) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _header_list(headers) -> list[tuple[str, str]]:
    """Scrapy `Headers` (bytes, multi-valued) as warcio's list of (name, value) strings."""
    pairs = []
    for name, values in headers.items():
        for value in values:
            pairs.append((_text(name), _text(value)))
    return pairs


def _warc_date(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def response_records(writer, request, response, when: datetime | None = None) -> list:
    """The WARC records for one Scrapy response: [request, response], or [resource] for a
    non-HTTP URL. Pure: builds records, writes nothing."""
    from warcio.statusandheaders import StatusAndHeaders

    when = when or datetime.now(UTC)
    url = response.url
    body = response.body or b""
    warc_headers = {"WARC-Date": _warc_date(when)}
    scheme = urlsplit(url).scheme.lower()

    if scheme not in ("http", "https"):
        content_type = _text(response.headers.get("Content-Type") or b"") or (
            "text/html" if response.__class__.__name__ == "HtmlResponse" else ""
        )
        record = writer.create_warc_record(
            url,
            "resource",
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type=content_type or "application/octet-stream",
            warc_headers_dict=warc_headers,
        )
        return [record]

    ip = getattr(response, "ip_address", None)
    if ip is not None:
        warc_headers["WARC-IP-Address"] = str(ip)
    protocol = "HTTP/1.0" if (response.protocol or "").upper() == "HTTP/1.0" else "HTTP/1.1"
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    headers = [
        (name, value)
        for name, value in _header_list(response.headers)
        if name.lower() not in _DROPPED_RESPONSE_HEADERS and name.lower() != "content-length"
    ]
    headers.append(("Content-Length", str(len(body))))
    http_headers = StatusAndHeaders(
        f"{response.status} {reason}".strip(), headers, protocol=protocol
    )
    resp_record = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=http_headers,
        warc_headers_dict=warc_headers,
    )

    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    req_headers = _header_list(request.headers)
    if not any(name.lower() == "host" for name, _ in req_headers):
        req_headers.insert(0, ("Host", parts.netloc))
    req_body = request.body or b""
    req_record = writer.create_warc_record(
        url,
        "request",
        payload=io.BytesIO(req_body),
        length=len(req_body),
        http_headers=StatusAndHeaders(
            f"{request.method} {target} {protocol}", req_headers, is_http_request=True
        ),
        warc_headers_dict=dict(warc_headers),
    )
    return [req_record, resp_record]


def conversion_record(writer, response, refers_to: str | None, when: datetime | None = None):
    """The `conversion` record of a rendered page: its DOM as the browser serialised it."""
    body = response.body or b""
    headers = {"WARC-Date": _warc_date(when or datetime.now(UTC))}
    if refers_to:
        headers["WARC-Refers-To"] = refers_to
    encoding = getattr(response, "encoding", None) or "utf-8"
    return writer.create_warc_record(
        response.url,
        "conversion",
        payload=io.BytesIO(body),
        length=len(body),
        warc_content_type=f"text/html; charset={encoding}",
        warc_headers_dict=headers,
    )


def _source_response(source: dict, request) -> Response:
    """The HTTP response a browser-fetched document came from (crawler/crawl/render.py)."""
    return Response(
        source["url"],
        status=source["status"],
        headers=source["headers"],
        body=source["body"],
        request=request,
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("xinwen")
    except PackageNotFoundError:
        return "dev"


class WarcWriterExtension:
    """Writes `request` + `response` WARC records for every response the engine receives."""

    def __init__(self, path: str, stats=None) -> None:
        self.path_template = path
        self.path: Path | None = None
        self.stats = stats
        self._file = None
        self._writer = None
        self.records = 0

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        path = settings.get("XINWEN_WARC_PATH")
        if not path or not settings.getbool("XINWEN_WARC_ENABLED", True):
            raise NotConfigured  # no message: Scrapy would log a warning for a normal state
        ext = cls(str(path), stats=crawler.stats)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def _resolve(self, spider_name: str) -> Path:
        params = {
            "name": spider_name,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%S"),
            "pid": os.getpid(),
        }
        try:
            return Path(self.path_template % params)
        except (KeyError, ValueError, TypeError):
            return Path(self.path_template)

    def _open(self, spider_name: str) -> None:
        from warcio.warcwriter import WARCWriter

        self.path = self._resolve(spider_name)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("ab")
        self._writer = WARCWriter(self._file, gzip=self.path.name.lower().endswith(".gz"))
        info = {
            "software": f"xinwen/{_version()} (warcio)",
            "format": "WARC File Format 1.0",
            "isPartOf": spider_name,
        }
        self._writer.write_record(self._writer.create_warcinfo_record(self.path.name, info))
        self._file.flush()
        logger.info("Writing WARC records to %s", self.path)

    def spider_opened(self, spider) -> None:
        if self._writer is None:
            self._open(spider.name)

    def response_received(self, response, request, spider) -> None:
        if self._writer is None:
            self._open(spider.name)
        try:
            if "playwright" in response.flags:
                self._write_rendered(request, response)
            else:
                record_id = self._write_response(request, response)
                if record_id:
                    request.meta["xinwen_warc_record_id"] = record_id
            self._file.flush()
        except Exception:  # an archive failure must not stop the crawl; it is logged
            logger.exception("Could not write %s to the WARC file %s", response.url, self.path)
            if self.stats is not None:
                self.stats.inc_value("xinwen/warc/errors")
            return
        self.records += 1
        if self.stats is not None:
            self.stats.inc_value("xinwen/warc/responses")

    def _write_response(self, request, response) -> str | None:
        """Writes the response (and its request); returns its WARC-Record-ID."""
        records = response_records(self._writer, request, response)
        if len(records) == 2:
            self._writer.write_request_response_pair(records[0], records[1])
        else:
            self._writer.write_record(records[0])
        return records[-1].rec_headers.get_header("WARC-Record-ID")

    def _write_rendered(self, request, response) -> None:
        refers_to = request.meta.get("xinwen_warc_refers_to")
        source = request.meta.get("xinwen_render_source")
        if not refers_to and source:  # fetched by the browser alone: archive what it fetched
            refers_to = self._write_response(request, _source_response(source, request))
        self._writer.write_record(conversion_record(self._writer, response, refers_to))
        if self.stats is not None:
            self.stats.inc_value("xinwen/warc/rendered")

    def spider_closed(self, spider, reason=None) -> None:
        if self._file is not None:
            self._file.flush()
            self._file.close()
            self._file = None
            self._writer = None
            logger.info("WARC file %s: %d responses archived", self.path, self.records)
