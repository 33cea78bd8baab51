"""Pipelines one by one: validation and its rejection reasons, quarantine, duplicates, summary."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.crawl.extensions import CrawlSummary, ShortLogFormatter, crawl_failed, format_summary
from crawler.spiders.hnr import HnrSpider
from pipelines.dedupe import DuplicatesPipeline
from pipelines.quarantine import Quarantine, RejectedPage, default_quarantine_path
from pipelines.schema import Article
from pipelines.validate import Rejected, ValidationPipeline, rejection_reason, validate_record

GOOD = {
    "url": "http://news.hnr.cn/202204/22/1.html",
    "canonical_url": "http://news.hnr.cn/202204/22/1.html",
    "site": "hnr.cn",
    "title": "平顶山湛河区:党建融合擘画乡村振兴新画卷",
    "subtitle": None,
    "published_at": "2022-04-22T18:36:31+08:00",
    "published_precision": "second",
    "published_at_raw": "2022-04-22 18:36:31",
    "source": "映象网",
    "reporters": [{"name": "高君晓", "role": "记者", "org": "大象新闻"}],
    "editors": [{"name": "王庆河", "role": "责编"}],
    "body": "映象网讯 4月20日上午……\n第二段",
    "keywords": ["平顶山"],
    "section": ["精品原创"],
    "images": [],
    "extractor": "hnr_cn/1",
    "language": "zh",
    "fingerprint": "0123456789abcdef",
    "fetched_at": "2026-01-01T00:00:00+00:00",
}


def record(**changes) -> dict:
    fields = copy.deepcopy(GOOD)
    for key, value in changes.items():
        if value is ...:
            fields.pop(key)
        else:
            fields[key] = value
    return fields


def make_crawler(tmp_path: Path, **settings):
    base = {"FEEDS": {str(tmp_path / "out.jsonl"): {"format": "jsonlines"}}}
    crawler = get_crawler(HnrSpider, {**base, **settings})
    crawler.spider = HnrSpider.from_crawler(crawler)
    return crawler


@pytest.fixture
def validation(tmp_path: Path):
    crawler = make_crawler(tmp_path)
    pipeline = ValidationPipeline.from_crawler(crawler)
    pipeline.open_spider()
    yield pipeline, crawler, tmp_path / "out.jsonl.rejected.jsonl"
    pipeline.close_spider()


# -- validation -------------------------------------------------------------------------------


def test_valid_record_comes_out_in_schema_order(validation) -> None:
    pipeline, crawler, _ = validation
    out = pipeline.process_item(record())
    assert list(out) == list(Article.model_fields)
    assert out["schema_version"] == 2 and out["duplicate_of"] is None
    assert crawler.stats.get_value("xinwen/validated_count") == 1


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"body": ""}, "empty body"),
        ({"body": " \n "}, "empty body"),
        ({"body": ..., "title": ""}, "empty body"),  # body names the reason first
        ({"title": ""}, "missing title"),
        ({"title": ...}, "missing title"),
        ({"title": None}, "missing title"),
        ({"published_at": "2022-04-22T18:36:31"}, "invalid published_at"),  # no offset
        ({"published_at": "yesterday"}, "invalid published_at"),
        ({"published_at": "2022-04-22T18:36+08:00"}, "invalid published_at"),  # no seconds
        ({"published_at": "2022-04-22"}, "invalid published_at"),  # schema 2: a timestamp
        ({"published_precision": "hour"}, "invalid published_precision"),
        ({"fetched_at": "2026-01-01T00:00:00"}, "invalid fetched_at"),
        ({"reporters": [{"name": "", "role": "记者"}]}, "invalid reporters"),
        ({"images": [{"url": "/a.jpg"}]}, "invalid images"),
        ({"fingerprint": "abc"}, "invalid fingerprint"),
        ({"url": ...}, "missing url"),
        ({"author": "someone"}, "unexpected field author"),
    ],
)
def test_each_rejection_reason_goes_to_quarantine(validation, changes, reason) -> None:
    pipeline, crawler, quarantine = validation
    item = record(**changes)
    with pytest.raises(DropItem, match="rejected"):
        pipeline.process_item(item)
    (line,) = quarantine.read_text(encoding="utf-8").splitlines()
    rejected = json.loads(line)
    assert rejected["reason"] == reason
    assert rejected["url"] == item.get("url")
    assert rejected["fields"] == item
    assert rejected["errors"] and {"loc", "type", "msg"} <= set(rejected["errors"][0])
    assert crawler.stats.get_value(f"xinwen/rejected/{reason}") == 1


@pytest.mark.parametrize("reason", ["not html", "empty page", "parse timeout"])
def test_parse_errors_from_the_spider_are_quarantined(validation, reason) -> None:
    pipeline, crawler, quarantine = validation
    with pytest.raises(DropItem):
        pipeline.process_item(RejectedPage("http://news.hnr.cn/x.html", reason, ["detail"]))
    rejected = json.loads(quarantine.read_text(encoding="utf-8"))
    assert rejected == {
        "url": "http://news.hnr.cn/x.html",
        "reason": reason,
        "errors": ["detail"],
        "fields": {},
    }
    assert crawler.stats.get_value(f"xinwen/rejected/{reason}") == 1


def test_validate_record_raises_rejected_with_reason() -> None:
    with pytest.raises(Rejected) as info:
        validate_record(record(body=""))
    assert info.value.reason == "empty body"
    assert validate_record(record()).title == GOOD["title"]


def test_date_only_published_at_is_midnight_with_its_precision() -> None:
    month = record(published_at="2022-04-01T00:00:00+08:00", published_precision="month")
    assert validate_record(month).published_precision == "month"
    undated = record(published_at=None, published_precision=None)
    assert validate_record(undated).published_at is None
    with pytest.raises(Rejected):
        validate_record(record(published_precision=None))  # a time says how precise it is


def test_rejection_reason_without_errors_in_known_fields() -> None:
    errors = [{"loc": ("extra",), "type": "extra_forbidden", "msg": "x"}]
    assert rejection_reason({"extra": 1}, errors) == "unexpected field extra"


# -- quarantine -------------------------------------------------------------------------------


def test_quarantine_path_beside_first_local_feed(tmp_path: Path) -> None:
    feeds = {"stdout:": {}, str(tmp_path / "a.jsonl"): {"overwrite": True}}
    assert default_quarantine_path(feeds, "hnr") == (tmp_path / "a.jsonl.rejected.jsonl", True)
    uri = (tmp_path / "%(name)s.jsonl").as_uri()
    assert default_quarantine_path({uri: {}}, "hnr") == (
        tmp_path / "hnr.jsonl.rejected.jsonl",
        False,
    )
    assert default_quarantine_path({"s3://bucket/x.jsonl": {}}, "hnr") == (None, False)
    assert default_quarantine_path({}, "hnr") == (None, False)


def test_quarantine_setting_wins_and_appends(tmp_path: Path) -> None:
    target = tmp_path / "q" / "rejected.jsonl"
    target.parent.mkdir()
    target.write_text('{"old": 1}\n', encoding="utf-8")
    crawler = make_crawler(tmp_path, XINWEN_QUARANTINE_PATH=str(target))
    quarantine = Quarantine.from_crawler(crawler)
    quarantine.write({"url": "u", "reason": "r", "errors": [], "fields": {"title": "标题"}})
    # flushed per line: readable before close
    assert target.read_text(encoding="utf-8").splitlines()[-1] == (
        '{"url": "u", "reason": "r", "errors": [], "fields": {"title": "标题"}}'
    )
    quarantine.close()
    assert len(target.read_text(encoding="utf-8").splitlines()) == 2


def test_quarantine_without_file_logs(caplog: pytest.LogCaptureFixture) -> None:
    quarantine = Quarantine(None)
    quarantine.write({"url": "u", "reason": "empty body"})
    assert "empty body" in caplog.text and quarantine.count == 1


# -- duplicates -------------------------------------------------------------------------------


def test_duplicates_by_canonical_url_dropped_same_body_kept_and_marked(tmp_path: Path) -> None:
    crawler = make_crawler(tmp_path)
    pipeline = DuplicatesPipeline.from_crawler(crawler)
    first = record()
    assert pipeline.process_item(first) is first and first.get("duplicate_of") is None
    with pytest.raises(DropItem, match="canonical_url"):
        pipeline.process_item(record(url="http://news.hnr.cn/x?from=a", fingerprint="f" * 16))
    # The same body on another URL: kept, pointing at the first record.
    copy_ = record(url="http://news.hnr.cn/2.html", canonical_url="http://news.hnr.cn/2.html")
    assert pipeline.process_item(copy_)["duplicate_of"] == GOOD["canonical_url"]
    other = record(
        url="http://news.hnr.cn/3.html",
        canonical_url="http://news.hnr.cn/3.html",
        body="郑州市今年新建公园游园一百二十个,市民出门见绿、推窗见景。" * 3,
        fingerprint="fedcba9876543210",
    )
    assert pipeline.process_item(other).get("duplicate_of") is None
    assert crawler.stats.get_value("xinwen/duplicates/canonical_url") == 1
    assert crawler.stats.get_value("xinwen/republished/fingerprint") == 1


def test_duplicates_switch(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        DuplicatesPipeline.from_crawler(make_crawler(tmp_path, XINWEN_DUPLICATES_ENABLED=False))


# -- summary and logging ------------------------------------------------------------------------


def test_summary_counts_fields_and_reasons(tmp_path: Path) -> None:
    crawler = make_crawler(tmp_path, XINWEN_SUMMARY_PATH=str(tmp_path / "s.json"))
    ext = CrawlSummary.from_crawler(crawler)
    stats = crawler.stats
    stats.set_value("response_received_count", 5)
    stats.set_value("robotstxt/response_count", 1)
    stats.set_value("xinwen/rejected/empty body", 2)
    stats.set_value("xinwen/duplicates/canonical_url", 1)
    stats.set_value("xinwen/republished/near", 2)
    ext.item_scraped(record())
    ext.item_scraped(record(keywords=[], source=None))
    ext.spider_closed(crawler.spider, "finished")
    summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert summary["pages_fetched"] == 4
    assert summary["records_written"] == 2
    assert summary["rejected_by_reason"] == {"empty body": 2}
    assert summary["duplicates"] == 1
    assert summary["republished_by_kind"] == {"near": 2}
    assert summary["field_share"]["keywords"] == 0.5
    assert summary["field_share"]["title"] == 1.0
    text = format_summary(summary)
    assert "records written  2" in text and "empty body: 2" in text and "keywords 50%" in text


def test_summary_switch(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        CrawlSummary.from_crawler(make_crawler(tmp_path, XINWEN_SUMMARY_ENABLED=False))


@pytest.mark.parametrize(
    ("stats", "failed"),
    [
        ({"finish_reason": "finished", "response_received_count": 3}, False),
        ({"finish_reason": "closespider_pagecount", "response_received_count": 3}, False),
        ({"finish_reason": "shutdown", "response_received_count": 3}, True),
        ({"finish_reason": "finished", "response_received_count": 3, "log_count/ERROR": 1}, True),
        ({"finish_reason": "finished"}, True),
        ({}, True),
    ],
)
def test_crawl_failed(stats, failed) -> None:
    assert (crawl_failed(stats) is not None) is failed


def test_log_formatter_names_items_by_url(tmp_path: Path) -> None:
    crawler = make_crawler(tmp_path)
    formatter = ShortLogFormatter.from_crawler(crawler)
    result = formatter.dropped(record(), DropItem("dup"), None, crawler.spider)
    assert result["msg"] == "Dropped: %(exception)s"
    assert result["level"] == logging.INFO  # counted in the summary, kept in the quarantine
    scraped = formatter.scraped(record(), None, crawler.spider)
    assert scraped["args"]["item"] == GOOD["url"]


def test_log_formatter_builds_no_per_page_debug_line_that_the_level_hides(tmp_path: Path) -> None:
    crawler = make_crawler(tmp_path, LOG_LEVEL="WARNING")
    formatter = ShortLogFormatter.from_crawler(crawler)
    response = HtmlResponse(GOOD["url"], body=b"<html></html>", request=Request(GOOD["url"]))
    assert formatter.crawled(response.request, response, crawler.spider) is None
    assert formatter.scraped(record(), response, crawler.spider) is None
    assert formatter.dropped(record(), DropItem("dup"), response, crawler.spider) is not None
    debug = ShortLogFormatter.from_crawler(make_crawler(tmp_path, LOG_LEVEL="DEBUG"))
    assert debug.crawled(response.request, response, crawler.spider)["level"] == logging.DEBUG
