"""Memory and time of incremental crawls as the crawl state grows: 0, 10k and 100k known URLs.

For each size a fresh SQLite state is filled with synthetic articles (URLs, fingerprints,
random SimHashes with their band index), then

- a whole offline crawl of the bundled mirror runs against it in a subprocess
  (`xinwen crawl hnr --offline --state S -o out.jsonl`): wall time and the child's peak RSS;
- the lookup path runs in this process: `is_known` for 20k URLs (half known) and
  `find_near_duplicate` for 2k bodies, with the time per lookup and the tracemalloc peak.

Memory must not grow with the state (it stays on disk, behind SQLite's bounded page cache), and
lookups must stay in the microseconds. Run: `python benchmarks/state_memory.py [--sizes 10000,100000]`.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.state import StateStore  # noqa: E402


def synthesise(path: Path, n: int, seed: int = 1) -> float:
    """n known articles in a new state file; returns seconds taken."""
    rng = random.Random(seed)
    started = time.perf_counter()
    store = StateStore(path)
    batch = 5000
    for start in range(0, n, batch):
        with store.transaction():
            for i in range(start, min(n, start + batch)):
                url = f"http://news.hnr.cn/synthetic/article/1/{10**18 + i}"
                record = {
                    "canonical_url": url,
                    "url": url,
                    "fingerprint": f"{rng.getrandbits(128):032x}",
                    "site": "hnr.cn",
                    "published_at": "2022-04-22T18:36:31+08:00",
                }
                store.add_article(record, rng.getrandbits(64))
    store.close()
    return time.perf_counter() - started


def crawl(state: Path, out: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in MiB, exit status) of one offline crawl in a child process."""
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    command = [sys.executable, "-m", "crawler.cli", "crawl", "hnr", "--offline",
               "--state", str(state), "-o", str(out), "-L", "WARNING"]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, proc.returncode


def lookups(state: Path, n_known: int, seed: int = 2) -> tuple[float, float, float]:
    """(µs per is_known, µs per find_near_duplicate, tracemalloc peak in KiB)."""
    rng = random.Random(seed)
    store = StateStore(state)
    urls = [
        f"http://news.hnr.cn/synthetic/article/1/{10**18 + rng.randrange(max(n_known, 1))}"
        if i % 2 or not n_known
        else f"http://news.hnr.cn/unknown/{i}.html"
        for i in range(20_000)
    ]
    hashes = [rng.getrandbits(64) for _ in range(2_000)]
    tracemalloc.start()
    started = time.perf_counter()
    for url in urls:
        store.is_known(url)
    known_us = (time.perf_counter() - started) / len(urls) * 1e6
    started = time.perf_counter()
    for value in hashes:
        store.find_near_duplicate(value)
    near_us = (time.perf_counter() - started) / len(hashes) * 1e6
    peak = tracemalloc.get_traced_memory()[1] / 1024
    tracemalloc.stop()
    store.close()
    return known_us, near_us, peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,10000,100000", help="known URLs per run")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    rows = []
    with tempfile.TemporaryDirectory(prefix="xinwen-bench-") as tmp:
        for n in sizes:
            folder = Path(tmp) / str(n)
            folder.mkdir()
            state = folder / "state.sqlite3"
            fill = synthesise(state, n)
            size_mib = state.stat().st_size / 2**20
            known_us, near_us, peak_kib = lookups(state, n)
            seconds, rss, status = crawl(state, folder / "out.jsonl")
            again, rss_again, status_again = crawl(state, folder / "again.jsonl")
            rows.append((n, size_mib, fill, seconds, rss, again, rss_again, known_us, near_us,
                         peak_kib, status or status_again))  # fmt: skip
    header = (
        f"{'known URLs':>10} | {'state MiB':>9} | {'fill s':>6} | {'crawl s':>7} | "
        f"{'peak RSS MiB':>12} | {'re-run s':>8} | {'re-run RSS MiB':>14} | "
        f"{'is_known µs':>11} | {'near-dup µs':>11} | {'lookup peak KiB':>15} | exit"
    )
    print(header)
    print("-" * len(header))
    for n, size, fill, sec, rss, again, rss2, known, near, peak, status in rows:
        print(
            f"{n:>10,} | {size:>9.1f} | {fill:>6.1f} | {sec:>7.2f} | {rss:>12.1f} | "
            f"{again:>8.2f} | {rss2:>14.1f} | {known:>11.1f} | {near:>11.1f} | {peak:>15.1f} | "
            f"{status}"
        )
    print(
        "\ncrawl: the whole offline mirror (27 pages, 13 records) into a state already holding the"
        " known URLs; re-run: the same command again (nothing new: list pages only)."
        "\nis_known: 20k lookups, half of them known; near-dup: 2k SimHash band queries."
    )
    return 1 if any(row[-1] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
