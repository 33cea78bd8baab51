"""Fault injection: real crawls of the bundled 映象网 mirror, interrupted for real, then resumed.

    python benchmarks/faults.py [--points 1,4,8] [--delay 0.3] [--scenarios a,b]

Each scenario runs `python -m crawler.cli crawl hnr --offline` slowed by `DOWNLOAD_DELAY`,
interrupts it once a given number of records (the kill point) is on disk, and runs the same
crawl again until one run finishes. Afterwards every output file of the scenario is read and
compared with the mirror's article list (`fixtures/hnr/manifest.json`, the pages with an
expected record):

- lost: articles of the mirror in no output;
- duplicated: extra copies of an article across all outputs;
- torn: lines that are not complete JSON records;
- marked, not durable: articles or rejected pages the state has marked but no output or
  quarantine line holds.

Scenarios: `sigkill`, `sigterm`, `sigint` (the signal, same `-o` file on resume), `new-file`
(SIGKILL, the resumed run writes another `-o` file, as cron jobs name them) and `disk-full`
(the output and its quarantine on a 24 KiB tmpfs: needs mount rights, skipped otherwise; the
resumed run writes to a roomy file), `state-disk-full` (the SQLite state on the smallest tmpfs it
outgrows mid-run; the faulted run must be recorded `failed` with the disk full as its cause, and
the resume, with room again, makes the emergency reserve anew), `redis-down` and `redis-oom` (a one-worker distributed
crawl, `--redis`, whose redis-server is SIGKILLed, or refuses writes at its maxmemory, once the
kill point is on disk; the server is persistent and started again, or given memory back, and the
same crawl resumes; needs redis-server). The test suite (tests/test_faults.py) imports the helpers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MIRROR = REPO / "fixtures" / "hnr"


def expected_articles(mirror: Path = MIRROR) -> set[str]:
    """canonical_url of every article page of the mirror that has an expected record."""
    manifest = json.loads((mirror / "manifest.json").read_text("utf-8"))
    urls = set()
    for page in manifest["pages"]:
        if page.get("kind") == "article" and page.get("expected"):
            record = json.loads((mirror / page["expected"]).read_text("utf-8"))
            urls.add(record["canonical_url"])
    return urls


def _crawl(state: list[str], output: Path, extra: tuple[str, ...], delay: float) -> list[str]:
    return [
        sys.executable, "-m", "crawler.cli", "crawl", "hnr", "--offline", *state, "-o", str(output),
        "-s", f"DOWNLOAD_DELAY={delay}", "-s", "AUTOTHROTTLE_ENABLED=False", *extra,
    ]  # fmt: skip


def crawl_command(state: Path, output: Path, *extra: str, delay: float = 0.3) -> list[str]:
    return _crawl(["--state", str(state)], output, extra, delay)


# A lone worker stops 2 s after the shared queue emptied (not 30); a 12 s heartbeat keeps a
# worker slowed by a loaded machine from being reaped while alive.
REDIS_QUICK_IDLE = [
    "-s", "XINWEN_REDIS_IDLE_SECONDS=2",
    "-s", "XINWEN_REDIS_HEARTBEAT_SECONDS=12",
    "-s", "XINWEN_REDIS_PREFETCH=2",
]  # fmt: skip


def redis_crawl_command(redis_url: str, output: Path, *extra: str, delay: float = 0.3) -> list[str]:
    """A one-worker distributed crawl: its state in Redis (`--redis`), not in SQLite."""
    return _crawl(["--redis", redis_url], output, (*REDIS_QUICK_IDLE, *extra), delay)


def crawl_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def complete_lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def wait_until(condition, proc: subprocess.Popen, timeout: float = 120) -> bool:
    """Poll `condition()` while the crawl runs; False when the crawl ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc.poll() is not None:
            return condition()
        time.sleep(0.01)
    raise TimeoutError("the crawl neither reached the kill point nor ended")


def interrupt(proc: subprocess.Popen, sig: int, timeout: float = 60) -> int:
    """SIGKILL the whole process group (mirror server included); SIGTERM / SIGINT the crawl
    process only, as systemd or a terminal would, and wait for it to stop by itself."""
    if sig == signal.SIGKILL:
        os.killpg(os.getpgid(proc.pid), signal.SIGKILL)
    else:
        proc.send_signal(sig)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(os.getpgid(proc.pid), signal.SIGKILL)
        return proc.wait(timeout=10)


