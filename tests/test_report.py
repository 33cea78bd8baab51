"""`xinwen report` on a good and a damaged dataset (`crawler.datasets.report`)."""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

from crawler.datasets.report import (
    add_report_arguments,
    plot_bins,
    ranked,
    run_report,
    summarise,
)

DATA = Path(__file__).parent / "data"
GOOD = DATA / "good.jsonl"
DAMAGED = DATA / "damaged.jsonl"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def report(*files, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    status = run_report([str(f) for f in files], out=out, err=err, **kwargs)
    return status, out.getvalue(), err.getvalue()


def row(text: str, label: str) -> list[str]:
    """The cells of the first table row starting with `label`."""
    for line in text.splitlines():
        if line.strip().startswith(label + "  ") or line.strip() == label:
            return re.split(r"\s{2,}", line.strip())
    raise AssertionError(f"no row {label!r} in\n{text}")


def test_numbers_on_the_good_dataset():
    summary = summarise([str(GOOD)])
    assert summary.records == 20
    assert summary.bad_lines == 0
    assert summary.earliest[1] == "2024-05-01T09:30:15+08:00"
    assert summary.latest[1] == "2024-05-06T10:00:00+08:00"
    assert summary.sites == {"hnr.cn": 15, "dahe.cn": 5}
    assert summary.sections["文旅"] == 7
    assert summary.sections["河南新闻 > 郑州"] == 3
    assert summary.sections["(none)"] == 1
    assert summary.coverage["published_at"] == 18
    assert summary.coverage["reporters"] == 15
    assert summary.coverage["source"] == 17
    assert summary.coverage["subtitle"] == 1
    assert summary.coverage["images"] == 9
    assert summary.sources.most_common(1) == [("映象网", 9)]
    assert summary.reporters["高君晓"] == 4
    assert summary.keywords["地铁"] == 2
    assert summary.duplicate_of == 2
    assert summary.repeated_canonical_url == 0  # row 15 republishes row 14 under its own URL
    assert summary.repeated_fingerprint == 2
    assert sum(summary.per_day.values()) == 18  # the date-only 2024-05-03 counts for its day
    assert summary.per_day[min(summary.per_day)] == 4


def test_text_tables():
    status, out, err = report(GOOD)
    assert status == 0
    assert err == ""
    assert row(out, "records")[1] == "20"
    assert row(out, "earliest published_at")[1] == "2024-05-01T09:30:15+08:00"
    assert row(out, "hnr.cn") == ["hnr.cn", "15", "75.0%"]
    assert row(out, "reporters") == ["reporters", "15", "75.0%"]
    assert row(out, "映象网") == ["映象网", "9", "45.0%"]
    assert row(out, "duplicates (duplicate_of set)")[1] == "2"
    assert row(out, "repeated canonical_url")[1] == "0"
    assert "Top keywords (top 10 of 18)" in out


def test_png_and_html(tmp_path):
    png, page = tmp_path / "plot.png", tmp_path / "report.html"
    status, _, _ = report(GOOD, png=str(png), html_path=str(page))
    assert status == 0
    assert png.read_bytes().startswith(PNG_MAGIC)
    assert png.stat().st_size > 1000
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "<td>映象网</td>" in text
    embedded = re.search(r'src="data:image/png;base64,([^"]+)"', text).group(1)
    assert base64.b64decode(embedded).startswith(PNG_MAGIC)
    assert "http" not in text.replace(str(GOOD), "")  # self-contained: nothing to fetch


def test_damaged_dataset_still_reports(tmp_path):
    page = tmp_path / "r.html"
    status, out, err = report(DAMAGED, html_path=str(page))
    assert status == 0
    assert row(out, "records")[1] == "2"
    assert row(out, "bad lines (skipped)")[1] == "6"
    assert "6 bad lines skipped" in err
    assert page.stat().st_size > 0


def test_empty_and_missing_files(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    png = tmp_path / "p.png"
    status, out, _ = report(empty, png=str(png))
    assert status == 0
    assert row(out, "records")[1] == "0"
    assert png.read_bytes().startswith(PNG_MAGIC)
    status, _, err = report(tmp_path / "missing.jsonl")
    assert status == 2
    assert "missing.jsonl: no such file or directory" in err


def test_namespace_from_its_parser(tmp_path):
    parser = argparse.ArgumentParser()
    add_report_arguments(parser)
    args = parser.parse_args([str(GOOD), "--top", "3", "--png", str(tmp_path / "x.png")])
    out = io.StringIO()
    assert run_report(args, out=out, err=io.StringIO()) == 0
    assert "Top keywords (top 3 of 18)" in out.getvalue()
    assert (tmp_path / "x.png").stat().st_size > 0


# -- issue 16: every dated record drawn, labelled, the same every time --------------------------

SPREAD_DAYS = [
    "2012-01-15", "2012-06-11", "2014-03-02", "2016-07-30", "2017-05-18", "2018-11-02",
    "2018-12-05", "2019-06-21", "2020-02-29", "2022-01-20", "2022-04-22",
]  # fmt: skip


def spread_dataset(tmp_path: Path) -> Path:
    """11 records on 11 days from 2012 to 2022, as the bundled mirror's dataset is."""
    lines = GOOD.read_text(encoding="utf-8").splitlines()[:11]
    records = []
    for line, day in zip(lines, SPREAD_DAYS, strict=True):
        record = json.loads(line)
        record.update(published_at=f"{day}T08:00:00+08:00", published_precision="second")
        records.append(json.dumps(record, ensure_ascii=False))
    path = tmp_path / "spread.jsonl"
    path.write_text("\n".join(records) + "\n", encoding="utf-8")
    return path


def test_bins_follow_the_span(tmp_path: Path) -> None:
    unit, bins = plot_bins(summarise([str(spread_dataset(tmp_path))]).per_day)
    assert unit == "month"
    assert sum(bins.values()) == 11 and len(bins) == 11  # every dated record in a bar
    assert min(bins) == date(2012, 1, 1) and all(start.day == 1 for start in bins)
    days = Counter({date(2024, 1, 1): 2, date(2024, 3, 1): 1})
    assert plot_bins(days) == ("day", days)
    unit, weeks = plot_bins(
        Counter({date(2024, 1, 3): 1, date(2024, 1, 4): 2, date(2024, 9, 1): 1})
    )
    assert unit == "week" and weeks == {date(2024, 1, 1): 3, date(2024, 8, 26): 1}
    assert plot_bins(Counter()) == ("day", Counter())


def test_plot_has_labels_and_the_same_bytes_every_time(tmp_path: Path) -> None:
    spread = spread_dataset(tmp_path)
    png = [tmp_path / f"{i}.png" for i in range(2)]
    for path in png:
        assert report(spread, png=str(path))[0] == 0
    assert png[0].read_bytes() == png[1].read_bytes()
    text = png[0].read_bytes()
    assert text.startswith(PNG_MAGIC) and b"matplotlib" not in text  # no software metadata


def test_report_is_deterministic_across_hash_seeds(tmp_path: Path) -> None:
    """Names gathered through sets (reporters, keywords) tie: same order whatever the seed."""
    outputs = set()
    for seed in ("1", "2", "3"):
        page = tmp_path / f"r{seed}.html"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "report", str(GOOD), "--html", str(page)],
            capture_output=True, env=env, timeout=120, check=True,
        )  # fmt: skip
        html = page.read_text(encoding="utf-8").replace(str(GOOD), "")
        outputs.add((proc.stdout, html))
    assert len(outputs) == 1


