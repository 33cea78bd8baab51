"""Spiders made from the profiles (crawler/spiders/__init__.py) and the news spider's sitemaps and
feeds (crawler/spiders/news.py); offline crawls of every bundled mirror."""

from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.test import get_crawler

from crawler.sites.profile import SITES_DIR, SITES_DIR_ENV, load_profiles
from crawler.spiders import PROFILE_SPIDERS, class_name, profile_spiders
from crawler.spiders.hnr import HnrSpider
from crawler.spiders.news import NewsSpider, feed_links, lastmod_day
from tests.conftest import read_jsonl, run_xinwen

PROFILES = sorted(path.stem for path in SITES_DIR.glob("*.toml"))
NEW_SITES = ["dahe", "henan_gov", "henandaily", "people_henan", "zynews"]


def loader() -> SpiderLoader:
    return SpiderLoader(Settings({"SPIDER_MODULES": ["crawler.spiders"]}))


# -- profiles and spiders ----------------------------------------------------------------------


def test_every_profile_is_a_spider() -> None:
    assert set(PROFILES) >= {"hnr", *NEW_SITES}
    assert sorted(loader().list()) == PROFILES


def test_generated_spiders_are_news_spiders() -> None:
    spiders = loader()
    assert spiders.load("hnr") is HnrSpider
    for site in NEW_SITES:
        cls = spiders.load(site)
        assert issubclass(cls, NewsSpider) and cls is PROFILE_SPIDERS[site]
        assert cls.__name__ == class_name(site)
        assert cls.__module__ == "crawler.spiders"


def test_class_name() -> None:
    assert class_name("henan_gov") == "HenanGovSpider"
    assert class_name("dahe") == "DaheSpider"


MINIMAL = 'allowed_domains = ["a.cn"]\n[list]\npattern = "x"\n'


def test_profile_naming_a_spider_gets_no_generated_class(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "b.toml").write_text('spider = "x:Y"\n' + MINIMAL, encoding="utf-8")
    assert list(profile_spiders(load_profiles((tmp_path,)))) == ["a"]


