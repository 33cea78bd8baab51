"""A corpus of broken and hostile pages, generated on demand (some are megabytes: not committed).

Each case: a name, the bytes, and whether a record may come out of it (`yields`): True when the
page still holds an article, False when the right answer is a clear refusal.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

ARTICLE = (
    "<html><head><meta charset='utf-8'><title>郑州新建公园游园120个_映象网</title></head><body>"
    "<h1>郑州新建公园游园120个</h1><p class='info'>2022-04-22 18:36:31 来源:映象网</p>"
    "<div class='content'><p>映象网讯(记者 王小明)今年以来，郑州市新建公园游园一百二十个，"
    "市民出门见绿、推窗见景的愿望正在变成现实。</p><p>据介绍，这些游园大多建在老旧小区周边，"
    "方便居民就近休闲健身。</p></div><p>责编:李华</p></body></html>"
)


@dataclass(frozen=True)
class HostileCase:
    name: str
    body: bytes
    yields: bool | None  # None: a record or a clear refusal are both right
    what: str


def _png() -> bytes:
    raw = b"\x00\xff\x00\x00" * 16
    chunk = zlib.compress(raw)
    return b"\x89PNG\r\n\x1a\n" + len(chunk).to_bytes(4, "big") + b"IDAT" + chunk + b"\x00" * 4


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n" + bytes(range(256)) * 40 + b"\n%%EOF"


def cases() -> list[HostileCase]:
    article = ARTICLE.encode("utf-8")
    big_paragraph = "<p>" + "这是一段很长的正文内容，用来测试十兆字节的页面。" * 20 + "</p>\n"
    ten_mb = ARTICLE.replace(
        "</div>", big_paragraph * ((10 * 1024 * 1024) // len(big_paragraph.encode()) + 1) + "</div>"
    ).encode("utf-8")
    nested = ("<div>" * 20000 + "<p>深层嵌套的段落，正文在这里。</p>" + "</div>" * 20000).encode()
    return [
        HostileCase("empty", b"", False, "empty response"),
        HostileCase("whitespace", b" \r\n\t \n" * 100, False, "whitespace only"),
        HostileCase("png-as-html", _png(), False, "an image served as text/html"),
        HostileCase("pdf-as-html", _pdf(), False, "a PDF served as text/html"),
        HostileCase("gzip-as-html", gzip.compress(article), False, "compressed bytes as text/html"),
        HostileCase("truncated-mid-page", article[: len(article) * 2 // 3], True, "cut mid-page"),
        HostileCase(
            "truncated-mid-tag",
            article[: article.index(b"<p>") + 2],
            None,
            "cut mid-tag before the body",
        ),
        HostileCase("ten-megabytes", ten_mb, True, "a 10 MB page"),
        HostileCase("deep-nesting", nested, False, "20,000 levels of nesting"),
        HostileCase(
            "invalid-bytes",
            article.replace("今年以来".encode(), b"\xff\xfe\x80\x81" * 5),
            True,
            "invalid byte runs inside UTF-8",
        ),
        HostileCase(
            "lying-charset",
            ARTICLE.replace("charset='utf-8'", "charset='gb2312'").encode("utf-8"),
            True,
            "meta says gb2312, bytes are UTF-8",
        ),
        HostileCase(
            "mixed-encodings",
            ARTICLE[:400].encode("utf-8") + ARTICLE[400:].encode("gb18030"),
            True,
            "UTF-8 head, GB18030 tail",
        ),
        HostileCase(
            "nul-bytes", article.replace(b"<p>", b"<p>\x00\x00"), True, "NUL bytes in the text"
        ),
        HostileCase(
            "script-only",
            b"<html><head><script>" + b"var a=1;" * 5000 + b"</script></head><body></body></html>",
            False,
            "a page that is only script",
        ),
        HostileCase(
            "huge-attribute",
            ARTICLE.replace("<h1>", "<h1 data-x='" + "a" * (3 * 1024 * 1024) + "'>").encode(),
            True,
            "a 3 MB attribute",
        ),
        HostileCase(
            "entity-bomb",
            (
                b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                + b"".join(
                    f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">'.encode()
                    for i in range(10)
                )
                + b"]><html><body><p>&lol9;</p></body></html>"
            ),
            False,
            "an XML entity bomb (billion laughs)",
        ),
        HostileCase(
            "reporter-backtracking",
            ARTICLE.replace("映象网讯(记者 王小明)", "映象网讯(" + "记者" * 20000 + ")").encode(),
            True,
            "记者 × 20,000",
        ),
        HostileCase(
            "source-backtracking",
            ARTICLE.replace("来源:映象网", "来源：" * 20000).encode(),
            True,
            "来源： × 20,000",
        ),
        HostileCase(
            "date-backtracking",
            ARTICLE.replace("</div>", "<p>" + "2022年" * 20000 + "</p></div>").encode(),
            True,
            "2022年 × 20,000",
        ),
        HostileCase(
            "editor-backtracking",
            ARTICLE.replace("责编:李华", "责编：" * 20000).encode(),
            True,
            "责编： × 20,000",
        ),
    ]


def write_corpus(folder: Path) -> list[tuple[HostileCase, Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for case in cases():
        path = folder / f"{case.name}.html"
        path.write_bytes(case.body)
        written.append((case, path))
    return written


def as_stream(case: HostileCase) -> io.BytesIO:
    return io.BytesIO(case.body)


# ----------------------------------------------------------------------------------------------
# Crawl-level cases: served by a hostile loopback server (`HostileServer`) to a real crawl of the
# `hostile` spider (tests/hostile_settings.py, `crawler.crawl.failures`, `crawler.crawl.safety`).

DAY = "20220422"
SLOW_SECONDS = 10.0  # the crawl runs with DOWNLOAD_TIMEOUT=4
HUGE_BYTES = 17 * 1024 * 1024  # over DOWNLOAD_MAXSIZE (16 MiB)


@dataclass(frozen=True)
class CrawlCase:
    path: str
    reason: str | None  # what the quarantine says; None: a record comes out
    what: str


CRAWL_CASES = [
    CrawlCase(f"/a/{DAY}/1.html", None, "a good article"),
    CrawlCase(f"/a/{DAY}/2.html", None, "another good article"),
    CrawlCase(f"/a/{DAY}/404.html", "http 404", "404 Not Found"),
    CrawlCase(f"/a/{DAY}/500.html", "http 500", "500 Internal Server Error (retried first)"),
    CrawlCase(f"/a/{DAY}/slow.html", "timeout", "the server never answers in time"),
    CrawlCase(f"/a/{DAY}/loop.html", "redirect loop", "A → B → A"),
    CrawlCase(f"/a/{DAY}/chain.html", "too many redirects", "an endless chain of new URLs"),
    CrawlCase(f"/a/{DAY}/truncated.html", "truncated download", "Content-Length > body"),
    CrawlCase(f"/a/{DAY}/huge.html", "too large", "Content-Length over DOWNLOAD_MAXSIZE"),
    CrawlCase(f"/a/{DAY}/huge-stream.html", "too large", "17 MB without Content-Length"),
    CrawlCase(f"/a/{DAY}/metadata.html", "refused: private address", "redirect to 169.254.169.254"),
    CrawlCase(
        f"/a/{DAY}/rebind.html",
        "refused: private address",
        "redirect to a name for 169.254.169.254",
    ),
    CrawlCase(f"/a/{DAY}/offsite-redirect.html", "redirected off site", "redirect to another site"),
    CrawlCase(f"/a/{DAY}/bug.html", "parser error", "the spider's callback raises (a parser bug)"),
]

# Corpus pages also served as articles of the crawl (the 10 MB page is left to the parser tests).
CRAWLED_CORPUS = [c for c in cases() if c.name != "ten-megabytes"]

ON_SITE_HOST = "news.hostile.test"  # resolves to 127.0.0.1 (HostileResolver)
REBIND_HOST = "meta.hostile.test"  # resolves to 169.254.169.254
OFF_SITE_HOST = "evil.example"  # resolves to 127.0.0.1 too: a request would reach the server
FAKE_ADDRESSES = {
    ON_SITE_HOST: "127.0.0.1",
    OFF_SITE_HOST: "127.0.0.1",
    REBIND_HOST: "169.254.169.254",
}


def article_page(title: str, lead: str) -> bytes:
    return (
        ARTICLE.replace("郑州新建公园游园120个", title)
        .replace("今年以来，郑州市新建公园游园一百二十个", lead)
        .encode("utf-8")
    )


def list_page(port: int) -> bytes:
    """A list page linking every case, plus links a crawler must not follow or must survive."""
    links = [c.path for c in CRAWL_CASES]
    links += [f"/a/{DAY}/hostile-{c.name}.html" for c in CRAWLED_CORPUS]
    links += [
        "javascript:void(0)",
        "javascript:location.href='/a/20220422/js.html'",
        "mailto:editor@hostile.test",
        "http://[::1",
        f"http://{ON_SITE_HOST}:99999/a/{DAY}/badport.html",
        f"/a/{DAY}/nul\x00byte.html",
        f"/a/{DAY}/" + "x" * 5000 + ".html",
        f"http://{OFF_SITE_HOST}:{port}/a/{DAY}/offsite.html",
        "http://",
        "//",
        "   ",
    ]
    anchors = "\n".join(f'<a href="{href}">链接{i}</a>' for i, href in enumerate(links))
    return (
        "<html><head><meta charset='utf-8'><title>列表_映象网</title></head><body>"
        f"{anchors}</body></html>"
    ).encode()


class HostileServer:
    """A threaded loopback HTTP server answering every path of `CRAWL_CASES` and the corpus.

    Records the (Host header, path) of every request in `requests`."""

    def __init__(self) -> None:
        import http.server
        import threading

        corpus = {f"/a/{DAY}/hostile-{c.name}.html": c.body for c in CRAWLED_CORPUS}
        owner = self
        self.requests: list[tuple[str, str]] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format, *args):  # quiet
                return

            def _send(self, status, body=b"", headers=None):
                self.send_response(status)
                headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
                if "Content-Length" not in headers and body is not None:
                    headers["Content-Length"] = str(len(body))
                for name, value in headers.items():
                    if value is not None:
                        self.send_header(name, value)
                self.end_headers()
                if body:
                    self.wfile.write(body)

            def do_GET(self):
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._route()

            def _route(self):
                path = self.path.split("?", 1)[0]
                if "://" in path:  # absolute-form (a proxy request): keep the path only
                    path = "/" + path.split("://", 1)[1].split("/", 1)[-1]
                owner.requests.append((self.headers.get("Host", ""), self.path))
                port = self.server.server_address[1]
                base = f"http://{ON_SITE_HOST}:{port}"
                if path == "/robots.txt":
                    return self._send(
                        200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"}
                    )
                if path == "/list/":
                    return self._send(200, list_page(port))
                if path == f"/a/{DAY}/1.html":
                    return self._send(
                        200, article_page("郑州新建公园游园120个", "今年以来，郑州市新建公园")
                    )
                if path == f"/a/{DAY}/2.html":
                    return self._send(
                        200, article_page("洛阳牡丹文化节开幕", "洛阳牡丹文化节今日开幕，游客众多")
                    )
                if path == f"/a/{DAY}/404.html":
                    return self._send(404, b"<html><body>not found</body></html>")
                if path == f"/a/{DAY}/500.html":
                    return self._send(500, b"<html><body>oops</body></html>")
                if path == f"/a/{DAY}/slow.html":
                    import time

                    time.sleep(SLOW_SECONDS)
                    return self._send(200, article_page("迟到的新闻", "迟到的正文内容"))
                if path == f"/a/{DAY}/loop.html":
                    return self._send(302, b"", {"Location": f"{base}/a/{DAY}/loop2.html"})
                if path == f"/a/{DAY}/loop2.html":
                    return self._send(302, b"", {"Location": f"/a/{DAY}/loop.html"})
                if path == f"/a/{DAY}/chain.html":
                    n = int(self.path.rsplit("n=", 1)[1]) if "n=" in self.path else 0
                    return self._send(302, b"", {"Location": f"/a/{DAY}/chain.html?n={n + 1}"})
                if path == f"/a/{DAY}/truncated.html":
                    body = article_page("被截断的新闻", "这篇新闻在传输中被截断")
                    self._send(200, None, {"Content-Length": str(len(body) * 3)})
                    self.wfile.write(body)
                    return None
                if path == f"/a/{DAY}/huge.html":
                    self._send(200, None, {"Content-Length": str(HUGE_BYTES)})
                    self.wfile.write(b"<html>" + b" " * 1024)
                    return None
                if path == f"/a/{DAY}/huge-stream.html":
                    self._send(200, None)
                    chunk = b"<p>" + "很长的页面".encode() * 4000 + b"</p>\n"
                    for _ in range(HUGE_BYTES // len(chunk) + 1):
                        self.wfile.write(chunk)
                    return None
                if path == f"/a/{DAY}/metadata.html":
                    return self._send(
                        302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"}
                    )
                if path == f"/a/{DAY}/rebind.html":
                    return self._send(
                        302, b"", {"Location": f"http://{REBIND_HOST}:{port}/latest/"}
                    )
                if path == f"/a/{DAY}/offsite-redirect.html":
                    target = f"http://{OFF_SITE_HOST}:{port}/a/{DAY}/offsite.html"
                    return self._send(302, b"", {"Location": target})
                if path == f"/a/{DAY}/bug.html":
                    return self._send(200, article_page("触发解析错误", "这一页让回调抛出异常"))
                if path in corpus:
                    return self._send(200, corpus[path])
                return self._send(404, b"")

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):  # a client hung up: not news
                return

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://{ON_SITE_HOST}:{self.port}"

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
