"""Selectors are compiled with their `//` steps spelled out as `/descendant::` (faster in
libxml2): the same nodes on every page for every selector of every site parser, and queries
that may be positional are left alone."""

from __future__ import annotations

import lxml.etree
import pytest

from crawler.parsers import SITE_PARSERS, hnr_cn
from crawler.parsers.page import Page, compiled_xpath, descendant_steps
from tests.corpus import evaluation_pages, fixture_pages


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("//h1", "/descendant::h1"),
        ("//div[@id='a']//h2", "/descendant::div[@id='a']/descendant::h2"),
        (".//p[contains(@class,'pic')]", "./descendant::p[contains(@class,'pic')]"),
        ("//*[@class][contains(@class,'x')]", "/descendant::*[@class][contains(@class,'x')]"),
        (
            "//a[contains(@href,'http://x')]/@href",
            "/descendant::a[contains(@href,'http://x')]/@href",
        ),
        ('//p[contains(., "a//b")]', '/descendant::p[contains(., "a//b")]'),
    ],
)
def test_non_positional_queries_are_spelled_out(query, expected):
    assert descendant_steps(query) == expected


@pytest.mark.parametrize(
    "query",
    [
        "//div/span[1]",  # a position
        "(//a)[last()]",
        "//a[position() < 3]",
        "//li[count(a)]",  # a number used as a position
        "//a[@x * @y]",  # arithmetic
        "//a[@n div @m]",
        "//a[$n]",  # a variable
        "//@href",  # an attribute step: not an element name test
    ],
)
def test_queries_that_may_be_positional_are_left_alone(query):
    assert descendant_steps(query) == query


def site_selectors() -> list[str]:
    queries: set[str] = set()
    owners = [hnr_cn, *{parser for parser in SITE_PARSERS.values()}]
    for owner in owners:
        for name in dir(owner):
            value = getattr(owner, name)
            if name.endswith("XPATHS") and isinstance(value, tuple):
                queries.update(value)
            elif name.endswith("XPATH") and isinstance(value, str):
                queries.add(value)
    return sorted(queries)


def test_every_site_selector_finds_the_same_nodes_either_way():
    queries = site_selectors()
    assert len(queries) > 40  # hnr.cn's and every profiled site's
    rewritten = sum(descendant_steps(q) != q for q in queries)
    assert rewritten > 30
    trees = [Page(body, url).tree for url, body in fixture_pages() + evaluation_pages()]
    for query in queries:
        plain = lxml.etree.XPath(query)
        fast = compiled_xpath(query)
        assert fast is not None
        for tree in trees:
            assert fast(tree) == plain(tree), query
            for node in tree.iter("div"):  # relative queries, from inside the page
                if query.startswith("."):
                    assert fast(node) == plain(node), query
