"""The generic parser on small synthetic pages: one test per field and per rule."""

from __future__ import annotations

from crawler.extract import extract
from crawler.extract.generic import GenericParser
from crawler.extract.page import Page

PARA = (
    "今年以来，全市上下坚持稳中求进工作总基调，统筹推进各项工作，经济运行总体平稳、稳中向好，"
    "为全年目标任务的完成打下了坚实基础。"
)

NEWS = f"""<html><head><meta charset="utf-8"><title>全市经济稳中向好_河南日报网</title>
<meta name="keywords" content="河南日报网,新闻"></head><body>
<div class="nav"><a href="/">首页</a> <a href="/a">要闻</a></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/yw">要闻</a> &gt; 正文</div>
<div class="main"><h1>全市经济稳中向好</h1>
<div class="info">2022-04-22 18:36:31 来源：河南日报 作者：河南日报网</div>
<div class="article">
<p>映象网讯(大象新闻记者 高君晓 通讯员 张亚丹)4月20日，{PARA}</p>
<p>{PARA}</p><p>{PARA}</p>
<p><img src="/img/1.jpg"></p><p style="text-align:center">图为会议现场</p>
<p>（常书香 马丹阳）</p>
<p>责任编辑：王庆河</p>
</div>
<div class="related"><h3>相关新闻</h3><ul>
<li><a href="/1">·另一条新闻的标题在这里</a>（2022-04-23 10:00）</li>
<li><a href="/2">·又一条新闻的标题在这里</a>（2022-04-24 10:00）</li></ul></div>
<div class="footer">版权所有 © 河南日报网 联系电话：0371-1234567</div>
</div></body></html>"""


def parser(html: str, url: str = "https://www.example.cn/2022-04/22/a.html") -> GenericParser:
    return GenericParser(Page(html.encode("utf-8"), url))


def test_title_without_site_suffix():
    assert parser(NEWS).title() == "全市经济稳中向好"


def test_published_is_the_printed_time_not_a_related_item():
    published = parser(NEWS).published()
    assert published.iso == "2022-04-22T18:36:31+08:00"
    assert published.raw == "2022-04-22 18:36:31"


def test_source():
    assert parser(NEWS).source() == "河南日报"


def test_dateline_reporters_win_and_outlet_is_not_an_author():
    people = parser(NEWS).reporters()
    assert [p["name"] for p in people] == ["高君晓", "张亚丹"]
    assert people[0]["org"] == "大象新闻"


def test_editors_are_not_reporters():
    p = parser(NEWS)
    assert p.editors() == [{"name": "王庆河", "role": "责任编辑"}]
    assert "王庆河" not in [r["name"] for r in p.reporters()]


def test_body_keeps_the_article_and_drops_furniture():
    body = parser(NEWS).body()
    assert body.startswith("映象网讯")
    assert body.count(PARA) == 3
    for furniture in ("首页", "相关新闻", "另一条新闻", "版权所有", "责任编辑", "0371"):
        assert furniture not in body


def test_site_keywords_are_not_article_keywords():
    assert parser(NEWS).keywords() == []


def test_section_and_images():
    p = parser(NEWS)
    assert p.section() == ["要闻"]
    assert p.images() == [{"url": "https://www.example.cn/img/1.jpg", "caption": "图为会议现场"}]


def test_section_found_by_the_parsed_class_not_the_markup_spelling():
    # The class is spelled with a character reference: only the parsed value says "crumb".
    html = (
        "<html><head><style>.x{position:absolute}</style></head><body>"
        '<div class="&#99;rumb">首页 &gt; 新闻 &gt; 本地</div><p>正文。</p></body></html>'
    )
    assert parser(html).section() == ["新闻", "本地"]
    # "position" in a style sheet is no breadcrumb.
    assert parser(html.replace("&#99;rumb", "nav-bar")).section() == []


def test_trailing_bracket_credits_when_no_dateline():
    html = NEWS.replace("映象网讯(大象新闻记者 高君晓 通讯员 张亚丹)4月20日，", "")
    assert [p["name"] for p in parser(html).reporters()] == ["常书香", "马丹阳"]


def test_metadata_time_refined_by_the_printed_minute():
    html = NEWS.replace("<head>", '<head><meta name="publishdate" content="2022-04-22">')
    assert parser(html).published().iso == "2022-04-22T18:36:31+08:00"


