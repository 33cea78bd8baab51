"""Outputs for scheduled runs: partitioned datasets, sanitised paths, recovery of a file after a
kill (torn tail cut, written-but-unmarked records marked), manifests."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest
from scrapy.exporters import JsonLinesItemExporter

from crawler.state import StateStore
from pipelines import export
from pipelines.export import (
    DurableFeedStorage,
    OutputError,
    durable_feeds,
    partition_path,
    recover_output,
    recover_outputs,
    safe_day,
    safe_site,
)
from pipelines.exporters import RecordJsonLinesItemExporter
from tests.conftest import read_jsonl, run_xinwen


def _line(url: str, **fields) -> bytes:
    record = {"url": url, "canonical_url": url, "site": "hnr.cn", "body": f"正文 {url}",
              "fingerprint": url[-8:].rjust(8, "0"), "published_at": "2022-04-22T18:36:31+08:00",
              **fields}  # fmt: skip
    return json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n"


# -- partitions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("site", "expected"),
    [("hnr.cn", "hnr.cn"), ("HNR.cn.", "hnr.cn"), ("..", "unknown-site"), ("a/../b", "unknown-site"),
     ("../../etc", "unknown-site"), ("x\\y", "unknown-site"), ("", "unknown-site"), (None, "unknown-site"),
     (".hidden", "unknown-site"), ("a..b", "unknown-site"), ("河南.cn", "unknown-site")],
)  # fmt: skip
def test_site_component_is_sanitised(site, expected) -> None:
    assert safe_site(site) == expected


@pytest.mark.parametrize(
    ("published_at", "expected"),
    [("2022-04-22T18:36:31+08:00", "2022-04-22"), ("2022-04-22", "2022-04-22"),
     ("2022-04", "undated"), ("2022", "undated"), (None, "undated"), ("2022-13-40", "undated"),
     ("../../../x", "undated"), ("2022-04-22/../../x", "2022-04-22")],
)  # fmt: skip
def test_date_component_is_validated(published_at, expected) -> None:
    assert safe_day(published_at) == expected


def test_partition_path_stays_inside_the_root(tmp_path: Path) -> None:
    path = partition_path(tmp_path, {"site": "../..", "published_at": "../../x"})
    assert path == tmp_path / "unknown-site" / "undated.jsonl"
    assert path.resolve().is_relative_to(tmp_path.resolve())


def test_crawl_into_a_partitioned_directory(mini_mirror: Path, tmp_path: Path) -> None:
    root = tmp_path / "dataset"
    args = ("crawl", "hnr", "--offline", "--state", str(tmp_path / "s.sqlite3"), "-o", f"{root}/",
            "-a", "channels=djn", "-s", f"XINWEN_MIRROR_ROOT={mini_mirror}")  # fmt: skip
    proc = run_xinwen(*args)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    files = sorted(p.relative_to(root).as_posix() for p in root.glob("*/*.jsonl"))
    assert files == ["hnr.cn/2012-01-15.jsonl", "hnr.cn/2022-04-22.jsonl"]
    day = read_jsonl(root / "hnr.cn" / "2022-04-22.jsonl")
    assert {r["url"].rsplit("/", 1)[-1] for r in day} == {"1.html", "3.html", "4.html"}
    assert all(r["published_at"].startswith("2022-04-22") for r in day)
    (manifest_path,) = (root / "_runs").glob("*.json")
    manifest = json.loads(manifest_path.read_text("utf-8"))
    assert manifest["counts"]["records_written"] == 4 and manifest["status"] == "ok"
    assert sum(manifest["outputs"].values()) == 4
    # Again into the same directory (the existing dir is recognised without the slash).
    again = run_xinwen(*[a if a != f"{root}/" else str(root) for a in args])
    assert again.returncode == 0
    assert len(list((root / "_runs").glob("*.json"))) == 2
    assert sum(len(read_jsonl(p)) for p in root.glob("*/*.jsonl")) == 4


def test_overwrite_of_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_xinwen("crawl", "hnr", "--offline", "-O", f"{tmp_path}/")
    assert proc.returncode == 2 and "directory" in proc.stderr.decode()


def test_durable_feeds_reads_the_feeds_setting(tmp_path: Path) -> None:
    feeds = {
        str(tmp_path / "a.jsonl"): {"format": "jsonlines"},
        f"{tmp_path}/d/": {"format": "jsonlines", "xinwen_partitioned": True},
        str(tmp_path / "x.csv"): {"format": "csv"},
        "s3://bucket/x.jsonl": {"format": "jsonlines"},
        (tmp_path / "o.jsonl").as_uri(): {"format": "jsonlines", "overwrite": True},
    }
    assert list(durable_feeds(feeds)) == [
        (tmp_path / "a.jsonl", False, False),
        (tmp_path / "d", True, False),
        (tmp_path / "o.jsonl", False, True),
    ]


# -- durable writes and recovery -------------------------------------------------------------


def test_storage_group_commits_lines_with_their_offsets(tmp_path: Path) -> None:
    state = StateStore(tmp_path / "s.sqlite3")
    out = tmp_path / "o.jsonl"
    storage = DurableFeedStorage(str(out), feed_options={"format": "jsonlines"})
    storage._state = state
    writer = storage.open(None)
    one, two = _line("http://news.hnr.cn/1"), _line("http://news.hnr.cn/2")
    writer.write(one)
    assert not state.has_url("http://news.hnr.cn/1")  # seen only after the group's fsync
    writer.write(two[:10])  # the exporter writes whole lines; a partial one waits
    writer.write(two[10:])
    storage.commit()
    assert out.read_bytes() == one + two
    assert state.has_url("http://news.hnr.cn/1") and state.has_url("http://news.hnr.cn/2")
    assert state.committed_offset(str(out)) == len(one + two) == out.stat().st_size
    storage.store(writer)
    assert state.written == {str(out): 2}


@pytest.mark.parametrize(
    "options",
    [{}, {"fields_to_export": ["url", "title", "missing"]},
     {"fields_to_export": ["url", "missing"], "export_empty_fields": True},
     {"fields_to_export": {"url": "link", "title": "headline"}},
     {"fields_to_export": {"url": "link", "missing": "m"}, "export_empty_fields": True},
     {"encoding": "utf-8"}, {"encoding": "gb18030"}],
)  # fmt: skip
def test_record_exporter_writes_scrapys_bytes_and_hands_over_the_record(options: dict) -> None:
    item = {
        "url": "http://news.hnr.cn/1",
        "title": "映象网 “标题”",
        "reporters": [{"name": "张三"}],
    }

    records: list[dict] = []

    class RecordSink(io.BytesIO):
        def write_record(self, line: bytes, record: dict) -> None:
            self.write(line)
            records.append(record)

    expected, sink = io.BytesIO(), RecordSink()
    JsonLinesItemExporter(expected, **copy.deepcopy(options)).export_item(item)
    RecordJsonLinesItemExporter(sink, **copy.deepcopy(options)).export_item(item)
    assert sink.getvalue() == expected.getvalue()
    assert records == [json.loads(expected.getvalue().decode(options.get("encoding") or "utf-8"))]


def test_storage_given_the_record_does_not_parse_its_line(tmp_path: Path, monkeypatch) -> None:
    state = StateStore(tmp_path / "s.sqlite3")
    out = tmp_path / "o.jsonl"
    storage = DurableFeedStorage(str(out), feed_options={"format": "jsonlines"})
    storage._state = state
    writer = storage.open(None)
    monkeypatch.setattr(export, "_valid_record", lambda line: pytest.fail("parsed again"))
    line = _line("http://news.hnr.cn/1")
    RecordJsonLinesItemExporter(writer, encoding="utf-8").export_item(json.loads(line))
    storage.commit()
    assert out.read_bytes() == line
    assert state.has_url("http://news.hnr.cn/1")
    assert state.committed_offset(str(out)) == out.stat().st_size
    storage.store(writer)


def test_storage_commits_when_a_group_is_full(tmp_path: Path) -> None:
    state = StateStore(tmp_path / "s.sqlite3")
    out = tmp_path / "o.jsonl"
    storage = DurableFeedStorage(str(out), feed_options={"format": "jsonlines"})
    storage._state = state
    storage.commit_every = 2
    writer = storage.open(None)
    one, two = _line("http://news.hnr.cn/1"), _line("http://news.hnr.cn/2")
    writer.write(one)
    assert not state.has_url("http://news.hnr.cn/1")
    writer.write(two)
    assert state.has_url("http://news.hnr.cn/1") and state.has_url("http://news.hnr.cn/2")
    assert state.committed_offset(str(out)) == len(one + two)
    storage.store(writer)


def test_recovery_cuts_a_torn_line_and_marks_unmarked_records(tmp_path: Path) -> None:
    state = StateStore(tmp_path / "s.sqlite3")
    out = tmp_path / "o.jsonl"
    one, two, three = (_line(f"http://news.hnr.cn/{n}") for n in (1, 2, 3))
    out.write_bytes(one + two + three[:25])  # 1 committed, 2 written not marked, 3 torn
    state.commit_article(json.loads(one), str(out), len(one))
    assert recover_output(state, out) == (1, 25)
    assert out.read_bytes() == one + two
    assert state.has_url("http://news.hnr.cn/2") and not state.has_url("http://news.hnr.cn/3")
    assert state.committed_offset(str(out)) == len(one + two)
    assert recover_output(state, out) == (0, 0)  # idempotent


def test_recovery_refuses_an_unreadable_line_and_changes_nothing(tmp_path: Path) -> None:
    """Issue 18 item 3: a line that is not a record is the user's, not a torn write."""
    state = StateStore(tmp_path / "s.sqlite3")
    out = tmp_path / "o.jsonl"
    one, two = _line("http://news.hnr.cn/1"), _line("http://news.hnr.cn/2")
    content = one + b'{"not": "a record"}\n' + two
    out.write_bytes(content)
    with pytest.raises(OutputError, match=r"o.jsonl line 2 is not a xinwen record"):
        recover_output(state, out)
    assert out.read_bytes() == content
    assert state.count_articles() == 0 and state.output_offsets() == {}


