"""Every regex in crawler/extract/patterns.py: one positive and one negative example each."""

from __future__ import annotations

import re

import pytest

from crawler.extract import patterns as P

# (name, pattern, text that must match, text that must not)
CASES = [
    ("META_CHARSET_RE", P.META_CHARSET_RE, b'<meta charset="gb2312">', b"<meta name=x content=y>"),
    ("DATE_TIME_RE", P.DATE_TIME_RE, "2019年06月21日 09:45", "第2019期 06版"),
    ("YEAR_MONTH_RE", P.YEAR_MONTH_RE, "1998年3月", "1998年3月5日"),
    ("US_DATE_TIME_RE", P.US_DATE_TIME_RE, "9/17/2004 5:54:13 AM", "第9/17期"),
    ("MONTH_DAY_TIME_RE", P.MONTH_DAY_TIME_RE, "发布时间：10-0812:00", "2019-10-08 12:00"),
    ("RELATIVE_DAY_TIME_RE", P.RELATIVE_DAY_TIME_RE, "昨天 14:20", "昨天下午"),
    (
        "SCRIPT_TIME_RE",
        P.SCRIPT_TIME_RE,
        'var ct = "1581517074";',
        'var act = "1581517074"; "pubtime": ""',
    ),
    (
        "DATELINE_SOURCE_RE",
        P.DATELINE_SOURCE_RE,
        "2019-09-07 04:04 北京日报",
        "2020-06-05 20:35 叨叨姐",
    ),
    (
        "SOURCE_BEFORE_DATE_RE",
        P.SOURCE_BEFORE_DATE_RE,
        "原创 南方都市报 2019-09-09 16:01:46",
        "南方都市报记者获悉",
    ),
    ("CLOSING_CREDIT_RE", P.CLOSING_CREDIT_RE, "编辑|禤志杰", "编辑部认为，这件事值得关注。"),
    ("BARE_TIME_LINE_RE", P.BARE_TIME_LINE_RE, "2019-10-15 09:32", "09:32 国家统计局公布数据"),
    ("CONTRIBUTOR_RE", P.CONTRIBUTOR_RE, "（实习生王金茹对此文亦有贡献）", "（本文有删节）"),
    ("PHOTO_LINE_RE", P.PHOTO_LINE_RE, "启动仪式现场。（刘通摄）", "摄影展在市博物馆开幕"),
    (
        "BRACKET_BYLINE_RE",
        P.BRACKET_BYLINE_RE,
        "2004年7月16日08:19 [ 王小明 ]",
        "[ 新华网 ] 2004年",
    ),
    ("NAME_SLASH_MEDIA_RE", P.NAME_SLASH_MEDIA_RE, "王小明/中国青年报", "文/王小明"),
    ("TITLE_BADGE_RE", P.TITLE_BADGE_RE, "独家｜某地发生的事", "独家记忆"),
    ("URL_DATE_RE", P.URL_DATE_RE, "/201906/21/123.html", "/article/1/123456"),
    ("NOT_PUBLISHED_LABELS_RE", P.NOT_PUBLISHED_LABELS_RE, "更新时间：", "发布时间："),
    ("PUBLISHED_LABELS_RE", P.PUBLISHED_LABELS_RE, "发布时间：", "阅读"),
    ("SOURCE_RE", P.SOURCE_RE, "2022-04-22 18:36:31  来源:映象网", "来自星星的你"),
    ("POSTER_RES[0]", P.POSTER_RES[0], "由海姑娘张贴 @ 2005-06-14", "由于天气原因"),
    ("POSTER_RES[1]", P.POSTER_RES[1], "ggjjzhzz 发表于 2005-9-15 11:46:00", "发表于人民日报"),
    (
        "POSTER_RES[2]",
        P.POSTER_RES[2],
        "发布时间 2005/03/15 22:36:13 by duscha",
        "stand by me",
    ),
    ("ROLE_RE", P.ROLE_RE, "大象新闻记者", "张亚丹"),
    ("POSTFIX_ROLE_RE", P.POSTFIX_ROLE_RE, "/图", "图书"),
    ("NAME_RE", P.NAME_RE, "高君晓", "高君晓是一位记者"),
    (
        "DATELINE_RE",
        P.DATELINE_RE,
        "映象网讯(大象新闻记者 高君晓 通讯员 张亚丹 )4月20日",
        "4月20日上午(晴)",
    ),
    ("BYLINE_LINE_RE", P.BYLINE_LINE_RE, "□ 本报记者 葛灵丹", "记者从会上获悉，今年全省粮食丰收。"),
    ("AUTHOR_LABEL_RE", P.AUTHOR_LABEL_RE, "作者：宋怡 杨志华", "作者认为，这是对的"),
    ("AUTHOR_LABEL_ANY_RE", P.AUTHOR_LABEL_ANY_RE, "02日14:25 作者： 赵婕", "作者认为"),
    ("HANDLE_RE", P.HANDLE_RE, "ggjjzhzz", "2005"),
    ("ORG_NAME_RE", P.ORG_NAME_RE, "大汉网络", "常书香"),
    ("UI_WORD_RE", P.UI_WORD_RE, "查看评论", "胡平"),
    ("PHOTO_CREDIT_RE", P.PHOTO_CREDIT_RE, "市民赏花踏青。孙磊 摄", "摄影展开幕"),
    ("TRAILING_CREDIT_RE", P.TRAILING_CREDIT_RE, "（常书香 马丹阳）", "（完）。这是正文"),
    ("BODY_END_RE", P.BODY_END_RE, "相关报道：", "相关报道指出，今年粮食增产。"),
    (
        "LIST_ITEM_RE",
        P.LIST_ITEM_RE,
        "·长期忍而不射 下下之策（2005-04-01）",
        "长期以来，他一直坚持",
    ),
    ("SECTION_HEADING_RE", P.SECTION_HEADING_RE, "一、理解文革的一个重要内容", "一九八九年四月"),
    ("SENTENCE_END_RE", P.SENTENCE_END_RE, "他说，今天很好。", "犬儒病(上)"),
    ("EDITOR_RE", P.EDITOR_RE, "文章关键词:平顶山 责编:王庆河", "编辑部的故事"),
    (
        "KEYWORDS_LABEL_RE",
        P.KEYWORDS_LABEL_RE,
        "文章关键词:平顶山,湛河区 责编:王庆河",
        "关键在于落实",
    ),
    ("KEYWORD_SPLIT_RE", P.KEYWORD_SPLIT_RE, "平顶山,湛河区", "乡村振兴"),
    ("YEAR_RE", P.YEAR_RE, "发布于２０22年", "第1８号文件"),
    ("TITLE_SUFFIX_RE", P.TITLE_SUFFIX_RE, "新画卷_映象网", "新画卷"),
    (
        "BOILERPLATE_LINE_RES[0]",
        P.BOILERPLATE_LINE_RES[0],
        "(映象网平顶山新闻热线:0375-3880000 投稿邮箱:a@b.com)",
        "热线电话成为群众的贴心人，今年接听了三千次。",
    ),
    (
        "BOILERPLATE_LINE_RES[1]",
        P.BOILERPLATE_LINE_RES[1],
        "文章关键词:平顶山",
        "平顶山的关键词是发展",
    ),
    (
        "BOILERPLATE_LINE_RES[2]",
        P.BOILERPLATE_LINE_RES[2],
        "责编：王庆河",
        "编辑们讨论了三个小时。",
    ),
    (
        "BOILERPLATE_LINE_RES[3]",
        P.BOILERPLATE_LINE_RES[3],
        "相关阅读 换一换",
        "阅读相关文件后，他说。",
    ),
    (
        "BOILERPLATE_LINE_RES[4]",
        P.BOILERPLATE_LINE_RES[4],
        "Copyright © 2012 hnr.cn",
        "版权保护工作取得进展",
    ),
    (
        "BOILERPLATE_LINE_RES[5]",
        P.BOILERPLATE_LINE_RES[5],
        "来源：河南日报",
        "来源于群众，服务于群众，这是我们的宗旨。",
    ),
    (
        "BOILERPLATE_LINE_RES[6]",
        P.BOILERPLATE_LINE_RES[6],
        "上一篇：平顶山",
        "上一篇文章里我们谈到",
    ),
    (
        "BOILERPLATE_LINE_START_RE",
        P.BOILERPLATE_LINE_START_RE,
        "责编：王庆河",
        "上一篇文章里我们谈到",
    ),
    (
        "BOILERPLATE_LINE_ANYWHERE_RE",
        P.BOILERPLATE_LINE_ANYWHERE_RE,
        "copyright 2012",
        "关键词：平顶山",
    ),
]


