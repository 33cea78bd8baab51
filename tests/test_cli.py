"""The `xinwen` command: extract, crawl (offline), schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pipelines.schema import Article, json_schema_text
from tests.conftest import (
    BUNDLED_MANIFEST,
    REPO,
    article_html,
    needs_bundled_mirror,
    read_jsonl,
    run_xinwen,
)

GOOD = article_html("平顶山湛河区党建", "4月20日上午，湛河区举行活动。").encode("utf-8")
BROKEN = "<html><head><title>空_映象网</title></head><body><h1>空</h1></body></html>".encode()


@pytest.fixture
def pages(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "good.html").write_bytes(GOOD)
    (tmp_path / "broken.html").write_bytes(BROKEN)
    return {"good": tmp_path / "good.html", "broken": tmp_path / "broken.html"}


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("xinwen")
    assert script.exists(), "run `pip install -e .` first"


# -- extract ------------------------------------------------------------------------------------


def test_extract_good_page(pages: dict[str, Path]) -> None:
    proc = run_xinwen("extract", str(pages["good"]))
    assert proc.returncode == 0, proc.stderr.decode()
    (line,) = proc.stdout.decode("utf-8").splitlines()
    assert "\\u" not in line
    record = json.loads(line)
    assert list(record) == list(Article.model_fields)
    assert record["url"] == pages["good"].resolve().as_uri()
    assert record["title"] == "平顶山湛河区党建"
    assert record["fetched_at"].endswith("+00:00")


def test_extract_with_url(pages: dict[str, Path]) -> None:
    url = "http://news.hnr.cn/202204/22/1.html"
    proc = run_xinwen("extract", "--url", url, str(pages["good"]))
    assert proc.returncode == 0
    record = json.loads(proc.stdout)
    assert (record["url"], record["site"]) == (url, "hnr.cn")


def test_extract_broken_page_reports_one_line_and_fails(pages: dict[str, Path]) -> None:
    proc = run_xinwen("extract", str(pages["broken"]))
    assert proc.returncode == 1
    assert proc.stdout == b""
    err = proc.stderr.decode("utf-8").strip().splitlines()
    assert len(err) == 1 and str(pages["broken"]) in err[0] and "body" in err[0]
    assert "Traceback" not in proc.stderr.decode()


def test_extract_mixed_pages_writes_good_and_fails(pages: dict[str, Path]) -> None:
    proc = run_xinwen("extract", str(pages["good"]), str(pages["broken"]))
    assert proc.returncode == 1
    assert len(proc.stdout.decode().splitlines()) == 1
    assert any(str(pages["broken"]) in line for line in proc.stderr.decode().splitlines())


def test_extract_stdin_bytes() -> None:
    gbk = article_html("郑州地铁新线开通", "郑州市民乘坐新线出行。", charset="gbk").encode("gbk")
    proc = run_xinwen("extract", "--url", "http://news.hnr.cn/202204/22/4.html", "-", stdin=gbk)
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["title"] == "郑州地铁新线开通"


def test_extract_missing_file(tmp_path: Path) -> None:
    proc = run_xinwen("extract", str(tmp_path / "nope.html"))
    assert proc.returncode == 1 and "nope.html" in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()


# -- schema ---------------------------------------------------------------------------------------


def test_schema_command_prints_the_json_schema() -> None:
    proc = run_xinwen("schema")
    assert proc.returncode == 0
    assert proc.stdout.decode("utf-8") == json_schema_text()


# -- crawl ----------------------------------------------------------------------------------------


def test_crawl_unknown_site() -> None:
    proc = run_xinwen("crawl", "nosuchsite")
    assert proc.returncode == 2 and "unknown site" in proc.stderr.decode()


def test_crawl_bad_setting_syntax() -> None:
    proc = run_xinwen("crawl", "hnr", "-s", "NOEQUALS")
    assert proc.returncode != 0 and "NAME=VALUE" in proc.stderr.decode()


def test_crawl_bad_spider_argument(mini_mirror: Path, tmp_path: Path) -> None:
    proc = run_xinwen(
        "crawl", "hnr", "--offline", "-s", f"XINWEN_MIRROR_ROOT={mini_mirror}",
        "-a", "channels=nosuch", "-o", str(tmp_path / "x.jsonl"),
    )  # fmt: skip
    assert proc.returncode == 2  # a usage error, found before the crawl starts
    assert "unknown channel 'nosuch'" in proc.stderr.decode()
    assert len(proc.stderr.decode().splitlines()) == 1


def test_crawl_offline_from_another_directory_appends(mini_mirror: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    args = ("crawl", "hnr", "--offline", "-o", "rel/out.jsonl", "-a", "channels=djn")
    args += ("-s", f"XINWEN_MIRROR_ROOT={mini_mirror}")
    first = run_xinwen(*args, cwd=elsewhere)
    assert first.returncode == 0, first.stderr.decode()[-2000:]
    out = elsewhere / "rel" / "out.jsonl"
    n = len(read_jsonl(out))
    assert n == 4  # 3.html republishes 1.html: kept, with duplicate_of
    # -o appends this run's records only: what the file holds already counts as seen (even
    # for a new state), so nothing is written twice.
    again = run_xinwen(*args, cwd=elsewhere)
    assert again.returncode == 0
    assert len(read_jsonl(out)) == n
    # Per run: the empty page, the PNG and the linked page missing from the mirror (HTTP 404).
    assert len(read_jsonl(elsewhere / "rel" / "out.jsonl.rejected.jsonl")) == 2 * 3


def test_crawl_overwrite_output(mini_mirror: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    out.write_text("stale\n", encoding="utf-8")
    proc = run_xinwen(
        "crawl", "hnr", "--offline", "-O", str(out), "-a", "channels=djn",
        "-s", f"XINWEN_MIRROR_ROOT={mini_mirror}",
    )  # fmt: skip
    assert proc.returncode == 0
    assert len(read_jsonl(out)) == 4


@needs_bundled_mirror
def test_offline_crawl_of_bundled_mirror(tmp_path: Path) -> None:
    out = tmp_path / "out" / "hnr.jsonl"
    proc = run_xinwen("crawl", "hnr", "--offline", "-o", str(out), cwd=tmp_path, timeout=240)
    stderr = proc.stderr.decode("utf-8")
    assert proc.returncode == 0, stderr[-3000:]
    assert "Warning" not in stderr
    records = read_jsonl(out)
    assert len(records) >= 12
    for record in records:
        Article.model_validate(record)
        assert record["url"].startswith("http://") and ".hnr.cn/" in record["url"]
    canon = [r["canonical_url"] for r in records]
    prints = [r["fingerprint"] for r in records if r["duplicate_of"] is None]
    assert len(set(canon)) == len(canon) and len(set(prints)) == len(prints)
    manifest = json.loads(BUNDLED_MANIFEST.read_text(encoding="utf-8"))
    pages = manifest["pages"] if isinstance(manifest, dict) else manifest
    broken = {p["url"] for p in pages if p.get("kind") == "broken"}
    rejected = {r["url"] for r in read_jsonl(out.with_name("hnr.jsonl.rejected.jsonl"))}
    assert broken and broken <= rejected
    assert "records written" in stderr


def test_scrapy_crawl_works_from_repo_root(mini_mirror: Path, tmp_path: Path) -> None:
    import os
    import subprocess

    out = tmp_path / "x.jsonl"
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "hnr", "-O", str(out),
         "-s", "XINWEN_OFFLINE_ENABLED=1", "-s", f"XINWEN_MIRROR_ROOT={mini_mirror}",
         "-a", "channels=djn"],
        cwd=REPO, capture_output=True, timeout=120, env=env, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    text = out.read_text(encoding="utf-8")
    assert "\\u" not in text and len(read_jsonl(out)) == 4
    assert (tmp_path / "x.jsonl.rejected.jsonl").exists()


def test_ci_runs_exactly_the_readme_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    test_command = "pip install -e '.[test]' && python -m pytest -q"
    assert test_command in readme and ci.rstrip().endswith(test_command)
    assert "pip install -e . && xinwen crawl hnr --offline -O out/hnr.jsonl" in readme
