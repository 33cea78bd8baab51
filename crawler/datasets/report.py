"""`xinwen report FILE... [--png PATH] [--html PATH]`: what a dataset holds, in numbers.

Streams every file line by line and keeps counters only (plus one 8-byte hash per record to
find repeated canonical URLs and fingerprints). Bad lines are counted and skipped
(`xinwen validate` says why). Plain-text tables on standard output; `--png` draws articles
per day, week or month, whichever lets every dated record show (matplotlib, Agg, imported only
then); `--html` writes one self-contained page with the same tables and the plot embedded
(without matplotlib: the tables and a note). Ties in the top-N tables are ordered by name, so
the same dataset always gives the same report.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import io
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import IO, Any

from crawler.datasets.dataset import dataset_files, iter_dataset

__all__ = [
    "COVERAGE_FIELDS",
    "DatasetSummary",
    "add_report_arguments",
    "plot_png",
    "render_html",
    "render_text",
    "run_report",
    "summarise",
]

# Optional fields whose presence (not null, not empty) is measured.
COVERAGE_FIELDS = (
    "published_at",
    "published_at_raw",
    "source",
    "reporters",
    "editors",
    "subtitle",
    "keywords",
    "section",
    "images",
    "site",
    "duplicate_of",
)
CHINA = timezone(timedelta(hours=8))
INSTALL_PLOTS = "pip install 'xinwen[report]'"
# The plot's bin from the span of dated days: bars a day wide vanish on a ten-year axis.
DAY_BINS_UP_TO_DAYS = 92
WEEK_BINS_UP_TO_DAYS = 2 * 366
DAY_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def _time_key(value: str) -> datetime | None:
    """Sort key of a published_at value: full times by their instant, dates (as precise as
    printed: `2024-05-03`, `2024-05`, `2024`) by their first moment in China time."""
    try:
        if len(value) <= 10:
            parts = [int(part) for part in value.split("-")]
            parts += [1] * (3 - len(parts))
            return datetime(parts[0], parts[1], parts[2], tzinfo=CHINA)
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA)
    except ValueError:
        return None


def _hash(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big")


@dataclass
class DatasetSummary:
    files: int = 0
    records: int = 0
    bad_lines: int = 0
    unreadable: list[str] = field(default_factory=list)
    file_problems: list[str] = field(default_factory=list)  # empty, not JSONL, CRLF
    earliest: tuple[datetime, str] | None = None
    latest: tuple[datetime, str] | None = None
    body_chars: int = 0
    duplicate_of: int = 0  # records marked as duplicates by the pipeline
    repeated_canonical_url: int = 0  # records whose canonical_url came earlier
    repeated_fingerprint: int = 0  # records whose body fingerprint came earlier
    sites: Counter[str] = field(default_factory=Counter)
    sections: Counter[str] = field(default_factory=Counter)
    extractors: Counter[str] = field(default_factory=Counter)
    coverage: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
    reporters: Counter[str] = field(default_factory=Counter)
    editors: Counter[str] = field(default_factory=Counter)
    keywords: Counter[str] = field(default_factory=Counter)
    per_day: Counter[date] = field(default_factory=Counter)
    _seen_urls: set[int] = field(default_factory=set, repr=False)
    _seen_fingerprints: set[int] = field(default_factory=set, repr=False)

    def add(self, record: dict[str, Any]) -> None:
        self.records += 1
        self.body_chars += len(record.get("body") or "")
        self.sites[record.get("site") or "(none)"] += 1
        self.sections[" > ".join(record.get("section") or []) or "(none)"] += 1
        self.extractors[record.get("extractor") or "(none)"] += 1
        for name in COVERAGE_FIELDS:
            if record.get(name) not in (None, "", [], {}):
                self.coverage[name] += 1
        if record.get("source"):
            self.sources[record["source"]] += 1
        # counted once per record, so that "records" and "share" mean what they say
        self.reporters.update({person["name"] for person in record.get("reporters") or []})
        self.editors.update({person["name"] for person in record.get("editors") or []})
        self.keywords.update(set(record.get("keywords") or []))
        if record.get("duplicate_of"):
            self.duplicate_of += 1
        url_hash = _hash(record.get("canonical_url") or "")
        if url_hash in self._seen_urls:
            self.repeated_canonical_url += 1
        self._seen_urls.add(url_hash)
        fp_hash = _hash(record.get("fingerprint") or "")
        if fp_hash in self._seen_fingerprints:
            self.repeated_fingerprint += 1
        self._seen_fingerprints.add(fp_hash)

        published = record.get("published_at")
        if published:
            key = _time_key(published)
            if key is not None:
                if self.earliest is None or key < self.earliest[0]:
                    self.earliest = (key, published)
                if self.latest is None or key > self.latest[0]:
                    self.latest = (key, published)
            day = DAY_RE.match(published)  # the calendar day as printed (its own offset)
            if day:
                self.per_day[date(*(int(g) for g in day.groups()))] += 1

    @property
    def dated_by_day(self) -> int:
        return sum(self.per_day.values())


def summarise(files: list[str], stdin: IO[bytes] | None = None) -> DatasetSummary:
    summary = DatasetSummary()
    for path, missing in dataset_files(list(files)):
        if missing:
            summary.unreadable.append(f"{path}: {missing}")
            continue
        try:
            for line in iter_dataset(path, stdin):
                if line.whole_file:
                    summary.file_problems.append(f"{line.path}: {line.reason}")
                elif line.ok:
                    summary.add(line.record)  # type: ignore[arg-type]
                else:
                    summary.bad_lines += 1
        except OSError as exc:
            summary.unreadable.append(f"{path}: {(exc.strerror or str(exc)).lower()}")
            continue
        summary.files += 1
    return summary


# ----------------------------------------------------------------------------------------
# tables


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]


def ranked(counter: Counter[Any], limit: int | None = None) -> list[tuple[Any, int]]:
    """`counter.most_common(limit)` with ties in name order (most_common keeps insertion
    order, which for names gathered through sets changes from run to run)."""
    items = sorted(counter.items(), key=lambda item: (-item[1], str(item[0])))
    return items if limit is None else items[:limit]


def plot_bins(per_day: Counter[date]) -> tuple[str, Counter[date]]:
    """("day" | "week" | "month", records per bin keyed by the bin's first day), the bin
    chosen from the span of the dated days so that every record's bar is visible."""
    if not per_day:
        return "day", Counter()
    span = (max(per_day) - min(per_day)).days
    if span <= DAY_BINS_UP_TO_DAYS:
        return "day", Counter(per_day)
    binned: Counter[date] = Counter()
    unit = "week" if span <= WEEK_BINS_UP_TO_DAYS else "month"
    for day, count in per_day.items():
        start = day - timedelta(days=day.weekday()) if unit == "week" else day.replace(day=1)
        binned[start] += count
    return unit, binned


def _next_bin(start: date, unit: str) -> date:
    if unit == "day":
        return start + timedelta(days=1)
    if unit == "week":
        return start + timedelta(days=7)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else "-"


def tables(summary: DatasetSummary, top: int = 10) -> list[Table]:
    n = summary.records
    overview = [
        ["files", str(summary.files)],
        ["records", str(n)],
        ["bad lines (skipped)", str(summary.bad_lines)],
        ["earliest published_at", summary.earliest[1] if summary.earliest else "-"],
        ["latest published_at", summary.latest[1] if summary.latest else "-"],
        ["records without published_at", str(n - summary.coverage["published_at"])],
        ["average body length (chars)", f"{summary.body_chars / n:.0f}" if n else "-"],
        ["duplicates (duplicate_of set)", str(summary.duplicate_of)],
        ["repeated canonical_url", str(summary.repeated_canonical_url)],
        ["repeated fingerprint", str(summary.repeated_fingerprint)],
    ]
    if summary.unreadable:
        overview.append(["unreadable files", "; ".join(summary.unreadable)])
    if summary.file_problems:
        overview.append(["files with problems", "; ".join(summary.file_problems)])

    def counts(counter: Counter[str], limit: int | None = None) -> list[list[str]]:
        return [[name, str(c), _share(c, n)] for name, c in ranked(counter, limit)]

    def more(counter: Counter[str], limit: int | None) -> str:
        hidden = len(counter) - limit if limit is not None else 0
        return f" (top {limit} of {len(counter)})" if hidden > 0 else ""

    result = [
        Table("Dataset", ["", ""], overview),
        Table("Records per site", ["site", "records", "share"], counts(summary.sites)),
        Table(
            "Records per section" + more(summary.sections, top * 2),
            ["section", "records", "share"],
            counts(summary.sections, top * 2),
        ),
        Table(
            "Records per extractor", ["extractor", "records", "share"], counts(summary.extractors)
        ),
        Table(
            "Field coverage (records with a value)",
            ["field", "records", "share"],
            [
                [name, str(summary.coverage[name]), _share(summary.coverage[name], n)]
                for name in COVERAGE_FIELDS
            ],
        ),
    ]
    for title, label, counter in (
        ("Top sources (来源)", "source", summary.sources),
        ("Top reporters", "reporter", summary.reporters),
        ("Top editors", "editor", summary.editors),
        ("Top keywords", "keyword", summary.keywords),
    ):
        result.append(
            Table(
                title + more(counter, top),
                [label, "records", "share"],
                counts(counter, top),
            )
        )
    return result


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap


def format_table(table: Table) -> str:
    rows = [table.headers, *table.rows] if any(table.headers) else table.rows
    if not rows:
        return f"{table.title}\n  (none)\n"
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    numeric = [
        i > 0 and all(re.fullmatch(r"[\d.,%-]+", row[i] or "-") for row in table.rows)
        for i in range(len(widths))
    ]
    lines = [table.title]
    for k, row in enumerate(rows):
        cells = [_pad(cell, widths[i], numeric[i]) for i, cell in enumerate(row)]
        lines.append("  " + "  ".join(cells).rstrip())
        if k == 0 and any(table.headers):
            lines.append("  " + "  ".join("-" * w for w in widths))
    if not table.rows:
        lines.append("  (none)")
    return "\n".join(lines) + "\n"


def render_text(summary: DatasetSummary, top: int = 10) -> str:
    return "\n".join(format_table(t) for t in tables(summary, top))


# ----------------------------------------------------------------------------------------
# plot and HTML


def plot_png(summary: DatasetSummary) -> bytes:
    """Articles per day, week or month as a PNG (matplotlib's Agg canvas, no pyplot, no global
    state); the bin is `plot_bins`'s, so that every dated record is drawn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.6), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    unit, bins = plot_bins(summary.per_day)
    if bins:
        starts = [min(bins)]
        while starts[-1] < max(bins):
            starts.append(_next_bin(starts[-1], unit))
        counts = [bins.get(start, 0) for start in starts]
        widths = [0.85 * (_next_bin(start, unit) - start).days for start in starts]
        ax.bar(starts, counts, width=widths, align="edge", color="#c23b22")
        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        ax.set_xlabel(f"publish {unit} (as printed, China time)")
        ax.set_ylabel(f"articles per {unit}")
        ax.yaxis.get_major_locator().set_params(integer=True)
    else:
        ax.text(0.5, 0.5, "no dated records", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
    ax.set_title(
        f"Articles per {unit} ({summary.dated_by_day} of {summary.records} records dated)",
        fontsize=11,
    )
    ax.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    # No software/date metadata: the same dataset gives the same bytes.
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


HTML_STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
       margin: 2em auto; max-width: 60em; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.1em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { padding: 0.2em 0.8em; border-bottom: 1px solid #ddd; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; }
.files { color: #666; font-size: 0.9em; }
"""


def render_html(
    summary: DatasetSummary,
    files: list[str],
    png: bytes | None,
    top: int = 10,
    note: str | None = None,
) -> str:
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh"><head><meta charset="utf-8">',
        "<title>xinwen dataset report</title>",
        f"<style>{HTML_STYLE}</style></head><body>",
        "<h1>xinwen dataset report</h1>",
        f'<p class="files">{esc(", ".join(files))}</p>',
    ]
    if png:
        data = base64.b64encode(png).decode("ascii")
        parts.append(f'<img alt="articles over time" src="data:image/png;base64,{data}">')
    if note:
        parts.append(f'<p class="note">{esc(note)}</p>')
    for table in tables(summary, top):
        parts.append(f"<h2>{esc(table.title)}</h2><table>")
        if any(table.headers):
            parts.append("<tr>" + "".join(f"<th>{esc(h)}</th>" for h in table.headers) + "</tr>")
        for row in table.rows:
            cells = "".join(
                f'<td class="n">{esc(c)}</td>'
                if i > 0 and re.fullmatch(r"[\d.,%-]+", c)
                else f"<td>{esc(c)}</td>"
                for i, c in enumerate(row)
            )
            parts.append(f"<tr>{cells}</tr>")
        if not table.rows:
            parts.append("<tr><td>(none)</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


# ----------------------------------------------------------------------------------------
# xinwen report


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="JSONL dataset (.jsonl, .jsonl.gz, a directory, a quoted glob, or -)",
    )
    parser.add_argument(
        "--png", metavar="PATH", help="write a plot of articles per day, week or month"
    )
    parser.add_argument(
        "--html", metavar="PATH", help="write a self-contained HTML report (tables and plot)"
    )
    parser.add_argument(
        "--top", type=int, default=10, metavar="N", help="rows in the top-N tables (default 10)"
    )


