"""The `xinwen` command line as a user meets it (issue 16): outputs named as for `scrapy crawl`,
where the records and the state went, a quiet terminal, one-line usage errors."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from crawler.cli import ProgressLine, crawl_feeds, parse_output, summary_lines
from crawler.crawl.extensions import format_summary
from crawler.state import MEMORY
from pipelines.exporters import json_cell
from pipelines.schema import Article
from tests.conftest import read_jsonl, run_xinwen

REPO = Path(__file__).resolve().parents[1]


def run_plain(*args: str, cwd: Path | None = None, timeout: float = 180):
    """`xinwen ARGS` without the test helper's private $XINWEN_STATE: as a user runs it."""
    env = {k: v for k, v in os.environ.items() if k not in ("SCRAPY_SETTINGS_MODULE",)}
    env.pop("XINWEN_STATE", None)
    env["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="xinwen-xdg-")  # never the user's own
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        cwd=cwd, capture_output=True, timeout=timeout, env=env, check=False,
    )  # fmt: skip


def mirror_args(mini_mirror: Path) -> tuple[str, ...]:
    return (
        "crawl",
        "hnr",
        "--offline",
        "-a",
        "channels=djn",
        "-s",
        f"XINWEN_MIRROR_ROOT={mini_mirror}",
    )


# -- output names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "target", "fmt", "gz"),
    [
        ("out.jsonl", "out.jsonl", "jsonlines", False),
        ("out.jl", "out.jl", "jsonlines", False),
        ("out.json", "out.json", "json", False),
        ("out.csv", "out.csv", "csv", False),
        ("out.jsonl.gz", "out.jsonl.gz", "jsonlines", True),
        ("out.csv.gz", "out.csv.gz", "csv", True),
        ("x.jsonl:jsonlines", "x.jsonl", "jsonlines", False),
        ("data.txt:csv", "data.txt", "csv", False),
        ("-", "-", "jsonlines", False),
        ("-:json", "-", "json", False),
        ("C:/data/out.jsonl", "C:/data/out.jsonl", "jsonlines", False),
    ],
)
def test_output_format_from_extension_or_suffix(value, target, fmt, gz) -> None:
    output = parse_output(value, overwrite=False)
    assert (output.target, output.format, output.gzip) == (target, fmt, gz)


@pytest.mark.parametrize("value", ["out.txt", "out", "x.jsonl:parquet", "out.gz", "d/:csv"])
def test_unsupported_output_formats_are_usage_errors(value) -> None:
    with pytest.raises(ValueError):
        parse_output(value, overwrite=False)


def test_feeds_gzip_stdout_and_partitions(tmp_path: Path) -> None:
    outputs = [
        parse_output(str(tmp_path / "a.jsonl.gz"), False),
        parse_output("-", False),
        parse_output(str(tmp_path) + "/parts/", False),
    ]
    feeds = crawl_feeds(outputs)
    gz = feeds[str(tmp_path / "a.jsonl.gz")]
    assert gz["postprocessing"] == ["scrapy.extensions.postprocessing.GzipPlugin"]
    assert feeds["stdout:"]["format"] == "jsonlines" and not feeds["stdout:"]["overwrite"]
    assert feeds[str(tmp_path / "parts") + "/"]["xinwen_partitioned"] is True
    with pytest.raises(ValueError, match="given twice"):
        crawl_feeds([outputs[0], outputs[0]])


def test_csv_cells_of_lists_are_json() -> None:
    people = [{"name": "高君晓", "role": "记者", "org": None}]
    assert json_cell(people) == '[{"name":"高君晓","role":"记者","org":null}]'
    assert json_cell(["地铁", "郑州"]) == '["地铁","郑州"]'
    assert json_cell("text") == "text" and json_cell(None) is None


# -- the summary -----------------------------------------------------------------------------

SUMMARY = {
    "spider": "hnr", "finish_reason": "finished", "pages_fetched": 59, "records_written": 0,
    "rejected": 0, "rejected_by_reason": {}, "duplicates": 0, "duplicates_by_kind": {},
    "skipped_known": 13, "lists_stopped": 2, "skipped_out_of_window": 46,
    "field_share": {"title": 0.0, "published_at": 0.0},
}  # fmt: skip


def test_summary_wording() -> None:
    text = format_summary(SUMMARY)
    assert "field share" not in text  # no "title 0%" for a run that wrote nothing
    assert "46 of 59 pages fetched" in text and "--since/--until" in text
    assert text.splitlines()[0] == "crawl hnr: finished"
    assert format_summary(SUMMARY, failed=True).splitlines()[0] == "crawl hnr: failed"
    wrote = dict(SUMMARY, records_written=4, field_share={"title": 1.0})
    assert "field share      title 100%" in format_summary(wrote)


