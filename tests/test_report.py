"""`xinwen report` on a good and a damaged dataset (`crawler.datasets.report`)."""

from __future__ import annotations

import argparse
import base64
import io
import re
from pathlib import Path

from crawler.datasets.report import add_report_arguments, run_report, summarise

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
