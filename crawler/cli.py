"""The `xinwen` command line.

xinwen crawl SITE [--offline] [-o PATH[:FORMAT]]... [-O PATH] [--state PATH] [--fresh] ...
xinwen sites                           the site profiles and their channels
xinwen extract [--url URL] PATH...     records from saved pages, mirrors and WARC archives
xinwen validate FILE|DIR...            check JSONL datasets against the schema
xinwen report FILE|DIR... [--png P] [--html P]   describe a dataset
xinwen schema                          the record's JSON Schema

Usage errors (an unknown option, a bad value, an unsupported output format) are one line on
standard error and exit status 2; a crawl that failed exits 1.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
# What a crawl shows on the terminal without -L: warnings (and the progress line, the summary).
QUIET_LOG_LEVEL = "WARNING"
EXAMPLES = """\
examples:
  xinwen crawl hnr --offline -o out/hnr.jsonl       the bundled 映象网 mirror, no internet
  xinwen crawl hnr -o data/ --state hnr.sqlite3     hourly: only new articles, one file a day
  xinwen crawl hnr -O hnr.csv -a channels=djn --since 7d
  xinwen extract saved/page.html > records.jsonl
  xinwen validate data/ && xinwen report data/ --html report.html
"""


class UsageError(ValueError):
    """A command line that cannot run: one line on standard error, exit status 2."""


def _err(line: str) -> None:
    sys.stderr.buffer.write(line.encode("utf-8") + b"\n")
    sys.stderr.buffer.flush()


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (exit 2) instead of the usage block."""

    def error(self, message: str) -> Any:
        _err(f"{self.prog}: {message} (see {self.prog} --help)")
        sys.exit(EXIT_USAGE)


def package_version() -> str:
    try:
        return version("xinwen")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


# -- sites -----------------------------------------------------------------------------------


def site_profiles() -> list[Any]:
    """Every usable site profile (crawler/sites/*.toml, $XINWEN_SITES_DIR), by name."""
    from crawler.sites.profile import load_profiles

    return [profile.site() for _, profile in sorted(load_profiles().found.items())]


def cmd_sites(args: argparse.Namespace) -> int:
    """`xinwen sites`: like `scrapy list`, with each profile's domains and channels."""
    for site in site_profiles():
        print(f"{site.name}  ({', '.join(site.allowed_domains)})")
        for name, url in site.channels.items():
            default = "  *" if name in site.default_channels else ""
            print(f"  {name:<12} {url}{default}")
    print("* crawled when -a channels= is not given")
    return EXIT_OK


# -- extract ---------------------------------------------------------------------------------


def cmd_extract(args: argparse.Namespace) -> int:
    """`xinwen extract`: saved pages, directories, globs, WARC/ARC archives or `-` (stdin)."""
    from crawler.datasets.archives import run_extract

    return run_extract(args)


# -- crawl: outputs --------------------------------------------------------------------------

# Output formats by the name given after `:` or taken from the file's extension.
OUTPUT_FORMATS = {
    "jsonl": "jsonlines",
    "jsonlines": "jsonlines",
    "jl": "jsonlines",
    "ndjson": "jsonlines",
    "json": "json",
    "csv": "csv",
    "xml": "xml",
}
GZIP_PLUGIN = "scrapy.extensions.postprocessing.GzipPlugin"
_FORMAT_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*")


@dataclass(frozen=True)
class Output:
    """One `-o`/`-O` value: where, in which format, compressed or not."""

    given: str
    target: str  # a path, or "-" for standard output
    format: str  # a FEED_EXPORTERS name
    gzip: bool
    overwrite: bool
    partitioned: bool  # DIR/: one file per site and publish day

    @property
    def stdout(self) -> bool:
        return self.target == "-"

    def describe(self) -> str:
        where = "standard output" if self.stdout else self.target
        kind = "jsonl" if self.format == "jsonlines" else self.format
        if self.partitioned:
            kind = "jsonl, DIR/<site>/<day>.jsonl"
        return f"{where} ({kind}{', gzip' if self.gzip else ''})"


