"""Rendering pages built by script in a real headless Chromium (crawler/crawl/render.py).

Crawls run `xinwen crawl hnr --offline` in a subprocess, on the bundled mirror or on a mirror
of hostile script pages written here; Chromium's temporary profile lands in the crawl's own
TMPDIR, so its processes are told apart from any other browser on the machine."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler.crawl.mirror import MirrorServer
from crawler.crawl.render import (
    RENDER_MODES,
    app_shell_reason,
    find_chromium,
    render_mode,
)
from crawler.datasets.archives import PageInput, rendered_in_place
from crawler.sites.profile import SiteConfig
from tests.conftest import BUNDLED_MANIFEST, REPO, crawl_outcome, read_jsonl, scrapy_stats

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
MANIFEST = json.loads(BUNDLED_MANIFEST.read_text(encoding="utf-8"))
PAGES = MANIFEST["pages"]
SCRIPT_ARTICLES = [p for p in PAGES if p["template"] == "2021-script" and p["kind"] == "article"]
SCRIPT_LIST = next(
    p["url"] for p in PAGES if p["template"] == "2021-script" and p["kind"] == "list"
)
UNCOMPARED = {"fingerprint", "duplicate_of", "fetched_at", "extractor"}


def browser_tmp() -> Path:
    """A TMPDIR of its own for one crawl's Chromium, short: Chromium puts a Unix socket in it,
    and a socket path is at most 107 bytes (pytest's tmp_path is too long)."""
    return Path(tempfile.mkdtemp(prefix="xwr-", dir="/tmp"))


def crawl(out: Path, *args: str, timeout: float = 300) -> dict:
    """`xinwen crawl hnr --offline -O out ARGS`: return code, stderr, stats, outputs, and the
    TMPDIR its Chromium used (`tmp`)."""
    tmp = browser_tmp()
    env = dict(os.environ, TMPDIR=str(tmp), XINWEN_STATE=str(out.with_name("state.sqlite3")))
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    return {"tmp": tmp, **crawl_outcome(out, ("hnr", "--offline"), args, env, timeout)}


def browsers_using(tmp: Path) -> list[int]:
    """Pids of live processes whose command line names `tmp` (Chromium's profile is in it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if str(tmp).encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def expected_records() -> dict[str, dict]:
    root = BUNDLED_MANIFEST.parent
    return {
        p["url"]: json.loads((root / p["expected"]).read_text(encoding="utf-8"))
        for p in PAGES
        if p["expected"]
    }


def same_fields(record: dict, expected: dict) -> dict:
    return {
        k: (record.get(k), v)
        for k, v in expected.items()
        if k not in UNCOMPARED and record.get(k) != v
    }


# -- pure parts ---------------------------------------------------------------------------------


def test_app_shell_is_told_from_every_static_mirror_page() -> None:
    root = BUNDLED_MANIFEST.parent
    for page in PAGES:
        if page["kind"] not in ("article", "list", "broken"):
            continue
        reason = app_shell_reason((root / page["file"]).read_bytes())
        if page["template"] == "2021-script":
            assert reason and reason.startswith("app shell: #app"), page["url"]
        else:
            assert reason is None, page["url"]


def test_app_shell_needs_little_text_and_a_mount_point_or_bundle() -> None:
    assert (
        app_shell_reason(b"<html><body><div id='root'></div></body></html>") == "app shell: #root"
    )
    bundle = b"<html><body><div></div><script src='/app.js'></script></body></html>"
    assert app_shell_reason(bundle) == "app shell: 1 script"
    text = "<p>" + "新闻正文" * 60 + "</p>"
    assert (
        app_shell_reason(f"<html><body><div id='app'>{text}</div></body></html>".encode()) is None
    )
    assert app_shell_reason(b"<html><body><p>short</p></body></html>") is None


def test_render_mode_setting_overrides_profile() -> None:
    assert render_mode(Settings(), None) == "auto"
    assert render_mode(Settings(), "always") == "always"
    assert render_mode(Settings({"XINWEN_RENDER": "never"}), "always") == "never"
    with pytest.raises(ValueError, match="render must be one of"):
        render_mode(Settings({"XINWEN_RENDER": "sometimes"}), None)
    assert SiteConfig.load("hnr").render in RENDER_MODES


def test_find_chromium_takes_a_configured_path_or_nothing() -> None:
    assert find_chromium("/nonexistent/chromium") is None
    if CHROMIUM:
        assert find_chromium(CHROMIUM) == CHROMIUM


def test_rendered_dom_replaces_the_response_it_follows() -> None:
    def page(url: str, record_id: str, refers_to: str | None = None) -> PageInput:
        return PageInput(url, b"", None, url, record_id=record_id, refers_to=refers_to)

    pages = [page("a", "1"), page("a", "2", refers_to="1"), page("b", "3"), page("c", "4")]
    assert [p.record_id for p in rendered_in_place(iter(pages))] == ["2", "3", "4"]


# -- the bundled mirror ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def auto_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("auto")
    result = crawl(tmp / "out.jsonl", "--warc", str(tmp / "crawl.warc.gz"))
    result["out"] = tmp
    return result


@needs_chromium
@pytest.mark.slow
def test_offline_crawl_renders_script_pages(auto_crawl: dict) -> None:
    assert auto_crawl["returncode"] == 0, auto_crawl["stderr"][-3000:]
    expected = expected_records()
    by_url = {r["url"]: r for r in auto_crawl["records"]}
    assert set(by_url) == set(expected)
    for page in SCRIPT_ARTICLES:
        assert same_fields(by_url[page["url"]], expected[page["url"]]) == {}
    stats = auto_crawl["stats"]
    # The two articles and the list whose links are built by script; nothing else.
    assert stats["xinwen/render/pages"] == len(SCRIPT_ARTICLES) + 1
    assert stats["xinwen/render/reason/app shell"] == len(SCRIPT_ARTICLES) + 1
    assert stats["xinwen/warc/rendered"] == len(SCRIPT_ARTICLES) + 1
    assert browsers_using(auto_crawl["tmp"]) == []


@needs_chromium
@pytest.mark.slow
def test_extract_on_the_archive_gives_the_same_records(auto_crawl: dict) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "extract", str(auto_crawl["out"] / "crawl.warc.gz")],
        cwd=REPO,
        capture_output=True,
        timeout=120,
        check=False,
    )
    records = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    crawled = {r["url"]: r for r in auto_crawl["records"]}
    assert {r["url"] for r in records} == set(crawled)
    for record in records:
        assert same_fields(record, crawled[record["url"]]) == {}
    # Only the broken page is reported, not the app shells the crawl rendered.
    broken = [p["url"] for p in PAGES if p["kind"] == "broken"]
    lines = [line for line in proc.stderr.decode().splitlines() if "invalid record" in line]
    assert len(lines) == len(broken) and broken[0] in lines[0]


@needs_chromium
@pytest.mark.slow
def test_script_built_list_alone_leads_to_its_articles(tmp_path: Path) -> None:
    result = crawl(tmp_path / "out.jsonl", "-a", f"channels={SCRIPT_LIST}")
    assert result["returncode"] == 0, result["stderr"][-3000:]
    urls = {r["url"] for r in result["records"]}
    assert {p["url"] for p in SCRIPT_ARTICLES} <= urls
    assert result["stats"]["xinwen/pages/list"] == 2  # the shell, then its rendered DOM


@pytest.mark.slow
def test_without_chromium_script_pages_are_quarantined_saying_why(tmp_path: Path) -> None:
    result = crawl(
        tmp_path / "out.jsonl",
        "-s",
        "XINWEN_CHROMIUM_PATH=/nonexistent/chromium",
    )
    assert result["returncode"] == 0, result["stderr"][-3000:]
    assert result["stderr"].count("no Chromium found") == 1
    needs = {r["url"] for r in result["rejected"] if r["reason"] == "needs a browser"}
    assert needs == {p["url"] for p in SCRIPT_ARTICLES} | {SCRIPT_LIST}
    records = {r["url"] for r in result["records"]}
    assert records == set(expected_records()) - {p["url"] for p in SCRIPT_ARTICLES}
    assert "playwright/browser_count" not in result["stats"]


@pytest.mark.slow
def test_render_never_starts_no_browser(tmp_path: Path) -> None:
    result = crawl(tmp_path / "out.jsonl", "-s", "XINWEN_RENDER=never")
    assert result["returncode"] == 0, result["stderr"][-3000:]
    assert "no Chromium found" not in result["stderr"]
    reasons = {r["url"]: r["reason"] for r in result["rejected"]}
    assert all(reasons[p["url"]] != "needs a browser" for p in SCRIPT_ARTICLES)
    assert not any(key.startswith(("xinwen/render/", "playwright/")) for key in result["stats"])


@needs_chromium
@pytest.mark.slow
def test_one_page_renders_every_script_page_in_turn(tmp_path: Path) -> None:
    """A page is navigated from one script-built page to the next (a new page would cost a
    renderer process each): each render still gives its own page's record."""
    result = crawl(tmp_path / "out.jsonl", "-s", "XINWEN_RENDER_MAX_PAGES=1")
    assert result["returncode"] == 0, result["stderr"][-3000:]
    stats = result["stats"]
    renders = len(SCRIPT_ARTICLES) + 1  # and the script-built list
    assert stats["xinwen/render/pages"] == renders
    assert stats["playwright/page_count"] == 1
    assert stats["xinwen/render/pages_reused"] == renders - 1
    expected = expected_records()
    by_url = {r["url"]: r for r in result["records"]}
    assert set(by_url) == set(expected)
    for page in SCRIPT_ARTICLES:
        assert same_fields(by_url[page["url"]], expected[page["url"]]) == {}


@needs_chromium
@pytest.mark.slow
def test_render_always_gives_the_static_records_too(auto_crawl: dict, tmp_path: Path) -> None:
    warc = tmp_path / "always.warc.gz"
    result = crawl(
        tmp_path / "out.jsonl",
        "-s",
        "XINWEN_RENDER=always",
        "--warc",
        str(warc),
    )
    assert result["returncode"] == 0, result["stderr"][-3000:]
    stats = result["stats"]
    assert stats["xinwen/render/reason/always"] == stats["xinwen/requests/article"]
    auto = {r["url"]: r for r in auto_crawl["records"]}
    always = {r["url"]: r for r in result["records"]}
    assert set(always) == set(auto)
    differ = {url: same_fields(always[url], auto[url]) for url in auto}
    assert {url: d for url, d in differ.items() if d} == {}
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "extract", str(warc)],
        cwd=REPO,
        capture_output=True,
        timeout=120,
        check=False,
    )
    extracted = {json.loads(line)["url"] for line in proc.stdout.decode().splitlines()}
    assert extracted == set(always)


