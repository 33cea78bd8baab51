"""The `xinwen` command line.

xinwen extract [--url URL] PATH...     records from saved pages (`-` reads standard input)
xinwen crawl SITE [--offline] [--state PATH] [--since WHEN] [--until WHEN] [-o PATH|DIR/]...
xinwen validate FILE...                check JSONL datasets against the schema
xinwen report FILE... [--png P] [--html P]   describe a dataset
xinwen schema                          the record's JSON Schema
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _err(line: str) -> None:
    sys.stderr.buffer.write(line.encode("utf-8") + b"\n")
    sys.stderr.buffer.flush()


# -- extract ---------------------------------------------------------------------------------


def cmd_extract(args: argparse.Namespace) -> int:
    """`xinwen extract`: saved pages, directories, globs, WARC/ARC archives or `-` (stdin)."""
    from crawler.datasets.archives import run_extract

    return run_extract(args)


# -- crawl -----------------------------------------------------------------------------------


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name:
            raise SystemExit(f"xinwen crawl: {option} expects NAME=VALUE, not {value!r}")
        pairs[name.strip()] = setting
    return pairs


def project_settings():
    """Scrapy settings of this project, wherever the command runs from."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    return get_project_settings()


def crawl_feeds(outputs: list[str], overwrites: list[str]) -> dict[str, dict]:
    """FEEDS for `-o` (append; a directory — trailing `/` or existing — is partitioned by site and
    publish date) and `-O` (replace a file)."""
    from pipelines.schema import Article

    feeds: dict[str, dict] = {}
    for path, overwrite in [(p, False) for p in outputs] + [(p, True) for p in overwrites]:
        partitioned = path.endswith(("/", os.sep)) or Path(path).is_dir()
        if partitioned and overwrite:
            raise ValueError(f"-O replaces a file; {path} is a directory (use -o DIR/)")
        resolved = str(Path(path).resolve())
        feeds[resolved + "/" if partitioned else resolved] = {
            "format": "jsonlines",
            "encoding": "utf-8",
            "fields": list(Article.model_fields),
            "overwrite": overwrite,
            "xinwen_partitioned": partitioned,
        }
    return feeds


def cmd_crawl(args: argparse.Namespace) -> int:
    from scrapy.crawler import CrawlerProcess
    from scrapy.spiderloader import get_spider_loader

    from crawler.crawl.extensions import CrawlSummary, RunRecorder, crawl_failed, format_summary
    from crawler.crawl.incremental import parse_when
    from crawler.state import MEMORY, StateError, default_state_path
    from pipelines.export import OutputError

    if args.sites:  # read by crawler/sites/profile.py, here and in the extraction processes
        folders = [str(Path(folder).resolve()) for folder in args.sites]
        os.environ["XINWEN_SITES_DIR"] = os.pathsep.join(
            filter(None, [os.environ.get("XINWEN_SITES_DIR", ""), *folders])
        )
    settings = project_settings()
    settings_pairs = _pairs(args.set, "-s")
    spider_args = _pairs(args.arg, "-a")
    loader = get_spider_loader(settings)
    if args.site not in loader.list():
        _err(f"xinwen crawl: unknown site {args.site!r} (known: {', '.join(loader.list())})")
        return EXIT_USAGE
    for name in ("since", "until"):
        value = getattr(args, name)
        if value is None:
            continue
        if name in spider_args:
            _err(f"xinwen crawl: give --{name} or -a {name}=, not both")
            return EXIT_USAGE
        try:
            spider_args[name] = parse_when(value).isoformat()
        except ValueError as exc:
            _err(f"xinwen crawl: --{name}: {exc}")
            return EXIT_USAGE
    try:
        feeds = crawl_feeds(args.output, args.overwrite)
    except ValueError as exc:
        _err(f"xinwen crawl: {exc}")
        return EXIT_USAGE

    settings.set("LOG_LEVEL", args.loglevel, priority="cmdline")
    settings.set("XINWEN_SUMMARY_LOG", False, priority="cmdline")  # printed below instead
    state = args.state if args.state is not None else str(default_state_path(args.offline))
    if state != MEMORY:
        state = str(Path(state).expanduser().resolve())
    settings.set("XINWEN_STATE_PATH", state, priority="cmdline")
    settings.set("XINWEN_RUN_ARGV", ["xinwen", *args.argv], priority="cmdline")
    if args.offline:
        settings.set("XINWEN_OFFLINE_ENABLED", True, priority="cmdline")
    if args.redis:  # a worker of a distributed crawl (crawler/distributed.py)
        settings.set("XINWEN_REDIS_URL", args.redis, priority="cmdline")
    if args.warc:
        settings.set("XINWEN_WARC_PATH", str(Path(args.warc).resolve()), priority="cmdline")
    if feeds:
        settings.set("FEEDS", feeds, priority="cmdline")
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
    if summary is not None:
        _err(format_summary(summary))
    if manifest_path is not None:
        _err(f"  manifest         {manifest_path}")
    stats = crawler.stats.get_stats() if crawler.stats else {}
    problem = crawl_failed(stats)
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


def build_parser() -> argparse.ArgumentParser:
    from crawler.datasets.archives import add_extract_arguments
    from crawler.datasets.dataset import add_validate_arguments
    from crawler.datasets.report import add_report_arguments

    parser = argparse.ArgumentParser(
        prog="xinwen", description="Crawl Chinese regional news into a validated JSONL dataset."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("extract", help="extract records from saved pages")
    add_extract_arguments(p)
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("validate", help="check JSONL datasets against the record schema")
    add_validate_arguments(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("report", help="describe JSONL datasets: counts, coverage, top values")
    add_report_arguments(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("crawl", help="crawl a site into a JSONL dataset")
    p.add_argument("site", metavar="SITE", help="spider name, e.g. hnr")
    p.add_argument(
        "--offline", action="store_true", help="crawl the bundled mirror in fixtures/ (no internet)"
    )
    p.add_argument(
        "-o", "--output", action="append", default=[], metavar="PATH",
        help="append JSONL to this file; a directory (DIR/) is partitioned: DIR/<site>/<date>.jsonl",
    )  # fmt: skip
    p.add_argument(
        "--state", metavar="PATH",
        help="crawl state (SQLite) shared by runs; default $XINWEN_STATE or "
        "~/.local/state/xinwen/state.sqlite3; ':memory:' keeps none",
    )  # fmt: skip
    p.add_argument(
        "--since", metavar="WHEN",
        help="only articles from this day on: a date (2024-01-01) or a duration (7d, 12h)",
    )  # fmt: skip
    p.add_argument(
        "--until", metavar="WHEN", help="only articles up to this day: a date or a duration"
    )
    p.add_argument(
        "-O", "--overwrite-output", dest="overwrite", action="append", default=[],
        metavar="PATH", help="write JSONL here, replacing the file",
    )  # fmt: skip
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
        "-a", "--arg", action="append", default=[], metavar="NAME=VALUE", help="spider argument"
    )
    p.add_argument(
        "-L", "--loglevel", default="INFO", help="log level (default INFO; the log goes to stderr)"
    )
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("schema", help="print the record's JSON Schema")
    p.set_defaults(func=cmd_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