def test_ties_are_ordered_by_name() -> None:
    assert ranked(Counter({"乙": 2, "甲": 2, "丙": 3})) == [("丙", 3), ("乙", 2), ("甲", 2)]
    assert ranked(Counter({"b": 1, "a": 1}), 1) == [("a", 1)]


def test_without_matplotlib_the_html_is_written_with_a_note(tmp_path: Path) -> None:
    page, png = tmp_path / "r.html", tmp_path / "r.png"
    script = (
        "import sys; sys.modules['matplotlib'] = None\n"  # import matplotlib -> ImportError
        "from crawler.cli import main\n"
        f"sys.exit(main(['report', {str(GOOD)!r}, '--html', {str(page)!r}, '--png', {str(png)!r}]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, timeout=120, check=False
    )
    assert proc.returncode == 2  # the PNG asked for could not be drawn
    assert "pip install 'xinwen[report]'" in proc.stderr.decode()
    assert not png.exists()
    html = page.read_text(encoding="utf-8")
    assert "matplotlib is not installed" in html and "<td>映象网</td>" in html


def test_hostile_lines_are_counted_not_fatal(tmp_path: Path) -> None:
    lines = GOOD.read_bytes().splitlines(keepends=True)
    path = tmp_path / "hostile.jsonl"
    record = json.loads(lines[0])
    surrogate = json.dumps(dict(record, url="http://x/1", title="标题\ud800")).encode()
    path.write_bytes(
        lines[0] + b"[" * 200_000 + b"]" * 200_000 + b"\n" + surrogate + b"\n" + lines[1]
    )
    status, out, err = report(path)
    assert status == 0 and "Traceback" not in err
    assert row(out, "records")[1] == "2" and row(out, "bad lines (skipped)")[1] == "2"