# -- hostile script pages -------------------------------------------------------------------------

HOSTILE_IDS = {
    "guard": "1522400882979778001",
    "hang": "1522400882979778002",
    "bloat": "1522400882979778003",
}


class Canary:
    """A loopback server that no rendered page may reach: it records every request."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Canary:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def shell(body: str, head: str = "") -> bytes:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>映象网</title>{head}</head>"
        f"<body><div id='app'></div>{body}</body></html>"
    ).encode()


GUARD_SCRIPT = """
<img src="/img/photo.png">
<iframe src="http://127.0.0.1:%(port)d/frame"></iframe>
<span style="font-family: f">字</span>
<script>
try { new WebSocket("ws://127.0.0.1:%(port)d/ws"); } catch (e) {}
var leaks = ["http://127.0.0.1:%(port)d/leak", "http://evil.example.com/leak",
             "http://10.1.2.3/leak", "/admin/secret.json"];
Promise.all(leaks.map(function (u) { return fetch(u).catch(function () {}); }))
  .then(function () { return fetch("/api/ok.json"); })
  .then(function (r) { return r.json(); })
  .then(function (d) {
    var app = document.getElementById("app");
    var h = document.createElement("h1"); h.textContent = d.title; app.appendChild(h);
    var info = document.createElement("div"); info.className = "article-info";
    info.textContent = d.time + "  来源:映象网"; app.appendChild(info);
    var c = document.createElement("div"); c.className = "article-content";
    d.paragraphs.forEach(function (t) {
      var p = document.createElement("p"); p.textContent = t; c.appendChild(p);
    });
    app.appendChild(c);
  });
