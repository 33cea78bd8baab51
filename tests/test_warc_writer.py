"""WARC written during a crawl (`crawler.crawl.warc_writer`) re-extracts to the crawl's records.

A tiny Scrapy crawl runs in a subprocess against a loopback `http.server` started here (never
the internet); the pages are served gzip-compressed and chunked, with and without a charset in
the header, next to an image, a 404 and a redirect.
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from crawler.crawl.warc_writer import WarcWriterExtension, response_records
from crawler.datasets.archives import ArchiveStats, iter_pages
from crawler.extract import extract

ROOT = Path(__file__).resolve().parent.parent
PAGES = Path(__file__).parent / "data" / "pages"
UTF8_PAGE = (PAGES / "article-utf8.html").read_bytes()
GBK_PAGE = (PAGES / "article-gbk.html").read_bytes()

INDEX = """<html><head><meta charset="utf-8"><title>首页</title></head><body>
<a href="/news/utf8.html">地铁</a> <a href="/news/gbk.html">牡丹</a>
<a href="/img/photo.jpg">图</a> <a href="/missing.html">旧</a> <a href="/old.html">跳转</a>
</body></html>""".encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output clean
        pass

    def _send(self, status, body, content_type, gzip_it=False, chunked=False, extra=()):
        if gzip_it:
            body = gzip.compress(body)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in extra:
            self.send_header(name, value)
        if gzip_it:
            self.send_header("Content-Encoding", "gzip")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(body), 500):
                chunk = body[start : start + 500]
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def do_GET(self):
        gz = "gzip" in self.headers.get("Accept-Encoding", "")
        if self.path == "/":
            self._send(200, INDEX, "text/html; charset=utf-8")
        elif self.path == "/news/utf8.html":
            self._send(200, UTF8_PAGE, "text/html; charset=utf-8", chunked=True)
        elif self.path == "/news/gbk.html":
            self._send(200, GBK_PAGE, "text/html", gzip_it=gz)  # charset only in <meta>
        elif self.path == "/img/photo.jpg":
            self._send(200, b"\xff\xd8\xff\xe0fakejpeg", "image/jpeg")
        elif self.path == "/old.html":
            self._send(301, b"", "text/html", extra=[("Location", "/news/utf8.html")])
        else:
            self._send(404, b"<html><body>not found</body></html>", "text/html")


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


CRAWL_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from crawler.datasets.archives import charset_from_content_type
    from crawler.extract import extract

    start, warc, out = sys.argv[1:4]

    class TinySpider(scrapy.Spider):
        name = "tiny"
        start_urls = [start + "/"]

        def parse(self, response):
            if response.url.rstrip("/") == start:
                for href in response.css("a::attr(href)").getall():
                    yield response.follow(href, callback=self.parse_article)

        def parse_article(self, response):
            if not isinstance(response, scrapy.http.HtmlResponse):
                return
            charset = charset_from_content_type(response.headers.get("Content-Type"))
            try:
                fields = extract(response.body, response.url, charset)
            except Exception as exc:
                fields = {"url": response.url, "error": repr(exc)}
            with open(out, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(fields, ensure_ascii=False) + "\\n")

    process = CrawlerProcess(
        {
            "EXTENSIONS": {"crawler.crawl.warc_writer.WarcWriterExtension": 500},
            "XINWEN_WARC_PATH": warc,
            "ROBOTSTXT_OBEY": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "INFO",
            "HTTPERROR_ALLOW_ALL": False,
        }
    )
    process.crawl(TinySpider)
    process.start()
    """
)


