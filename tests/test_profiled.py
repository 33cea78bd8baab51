"""The profiled parser (crawler/extract/profiled.py) and the profiles' selectors and patterns:
each selector list and pattern of a shipped profile has a positive and a negative example."""

from __future__ import annotations

import re

import lxml.html
import pytest

from crawler.extract import patterns as P
from crawler.extract import profiled as PR
from crawler.extract.page import Page
from crawler.extract.profiled import ProfiledParser
from crawler.extract.registry import lookup, site_parsers
from crawler.sites.profile import SITES_DIR, load_profiles

PROFILES = load_profiles((SITES_DIR,))

# (profile, field, markup where the list must find text, markup where it must not)
XPATH_CASES = [
    ("hnr", "title", "<h2 class='f32 lh48 mrg_t_30'>标题</h2>", "<h3>标题</h3>"),
    (
        "hnr",
        "info",
        "<div class='article-info'>2022-04-22 来源:映象网</div>",
        "<div class='x'>来源</div>",
    ),
    (
        "hnr",
        "time",
        "<div id='share_right'><p class='left'><span>2019年06月21日 09:45</span></p></div>",
        "<span>2019年06月21日</span>",
    ),
    (
        "hnr",
        "source",
        "<div id='txt_left'><span class='source'>来源：河南日报</span></div>",
        "<span class='source'>来源</span>",
    ),
    ("hnr", "editors", "<span class='right'>责编：王琳</span>", "<span class='right'>分享</span>"),
    (
        "hnr",
        "body",
        "<div class='TRS_Editor'><p>正文</p></div>",
        "<div class='content'><p>正文</p></div>",
    ),
    ("hnr", "breadcrumb", "<td class='nav_path'>您的位置：新闻中心</td>", "<td>新闻中心</td>"),
    ("hnr", "subtitle", "<h2 class='article-subtitle'>副题</h2>", "<h2>副题</h2>"),
    (
        "hnr",
        "keywords",
        "<div class='article-keywords'>文章关键词:平顶山</div>",
        "<div class='keywords'>热门</div>",
    ),
    ("henandaily", "title", "<h1 class='content-title'>标题</h1>", "<h1 class='title'>标题</h1>"),
    (
        "henandaily",
        "time",
        "<div class='content-info'><span class='content-time'>2022.01.20 16:31</span></div>",
        "<span class='content-time'>2022.01.20 16:31</span>",
    ),
    (
        "henandaily",
        "source",
        "<div class='content-info'><span class='content-source'>来源：河南日报</span></div>",
        "<div class='content-info'><span class='source'>来源：河南日报</span></div>",
    ),
    (
        "henandaily",
        "editors",
        "<div class='content-content'><p>责任编辑：张志强</p></div>",
        "<div class='content-content'><p>编者按：本报今起推出</p></div>",
    ),
    (
        "henandaily",
        "body",
        "<div class='content-content'><p>正文</p></div>",
        "<div class='content-contents'><p>正文</p></div>",
    ),
    (
        "henandaily",
        "breadcrumb",
        "<div class='current-location'>当前位置：洛阳</div>",
        "<div class='location'>当前位置：洛阳</div>",
    ),
    ("dahe", "title", "<h1 id='4g_title'>标题</h1>", "<h1 id='title'>标题</h1>"),
    (
        "dahe",
        "time",
        "<div class='time_source'>2022-03-02 09:32</div>",
        "<div class='time'>2022-03-02 09:32</div>",
    ),
    (
        "dahe",
        "source",
        "<span id='source_baidu'>来源：大河网</span>",
        "<span class='source_baidu'>来源：大河网</span>",
    ),
    ("dahe", "authors", "<span id='author_baidu'>作者：王磊</span>", "<span>作者：王磊</span>"),
    (
        "dahe",
        "editors",
        "<span id='editor_baidu'>责任编辑：刘洋</span>",
        "<span>责任编辑：刘洋</span>",
    ),
    ("dahe", "body", "<div id='mainCon'><p>正文</p></div>", "<div id='main'><p>正文</p></div>"),
    (
        "dahe",
        "breadcrumb",
        "<div class='crumbs'>当前位置：新闻</div>",
        "<div class='nav'>新闻</div>",
    ),
    (
        "people_henan",
        "title",
        "<div class='clearfix text_title'><h1>标题</h1></div>",
        "<div class='box'><h1>标题</h1></div>",
    ),
    (
        "people_henan",
        "subtitle",
        "<div class='text_title'><h4 class='sub'>副题</h4></div>",
        "<div class='text_title'><h4 class='author'>本网记者</h4></div>",
    ),
    (
        "people_henan",
        "time",
        "<div class='box01'><div class='fl'>2022年03月01日08:23 | 来源：人民网</div></div>",
        "<div class='box01'><div class='fr'>分享到</div></div>",
    ),
    (
        "people_henan",
        "source",
        "<div class='box01'><div class='fl'>2022年03月01日08:23 | 来源：人民网</div></div>",
        "<div class='box01'><div class='fr'>分享到</div></div>",
    ),
    (
        "people_henan",
        "authors",
        "<div class='text_title'><p class='author'>本网记者 张琳</p></div>",
        "<p class='author'>本网记者 张琳</p>",
    ),
    (
        "people_henan",
        "editors",
        "<div class='edit clearfix'>(责编：李楠、王丹)</div>",
        "<div class='editor'>(责编：李楠)</div>",
    ),
    (
        "people_henan",
        "body",
        "<div class='box_con' id='rwb_zw'><p>正文</p></div>",
        "<div class='box_cont'><p>正文</p></div>",
    ),
    (
        "people_henan",
        "breadcrumb",
        "<div class='clink w1000'>人民网&gt;&gt;河南频道</div>",
        "<div class='clinks'>人民网</div>",
    ),
    (
        "people_henan",
        "caption",
        "<p class='pic_title'>赏花。刘军 摄</p>",
        "<p class='title'>赏花</p>",
    ),
    (
        "hnr",
        "caption",
        "<figure><figcaption>赏花</figcaption></figure>",
        "<p class='title'>赏花</p>",
    ),
]