def parse_output(value: str, overwrite: bool) -> Output:
    """`-o`/`-O` as `scrapy crawl` reads them: `PATH:FORMAT` or the format from the extension,
    `.gz` compressed, `-` standard output, and here also `DIR/` (partitioned JSON lines)."""
    target, fmt = value, None
    head, sep, tail = value.rpartition(":")
    if sep and head and _FORMAT_WORD_RE.fullmatch(tail):
        if tail.lower() not in OUTPUT_FORMATS:
            raise UsageError(f"unsupported output format {tail!r} in {value!r}{_formats()}")
        target, fmt = head, OUTPUT_FORMATS[tail.lower()]
    if not target:
        raise UsageError("an empty output name")
    partitioned = target != "-" and (target.endswith(("/", os.sep)) or Path(target).is_dir())
    compressed = target.endswith(".gz")
    if partitioned:
        if overwrite:
            raise UsageError(f"-O replaces a file; {target} is a directory (use -o DIR/)")
        if fmt not in (None, "jsonlines"):
            raise UsageError(f"a directory output ({target}) is JSON lines, not {fmt}")
        fmt = "jsonlines"
    if fmt is None:
        if target == "-":
            fmt = "jsonlines"
        else:
            suffix = Path(target[: -len(".gz")] if compressed else target).suffix
            if suffix.lstrip(".").lower() not in OUTPUT_FORMATS:
                what = f"extension {suffix!r}" if suffix else "no extension"
                raise UsageError(
                    f"cannot tell the format of {target!r} ({what}): name it .jsonl, .json or "
                    f".csv (.gz to compress), or add :FORMAT{_formats()}"
                )
            fmt = OUTPUT_FORMATS[suffix.lstrip(".").lower()]
    return Output(value, target, fmt, compressed, overwrite and target != "-", partitioned)


def _formats() -> str:
    return f"; formats: {', '.join(sorted(OUTPUT_FORMATS))}"


def crawl_feeds(outputs: list[Output]) -> dict[str, dict]:
    """The FEEDS setting for the outputs. JSON-lines files go through the durable feed storage
    (pipelines/export.py): a record counts as seen only once its line is on disk."""
    from pipelines.schema import Article

    feeds: dict[str, dict] = {}
    for output in outputs:
        if output.stdout:
            uri = "stdout:"
        else:
            uri = str(Path(output.target).resolve()) + ("/" if output.partitioned else "")
        options: dict[str, Any] = {
            "format": output.format,
            "encoding": "utf-8",
            "fields": list(Article.model_fields),
            "overwrite": output.overwrite,
            "xinwen_partitioned": output.partitioned,
        }
        if output.gzip:
            options["postprocessing"] = [GZIP_PLUGIN]
        if uri in feeds:
            raise UsageError(f"{output.given} is given twice")
        feeds[uri] = options
    return feeds


# -- crawl: settings -------------------------------------------------------------------------


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"{option} expects NAME=VALUE, not {value!r}")
        pairs[name.strip()] = setting
    return pairs


