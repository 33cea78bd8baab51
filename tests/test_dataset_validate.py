"""`xinwen validate` on a good and a damaged dataset (`crawler.datasets.dataset`)."""

from __future__ import annotations

import argparse
import gzip
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from crawler.datasets.dataset import add_validate_arguments, check_line, iter_dataset, run_validate
from pipelines.schema import Article

DATA = Path(__file__).parent / "data"
GOOD = DATA / "good.jsonl"
DAMAGED = DATA / "damaged.jsonl"


def validate(*files, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    status = run_validate([str(f) for f in files], out=out, err=err, **kwargs)
    return status, out.getvalue(), err.getvalue()


def test_good_dataset_passes():
    status, out, err = validate(GOOD)
    assert status == 0
    assert out == "1 file, 20 lines: 20 good, 0 bad\n"
    assert err == ""


def test_damaged_dataset_reports_each_bad_line():
    status, out, _ = validate(DAMAGED)
    assert status == 1
    lines = out.splitlines()
    bad = {int(line.split(":")[1]): line for line in lines[:-1]}
    assert sorted(bad) == [3, 4, 5, 7, 8, 9]  # line 2 is blank, lines 1 and 6 are good
    assert all(line.startswith(f"{DAMAGED}:") for line in bad.values())
    assert "invalid JSON" in bad[3]
    assert "reporters: Input should be a valid list" in bad[4]
    assert "schema_version: Input should be a valid integer" in bad[4]  # strict: "1" is no int
    assert "title: Field required" in bad[5]
    assert "published_at:" in bad[7]
    assert "RFC 3339" in bad[7]
    assert "not a JSON object" in bad[8]
    assert "invalid JSON" in bad[9]
    assert "truncated" in bad[9]
    assert lines[-1] == "1 file, 8 lines: 2 good, 6 bad"


def test_several_files_quiet_and_missing(tmp_path):
    status, out, _ = validate(GOOD, DAMAGED, quiet=True)
    assert status == 1
    assert out == "2 files, 28 lines: 22 good, 6 bad, 2 repeated\n"  # damaged repeats good
    status, out, err = validate(GOOD, tmp_path / "missing.jsonl")
    assert status == 2
    assert "missing.jsonl: no such file or directory" in err
    assert out.endswith("1 unreadable\n")


def test_gzip_and_stdin(tmp_path):
    packed = tmp_path / "good.jsonl.gz"
    packed.write_bytes(gzip.compress(GOOD.read_bytes()))
    assert validate(packed)[0] == 0
    status, out, _ = validate("-", stdin=io.BytesIO(DAMAGED.read_bytes()))
    assert status == 1
    assert out.startswith("<stdin>:3: invalid JSON")


def test_key_order_is_not_an_error_but_extra_keys_and_duplicates_are():
    record = json.loads(GOOD.read_text(encoding="utf-8").splitlines()[0])
    reordered = dict(sorted(record.items()))
    assert check_line(json.dumps(reordered, ensure_ascii=False).encode())[1] is None
    extra = dict(record, author="高君晓")
    assert "author: Extra inputs are not permitted" in check_line(json.dumps(extra).encode())[1]
    dup = json.dumps(record)[:-1] + ', "title": "again"}'
    assert "duplicate key 'title'" in check_line(dup.encode())[1]
    assert "not UTF-8" in check_line(b'{"title": "\xff"}\n')[1]
    nan = json.dumps(dict(record, schema_version=float("nan")))
    assert "NaN" in check_line(nan.encode())[1]
    v3 = json.dumps(dict(record, schema_version=3)).encode()
    assert check_line(v3)[1] == "schema_version: 3 is not 1 or 2"


def test_namespace_from_its_parser():
    parser = argparse.ArgumentParser()
    add_validate_arguments(parser)
    out = io.StringIO()
    assert run_validate(parser.parse_args(["-q", str(DAMAGED)]), out=out) == 1
    assert out.getvalue() == "1 file, 8 lines: 2 good, 6 bad\n"


def test_large_file_streams(tmp_path):
    """A dataset is read line by line: 20 000 lines check with one line in memory."""
    line = GOOD.read_bytes().splitlines()[0] + b"\n"
    big = tmp_path / "big.jsonl"
    with big.open("wb") as fh:
        for _ in range(20_000):
            fh.write(line)
    count = sum(1 for item in iter_dataset(str(big)) if item.ok)
    assert count == 20_000


@pytest.mark.parametrize("path", [GOOD])
def test_dataset_loads_with_pandas(path):
    frame = pd.read_json(path, lines=True, dtype=False)
    assert len(frame) == 20
    assert list(frame.columns) == list(Article.model_fields)
    assert frame.loc[0, "title"] == "郑州地铁12号线开通初期运营"
    assert frame.loc[0, "reporters"][0] == {"name": "高君晓", "role": "记者", "org": "大象新闻"}
    published = pd.to_datetime(frame["published_at"])  # one line: a tz-aware column
    assert str(published.dt.tz) == "UTC+08:00"
    assert published.notna().sum() == 18  # two records are undated
    assert frame["published_precision"].value_counts().to_dict() == {"second": 17, "day": 1}
    assert frame["site"].value_counts()["hnr.cn"] == 15


# -- issue 16 / 18: what users hand `xinwen validate` ------------------------------------------


def good_lines() -> list[bytes]:
    return GOOD.read_bytes().splitlines(keepends=True)


def test_repeated_records_are_reported(tmp_path):
    lines = good_lines()
    path = tmp_path / "twice.jsonl"
    path.write_bytes(b"".join(lines) + lines[3])
    status, out, _ = validate(path)
    assert status == 1
    assert f"{path}:21: repeats {path}:4 (same url)" in out
    assert out.splitlines()[-1] == "1 file, 21 lines: 21 good, 0 bad, 1 repeated"
    record = json.loads(lines[3])
    copy = dict(record, url=record["url"] + "?x", canonical_url=record["url"] + "?x")
    path.write_bytes(b"".join(lines) + json.dumps(copy, ensure_ascii=False).encode() + b"\n")
    assert "(same fingerprint)" in validate(path)[1]
    marked = dict(copy, duplicate_of=record["canonical_url"])  # a republished body, said so
    path.write_bytes(b"".join(lines) + json.dumps(marked, ensure_ascii=False).encode() + b"\n")
    assert validate(path)[0] == 0


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "not JSON lines but a PNG image"),
        (b'{\n  "url": "x"\n}\n', "not JSON lines but one JSON document over many lines"),
        (b'[{"url": "x"}, {"url": "y"}]\n', "not JSON lines but a JSON array"),
        (b"\x00\x01\x02binary", "not JSON lines but binary data"),
        (b"", "empty: no records"),
        (b"\n\n", "empty: no records"),
    ],
)
def test_files_that_are_not_jsonl_are_one_line(tmp_path, content, reason):
    path = tmp_path / "data.jsonl"
    path.write_bytes(content)
    status, out, _ = validate(path)
    assert status == 1
    first, summary = out.splitlines()  # one line for the file, then the summary
    assert first.startswith(f"{path}: {reason}")
    assert summary.endswith("0 bad; 1 file problem")


