"""The `xinwen` command line.

xinwen extract [--url URL] PATH...     records from saved pages (`-` reads standard input)
xinwen crawl SITE [--offline] [-o PATH] [-s NAME=VALUE]... [-a NAME=VALUE]...
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
    from crawler.archives import run_extract

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


def cmd_crawl(args: argparse.Namespace) -> int:
    from scrapy.crawler import CrawlerProcess
    from scrapy.spiderloader import get_spider_loader

    from crawler.extensions import CrawlSummary, crawl_failed, format_summary
    from pipelines.schema import Article

    settings = project_settings()
    settings_pairs = _pairs(args.set, "-s")
    spider_args = _pairs(args.arg, "-a")
    loader = get_spider_loader(settings)
    if args.site not in loader.list():
        _err(f"xinwen crawl: unknown site {args.site!r} (known: {', '.join(loader.list())})")
        return EXIT_USAGE

    settings.set("LOG_LEVEL", args.loglevel, priority="cmdline")
    settings.set("XINWEN_SUMMARY_LOG", False, priority="cmdline")  # printed below instead
    if args.offline:
        settings.set("XINWEN_OFFLINE_ENABLED", True, priority="cmdline")
    if args.warc:
        settings.set("XINWEN_WARC_PATH", str(Path(args.warc).resolve()), priority="cmdline")
    feeds = {}
    for path, overwrite in [(p, False) for p in args.output] + [(p, True) for p in args.overwrite]:
        feeds[str(Path(path).resolve())] = {
            "format": "jsonlines",
            "encoding": "utf-8",
            "fields": list(Article.model_fields),
            "overwrite": overwrite,
        }
    if feeds:
        settings.set("FEEDS", feeds, priority="cmdline")
    for name, value in settings_pairs.items():
        settings.set(name, value, priority="cmdline")

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(args.site)
    failures: list[str] = []

    def crawl_error(failure):
        failures.append(failure.getErrorMessage() or repr(failure.value))

    process.crawl(crawler, **spider_args).addErrback(crawl_error)
    process.start()

    if failures:
        _err(f"xinwen crawl {args.site}: could not run: {failures[0]}")
        return EXIT_FAILED
    summary = None
    for ext in getattr(crawler.extensions, "middlewares", ()):
        if isinstance(ext, CrawlSummary):
            summary = ext.summary
    if summary is not None:
        _err(format_summary(summary))
    stats = crawler.stats.get_stats() if crawler.stats else {}
    problem = crawl_failed(stats)
    if problem:
        _err(f"xinwen crawl {args.site}: failed: {problem}")
        return EXIT_FAILED
    return EXIT_OK


# -- datasets --------------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    from pipelines.dataset import run_validate

    return run_validate(args)


def cmd_report(args: argparse.Namespace) -> int:
    from pipelines.report import run_report

    return run_report(args)


# -- schema ----------------------------------------------------------------------------------


def cmd_schema(args: argparse.Namespace) -> int:
    from pipelines.schema import json_schema_text

    sys.stdout.buffer.write(json_schema_text().encode("utf-8"))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from crawler.archives import add_extract_arguments
    from pipelines.dataset import add_validate_arguments
    from pipelines.report import add_report_arguments

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
        "-o", "--output", action="append", default=[], metavar="PATH", help="append JSONL here"
    )
    p.add_argument(
        "-O", "--overwrite-output", dest="overwrite", action="append", default=[],
        metavar="PATH", help="write JSONL here, replacing the file",
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
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
