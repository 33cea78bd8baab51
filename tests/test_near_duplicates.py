"""Republished articles: the same story on another URL or site is kept and marked with
`duplicate_of` (the first record's canonical URL); the same canonical URL is dropped."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.spiders.hnr import HnrSpider
from crawler.state import StateStore, body_simhash, crawl_state
from pipelines.dedupe import DuplicatesPipeline
from tests.conftest import needs_bundled_mirror, read_jsonl, run_xinwen
from tests.test_state import BODY

SEED = "http://news.hnr.cn/jpyc/article/1/1517452279542722577"
REPUBLISHED = "http://pds.hnr.cn/xwzx/article/1/1517452279542747138"


def _record(url: str, body: str, fingerprint: str) -> dict:
    return {"url": url, "canonical_url": url, "site": "hnr.cn", "body": body,
            "fingerprint": fingerprint, "duplicate_of": None}  # fmt: skip


def _pipeline(tmp_path: Path, **settings) -> tuple[DuplicatesPipeline, StateStore]:
    crawler = get_crawler(HnrSpider, {"XINWEN_STATE_PATH": str(tmp_path / "s.sqlite3"), **settings})
    return DuplicatesPipeline.from_crawler(crawler), crawl_state(crawler)


@needs_bundled_mirror
def test_offline_mirror_republished_article_is_marked(tmp_path: Path) -> None:
    out = tmp_path / "hnr.jsonl"
    proc = run_xinwen("crawl", "hnr", "--offline", "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    by_url = {r["canonical_url"]: r for r in read_jsonl(out)}
    seed, copy_ = by_url[SEED], by_url[REPUBLISHED]
    marked = [r for r in (seed, copy_) if r["duplicate_of"]]
    assert len(marked) == 1, "exactly one of the pair points at the other"
    (first,) = [r for r in (seed, copy_) if not r["duplicate_of"]]
    assert marked[0]["duplicate_of"] == first["canonical_url"]
    assert sum(1 for r in by_url.values() if r["duplicate_of"]) == 1


def test_republished_with_other_dateline_and_footer_is_kept_and_marked(tmp_path: Path) -> None:
    pipeline, state = _pipeline(tmp_path)
    first = _record("http://news.hnr.cn/a", BODY, "a" * 32)
    pipeline.process_item(first)
    state.commit_article(first)  # on disk: seen from now on, also by later runs
    copy_body = (
        BODY.replace("映象网讯(大象新闻记者 高君晓 通讯员 张亚丹 )", "本报讯 ") + "(来源:映象网)"
    )
    copy_ = pipeline.process_item(_record("http://pds.hnr.cn/b", copy_body, "b" * 32))
    assert copy_["duplicate_of"] == "http://news.hnr.cn/a"
    assert pipeline.stats.get_value("xinwen/republished/near") == 1
    # A third copy points at the first record, not at the copy.
    state.commit_article(copy_)
    third = pipeline.process_item(_record("http://zz.hnr.cn/c", copy_body + "责编:王", "c" * 32))
    assert third["duplicate_of"] == "http://news.hnr.cn/a"


def test_same_body_in_the_same_run_is_marked_before_it_is_on_disk(tmp_path: Path) -> None:
    pipeline, _state = _pipeline(tmp_path)
    pipeline.process_item(_record("http://news.hnr.cn/a", BODY, "a" * 32))
    copy_ = pipeline.process_item(_record("http://pds.hnr.cn/b", BODY, "a" * 32))
    assert copy_["duplicate_of"] == "http://news.hnr.cn/a"
    assert pipeline.stats.get_value("xinwen/republished/fingerprint") == 1


def test_same_canonical_url_is_dropped_across_runs(tmp_path: Path) -> None:
    pipeline, state = _pipeline(tmp_path)
    record = _record("http://news.hnr.cn/a", BODY, "a" * 32)
    state.commit_article(pipeline.process_item(record))
    state.close()
    again, _ = _pipeline(tmp_path)  # a new crawl on the same state file
    with pytest.raises(DropItem, match="canonical_url"):
        again.process_item(dict(record, url="http://news.hnr.cn/a?from=home"))


def test_unrelated_article_is_not_marked(tmp_path: Path) -> None:
    pipeline, state = _pipeline(tmp_path)
    state.commit_article(pipeline.process_item(_record("http://news.hnr.cn/a", BODY, "a" * 32)))
    other = "郑州市今年新建公园游园一百二十个,市民出门见绿、推窗见景的愿望正在变成现实。" * 3
    assert (
        pipeline.process_item(_record("http://news.hnr.cn/o", other, "o" * 32))["duplicate_of"]
        is None
    )


def test_threshold_is_a_setting(tmp_path: Path) -> None:
    copy_body = (
        BODY.replace("映象网讯(大象新闻记者 高君晓 通讯员 张亚丹 )", "本报讯 ")
        + "(来源:映象网) 责编:张三"
    )
    distance = (body_simhash(BODY) ^ body_simhash(copy_body)).bit_count()
    assert 0 < distance <= 3
    pipeline, state = _pipeline(tmp_path, XINWEN_NEAR_DUPLICATE_DISTANCE=0)
    assert state.near_distance == 0
    state.commit_article(pipeline.process_item(_record("http://news.hnr.cn/a", BODY, "a" * 32)))
    assert (
        pipeline.process_item(_record("http://pds.hnr.cn/b", copy_body, "b" * 32))["duplicate_of"]
        is None
    )