def test_printed_header_minute_wins_over_a_metadata_time_that_differs():
    # The CMS stamps 18:00 (10:00Z); the page prints 18:36:31 under the headline.
    html = NEWS.replace(
        "<head>", '<head><meta property="article:published_time" content="2022-04-22T10:00:00Z">'
    )
    assert parser(html).published().iso == "2022-04-22T18:36:31+08:00"


def test_metadata_time_with_offset_wins_when_nothing_is_printed_in_the_header():
    html = NEWS.replace(
        "<head>", '<head><meta property="article:published_time" content="2022-04-22T10:00:00Z">'
    ).replace("2022-04-22 18:36:31 ", "")
    assert parser(html).published().iso == "2022-04-22T10:00+00:00"


def test_metadata_time_with_seconds_kept_when_the_header_prints_the_same_minute():
    html = NEWS.replace(
        "<head>", '<head><meta name="pubdate" content="2022-04-22 18:36:59">'
    ).replace("2022-04-22 18:36:31", "2022-04-22 18:36")
    assert parser(html).published().iso == "2022-04-22T18:36:59+08:00"


def test_update_time_is_not_the_publish_time():
    html = NEWS.replace(
        '<div class="info">2022-04-22 18:36:31',
        '<div class="info">更新时间：2022-05-01 08:00:00 发布时间：2022-04-22 18:36:31',
    )
    assert parser(html).published().iso == "2022-04-22T18:36:31+08:00"


def test_url_date_only_when_nothing_is_printed():
    html = NEWS.replace("2022-04-22 18:36:31 ", "").replace("（2022-04-23 10:00）", "")
    html = html.replace("（2022-04-24 10:00）", "")
    assert parser(html).published().iso == "2022-04-22"


BLOG = f"""<html><head><title>海那边的姑娘 | blog.example.com</title></head><body>
<table><tr><td class="side"><a href="/1">2005年6月</a><br><a href="/2">登录</a></td>
<td><div class="post"><h3>回忆童年的露天电影院</h3><div>2005-06-14 03:25:55</div>
<div class="post-body"><p>{PARA}</p><p>{PARA}</p></div>
<div>由海姑娘张贴 @ 2005-06-14 03:25:55 (370)</div></div>
<div class="post"><h3>另一篇更长的文章</h3><div>2005-06-13 15:00:14</div>
<div class="post-body"><p>{PARA}{PARA}</p><p>{PARA}{PARA}</p><p>{PARA}{PARA}</p></div>
<div>由海姑娘张贴 @ 2005-06-13 15:00:14 (12)</div></div>
</td></tr></table></body></html>"""


def test_blog_first_post_and_poster():
    p = parser(BLOG, "file:///tmp/blog.html")
    assert p.body() == f"{PARA}\n{PARA}"
    assert p.published().iso == "2005-06-14T03:25:55+08:00"
    assert [r["name"] for r in p.reporters()] == ["海姑娘"]


ESSAY = f"""<html><head><meta charset="gbk"><title>显示</title></head><body>
<p>显示</p><p><b>犬儒病(上)</b></p><p>胡平</p><p>——当代中国的精神危机</p>
<p>{PARA}</p><p>{PARA}</p><p>——《北京之春》1998年3月号</p></body></html>"""


def test_essay_name_line_and_magazine_month():
    p = GenericParser(Page(ESSAY.encode("gb18030"), "file:///tmp/essay.html"))
    assert [r["name"] for r in p.reporters()] == ["胡平"]
    assert p.published().iso == "1998-03"


def test_no_author_is_better_than_a_wrong_one():
    html = f"""<html><body><h1>学习目的</h1><p>返目录</p><p>属灵作业</p>
    <p>1.认识明白神旨意的重要性；</p><p>{PARA}</p><p>{PARA}</p>
    <p>来源：新华社</p><p>编辑：张三</p></body></html>"""
    assert parser(html).reporters() == []


def test_extract_record_shape():
    record = extract(NEWS.encode("utf-8"), "https://www.example.cn/2022-04/22/a.html")
    assert record["extractor"] == "generic/2"
    assert record["published_at"] == "2022-04-22T18:36:31+08:00"
    assert record["body"] and record["fingerprint"]
