"""Throughput of a distributed crawl with 1 and 2 workers on one machine.

    python benchmarks/distributed.py [--delay 0.5] [--site hnr] [--rounds 1]

Starts a throw-away redis-server on a free loopback port, then for N = 1 and N = 2 crawls the
bundled offline mirror (a loopback HTTP server per worker) with N `xinwen crawl SITE --offline
--redis …` workers started together, from an empty Redis each time. Every worker waits
`--delay` seconds between two requests to one host and sends one request per host at a time
(`DOWNLOAD_DELAY`, `CONCURRENT_REQUESTS_PER_DOMAIN=1`), as a polite crawl of a real site would:
that delay, not the CPU, bounds one worker, so a second worker can help.

pages/s = pages fetched by all workers / seconds from the start of the workers until the shared
queue is empty and no worker holds a request (watched in Redis every 20 ms); the workers' idle
wait before they exit is not counted, their start-up (Python, Scrapy, mirror) is.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.redis_server import RedisServer  # noqa: E402

XINWEN = Path(sys.executable).with_name("xinwen")


def quiet(client, ns: str) -> bool:
    marker = client.get(f"{ns}:seeded") or b""
    if not marker.startswith(b"seeded") or client.zcard(f"{ns}:requests"):
        return False
    return not any(client.zcard(key) for key in client.keys(f"{ns}:processing:*"))


def run(url: str, site: str, workers: int, delay: float, work: Path) -> dict:
    import redis

    client = redis.Redis.from_url(url)
    client.flushall()
    env = {**os.environ, "XINWEN_STATE": str(work / "state.sqlite3")}
    procs = []
    started = time.monotonic()
    for i in range(workers):
        summary = work / f"w{workers}-{i}.json"
        args = [
            str(XINWEN), "crawl", site, "--offline", "--redis", url,
            "-o", str(work / f"w{workers}-{i}.jsonl"), "-L", "WARNING",
            "-s", f"XINWEN_SUMMARY_PATH={summary}",
            "-s", f"DOWNLOAD_DELAY={delay}", "-s", "RANDOMIZE_DOWNLOAD_DELAY=False",
            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
            "-s", "XINWEN_REDIS_IDLE_SECONDS=2", "-s", "XINWEN_REDIS_PREFETCH=2",
        ]  # fmt: skip
        procs.append((subprocess.Popen(args, env=env, stderr=subprocess.DEVNULL), summary))
    ns = f"xinwen:{site}"
    finished = None
    while any(proc.poll() is None for proc, _ in procs):
        if finished is None and quiet(client, ns):
            finished = time.monotonic()
        time.sleep(0.02)
    finished = finished or time.monotonic()
    pages = []
    for proc, summary in procs:
        if proc.returncode != 0:
            raise SystemExit(f"a worker failed with status {proc.returncode}")
        pages.append(json.loads(summary.read_text("utf-8"))["pages_fetched"])
    lines = [
        json.loads(line)
        for i in range(workers)
        for line in (work / f"w{workers}-{i}.jsonl").read_text("utf-8").splitlines()
    ]
    records = len(lines)
    if len({record["canonical_url"] for record in lines}) != records:
        raise SystemExit("a record was written twice")
    seconds = finished - started
    client.close()
    return {
        "workers": workers,
        "pages": sum(pages),
        "per_worker": pages,
        "records": records,
        "seconds": seconds,
        "pages_per_s": sum(pages) / seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", default="hnr")
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    rows = []
    with RedisServer() as server, tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            for round_ in range(args.rounds):
                work = Path(tmp) / f"{workers}-{round_}"
                work.mkdir()
                rows.append(run(server.url, args.site, workers, args.delay, work))
    print(
        f"offline mirror of {args.site}, DOWNLOAD_DELAY={args.delay}s, one request per host "
        f"at a time, {os.cpu_count()} CPUs"
    )
    print(
        f"{'workers':>7} {'pages':>6} {'per worker':>12} {'records':>8} {'seconds':>8} {'pages/s':>8}"
    )
    for row in rows:
        per = "+".join(map(str, row["per_worker"]))
        print(
            f"{row['workers']:>7} {row['pages']:>6} {per:>12} {row['records']:>8} "
            f"{row['seconds']:>8.1f} {row['pages_per_s']:>8.2f}"
        )


if __name__ == "__main__":
    main()
