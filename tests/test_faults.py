"""Issue 18, "nothing lost, ever": real faults against real crawls of the bundled mirror.

Each test interrupts or breaks a real `python -m crawler.cli crawl hnr --offline` (a signal to
the process, bytes written into its SQLite state, a full tmpfs under its output, a second crawl
on its output) and then checks the data: every article of the mirror (read from
fixtures/hnr/manifest.json) exactly once across all outputs, nothing marked in the state that is
not durably written, the user's own lines untouched. The helpers are benchmarks/faults.py's.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
from functools import partial
from pathlib import Path

import pytest

from crawler.state.sqlite_store import RESERVE_BYTES, reserve_path
from tests.conftest import load_benchmark, needs_bundled_mirror, read_jsonl
from tests.redis_server import REDIS_SERVER, SKIP_REASON, RedisServer

faults = load_benchmark("faults")

pytestmark = [pytest.mark.slow, needs_bundled_mirror]


def _statuses(state: Path) -> list[str]:
    db = sqlite3.connect(state)
    try:
        return [row[0] for row in db.execute("SELECT status FROM runs ORDER BY id")]
    finally:
        db.close()


def _last_line(proc: subprocess.CompletedProcess[bytes]) -> str:
    return proc.stderr.decode("utf-8", "replace").rstrip("\n").rsplit("\n", 1)[-1]


def _assert_nothing_lost(damage) -> None:
    assert not damage.lost, f"articles lost: {sorted(damage.lost)}"
    assert damage.duplicated == 0, "an article was written twice"
    assert damage.torn == 0, "a torn or unreadable line stayed"
    assert damage.marked_not_durable == 0, "the state marked something no file holds"


# -- item 1: an interrupted crawl, resumed ---------------------------------------------------------


@pytest.mark.parametrize(
    ("sig", "point"),
    [(signal.SIGTERM, 3), (signal.SIGINT, 6), (signal.SIGKILL, 6)],
    ids=["sigterm", "sigint", "sigkill"],
)
def test_interrupted_crawl_resumed_collects_every_article_once(
    tmp_path: Path, sig: int, point: int
) -> None:
    """Before: the resumed run stopped paging lists whose first page the killed run had
    written, and the articles linked only from their page 2 were never fetched."""
    state, out = tmp_path / "state.sqlite3", tmp_path / "out.jsonl"
    command = faults.crawl_command(state, out, delay=0.3)
    assert faults.run_interrupted(command, out, point, sig), "the crawl ended before the fault"
    resumed = faults.run_to_end(command)
    assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]
    _assert_nothing_lost(faults.assess(state, [out], faults.expected_articles()))
    assert _statuses(state) == ["interrupted", "ok"]
    # A third run finds nothing new and, its lists' passes complete, stops paging them.
    again = faults.run_to_end(command)
    assert again.returncode == 0
    manifest = json.loads(out.with_name("out.jsonl.manifest.json").read_text("utf-8"))
    assert manifest["counts"]["records_written"] == 0
    assert manifest["counts"]["lists_stopped"] > 0


# -- item 7: the resumed run writes another file --------------------------------------------------


def test_resume_into_another_file_writes_nothing_twice(tmp_path: Path) -> None:
    state, first, second = tmp_path / "s.sqlite3", tmp_path / "run1.jsonl", tmp_path / "run2.jsonl"
    killed = faults.crawl_command(state, first, delay=0.3)
    assert faults.run_interrupted(killed, first, 4, signal.SIGKILL)
    resumed = faults.run_to_end(faults.crawl_command(state, second, delay=0.3))
    assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]
    _assert_nothing_lost(faults.assess(state, [first, second], faults.expected_articles()))


# -- item 2: a damaged state -------------------------------------------------------------------


@pytest.mark.parametrize("seed", [2, 5])
def test_damaged_state_fails_the_run_and_changes_nothing(tmp_path: Path, seed: int) -> None:
    state, out = tmp_path / "s.sqlite3", tmp_path / "out.jsonl"
    command = faults.crawl_command(state, out, delay=0)
    assert faults.run_to_end(command).returncode == 0
    dataset = out.read_bytes()
    rng = random.Random(seed)
    with state.open("r+b") as fh:  # random bytes over one whole page of the file
        size = fh.seek(0, 2)
        page = rng.randrange(1, size // 4096)
        fh.seek(page * 4096)
        fh.write(rng.randbytes(4096))
    proc = faults.run_to_end(command)
    assert proc.returncode == 1
    last = _last_line(proc)
    assert str(state) in last and "integrity_check" in last and "afresh" in last, last
    assert "Traceback" not in proc.stderr.decode()
    assert "parser error" not in proc.stderr.decode()
    assert out.read_bytes() == dataset


# -- item 3: recovery and the user's own file ---------------------------------------------------


def test_crawl_refuses_to_append_to_a_file_that_is_not_its_own(tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    mine = b'{"note": "my own notes, not a xinwen record"}\n' + b"x" * 27_000 + b"\n"
    out.write_bytes(mine)
    proc = faults.run_to_end(faults.crawl_command(tmp_path / "s.sqlite3", out, delay=0))
    assert proc.returncode == 1
    assert "a.jsonl line 1 is not a xinwen record" in _last_line(proc)
    assert out.read_bytes() == mine


def test_blank_line_in_an_existing_dataset_is_kept(tmp_path: Path) -> None:
    clean = tmp_path / "clean.jsonl"
    assert (
        faults.run_to_end(faults.crawl_command(tmp_path / "c.sqlite3", clean, delay=0)).returncode
        == 0
    )
    lines = clean.read_bytes().splitlines(keepends=True)
    out = tmp_path / "a.jsonl"
    mine = b"".join(lines[:3]) + b"\n" + b"".join(lines[3:6])
    out.write_bytes(mine)
    proc = faults.run_to_end(faults.crawl_command(tmp_path / "s.sqlite3", out, delay=0))
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    data = out.read_bytes()
    assert data.startswith(mine)
    copies, _torn = faults.read_outputs([out])
    assert set(copies) == faults.expected_articles() and max(copies.values()) == 1


# -- item 4: -O with incremental state ---------------------------------------------------------


def test_overwrite_with_a_knowing_state_is_refused(tmp_path: Path) -> None:
    state, out = tmp_path / "s.sqlite3", tmp_path / "data.jsonl"
    command = [*faults.crawl_command(state, tmp_path / "unused.jsonl", delay=0)]
    command[command.index("-o")] = "-O"
    command[command.index("-O") + 1] = str(out)
    assert faults.run_to_end(command).returncode == 0
    full = out.read_bytes()
    assert full.count(b"\n") == len(faults.expected_articles())
    again = faults.run_to_end(command)
    assert again.returncode == 1
    assert "-O" in _last_line(again) and "use -o" in _last_line(again)
    assert out.read_bytes() == full  # never shrunk
    # Without a state that knows articles, -O writes the full dataset each time.
    memory = [*command]
    memory[memory.index("--state") + 1] = ":memory:"
    for _ in range(2):
        assert faults.run_to_end(memory).returncode == 0
        copies, _torn = faults.read_outputs([out])
        assert set(copies) == faults.expected_articles() and max(copies.values()) == 1


# -- item 6: two crawls, one output -------------------------------------------------------------


def test_second_crawl_on_the_same_output_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    first = faults.crawl_command(tmp_path / "a.sqlite3", out, delay=0.3)
    proc = faults.start(first)
    try:
        assert faults.wait_until(lambda: faults.complete_lines(out) >= 1, proc)
        second = faults.run_to_end(faults.crawl_command(tmp_path / "b.sqlite3", out, delay=0))
        assert second.returncode == 1
        assert f"pid {proc.pid}" in _last_line(second), _last_line(second)
        assert proc.wait(timeout=300) == 0
    finally:
        if proc.poll() is None:
            faults.interrupt(proc, signal.SIGKILL)
    _assert_nothing_lost(faults.assess(tmp_path / "a.sqlite3", [out], faults.expected_articles()))


# -- item 8 and the reports: a full disk under the output ----------------------------------------


def test_full_disk_under_the_output(tmp_path: Path) -> None:
    small = tmp_path / "small"
    if not faults.mount_tmpfs(small, "24k"):
        pytest.skip("cannot mount a tmpfs here")
    try:
        state, out = tmp_path / "s.sqlite3", small / "out.jsonl"
        manifest = tmp_path / "run.manifest.json"
        command = [
            *faults.crawl_command(state, out, delay=0),
            "-s",
            f"XINWEN_MANIFEST_PATH={manifest}",
        ]
        proc = faults.run_to_end(command)
        assert proc.returncode == 1
        last = _last_line(proc)
        assert "disk full" in last and str(small) in last, last
        assert "Traceback" not in proc.stderr.decode()
        on_disk = faults.complete_lines(out)
        assert on_disk < len(faults.expected_articles())
        written = json.loads(manifest.read_text("utf-8"))
        assert written["counts"]["records_written"] == on_disk
        assert written["status"] == "failed"
        assert f"records written  {on_disk}\n" in proc.stderr.decode()
        assert _statuses(state) == ["failed"]
        # Nothing marked that is not on the small disk; the rest comes with the next run.
        damage = faults.assess(state, [out], faults.expected_articles())
        assert damage.torn == 0 and damage.marked_not_durable == 0
        roomy = tmp_path / "out2.jsonl"
        assert faults.run_to_end(faults.crawl_command(state, roomy, delay=0)).returncode == 0
        _assert_nothing_lost(faults.assess(state, [out, roomy], faults.expected_articles()))
    finally:
        faults.unmount(small)


# -- unwritable outputs ------------------------------------------------------------------------


def test_unwritable_outputs_fail_before_the_crawl(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    proc = faults.run_to_end(
        faults.crawl_command(tmp_path / "s.sqlite3", tmp_path / "file" / "o.jsonl", delay=0)
    )
    assert proc.returncode == 1
    assert _last_line(proc).endswith(f"{tmp_path / 'file'} is not a directory")
    assert "Traceback" not in proc.stderr.decode()
    read_only = tmp_path / "ro"
    read_only.mkdir()
    if faults.mount_tmpfs(read_only, "16k,ro"):
        try:
            proc = faults.run_to_end(
                faults.crawl_command(tmp_path / "s.sqlite3", read_only / "o.jsonl", delay=0)
            )
            assert proc.returncode == 1
            assert _last_line(proc).endswith(
                f"cannot write {read_only / 'o.jsonl'}: read-only file system"
            )
            assert "pages fetched" not in proc.stderr.decode()
        finally:
            faults.unmount(read_only)


def test_missing_directories_are_created_for_output_and_quarantine(tmp_path: Path) -> None:
    out, rejected = tmp_path / "a" / "b" / "o.jsonl", tmp_path / "q" / "r.jsonl"
    command = [*faults.crawl_command(tmp_path / "s.sqlite3", out, delay=0),
               "-s", f"XINWEN_QUARANTINE_PATH={rejected}"]  # fmt: skip
    proc = faults.run_to_end(command)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    err = proc.stderr.decode()
    assert f"created the missing directory {out.parent}" in err
    assert f"created the missing directory {rejected.parent}" in err
    assert out.is_file() and rejected.is_file()


# -- item 2: a state that cannot be written mid-run -----------------------------------------------


def test_full_disk_under_the_state_fails_the_run_and_loses_nothing(tmp_path: Path) -> None:
    small = tmp_path / "state"
    out = tmp_path / "out.jsonl"
    state = small / "s.sqlite3"
    command = faults.crawl_command(state, out, delay=0)
    proc = faults.run_state_out_of_room(small, command, out)
    if proc is None:
        pytest.skip("cannot mount a tmpfs here, or the state never filled one mid-run")
    try:
        assert proc.returncode == 1
        last = _last_line(proc)
        assert str(state) in last and "cannot be written" in last and "disk full" in last, last
        assert "parser error" not in proc.stderr.decode()
        # Said when it happens and on the last line: no echo from the pipelines or the feed.
        said = proc.stderr.decode()
        assert said.count("cannot be written") == 2 and "Error processing" not in said, said
        assert "never retrieved" not in said, said[-3000:]
        # The emergency reserve gave the history its last word: the run failed, and why.
        faulted = faults.run_history(state)[0]
        assert faulted["status"] == "failed", faulted
        assert "disk full" in faulted["problem"], faulted
        # And its manifest, beside the output, says so too (with what is durable).
        manifest = json.loads(out.with_name(out.name + ".manifest.json").read_text("utf-8"))
        assert manifest["status"] == "failed" and "disk full" in manifest["problem"], manifest
        assert manifest["counts"]["records_written"] == len(read_jsonl(out))
        # Room again (as an operator frees space): the resumed run completes the dataset.
        faults.resize_tmpfs(small, "4m")
        resumed = faults.run_to_end(command)
        assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]
        _assert_nothing_lost(faults.assess(state, [out], faults.expected_articles()))
        assert [run["status"] for run in faults.run_history(state)] == ["ok", "failed"]
        assert reserve_path(state).stat().st_size == RESERVE_BYTES
    finally:
        faults.unmount(small)


# -- item 8: a full disk under the quarantine ----------------------------------------------------


def test_rejected_page_is_marked_only_once_its_quarantine_line_is_durable(tmp_path: Path) -> None:
    small = tmp_path / "small"
    if not faults.mount_tmpfs(small, "16k"):
        pytest.skip("cannot mount a tmpfs here")
    try:
        state, out, rejected = tmp_path / "s.sqlite3", tmp_path / "out.jsonl", small / "q.jsonl"
        command = [*faults.crawl_command(state, out, delay=0),
                   "-s", f"XINWEN_QUARANTINE_PATH={rejected}"]  # fmt: skip
        filler = faults.fill_disk(small)
        proc = faults.run_to_end(command)
        assert proc.returncode == 1
        assert _last_line(proc).endswith(f"cannot write {rejected}: disk full"), _last_line(proc)
        _articles, marked = faults.state_marks(state)
        assert faults.quarantined([rejected]) == set()  # the disk took no line …
        assert marked == set(), "a page marked rejected without its line"  # … so none is marked
        filler.unlink()  # room again: the next run quarantines what the first could not
        assert faults.run_to_end(command).returncode == 0
        _articles, marked = faults.state_marks(state)
        in_quarantine = faults.quarantined([rejected])
        assert marked and marked <= in_quarantine
    finally:
        faults.unmount(small)


# -- item 2: the Redis state of a distributed crawl fails mid-run ----------------------------------

needs_redis = pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)


def _assert_failed_on_the_redis_state(failed, redis_url: str, cause: str) -> None:
    """Exit 1 and one last line naming the Redis state, its cause and what to do; no
    traceback, no page blamed."""
    assert failed is not None, "the crawl ended before the fault"
    assert failed.returncode == 1, failed.stderr[-3000:]
    last = failed.last_line()
    assert last.startswith("xinwen crawl hnr: failed: the Redis state"), last
    assert redis_url in last and cause in last and "run again" in last, last
    assert "Traceback" not in failed.stderr, failed.stderr[-3000:]
    assert "parser error" not in failed.stderr


@needs_redis
def test_redis_killed_mid_crawl_fails_the_run_and_the_resume_loses_nothing(
    tmp_path: Path,
) -> None:
    """The Redis server is SIGKILLed under a one-worker distributed crawl. It persists every
    write it acknowledges (append-only file, fsync always), so once it is started again the
    same crawl resumes from the state it had, and the output's unmarked tail is recovered."""
    server = RedisServer(persistent=True).start()
    try:
        out = tmp_path / "out.jsonl"
        command = faults.redis_crawl_command(server.url, out, delay=0.3)
        failed = faults.run_faulted(command, out, 3, server.kill, tmp_path / "killed.log")
        _assert_failed_on_the_redis_state(failed, server.url, "Connection refused")
        _copies, torn = faults.read_outputs([out])
        assert torn == 0, "a line of the output is not a whole record"
        server.start()
        damage = faults.assess(server.url, [out], faults.expected_articles())
        assert damage.marked_not_durable == 0, "Redis marked what no output line holds"
        resumed = faults.run_to_end(command)
        assert resumed.returncode == 0, resumed.stderr.decode()[-3000:]
        _assert_nothing_lost(faults.assess(server.url, [out], faults.expected_articles()))
    finally:
        server.stop()


@needs_redis
def test_redis_out_of_memory_mid_crawl_fails_the_run_and_loses_nothing(tmp_path: Path) -> None:
    """Redis at its maxmemory with `noeviction` refuses every write (`OOM command not
    allowed`): the crawl stops with one line; with memory given back the rerun completes."""
    server = RedisServer().start()
    try:
        out = tmp_path / "out.jsonl"
        command = faults.redis_crawl_command(server.url, out, delay=0.3)
        out_of_memory = partial(faults.redis_out_of_memory, server.url)
        failed = faults.run_faulted(command, out, 3, out_of_memory, tmp_path / "oom.log")
        _assert_failed_on_the_redis_state(
            failed, server.url, "OutOfMemoryError: command not allowed"
        )
        damage = faults.assess(server.url, [out], faults.expected_articles())
        assert damage.torn == 0 and damage.marked_not_durable == 0
        faults.redis_memory_back(server.url)
        resumed = faults.run_to_end(command)
        assert resumed.returncode == 0, resumed.stderr.decode()[-3000:]
        _assert_nothing_lost(faults.assess(server.url, [out], faults.expected_articles()))
    finally:
        server.stop()
