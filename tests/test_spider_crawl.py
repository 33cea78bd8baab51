"""Real crawls through Scrapy's downloader against the loopback mirror (never the internet)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from crawler.crawl.mirror import FIXTURES_DIR, Mirror, MirrorServer, url_key
from tests.conftest import SNOWFLAKE_URL, read_jsonl, run_xinwen


@pytest.fixture(scope="module")
def mini_crawl(mini_mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("crawl") / "out.jsonl"
    summary = out.with_name("summary.json")
    proc = run_xinwen(
        "crawl", "hnr", "--offline", "-o", str(out), "-L", "INFO",
        "-s", f"XINWEN_MIRROR_ROOT={mini_mirror}", "-s", f"XINWEN_SUMMARY_PATH={summary}",
        "-a", "channels=djn",
    )  # fmt: skip
    return {
        "proc": proc,
        "stderr": proc.stderr.decode("utf-8"),
        "records": read_jsonl(out) if out.exists() else [],
        "rejected": read_jsonl(out.with_name("out.jsonl.rejected.jsonl")),
        "summary": json.loads(summary.read_text(encoding="utf-8")),
        "out": out,
    }


def test_crawl_succeeds_without_warnings(mini_crawl: dict) -> None:
    assert mini_crawl["proc"].returncode == 0, mini_crawl["stderr"][-3000:]
    assert "Warning" not in mini_crawl["stderr"]
    assert "Traceback" not in mini_crawl["stderr"]


def test_crawl_follows_articles_and_pagination_and_keeps_urls(mini_crawl: dict) -> None:
    urls = {r["url"] for r in mini_crawl["records"]}
    # 1.html from page 1; 3.html (1.html republished), 4.html (GBK) and the TRS-era page from
    # page 2 (reached by 下一页).
    assert urls == {
        "http://news.hnr.cn/202204/22/1.html",
        "http://news.hnr.cn/202204/22/3.html",
        "http://news.hnr.cn/202204/22/4.html",
        "http://www.hnr.cn/news/sz/201201/t20120115_8.html",
    }


def test_crawl_keeps_republished_copy_with_duplicate_of(mini_crawl: dict) -> None:
    records = mini_crawl["records"]
    canon = [r["canonical_url"] for r in records]
    assert len(canon) == len(set(canon))
    by_url = {r["url"]: r for r in records}
    pair = [
        by_url["http://news.hnr.cn/202204/22/1.html"],
        by_url["http://news.hnr.cn/202204/22/3.html"],
    ]
    marked = [r for r in pair if r["duplicate_of"]]
    assert len(marked) == 1
    (other,) = [r for r in pair if r is not marked[0]]
    assert marked[0]["duplicate_of"] == other["canonical_url"]
    assert mini_crawl["summary"]["republished_by_kind"] == {"fingerprint": 1}
    assert mini_crawl["summary"]["duplicates"] == 0


def test_crawl_decodes_gbk_page(mini_crawl: dict) -> None:
    (gbk,) = [r for r in mini_crawl["records"] if r["url"].endswith("/4.html")]
    assert gbk["title"] == "郑州地铁新线开通"


def test_crawl_quarantines_broken_and_binary_pages(mini_crawl: dict) -> None:
    by_url = {r["url"]: r for r in mini_crawl["rejected"]}
    assert by_url[SNOWFLAKE_URL]["reason"] == "empty body"
    assert by_url[SNOWFLAKE_URL]["fields"]["title"] == "空"
    assert by_url["http://news.hnr.cn/202204/22/6.html"]["reason"] == "not html"
    # 201001/01/7.html is linked but not in the mirror: a fetch failure, quarantined too.
    assert mini_crawl["summary"]["rejected_by_reason"] == {
        "empty body": 1,
        "http 404": 1,
        "not html": 1,
    }


def test_crawl_obeys_robots_and_stays_on_site(mini_crawl: dict) -> None:
    urls = {r["url"] for r in mini_crawl["records"]} | {r["url"] for r in mini_crawl["rejected"]}
    assert not any("/private/" in u or "example.com" in u for u in urls)
    assert "robotstxt/forbidden" in mini_crawl["stderr"]


def test_export_is_utf8_in_schema_order(mini_crawl: dict) -> None:
    from pipelines.schema import Article

    text = mini_crawl["out"].read_text(encoding="utf-8")
    assert "\\u" not in text and "平顶山" in text
    for record in mini_crawl["records"]:
        assert list(record) == list(Article.model_fields)
        Article.model_validate(record)


def test_summary_is_printed_and_counts(mini_crawl: dict) -> None:
    summary = mini_crawl["summary"]
    assert summary["records_written"] == len(mini_crawl["records"]) == 4
    assert summary["pages_fetched"] == 9  # 2 lists + 7 articles (robots.txt not counted)
    assert summary["field_share"]["title"] == 1.0
    assert "records written  4" in mini_crawl["stderr"]


def test_date_window_filters_before_fetch(mini_mirror: Path, tmp_path: Path) -> None:
    out = tmp_path / "w.jsonl"
    proc = run_xinwen(
        "crawl", "hnr", "--offline", "-o", str(out), "-s", f"XINWEN_MIRROR_ROOT={mini_mirror}",
        "-a", "channels=djn", "-a", "since=2020-01-01", "-a", "until=2022-12-31",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    urls = {r["url"] for r in read_jsonl(out)}
    assert urls == {
        "http://news.hnr.cn/202204/22/1.html",
        "http://news.hnr.cn/202204/22/3.html",
        "http://news.hnr.cn/202204/22/4.html",
    }


def test_max_pages_limits_requests(mini_mirror: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.jsonl"
    summary = tmp_path / "s.json"
    proc = run_xinwen(
        "crawl", "hnr", "--offline", "-o", str(out), "-s", f"XINWEN_MIRROR_ROOT={mini_mirror}",
        "-s", f"XINWEN_SUMMARY_PATH={summary}", "-a", "channels=djn", "-a", "max_pages=2",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert json.loads(summary.read_text())["pages_fetched"] == 2


def test_missing_mirror_fails_the_crawl(tmp_path: Path) -> None:
    proc = run_xinwen(
        "crawl", "hnr", "--offline", "-o", str(tmp_path / "x.jsonl"),
        "-s", f"XINWEN_MIRROR_ROOT={tmp_path}",
    )  # fmt: skip
    assert proc.returncode != 0
    assert "no offline mirror" in proc.stderr.decode()


# -- the mirror server on its own ----------------------------------------------------------------


def _proxy_get(proxy: str, url: str) -> tuple[int, bytes, str | None]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
    try:
        with opener.open(url, timeout=10) as resp:
            return resp.status, resp.read(), resp.headers.get("Content-Type")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get("Content-Type")


def test_mirror_serves_manifest_pages_as_a_proxy(mini_mirror: Path) -> None:
    with MirrorServer.for_site("hnr", mini_mirror) as server:
        assert server.proxy_url.startswith("http://127.0.0.1:")
        status, body, ctype = _proxy_get(server.proxy_url, "http://news.hnr.cn/djn/")
        assert (status, ctype) == (200, "text/html; charset=utf-8") and b"2.html" in body
        status, _, ctype = _proxy_get(server.proxy_url, "http://news.hnr.cn/202204/22/3.html")
        assert status == 200 and ctype is None  # the manifest says: send no Content-Type
        status, body, _ = _proxy_get(server.proxy_url, "http://news.hnr.cn/robots.txt")
        assert status == 200 and b"Disallow" in body
        assert _proxy_get(server.proxy_url, "http://news.hnr.cn/nope.html")[0] == 404
        assert _proxy_get(server.proxy_url, "http://news.hnr.cn/../../manifest.json")[0] == 404
        assert (
            _proxy_get(server.proxy_url, "http://news.hnr.cn/%2e%2e/%2e%2e/manifest.json")[0] == 404
        )
        assert ("http://news.hnr.cn/nope.html", 404) in server.served


def test_mirror_lookup_maps_paths(mini_mirror: Path) -> None:
    mirror = Mirror(mini_mirror / "hnr")
    assert mirror.lookup("http://NEWS.hnr.cn/djn/#top").file.name == "index.html"
    assert mirror.lookup("http://news.hnr.cn/djn/2.html").content_type == "text/html"
    assert mirror.lookup("http://news.hnr.cn/missing/") is None
    assert url_key("HTTP://News.Hnr.cn:80/a?b=1#c") == "http://news.hnr.cn/a?b=1"


def test_fixtures_dir_is_found_from_the_package() -> None:
    assert Path(__file__).resolve().parent.parent / "fixtures" == FIXTURES_DIR
