"""Real crawls against a hostile loopback server: every crawl-level failure gets a reason in the
stats and in the quarantine file, good pages still come out, no traceback reaches the user, and
the crawl cannot be turned against its own network (private-address guard, allowed domains)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import crawl_outcome, read_jsonl, run_xinwen
from tests.hostile import (
    CRAWL_CASES,
    CRAWLED_CORPUS,
    OFF_SITE_HOST,
    ON_SITE_HOST,
    HostileServer,
)

# Fast but otherwise default: redirects, DOWNLOAD_MAXSIZE and DOWNLOAD_WARNSIZE as set. The
# timeout leaves room for the reactor pausing while the big hostile pages are parsed.
FAST = (
    "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "DOWNLOAD_TIMEOUT=4", "-s", "RETRY_TIMES=1",
)  # fmt: skip


def crawl_hostile(out: Path, *args: str, timeout: float = 240) -> dict:
    """`xinwen crawl hostile -O out ARGS` with the hostile settings; stderr, stats, outputs."""
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="tests.hostile_settings")
    return crawl_outcome(out, ("hostile",), args, env, timeout)


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("hostile") / "out.jsonl"
    with HostileServer() as server:
        result = crawl_hostile(
            out,
            "-a", f"channels={server.base}/list/",
            "-s", "XINWEN_ALLOWED_ADDRESSES=127.0.0.1",  # the loopback "site"; nothing else
            *FAST,
        )  # fmt: skip
        result["server"] = server
        result["requests"] = list(server.requests)
    return result


def test_hostile_crawl_goes_on_and_exits_cleanly(hostile_crawl: dict) -> None:
    assert hostile_crawl["returncode"] == 0, hostile_crawl["stderr"][-4000:]
    assert "Traceback" not in hostile_crawl["stderr"]
    assert hostile_crawl["stats"]["finish_reason"] == "finished"


def test_good_pages_still_come_out(hostile_crawl: dict) -> None:
    base = hostile_crawl["server"].base
    urls = {r["url"] for r in hostile_crawl["records"]}
    assert {f"{base}/a/20220422/1.html", f"{base}/a/20220422/2.html"} <= urls


@pytest.mark.parametrize("case", [c for c in CRAWL_CASES if c.reason], ids=lambda c: c.path)
def test_each_failure_is_quarantined_and_counted_with_its_reason(hostile_crawl: dict, case) -> None:
    url = hostile_crawl["server"].base + case.path
    by_url = {r["url"]: r for r in hostile_crawl["rejected"]}
    assert url in by_url, f"{case.what}: not in the quarantine"
    assert by_url[url]["reason"] == case.reason
    assert by_url[url]["errors"] and "\n" not in by_url[url]["errors"][0]
    stats = hostile_crawl["stats"]
    assert stats.get(f"xinwen/failed/{case.reason}", 0) >= 1
    assert stats.get(f"xinwen/rejected/{case.reason}", 0) >= 1
    assert f"failed {url}: {case.reason}" in hostile_crawl["stderr"]


@pytest.mark.parametrize(
    "case", [c for c in CRAWLED_CORPUS if c.yields is False], ids=lambda c: c.name
)
def test_hostile_pages_are_quarantined_in_a_crawl(hostile_crawl: dict, case) -> None:
    url = f"{hostile_crawl['server'].base}/a/20220422/hostile-{case.name}.html"
    by_url = {r["url"]: r for r in hostile_crawl["rejected"]}
    assert url in by_url and by_url[url]["reason"]


def test_summary_names_the_reasons(hostile_crawl: dict) -> None:
    stderr = hostile_crawl["stderr"]
    summary = stderr[stderr.rindex("crawl hostile:") :]
    for reason in {c.reason for c in CRAWL_CASES if c.reason}:
        assert f"{reason}: " in summary


def test_bad_links_are_skipped_and_counted(hostile_crawl: dict) -> None:
    stats = hostile_crawl["stats"]
    assert stats["xinwen/skipped/malformed_link"] >= 2  # http://[::1 and port 99999
    assert stats["urllength/request_ignored_count"] == 1  # the 5,000-character URL
    paths = {path for _host, path in hostile_crawl["requests"]}
    assert not any("js.html" in p or "badport" in p or "xxxxx" in p for p in paths)


def test_crawl_never_leaves_the_allowed_domains(hostile_crawl: dict) -> None:
    # evil.example resolves to the same loopback server: a followed link would show up here.
    hosts = {host.split(":")[0] for host, _path in hostile_crawl["requests"]}
    assert OFF_SITE_HOST not in hosts
    assert hosts == {ON_SITE_HOST}


def test_redirects_to_the_metadata_address_are_refused_before_connecting(
    hostile_crawl: dict,
) -> None:
    assert hostile_crawl["stats"]["xinwen/refused/private_address"] >= 2
    paths = {path for _host, path in hostile_crawl["requests"]}
    assert not any(p.startswith("/latest") for p in paths)  # the rebinding name never connected


# -- safe by default: the private-address guard end to end -------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", ON_SITE_HOST], ids=["literal", "resolved"])
def test_a_crawl_of_a_loopback_start_url_is_refused(tmp_path: Path, host: str) -> None:
    with HostileServer() as server:
        result = crawl_hostile(
            tmp_path / "out.jsonl", "-a", f"channels=http://{host}:{server.port}/list/", *FAST
        )
        requests = list(server.requests)
    assert requests == []  # nothing reached the server
    assert result["stats"]["xinwen/refused/private_address"] >= 1
    (rejected,) = result["rejected"]
    assert rejected["reason"] == "refused: private address"
    assert result["records"] == []
    assert result["returncode"] == 1  # no page could be fetched
    assert "no page could be fetched" in result["stderr"]
    assert "Traceback" not in result["stderr"]


def test_offline_mode_still_works_with_the_guard_on(mini_mirror: Path, tmp_path: Path) -> None:
    from crawler import settings

    assert settings.XINWEN_PRIVATE_ADDRESS_GUARD_ENABLED is True
    assert settings.XINWEN_ALLOWED_ADDRESSES == []
    out = tmp_path / "o.jsonl"
    summary = tmp_path / "s.json"
    proc = run_xinwen(
        "crawl", "hnr", "--offline", "-o", str(out), "-s", f"XINWEN_MIRROR_ROOT={mini_mirror}",
        "-s", f"XINWEN_SUMMARY_PATH={summary}", "-a", "channels=djn",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert read_jsonl(out)
    assert "refused" not in proc.stderr.decode()
    assert json.loads(summary.read_text())["records_written"] >= 1


def test_safe_defaults_in_settings() -> None:
    from crawler import settings

    assert settings.DOWNLOAD_MAXSIZE == 16 * 1024 * 1024
    assert settings.DOWNLOAD_WARNSIZE == 4 * 1024 * 1024
    assert 0 < settings.DOWNLOAD_TIMEOUT <= 60
    assert settings.XINWEN_FAILURES_ENABLED is True
    assert settings.XINWEN_LOG_TRACEBACKS is False
    assert "crawler.crawl.safety.PrivateAddressGuard" in settings.DOWNLOADER_MIDDLEWARES
    assert "crawler.crawl.failures.RedirectLoopMiddleware" in settings.DOWNLOADER_MIDDLEWARES
    assert "crawler.crawl.failures.FailuresMiddleware" in settings.SPIDER_MIDDLEWARES