def test_a_broken_profile_still_has_a_spider_that_fails_with_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SITES_DIR_ENV, str(tmp_path))
    (tmp_path / "good.toml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "bad.toml").write_text("allowed_domains = [", encoding="utf-8")
    (tmp_path / "own.toml").write_text('spider = "x:Y"\nallowed = 1\n', encoding="utf-8")
    spiders = profile_spiders(load_profiles((tmp_path,)))
    assert sorted(spiders) == ["bad", "good"]
    assert spiders["good"]().allowed_domains == ["a.cn"]  # `own` names its class, which reports it
    with pytest.raises(ValueError, match=r"bad\.toml: not valid TOML"):
        spiders["bad"]()


# -- sitemaps and feeds ------------------------------------------------------------------------


def make_spider(site: str, **kwargs) -> NewsSpider:
    cls = PROFILE_SPIDERS[site]
    return cls.from_crawler(get_crawler(cls), **kwargs)


def requests_of(results) -> list[str]:
    return [r.url for r in results if isinstance(r, Request)]


def start_urls(spider: NewsSpider) -> list[str]:
    async def collect() -> list[str]:
        return [request.url async for request in spider.start()]

    return asyncio.run(collect())


URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>http://www.henan.gov.cn/2022/03-11/2412987.html</loc><lastmod>2022-03-11</lastmod></url>
<url><loc>http://www.henan.gov.cn/2021/12-30/2373456.html</loc><lastmod>2021-12-30T11:02:00+08:00</lastmod></url>
<url><loc>http://www.henan.gov.cn/ywdt/jrhn/</loc></url>
<url><loc>http://www.example.com/2022/03-11/1.html</loc></url>
</urlset>"""


def test_sitemap_yields_article_urls_on_site() -> None:
    spider = make_spider("henan_gov")
    response = XmlResponse("http://www.henan.gov.cn/sitemap_1.xml", body=URLSET)
    assert requests_of(spider.parse_sitemap(response)) == [
        "http://www.henan.gov.cn/2022/03-11/2412987.html",
        "http://www.henan.gov.cn/2021/12-30/2373456.html",
    ]


def test_sitemap_lastmod_before_since_is_skipped_and_gzip_is_read() -> None:
    spider = make_spider("henan_gov", since="2022-01-01")
    response = TextResponse("http://www.henan.gov.cn/sitemap_1.xml.gz", body=gzip.compress(URLSET))
    assert requests_of(spider.parse_sitemap(response)) == [
        "http://www.henan.gov.cn/2022/03-11/2412987.html"
    ]


def test_sitemap_index_and_robots_txt_name_more_sitemaps() -> None:
    spider = make_spider("henan_gov")
    index = XmlResponse(
        "http://www.henan.gov.cn/sitemap.xml",
        body=b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>http://www.henan.gov.cn/s1.xml</loc></sitemap>"
        b"<sitemap><loc>http://evil.example/s2.xml</loc></sitemap></sitemapindex>",
    )
    assert requests_of(spider.parse_sitemap(index)) == ["http://www.henan.gov.cn/s1.xml"]
    robots = TextResponse(
        "http://www.henan.gov.cn/robots.txt",
        body=b"User-agent: *\nSitemap: http://www.henan.gov.cn/sitemap.xml\nSitemap: /other.xml\n",
    )
    assert requests_of(spider.parse_sitemap(robots)) == [
        "http://www.henan.gov.cn/sitemap.xml",
        "http://www.henan.gov.cn/other.xml",
    ]


def test_not_a_sitemap_is_counted_not_fatal() -> None:
    spider = make_spider("henan_gov")
    page = HtmlResponse(
        "http://www.henan.gov.cn/sitemap.xml", body=b"<html><body>404</body></html>"
    )
    assert list(spider.parse_sitemap(page)) == []
    assert spider.crawler.stats.get_value("xinwen/skipped/not_a_sitemap") == 1


RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<item><title>a</title><link> http://news.zynews.cn/zz/2022-03/18/content_14001320.htm </link></item>
<item><title>b</title><guid>http://news.zynews.cn/zz/2022-03/17/content_13999877.htm</guid></item>
<item><title>c</title><link>http://www.example.com/1.html</link><guid isPermaLink="false">1</guid></item>
</channel></rss>"""
ATOM = """<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><link rel="alternate" href="http://a.cn/1.html"/><link rel="enclosure" href="http://a.cn/1.mp3"/></entry>
<entry><link href="http://a.cn/2.html"/></entry></feed>"""
RDF = """<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<item rdf:about="http://a.cn/3.html"><link>http://a.cn/3.html</link></item></rdf:RDF>"""


@pytest.mark.parametrize(
    ("feed", "links"),
    [
        (
            RSS,
            [
                "http://news.zynews.cn/zz/2022-03/18/content_14001320.htm",
                "http://www.example.com/1.html",
                "http://news.zynews.cn/zz/2022-03/17/content_13999877.htm",
            ],
        ),
        (ATOM, ["http://a.cn/1.html", "http://a.cn/2.html"]),
        (RDF, ["http://a.cn/3.html"]),
        ("<html><body>not a feed</body></html>", []),
    ],
    ids=["rss", "atom", "rdf", "html"],
)
def test_feed_links(feed: str, links: list[str]) -> None:
    assert feed_links(feed.encode("utf-8")) == links
    assert feed_links(feed) == links


def test_feed_yields_profile_articles_only() -> None:
    spider = make_spider("zynews")
    response = XmlResponse("http://news.zynews.cn/rss/zz.xml", body=RSS.encode("utf-8"))
    assert requests_of(spider.parse_feed(response)) == [
        "http://news.zynews.cn/zz/2022-03/18/content_14001320.htm",
        "http://news.zynews.cn/zz/2022-03/17/content_13999877.htm",
    ]
    garbage = TextResponse("http://news.zynews.cn/rss/zz.xml", body=b"\x00\x01")
    assert list(spider.parse_feed(garbage)) == []


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2022-01-20", "2022-01-20"),
        ("2022-01-20T08:30:00+08:00", "2022-01-20"),
        ("soon", None),
        (None, None),
    ],
)
def test_lastmod_day(value: str | None, day: str | None) -> None:
    found = lastmod_day(value)
    assert (found.isoformat() if found else None) == day


def test_channels_argument_picks_sitemaps_feeds_or_pages() -> None:
    assert start_urls(make_spider("zynews")) == [
        "http://news.zynews.cn/rss/zz.xml",
        "http://news.zynews.cn/zz/",
    ]
    assert start_urls(make_spider("zynews", channels="feeds")) == [
        "http://news.zynews.cn/rss/zz.xml"
    ]
    assert start_urls(make_spider("zynews", channels="zz")) == ["http://news.zynews.cn/zz/"]
    assert start_urls(make_spider("henan_gov", channels="sitemaps,jrhn")) == [
        "http://www.henan.gov.cn/robots.txt",
        "http://www.henan.gov.cn/ywdt/jrhn/",
    ]
    with pytest.raises(ValueError, match="unknown channel"):
        make_spider("zynews", channels="nope")


# -- offline crawls of the bundled mirrors ------------------------------------------------------


def expected_urls(site: str) -> set[str]:
    manifest = json.loads(
        (SITES_DIR.parent.parent / "fixtures" / site / "manifest.json").read_text("utf-8")
    )
    return {page["url"] for page in manifest["pages"] if page["kind"] == "article"}


@pytest.mark.parametrize("site", NEW_SITES)
def test_offline_crawl_writes_every_mirrored_article(site: str, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    proc = run_xinwen("crawl", site, "--offline", "-O", str(out), "-L", "WARNING")
    stderr = proc.stderr.decode("utf-8")
    assert proc.returncode == 0, stderr[-3000:]
    assert "Traceback" not in stderr
    records = read_jsonl(out)
    assert {record["url"] for record in records} == expected_urls(site)
    assert all(record["title"] and record["body"] and record["published_at"] for record in records)