# (profile, [parser] key, text it must match, text it must not match)
REGEX_CASES = [
    ("hnr", "info_regex", "2022-04-22 18:36:31  来源:映象网", "来源:映象网"),
    ("hnr", "author_label_regex", "(作者：张三)", "作者们说"),
    (
        "people_henan",
        "source_regex",
        "2022年03月01日08:23 | 来源：人民网－河南频道",
        "2022年03月01日08:23 | 人民网",
    ),
]

# The parser's own patterns.
OWN_PATTERN_CASES = [
    (PR.LABEL_RE, "来源：河南日报", "河南日报来源"),
    (PR.CREDIT_BRACKETS_RE, "（记者 张三）", "记者 张三"),
    (PR.BULLETS_RE, "□本报记者 刘晓波", "本报记者 刘晓波"),
]


def _find(xpaths: list[str], markup: str, relative: bool) -> str | None:
    tree = lxml.html.document_fromstring(f"<html><body><div>{markup}</div></body></html>")
    node = tree.xpath("//body/div")[0] if relative else tree
    for query in [" | ".join(xpaths)] if relative else xpaths:
        for found in node.xpath(query):
            if found.text_content().strip():
                return found.text_content().strip()
    return None


@pytest.mark.parametrize(
    ("site", "field", "positive", "negative"),
    XPATH_CASES,
    ids=[f"{c[0]}.{c[1]}" for c in XPATH_CASES],
)
def test_selector_list(site: str, field: str, positive: str, negative: str) -> None:
    xpaths = getattr(PROFILES.get(site).selectors, field)
    relative = field == "caption"  # evaluated on the body node
    assert _find(xpaths, positive, relative)
    assert _find(xpaths, negative, relative) is None


@pytest.mark.parametrize(
    ("site", "key", "positive", "negative"),
    REGEX_CASES,
    ids=[f"{c[0]}.{c[1]}" for c in REGEX_CASES],
)
def test_profile_pattern(site: str, key: str, positive: str, negative: str) -> None:
    pattern = re.compile(getattr(PROFILES.get(site).parser, key))
    assert pattern.search(positive)
    assert not pattern.search(negative)


@pytest.mark.parametrize(("pattern", "positive", "negative"), OWN_PATTERN_CASES)
def test_parser_pattern(pattern, positive: str, negative: str) -> None:
    assert pattern.search(positive)
    assert not pattern.search(negative)


def test_every_selector_list_and_pattern_of_a_profile_has_a_case() -> None:
    cases = {(site, field) for site, field, *_ in XPATH_CASES + REGEX_CASES}
    missing = []
    for name, profile in PROFILES.found.items():
        if profile.selectors is not None:
            for field, value in profile.selectors:
                default = field == "caption" and value == type(profile.selectors)().caption
                if value and not default and (name, field) not in cases:
                    missing.append((name, field))
        if profile.parser is not None:
            for key in ("source_regex", "info_regex", "author_label_regex"):
                if getattr(profile.parser, key) and (name, key) not in cases:
                    missing.append((name, key))
    assert not missing


def test_each_profiled_site_gets_its_own_parser_class_and_extractor_name() -> None:
    parsers = site_parsers(PROFILES)
    hnr = lookup(parsers, "http://news.hnr.cn/djn/")
    assert issubclass(hnr, ProfiledParser) and (hnr.name, hnr.version) == ("hnr_cn", 1)
    assert lookup(parsers, "http://city.dahe.cn/2015/06-18/1.html").name == "dahe_cn"
    assert lookup(parsers, "https://www.henandaily.cn/content/2019/0620/1.html").name == (
        "henandaily_cn"
    )
    assert lookup(parsers, "http://henan.people.com.cn/n2/2022/0120/c1-2.html").name == "people_cn"


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


@pytest.mark.parametrize(
    ("line", "credit"),
    [
        ("□本报记者 刘晓波　见习记者 陈亚南", True),
        ("刘涛/文 郑伟/图", True),
        ("记者从会上获悉，全省粮食丰收。", False),
        ("平顶山湛河区", False),
    ],
)
def test_credit_only_lines(line: str, credit: bool) -> None:
    assert PR.is_credit_line(line) is credit


def test_keywords_label_is_data() -> None:
    html = (
        "<html><body><h1>标题</h1><div class='article-keywords'>文章关键词：平顶山 湛河</div>"
        "<div class='body'><p>" + "正文内容。" * 40 + "</p></div></body></html>"
    ).encode()
    profile = PROFILES.get("hnr")
    labelled = ProfiledParser.for_profile(profile)
    assert P.KEYWORDS_LABEL_RE.search("文章关键词：平顶山 湛河")
    page = Page(html, "http://news.hnr.cn/a/20220422/1.html")
    assert labelled(page).keywords() == ["平顶山", "湛河"]
    unlabelled_profile = profile.model_copy(
        update={"parser": profile.parser.model_copy(update={"keywords_label": False})}
    )
    unlabelled = ProfiledParser.for_profile(unlabelled_profile)
    assert unlabelled(page).keywords() == ["文章关键词：平顶山", "湛河"]
