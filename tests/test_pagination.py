"""Multi-page articles: which links continue the article, and how pages merge."""

from __future__ import annotations

import re

import pytest

from crawler.extract import pagination as PG
from crawler.extract.page import Page, body_fingerprint

BASE = "http://www.hnr.cn/news/tpxw/201705/t20170518_2984512.html"


def _page(markup: str, url: str = BASE) -> Page:
    return Page(
        f"<html><body><div class='TRS_Editor'><p>正文。</p></div>{markup}</body></html>".encode(),
        url,
    )


# (name, pattern, positive, negative)
REGEX_CASES = [
    (
        "CONTINUATION_RE",
        PG.CONTINUATION_RE,
        "/news/t20170518_2984512_1.html",
        "/news/article/1/123",
    ),
    ("PAGE_QUERY_RE", PG.PAGE_QUERY_RE, "id=5&page=2", "id=5&pages=all"),
]


@pytest.mark.parametrize(
    ("name", "pattern", "positive", "negative"), REGEX_CASES, ids=[c[0] for c in REGEX_CASES]
)
def test_pattern(name, pattern, positive, negative):
    assert pattern.search(positive)
    assert not pattern.search(negative)


def test_every_pattern_has_a_case():
    names = {n for n, v in vars(PG).items() if isinstance(v, re.Pattern)}
    assert names <= {c[0] for c in REGEX_CASES}


# The three kinds of next-page link (PG.NEXT_LINK_ID, PAGER_*, NEXT_LINK_TEXTS): one positive and
# one negative page for each, in order of priority.
LINK_KIND_CASES = [
    (
        '<a id="nexttt" href="t20170518_2984512_1.html">下一页</a>',
        '<a id="nexttt" href="#">下一页</a>',
    ),
    (
        '<div id="page_nav"><a href="t20170518_2984512_2.html">下页</a></div>',
        '<div id="page_nav"><a href="../list_2.html">下页</a></div>',
    ),
    (
        '<p><a href="t20170518_2984512_1.html">下一页</a></p>',
        '<p><a href="/news/tpxw/2.html">下一页</a></p>',
    ),
]


@pytest.mark.parametrize(("positive", "negative"), LINK_KIND_CASES)
def test_next_page_link_kinds(positive, negative):
    assert PG.next_page_hrefs(_page(positive))
    assert PG.next_page_url(_page(positive)) is not None
    assert PG.next_page_url(_page(negative)) is None


@pytest.mark.parametrize(
    ("current", "candidate", "expected"),
    [
        (BASE, BASE.replace(".html", "_1.html"), True),
        (BASE.replace(".html", "_1.html"), BASE.replace(".html", "_2.html"), True),
        (BASE.replace(".html", "_2.html"), BASE, False),  # back to the first page
        (BASE, BASE, False),
        (BASE, "http://www.hnr.cn/news/tpxw/201705/t20170519_1.html", False),  # another article
        ("http://a.cn/x/123.html?page=1", "http://a.cn/x/123.html?page=2", True),
    ],
)
def test_continuation(current, candidate, expected):
    assert PG.is_continuation(current, candidate) is expected


def test_merge_keeps_first_page_metadata_and_joins_bodies_and_images():
    first = {
        "url": BASE,
        "title": "组图",
        "body": "第一页。",
        "images": [{"url": "http://x/1.jpg", "caption": "一"}],
        "reporters": [{"name": "刘涛", "role": "文", "org": None}],
        "editors": [{"name": "邵珂", "role": "责任编辑"}],
        "keywords": ["老君山"],
        "fingerprint": "x",
    }
    second = {
        **first,
        "url": BASE.replace(".html", "_1.html"),
        "body": "第二页。",
        "images": [{"url": "http://x/2.jpg", "caption": "二"}],
    }
    merged = PG.merge_pages([first, second])
    assert merged["url"] == BASE
    assert merged["body"] == "第一页。\n第二页。"
    assert [i["url"] for i in merged["images"]] == ["http://x/1.jpg", "http://x/2.jpg"]
    assert merged["reporters"] == first["reporters"]
    assert merged["editors"] == first["editors"]
    assert merged["fingerprint"] == body_fingerprint("第一页。\n第二页。")
    assert PG.merge_pages([first]) == first
