"""Shared test helpers: a tiny hnr.cn mirror of our own, and running the `xinwen` command.

The tiny mirror is independent of the bundled fixtures in `fixtures/hnr/` so the crawl, pipeline
and CLI machinery is tested even while those fixtures change; tests of the bundled mirror itself
are skipped when it is absent.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# `xinwen crawl` keeps a persistent crawl state by default (~/.local/state/xinwen/): a test run
# must never read or write the user's, nor see another session's. Every crawl a test starts gets
# a state of its own: `run_xinwen` makes one per call, `_isolated_crawl_state` one per test for
# any other subprocess that inherits the environment, and this one covers the rest of the session.
os.environ["XINWEN_STATE"] = str(Path(tempfile.mkdtemp(prefix="xinwen-state-")) / "state.sqlite3")


@pytest.fixture(autouse=True)
def _isolated_crawl_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    state = tmp_path_factory.mktemp("crawl-state") / "state.sqlite3"
    monkeypatch.setenv("XINWEN_STATE", str(state))


def load_benchmark(name: str) -> types.ModuleType:
    """benchmarks/<name>.py as a module (benchmarks/ is no package), loaded once."""
    module_name = f"xinwen_benchmark_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, REPO / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


BUNDLED_MANIFEST = REPO / "fixtures" / "hnr" / "manifest.json"

needs_bundled_mirror = pytest.mark.skipif(
    not BUNDLED_MANIFEST.is_file(), reason="fixtures/hnr/manifest.json not present yet"
)

SNOWFLAKE_URL = "http://news.hnr.cn/djn/article/1/1517366484394414081"  # 2022-04-22


def article_html(
    title: str, lead: str, *, charset: str = "utf-8", when: str = "2022-04-22 18:36:31"
) -> str:
    return f"""<html><head><meta charset="{charset}"><title>{title}_映象网</title></head><body>
<div class="crumb">精品原创 &gt; 正文</div><h1>{title}</h1><p>{when} 来源:映象网</p>
<div class="article-content"><p>映象网讯(大象新闻记者 高君晓 通讯员 张亚丹){lead}</p>
<p>第二段落讲述乡村振兴的做法和成效，群众反映良好。{lead}</p></div>
<p>文章关键词:平顶山,湛河区 责编:王庆河</p></body></html>"""


LIST_1 = f"""<html><head><meta charset="utf-8"><title>党建_映象网</title></head><body>
<a href="/202204/22/1.html">一</a> <a href="{SNOWFLAKE_URL}">空</a>
<a href="javascript:void(0)">js</a> <a href="mailto:a@b.c">mail</a> <a href="http://[::1">bad</a>
<a href="/private/202204/22/9.html">robots</a> <a href="http://example.com/202204/22/5.html">off</a>
<a href="http://news.hnr.cn/201001/01/7.html">old</a> <a href="/img/1.png">图</a>
<a href="2.html">下一页</a></body></html>"""

LIST_2 = """<html><head><meta charset="utf-8"><title>党建_映象网</title></head><body>
<a href="/202204/22/3.html">三</a> <a href="http://news.hnr.cn/202204/22/4.html#c">四</a>
<a href="http://www.hnr.cn/news/sz/201201/t20120115_8.html">TRS</a>
<a href="/202204/22/6.html">图</a></body></html>"""

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def build_mini_mirror(root: Path) -> Path:
    """fixtures-like tree: <root>/hnr/manifest.json and <root>/hnr/mirror/<host>/<path>."""
    site = root / "hnr"
    pages: list[tuple[str, str, bytes, str | None, str]] = [
        ("http://news.hnr.cn/djn/", "news.hnr.cn/djn/index.html", LIST_1.encode(), "text/html; charset=utf-8", "list"),
        ("http://news.hnr.cn/djn/2.html", "news.hnr.cn/djn/2.html", LIST_2.encode(), "text/html", "list"),
        ("http://news.hnr.cn/202204/22/1.html", "news.hnr.cn/202204/22/1.html",
         article_html("平顶山湛河区党建", "4月20日上午，湛河区举行活动。").encode(), "text/html", "article"),
        # The same article republished on a second URL (no Content-Type header at all).
        ("http://news.hnr.cn/202204/22/3.html", "news.hnr.cn/202204/22/3.html",
         article_html("平顶山湛河区党建", "4月20日上午，湛河区举行活动。").encode(), None, "article"),
        # A GBK page whose header names the charset.
        ("http://news.hnr.cn/202204/22/4.html", "news.hnr.cn/202204/22/4.html",
         article_html("郑州地铁新线开通", "郑州市民乘坐新线出行。", charset="gbk").encode("gbk"),
         "text/html; charset=GBK", "article"),
        ("http://www.hnr.cn/news/sz/201201/t20120115_8.html", "www.hnr.cn/news/sz/201201/t20120115_8.html",
         article_html("旧闻一则", "2012年的一则消息。", when="2012-01-15 08:00").encode(), "text/html", "article"),
        # Broken: no body at all.
        (SNOWFLAKE_URL, "news.hnr.cn/djn/article/1/1517366484394414081",
         "<html><head><title>空_映象网</title></head><body><h1>空</h1></body></html>".encode(), "text/html", "broken"),
        # Not HTML at an article URL.
        ("http://news.hnr.cn/202204/22/6.html", "news.hnr.cn/202204/22/6.html", PNG, "image/png", "broken"),
    ]  # fmt: skip
    manifest = []
    for url, rel, body, content_type, kind in pages:
        path = site / "mirror" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        manifest.append(
            {"url": url, "file": f"mirror/{rel}", "kind": kind, "content_type": content_type}
        )
    robots = site / "mirror" / "news.hnr.cn" / "robots.txt"
    robots.write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
    (site / "manifest.json").write_text(
        json.dumps({"pages": manifest}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return root


@pytest.fixture(scope="session")
def mini_mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Root folder (like `fixtures/`) holding the tiny `hnr` mirror."""
    return build_mini_mirror(tmp_path_factory.mktemp("mirror"))


def run_xinwen(
    *args: str, cwd: Path | None = None, stdin: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    """Run `xinwen ARGS` in a subprocess (bytes in, bytes out). A crawl without `--state` gets
    a state file of its own, so crawls in different tests never see each other's articles."""
    env = dict(os.environ)
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    if "--state" not in args:
        env["XINWEN_STATE"] = str(Path(tempfile.mkdtemp(prefix="xinwen-state-")) / "state.sqlite3")
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def crawl_outcome(
    out: Path, site: tuple[str, ...], args: tuple[str, ...], env: dict[str, str], timeout: float
) -> dict:
    """`xinwen crawl SITE… -O out -L INFO ARGS`: return code, stderr, Scrapy's stats, the
    records and the quarantined pages."""
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", *site, "-O", str(out), "-L", "INFO", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    stderr = proc.stderr.decode("utf-8", "replace")
    rejected = out.with_name(out.name + ".rejected.jsonl")
    return {
        "returncode": proc.returncode,
        "stderr": stderr,
        "stats": scrapy_stats(stderr),
        "records": read_jsonl(out) if out.exists() else [],
        "rejected": read_jsonl(rejected) if rejected.exists() else [],
    }


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def scrapy_stats(stderr: str) -> dict:
    """The stats Scrapy dumps at INFO level when a crawl closes (`-L INFO`), as a dict."""
    match = re.search(r"Dumping Scrapy stats:\n(\{.*?\})\n", stderr, re.DOTALL)
    text = re.sub(r"datetime\.datetime\([^)]*\)", "None", match.group(1)) if match else "{}"
    return ast.literal_eval(text)
