"""Site profiles as data: every toml gets a spider and (where named) a parser; sitemaps and feeds."""

from __future__ import annotations

import asyncio
import gzip
import json
import tomllib
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.test import get_crawler

from crawler.extract import SITE_PARSERS, parser_for
from crawler.extract.dahe_cn import DaheParser
from crawler.extract.generic import GenericParser
from crawler.extract.henandaily_cn import HenandailyParser
from crawler.extract.hnr_cn import HnrParser
from crawler.extract.people_cn import PeopleParser
from crawler.extract.registry import load_parser, lookup, site_parsers
from crawler.sites.profile import SITES_DIR, SiteConfig
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


@pytest.mark.parametrize("site", PROFILES)
def test_profile_loads_and_its_start_pages_are_on_site(site: str) -> None:
    config = SiteConfig.load(site)
    assert config.name == site
    assert config.start_urls()
    for url in [*config.start_urls(), *config.sitemaps, *config.feeds]:
        assert config.on_site(url), url
    for url in config.start_urls():
        assert not config.is_article(url), url


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


def test_profile_naming_a_spider_gets_no_generated_class(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('name = "a"\nallowed_domains = ["a.cn"]\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text(
        'spider = "x:Y"\nallowed_domains = ["b.cn"]\n', encoding="utf-8"
    )
    assert list(profile_spiders(tmp_path)) == ["a"]


# (site, article URLs, URLs that are not articles, list URLs)
URL_CASES = [
    (
        "henandaily",
        [
            "https://www.henandaily.cn/content/2019/0620/171682.html",
            "http://www.henandaily.cn/content/szheng/sqfbu/2017/0320/38520.html",
            "http://www.henandaily.cn/content/szheng/swgzhu/2017/0322/DIIHH.html",
        ],
        [
            "http://www.henandaily.cn/content/szheng/index.html",
            "http://www.henandaily.cn/2014/12-18/103950141.html",
            "http://www.henandaily.cn.evil.com/content/2019/0620/171682.html",
        ],
        [
            "http://www.henandaily.cn/content/szheng/index.html",
            "http://www.henandaily.cn/content/luoyang/",
        ],
    ),
    (
        "dahe",
        [
            "https://news.dahe.cn/2022/01-08/947677.html",
            "http://city.dahe.cn/2015/06-18/105123.html",
        ],
        ["http://news.dahe.cn/2022/0108/947677.html", "http://news.dahe.cn/hnyw/"],
        ["http://news.dahe.cn/hnyw/", "http://news.dahe.cn/hnyw/index_2.html"],
    ),
    (
        "people_henan",
        ["http://henan.people.com.cn/n2/2022/0120/c351638-35104695.html"],
        [
            "http://www.people.com.cn/n2/2022/0120/c351638-35104695.html",
            "http://henan.people.com.cn/GB/356896/index.html",
        ],
        [
            "http://henan.people.com.cn/GB/356896/index.html",
            "http://henan.people.com.cn/GB/356896/index2.html",
        ],
    ),
    (
        "henan_gov",
        ["https://www.henan.gov.cn/2022/03-10/2412345.html"],
        ["http://www.henan.gov.cn/sitemap.xml", "http://www.henan.gov.cn/2022/0310/2412345.html"],
        ["http://www.henan.gov.cn/ywdt/jrhn/"],
    ),
    (
        "zynews",
        ["http://news.zynews.cn/zz/2022-03/16/content_13998102.htm"],
        ["http://news.zynews.cn/zz/2022-03/16/13998102.htm", "http://news.zynews.cn/rss/zz.xml"],
        ["http://news.zynews.cn/zz/"],
    ),
]


@pytest.mark.parametrize(
    ("site", "articles", "others", "lists"), URL_CASES, ids=[c[0] for c in URL_CASES]
)
def test_url_patterns(site: str, articles: list[str], others: list[str], lists: list[str]) -> None:
    config = SiteConfig.load(site)
    for url in articles:
        assert config.is_article(url), url
        assert config.url_date(url) is not None
    for url in others:
        assert not config.is_article(url), url
    for url in lists:
        assert config.is_list(url), url


# -- parser registry ---------------------------------------------------------------------------


def test_parsers_come_from_the_profiles() -> None:
    assert site_parsers() == SITE_PARSERS
    assert parser_for("http://news.hnr.cn/djn/") is HnrParser
    assert parser_for("https://www.henandaily.cn/content/2019/0620/171682.html") is HenandailyParser
    assert parser_for("http://city.dahe.cn/2015/06-18/1.html") is DaheParser
    assert parser_for("http://henan.people.com.cn/n2/2022/0120/c1-2.html") is PeopleParser
    # Only the profiled channel of people.com.cn, and no parser module for generic-only sites.
    assert parser_for("http://www.people.com.cn/n1/2022/0120/c1-2.html") is GenericParser
    assert parser_for("http://www.henan.gov.cn/2022/03-10/2412345.html") is GenericParser
    assert parser_for("file:///tmp/x.html") is GenericParser
    assert parser_for("http://[bad") is GenericParser


def test_every_named_parser_is_registered() -> None:
    for path in SITES_DIR.glob("*.toml"):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if data.get("parser"):
            for domain in data.get("parser_domains") or data["allowed_domains"]:
                assert SITE_PARSERS[domain] is load_parser(data["parser"])


def test_lookup_prefers_the_most_specific_domain() -> None:
    parsers = {"people.com.cn": GenericParser, "henan.people.com.cn": PeopleParser}
    assert lookup(parsers, "http://henan.people.com.cn/x") is PeopleParser
    assert lookup(parsers, "http://sh.people.com.cn/x") is GenericParser


@pytest.mark.parametrize(
    ("spec", "error"),
    [("crawler.extract.generic", ValueError), ("crawler.extract.page:Page", TypeError)],
)
def test_load_parser_rejects_bad_specs(spec: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        load_parser(spec)


def test_two_parsers_for_one_domain_is_an_error(tmp_path: Path) -> None:
    for name, spec in [
        ("a", "crawler.extract.dahe_cn:DaheParser"),
        ("b", "crawler.extract.people_cn:PeopleParser"),
    ]:
        (tmp_path / f"{name}.toml").write_text(
            f'allowed_domains = ["x.cn"]\nparser = "{spec}"\n', encoding="utf-8"
        )
    with pytest.raises(ValueError, match=r"x\.cn"):
        site_parsers(tmp_path)


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