def start(command: list[str], stderr: Any = subprocess.DEVNULL) -> subprocess.Popen:
    """The crawl in its own process group (SIGKILL reaches its mirror server too)."""
    return subprocess.Popen(
        command, env=crawl_env(), cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr,
        start_new_session=True,
    )  # fmt: skip


def run_interrupted(command: list[str], output: Path, lines: int, sig: int) -> bool:
    """Start the crawl, interrupt it once `lines` records are on disk. False when it ended
    before (the kill point is past the end of the crawl)."""
    proc = start(command)
    try:
        reached = wait_until(lambda: complete_lines(output) >= lines, proc)
        if proc.poll() is not None:
            return False
        interrupt(proc, sig)
        return reached
    finally:
        if proc.poll() is None:
            os.killpg(os.getpgid(proc.pid), signal.SIGKILL)
            proc.wait(timeout=10)


@dataclass
class Faulted:
    """How a crawl broken by a fault ended."""

    returncode: int
    stderr: str

    def last_line(self) -> str:
        return self.stderr.rstrip("\n").rsplit("\n", 1)[-1]


def run_faulted(
    command: list[str], output: Path, lines: int, fault: Callable[[], None], log: Path
) -> Faulted | None:
    """Start the crawl, break something under it (`fault()`) once `lines` records are on disk
    and let it end by itself. None when it ended before the fault."""
    with log.open("wb") as stderr:
        proc = start(command, stderr)
        try:
            wait_until(lambda: complete_lines(output) >= lines, proc)
            if proc.poll() is not None:
                return None
            fault()
            proc.wait(timeout=180)  # a crawl hanging on the fault fails here
        finally:
            if proc.poll() is None:
                os.killpg(os.getpgid(proc.pid), signal.SIGKILL)
                proc.wait(timeout=10)
    return Faulted(proc.returncode, log.read_text("utf-8", "replace"))


def run_to_end(command: list[str], timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        command, env=crawl_env(), cwd=REPO, capture_output=True, timeout=timeout, check=False
    )


@dataclass
class Damage:
    lost: set[str] = field(default_factory=set)
    duplicated: int = 0
    torn: int = 0
    marked_not_durable: int = 0

    def total(self) -> int:
        return len(self.lost) + self.duplicated + self.torn + self.marked_not_durable


def read_outputs(outputs: list[Path]) -> tuple[Counter[str], int]:
    """(copies of each canonical_url, torn lines) over the output files."""
    copies: Counter[str] = Counter()
    torn = 0
    for path in outputs:
        if not path.is_file():
            continue
        data = path.read_bytes()
        lines = data.split(b"\n")
        if lines[-1]:
            torn += 1  # no final newline
        for line in lines[:-1]:
            try:
                record = json.loads(line)
                copies[record["canonical_url"]] += 1
            except (ValueError, KeyError, TypeError):
                torn += 1
    return copies, torn


def quarantined(paths: list[Path]) -> set[str]:
    urls = set()
    for path in paths:
        if path.is_file():
            for line in path.read_text("utf-8", "replace").splitlines():
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    urls.add(json.loads(line)["url"])
    return urls


def redis_marks(redis_url: str, prefix: str = "xinwen:state") -> tuple[set[str], set[str]]:
    """(articles marked written, pages marked rejected) in a Redis state."""
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        articles = client.hgetall(f"{prefix}:articles")
        pages = client.hgetall(f"{prefix}:pages")
    finally:
        client.close()
    written = {url for url, raw in articles.items() if json.loads(raw)["status"] == "written"}
    rejected = {url for url, raw in pages.items() if json.loads(raw)["status"] == "rejected"}
    return written, rejected


def state_marks(state: Path | str) -> tuple[set[str], set[str]]:
    """(articles marked written, pages marked rejected) in a SQLite state or a Redis URL."""
    if str(state).startswith("redis://"):
        return redis_marks(str(state))
    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    try:
        articles = {row[0] for row in db.execute("SELECT canonical_url FROM articles")}
        rejected = {row[0] for row in db.execute("SELECT url FROM pages WHERE status='rejected'")}
    finally:
        db.close()
    return articles, rejected


def assess(state: Path | str, outputs: list[Path], expected: set[str]) -> Damage:
    copies, torn = read_outputs(outputs)
    articles, rejected = state_marks(state)
    in_quarantine = quarantined([p.with_name(p.name + ".rejected.jsonl") for p in outputs])
    not_durable = len(articles - set(copies)) + len(rejected - in_quarantine)
    return Damage(
        lost=expected - set(copies),
        duplicated=sum(n - 1 for n in copies.values() if n > 1),
        torn=torn,
        marked_not_durable=not_durable,
    )