def run_report(
    files: list[str] | argparse.Namespace,
    png: str | None = None,
    html_path: str | None = None,
    top: int = 10,
    out: IO[str] | None = None,
    err: IO[str] | None = None,
    stdin: IO[bytes] | None = None,
) -> int:
    """`xinwen report`: tables on standard output. Exit 0; 2 when a file cannot be read or
    a plot is asked for without matplotlib. Bad lines are counted, never fatal."""
    if isinstance(files, argparse.Namespace):
        ns = files
        files, png, html_path, top = ns.files, ns.png, ns.html, ns.top
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr

    summary = summarise(files, stdin)
    for problem in summary.unreadable + summary.file_problems:
        print(f"xinwen: {problem}", file=err)
    out.write(render_text(summary, top))
    if summary.bad_lines:
        print(
            f"xinwen: {summary.bad_lines} bad lines skipped (xinwen validate lists them)",
            file=err,
        )

    status = 2 if summary.unreadable else 0
    image: bytes | None = None
    note = None
    if png or html_path:
        try:
            image = plot_png(summary)
        except ImportError:
            note = f"No plot: matplotlib is not installed ({INSTALL_PLOTS})."
            print(f"xinwen: plots need matplotlib: {INSTALL_PLOTS}", file=err)
            if png:
                status = 2
    try:
        if png and image is not None:
            with open(png, "wb") as fh:
                fh.write(image)
        if html_path:
            with open(html_path, "w", encoding="utf-8") as fh:
                fh.write(render_html(summary, files, image, top, note))
    except OSError as exc:
        print(f"xinwen: {exc.filename}: {(exc.strerror or str(exc)).lower()}", file=err)
        return 2
    return status