def test_recovery_cuts_only_the_torn_last_line_of_a_file_it_recorded(tmp_path: Path) -> None:
    state = StateStore(tmp_path / "s.sqlite3")
    out = tmp_path / "o.jsonl"
    one, two = _line("http://news.hnr.cn/1"), _line("http://news.hnr.cn/2")
    out.write_bytes(one + two[:10])
    with pytest.raises(OutputError, match="has no newline"):  # not known to be ours
        recover_output(state, out)
    assert out.read_bytes() == one + two[:10]
    with state.transaction():
        state.set_committed_offset(str(out), 0)  # as the feed storage records it at open
    assert recover_output(state, out) == (1, 10)
    assert out.read_bytes() == one and state.has_url("http://news.hnr.cn/1")


def test_recovery_adopts_an_existing_file_and_rereads_a_replaced_one(tmp_path: Path) -> None:
    state = StateStore(tmp_path / "s.sqlite3")
    out = tmp_path / "o.jsonl"
    out.write_bytes(_line("http://news.hnr.cn/1") + _line("http://news.hnr.cn/2"))
    totals = recover_outputs(state, {str(out): {"format": "jsonlines"}})
    assert totals == {"lines": 2, "truncated_bytes": 0}
    replaced = _line("http://news.hnr.cn/9")
    out.write_bytes(replaced)  # shorter than committed: replaced by hand
    with pytest.raises(OutputError, match="shorter than this crawl state recorded"):
        recover_output(state, out)
    assert out.read_bytes() == replaced and not state.has_url("http://news.hnr.cn/9")
    # An overwritten feed is not recovered: it starts empty.
    assert recover_outputs(state, {str(out): {"format": "jsonlines", "overwrite": True}}) == {
        "lines": 0,
        "truncated_bytes": 0,
    }
