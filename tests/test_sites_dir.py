"""Adding a site is one TOML file, which may live outside the package: `xinwen crawl --sites DIR`
(or `$XINWEN_SITES_DIR`) reads it, crawls the site and extracts its pages with its selectors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import read_jsonl, run_xinwen

ARTICLE = """<html><head><meta charset="utf-8"><title>站点名称</title></head><body>
<div class="nav">首页 | 新闻</div><h1>站点的大标题</h1>
<div id="headline">{title}</div><div id="when">2024-05-0{n} 10:3{n}</div>
<div id="text"><p>{title}。本报讯，这是第{n}篇文章的正文，讲述了一个地方的新闻故事，内容足够长。</p>
<p>第二段继续叙述事情的经过，以及有关部门的回应和群众的反映，文字也要足够多一些才好。</p></div>
</body></html>"""
PAGES = {
    "/list/": '<html><body><a href="/a/1.html">一</a> <a href="/a/2.html">二</a></body></html>',
    "/a/1.html": ARTICLE.format(n=1, title="第一篇新闻"),
    "/a/2.html": ARTICLE.format(n=2, title="第二篇新闻"),
}
PROFILE = """# A site of this test: one file, outside the package.
name = "loopback"
title = "A loopback site"
allowed_domains = ["127.0.0.1"]

[channels]
news = "http://127.0.0.1:{port}/list/"

[start]
default = ["news"]

[[article]]
pattern = 'http://127\\.0\\.0\\.1:{port}/a/\\d+\\.html'

[list]
pattern = 'http://127\\.0\\.0\\.1:{port}/list/'

[parser]
extractor = "loopback_test"
version = 7

[selectors]
title = ["//*[@id='headline']"]
time = ["//*[@id='when']"]
body = ["//div[@id='text']"]
"""


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        page = PAGES.get(self.path)
        body = (page or "not found").encode("utf-8")
        self.send_response(200 if page else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_a_profile_from_a_folder_is_crawled_with_its_selectors(tmp_path: Path, site: int) -> None:
    sites = tmp_path / "my-sites"
    sites.mkdir()
    (sites / "loopback.toml").write_text(PROFILE.format(port=site), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    proc = run_xinwen(
        "crawl", "loopback", "--sites", str(sites), "-O", str(out), "--state", ":memory:",
        "-s", f"XINWEN_ALLOWED_ADDRESSES=127.0.0.1:{site}", "-L", "WARNING",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode("utf-8")[-3000:]
    records = {record["url"]: record for record in read_jsonl(out)}
    assert sorted(records) == [f"http://127.0.0.1:{site}/a/{n}.html" for n in (1, 2)]
    first = records[f"http://127.0.0.1:{site}/a/1.html"]
    assert first["extractor"] == "loopback_test/7"
    assert first["title"] == "第一篇新闻"  # its selector, not the page's <h1>
    assert first["published_at"].startswith("2024-05-01T10:31")
    assert first["body"].startswith("第一篇新闻。本报讯")


@pytest.mark.slow
def test_a_broken_profile_from_a_folder_gives_one_line(tmp_path: Path) -> None:
    sites = tmp_path / "my-sites"
    sites.mkdir()
    (sites / "loopback.toml").write_text(
        PROFILE.format(port=1).replace("[start]", "[start]\nnext_page_text = []"), encoding="utf-8"
    )
    proc = run_xinwen("crawl", "loopback", "--sites", str(sites), "--state", ":memory:")
    stderr = proc.stderr.decode("utf-8")
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert "loopback.toml line 10: start.next_page_text: unknown key" in stderr
