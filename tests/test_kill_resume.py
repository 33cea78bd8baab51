"""kill -9 for real: a slowed offline crawl is SIGKILLed (its whole process group, mirror server
included) after it has written some records, then the same command runs again. Together the
output holds every article of a clean crawl exactly once, and every line is valid JSON."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import needs_bundled_mirror, read_jsonl, run_xinwen

SLOW = ("-s", "DOWNLOAD_DELAY=0.5", "-s", "AUTOTHROTTLE_ENABLED=False")


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


@needs_bundled_mirror
def test_kill_9_then_resume_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    clean_out = tmp_path / "clean.jsonl"
    clean = run_xinwen("crawl", "hnr", "--offline", "--state", str(tmp_path / "clean.sqlite3"),
                       "-o", str(clean_out))  # fmt: skip
    assert clean.returncode == 0, clean.stderr.decode()[-2000:]
    expected = {r["canonical_url"] for r in read_jsonl(clean_out)}
    assert len(expected) >= 12

    out, state = tmp_path / "out.jsonl", tmp_path / "state.sqlite3"
    command = [sys.executable, "-m", "crawler.cli", "crawl", "hnr", "--offline",
               "--state", str(state), "-o", str(out), *SLOW]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while _lines(out) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the crawl ended before it could be killed"
        written = _lines(out)
        assert 3 <= written < len(expected), written
        os.killpg(os.getpgid(proc.pid), signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(os.getpgid(proc.pid), signal.SIGKILL)
            proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    complete_lines = _lines(out)  # a last line may be torn: it has no newline

    resumed = subprocess.run(command, env=env, capture_output=True, timeout=120, check=False)
    assert resumed.returncode == 0, resumed.stderr.decode()[-3000:]

    raw = out.read_bytes()
    assert raw.endswith(b"\n")
    records = [json.loads(line) for line in raw.decode("utf-8").splitlines()]  # all valid JSON
    urls = [r["canonical_url"] for r in records]
    assert len(urls) == len(set(urls)), "an article was written twice"
    assert set(urls) == expected, "an article is missing"
    # The resumed run wrote only what the killed one had not; the killed run is in the history
    # as interrupted.
    manifest = json.loads(out.with_name("out.jsonl.manifest.json").read_text("utf-8"))
    assert manifest["counts"]["records_written"] == len(expected) - complete_lines
    db = sqlite3.connect(state)
    statuses = [row[0] for row in db.execute("SELECT status FROM runs ORDER BY id")]
    db.close()
    assert statuses == ["interrupted", "ok"]


@pytest.mark.parametrize("torn", [b'{"url": "http://x", "canon', b"\xe6\x98"])
def test_rerun_after_torn_write_truncates(tmp_path: Path, torn: bytes, mini_mirror: Path) -> None:
    """A torn last line left by a kill is cut before the next run appends."""
    out, state = tmp_path / "o.jsonl", tmp_path / "s.sqlite3"
    args = ("crawl", "hnr", "--offline", "--state", str(state), "-o", str(out), "-a",
            "channels=djn", "-s", f"XINWEN_MIRROR_ROOT={mini_mirror}")  # fmt: skip
    assert run_xinwen(*args).returncode == 0
    first = out.read_bytes()
    last = first.rstrip(b"\n").rsplit(b"\n", 1)[-1] + b"\n"
    canonical = json.loads(last)["canonical_url"]
    # As if the last record's write had been cut by a kill before it was marked seen.
    db = sqlite3.connect(state)
    db.execute("DELETE FROM articles WHERE canonical_url = ?", (canonical,))
    db.execute("UPDATE outputs SET committed_offset = ?", (len(first) - len(last),))
    db.commit()
    db.close()
    out.write_bytes(first[: len(first) - len(last)] + torn)
    proc = run_xinwen(*args)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    records = read_jsonl(out)
    assert [r["canonical_url"] for r in records].count(canonical) == 1
    assert len(records) == first.count(b"\n")