def test_bom_and_crlf_are_reported(tmp_path):
    lines = good_lines()
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + b"".join(lines))
    status, out, _ = validate(bom)
    assert status == 1 and f"{bom}:1: UTF-8 byte order mark" in out
    crlf = tmp_path / "crlf.jsonl"
    crlf.write_bytes(b"".join(lines).replace(b"\n", b"\r\n"))
    status, out, _ = validate(crlf)
    assert status == 1
    assert out.splitlines() == [
        f"{crlf}:1: CRLF line ending (this line and 19 more; pandas reads a stray \\r)",
        "1 file, 20 lines: 20 good, 0 bad; 1 file problem",
    ]


def test_directories_and_globs(tmp_path):
    lines = good_lines()
    parts = tmp_path / "out" / "hnr.cn"
    parts.mkdir(parents=True)
    (parts / "2024-05-01.jsonl").write_bytes(b"".join(lines[:10]))
    (parts / "2024-05-02.jsonl").write_bytes(b"".join(lines[10:]))
    (parts / "2024-05-01.jsonl.rejected.jsonl").write_text('{"url": "x", "reason": "r"}\n')
    (tmp_path / "out" / "_runs").mkdir()
    (tmp_path / "out" / "_runs" / "run.json").write_text("{}")
    status, out, _ = validate(tmp_path / "out")
    assert status == 0 and out == "2 files, 20 lines: 20 good, 0 bad\n"
    status, out, _ = validate(str(tmp_path / "out" / "*" / "*-01.jsonl"))
    assert status == 0 and out == "1 file, 10 lines: 10 good, 0 bad\n"
    empty = tmp_path / "none"
    empty.mkdir()
    status, _, err = validate(empty, str(tmp_path / "nothing-*.jsonl"))
    assert status == 2
    assert "a directory without JSONL files" in err and "no file matches" in err


def test_deep_nesting_and_lone_surrogates_are_one_bad_line_each(tmp_path):
    lines = good_lines()
    record = json.loads(lines[0])
    surrogate = json.dumps(dict(record, title="标题\ud800"))  # ensure_ascii: a \ud800 escape
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(
        lines[0]
        + b"[" * 200_000 + b"]" * 200_000 + b"\n"
        + b'{"a":' * 200_000 + b"1" + b"}" * 200_000 + b"\n"
        + surrogate.encode() + b"\n"
        + lines[1]
    )  # fmt: skip
    status, out, _ = validate(path)
    assert status == 1
    assert out.splitlines() == [
        f"{path}:2: invalid JSON: nested too deep",
        f"{path}:3: invalid JSON: nested too deep",
        f"{path}:4: a lone UTF-16 surrogate escape (\\udXXX) in a string: not writable as UTF-8",
        "1 file, 5 lines: 2 good, 3 bad",
    ]


def test_version_1_records_are_read_as_version_2(tmp_path):
    record = json.loads(good_lines()[6])  # the date-only record
    assert record["published_precision"] == "day"
    v1 = {k: v for k, v in record.items() if k != "published_precision"}
    v1.update(published_at=record["published_at"][:10], schema_version=1)
    upgraded, reason = check_line(json.dumps(v1, ensure_ascii=False).encode())
    assert reason is None
    assert upgraded == record  # same keys in the same order, the same values
    minute = dict(v1, published_at="2018-12-05T08:30+08:00")
    upgraded, _ = check_line(json.dumps(minute).encode())
    assert upgraded["published_at"] == "2018-12-05T08:30:00+08:00"
    assert upgraded["published_precision"] == "minute"
    naive = dict(v1, published_at="2018-12-05 08:30")
    assert "published_at" in check_line(json.dumps(naive).encode())[1]
