"""`TreeWalk` (one walk of the tree) answers exactly what the element-by-element readers answer.

The block search and the line reader work from the record of one tree walk. Their references
are the direct readers: the former iterwalk line reader, `link_density`, `is_boilerplate_block` and
`lxml`'s `text_content()` on the element itself, and, for the block search, the element-based
search it replaced (kept here as the oracle). They must agree on every element of every page:
the fixture mirrors, the evaluation set when it is on the machine, and generated trees.
"""

from __future__ import annotations

import lxml.etree
import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract.blocks import (
    _PUNCTUATION_RE,
    BREAK_TAGS,
    Line,
    TreeWalk,
    class_words,
    densest_block,
    is_boilerplate_block,
    is_negative_class,
    is_negative_marker,
    link_density,
    text_lines,
)
from crawler.extract.page import Page, clean_text
from tests.corpus import evaluation_pages, fixture_pages
from tests.trees import html_trees


# ------------------------------------------------------------------------------ the oracle
def element_densest_block(tree):
    """The block search as it was, element by element (the oracle of `densest_block`)."""
    scores = {}
    for element in tree.iter("p", "div", "td", "section", "article", "font", "span", "pre"):
        if is_negative_marker(element):
            continue
        tag = element.tag
        if tag in ("p", "pre"):
            own = clean_text(element.text_content())
            length = len(own)
        else:
            own = clean_text("".join([element.text or ""] + [c.tail or "" for c in element]))
            length = None
        if len(own) < 20:
            continue
        score = 1 + len(_PUNCTUATION_RE.findall(own)) + min(len(own) / 100, 3)
        if next(element.iter("a"), None) is not None:
            score *= 1 - link_density(element, length)
        parent = element.getparent()
        if tag in {"div", "td", "section", "article"}:
            scores[element] = scores.get(element, 0) + score
        if parent is not None:
            scores[parent] = scores.get(parent, 0) + score
            grand = parent.getparent()
            if grand is not None:
                scores[grand] = scores.get(grand, 0) + score / 2
    scores = {
        e: s
        for e, s in scores.items()
        if not any(
            is_negative_marker(a) for a in e.iterancestors() if a.tag not in {"html", "body"}
        )
    }
    if not scores:
        return None
    best, best_score = max(scores.items(), key=lambda item: item[1])
    words = class_words(best)
    if words:
        siblings = [
            e
            for e, s in scores.items()
            if e is not best
            and e.tag == best.tag
            and class_words(e) == words
            and s >= max(0.05 * best_score, 8)
        ]
        if siblings:
            order = {e: i for i, e in enumerate(tree.iter(best.tag))}
            return min([best, *siblings], key=lambda e: order.get(e, 0))
    return best


def reference_text_lines(node, skip_negative: bool = False) -> list[Line]:
    """The line reader as it was, one iterwalk pass over the element (the oracle of
    `TreeWalk.lines` and of `text_lines`)."""
    # One pass of start/end events (lxml's iterwalk) instead of a recursive walk: an element
    # opens and closes a line when it is a block, its text is link text inside an <a>, and its
    # tail belongs to its parent. A skipped (boilerplate) subtree keeps only its tail.
    # Line breaks are NUL characters in one joined string (libxml2 text never holds NUL, and NUL
    # is not white space), so white space is collapsed once for the whole subtree (as
    # clean_text does), not once per line.
    pieces: list[str] = []
    append = pieces.append
    linked_counts: list[int] = []  # per line: characters of link text
    count_line = linked_counts.append
    linked = 0
    links = 0  # open <a> elements (their text and their children's tails are link text)
    skipped = None  # the subtree just skipped: its end event comes next
    breaks = BREAK_TAGS
    walker = lxml.etree.iterwalk(node, events=("start", "end"))
    for event, element in walker:
        tag = element.tag
        if tag.__class__ is not str:
            tag = ""
        if event == "start":
            if skip_negative and tag and is_boilerplate_block(element):
                walker.skip_subtree()
                skipped = element
                continue
            if tag == "a":
                links += 1
            if tag in breaks:
                append("\0")
                count_line(linked)
                linked = 0
            text = element.text
            if text and tag:
                append(text)
                if links:
                    linked += len(clean_text(text))
        else:
            if skipped is element:
                skipped = None
            else:
                if tag == "a":
                    links -= 1
                if tag in breaks:
                    append("\0")
                    count_line(linked)
                    linked = 0
            tail = element.tail
            if tail:
                append(tail)
                if links:
                    linked += len(clean_text(tail))
    linked_counts.append(linked)
    lines: list[Line] = []
    for text, count in zip(
        " ".join("".join(pieces).split()).split("\0"), linked_counts, strict=True
    ):
        text = text.strip()
        if text:
            lines.append(Line(text, min(count, len(text))))
    return lines


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
            expected = reference_text_lines(element, skip)
            assert walk.lines(index, skip) == expected, (element, skip)
            assert walk.element_lines(element, skip) == expected
            assert text_lines(element, skip) == expected  # the element's subtree walked alone
    found = densest_block(walk)
    expected = element_densest_block(tree)
    assert (None if found is None else walk.elements[found]) is expected


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
        == reference_text_lines(tree.find(".//div"))
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


def test_a_blog_post_with_tag_classes_is_not_a_tag_list():
    # WordPress post_class(): "hentry tag-news category-local" names the post's terms.
    assert not is_negative_class("post-1 post hentry tag-news category-local", None)
    assert is_negative_class("tag-list", None)


def test_a_forum_thread_is_its_first_post_even_when_the_replies_are_longer():
    first = "楼主说：今年以来，全市经济运行总体平稳，大家怎么看？"
    reply = "回复的内容在这里，网友们纷纷表示赞同，认为这样的做法值得推广，也有人提出了不同的看法。"
    posts = f'<div class="post"><div class="msg"><p>{first}</p></div></div>'
    posts += "".join(
        f'<div class="post"><div class="msg"><p>{reply * 2}</p><p>{reply}</p></div></div>'
        for _ in range(5)
    )
    tree = Page(f"<html><body><div>{posts}</div></body></html>".encode(), "https://x.cn/").tree
    walk = TreeWalk(tree)
    assert clean_text(walk.elements[densest_block(walk)].text_content()) == first


def test_text_inside_a_box_marked_as_furniture_is_found_when_nothing_else_is():
    notice = "各单位：根据上级要求，决定即日起开展冬季安全大检查，请各单位高度重视，认真组织自查。"
    html = f'<html><body><div class="side-main"><div><p>{notice}</p></div></div></body></html>'
    walk = TreeWalk(Page(html.encode(), "https://x.cn/").tree)
    assert clean_text(walk.elements[densest_block(walk)].text_content()) == notice
