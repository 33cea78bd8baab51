"""Extraction speed of xinwen, GNE and trafilatura, and of lxml parsing alone (the floor).

    python benchmarks/speed.py [--rounds 5] [--copies 6] [--eval-dir DIR] [--tools ...]
                               [--no-process] [--json]

All tools run in one run on the same pages: the evaluation set's 51 pages (found as
`benchmarks/accuracy.py` finds them). Three measurements:

- **steady state**: each tool runs over every page `--rounds` times in this process, after a
  warm-up round, the tools taking turns round by round; CPU time of this process, the best
  round giving ms per page and the ratios (the median round is printed beside it).
- **first call**: in a fresh interpreter per tool, the time to import the tool and the time of
  its first call on the first page (dateparser, tldextract, lazy tables … are paid here).
- **whole process**: the pages are copied `--copies` times into a temporary folder and
  `xinwen extract DIR` runs as a subprocess, against a subprocess that reads, decodes and
  lxml-parses the same files (the floor, start-up included).

xinwen gets the raw bytes and the page URL (it detects the encoding itself, inside the timing);
the peers and the floor get the page already decoded (UTF-8, else GB18030, outside the timing),
as `benchmarks/accuracy.py` feeds them. Targets, whole process and per page: xinwen ≤ 0.3 of
GNE's time, ≤ 0.2 of trafilatura's; per page ≤ 8x the lxml floor. The peers' whole-process runs
are this script in a child mode (`--over TOOL DIR`): it reads, decodes and extracts every file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

import accuracy  # noqa: E402  (benchmarks/accuracy.py: eval set location, peer runners)

TOOLS = ("xinwen", "gne", "trafilatura", "lxml")
# xinwen's time divided by the tool's must stay at or under this.
TARGETS = {"gne": 0.3, "trafilatura": 0.2, "lxml": 8.0}
TARGET_TEXT = {"gne": "≤ 0.3", "trafilatura": "≤ 0.2", "lxml": "≤ 8"}


# ------------------------------------------------------------------------------ the runners
def runner(tool: str) -> Callable[[bytes, str, str], object]:
    """A function (raw bytes, decoded text, url) -> anything, for one tool."""
    if tool == "xinwen":
        from crawler.extract import ParseError, extract

        def run_xinwen(body: bytes, text: str, url: str) -> object:
            try:
                return extract(body, url)
            except ParseError:
                return None

        return run_xinwen
    if tool == "gne":
        from gne import GeneralNewsExtractor

        extractor = GeneralNewsExtractor()
        return lambda body, text, url: extractor.extract(text)
    if tool == "trafilatura":
        import trafilatura

        def run_trafilatura(body: bytes, text: str, url: str) -> object:
            return trafilatura.bare_extraction(
                text,
                url=url if url.startswith("http") else None,
                with_metadata=True,
                date_extraction_params=accuracy.TRAFILATURA_DATE_PARAMS,
            )

        return run_trafilatura
    if tool == "lxml":
        import lxml.html

        return lambda body, text, url: lxml.html.document_fromstring(text)
    raise ValueError(tool)


def load_pages(directory: Path) -> list[tuple[bytes, str, str]]:
    pages = []
    for item in accuracy.load_truth(directory):
        body = (directory / item["file"]).read_bytes()
        pages.append((body, accuracy.decode_for_peer(body), accuracy.page_url(item, directory)))
    return pages


def steady_state(tools: list[str], pages: list, rounds: int) -> dict[str, dict[str, float]]:
    """ms per page of each tool: the best and the median of `rounds` rounds over every page,
    after one warm-up round. Times are this process's CPU time (a busy neighbour on a shared
    machine does not count), and rounds alternate between the tools, so that what disturbance
    remains (caches, clock speed) falls on them all alike; the best round is the least
    disturbed one."""
    runs = {tool: runner(tool) for tool in tools}
    for run in runs.values():  # warm-up
        for body, text, url in pages:
            run(body, text, url)
    totals: dict[str, list[float]] = {tool: [] for tool in tools}
    for _ in range(rounds):
        for tool, run in runs.items():
            started = time.process_time()
            for body, text, url in pages:
                run(body, text, url)
            totals[tool].append(time.process_time() - started)
    return {
        tool: {
            "best": min(values) * 1000 / len(pages),
            "median": statistics.median(values) * 1000 / len(pages),
        }
        for tool, values in totals.items()
    }


def first_call(tool: str, directory: Path) -> dict[str, float]:
    """Import and first-call cost in a fresh interpreter (nothing shared with other tools)."""
    completed = subprocess.run(
        [sys.executable, __file__, "--cold", tool, "--eval-dir", str(directory)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def cold(tool: str, directory: Path) -> None:
    """Child mode of first_call: print {"import_ms", "first_ms", "second_ms"}."""
    pages = load_pages(directory)
    started = time.perf_counter()
    run = runner(tool)
    imported = time.perf_counter()
    run(*pages[0])
    first = time.perf_counter()
    run(*pages[1])
    second = time.perf_counter()
    print(
        json.dumps(
            {
                "import_ms": (imported - started) * 1000,
                "first_ms": (first - imported) * 1000,
                "second_ms": (second - first) * 1000,
            }
        )
    )


# ------------------------------------------------------------------------------ whole process
FLOOR_SCRIPT = """
import sys, os, lxml.html
def decode(body):
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("gb18030", errors="replace")
folder = sys.argv[1]
for name in sorted(os.listdir(folder)):
    with open(os.path.join(folder, name), "rb") as handle:
        lxml.html.document_fromstring(decode(handle.read()))
