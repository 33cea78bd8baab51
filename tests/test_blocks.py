"""`TreeWalk` (one walk of the tree) answers exactly what the element-by-element readers answer.

The block search and the line reader work from the record of one tree walk. Their references
are the direct readers on the element itself (`link_density`, `is_boilerplate_block`, lxml's
`text_content()`) and the walk of the element's subtree alone. They must agree on every element
of every page: the fixture mirrors, the evaluation set when it is on the machine, and generated
trees.
"""

from __future__ import annotations

import lxml.etree
import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract.blocks import (
    Line,
    TreeWalk,
    is_boilerplate_block,
    is_negative_marker,
    link_density,
    text_lines,
)
from crawler.extract.page import Page
from tests.corpus import evaluation_pages, fixture_pages
from tests.trees import html_trees


# ------------------------------------------------------------------------------ the pages
def assert_walk_agrees(tree) -> None:
    walk = TreeWalk(tree)
    assert walk.elements == list(tree.iter())
    for index, element in enumerate(walk.elements):
        if not isinstance(element.tag, str):
            continue
        assert walk.text_content(index) == element.text_content()
        assert walk.is_negative(index) == is_negative_marker(element)
        assert walk.link_density(index) == link_density(element)
        assert walk.has_link(index) == (next(element.iter("a"), None) is not None)
        assert walk.is_boilerplate(index) == is_boilerplate_block(element)
        for skip in (False, True):
            expected = text_lines(element, skip)  # the element's subtree walked alone
            assert walk.lines(index, skip) == expected, (element, skip)
            assert walk.element_lines(element, skip) == expected


@pytest.mark.parametrize(("url", "body"), fixture_pages(), ids=lambda v: str(v)[-60:])
def test_walk_agrees_on_fixture_pages(url, body):
    assert_walk_agrees(Page(body, url).tree)


@pytest.mark.skipif(not evaluation_pages(), reason="evaluation set not on this machine")
def test_walk_agrees_on_evaluation_pages():
    for url, body in evaluation_pages():
        assert_walk_agrees(Page(body, url).tree)


# ------------------------------------------------------------------------------ generated trees
TAGS = st.sampled_from(
    ["div", "p", "a", "span", "br", "ul", "li", "td", "font", "nav", "section", "b", "pre"]
)
CLASSES = st.sampled_from([None, "content", "share-bar", "nav", "hot", "article", "ad", "x_tag"])
ATTRIBUTES = CLASSES.map(lambda cls: f' class="{cls}"' if cls else "")
TEXTS = st.sampled_from(
    ["", " ", "\n  ", "记者 张三", "本报讯，今天。", "链接", "　全角　空格　", "a\u00a0b", "，。"]
)


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.lists(html_trees(TAGS, ATTRIBUTES, TEXTS), min_size=1, max_size=3), TEXTS)
def test_walk_agrees_on_generated_trees(blocks, tail):
    markup = f"<html><body>{''.join(blocks)}{tail}<!-- note -->{tail}</body></html>"
    # Parsed as every page is (comments and scripts removed).
    assert_walk_agrees(Page(markup.encode(), "http://example.com/a.html").tree)


def test_link_text_inside_a_link_around_the_element_is_counted_from_the_element():
    tree = lxml.html.document_fromstring(
        "<html><body><a href='/x'><div>链接文字<span>内</span></div>尾巴</a></body></html>"
    )
    walk = TreeWalk(tree)
    div = walk.position(tree.find(".//div"))
    # Inside the element no link is open: nothing counts as link text (its tail neither).
    assert (
        walk.lines(div)
        == text_lines(tree.find(".//div"))
        == [Line("链接文字内", 0), Line("尾巴", 0)]
    )
    # From the page, the same text is link text.
    assert walk.lines(0) == [Line("链接文字内", 5), Line("尾巴", 2)]


def test_boilerplate_blocks_are_left_out_but_their_tails_kept():
    tree = lxml.html.document_fromstring(
        "<html><body><div id='c'><p>正文第一段。</p><div class='share'>分享到</div>尾文字"
        "<ul><li><a href='/1'>一</a></li><li><a href='/2'>二</a></li></ul></div></body></html>"
    )
    walk = TreeWalk(tree)
    content = walk.position(tree.get_element_by_id("c"))
    assert [line.text for line in walk.lines(content, skip_negative=True)] == [
        "正文第一段。",
        "尾文字",
    ]
    assert [line.text for line in walk.lines(content)] == [
        "正文第一段。",
        "分享到",
        "尾文字",
        "一",
        "二",
    ]


def test_a_tree_with_comments_is_refused_with_a_clear_error():
    tree = lxml.html.document_fromstring("<html><body><div>a<!-- c -->b</div></body></html>")
    with pytest.raises(ValueError, match="without comments"):
        TreeWalk(tree)
