"""The compiled walk (crawler/parsers/_compiled.pyx) returns exactly what the Python pass returns.

`blocks.walk_in_python` is the reference: it reads the tree through lxml's Python API, and the
rest of `TreeWalk` is tested against element-by-element readers in tests/test_blocks.py. Here
the two passes are compared list by list (the elements by identity) on every fixture and
evaluation page, on generated trees and on the trees that only a copy or an edit makes.
"""

from __future__ import annotations

import copy
import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import lxml.etree
import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.parsers import blocks
from crawler.parsers import compiled as compiled_forms
from crawler.parsers.page import Page
from tests.corpus import evaluation_pages, fixture_pages
from tests.trees import html_trees


def compiled():
    """The compiled module. The machines this project supports have a C compiler: a missing
    module is a broken install here, not a reason to skip."""
    from crawler.parsers import _compiled

    return _compiled


def compiled_walk():
    return compiled().walk


def assert_passes_agree(root) -> None:
    expected = blocks.walk_in_python(root)
    found = compiled_walk()(root, blocks.BREAK_TAGS, blocks.SCORED_TAGS, blocks.LINE_BREAK)
    assert len(found) == len(expected)
    elements, *lists = found
    assert len(elements) == len(expected[0])
    assert all(a is b for a, b in zip(elements, expected[0], strict=True))  # the same proxies
    assert lists == list(expected[1:])
    # The block scores, from the same walk: the same blocks, in the same order, equal scores.
    walk = blocks.TreeWalk(root)
    compiled_scores = compiled().block_scores(walk, blocks.PUNCTUATION, blocks.SCORE_HOLDING_TAGS)
    assert list(compiled_scores.items()) == list(blocks.block_scores_in_python(walk).items())


def test_treewalk_uses_the_compiled_pass():
    from crawler.parsers import _compiled

    assert blocks._compiled is _compiled


@pytest.mark.parametrize(("url", "body"), fixture_pages())
def test_passes_agree_on_fixture_pages(url, body):
    assert_passes_agree(Page(body, url).tree)


def test_passes_agree_on_evaluation_pages():
    pages = evaluation_pages()
    if not pages:
        pytest.skip("the evaluation set (../shared/eval) is not on this machine")
    for url, body in pages:
        assert_passes_agree(Page(body, url).tree)


TAGS = st.sampled_from(
    ["div", "p", "a", "span", "br", "ul", "li", "td", "font", "nav", "img", "h1", "b", "pre"]
)
TEXTS = st.sampled_from(
    [
        "",
        " ",
        "\n ",
        "记者 张三",
        "本报讯，今天。",
        "&amp;&lt;",
        "a&nbsp;b",
        "𠀋字",
        "é",
        "，",
        "新华社郑州电，记者今日从河南省获悉：全省秋粮收获已过九成。",
        "Zhengzhou, Nov. 29 (Xinhua) -- Harvest; done!  ",
    ]
)


ATTRIBUTES = st.sampled_from(
    [
        "",
        ' class="content"',
        ' id="main"',
        ' class="share-bar" id="x_tag"',
        " class",  # no value: ""
        ' class=""',
        ' id="a&amp;b"',
        ' class="新闻 正文"',
        ' CLASS="Nav"',
        ' xml:lang="zh" class="c"',
        ' class="article"',
        ' href="/a"',
    ]
)


@settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.lists(html_trees(TAGS, ATTRIBUTES, TEXTS, {"br", "img"}), min_size=1, max_size=3), TEXTS)
def test_passes_agree_on_generated_trees(blocks_markup, tail):
    markup = f"<html><body>{''.join(blocks_markup)}{tail}</body></html>"
    tree = Page(markup.encode(), "http://example.com/a.html").tree
    assert_passes_agree(tree)
    for element in tree.iter("div", "p", "li"):  # a walk from inside the tree: its tail too
        assert_passes_agree(element)


def test_passes_agree_on_a_copy_with_its_tail():
    tree = lxml.html.document_fromstring(
        "<html><body><div><p>一<a href='/x'>链<b>接</b></a>二</p>尾</div></body></html>"
    )
    paragraph = copy.deepcopy(tree.find(".//p"))
    assert paragraph.tail == "尾"
    assert_passes_agree(paragraph)


def test_several_text_nodes_read_as_one_text():
    # A CDATA section between two texts: three libxml2 nodes, which lxml reads as one text.
    parser = lxml.etree.XMLParser(strip_cdata=False)
    root = lxml.etree.fromstring("<div><p>前<![CDATA[中]]>后<b>粗</b>尾</p></div>", parser)
    paragraph = root.find("p")
    assert paragraph.text == "前中后"
    assert_passes_agree(root)
    found = compiled_walk()(root, blocks.BREAK_TAGS, blocks.SCORED_TAGS, blocks.LINE_BREAK)
    assert found[8] == ["\0", "\0", "前中后", "粗", "尾", "\0", "\0"]  # the pieces