def resume_until_done(command: list[str], attempts: int = 3) -> subprocess.CompletedProcess:
    for _ in range(attempts):
        done = run_to_end(command)
        if done.returncode == 0:
            return done
    return done


SIGNALS = {"sigkill": signal.SIGKILL, "sigterm": signal.SIGTERM, "sigint": signal.SIGINT}


def scenario_signal(work: Path, sig: int, point: int, delay: float) -> Damage | None:
    state, out = work / "state.sqlite3", work / "out.jsonl"
    command = crawl_command(state, out, delay=delay)
    if not run_interrupted(command, out, point, sig):
        return None
    resume_until_done(command)
    return assess(state, [out], expected_articles())


def scenario_new_file(work: Path, point: int, delay: float) -> Damage | None:
    state, first, second = work / "state.sqlite3", work / "run1.jsonl", work / "run2.jsonl"
    if not run_interrupted(crawl_command(state, first, delay=delay), first, point, signal.SIGKILL):
        return None
    resume_until_done(crawl_command(state, second, delay=delay))
    return assess(state, [first, second], expected_articles())


def mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def unmount(path: Path) -> None:
    subprocess.run(["umount", str(path)], capture_output=True, check=False)


def resize_tmpfs(path: Path, size: str) -> None:
    """Room again on a full tmpfs, as an operator frees space."""
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True)


