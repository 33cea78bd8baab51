"""Rendering cost: static pages against pages rendered in headless Chromium, side by side.

    python benchmarks/render.py [--pages 1000] [--memory-pages 500] [--rounds 2]

Builds an offline mirror in a temporary folder: one list page linking `--pages` article URLs of
the 2021 template, each served from one of two fixture files of `fixtures/hnr/`: a static article
(`pds-seed-republished`) or an app shell whose article is inserted by script from inline data
(`jpyc-script-inline`). Every crawl is `xinwen crawl hnr --offline` in a subprocess with the
project's settings (extraction, validation, duplicates, export), AutoThrottle off, no delay,
rendering `auto`, the mirror served by a loopback MirrorServer in this process:

- **static**: every article static;
- **rendered**: every article an app shell (each is fetched, found empty, rendered);
- **mixed**: 10 % of the articles app shells, the rest static (the issue's case: ratio to static,
  target >= 0.5);
- **memory**: `--memory-pages` app shells; the resident memory of the crawl process and all its
  descendants (the Playwright driver, Chromium and its renderers) sampled every 0.25 s; printed
  at each tenth of the run, with the peak of the first and of the second half.

Pages per second = article records written / the crawl's `elapsed_time_seconds` (an app shell
costs its static fetch, its parse and its rendering); the best of `--rounds`. A crawl that
renders pays once for starting Chromium and its first pages (about 2 s here): 1000 articles
make a crawl in which that start is a small part, as in a scheduled crawl of a site; with
`--pages 200` (a 4-second crawl) the start is most of the difference.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from crawler.crawl.mirror import MirrorServer  # noqa: E402

FIXTURE = REPO / "fixtures" / "hnr"
STATIC_FILE = FIXTURE / "mirror/pds.hnr.cn/xwzx/article/1/1517452279542747138"
LIST_URL = "http://news.hnr.cn/bench/"
FIRST_ID = 1522400882979000000


def shell_file() -> Path:
    manifest = json.loads((FIXTURE / "manifest.json").read_text(encoding="utf-8"))
    (page,) = [
        p
        for p in manifest["pages"]
        if p["template"] == "2021-script" and p["kind"] == "article" and "inline" in p["note"]
    ] or [None]
    return FIXTURE / page["file"]


def build_mirror(root: Path, pages: int, shell_every: int | None) -> None:
    """`pages` articles; every `shell_every`-th is an app shell (None: none, 1: all)."""
    site = root / "hnr"
    (site / "mirror").mkdir(parents=True)
    static, shell = STATIC_FILE.read_bytes(), shell_file().read_bytes()
    (site / "mirror/static.html").write_bytes(static)
    (site / "mirror/shell.html").write_bytes(shell)
    urls = [f"http://news.hnr.cn/jpyc/article/1/{FIRST_ID + i}" for i in range(pages)]
    links = "".join(f'<a href="{u}">第{i}条</a>\n' for i, u in enumerate(urls))
    (site / "mirror/list.html").write_text(
        f"<html><head><meta charset='utf-8'><title>测试</title></head><body>{links}</body></html>",
        encoding="utf-8",
    )
    (site / "mirror/robots.txt").write_text("User-agent: *\nDisallow: /admin/\n")
    entries = [
        {"url": LIST_URL, "file": "mirror/list.html", "content_type": "text/html; charset=utf-8"},
        {"url": "http://news.hnr.cn/robots.txt", "file": "mirror/robots.txt"},
    ]
    for i, url in enumerate(urls):
        is_shell = shell_every is not None and i % shell_every == 0
        entries.append(
            {
                "url": url,
                "file": "mirror/shell.html" if is_shell else "mirror/static.html",
                "content_type": "text/html; charset=utf-8",
            }
        )
    (site / "manifest.json").write_text(json.dumps({"pages": entries}), encoding="utf-8")


def descendants_rss(pid: int) -> int:
    """Resident bytes of `pid` and every process below it."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(entry.name))
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        rss[int(entry.name)] = int(match.group(1)) * 1024 if match else 0
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo += children.get(current, [])
    return total


