"""The generic parser on small synthetic pages: one test per field and per rule."""

from __future__ import annotations

from crawler.extract import extract
from crawler.extract.generic import GenericParser, strip_title_suffix
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


# ------------------------------------------------------------------------------ generalising rules
def page(head: str, header: str, body: str = f"<p>{PARA}</p><p>{PARA}</p>", tail: str = ""):
    html = (
        f'<html><head><meta charset="utf-8">{head}</head><body>'
        f'<div class="nav"><a href="/">首页</a></div><div class="main">{header}'
        f'<div class="article">{body}</div>{tail}</div></body></html>'
    )
    return parser(html, "https://news.example.com/a/1.html")


HEADLINE = "<h1>全市经济稳中向好</h1>"


def test_brand_in_meta_author_is_not_a_person():
    p = page(
        '<title>全市经济稳中向好_网易新闻</title><meta name="author" content="网易">',
        HEADLINE + "<div>2019-09-08 00:20:15 来源: 每日经济新闻</div>",
    )
    assert p.reporters() == []


def test_source_in_an_unlabelled_slot_and_not_an_author():
    p = page(
        '<title>全市经济稳中向好</title><meta property="article:author" content="参考消息">',
        HEADLINE + '<div class="date-source"><span class="date">2019年11月25日 18:57</span>'
        '<a class="source" href="http://x.cn">参考消息</a></div>',
    )
    assert p.source() == "参考消息"
    assert p.reporters() == []


def test_source_label_followed_by_a_bracketed_link():
    p = page(
        "<title>全市经济稳中向好</title>", HEADLINE + '<div>来源：[<a href="/">新华网</a>]</div>'
    )
    assert p.source() == "新华网"


def test_media_name_before_the_dateline_is_the_source():
    p = page(
        "<title>全市经济稳中向好</title>", HEADLINE + "<div>原创 南方都市报 2019-09-09 16:01</div>"
    )
    assert p.source() == "南方都市报"
    p = page(
        "<title>全市经济稳中向好</title>", HEADLINE + "<div>新华社</div><div>2020-01-03 18:13</div>"
    )
    assert p.source() == "新华社"


def test_ui_words_and_relative_days_beside_a_byline_are_not_names():
    p = page("<title>全市经济稳中向好</title>", HEADLINE)
    for word in ("查看更多", "整合", "网络", "昨天", "热门文章", "BBC"):
        assert not p._plausible_person(word), word
    assert p._plausible_person("王小明")


def test_printed_portal_bracket_byline_and_source():
    p = page(
        "<title>全市经济稳中向好</title>",
        HEADLINE + "<div>2004年7月16日08:19 [ 王小明 ] 来源：[新华网]</div>",
    )
    assert [r["name"] for r in p.reporters()] == ["王小明"]
    assert p.source() == "新华网"


def test_a_line_of_names_under_the_headline():
    p = page("<title>全市经济稳中向好</title>", HEADLINE + "<div>张三、李四</div>")
    assert [r["name"] for r in p.reporters()] == ["张三", "李四"]


def test_name_slash_newspaper_byline():
    p = page("<title>全市经济稳中向好</title>", HEADLINE, f"<p>王小明/中国青年报</p><p>{PARA}</p>")
    assert p.reporters() == [{"name": "王小明", "role": "作者", "org": "中国青年报"}]


def test_contributors_and_staff_photographers_join_the_byline():
    body = (
        f"<p>本报记者 张三</p><p>{PARA}</p><p>会议现场。本报记者 王五 摄</p><p>{PARA}</p>"
        "<p>（实习生李四对此文亦有贡献）</p>"
    )
    p = page("<title>全市经济稳中向好</title>", HEADLINE, body)
    assert [r["name"] for r in p.reporters()] == ["张三", "王五", "李四"]


def test_a_bare_caption_credit_is_not_an_author():
    body = f"<p>{PARA}</p><p>市民在公园赏花 李尕 摄</p><p>{PARA}</p>"
    assert page("<title>全市经济稳中向好</title>", HEADLINE, body).reporters() == []


def test_year_of_a_yearless_header_time_from_the_page_metadata():
    p = page(
        '<title>全市经济稳中向好</title><meta itemprop="dateUpdate" content="2019-10-08 12:00:57">',
        HEADLINE + "<div>发布时间：10-0812:00</div>",
    )
    assert p.published().iso == "2019-10-08T12:00+08:00"


def test_script_data_dates_a_page_without_metadata():
    p = page('<title>全市经济稳中向好</title><script>var ct = "1581517074";</script>', HEADLINE)
    assert p.published().iso == "2020-02-12T22:17:54+08:00"
    p = page(
        '<title>全市经济稳中向好</title><script>window.DATA = {"pubtime": "2019-09-07 19:02:26"}'
        "</script>",
        HEADLINE,
    )
    assert p.published().iso == "2019-09-07T19:02:26+08:00"


def test_visible_headline_when_the_title_names_a_section_or_is_missing():
    header = "<div>首页 - 新闻动态</div><div>年会在西南大学成功举行！</div><div>发布时间：2019-05-18</div>"
    assert page("<title>新闻动态--某学会</title>", header).title() == "年会在西南大学成功举行！"
    assert page("", header).title() == "年会在西南大学成功举行！"


def test_badge_word_before_the_headline_is_dropped():
    p = page("<title>独家｜全市经济稳中向好</title>", "<h1>独家｜全市经济稳中向好</h1>")
    assert p.title() == "全市经济稳中向好"


