"""hnr.cn selectors and patterns are data: each has a positive and a negative example."""

from __future__ import annotations

import re

import lxml.html
import pytest

from crawler.extract import hnr_cn as H

# (name, xpath list, markup where it must find text, markup where it must not)
XPATH_CASES = [
    ("TITLE_XPATHS", H.TITLE_XPATHS, "<h2 class='f32 lh48 mrg_t_30'>标题</h2>", "<h3>标题</h3>"),
    (
        "INFO_XPATHS",
        H.INFO_XPATHS,
        "<div class='article-info'>2022-04-22 来源:映象网</div>",
        "<div class='x'>来源</div>",
    ),
    (
        "TIME_XPATHS",
        H.TIME_XPATHS,
        "<div id='share_right'><p class='left'><span>2019年06月21日 09:45</span></p></div>",
        "<span>2019年06月21日</span>",
    ),
    (
        "SOURCE_XPATHS",
        H.SOURCE_XPATHS,
        "<div id='txt_left'><span class='source'>来源：河南日报</span></div>",
        "<span class='source'>来源</span>",
    ),
    (
        "EDITOR_XPATHS",
        H.EDITOR_XPATHS,
        "<span class='right'>责编：王琳</span>",
        "<span class='right'>分享</span>",
    ),
    (
        "BODY_XPATHS",
        H.BODY_XPATHS,
        "<div class='TRS_Editor'><p>正文</p></div>",
        "<div class='content'><p>正文</p></div>",
    ),
    (
        "BREADCRUMB_XPATHS",
        H.BREADCRUMB_XPATHS,
        "<td class='nav_path'>您的位置：新闻中心</td>",
        "<td>新闻中心</td>",
    ),
    (
        "SUBTITLE_XPATHS",
        H.SUBTITLE_XPATHS,
        "<h2 class='article-subtitle'>副题</h2>",
        "<h2>副题</h2>",
    ),
    (
        "KEYWORD_XPATHS",
        H.KEYWORD_XPATHS,
        "<div class='article-keywords'>文章关键词:平顶山</div>",
        "<div class='keywords'>热门</div>",
    ),
]

REGEX_CASES = [
    (
        "TIME_SOURCE_LINE_RE",
        H.TIME_SOURCE_LINE_RE,
        "2022-04-22 18:36:31  来源:映象网",
        "来源:映象网",
    ),
    ("SOURCE_LABEL_RE", H.SOURCE_LABEL_RE, "来源：河南日报", "河南日报"),
    ("AUTHOR_LABEL_RE", H.AUTHOR_LABEL_RE, "(作者：张三)", "作者们说"),
    ("BULLETS_RE", H.BULLETS_RE, "□本报记者 刘晓波", "本报记者 刘晓波"),
]


def _find(xpaths, markup: str) -> str | None:
    tree = lxml.html.document_fromstring(f"<html><body>{markup}</body></html>")
    for query in xpaths:
        for node in tree.xpath(query):
            if node.text_content().strip():
                return node.text_content().strip()
    return None


@pytest.mark.parametrize(
    ("name", "xpaths", "positive", "negative"), XPATH_CASES, ids=[c[0] for c in XPATH_CASES]
)
def test_selector_list(name, xpaths, positive, negative):
    assert _find(xpaths, positive)
    assert _find(xpaths, negative) is None


@pytest.mark.parametrize(
    ("name", "pattern", "positive", "negative"), REGEX_CASES, ids=[c[0] for c in REGEX_CASES]
)
def test_pattern(name, pattern, positive, negative):
    assert pattern.search(positive)
    assert not pattern.search(negative)


def test_every_selector_list_and_pattern_has_a_case():
    tables = {n for n, v in vars(H).items() if n.endswith("_XPATHS")}
    patterns = {n for n, v in vars(H).items() if isinstance(v, re.Pattern)}
    assert tables <= {c[0] for c in XPATH_CASES}
    assert patterns <= {c[0] for c in REGEX_CASES}


@pytest.mark.parametrize(
    ("line", "credit"),
    [
        ("□本报记者 刘晓波　见习记者 陈亚南", True),
        ("刘涛/文 郑伟/图", True),
        ("记者从会上获悉，全省粮食丰收。", False),
        ("平顶山湛河区", False),
    ],
)
def test_credit_only_lines(line, credit):
    assert H.is_credit_line(line) is credit
