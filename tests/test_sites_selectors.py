"""Selectors and patterns of the profiled sites' parsers: each has a positive and a negative example."""

from __future__ import annotations

import re
from types import ModuleType

import lxml.html
import pytest

from crawler.extract import dahe_cn as D
from crawler.extract import henandaily_cn as H
from crawler.extract import people_cn as R
from crawler.extract import profiled as PR

# (module, name, markup where the list must find text, markup where it must not)
XPATH_CASES = [
    (H, "TITLE_XPATHS", "<h1 class='content-title'>标题</h1>", "<h1 class='title'>标题</h1>"),
    (
        H,
        "TIME_XPATHS",
        "<div class='content-info'><span class='content-time'>2022.01.20 16:31</span></div>",
        "<span class='content-time'>2022.01.20 16:31</span>",
    ),
    (
        H,
        "SOURCE_XPATHS",
        "<div class='content-info'><span class='content-source'>来源：河南日报</span></div>",
        "<div class='content-info'><span class='source'>来源：河南日报</span></div>",
    ),
    (
        H,
        "EDITOR_XPATHS",
        "<div class='content-content'><p>责任编辑：张志强</p></div>",
        "<div class='content-content'><p>编者按：本报今起推出</p></div>",
    ),
    (
        H,
        "BODY_XPATHS",
        "<div class='content-content'><p>正文</p></div>",
        "<div class='content-contents'><p>正文</p></div>",
    ),
    (
        H,
        "BREADCRUMB_XPATHS",
        "<div class='current-location'>当前位置：洛阳</div>",
        "<div class='location'>当前位置：洛阳</div>",
    ),
    (D, "TITLE_XPATHS", "<h1 id='4g_title'>标题</h1>", "<h1 id='title'>标题</h1>"),
    (
        D,
        "TIME_XPATHS",
        "<div class='time_source'>2022-03-02 09:32</div>",
        "<div class='time'>2022-03-02 09:32</div>",
    ),
    (
        D,
        "SOURCE_XPATHS",
        "<span id='source_baidu'>来源：大河网</span>",
        "<span class='source_baidu'>来源：大河网</span>",
    ),
    (D, "AUTHOR_XPATHS", "<span id='author_baidu'>作者：王磊</span>", "<span>作者：王磊</span>"),
    (
        D,
        "EDITOR_XPATHS",
        "<span id='editor_baidu'>责任编辑：刘洋</span>",
        "<span>责任编辑：刘洋</span>",
    ),
    (D, "BODY_XPATHS", "<div id='mainCon'><p>正文</p></div>", "<div id='main'><p>正文</p></div>"),
    (
        D,
        "BREADCRUMB_XPATHS",
        "<div class='crumbs'>当前位置：新闻</div>",
        "<div class='nav'>新闻</div>",
    ),
    (
        R,
        "TITLE_XPATHS",
        "<div class='clearfix text_title'><h1>标题</h1></div>",
        "<div class='box'><h1>标题</h1></div>",
    ),
    (
        R,
        "SUBTITLE_XPATHS",
        "<div class='text_title'><h4 class='sub'>副题</h4></div>",
        "<div class='text_title'><h4 class='author'>本网记者</h4></div>",
    ),
    (
        R,
        "INFO_XPATHS",
        "<div class='box01'><div class='fl'>2022年03月01日08:23 | 来源：人民网</div></div>",
        "<div class='box01'><div class='fr'>分享到</div></div>",
    ),
    (
        R,
        "AUTHOR_XPATHS",
        "<div class='text_title'><p class='author'>本网记者 张琳</p></div>",
        "<p class='author'>本网记者 张琳</p>",
    ),
    (
        R,
        "EDITOR_XPATHS",
        "<div class='edit clearfix'>(责编：李楠、王丹)</div>",
        "<div class='editor'>(责编：李楠)</div>",
    ),
    (
        R,
        "BODY_XPATHS",
        "<div class='box_con' id='rwb_zw'><p>正文</p></div>",
        "<div class='box_cont'><p>正文</p></div>",
    ),
    (
        R,
        "BREADCRUMB_XPATHS",
        "<div class='clink w1000'>人民网&gt;&gt;河南频道</div>",
        "<div class='clinks'>人民网</div>",
    ),
]

