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