def _search(pattern: re.Pattern, text):
    return pattern.search(text)


@pytest.mark.parametrize(
    ("name", "pattern", "positive", "negative"), CASES, ids=[c[0] for c in CASES]
)
def test_pattern_matches_positive_and_not_negative(name, pattern, positive, negative):
    assert _search(pattern, positive), f"{name} should match {positive!r}"
    if name == "KEYWORD_SPLIT_RE":
        assert not pattern.search(negative)
    elif name in {"NAME_RE", "POSTFIX_ROLE_RE", "HANDLE_RE", "ORG_NAME_RE"}:
        assert not pattern.match(negative)
    else:
        assert not _search(pattern, negative), f"{name} should not match {negative!r}"


def test_every_pattern_in_module_has_a_case():
    named = {c[0].split("[")[0] for c in CASES}
    compiled = {n for n, v in vars(P).items() if isinstance(v, re.Pattern)}
    assert compiled <= named, f"patterns without a test case: {sorted(compiled - named)}"


def test_boilerplate_line_start_and_anywhere_res_are_any_of_boilerplate_line_res():
    lines = [text for case in CASES for text in case[2:4] if isinstance(text, str)]
    lines += [
        "COPYRIGHT 2020",
        "  返回顶部",
        "返回顶部",
        "编辑：张三。",
        "【责编：王五】",
        "x 来源：新华社",
    ]
    for line in lines:
        expected = any(pattern.search(line) for pattern in P.BOILERPLATE_LINE_RES)
        combined = P.BOILERPLATE_LINE_START_RE.match(line) or P.BOILERPLATE_LINE_ANYWHERE_RE.search(
            line
        )
        assert bool(combined) == expected, line