def test_summary_says_where_records_and_state_are(tmp_path: Path) -> None:
    outputs = [parse_output("-", False), parse_output("a.csv", False)]
    state = str(tmp_path / "s.sqlite3")
    lines = summary_lines(SUMMARY, outputs, state)
    assert lines[0] == "  written to       standard output (jsonl); a.csv (csv)"
    assert f"  state            {state}" in lines
    assert any("--fresh" in line for line in lines)
    memory = summary_lines(SUMMARY, outputs, MEMORY)
    assert any("none kept" in line and "-O or a new file" in line for line in memory)
    assert summary_lines(dict(SUMMARY, skipped_known=0, lists_stopped=0), [], MEMORY) == []


class _Stats:
    def __init__(self, values: dict) -> None:
        self.values = values

    def get_stats(self) -> dict:
        return self.values


class _Crawler:
    def __init__(self, values: dict) -> None:
        self.stats = _Stats(values)


def test_progress_line_counts_and_clears() -> None:
    stream = io.StringIO()
    stats = {
        "response_received_count": 12, "robotstxt/response_count": 2, "item_scraped_count": 7,
        "xinwen/rejected/http 404": 2, "xinwen/rejected/empty body": 1,
    }  # fmt: skip
    progress = ProgressLine(_Crawler(stats), stream)
    assert progress.line(elapsed=4.0) == "pages 10  records 7  rejected 3  2.5 pages/s"
    progress.draw()
    assert stream.getvalue().startswith("\r\x1b[Kpages 10")
    progress.filter(None)  # a log line: the progress line is cleared first
    assert stream.getvalue().endswith("\r\x1b[K") and not progress.shown


# -- usage errors, --version, --help, sites --------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-L", "bogus"], "'bogus' is not one of"),
        (["-a", "max_pages=abc"], "max_pages must be a whole number, not 'abc'"),
        (["-a", "max_pages=0"], "max_pages must be at least 1"),
        (["-s", "FOO"], "-s expects NAME=VALUE, not 'FOO'"),
        (["-a", "FOO"], "-a expects NAME=VALUE"),
        (["--since", "2024-02-01", "--until", "2024-01-01"], "is after --until"),
        (["--since", "someday"], "--since"),
        (["-o", "out.txt"], "cannot tell the format of 'out.txt'"),
        (["-o", "x.jsonl:parquet"], "unsupported output format 'parquet'"),
        (["-O", "somedir/"], "-O replaces a file"),
        (["--no-such-option"], "unrecognized arguments"),
    ],
)
def test_usage_errors_are_one_line_exit_2(tmp_path: Path, args, message) -> None:
    proc = run_xinwen("crawl", "hnr", "--offline", *args, cwd=tmp_path)
    stderr = proc.stderr.decode()
    assert proc.returncode == 2, stderr
    assert len(stderr.splitlines()) == 1 and message in stderr, stderr
    assert "Traceback" not in stderr
    assert not list(tmp_path.iterdir())  # nothing written, no crawl started


def test_unknown_site_and_command() -> None:
    proc = run_xinwen("crawl", "nosuchsite")
    assert proc.returncode == 2 and "unknown site 'nosuchsite'" in proc.stderr.decode()
    assert "xinwen sites" in proc.stderr.decode()
    proc = run_xinwen("frobnicate")
    assert proc.returncode == 2 and len(proc.stderr.decode().splitlines()) == 1


def test_version_help_and_sites() -> None:
    proc = run_xinwen("--version")
    assert proc.returncode == 0 and proc.stdout.decode().startswith("xinwen ")
    text = run_xinwen("--help").stdout.decode()
    assert "sites: " in text and "hnr" in text and "examples:" in text
    assert "xinwen crawl hnr --offline -o out/hnr.jsonl" in text
    assert "examples:" in run_xinwen("crawl", "--help").stdout.decode()
    proc = run_xinwen("sites")
    listing = proc.stdout.decode()
    assert proc.returncode == 0
    assert "hnr  (hnr.cn)" in listing
    assert "  djn          http://news.hnr.cn/djn/  *" in listing  # a default channel
    assert "  edu          http://edu.hnr.cn/\n" in listing