def test_body_without_its_header_lines_and_what_follows_the_closing_credits():
    body = (
        "<p>全市经济稳中向好</p><p>2019-08-13 14:07 来源：某某网</p><p>字号</p><p>大</p>"
        f"<p>{PARA}</p><p>{PARA}</p><p>编辑|张三</p><p>校对|李四</p>"
        "<p>扫描下方二维码解锁更多技能</p><p>评论(0)</p><p>我要跟帖</p>"
    )
    text = page("<title>全市经济稳中向好</title>", "", body).body()
    assert text.startswith(PARA[:10])
    assert "二维码" not in text and "跟帖" not in text


def test_short_flash_and_notice_are_kept():
    flash = "【快讯】国家统计局今天公布，9月份全国居民消费价格同比上涨百分之二点八，环比上涨百分之零点九。"
    record = extract(
        (
            '<html><head><meta charset="utf-8"></head><body><h1>9月CPI同比上涨</h1>'
            f"<div>2019-10-15 09:32</div><div><p>{flash}</p></div></body></html>"
        ).encode(),
        "https://news.example.com/k/1.html",
    )
    assert record["title"] == "9月CPI同比上涨"
    assert record["body"] == flash


def test_headline_linked_above_the_body_when_the_page_has_no_title():
    html = (
        '<html><head><meta charset="utf-8"></head><body><ul><li><a href="/1">1. 另一篇文章(6)</a>'
        '</li></ul><div><a href="/a/1.html">十三岁女孩辍学后的遭遇</a></div>'
        f"<div><p>{PARA}</p><p>{PARA}</p></div></body></html>"
    )
    assert parser(html).title() == "十三岁女孩辍学后的遭遇"


def test_blog_author_link_in_the_header():
    p = page(
        "<title>全市经济稳中向好</title>",
        HEADLINE + '<div class="post-meta"><a rel="author" href="/u/9">海姑娘</a> 2005-06-14</div>',
    )
    assert [r["name"] for r in p.reporters()] == ["海姑娘"]
    p = page(
        "<title>全市经济稳中向好</title>",
        HEADLINE + '<div><span class="author-name">ggjjzhzz</span> 2005-06-14</div>',
    )
    assert [r["name"] for r in p.reporters()] == ["ggjjzhzz"]


def test_a_date_in_the_body_does_not_beat_the_url_date():
    body = f"<p>2019年10月1日 10:00，{PARA}</p><p>{PARA}</p>"
    html = (
        f'<html><head><meta charset="utf-8"><title>全市经济稳中向好</title></head><body>'
        f"{HEADLINE}<div>{body}</div></body></html>"
    )
    assert parser(html).published().iso == "2022-04-22"


def test_a_flash_page_keeps_its_flash_not_the_list_of_others():
    flash = "【快讯】国家统计局今天公布，9月份全国居民消费价格同比上涨百分之二点八，环比上涨百分之零点九。"
    others = "".join(
        f"<p>09:{minute:02d}</p><p>另一条快讯的内容，第{minute}条，某地今天发生了一件事情，有关部门已经介入调查。</p>"
        for minute in (10, 20, 30)
    )
    p = page(
        "<title>9月CPI同比上涨</title>",
        "<h1>9月CPI同比上涨</h1>",
        f"<p>09:32</p><p>{flash}</p>{others}",
    )
    assert p.body() == flash


def test_channel_and_site_suffixes_both_leave_the_title():
    assert strip_title_suffix("全市经济稳中向好_新闻中心_某某网") == "全市经济稳中向好"
    assert (
        strip_title_suffix("欧冠-梅西送助攻苏神双响救主_网易体育") == "欧冠-梅西送助攻苏神双响救主"
    )


def test_relative_day_in_the_header_read_against_the_page_stamp():
    p = page(
        '<title>全市经济稳中向好</title><meta name="dateUpdate" content="2020-03-01 10:00:00">',
        HEADLINE + "<div>昨天 14:20 阅读 1234</div>",
    )
    assert p.published().iso == "2020-02-29T14:20+08:00"


def test_script_midnight_is_a_day_refined_by_the_printed_minute():
    head = "<title>全市经济稳中向好</title><script>var __$pubtime='2012-06-24 00:00:00';</script>"
    assert page(head, HEADLINE).published().iso == "2012-06-24"
    assert page(head, HEADLINE + "<div>2012-06-24 17:30</div>").published().iso == (
        "2012-06-24T17:30+08:00"
    )


def test_a_label_in_the_source_slot_is_not_a_source():
    p = page(
        "<title>全市经济稳中向好</title>",
        HEADLINE + '<div><span class="source">发布时间：01-1417:58</span></div>',
    )
    assert p.source() is None


def test_a_notice_inside_a_box_marked_as_furniture_is_not_lost():
    notice = "各单位：根据上级要求，决定即日起开展冬季安全大检查，请各单位高度重视，认真组织自查。"
    html = (
        '<html><head><meta charset="utf-8"><title>关于开展冬季安全检查的通知</title></head><body>'
        f'<div class="side-main"><h2>关于开展冬季安全检查的通知</h2><div><p>{notice}</p></div></div>'
        "</body></html>"
    )
    assert parser(html).body() == notice


def test_a_section_heading_in_h1_gives_way_to_the_headline_above_the_dateline():
    header = "<h1>新闻动态</h1><div>年会在西南大学成功举行！</div><div>发布时间：2019-05-18</div>"
    assert page("<title>新闻动态 - 某学会</title>", header).title() == "年会在西南大学成功举行！"
    # A short headline of its own stays.
    assert (
        page("<title>油价上调</title>", "<h1>油价上调</h1><div>2019-05-18</div>").title()
        == "油价上调"
    )


def test_script_data_time_with_an_offset_is_read_in_its_zone():
    head = '<title>全市经济稳中向好</title><script>var d = {"publishTime": "2020-01-14T09:58:00Z"}</script>'
    assert page(head, HEADLINE).published().iso == "2020-01-14T09:58+00:00"
