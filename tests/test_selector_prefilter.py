"""A selector asking for a class or id text is skipped on a page where no class or id value
holds it (`selector_requirements`): what the requirements read from a query, and the same
nodes as evaluating every selector of every site parser on every page."""

from __future__ import annotations

import lxml.etree
import pytest

from crawler.parsers.page import Page, selector_requirements
from tests.corpus import evaluation_pages, fixture_pages
from tests.test_xpath_steps import site_selectors


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("//div[@id='text_fix']", (("text_fix",),)),
        ("//div[contains(@class,'a-b')]//h1", (("a-b",),)),
        ('//div[contains( @class , "x y")]', (("x y",),)),
        ("//h2[contains(concat(' ', normalize-space(@class), ' '), ' f32 ')]", (("f32",),)),
        ("//*[@class][contains(@class,'a') or @id='b']", (("a", "b"),)),
        ("//*[contains(@class,'a') and contains(., '来源')]", (("a",),)),
        ("//div[@id='a']/p[contains(@class,'b')]/span[1]", (("a",), ("b",))),
        ("./descendant::p[@class='pic']", (("pic",),)),
    ],
)
def test_class_and_id_texts_a_query_asks_for(query, expected):
    assert selector_requirements(query) == expected


@pytest.mark.parametrize(
    "query",
    [
        "//h1",
        "//*[@class or @id]",
        "//*[contains(@class,'a') or contains(., 'b')]",  # a text test may satisfy it
        "//*[not(contains(@class,'a'))]",
        "//*[contains(@class,'a')=false()]",
        "//*[contains(@class,'a') and contains(@class,'b') or @id='c']",  # or binds last
        "//*[contains(@class,'a') and@x or(@id='c')]",  # an `or` without spaces
        "//a[contains(@class,'x')] | //b",  # a union
        "count(//div[@id='a'])",  # a number
        "//div[@id='a']/@class = 'x'",  # a comparison
        "(//div[@id='a'])[1]",
        "//*[contains(@title,'a')]",  # not a class or id
        "//*[.//span[@class='a']]",  # a test on another node: not understood, left alone
        "//*[contains(@class,'')]",  # an empty text: always there
    ],
)
def test_queries_that_tell_nothing_are_always_evaluated(query):
    assert selector_requirements(query) == ()


def test_a_page_without_the_class_skips_the_query_and_with_it_finds_the_node():
    html = "<html><body><div class='x-info'><p class='left'>A</p></div></body></html>"
    page = Page(html.encode(), "http://example.com/a")
    found = page.xpath("//div[contains(@class,'info')]/p[contains(@class,'left')]")
    assert [node.text for node in found] == ["A"]
    assert page.xpath("//div[contains(@class,'info')]/p[contains(@class,'right')]") == []
    # A class written with a character reference: its value holds the text all the same.
    page = Page(b"<div class='&#105;nfo'>B</div>", "http://example.com/b")
    assert [node.text for node in page.xpath("//div[contains(@class,'info')]")] == ["B"]


def test_every_site_selector_finds_the_same_nodes_with_the_prefilter():
    queries = site_selectors()
    skippable = [query for query in queries if selector_requirements(query)]
    assert len(skippable) > 40
    pages = [Page(body, url) for url, body in fixture_pages() + evaluation_pages()]
    skipped = 0
    for page in pages:
        for query in queries:
            expected = lxml.etree.XPath(query)(page.tree)
            assert page.xpath(query) == expected, (query, page.url)
            values = page.class_and_id_text
            skipped += not all(
                any(text in values for text in group) for group in selector_requirements(query)
            )
    assert skipped > len(pages) * 10  # most pages skip most selectors