def test_year_re_is_any_half_or_full_width_19xx_or_20xx():
    reference = re.compile(r"(?:[1１][9９]|[2２][0０])\d\d")
    digits = "0123456789０１２３４５６７８９"
    texts = [a + b + "3" + "4" for a in digits for b in digits]
    texts += ["x２０2１年", "1９9９", "2100", "１８９９", "2０-", "x1920y"]
    for text in texts:
        assert [m.span() for m in P.YEAR_RE.finditer(text)] == [
            m.span() for m in reference.finditer(text)
        ], text


def test_every_keywords_label_match_holds_a_hint():
    texts = ["文章关键词:平顶山", "关键字：春耕", "标签: 经济", "TAGS：a b", "tAg: x", "taſ: y"]
    texts += [case[2] for case in CASES if case[0] == "KEYWORDS_LABEL_RE"]
    for text in texts:
        if P.KEYWORDS_LABEL_RE.search(text):
            assert any(hint in text for hint in P.KEYWORDS_LABEL_HINTS), text


def test_every_boilerplate_anywhere_match_holds_a_hint():
    texts = [
        "COPYRIGHT 2020",
        "CopyrİGHT",
        "cOpYrIgHt",
        "版权所有 © 2021",
        "©2020",
        "未经授权，不得转载",
    ]
    texts += ["未经授权 请勿复制", "copy right", "权所有", "pyr"]
    for text in texts:
        if P.BOILERPLATE_LINE_ANYWHERE_RE.search(text):
            assert any(hint in text for hint in P.BOILERPLATE_LINE_ANYWHERE_HINTS), text
    assert not P.BOILERPLATE_LINE_ANYWHERE_RE.search("copy right")
    # The "pyr" hints stand for the case-insensitive "Copyright": no character but these letters
    # and their capitals matches them under IGNORECASE.
    for letter in "pyr":
        letter_re = re.compile(letter, re.IGNORECASE)
        matching = {chr(code) for code in range(0x110000) if letter_re.fullmatch(chr(code))}
        assert matching == {letter, letter.upper()}