def crawl(tmp_path: Path, start: str, warc_name: str) -> tuple[Path, list[dict], str]:
    script = tmp_path / "tiny_crawl.py"
    script.write_text(CRAWL_SCRIPT, encoding="utf-8")
    warc = tmp_path / warc_name
    out = tmp_path / "crawl.jsonl"
    proc = subprocess.run(
        [sys.executable, str(script), start, str(warc), str(out)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert not [r for r in records if "error" in r], records
    return warc, records, proc.stderr


@pytest.mark.parametrize("warc_name", ["crawl.warc.gz", "crawl.warc"])
def test_crawl_warc_re_extracts_to_the_same_records(tmp_path, server, warc_name):
    warc, crawled, log = crawl(tmp_path, server, warc_name)
    assert "Writing WARC records to" in log
    assert len(crawled) == 2, log[-3000:]  # utf8 (directly and via the redirect, deduped) + gbk

    stats = ArchiveStats()
    pages = list(iter_pages([str(warc)], stats))
    archived = [extract(p.body, p.url, p.http_charset) for p in pages]
    # the index page is archived too; everything the crawl extracted is found again, equal
    by_url = {record["url"]: record for record in archived}
    for record in crawled:
        assert by_url[record["url"]] == record
    key = sorted((r["canonical_url"], r["fingerprint"]) for r in crawled)
    assert key == sorted(
        (r["canonical_url"], r["fingerprint"])
        for r in archived
        if r["url"] in by_url and r["url"] != server + "/"
    )
    assert {p.url for p in pages} == {
        server + "/",
        server + "/news/utf8.html",
        server + "/news/gbk.html",
    }
    assert stats.skipped_non_html == 1  # the image
    assert stats.skipped_non_200 == 1  # the 404 (the 301 never reaches the engine)


def test_crawl_warc_records(tmp_path, server):
    warc, _, _ = crawl(tmp_path, server, "crawl.warc.gz")
    types = []
    with warc.open("rb") as fh:
        for record in ArchiveIterator(fh):
            types.append(record.rec_type)
            uri = record.rec_headers.get_header("WARC-Target-URI")
            if record.rec_type == "request":
                assert record.http_headers.protocol == "GET"
                assert record.http_headers.get_header("Host")
            if record.rec_type == "response" and uri.endswith("/news/gbk.html"):
                body = record.content_stream().read()
                assert body == GBK_PAGE  # exact bytes, stored decompressed
                assert record.http_headers.get_statuscode() == "200"
                assert record.http_headers.get_header("Content-Length") == str(len(GBK_PAGE))
                assert record.http_headers.get_header("Content-Encoding") is None
            if record.rec_type == "response" and uri.endswith("/news/utf8.html"):
                assert record.http_headers.get_header("Transfer-Encoding") is None
                assert record.content_stream().read() == UTF8_PAGE
    assert types[0] == "warcinfo"
    assert types.count("request") == types.count("response") == 5  # index, 2 pages, img, 404


def test_appends_to_an_existing_archive(tmp_path, server):
    warc, _, _ = crawl(tmp_path, server, "crawl.warc.gz")
    first = len(list(iter_pages([str(warc)])))
    crawl(tmp_path, server, "crawl.warc.gz")
    assert len(list(iter_pages([str(warc)]))) == 2 * first


def test_not_configured_without_a_path():
    with pytest.raises(NotConfigured):
        WarcWriterExtension.from_crawler(get_crawler(settings_dict={}))
    with pytest.raises(NotConfigured):
        WarcWriterExtension.from_crawler(
            get_crawler(settings_dict={"XINWEN_WARC_PATH": "x.warc", "XINWEN_WARC_ENABLED": False})
        )


def test_path_placeholders(tmp_path):
    ext = WarcWriterExtension(str(tmp_path / "%(name)s-%(time)s.warc.gz"))
    path = ext._resolve("hnr")
    assert path.name.startswith("hnr-")
    assert path.name.endswith(".warc.gz")


def test_resource_record_for_file_urls():
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    url = "file:///tmp/page.html"
    response = HtmlResponse(url, body=UTF8_PAGE, request=Request(url))
    [record] = response_records(writer, response.request, response)
    writer.write_record(record)
    buffer.seek(0)
    [page] = list(_pages_from_bytes(buffer.getvalue(), "res.warc"))
    assert page.url == url
    assert page.body == UTF8_PAGE


def test_http_status_line_and_headers():
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    url = "http://www.hnr.cn/a.html?x=1"
    response = TextResponse(
        url,
        status=200,
        body=GBK_PAGE,
        headers={"Content-Type": "text/html; charset=GBK", "Set-Cookie": ["a=1", "b=2"]},
        request=Request(url, headers={"User-Agent": "xinwen-test"}),
        protocol="HTTP/1.1",
    )
    req, resp = response_records(writer, response.request, response)
    assert req.http_headers.protocol == "GET"  # warcio keeps a request line's method here
    assert req.http_headers.statusline == "/a.html?x=1 HTTP/1.1"
    assert req.rec_headers.get_header("WARC-Target-URI") == url
    assert req.http_headers.get_header("User-Agent") == "xinwen-test"
    assert resp.http_headers.statusline == "200 OK"
    assert resp.http_headers.protocol == "HTTP/1.1"
    cookies = [v for k, v in resp.http_headers.headers if k.lower() == "set-cookie"]
    assert cookies == ["a=1", "b=2"]


def _pages_from_bytes(data: bytes, name: str):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        yield from iter_pages([str(path)])


# -- the real spider on the bundled offline mirror ----------------------------------------

MIRROR_CRAWL = textwrap.dedent(
    """
    import sys
    import crawler.cli as cli

    warc = sys.argv[1]
    project_settings = cli.project_settings

    def with_warc():
        settings = project_settings()
        extensions = dict(settings.getdict("EXTENSIONS"))
        extensions.setdefault("crawler.crawl.warc_writer.WarcWriterExtension", 500)
        settings.set("EXTENSIONS", extensions, priority="cmdline")
        settings.set("XINWEN_WARC_PATH", warc, priority="cmdline")
        return settings

    cli.project_settings = with_warc  # until `xinwen crawl --warc` is wired
    sys.exit(cli.main(sys.argv[2:]))
    """
)


@pytest.mark.skipif(
    not (ROOT / "fixtures" / "hnr" / "manifest.json").is_file(), reason="no offline mirror"
)
def test_hnr_mirror_crawl_re_extracts_from_its_warc(tmp_path):
    """`xinwen crawl hnr --offline` with a WARC, then `xinwen extract` on it: every crawled
    record comes back with the same fields (all but fetched_at and duplicate_of)."""
    from crawler.datasets.archives import run_extract

    script = tmp_path / "mirror_crawl.py"
    script.write_text(MIRROR_CRAWL, encoding="utf-8")
    warc, dataset = tmp_path / "hnr.warc.gz", tmp_path / "hnr.jsonl"
    proc = subprocess.run(
        [
            sys.executable,
            str(script),
            str(warc),
            "crawl",
            "hnr",
            "--offline",
            "-o",
            str(dataset),
            "--state",
            str(tmp_path / "state.sqlite3"),
        ],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert dataset.is_file(), proc.stderr[-3000:]
    crawled = [json.loads(line) for line in dataset.read_text(encoding="utf-8").splitlines()]
    assert crawled, proc.stderr[-3000:]

    out = io.StringIO()
    run_extract([str(warc)], out=out, err=io.StringIO())
    again = {r["url"]: r for r in map(json.loads, out.getvalue().splitlines())}
    for record in crawled:
        match = again[record["url"]]
        for key in record:
            if key not in ("fetched_at", "duplicate_of"):
                assert match[key] == record[key], (record["url"], key)