def fill_disk(folder: Path) -> Path:
    """Fill the file system of `folder` to the last byte (again: the filler grows); the filler
    file, to unlink for room."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def scenario_disk_full(work: Path, point: int, delay: float) -> Damage | None:
    """The output fills a small tmpfs (the state is elsewhere); the next run writes to a
    file with room. `point` is unused: the disk decides where the crawl stops."""
    small = work / "small"
    if not mount_tmpfs(small, "24k"):
        return None
    try:
        state, full, roomy = work / "state.sqlite3", small / "out.jsonl", work / "out2.jsonl"
        failed = run_to_end(crawl_command(state, full, delay=0))
        if failed.returncode != 1:
            raise AssertionError("a crawl onto a full disk did not fail")
        resume_until_done(crawl_command(state, roomy, delay=0))
        return assess(state, [full, roomy], expected_articles())
    finally:
        unmount(small)


# Room for the state's data on the tmpfs it outgrows mid-run, smallest first (KiB); its
# emergency reserve comes on top.
STATE_TMPFS_KIB = (160, 224, 320, 480)


def run_state_out_of_room(small: Path, command: list[str], output: Path) -> Any:
    """Mount the smallest tmpfs at `small` (the folder of the crawl's state) that the state
    outgrows during the crawl, not already while opening, and run the crawl on it: its result,
    the tmpfs left mounted. None when no tmpfs can be mounted or none filled mid-run."""
    from crawler.state.sqlite_store import RESERVE_BYTES

    for kib in STATE_TMPFS_KIB:
        if not mount_tmpfs(small, f"{kib + RESERVE_BYTES // 1024}k"):
            return None
        proc = run_to_end(command)
        if "pages fetched" in proc.stderr.decode():
            return proc
        unmount(small)
        output.unlink(missing_ok=True)
    return None


def run_history(state: Path) -> list[dict]:
    """The SQLite state's run history, newest first, as the store gives it."""
    from crawler.state import StateStore

    store = StateStore(state)
    try:
        return store.runs()
    finally:
        store.close()


def scenario_state_disk_full(work: Path, point: int, delay: float) -> Damage | None:
    """The state fills a small tmpfs mid-run (the output is elsewhere): the run must fail and
    its history row say `failed` with the disk full as its cause (written in the room of the
    state's emergency reserve); with room again the same crawl resumes and makes the reserve
    anew. `point` is unused: the disk decides where the crawl stops."""
    from crawler.state.sqlite_store import RESERVE_BYTES, reserve_path

    small, out = work / "state", work / "out.jsonl"
    state = small / "state.sqlite3"
    command = crawl_command(state, out, delay=0)
    failed = run_state_out_of_room(small, command, out)
    if failed is None:
        return None
    try:
        if failed.returncode != 1:
            raise AssertionError("a crawl whose state filled its disk did not fail")
        faulted = run_history(state)[0]
        if faulted["status"] != "failed" or "disk full" not in (faulted["problem"] or ""):
            raise AssertionError(f"the faulted run is recorded {faulted['status']}: {faulted}")
        resize_tmpfs(small, "4m")
        if resume_until_done(command).returncode != 0:
            raise AssertionError("the resumed crawl did not finish")
        if reserve_path(state).stat().st_size != RESERVE_BYTES:
            raise AssertionError("the resumed crawl did not make the reserve anew")
        return assess(state, [out], expected_articles())
    finally:
        unmount(small)


def redis_client(redis_url: str) -> Any:
    import redis

    return redis.Redis.from_url(redis_url, decode_responses=True)


def redis_out_of_memory(redis_url: str) -> None:
    """Every write refused from now on (`OOM command not allowed`), as on a Redis at its
    `maxmemory` with the `noeviction` policy."""
    with redis_client(redis_url) as client:
        client.config_set("maxmemory-policy", "noeviction")
        client.config_set("maxmemory", 1)


def redis_memory_back(redis_url: str) -> None:
    with redis_client(redis_url) as client:
        client.config_set("maxmemory", 0)


def scenario_redis(work: Path, fault: str, point: int, delay: float) -> Damage | None:
    """A one-worker distributed crawl whose Redis fails under it once `point` records are on
    disk: `redis-down` (the server killed; it is persistent, an append-only file fsynced at
    every write, and is started again) or `redis-oom` (out of memory; memory is given back).
    The crawl must fail at once; the same crawl is then run again until one run finishes."""
    from tests.redis_server import RedisServer

    server = RedisServer(persistent=True).start()
    try:
        out = work / "out.jsonl"
        command = redis_crawl_command(server.url, out, delay=delay)
        if fault == "redis-down":
            break_it, repair = server.kill, server.start
        else:
            break_it = partial(redis_out_of_memory, server.url)
            repair = partial(redis_memory_back, server.url)
        failed = run_faulted(command, out, point, break_it, work / "faulted.log")
        if failed is None:
            return None
        if failed.returncode != 1:
            raise AssertionError(f"{fault}: the crawl did not fail: {failed.last_line()}")
        repair()
        resume_until_done(command)
        return assess(server.url, [out], expected_articles())
    finally:
        server.stop()


def run_scenario(name: str, point: int, delay: float) -> Damage | None:
    with tempfile.TemporaryDirectory(prefix=f"xinwen-faults-{name}-") as tmp:
        work = Path(tmp)
        if name in SIGNALS:
            return scenario_signal(work, SIGNALS[name], point, delay)
        if name == "new-file":
            return scenario_new_file(work, point, delay)
        if name == "disk-full":
            return scenario_disk_full(work, point, delay)
        if name == "state-disk-full":
            return scenario_state_disk_full(work, point, delay)
        if name in ("redis-down", "redis-oom"):
            return scenario_redis(work, name, point, delay)
    raise ValueError(f"unknown scenario {name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", default="1,3,6,9", help="kill points: records on disk")
    parser.add_argument("--delay", type=float, default=0.3, help="DOWNLOAD_DELAY of the crawl")
    parser.add_argument(
        "--scenarios",
        default="sigkill,sigterm,sigint,new-file,disk-full,state-disk-full,redis-down,redis-oom",
        help="comma-separated",
    )
    args = parser.parse_args(argv)
    # tests.redis_server starts the Redis of the redis-* scenarios; crawler is this checkout's.
    sys.path.insert(0, str(REPO))
    points = [int(p) for p in args.points.split(",")]
    header = (
        f"{'scenario':<15} {'runs':>4} {'lost':>5} {'duplicated':>10} {'torn':>5} {'marked':>7}"
    )
    print(header)
    print("-" * len(header))
    bad = 0
    for name in args.scenarios.split(","):
        runs = lost = duplicated = torn = marked = 0
        for point in [points[0]] if name in ("disk-full", "state-disk-full") else points:
            damage = run_scenario(name, point, args.delay)
            if damage is None:
                continue
            runs += 1
            lost += len(damage.lost)
            duplicated += damage.duplicated
            torn += damage.torn
            marked += damage.marked_not_durable
        bad += lost + duplicated + torn + marked
        print(f"{name:<15} {runs:>4} {lost:>5} {duplicated:>10} {torn:>5} {marked:>7}")
    print("(marked: articles or rejected pages marked in the state without a durable line)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
