"""Saved pages in: WARC/ARC archives, directories, glob patterns, HTML files and standard input.

`iter_pages(paths)` yields one `PageInput` per HTML page, streaming: an archive is read record
by record (warcio), never whole, so memory does not grow with the archive. Records that are not
pages (requests, metadata, warcinfo, revisits), non-HTML responses and non-200 responses are
skipped and counted in an `ArchiveStats`.

Files found in a directory are read by content, not by name: HTML (also gzipped, `.html.gz`)
and archives are taken, anything else is counted as skipped (a file named `.html` is taken
anyway, so that a broken page is reported). An archive record whose payload
is shorter than its Content-Length (a cut archive) is rejected with that reason, never read as
a shorter article; an empty, non-gzip `.gz`, or non-WARC file given as an archive is an error.

A saved page that names its URL — `<link rel=canonical>`, `og:url`, or a mirror's
`HOST/PATH` layout (`wget -m`, fixtures/*/mirror/) — is read as that URL: the site's profile
picks the parser, relative links resolve against it; list pages of a profiled site are skipped
(counted). A page that names none is read by the generic parser, and the summary says so.

`run_extract()` is `xinwen extract [--url URL] PATH...`: one JSON record per line on standard
output, one line per rejected page on standard error, a summary at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import glob
import gzip
import io
import json
import os
import re
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import IO, BinaryIO
from urllib.parse import urljoin

from pydantic import ValidationError

from crawler.extract import ParseError, extract_page, merge_pages
from crawler.extract.budget import DEFAULT_BUDGET_SECONDS, time_budget
from crawler.extract.pagination import MAX_PAGES as MAX_ARTICLE_PAGES
from crawler.sites.profile import load_profiles
from pipelines.schema import Article

__all__ = [
    "ARCHIVE_SUFFIXES",
    "HTML_SUFFIXES",
    "MAX_PAGE_BYTES",
    "ArchiveStats",
    "PageInput",
    "add_extract_arguments",
    "charset_from_content_type",
    "is_archive_path",
    "iter_pages",
    "run_extract",
]

ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
HTML_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")
HTML_MIME_TYPES = ("text/html", "application/xhtml+xml")
# A record bigger than this is not a news page; reading it would cost memory for nothing.
MAX_PAGE_BYTES = 32 * 1024 * 1024
STDIN = "-"
STDIN_URL = "file:///dev/stdin"
GZIP_MAGIC = b"\x1f\x8b"
SNIFF_BYTES = 2048
# The first bytes of an HTML page (after a BOM, spaces and comments): a tag HTML starts with.
_HTML_START_RE = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|"
    rb"link|div|p|script|style|table|h1|\?xml)[\s>/]",
    re.IGNORECASE | re.DOTALL,
)
# <link rel="canonical" href="…"> and <meta property="og:url" content="…">, attributes in any order.
_TAG_RE = re.compile(rb"<(?:link|meta)\b[^>]*>", re.IGNORECASE)
_ATTR_RE = re.compile(rb"""([a-zA-Z:_-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
# A page with this many links to a profile's articles and no article URL of its own is a list.
LIST_PAGE_ARTICLE_LINKS = 10
_HREF_RE = re.compile(rb"""href\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)


class ArchiveError(ValueError):
    """An input given as an archive that cannot be read as one (one line, no library text)."""


@dataclass(frozen=True)
class PageInput:
    """One saved page: what `crawler.extract.extract` needs, plus where it came from."""

    url: str
    body: bytes
    http_charset: str | None
    source_name: str
    fetched_at: str | None = None  # WARC-Date (UTC) for archive records; None for files
    problem: str | None = None  # why the page cannot be read (a truncated archive record)
    # WARC-Record-ID, and for the rendered DOM of a page (a `conversion` record) the
    # WARC-Refers-To of the response it was rendered from.
    record_id: str | None = None
    refers_to: str | None = None


@dataclass
class ArchiveStats:
    """What `iter_pages` skipped, by kind. `pages` counts the pages it yielded."""

    pages: int = 0
    skipped_non_html: int = 0
    skipped_non_200: int = 0
    skipped_other_records: int = 0  # request, metadata, warcinfo, revisit … records
    skipped_too_large: int = 0
    skipped_list_pages: int = 0  # channel / list pages of a profiled site (not articles)
    skipped_other_files: int = 0  # files in a directory that are neither HTML nor archives
    generic_pages: int = 0  # pages that named no URL, read by the generic parser
    unreadable: Counter[str] = field(default_factory=Counter)  # path -> errors


def charset_from_content_type(value: str | bytes | None) -> str | None:
    """The `charset` parameter of a Content-Type header, or None."""
    if not value:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    message = Message()
    message["content-type"] = value
    charset = message.get_param("charset")
    if isinstance(charset, tuple):  # RFC 2231 form
        charset = charset[2]
    if not charset:
        return None
    return str(charset).strip().strip("'\"") or None


def _mime_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def is_archive_path(path: str | os.PathLike[str]) -> bool:
    return str(path).lower().endswith(ARCHIVE_SUFFIXES)


def _head(path: Path, size: int = SNIFF_BYTES) -> tuple[bytes, bool]:
    """The first bytes of a file, decompressed when it is gzip, and whether it is gzip."""
    with path.open("rb") as fh:
        head = fh.read(size)
        if head[:2] != GZIP_MAGIC:
            return head, False
        fh.seek(0)
        try:
            with gzip.GzipFile(fileobj=fh) as gz:
                return gz.read(size), True
        except (OSError, EOFError, zlib.error):
            return b"", True


def _is_archive_head(head: bytes) -> bool:
    return head[:4] in (b"WARC", b"file")  # WARC/1.x, or an ARC's "filedesc://" first record


def _looks_like_archive(path: Path) -> bool:
    """By name, or by content for archives saved under another name."""
    if is_archive_path(path):
        return True
    try:
        return _is_archive_head(_head(path, 4)[0])
    except OSError:
        return False


def looks_like_html(head: bytes) -> bool:
    """Whether the first bytes of a file are an HTML page's."""
    return bool(_HTML_START_RE.match(head))


def check_archive(path: Path) -> None:
    """Raise ArchiveError for a file given as an archive that is not one: empty, named `.gz`
    but not gzip, damaged gzip, or not starting with a WARC/ARC record."""
    size = path.stat().st_size
    if size == 0:
        raise ArchiveError("empty file (0 bytes), not an archive")
    with path.open("rb") as fh:
        magic = fh.read(2)
    if path.name.lower().endswith(".gz") and magic != GZIP_MAGIC:
        raise ArchiveError("named .gz but not gzip-compressed")
    head, compressed = _head(path, 16)
    if compressed and not head:
        raise ArchiveError("damaged gzip: not a readable archive")
    if not _is_archive_head(head):
        raise ArchiveError("not a WARC or ARC archive (no WARC/ARC record at the start)")


def _warc_date_to_utc(value: str | None) -> str | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat(timespec="seconds")


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _expand(paths: Iterable[str]) -> Iterator[tuple[str, bool]]:
    """Every input file and whether it was found inside a directory: globs expanded,
    directories walked in sorted order. Named (or matched) files are taken whatever they hold;
    files found inside a directory only when their content is HTML or an archive."""
    for raw in paths:
        if raw == STDIN:
            yield raw, False
            continue
        if glob.has_magic(raw) and not os.path.exists(raw):
            matches = sorted(glob.glob(raw, recursive=True))
            if not matches:
                yield raw, False  # reported as unreadable
            for match in matches:
                yield from _expand_one(match)
            continue
        yield from _expand_one(raw)


def _expand_one(path: str) -> Iterator[tuple[str, bool]]:
    if not os.path.isdir(path):
        yield path, False
        return
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            yield os.path.join(root, name), True


def _read_page(path: Path) -> bytes:
    """A saved page's bytes, decompressed when the file is gzip and not named as a page
    (`page.html.gz`, or an extension-less file): a file named `.html` holding gzip bytes is a
    broken page, as it would be when served so."""
    body = path.read_bytes()
    if body[:2] == GZIP_MAGIC and not path.name.lower().endswith(HTML_SUFFIXES):
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as gz:
            body = gz.read(MAX_PAGE_BYTES + 1)
    return body


def iter_pages(
    paths: Iterable[str],
    stats: ArchiveStats | None = None,
    url: str | None = None,
    stdin: BinaryIO | None = None,
    on_error: Callable[[str, str], None] | None = None,
) -> Iterator[PageInput]:
    """Every HTML page in `paths` (files, directories, globs, archives, `-` for stdin).

    `url` is the URL given to plain files and stdin (default: their file:// URI); archive
    records carry their own. Unreadable inputs are counted in `stats.unreadable` and passed to
    `on_error(path, reason)`; they do not stop the iteration."""
    stats = stats if stats is not None else ArchiveStats()
    for path, in_directory in _expand(paths):
        try:
            if path == STDIN:
                stream = stdin if stdin is not None else sys.stdin.buffer
                body = stream.read(MAX_PAGE_BYTES + 1)
                if len(body) > MAX_PAGE_BYTES:
                    stats.skipped_too_large += 1
                    continue
                stats.pages += 1
                yield PageInput(url or STDIN_URL, body, None, "<stdin>")
                continue
            p = Path(path)
            # In a directory, by content: an archive, an HTML page, or skipped. A file named
            # as a page is taken anyway, so that a broken one is reported, not skipped.
            if in_directory and not p.name.lower().endswith(HTML_SUFFIXES):
                head = _head(p)[0]
                if _is_archive_head(head):
                    yield from _iter_archive(p, stats)
                    continue
                if not looks_like_html(head):
                    stats.skipped_other_files += 1
                    continue
            elif not in_directory and _looks_like_archive(p):
                check_archive(p)
                yield from _iter_archive(p, stats)
                continue
            size = p.stat().st_size
            if size > MAX_PAGE_BYTES:
                stats.skipped_too_large += 1
                continue
            body = _read_page(p)
            if len(body) > MAX_PAGE_BYTES:
                stats.skipped_too_large += 1
                continue
        except (OSError, EOFError, zlib.error, ValueError) as exc:
            reason = _os_reason(exc)
            stats.unreadable[path] += 1
            if on_error is not None:
                on_error(path, reason)
            continue
        stats.pages += 1
        yield PageInput(url or p.resolve().as_uri(), body, None, path)


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__


def _iter_archive(path: Path, stats: ArchiveStats) -> Iterator[PageInput]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    done = 0  # records handled, so that a restart does not yield them twice
    try:
        with path.open("rb") as fh:
            try:
                for record in ArchiveIterator(fh, arc2warc=True):
                    page = _page_from_record(record, path, stats)
                    done += 1
                    if page is not None:
                        stats.pages += 1
                        yield page
                    # The iterator skips the rest of an unread record itself: nothing is kept.
                return
            except ArchiveLoadFailed as exc:
                if "non-chunked gzip" not in str(exc):
                    raise
        # `gzip file.warc` makes one gzip member for the whole file, which warcio refuses to
        # iterate; such a file is still a valid stream once decompressed as a whole.
        with path.open("rb") as fh, gzip.GzipFile(fileobj=fh) as stream:
            for index, record in enumerate(ArchiveIterator(stream, arc2warc=True)):
                if index < done:
                    continue
                done += 1
                page = _page_from_record(record, path, stats)
                if page is not None:
                    stats.pages += 1
                    yield page
    except (ArchiveLoadFailed, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        kind = "damaged gzip" if not isinstance(exc, ArchiveLoadFailed) else "damaged archive"
        raise ArchiveError(f"{kind} after {done} records: the rest cannot be read") from None


def _page_from_record(record, path: Path, stats: ArchiveStats) -> PageInput | None:
    rec_type = record.rec_type
    if rec_type not in ("response", "resource", "conversion"):
        stats.skipped_other_records += 1
        return None
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    if rec_type == "response":
        http = record.http_headers
        if http is None:  # a response record without HTTP headers (dns:, whois:, …)
            stats.skipped_other_records += 1
            return None
        status = http.get_statuscode()
        if status != "200":
            stats.skipped_non_200 += 1
            return None
        content_type = http.get_header("Content-Type")
    else:
        content_type = record.rec_headers.get_header("Content-Type")
    mime = _mime_type(content_type)
    if mime and mime not in HTML_MIME_TYPES:
        stats.skipped_non_html += 1
        return None
    body = record.content_stream().read(MAX_PAGE_BYTES + 1)
    if len(body) > MAX_PAGE_BYTES:
        stats.skipped_too_large += 1
        return None
    missing = getattr(record.raw_stream, "limit", 0) or 0  # bytes the archive did not hold
    problem = None
    if missing > 0:
        length = record.length or 0
        problem = f"truncated record: {length - missing} of {length} bytes (Content-Length)"
    return PageInput(
        url=url,
        body=body,
        http_charset=charset_from_content_type(content_type),
        source_name=f"{url} ({path})",
        fetched_at=_warc_date_to_utc(record.rec_headers.get_header("WARC-Date")),
        problem=problem,
        record_id=record.rec_headers.get_header("WARC-Record-ID"),
        refers_to=record.rec_headers.get_header("WARC-Refers-To")
        if rec_type == "conversion"
        else None,
    )


# ----------------------------------------------------------------------------------------
# the URL a saved page names


@functools.cache
def _site_profiles() -> list:
    return [profile.site() for _, profile in sorted(load_profiles().found.items())]


def _attributes(tag: bytes) -> dict[bytes, bytes]:
    return {
        m[1].lower(): (m[2] if m[2] is not None else m[3] if m[3] is not None else m[4])
        for m in _ATTR_RE.finditer(tag)
    }


def named_url(body: bytes) -> str | None:
    """The absolute http(s) URL a page gives for itself: `<link rel=canonical>`, else
    `<meta property=og:url>` (read from the page's first 64 KiB, where the head is)."""
    canonical = og_url = None
    for tag in _TAG_RE.findall(body[:65536]):
        attrs = _attributes(tag)
        if attrs.get(b"rel", b"").lower() == b"canonical" and canonical is None:
            canonical = attrs.get(b"href")
        elif attrs.get(b"property", b"").lower() == b"og:url" and og_url is None:
            og_url = attrs.get(b"content")
    for value in (canonical, og_url):
        if value:
            text = value.decode("latin-1").strip()
            if text.startswith(("http://", "https://")):
                return text
    return None


def mirror_url(path: str) -> str | None:
    """The URL of a file in a mirror laid out as HOST/PATH (`wget -m`, fixtures/*/mirror/),
    when a directory of its path is a host of a profiled site; `index.html` is its folder."""
    parts = Path(path).resolve().parts
    for index, part in enumerate(parts[:-1]):
        if "." in part and any(p.on_site(f"http://{part}/") for p in _site_profiles()):
            rest = "/".join(parts[index + 1 :])
            if rest == "index.html" or rest.endswith("/index.html"):
                rest = rest[: -len("index.html")]
            return f"http://{part}/{rest}"
    return None


def _profile_of(url: str):
    for profile in _site_profiles():
        if profile.on_site(url):
            return profile
    return None


def is_list_page(url: str, body: bytes) -> bool:
    """A channel or list page of a profiled site: its URL is a list URL of the profile, or it
    is no article URL and links to many of the profile's articles (the page's shape)."""
    profile = _profile_of(url) if url.startswith(("http://", "https://")) else None
    if profile is None:
        return False
    if profile.is_list(url):
        return True
    if profile.is_article(url):
        return False
    links = {urljoin(url, m.decode("latin-1")) for m in _HREF_RE.findall(body)}
    return sum(profile.is_article(link) for link in links) >= LIST_PAGE_ARTICLE_LINKS


# ----------------------------------------------------------------------------------------
# xinwen extract


def add_extract_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="HTML file, directory, glob pattern, WARC/ARC archive (.warc, .warc.gz, .arc, "
        ".arc.gz), or - for standard input (raw bytes)",
    )
    parser.add_argument(
        "--url",
        help="the URL the page was fetched from (plain files and standard input; default: "
        "the file's file:// URI); archive records carry their own",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bar and no summary line (rejected pages are still reported)",
    )


def _validation_reason(exc) -> tuple[str, str]:
    """(short reason for the summary, full reason for the error line) of a pydantic error."""
    errors = exc.errors(include_url=False)
    parts = []
    keys = []
    for error in errors[:3]:
        loc = ".".join(str(part) for part in error["loc"]) or "record"
        keys.append(f"missing {loc}" if error["type"] == "missing" else f"invalid {loc}")
        parts.append(f"{loc}: {error['msg']}")
    if len(errors) > 3:
        parts.append(f"and {len(errors) - 3} more")
    return keys[0] if keys else "invalid record", "invalid record: " + "; ".join(parts)


def dump_record(record: dict) -> str:
    """One JSON line: keys in schema order, UTF-8 Chinese (never \\uXXXX)."""
    return json.dumps(record, ensure_ascii=False)


def run_extract(
    paths: list[str] | argparse.Namespace,
    url: str | None = None,
    out: IO[str] | None = None,
    err: IO[str] | None = None,
    quiet: bool = False,
    stdin: BinaryIO | None = None,
) -> int:
    """`xinwen extract [--url URL] PATH...`. Exit status 1 when any page yields no valid record
    (or an input cannot be read), else 0. Accepts the argparse namespace of
    `add_extract_arguments` in place of `paths`."""
    if isinstance(paths, argparse.Namespace):
        namespace = paths
        paths, url, quiet = namespace.paths, namespace.url, namespace.quiet
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    if url is not None and (len(paths) != 1 or _is_collection(paths[0])):
        print("xinwen: --url applies to one page (a file or -), not to several", file=err)
        return 2

    stats = ArchiveStats()
    rejected: Counter[str] = Counter()
    records = 0
    failed = False
    is_tty = _isatty(err)
    progress = _progress_bar(err) if is_tty and not quiet else None

    def report(page: str, reason: str) -> None:
        nonlocal failed
        failed = True
        line = f"xinwen: {page}: {reason}"
        if progress is not None:
            progress.write(line, file=err)
        else:
            print(line, file=err, flush=True)

    def on_unreadable(path: str, reason: str) -> None:
        rejected["unreadable"] += 1
        report(path, reason)

    # Multi-page articles: pages waiting for their continuation, keyed by the next page's URL
    # (an archive written by a crawl holds page 1 before page 2). Bounded by MAX_ARTICLE_PAGES.
    waiting: dict[str, tuple[list[dict], str]] = {}
    # A page the crawl rendered in a browser is archived twice: the HTTP response (an app shell,
    # usually without a body) and later its rendered DOM, a `conversion` record that refers to
    # it. The response's failure waits here until the end; its conversion cancels it.
    deferred: dict[str, tuple[dict, str]] = {}

    def emit(pages: list[dict], source_name: str) -> None:
        nonlocal records
        try:
            article = Article.model_validate(merge_pages(pages))
        except ValidationError as exc:
            key, reason = _validation_reason(exc)
            rejected[key] += 1
            report(source_name, reason)
            return
        out.write(dump_record(article.model_dump(mode="json")) + "\n")
        records += 1

    try:
        pages_in = iter_pages(paths, stats, url=url, stdin=stdin, on_error=on_unreadable)
        for page in rendered_in_place(pages_in):
            if progress is not None:
                progress.update(1)
            if page.problem:
                rejected[page.problem.split(":", 1)[0]] += 1
                report(page.source_name, page.problem)
                continue
            page_url = page.url
            if url is None and page.url.startswith("file://"):
                page_url = named_url(page.body) or (
                    mirror_url(page.source_name) if page.source_name != "<stdin>" else None
                )
                page_url = page_url or page.url
            earlier, first_name = waiting.pop(page_url, ([], page.source_name))
            if not earlier and url is None and is_list_page(page_url, page.body):
                stats.skipped_list_pages += 1
                continue
            try:
                with time_budget(DEFAULT_BUDGET_SECONDS):
                    fields, next_url = extract_page(page.body, page_url, page.http_charset)
                fields["url"] = page.url  # where it was read from; canonical_url: what it names
                fields["fetched_at"] = page.fetched_at or now_utc()
                if page_url == page.url and fields["extractor"].startswith("generic/"):
                    stats.generic_pages += 1
            except ParseError as exc:
                rejected[exc.reason] += 1
                report(page.source_name, str(exc))
                if earlier:
                    emit(earlier, first_name)
                continue
            except Exception as exc:  # a parser bug must not lose the rest of an archive
                rejected["parser error"] += 1
                report(page.source_name, f"parser error: {type(exc).__name__}: {exc}")
                if earlier:
                    emit(earlier, first_name)
                continue
            if page.refers_to:
                deferred.pop(page.refers_to, None)
            elif not earlier and not fields.get("body") and page.record_id:
                # Validation would reject it; a rendered copy may follow.
                deferred[page.record_id] = (fields, page.source_name)
                continue
            pages = [*earlier, fields]
            if (
                next_url
                and next_url not in {p["url"] for p in pages}
                and len(pages) < MAX_ARTICLE_PAGES
            ):
                waiting[next_url] = (pages, first_name)
                continue
            emit(pages, first_name)
        for pages, first_name in waiting.values():  # continuations not in the archive
            emit(pages, first_name)
        for fields, source_name in deferred.values():  # never rendered
            emit([fields], source_name)
    except BrokenPipeError:  # `xinwen extract big.warc.gz | head`: stop quietly
        _silence_broken_stdout(out)
        return 1 if failed else 0
    except KeyboardInterrupt:
        failed = True
        print("xinwen: interrupted", file=err)
    except Exception as exc:  # a damaged archive: report it, keep what was written
        failed = True
        rejected["damaged archive"] += 1
        print(f"xinwen: damaged input: {type(exc).__name__}: {exc}", file=err)
    finally:
        if progress is not None:
            progress.close()
        with contextlib.suppress(BrokenPipeError):
            out.flush()

    if not stats.pages and not rejected:
        print(f"xinwen: nothing found: no HTML page or archive in {' '.join(paths)}", file=err)
        return 1
    # A summary when it helps: on a terminal, or when archives / directories / globs were read.
    many = len(paths) > 1 or any(_is_collection(p) for p in paths)
    if not quiet and (is_tty or many) and stats.pages:  # else each input said what was wrong
        print(summary_line(records, rejected, stats), file=err)
    elif stats.generic_pages and records and not quiet:  # a rejected page: its one line only
        print(f"xinwen: {paths[0]}: {GENERIC_NOTE}", file=err)
    return 1 if failed else 0


GENERIC_NOTE = (
    "the page names no URL (canonical, og:url): read by the generic parser; "
    "--url URL reads it as that site's page"
)


def rendered_in_place(pages: Iterator[PageInput]) -> Iterator[PageInput]:
    """A response directly followed by its rendered DOM (a `conversion` record referring to
    it, as a crawl archives a page its browser fetched) gives the rendered DOM only."""
    held: PageInput | None = None
    for page in pages:
        if held is not None and not (page.refers_to and page.refers_to == held.record_id):
            yield held
        held = None
        if page.record_id and not page.refers_to:
            held = page
        else:
            yield page
    if held is not None:
        yield held


def _is_collection(path: str) -> bool:
    """An input that may hold many pages: an archive, a directory or a glob pattern."""
    if path == STDIN:
        return False
    if is_archive_path(path) or os.path.isdir(path):
        return True
    return glob.has_magic(path) and not os.path.exists(path)


def summary_line(records: int, rejected: Counter[str], stats: ArchiveStats) -> str:
    total_rejected = sum(rejected.values())
    text = f"xinwen: {records} records, {total_rejected} rejected"
    if rejected:
        text += " (" + ", ".join(f"{k}: {v}" for k, v in rejected.most_common()) + ")"
    skipped = [
        (stats.skipped_non_html, "non-HTML"),
        (stats.skipped_non_200, "non-200"),
        (stats.skipped_too_large, "too large"),
        (stats.skipped_list_pages, "list pages"),
        (stats.skipped_other_records, "non-response records"),
        (stats.skipped_other_files, "other files"),
    ]
    shown = [f"{n} {label}" for n, label in skipped if n]
    if shown:
        text += "; skipped " + ", ".join(shown)
    if stats.generic_pages:
        text += (
            f"; {stats.generic_pages} pages named no URL (canonical, og:url) and were read by"
            " the generic parser (--url picks a site's parser)"
        )
    return text


def _silence_broken_stdout(out: IO[str]) -> None:
    """After EPIPE, point stdout at /dev/null so the interpreter's final flush stays quiet."""
    if out is sys.stdout:
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _progress_bar(err: IO[str]):
    try:
        from tqdm import tqdm
    except ImportError:  # optional: no bar without tqdm
        return None
    return tqdm(file=err, unit=" pages", dynamic_ncols=True, leave=False)