# (module, name, text it must match, text it must not match)
REGEX_CASES = [
    (
        R,
        "SOURCE_RE",
        "2022年03月01日08:23 | 来源：人民网－河南频道",
        "2022年03月01日08:23 | 人民网",
    ),
    (PR, "LABEL_RE", "来源：河南日报", "河南日报来源"),
    (PR, "CREDIT_BRACKETS_RE", "（记者 张三）", "记者 张三"),
]

# Relative XPaths evaluated on the body node.
CAPTION_CASES = [
    (R, "CAPTION_XPATH", "<p class='pic_title'>赏花。刘军 摄</p>", "<p class='title'>赏花</p>"),
]


def _find(xpaths, markup: str, relative: bool = False) -> str | None:
    tree = lxml.html.document_fromstring(f"<html><body><div>{markup}</div></body></html>")
    node = tree.xpath("//body/div")[0] if relative else tree
    for query in (xpaths,) if isinstance(xpaths, str) else xpaths:
        for found in node.xpath(query):
            if found.text_content().strip():
                return found.text_content().strip()
    return None


def _id(case) -> str:
    return f"{case[0].__name__.rsplit('.', 1)[-1]}.{case[1]}"


@pytest.mark.parametrize(
    ("module", "name", "positive", "negative"), XPATH_CASES, ids=map(_id, XPATH_CASES)
)
def test_selector_list(module: ModuleType, name: str, positive: str, negative: str) -> None:
    xpaths = getattr(module, name)
    assert _find(xpaths, positive)
    assert _find(xpaths, negative) is None


@pytest.mark.parametrize(
    ("module", "name", "positive", "negative"), CAPTION_CASES, ids=map(_id, CAPTION_CASES)
)
def test_caption_xpath(module: ModuleType, name: str, positive: str, negative: str) -> None:
    xpath = getattr(module, name)
    assert _find(xpath, positive, relative=True)
    assert _find(xpath, negative, relative=True) is None


@pytest.mark.parametrize(
    ("module", "name", "positive", "negative"), REGEX_CASES, ids=map(_id, REGEX_CASES)
)
def test_pattern(module: ModuleType, name: str, positive: str, negative: str) -> None:
    pattern = getattr(module, name)
    assert pattern.search(positive)
    assert not pattern.search(negative)


@pytest.mark.parametrize("module", [H, D, R, PR], ids=lambda m: m.__name__)
def test_every_selector_list_and_pattern_has_a_case(module: ModuleType) -> None:
    own = {
        name
        for name, value in vars(module).items()
        if name.isupper()
        and not name.startswith("_")
        and getattr(value, "__module__", None) is None
    }
    tables = {n for n in own if n.endswith("_XPATHS") and isinstance(vars(module)[n], tuple)}
    tables |= {n for n in own if n.endswith("_XPATH") and isinstance(vars(module)[n], str)}
    patterns = {n for n in own if isinstance(vars(module)[n], re.Pattern)}
    cases = {(m, n) for m, n, *_ in XPATH_CASES + REGEX_CASES + CAPTION_CASES}
    imported = {"CAPTION_XPATH"} if module is PR else set()  # hnr_cn's, tested there
    missing = {n for n in tables | patterns if (module, n) not in cases} - imported
    assert not missing


def test_strip_label() -> None:
    assert PR.strip_label("来源：河南日报") == "河南日报"
    assert PR.strip_label("来源：") is None
    assert PR.strip_label(None) is None


@pytest.mark.parametrize(
    ("line", "bare"),
    [("□本报记者 刘永辉", "本报记者 刘永辉"), ("（记者 张三）", "记者 张三"), ("正文。", "正文。")],
)
def test_bare_line(line: str, bare: str) -> None:
    assert PR.bare_line(line) == bare
