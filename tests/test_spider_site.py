"""The hnr spider's decisions without a crawl: URL patterns, links, windows, limits."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler

from crawler.sites.profile import SiteConfig, snowflake_time
from crawler.spiders.base import http_charset, list_dir, published_range
from crawler.spiders.hnr import HnrSpider
from pipelines.quarantine import RejectedPage

SITE = SiteConfig.load("hnr")


def make_spider(**kwargs) -> HnrSpider:
    # Inline extraction: these unit tests look at one callback at a time.
    crawler = get_crawler(HnrSpider, settings_dict={"XINWEN_EXTRACT_PROCESSES": 0})
    return HnrSpider.from_crawler(crawler, **kwargs)


def outputs(callback) -> list:
    """Everything an async callback yields."""

    async def collect() -> list:
        return [output async for output in callback]

    return asyncio.run(collect())


def html(url: str, body: str, headers: dict | None = None) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode("utf-8"), headers=headers, request=Request(url))


@pytest.mark.parametrize(
    ("url", "era"),
    [
        ("http://www.hnr.cn/news/sz/201201/t20120115_123.html", "trs"),
        ("http://www.hnr.cn/news/a/b/201012/t20101203_9.html", "trs"),
        ("http://news.hnr.cn/201906/21/1234.html", "2016"),
        ("http://finance.hnr.cn/201807/03/55.html", "2016"),
        ("http://news.hnr.cn/djn/article/1/1517366484394414081", "2021"),
        ("https://news.hnr.cn/rmtt/article/1/1517366484394414081", "2021"),
    ],
)
def test_article_urls_of_three_eras(url: str, era: str) -> None:
    assert SITE.is_article(url)
    assert [p.era for p in SITE.article_patterns if p.regex.fullmatch(url)] == [era]


@pytest.mark.parametrize(
    "url",
    [
        "http://news.hnr.cn/djn/",
        "http://news.hnr.cn/djn/2.html",
        "http://news.hnr.cn/djn/article/1/151736648439441408",  # 18 digits
        "http://www.hnr.cn/news/sz/201201/20120115_123.html",  # no t
        "http://news.hnr.cn/201906/1234.html",
        "http://news.hnr.cn.evil.com/201906/21/1234.html",
    ],
)
def test_not_article_urls(url: str) -> None:
    assert not SITE.is_article(url)


def test_list_urls() -> None:
    assert SITE.is_list("http://news.hnr.cn/djn/")
    assert SITE.is_list("http://news.hnr.cn/djn/3.html")
    assert SITE.is_list("http://news.hnr.cn/djn/index_2.html")
    assert not SITE.is_list("http://news.hnr.cn/201906/21/1234.html")  # an article


def test_url_dates() -> None:
    assert SITE.url_date("http://www.hnr.cn/news/sz/201201/t20120115_1.html") == date(2012, 1, 15)
    assert SITE.url_date("http://news.hnr.cn/201906/21/1.html") == date(2019, 6, 21)
    assert SITE.url_date("http://news.hnr.cn/djn/article/1/1517366484394414081") == date(
        2022, 4, 22
    )
    assert SITE.url_date("http://news.hnr.cn/201913/41/1.html") is None  # no such day
    assert SITE.url_date("http://news.hnr.cn/djn/") is None
    assert snowflake_time(1517366484394414081).year == 2022


def test_start_urls_from_channel_names_and_urls() -> None:
    assert SITE.start_urls("djn, http://news.hnr.cn/x/") == [
        "http://news.hnr.cn/djn/",
        "http://news.hnr.cn/x/",
    ]
    assert SITE.start_urls(None) == [SITE.channels[name] for name in SITE.default_channels]
    with pytest.raises(ValueError, match="unknown channel"):
        SITE.start_urls("nosuch")


def test_on_site() -> None:
    assert SITE.on_site("http://hnr.cn/") and SITE.on_site("http://city.news.HNR.cn/a")
    assert not SITE.on_site("http://nothnr.cn/") and not SITE.on_site("http://hnr.cn.evil.com/")
    for _ in range(2):  # asked again, the verdict kept per netloc is the same
        assert not SITE.on_site("http://hnr.cn@evil.com/") and SITE.on_site("http://x@hnr.cn:81/")
        assert not SITE.on_site("http://[::1/") and SITE.on_site("http://city.news.HNR.cn/b")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"since": "2024-13-01"}, "since must be a date"),
        ({"since": "2024-02-01", "until": "2024-01-01"}, "since is after until"),
        ({"max_pages": "0"}, "max_pages"),
        ({"channels": "nosuch"}, "unknown channel"),
    ],
)
def test_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_spider(**kwargs)


def test_start_yields_channel_requests() -> None:
    spider = make_spider(channels="djn,finance")

    async def collect() -> list:
        return [r async for r in spider.start()]

    requests = asyncio.run(collect())
    assert [r.url for r in requests] == ["http://news.hnr.cn/djn/", "http://finance.hnr.cn/"]
    assert all(r.callback == spider.parse_list for r in requests)


def test_list_page_links() -> None:
    spider = make_spider(channels="djn", since="2020-01-01")
    page = html(
        "http://news.hnr.cn/djn/",
        """<a href="/202204/22/1.html#x">a</a> <a href=" /202204/22/1.html ">again</a>
        <a href="http://news.hnr.cn/201001/01/2.html">too old</a>
        <a href="javascript:void(0)">js</a> <a href="MAILTO:x@y">m</a> <a href="http://[::1">bad</a>
        <a href="http://news.hnr.cn:99999/202204/22/5.html">bad port</a>
        <a href="http://example.com/202204/22/3.html">off site</a>
        <a href="2.html">2</a> <a href="http://news.hnr.cn/gn/2.html">other channel</a>
        <a href="http://news.hnr.cn/list.php?p=3">下一页</a>""",
    )
    requests = list(spider.parse_list(page))
    assert [(r.url, r.callback.__name__) for r in requests] == [
        ("http://news.hnr.cn/202204/22/1.html", "parse_article"),
        ("http://news.hnr.cn/djn/2.html", "parse_list"),
        ("http://news.hnr.cn/list.php?p=3", "parse_list"),
    ]
    stats = spider.crawler.stats
    assert stats.get_value("xinwen/skipped/out_of_window") == 1
    assert stats.get_value("xinwen/skipped/malformed_link") == 2


def test_max_pages_counts_distinct_requests() -> None:
    spider = make_spider(max_pages="2")
    assert spider._request("http://news.hnr.cn/a/", spider.parse_list) is not None
    assert spider._request("http://news.hnr.cn/a/#top", spider.parse_list) is None  # seen
    assert spider._request("http://news.hnr.cn/b/", spider.parse_list) is not None
    assert spider._request("http://news.hnr.cn/c/", spider.parse_list) is None
    assert spider.crawler.stats.get_value("xinwen/skipped/max_pages") == 1


ARTICLE = """<html><head><meta charset="utf-8"><title>标题_映象网</title></head><body>
<h1>标题</h1><p>{when} 来源:映象网</p>
<div class="article-content"><p>映象网讯(记者 张三)正文第一段很长的内容。</p></div>
<a href="/202204/23/9.html">相关阅读</a></body></html>"""


def test_article_yields_record_and_related_links() -> None:
    spider = make_spider()
    page = html(
        "http://news.hnr.cn/202204/22/1.html",
        ARTICLE.format(when="2022-04-22 18:36:31"),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    record, related = outputs(spider.parse_article(page))
    assert record["url"] == "http://news.hnr.cn/202204/22/1.html"
    assert record["title"] == "标题"
    assert record["fetched_at"].endswith("+00:00")
    assert related.url == "http://news.hnr.cn/202204/23/9.html"


def test_article_outside_window_by_published_date() -> None:
    spider = make_spider(until="2022-04-21")
    page = html("http://news.hnr.cn/x/a.html", ARTICLE.format(when="2022-04-22 18:36:31"))
    assert outputs(spider.parse_article(page)) == []
    # the record itself and its related link (/202204/23/9.html) are both outside
    assert spider.crawler.stats.get_value("xinwen/skipped/out_of_window") == 2


def test_parse_error_becomes_rejected_page() -> None:
    spider = make_spider()
    url = "http://news.hnr.cn/202204/22/6.html"
    response = Response(url, body=b"\x89PNG\r\n\x1a\n" + b"\0" * 32, request=Request(url))
    (rejected,) = outputs(spider.parse_article(response))
    assert isinstance(rejected, RejectedPage)
    assert (rejected.url, rejected.reason) == (url, "not html")


def test_helpers() -> None:
    page = html("http://a.hnr.cn/", "", headers={"Content-Type": 'text/html; charset="GBK"'})
    assert http_charset(page) == "GBK"
    assert http_charset(html("http://a.hnr.cn/", "", headers={"Content-Type": "text/html"})) is None
    assert list_dir("http://News.hnr.cn/djn/2.html?x=1") == "http://news.hnr.cn/djn/"
    assert published_range("2022-04-22T18:36:31+08:00") == (date(2022, 4, 22), date(2022, 4, 22))
    assert published_range("2022-12") == (date(2022, 12, 1), date(2022, 12, 31))
    assert published_range("2022") == (date(2022, 1, 1), date(2022, 12, 31))
    assert published_range(None) is None
    month = published_range("2022-12-01T00:00:00+08:00", "month")
    assert month == (date(2022, 12, 1), date(2022, 12, 31))


def test_offline_settings_profile() -> None:
    crawler = get_crawler(HnrSpider, {"XINWEN_OFFLINE_ENABLED": True})
    assert crawler.settings.getfloat("AUTOTHROTTLE_START_DELAY") == 0.0
