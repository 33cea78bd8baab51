"""Incremental runs against one state file: a re-run adds nothing, exits 0 and asks for no
article; dates and durations for the window; the state lock; the runs history."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from crawler.crawl.extensions import crawl_failed
from crawler.crawl.incremental import parse_when
from crawler.state import StateLocked, StateStore
from tests.conftest import needs_bundled_mirror, read_jsonl, run_xinwen


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`xinwen crawl hnr --offline --state S -o A.jsonl`, then the same with `-o B.jsonl`."""
    folder = tmp_path_factory.mktemp("incremental")
    state = folder / "S.sqlite3"
    runs = {}
    for name in ("A", "B"):
        out = folder / f"{name}.jsonl"
        proc = run_xinwen("crawl", "hnr", "--offline", "--state", str(state), "-o", str(out))
        manifest = json.loads((folder / f"{name}.jsonl.manifest.json").read_text("utf-8"))
        runs[name] = {"proc": proc, "records": read_jsonl(out), "manifest": manifest}
    runs["state"] = state
    return runs


@needs_bundled_mirror
def test_first_run_writes_the_mirror(two_runs: dict) -> None:
    first = two_runs["A"]
    assert first["proc"].returncode == 0, first["proc"].stderr.decode()[-3000:]
    assert len(first["records"]) >= 12
    assert first["manifest"]["counts"]["records_written"] == len(first["records"])


@needs_bundled_mirror
def test_rerun_writes_nothing_requests_no_article_and_exits_0(two_runs: dict) -> None:
    second = two_runs["B"]
    assert second["proc"].returncode == 0, second["proc"].stderr.decode()[-3000:]
    assert second["records"] == []
    counts = second["manifest"]["counts"]
    assert counts["article_requests"] == 0 and counts["article_pages"] == 0
    assert counts["skipped_known"] >= len(two_runs["A"]["records"])
    # Only the start lists: their later pages hold nothing new, so paging stops.
    assert counts["pages_fetched"] < two_runs["A"]["manifest"]["counts"]["list_pages"]
    assert second["manifest"]["status"] == "ok" and second["manifest"]["exit_status"] == 0


@needs_bundled_mirror
def test_manifest_names_versions_settings_and_outputs(two_runs: dict) -> None:
    manifest = two_runs["A"]["manifest"]
    assert set(manifest["versions"]) == {"xinwen", "scrapy", "python"}
    assert manifest["settings"]["XINWEN_STATE_PATH"] == str(two_runs["state"].resolve())
    assert manifest["started_at"] <= manifest["finished_at"]
    assert manifest["argv"][:3] == ["xinwen", "crawl", "hnr"]
    (path,) = manifest["outputs"]
    assert path.endswith("A.jsonl") and manifest["outputs"][path] == len(two_runs["A"]["records"])


@needs_bundled_mirror
def test_runs_history_and_watermarks_in_the_state(two_runs: dict) -> None:
    db = sqlite3.connect(two_runs["state"])
    runs = db.execute("SELECT status, argv, counts FROM runs ORDER BY id").fetchall()
    assert [r[0] for r in runs] == ["ok", "ok"]
    assert json.loads(runs[1][2])["records_written"] == 0
    watermarks = dict(db.execute("SELECT url, newest_published FROM list_pages").fetchall())
    assert watermarks["http://news.hnr.cn/jpyc/"] == "2022-04-22"
    db.close()


def test_second_run_on_a_locked_state_fails(tmp_path: Path) -> None:
    state = tmp_path / "S.sqlite3"
    holder = StateStore(state, lock=True)
    try:
        with pytest.raises(StateLocked):
            StateStore(state, lock=True)
        proc = run_xinwen("crawl", "hnr", "--offline", "--state", str(state))
        assert proc.returncode == 1
        assert "in use by another crawl" in proc.stderr.decode()
    finally:
        holder.close()
    StateStore(state, lock=True).close()  # released


def test_since_until_accept_dates_and_durations() -> None:
    now = datetime(2024, 5, 10, 20, 0, tzinfo=UTC)  # 2024-05-11 04:00 in China
    assert parse_when("2024-01-01", now) == date(2024, 1, 1)
    assert parse_when("7d", now) == date(2024, 5, 4)
    assert parse_when("12h", now) == date(2024, 5, 10)
    assert parse_when("1w2d", now) == date(2024, 5, 2)
    assert parse_when("2024-01-01T23:30:00+00:00", now) == date(2024, 1, 2)
    for bad in ("yesterday", "7x", ""):
        with pytest.raises(ValueError):
            parse_when(bad, now)


def test_crawl_rejects_a_bad_since(tmp_path: Path) -> None:
    proc = run_xinwen("crawl", "hnr", "--offline", "--since", "soon", "--state", ":memory:")
    assert proc.returncode == 2 and "--since" in proc.stderr.decode()


def test_since_window_stops_before_old_articles(mini_mirror: Path, tmp_path: Path) -> None:
    out = tmp_path / "w.jsonl"
    proc = run_xinwen(
        "crawl", "hnr", "--offline", "-o", str(out), "-s", f"XINWEN_MIRROR_ROOT={mini_mirror}",
        "-a", "channels=djn", "--since", "2020-01-01", "--until", "2022-12-31",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    urls = {r["url"] for r in read_jsonl(out)}
    # 3.html republishes 1.html: kept, marked with duplicate_of; the 2012 article is not fetched.
    assert urls == {
        "http://news.hnr.cn/202204/22/1.html",
        "http://news.hnr.cn/202204/22/3.html",
        "http://news.hnr.cn/202204/22/4.html",
    }


@pytest.mark.parametrize(
    ("stats", "failed"),
    [
        # Nothing new: list pages fetched, every article known. Not a failure.
        ({"finish_reason": "finished", "response_received_count": 6,
          "xinwen/lists/links": 80, "xinwen/lists/article_links": 40}, False),
        # A few dead links among many pages: fine.
        ({"finish_reason": "finished", "response_received_count": 20,
          "httperror/response_ignored_count": 3}, False),
        # Most pages errored.
        ({"finish_reason": "finished", "response_received_count": 3, "retry/max_reached": 5,
          "log_count/ERROR": 5}, True),
        ({"finish_reason": "finished", "response_received_count": 10,
          "httperror/response_ignored_count": 8}, True),
        # Lists had links, none of them an article: the URL patterns no longer fit the site.
        ({"finish_reason": "finished", "response_received_count": 6,
          "xinwen/lists/links": 80, "xinwen/lists/article_links": 0}, True),
    ],
)  # fmt: skip
def test_exit_status_rules(stats: dict, failed: bool) -> None:
    assert (crawl_failed(stats) is not None) is failed


def test_failures_counted_by_the_failures_middleware() -> None:
    base = {"finish_reason": "finished", "response_received_count": 10}
    few = {**base, "xinwen/failed/http 404": 2, "xinwen/failed/timeout": 1}
    assert crawl_failed(few) is None
    most = {**base, "xinwen/failed/timeout": 11}
    assert "most pages errored" in crawl_failed(most)
    parser = {**base, "xinwen/failed/parser error": 50}
    assert crawl_failed(parser) is None