@pytest.mark.parametrize(
    "markup",
    [
        "<html><body><div>a<!-- c -->b</div></body></html>",
        "<html><body><div>a<?pi x?>b</div></body></html>",
    ],
)
def test_a_comment_or_instruction_is_refused_by_both_passes(markup):
    parser = lxml.html.HTMLParser(remove_comments=False, remove_pis=False)
    tree = lxml.html.document_fromstring(markup, parser=parser)
    with pytest.raises(ValueError, match="without comments"):
        blocks.walk_in_python(tree)
    with pytest.raises(ValueError, match="without comments"):
        compiled_walk()(tree, blocks.BREAK_TAGS, blocks.SCORED_TAGS, blocks.LINE_BREAK)


def test_class_and_id_read_as_lxml_reads_them():
    root = lxml.html.fromstring(
        '<div class="a b" id="甲"><p class>x</p><span id="i&amp;j">y</span><b>z</b></div>'
    )
    found = compiled_walk()(root, blocks.BREAK_TAGS, blocks.SCORED_TAGS, blocks.LINE_BREAK)
    assert found[2] == ["a b", "", None, None]  # the classes
    assert found[3] == ["甲", None, "i&j", None]  # the ids
    assert_passes_agree(root)
    # A value set through the tree API (a text node libxml2 may split): still the same.
    root.find("b").set("class", "&<>\"'")
    assert_passes_agree(root)


def test_a_namespaced_tag_reads_as_lxml_spells_it():
    root = lxml.etree.Element("{urn:x}root")
    child = lxml.etree.SubElement(root, "p")
    child.text = "字"
    assert_passes_agree(root)
    tags = compiled_walk()(root, blocks.BREAK_TAGS, blocks.SCORED_TAGS, blocks.LINE_BREAK)[1]
    root.set("{urn:x}class", "namespaced, not read")
    assert_passes_agree(root)
    assert tags == ["{urn:x}root", "p"]


def test_a_build_older_than_its_source_is_refused(monkeypatch):
    from crawler.parsers import _compiled

    assert compiled_forms.load() is _compiled  # the build matches the source
    monkeypatch.setattr(_compiled, "SOURCE_DIGEST", "0" * 64)  # as if the .pyx changed since
    with pytest.warns(RuntimeWarning, match="changed since it was compiled"):
        assert compiled_forms.load() is None


# ------------------------------------------------------------------------------ line reader
PIECE_CHARACTERS = st.sampled_from(
    ["a", "字", "𠀋", " ", "\n", "\t", "\u3000", "\xa0", "\x1c", "\x85", "\u2028", "\0", "，"]
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.text(PIECE_CHARACTERS, max_size=12), max_size=12), st.integers(0, 9))
def test_line_readers_agree(kept, linked):
    counts = [linked] * ("".join(kept).count(blocks.LINE_BREAK) + 1)
    from crawler.parsers._compiled import printed_lines

    found = printed_lines(kept, counts, blocks.LINE_BREAK, blocks.Line)
    assert found == blocks.printed_lines_in_python(kept, counts)
    assert all(type(line) is blocks.Line for line in found)


def test_compiled_lines_own_their_fields():
    from crawler.parsers._compiled import printed_lines

    found = printed_lines(
        ["  甲  乙 ", blocks.LINE_BREAK, "丙"], [1, 9], blocks.LINE_BREAK, blocks.Line
    )
    assert found == [blocks.Line("甲 乙", 1), blocks.Line("丙", 1)]  # linked: at most the length
    made_in_python = blocks.printed_lines_in_python(["  甲  乙 ", blocks.LINE_BREAK, "丙"], [1, 9])
    gc.collect()
    # As many references as the same line made in Python: none lost, none leaked.
    compiled_counts = (sys.getrefcount(found[0]), sys.getrefcount(found[0].text))
    python_counts = (sys.getrefcount(made_in_python[0]), sys.getrefcount(made_in_python[0].text))
    assert compiled_counts == python_counts
    assert found[1].link_share == 1.0


def test_compiled_lines_need_one_count_per_line():
    from crawler.parsers._compiled import printed_lines

    with pytest.raises(ValueError, match="one link count per line"):
        printed_lines(["a", blocks.LINE_BREAK, "b"], [0, 0, 0], blocks.LINE_BREAK, blocks.Line)
    with pytest.raises(ValueError):
        blocks.printed_lines_in_python(["a", blocks.LINE_BREAK, "b"], [0, 0, 0])


def test_records_are_the_same_with_the_python_forms():
    """Every fixture page extracted by the Python forms (XINWEN_PYTHON_FORMS=1, as on a machine
    without a compiler) gives the records the compiled forms give."""
    script = (
        "import json, sys\n"
        "from crawler.parsers import ParseError, extract\n"
        "from crawler.parsers.compiled import COMPILED\n"
        "from tests.corpus import fixture_pages\n"
        "out = []\n"
        "for url, body in fixture_pages():\n"
        "    try:\n"
        "        out.append(extract(body, url))\n"
        "    except ParseError as err:\n"
        "        out.append(str(err))\n"
        "print(json.dumps({'compiled': COMPILED is not None, 'records': out}, sort_keys=True))\n"
    )
    runs = {}
    for forms in ("0", "1"):
        done = subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "XINWEN_PYTHON_FORMS": forms},
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
            check=True,
        )
        runs[forms] = json.loads(done.stdout)
    assert runs["0"]["compiled"] and not runs["1"]["compiled"]
    assert len(runs["1"]["records"]) == len(fixture_pages()) > 10
    assert runs["1"]["records"] == runs["0"]["records"]