"""


def xinwen_command() -> list[str]:
    script = Path(sys.executable).with_name("xinwen")
    if script.exists():
        return [str(script), "extract"]
    return [sys.executable, "-c", "import sys; from crawler.cli import main; sys.exit(main())"]


def over(tool: str, folder: Path) -> None:
    """Child mode of whole_process: run a peer over every file of the folder, as its own
    script would (read, decode, extract)."""
    run = runner(tool)
    for path in sorted(folder.iterdir()):
        body = path.read_bytes()
        run(body, accuracy.decode_for_peer(body), path.resolve().as_uri())


def whole_process(directory: Path, copies: int, peers: list[str]) -> dict:
    """`xinwen extract` over copies x the pages vs the peers' runs and a subprocess parsing
    them with lxml."""
    files = sorted(p for p in (directory / "pages").iterdir() if p.is_file())
    with tempfile.TemporaryDirectory(prefix="xinwen-speed-") as tmp:
        folder = Path(tmp, "pages")
        folder.mkdir()
        for copy in range(copies):
            for path in files:
                shutil.copyfile(path, folder / f"{copy:02d}-{path.name}")
        count = len(files) * copies

        def timed(command: list[str]) -> tuple[float, float, int]:
            """Wall seconds, CPU seconds (user + system) and exit status of the command."""
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
            )
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            return wall, cpu, done.returncode

        startup = timed([sys.executable, "-c", "pass"])
        floor = timed([sys.executable, "-c", FLOOR_SCRIPT, str(folder)])
        xinwen = timed([*xinwen_command(), str(folder)])
        single = timed([*xinwen_command(), str(files[0])])
        peer_runs = {
            tool: timed([sys.executable, __file__, "--over", tool, str(folder)])[:2]
            for tool in peers
        }
    return {
        "peers": peer_runs,
        "files": count,
        "python_startup": startup[:2],
        "floor": floor[:2],
        "xinwen": xinwen[:2],
        "xinwen_status": xinwen[2],
        "xinwen_one_file": single[:2],
    }


# ------------------------------------------------------------------------------ printing
def verdict(tool: str, ratio: float) -> str:
    return "ok" if ratio <= TARGETS[tool] else "MISSED"


def report(result: dict) -> str:
    lines = [
        f"speed: {result['pages']} pages from {result['eval_dir']}, {result['rounds']} rounds, "
        f"{result['date']}, {result['machine']}",
        "",
        "| tool | CPU ms/page (best) | (median) | import ms | first call ms "
        "| xinwen ratio | target |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    steady = {tool: value["best"] for tool, value in result["steady"].items()}
    firsts = result["first_call"]
    for tool in result["tools"]:
        cold_cost = firsts.get(tool, {})
        ratio = ""
        target = ""
        if tool != "xinwen" and "xinwen" in steady:
            value = steady["xinwen"] / steady[tool]
            ratio = f"{value:.3f}"
            target = f"{TARGET_TEXT[tool]} {verdict(tool, value)}"
        lines.append(
            f"| {tool} | {steady[tool]:.2f} | {result['steady'][tool]['median']:.2f} | "
            f"{cold_cost.get('import_ms', 0):.0f} | "
            f"{cold_cost.get('first_ms', 0):.1f} | {ratio} | {target} |"
        )
    process = result.get("process")
    if process:
        n = process["files"]
        xinwen, floor = process["xinwen"], process["floor"]
        ratio = xinwen[1] / floor[1]
        lines += [
            "",
            f"whole process, {n} files (python start-up alone "
            f"{process['python_startup'][0]:.2f} s):",
            "",
            "| command | wall s | CPU s | CPU ms/page |",
            "| --- | --- | --- | --- |",
            f"| xinwen extract DIR (exit {process['xinwen_status']}) | {xinwen[0]:.2f} "
            f"| {xinwen[1]:.2f} | {xinwen[1] * 1000 / n:.2f} |",
            f"| python: read, decode, lxml-parse each file | {floor[0]:.2f} | {floor[1]:.2f} "
            f"| {floor[1] * 1000 / n:.2f} |",
            f"| xinwen extract ONE_FILE | {process['xinwen_one_file'][0]:.2f} "
            f"| {process['xinwen_one_file'][1]:.2f} | |",
            *(
                f"| {tool} over DIR | {peer[0]:.2f} | {peer[1]:.2f} | {peer[1] * 1000 / n:.2f} |"
                for tool, peer in process["peers"].items()
            ),
            "",
            *(
                f"whole process: xinwen/{tool} CPU ratio {xinwen[1] / peer[1]:.3f} "
                f"(target {TARGET_TEXT[tool]}: {verdict(tool, xinwen[1] / peer[1])})"
                for tool, peer in process["peers"].items()
            ),
            f"whole process: xinwen/lxml CPU ratio {ratio:.2f} (target ≤ 8: "
            f"{'ok' if ratio <= 8 else 'MISSED'})",
        ]
    if "xinwen" in steady:
        parts = [
            f"{tool} {steady['xinwen'] / steady[tool]:.3f}"
            for tool in result["tools"]
            if tool != "xinwen"
        ]
        lines.append(f"speed: xinwen {steady['xinwen']:.2f} ms/page; ratio to " + ", ".join(parts))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tools", default=",".join(TOOLS), help=",".join(TOOLS))
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per tool")
    parser.add_argument("--copies", type=int, default=6, help="copies of the set (whole process)")
    parser.add_argument("--eval-dir", help="folder with truth.jsonl and pages/")
    parser.add_argument("--no-process", action="store_true", help="skip the whole-process run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--cold", help=argparse.SUPPRESS)
    parser.add_argument("--over", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    directory = accuracy.eval_dir(args.eval_dir)
    if directory is None:
        print("evaluation set not found: set XINWEN_EVAL_DIR or use --eval-dir", file=sys.stderr)
        return 2
    if args.over:
        over(args.over[0], Path(args.over[1]))
        return 0
    if args.cold:
        cold(args.cold, directory)
        return 0
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in tools if t not in TOOLS]
    if unknown:
        parser.error(f"unknown tools: {unknown}; choose from {', '.join(TOOLS)}")
    pages = load_pages(directory)
    result: dict = {
        "eval_dir": str(directory),
        "pages": len(pages),
        "rounds": args.rounds,
        "date": date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "tools": tools,
        "first_call": {tool: first_call(tool, directory) for tool in tools},
        "steady": steady_state(tools, pages, args.rounds),
    }
    if not args.no_process and "xinwen" in tools:
        peers = [tool for tool in tools if tool in ("gne", "trafilatura")]
        result["process"] = whole_process(directory, args.copies, peers)
    print(json.dumps(result, indent=1) if args.json else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
