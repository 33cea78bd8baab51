"""Which hrefs a crawl follows (crawler/extract/links.py)."""

from __future__ import annotations

import lxml.html

from crawler.extract.links import page_links


def _links(markup: str, url: str = "http://news.hnr.cn/djn/") -> tuple[list, int]:
    return page_links(lxml.html.document_fromstring(f"<html><body>{markup}</body></html>"), url)


def test_absolute_urls_without_fragment_and_own_text():
    found, malformed = _links(
        '<a href="/202204/22/1.html#c">一<b>粗</b>二</a> <a href="2.html">下一页</a>'
    )
    assert found == [
        ("http://news.hnr.cn/202204/22/1.html", "一二"),
        ("http://news.hnr.cn/djn/2.html", "下一页"),
    ]
    assert malformed == 0


def test_skips_non_pages_and_counts_malformed():
    found, malformed = _links(
        '<a href="javascript:void(0)">js</a><a href="MAILTO:a@b.c">m</a><a href="#top">t</a>'
        '<a href="ftp://x/y">ftp</a><a>no href</a><a href=" ">blank</a>'
        '<a href="http://[::1">v6</a><a href="http://a.cn:99999/">port</a>'
    )
    assert found == []
    assert malformed == 2


def test_base_href_is_respected():
    tree = lxml.html.document_fromstring(
        '<html><head><base href="http://www.hnr.cn/news/"></head><body><a href="x.html">x</a></body></html>'
    )
    assert page_links(tree, "http://news.hnr.cn/a/b.html")[0] == [
        ("http://www.hnr.cn/news/x.html", "x")
    ]