# -- crawls ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_outputs_in_each_format(mini_mirror: Path, tmp_path: Path) -> None:
    proc = run_xinwen(
        *mirror_args(mini_mirror), "-o", "-", "-o", "a.csv", "-o", "a.json", "-o", "a.jsonl.gz",
        "-o", "a.jl:jsonlines", "-O", "b.out:jsonl", cwd=tmp_path,
    )  # fmt: skip
    stderr = proc.stderr.decode()
    assert proc.returncode == 0, stderr[-2000:]
    lines = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(lines) == 4 and list(lines[0]) == list(Article.model_fields)
    assert json.loads((tmp_path / "a.json").read_text(encoding="utf-8")) == lines
    with gzip.open(tmp_path / "a.jsonl.gz", "rt", encoding="utf-8") as fh:
        assert [json.loads(line) for line in fh] == lines
    assert read_jsonl(tmp_path / "a.jl") == lines and read_jsonl(tmp_path / "b.out") == lines
    assert not (tmp_path / "a.jl:jsonlines").exists() and not (tmp_path / "-").exists()
    frame = pd.read_csv(tmp_path / "a.csv")
    assert list(frame.columns) == list(Article.model_fields) and len(frame) == 4
    assert [json.loads(cell) for cell in frame["reporters"]] == [r["reporters"] for r in lines]
    assert "written to       standard output (jsonl); a.csv (csv); a.json (json)" in stderr
    assert "a.jsonl.gz (jsonl, gzip)" in stderr
    assert f"rejected pages   {tmp_path / 'a.csv.rejected.jsonl'}" in stderr
    assert run_xinwen("validate", str(tmp_path / "a.jsonl.gz")).returncode == 0


@pytest.mark.slow
def test_without_output_records_go_to_stdout_and_the_terminal_is_quiet(
    mini_mirror: Path, tmp_path: Path
) -> None:
    proc = run_plain(*mirror_args(mini_mirror), cwd=tmp_path)
    stderr = proc.stderr.decode()
    assert proc.returncode == 0, stderr[-2000:]
    assert len(proc.stdout.decode().splitlines()) == 4
    assert "records written  4" in stderr
    assert "written to       standard output (jsonl)" in stderr
    # No start-up dumps; each deliberately broken page once (the missing page: one 404 line).
    assert "Overridden settings" not in stderr and "Enabled extensions" not in stderr
    assert len(stderr.splitlines()) < 20, stderr
    assert sum("1517366484394414081" in line for line in stderr.splitlines()) == 1
    assert "rejected pages   logged above" in stderr
    assert not list(tmp_path.iterdir())
    verbose = run_plain(*mirror_args(mini_mirror), "-L", "info", cwd=tmp_path)
    assert "Enabled extensions" in verbose.stderr.decode()
    log = tmp_path / "crawl.log"
    logged = run_plain(*mirror_args(mini_mirror), "--logfile", str(log), cwd=tmp_path)
    assert logged.returncode == 0
    assert "Enabled extensions" in log.read_text(encoding="utf-8")
    assert "Enabled extensions" not in logged.stderr.decode()


@pytest.mark.slow
def test_offline_crawls_keep_no_state_unless_asked(mini_mirror: Path, tmp_path: Path) -> None:
    for name in ("one.jsonl", "two.jsonl"):  # a new file gets every record again
        proc = run_plain(*mirror_args(mini_mirror), "-o", name, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr.decode()[-2000:]
        assert len(read_jsonl(tmp_path / name)) == 4
    state = tmp_path / "s.sqlite3"
    first = run_plain(
        *mirror_args(mini_mirror), "-o", "a.jsonl", "--state", str(state), cwd=tmp_path
    )
    assert first.returncode == 0 and len(read_jsonl(tmp_path / "a.jsonl")) == 4
    again = run_plain(
        *mirror_args(mini_mirror), "-o", str(tmp_path / "b.jsonl"), "--state", str(state)
    )
    stderr = again.stderr.decode()
    assert again.returncode == 0, stderr[-2000:]
    assert not (tmp_path / "b.jsonl").exists() or not read_jsonl(tmp_path / "b.jsonl")
    assert "already known" in stderr and f"state            {state}" in stderr
    assert "--fresh starts afresh" in stderr
    fresh = run_plain(
        *mirror_args(mini_mirror), "-o", str(tmp_path / "c.jsonl"), "--state", str(state), "--fresh"
    )  # fmt: skip
    assert fresh.returncode == 0, fresh.stderr.decode()[-2000:]
    assert "--fresh: removed the crawl state" in fresh.stderr.decode()
    assert len(read_jsonl(tmp_path / "c.jsonl")) == 4