</script>
"""
# The bundle and the style sheet are disallowed by robots.txt: never fetched, the page renders
# without them.
FONT_HEAD = (
    "<style>@font-face { font-family: f; src: url(/fonts/f.woff); }</style>"
    "<link rel='stylesheet' href='/admin/site.css'><script src='/admin/bundle.js'></script>"
)
OK_JSON = {
    "title": "郑州：城市书房再添新址",
    "time": "2022-05-06 10:20:30",
    "paragraphs": [
        "映象网讯（记者 张伟）5月6日，郑州又一家城市书房开门迎客，市民可免费借阅图书。",
        "据介绍，新书房藏书一万余册，每天开放十二小时，并设有儿童阅读区和自习区。",
    ],
}


def hostile_mirror(root: Path, port: int) -> Path:
    site = root / "hnr"
    base = "http://news.hnr.cn"
    article = f"{base}/rtest/article/1/"
    links = "".join(f'<a href="{article}{i}">{n}</a> ' for n, i in HOSTILE_IDS.items())
    pages = {
        f"{base}/rtest/": (
            "text/html; charset=utf-8",
            f"<html><body>{links}</body></html>".encode(),
        ),
        article + HOSTILE_IDS["guard"]: (
            "text/html; charset=utf-8",
            shell(GUARD_SCRIPT % {"port": port}, FONT_HEAD),
        ),
        article + HOSTILE_IDS["hang"]: ("text/html", shell("<script>while (true) {}</script>")),
        article + HOSTILE_IDS["bloat"]: (
            "text/html",
            shell(
                "<script>document.getElementById('app').textContent = '新'.repeat(800000);</script>"
            ),
        ),
        f"{base}/api/ok.json": ("application/json", json.dumps(OK_JSON).encode()),
        # Would be served if asked: the guards, not the mirror, keep them out.
        f"{base}/admin/secret.json": ("application/json", b"{}"),
        f"{base}/admin/bundle.js": ("application/javascript", b"document.title = 'bundle';"),
        f"{base}/admin/site.css": ("text/css", b"body { color: red; }"),
        f"{base}/img/photo.png": ("image/png", b"\x89PNG\r\n\x1a\n"),
        f"{base}/fonts/f.woff": ("font/woff", b"wOFF"),
        "http://evil.example.com/leak": ("text/plain", b"leak"),
        f"{base}/robots.txt": ("text/plain", b"User-agent: *\nDisallow: /admin/\n"),
    }
    manifest = []
    for index, (url, (content_type, body)) in enumerate(pages.items()):
        rel = f"mirror/{index}.bin"
        (site / "mirror").mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(body)
        manifest.append({"url": url, "file": rel, "content_type": content_type})
    (site / "manifest.json").write_text(json.dumps({"pages": manifest}), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("hostile-render")
    with Canary() as canary:
        root = hostile_mirror(tmp / "root", canary.port)
        with MirrorServer.for_site("hnr", root) as mirror:
            result = crawl(
                tmp / "out.jsonl",
                "-a", "channels=http://news.hnr.cn/rtest/",
                "-s", f"XINWEN_MIRROR_PROXY={mirror.proxy_url}",
                "-s", "XINWEN_RENDER_TIMEOUT=8",
                "-s", "XINWEN_RENDER_MAX_PAGES=2",
                "-s", "DOWNLOAD_MAXSIZE=1000000",
            )  # fmt: skip
            result["served"] = [url for url, _status in mirror.served]
        result["canary"] = list(canary.hits)
    return result


@needs_chromium
@pytest.mark.slow
def test_rendered_page_reaches_nothing_it_may_not(hostile_crawl: dict) -> None:
    assert hostile_crawl["returncode"] == 0, hostile_crawl["stderr"][-3000:]
    assert hostile_crawl["canary"] == []  # loopback: no fetch, iframe or web socket got there
    served = hostile_crawl["served"]
    # Chromium sends loopback URLs to the proxy too: the mirror would see them.
    assert not [url for url in served if "127.0.0.1" in url]
    assert "http://news.hnr.cn/api/ok.json" in served  # an on-site XHR is let through
    for refused in (
        "http://evil.example.com/leak",  # another site
        "http://10.1.2.3/leak",  # a private range
        "http://news.hnr.cn/admin/secret.json",  # robots.txt, for an XHR
        "http://news.hnr.cn/admin/bundle.js",  # robots.txt, for a script
        "http://news.hnr.cn/admin/site.css",  # robots.txt, for a style sheet
        "http://news.hnr.cn/img/photo.png",  # images
        "http://news.hnr.cn/fonts/f.woff",  # fonts
    ):
        assert refused not in served
    stats = hostile_crawl["stats"]
    for why in ("offsite", "image", "font", "websocket"):
        assert stats.get(f"xinwen/render/blocked/{why}", 0) >= 1, why
    assert stats["xinwen/render/blocked/robots"] >= 3  # the XHR, the script, the style sheet
    (record,) = [r for r in hostile_crawl["records"] if HOSTILE_IDS["guard"] in r["url"]]
    assert record["title"] == OK_JSON["title"]
    assert record["body"] == "\n".join(OK_JSON["paragraphs"])


@needs_chromium
@pytest.mark.slow
def test_hang_is_retried_once_then_quarantined(hostile_crawl: dict) -> None:
    reasons = {r["url"].rsplit("/", 1)[1]: r["reason"] for r in hostile_crawl["rejected"]}
    assert reasons[HOSTILE_IDS["hang"]] == "render timeout"
    assert hostile_crawl["stats"]["xinwen/render/retried"] == 1
    assert reasons[HOSTILE_IDS["bloat"]] == "too large"  # DOWNLOAD_MAXSIZE holds for the DOM


@needs_chromium
@pytest.mark.slow
def test_open_pages_bounded_and_browser_closed(hostile_crawl: dict) -> None:
    stats = hostile_crawl["stats"]
    assert stats["playwright/page_count/max_concurrent"] <= 2
    # Pages are kept for the next render, those whose render failed excepted.
    assert stats["xinwen/render/pages_reused"] >= 1
    assert browsers_using(hostile_crawl["tmp"]) == []


@needs_chromium
@pytest.mark.slow
def test_sigterm_leaves_no_browser_behind(tmp_path: Path) -> None:
    root = hostile_mirror(tmp_path / "root", 9)
    tmp = browser_tmp()
    env = dict(os.environ, TMPDIR=str(tmp), XINWEN_STATE=str(tmp_path / "state.sqlite3"))
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "crawl", "hnr", "--offline",
         "-O", str(tmp_path / "out.jsonl"), "-a", "channels=http://news.hnr.cn/rtest/",
         "-s", f"XINWEN_MIRROR_ROOT={root}", "-s", "XINWEN_RENDER_TIMEOUT=120"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert wait_for(lambda: browsers_using(tmp), timeout=120), "Chromium never started"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert wait_for(lambda: not browsers_using(tmp), timeout=30), browsers_using(tmp)


# -- the browser killed mid-crawl -----------------------------------------------------------------

KILL_BASE = "http://news.hnr.cn"
KILL_SHELLS = {  # id: the shell whose XHR is in flight when the browser dies, then later ones
    "victim": "1522400882979779001",
    "later-1": "1522400882979779002",
    "later-2": "1522400882979779003",
}
STATIC_ARTICLES = [p for p in PAGES if p["template"] == "2021" and p["kind"] == "article"]
XHR_SHELL = next(p for p in SCRIPT_ARTICLES if "/api/" not in p["url"] and "xhr" in p["expected"])


class KillSiteProxy:
    """A loopback forward proxy for the kill test. The victim shell's XHR is held until `gate`
    is set (so its render is in flight while the test kills the browser, and `xhr_reached`
    says when); the second list page is held the same way, so its shells render only after."""

    def __init__(self, pages: dict[str, tuple[str, bytes]], held: set[str]) -> None:
        self.gate = threading.Event()
        self.xhr_reached = threading.Event()
        self.served: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # the tunnel below carries several requests

            def do_CONNECT(self) -> None:
                # Playwright's route.fetch asks for a tunnel to port 80 even for http://: what
                # comes through it is answered by do_GET.
                self.send_response(200, "Connection established")
                self.end_headers()

            def do_GET(self) -> None:
                if "://" in self.path:
                    url = self.path
                else:
                    url = f"http://{self.headers.get('Host', 'news.hnr.cn')}{self.path}"
                if url in held:
                    if "/api/" in url:
                        proxy.xhr_reached.set()
                    proxy.gate.wait(timeout=120)
                proxy.served.append(url)
                content_type, body = pages.get(url, ("text/plain", b""))
                if url.endswith("/robots.txt"):
                    content_type, body = "text/plain", b"User-agent: *\nAllow: /\n"
                try:
                    self.send_response(200 if url in pages or url.endswith("robots.txt") else 404)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the browser that asked is gone
                    pass

            def log_message(self, format, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> KillSiteProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


def kill_site() -> tuple[dict[str, tuple[str, bytes]], set[str], list[str], list[str]]:
    """Pages, held URLs, start URLs and article URLs of the kill test's site: a first list of
    the static articles of the mirror and the victim shell, a second (held) of later shells."""
    root = BUNDLED_MANIFEST.parent
    shell_html = (root / XHR_SHELL["file"]).read_text(encoding="utf-8")
    data_file = root / "mirror/news.hnr.cn/api/article/1516683132269506564.json"
    shell_data = json.loads(data_file.read_text(encoding="utf-8"))
    html = "text/html; charset=utf-8"
    pages: dict[str, tuple[str, bytes]] = {}
    shells = {}
    for n, (name, shell_id) in enumerate(KILL_SHELLS.items()):
        url = f"{KILL_BASE}/ktest/article/1/{shell_id}"
        data = {
            **shell_data,
            "title": f"{shell_data['title']}（{name}）",
            "paragraphs": [f"{p}（第{n + 1}篇）" for p in shell_data["paragraphs"]],
        }
        pages[url] = (html, shell_html.replace("1516683132269506564", shell_id).encode())
        pages[f"{KILL_BASE}/api/article/{shell_id}.json"] = (
            "application/json; charset=utf-8",
            json.dumps(data, ensure_ascii=False).encode(),
        )
        shells[name] = url
    for page in STATIC_ARTICLES:
        pages[page["url"]] = (page["content_type"], (root / page["file"]).read_bytes())
    first = [p["url"] for p in STATIC_ARTICLES] + [shells["victim"]]
    later = [shells["later-1"], shells["later-2"]]
    for list_url, links in ((f"{KILL_BASE}/ktest/", first), (f"{KILL_BASE}/ktest2/", later)):
        anchors = "".join(f'<a href="{url}">新闻{i}</a> ' for i, url in enumerate(links))
        pages[list_url] = (html, f"<html><body>{anchors}</body></html>".encode())
    held = {
        f"{KILL_BASE}/api/article/{KILL_SHELLS['victim']}.json",
        f"{KILL_BASE}/ktest2/",
    }
    return pages, held, [f"{KILL_BASE}/ktest/", f"{KILL_BASE}/ktest2/"], first + later


def descendants(pid: int) -> list[int]:
    """Pids of the live descendants of `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def chromium_main_process(crawl_pid: int) -> int | None:
    """The browser process of the crawl: a chromium descendant without `--type=` (renderer,
    GPU and utility processes have one)."""
    for pid in descendants(crawl_pid):
        try:
            cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
            exe = os.readlink(f"/proc/{pid}/exe")
        except OSError:
            continue
        if "chrom" in exe and not any(arg.startswith(b"--type=") for arg in cmdline):
            return pid
    return None


@needs_chromium
@pytest.mark.slow
def test_browser_killed_mid_render_loses_no_page(tmp_path: Path) -> None:
    pages, held, starts, articles = kill_site()
    tmp = browser_tmp()
    env = dict(os.environ, TMPDIR=str(tmp), XINWEN_STATE=str(tmp_path / "state.sqlite3"))
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    out = tmp_path / "out.jsonl"
    stderr_path = tmp_path / "stderr.txt"
    with KillSiteProxy(pages, held) as proxy, stderr_path.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "crawl", "hnr", "--offline", "-O", str(out),
             "-L", "INFO", "-a", f"channels={','.join(starts)}",
             "-s", f"XINWEN_MIRROR_PROXY={proxy.url}", "-s", "XINWEN_RENDER_TIMEOUT=60",
             "-s", "DOWNLOAD_TIMEOUT=180"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
        try:
            # The victim's page has loaded and its script asked for its article: a render is
            # in flight in the first browser.
            reached = wait_for(
                lambda: proxy.xhr_reached.is_set() or proc.poll() is not None, timeout=180
            )
            assert reached and proc.poll() is None, "the victim shell never rendered"
            browser = chromium_main_process(proc.pid)
            assert browser is not None, descendants(proc.pid)
            os.kill(browser, signal.SIGKILL)
            assert wait_for(lambda: chromium_main_process(proc.pid) != browser, timeout=30)
            proxy.gate.set()
            returncode = proc.wait(timeout=240)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    log = stderr_path.read_text(encoding="utf-8", errors="replace")
    assert returncode == 0, log[-3000:]
    records = {r["url"]: r for r in read_jsonl(out)} if out.exists() else {}
    rejected_path = out.with_name(out.name + ".rejected.jsonl")
    rejected = (
        {r["url"]: r["reason"] for r in read_jsonl(rejected_path)} if rejected_path.exists() else {}
    )
    # Every article is a record or a quarantine line with its reason; nothing is both. (The
    # static articles link to related ones the proxy does not have: those are 404s.)
    unlisted = {url: why for url, why in rejected.items() if url not in pages}
    assert set(unlisted.values()) <= {"http 404"}, unlisted
    assert set(records) | (set(rejected) - set(unlisted)) == set(articles), log[-3000:]
    assert not set(records) & set(rejected)
    assert set(records) >= {p["url"] for p in STATIC_ARTICLES}, rejected
    victim = f"{KILL_BASE}/ktest/article/1/{KILL_SHELLS['victim']}"
    assert victim in records or rejected[victim] == "browser crashed", rejected
    for name in ("later-1", "later-2"):  # rendered by the relaunched browser
        url = f"{KILL_BASE}/ktest/article/1/{KILL_SHELLS[name]}"
        assert records[url]["title"].endswith(f"（{name}）"), rejected
    stats = scrapy_stats(log)
    assert stats["playwright/browser_count"] == 2
    assert stats["finish_reason"] == "finished"
    assert wait_for(lambda: not browsers_using(tmp), timeout=30), browsers_using(tmp)