def project_settings():
    """Scrapy settings of this project, wherever the command runs from."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    return get_project_settings()


def crawl_window(args: argparse.Namespace, spider_args: dict[str, str]) -> None:
    """--since/--until into spider arguments; since after until is a usage error."""
    from crawler.crawl.incremental import parse_when

    when = {}
    for name in ("since", "until"):
        value = getattr(args, name)
        if value is None:
            continue
        if name in spider_args:
            raise UsageError(f"give --{name} or -a {name}=, not both")
        try:
            when[name] = parse_when(value)
        except ValueError as exc:
            raise UsageError(f"--{name}: {exc}") from None
        spider_args[name] = when[name].isoformat()
    if len(when) == 2 and when["since"] > when["until"]:
        raise UsageError(f"--since {args.since} is after --until {args.until}")


def state_path(args: argparse.Namespace) -> str:
    """The crawl state: --state; an offline (demo) crawl without it keeps none, so that each
    try of the mirror starts afresh; else $XINWEN_STATE or ~/.local/state/xinwen/."""
    from crawler.state import MEMORY, default_state_path

    if args.state is None:
        return MEMORY if args.offline else str(default_state_path())
    if args.state == MEMORY:
        return MEMORY
    return str(Path(args.state).expanduser().resolve())


def forget_state(path: str) -> bool:
    """--fresh: remove the state file (and SQLite's journal files and the emergency reserve)
    unless a crawl holds it. Whether there was one."""
    from crawler.state import StateStore
    from crawler.state.sqlite_store import reserve_path

    store = StateStore(path, lock=True)  # raises StateLocked while another crawl runs
    store.close()
    removed = False
    reserve = str(reserve_path(Path(path)))
    for name in (path, path + "-wal", path + "-shm", path + "-journal", reserve):
        if os.path.exists(name):
            os.unlink(name)
            removed = True
    return removed


def check_spider_arguments(spider_class: Any, spider_args: dict[str, str]) -> None:
    """A spider built from the arguments before the crawl, so that `-a max_pages=abc` is a
    usage error rather than a failed crawl. A broken profile is no usage error: it is left
    for the crawl to report (exit 1)."""
    from crawler.sites.profile import ProfileError

    try:
        spider_class(**spider_args)
    except ProfileError:
        return
    except (TypeError, ValueError) as exc:
        given = " ".join(f"-a {k}={v}" for k, v in spider_args.items())
        raise UsageError(f"{given}: {exc}") from None


# -- crawl: the terminal ---------------------------------------------------------------------


class ProgressLine:
    """A one-line progress display on a terminal: pages, records, rejected, pages per second,
    redrawn every `interval` seconds and cleared at the end (Scrapy extension; the CLI adds it
    when standard error is a terminal and no log level is asked for)."""

    def __init__(self, crawler: Any, stream: Any, interval: float = 1.0) -> None:
        self.crawler = crawler
        self.stream = stream
        self.interval = interval
        self.task: Any = None
        self.started: float | None = None
        self.shown = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressLine:
        from scrapy import signals

        ext = cls(crawler, sys.stderr)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def filter(self, record: logging.LogRecord) -> bool:
        """A log line clears the progress line first (a logging filter of the root handlers),
        so that a warning starts on a line of its own; the next draw puts it back."""
        self.clear()
        return True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False

    def spider_opened(self, spider: Any) -> None:
        import time

        from twisted.internet import task

        for handler in logging.getLogger().handlers:
            handler.addFilter(self)
        self.started = time.monotonic()
        self.task = task.LoopingCall(self.draw)
        self.task.start(self.interval, now=False)

    def line(self, elapsed: float) -> str:
        stats = self.crawler.stats.get_stats()
        pages = stats.get("response_received_count", 0) - stats.get("robotstxt/response_count", 0)
        rejected = sum(v for k, v in stats.items() if k.startswith("xinwen/rejected/"))
        records = stats.get("item_scraped_count", 0)
        rate = pages / elapsed if elapsed > 0 else 0.0
        return f"pages {pages}  records {records}  rejected {rejected}  {rate:.1f} pages/s"

    def draw(self) -> None:
        import time

        elapsed = time.monotonic() - (self.started or time.monotonic())
        self.stream.write("\r\x1b[K" + self.line(elapsed))
        self.stream.flush()
        self.shown = True

    def spider_closed(self, spider: Any) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        for handler in logging.getLogger().handlers:
            handler.removeFilter(self)
        self.clear()


def log_settings(args: argparse.Namespace) -> dict[str, Any]:
    """Without -L: warnings only (Scrapy's start-up dumps and per-page lines hidden); -L brings
    Scrapy's log back at that level; --logfile sends it to a file (default level INFO)."""
    level = args.loglevel or ("INFO" if args.logfile else QUIET_LOG_LEVEL)
    settings: dict[str, Any] = {"LOG_LEVEL": level}
    if args.logfile:
        settings["LOG_FILE"] = str(Path(args.logfile).resolve())
        settings["LOG_FILE_APPEND"] = True
    if args.loglevel is None and not args.logfile:
        settings["LOG_FORMAT"] = "%(levelname)s: %(message)s"
    return settings


def summary_lines(
    summary: dict[str, Any] | None,
    outputs: list[Output],
    state: str,
    quarantine: str | None = None,
) -> list[str]:
    """What the CLI adds below the crawl summary: where the records, the rejected pages and
    the state went."""
    from crawler.state import MEMORY

    lines = []
    if outputs:
        lines.append(f"  written to       {'; '.join(o.describe() for o in outputs)}")
    if summary and summary.get("rejected"):
        where = quarantine or "logged above (no output file to put them beside)"
        lines.append(f"  rejected pages   {where}")
    known = summary and (summary.get("skipped_known") or summary.get("lists_stopped"))
    if state == MEMORY:
        if known:
            lines.append(
                "  state            none kept: the known articles are those already in the"
                " -o file (-O or a new file writes them all)"
            )
    else:
        lines.append(f"  state            {state}")
        if known:
            lines.append("                   known articles are skipped; --fresh starts afresh")
    return lines


def cmd_crawl(args: argparse.Namespace) -> int:
    from scrapy.crawler import CrawlerProcess
    from scrapy.spiderloader import get_spider_loader

    from crawler.crawl.extensions import CrawlSummary, RunRecorder, crawl_failed, format_summary
    from crawler.state import MEMORY, StateError, StateLocked
    from pipelines.export import OutputError
    from pipelines.quarantine import default_quarantine_path

    if args.sites:  # read by crawler/sites/profile.py, here and in the extraction processes
        folders = [str(Path(folder).resolve()) for folder in args.sites]
        os.environ["XINWEN_SITES_DIR"] = os.pathsep.join(
            filter(None, [os.environ.get("XINWEN_SITES_DIR", ""), *folders])
        )
    settings = project_settings()
    try:
        settings_pairs = _pairs(args.set, "-s")
        spider_args = _pairs(args.arg, "-a")
        loader = get_spider_loader(settings)
        if args.site not in loader.list():
            known = ", ".join(loader.list())
            raise UsageError(f"unknown site {args.site!r} (known: {known}; see xinwen sites)")
        crawl_window(args, spider_args)
        outputs = [parse_output(v, False) for v in args.output]
        outputs += [parse_output(v, True) for v in args.overwrite]
        if not outputs:  # without -o the records go where `xinwen extract` puts them
            outputs = [parse_output("-", False)]
        feeds = crawl_feeds(outputs)
        check_spider_arguments(loader.load(args.site), spider_args)
    except UsageError as exc:
        _err(f"xinwen crawl: {exc}")
        return EXIT_USAGE

    state = state_path(args)
    if args.fresh and state != MEMORY:
        try:
            if forget_state(state):
                _err(f"xinwen crawl: --fresh: removed the crawl state {state}")
        except StateLocked as exc:
            _err(f"xinwen crawl {args.site}: could not run: {exc}")
            return EXIT_FAILED

    for name, value in log_settings(args).items():
        settings.set(name, value, priority="cmdline")
    settings.set("XINWEN_SUMMARY_LOG", False, priority="cmdline")  # printed below instead
    settings.set("XINWEN_STATE_PATH", state, priority="cmdline")
    settings.set("XINWEN_RUN_ARGV", ["xinwen", *args.argv], priority="cmdline")
    if args.offline:
        settings.set("XINWEN_OFFLINE_ENABLED", True, priority="cmdline")
    if args.redis:  # a worker of a distributed crawl (crawler/distributed.py)
        settings.set("XINWEN_REDIS_URL", args.redis, priority="cmdline")
    if args.warc:
        settings.set("XINWEN_WARC_PATH", str(Path(args.warc).resolve()), priority="cmdline")
    settings.set("FEEDS", feeds, priority="cmdline")
    if args.loglevel is None and not args.logfile and sys.stderr.isatty():
        extensions = dict(settings.getdict("EXTENSIONS"))
        extensions[f"{__name__}.ProgressLine"] = 900
        settings.set("EXTENSIONS", extensions, priority="cmdline")
    for name, value in settings_pairs.items():
        settings.set(name, value, priority="cmdline")

    process = CrawlerProcess(settings)
    failures: list[str] = []
    try:
        crawler = process.create_crawler(args.site)
    except (StateError, OutputError) as exc:
        _err(f"xinwen crawl {args.site}: could not run: {exc}")
        return EXIT_FAILED

    def crawl_error(failure):
        failures.append(failure.getErrorMessage() or repr(failure.value))

    process.crawl(crawler, **spider_args).addErrback(crawl_error)
    process.start()

    if failures:
        _err(f"xinwen crawl {args.site}: could not run: {failures[0]}")
        return EXIT_FAILED
    summary = None
    manifest_path = None
    for ext in getattr(crawler.extensions, "middlewares", ()):
        if isinstance(ext, CrawlSummary):
            summary = ext.summary
        if isinstance(ext, RunRecorder):
            manifest_path = ext.manifest_path
    stats = crawler.stats.get_stats() if crawler.stats else {}
    problem = crawl_failed(stats)
    if summary is not None:
        _err(format_summary(summary, failed=problem is not None))
    quarantine = (
        settings.get("XINWEN_QUARANTINE_PATH") or default_quarantine_path(feeds, args.site)[0]
    )
    for line in summary_lines(summary, outputs, state, quarantine and str(quarantine)):
        _err(line)
    if manifest_path is not None:
        _err(f"  manifest         {manifest_path}")
    if problem:
        _err(f"xinwen crawl {args.site}: failed: {problem}")
        return EXIT_FAILED
    return EXIT_OK


# -- datasets --------------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    from crawler.datasets.dataset import run_validate

    return run_validate(args)


def cmd_report(args: argparse.Namespace) -> int:
    from crawler.datasets.report import run_report

    return run_report(args)


# -- schema ----------------------------------------------------------------------------------


def cmd_schema(args: argparse.Namespace) -> int:
    from pipelines.schema import json_schema_text

    sys.stdout.buffer.write(json_schema_text().encode("utf-8"))
    return EXIT_OK


# -- the parser ------------------------------------------------------------------------------


def log_level(value: str) -> str:
    if value.upper() not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"{value!r} is not one of {', '.join(LOG_LEVELS)}")
    return value.upper()


def sites_epilog() -> str:
    try:
        names = ", ".join(site.name for site in site_profiles())
    except (OSError, ValueError, KeyError) as exc:  # a broken profile must not break --help
        names = f"(could not read the profiles: {exc})"
    return f"sites: {names} (xinwen sites lists their channels)\n\n{EXAMPLES}"


def add_crawl_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("site", metavar="SITE", help="a site profile (xinwen sites), e.g. hnr")
    p.add_argument(
        "--offline", action="store_true",
        help="crawl the bundled mirror in fixtures/ (no internet; no state kept without --state)",
    )  # fmt: skip
    p.add_argument(
        "-o", "--output", action="append", default=[], metavar="PATH[:FORMAT]",
        help="append records here (as scrapy crawl -o): the format from the extension or "
        ":FORMAT (jsonl, json, csv, xml), .gz compressed, - standard output, DIR/ one JSONL "
        "file per site and day; without -o/-O the records go to standard output",
    )  # fmt: skip
    p.add_argument(
        "-O", "--overwrite-output", dest="overwrite", action="append", default=[],
        metavar="PATH[:FORMAT]", help="as -o, replacing the file",
    )  # fmt: skip
    p.add_argument(
        "--state", metavar="PATH",
        help="crawl state (SQLite) shared by runs: only new articles are fetched; default "
        "$XINWEN_STATE or ~/.local/state/xinwen/state.sqlite3 (offline: none); ':memory:' none",
    )  # fmt: skip
    p.add_argument(
        "--fresh", action="store_true",
        help="forget the crawl state first (removes the state file): every article is new",
    )  # fmt: skip
    p.add_argument(
        "--since", metavar="WHEN",
        help="only articles from this day on: a date (2024-01-01) or a duration (7d, 12h)",
    )  # fmt: skip
    p.add_argument(
        "--until", metavar="WHEN", help="only articles up to this day: a date or a duration"
    )
    p.add_argument(
        "--redis", metavar="URL", help="a worker of a distributed crawl: redis://HOST:PORT/DB"
    )
    p.add_argument(
        "--sites", action="append", default=[], metavar="DIR",
        help="also read site profiles (NAME.toml) from this folder (like $XINWEN_SITES_DIR)",
    )  # fmt: skip
    p.add_argument(
        "--warc", metavar="PATH", help="also write every fetched response to this WARC file"
    )
    p.add_argument(
        "-s", "--set", action="append", default=[], metavar="NAME=VALUE", help="Scrapy setting"
    )
    p.add_argument(
        "-a", "--arg", action="append", default=[], metavar="NAME=VALUE",
        help="spider argument: channels=a,b  max_pages=N  since=DATE  until=DATE",
    )  # fmt: skip
    p.add_argument(
        "-L", "--loglevel", type=log_level, metavar="LEVEL",
        help="show Scrapy's log at this level (DEBUG, INFO, WARNING, ERROR); default: "
        "a progress line, warnings and the summary",
    )  # fmt: skip
    p.add_argument(
        "--logfile", metavar="PATH", help="write Scrapy's log to this file (level INFO or -L)"
    )


def build_parser() -> argparse.ArgumentParser:
    from crawler.datasets.archives import add_extract_arguments
    from crawler.datasets.dataset import add_validate_arguments
    from crawler.datasets.report import add_report_arguments

    parser = Parser(
        prog="xinwen",
        description="Crawl Chinese regional news into a validated JSONL dataset.",
        epilog=sites_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"xinwen {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "crawl", help="crawl a site into a dataset", epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    add_crawl_arguments(p)
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("sites", help="list the site profiles and their channels")
    p.set_defaults(func=cmd_sites)

    p = sub.add_parser("extract", help="extract records from saved pages and WARC archives")
    add_extract_arguments(p)
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("validate", help="check JSONL datasets against the record schema")
    add_validate_arguments(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("report", help="describe JSONL datasets: counts, coverage, top values")
    add_report_arguments(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("schema", help="print the record's JSON Schema")
    p.set_defaults(func=cmd_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    try:
        return args.func(args)
    except BrokenPipeError:  # `xinwen sites | head`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes at exit
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