def crawl(root: Path, sample: bool = False) -> dict:
    out = root / "out.jsonl"
    tmp = Path(tempfile.mkdtemp(prefix="xwb-", dir="/tmp"))
    env = dict(os.environ, TMPDIR=str(tmp), PYTHONPATH=str(REPO))
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    with MirrorServer.for_site("hnr", root) as mirror:
        command = [
            sys.executable, "-m", "crawler.cli", "crawl", "hnr", "--offline", "-O", str(out),
            "--state", ":memory:", "-a", f"channels={LIST_URL}",
            "-s", f"XINWEN_MIRROR_PROXY={mirror.proxy_url}", "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=INFO",
        ]  # fmt: skip
        proc = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        samples: list[tuple[float, int]] = []
        started = time.monotonic()

        def watch() -> None:
            while proc.poll() is None:
                samples.append((time.monotonic() - started, descendants_rss(proc.pid)))
                time.sleep(0.25)

        watcher = threading.Thread(target=watch, daemon=True)
        if sample:
            watcher.start()
        stderr = proc.stderr.read().decode("utf-8", "replace")
        proc.wait()
        if sample:
            watcher.join()
    shutil.rmtree(tmp, ignore_errors=True)
    match = re.search(r"Dumping Scrapy stats:\n(\{.*?\})\n", stderr, re.DOTALL)
    if proc.returncode != 0 or not match:
        raise RuntimeError(f"crawl failed ({proc.returncode}):\n{stderr[-3000:]}")
    stats = ast.literal_eval(re.sub(r"datetime\.datetime\([^)]*\)", "None", match.group(1)))
    articles = stats.get("xinwen/requests/article", 0)
    return {
        "articles": articles,
        "rendered": stats.get("xinwen/render/pages", 0),
        "records": stats.get("xinwen/validated_count", 0),
        "seconds": stats["elapsed_time_seconds"],
        "pages_per_second": stats.get("xinwen/validated_count", 0) / stats["elapsed_time_seconds"],
        "samples": samples,
    }


def best(kind: str, pages: int, shell_every: int | None, rounds: int) -> dict:
    results = []
    for round_ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="xinwen-render-bench-") as folder:
            build_mirror(Path(folder), pages, shell_every)
            result = crawl(Path(folder))
        print(
            f"  {kind} round {round_ + 1}: {result['articles']} articles, "
            f"{result['rendered']} rendered, {result['records']} records, "
            f"{result['pages_per_second']:.1f} pages/s",
            flush=True,
        )
        results.append(result)
    return max(results, key=lambda r: r["pages_per_second"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--rendered-pages", type=int, default=100)
    parser.add_argument("--memory-pages", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    static = best("static", args.pages, None, args.rounds)
    rendered = best("rendered", args.rendered_pages, 1, args.rounds)
    mixed = best("mixed", args.pages, 10, args.rounds)
    print()
    print("| crawl | records | rendered | pages/s |")
    print("| --- | --- | --- | --- |")
    for name, r in (("static", static), ("rendered", rendered), ("mixed 10 %", mixed)):
        print(f"| {name} | {r['records']} | {r['rendered']} | {r['pages_per_second']:.1f} |")
    ratio = mixed["pages_per_second"] / static["pages_per_second"]
    print(f"\nmixed / static: {ratio:.2f} (target >= 0.5)")

    if args.memory_pages:
        with tempfile.TemporaryDirectory(prefix="xinwen-render-bench-") as folder:
            build_mirror(Path(folder), args.memory_pages, 1)
            result = crawl(Path(folder), sample=True)
        samples = result["samples"]
        print(
            f"\nmemory over {result['rendered']} rendered pages "
            f"({result['seconds']:.0f} s): crawl + driver + Chromium, MB"
        )
        if samples:
            end = samples[-1][0]
            marks = []
            for tenth in range(1, 11):
                upto = [rss for t, rss in samples if t <= end * tenth / 10]
                marks.append(f"{max(upto) / 2**20:.0f}" if upto else "-")
            print("  peak by tenth of the run: " + " ".join(marks))
            half = [rss for t, rss in samples if t <= end / 2]
            second = [rss for t, rss in samples if t > end / 2]
            print(
                f"  peak first half {max(half) / 2**20:.0f} MB, "
                f"second half {max(second or half) / 2**20:.0f} MB"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
