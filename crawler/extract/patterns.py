"""Patterns as data: regexes and ordered selector lists, most specific first.

Every regex here has a positive and a negative example in tests/test_patterns.py. All of them
are linear: no nested quantifiers, bounded repeats, so that hostile text cannot make them
backtrack for long.
"""

from __future__ import annotations

import itertools
import re

# ---------------------------------------------------------------------------- decoding
META_CHARSET_RE = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,30})""", re.IGNORECASE
)

# ---------------------------------------------------------------------------- text classes
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
NAME_DOT = "·•・."

# ---------------------------------------------------------------------------- dates
# A year, 19xx or 20xx, its digits half- or full-width: every date pattern needs one once
# full-width digits are folded, so a text without it holds no date. The eight openings spelled
# out as literals, not as [1１][9９]|[2２][0０]: the regex engine then skips between them in C,
# twice as fast over a page's text.
YEAR_RE = re.compile(r"(?:19|20|１９|２０|1９|１9|2０|２0)\d\d")
# Year, month, day with -, ., /, or 年月日; optional time with : or ： or 时分秒. \d also
# matches full-width digits, which int() reads. "No digit before the year" is checked after its
# "19"/"20" ((?<!\d..)), not before: a pattern opening with literals lets the regex engine skip
# to the next 1 or 2 instead of trying every position.
DATE_TIME_RE = re.compile(
    r"(?P<year>(?:19|20)(?<!\d..)\d{2})\s{0,2}(?P<sep>[-./年－．／])\s{0,2}(?P<month>\d{1,2})\s{0,2}"
    r"[-./月－．／]\s{0,2}(?P<day>\d{1,2})(?!\d)\s{0,2}日?"
    r"(?:[\sT]{0,3}(?:(?P<ampm>上午|下午|晚上|凌晨|早上|中午))?\s{0,2}"
    r"(?P<hour>\d{1,2})\s{0,2}[:：时]\s{0,2}(?P<minute>\d{1,2})(?!\d)"
    r"(?:\s{0,2}[:：分]\s{0,2}(?P<second>\d{1,2})(?!\d))?(?:\s{0,2}[分秒])?)?"
)
# Month/day/year as US-built forums and CMSs print it: "9/17/2004 5:54:13 AM".
US_DATE_TIME_RE = re.compile(
    r"(?<![\d/])(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>(?:19|20)\d{2})(?![\d/])"
    r"(?:\s{1,3}(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?:\s{0,2}(?P<ampm>AM|PM|am|pm))?)?"
)
# Year and month alone (old archives print "1998年3月").
YEAR_MONTH_RE = re.compile(
    r"(?<!\d)(?P<year>(?:19|20)\d{2})\s{0,2}年\s{0,2}(?P<month>\d{1,2})\s{0,2}月(?!\s{0,2}\d)"
)
# A date in a URL: /2022-04/22/, /202204/22/, t20120611_, /2022/04-22/
URL_DATE_RE = re.compile(
    r"(?<!\d)(?P<year>(?:19|20)\d{2})[-/_]?(?P<month>0[1-9]|1[0-2])[-/_]?(?P<day>0[1-9]|[12]\d|3[01])(?!\d)"
)
# Month, day and clock time without a year, as portals print today's articles: "10-08 12:00",
# "发布时间：10-0812:00" (glued), "10月08日 12:00". The year comes from the page's own timestamp.
MONTH_DAY_TIME_RE = re.compile(
    r"(?<![\d\-/.])(?P<month>0?[1-9]|1[0-2])\s{0,2}[-/月]\s{0,2}(?P<day>[0-2]\d|3[01]|[1-9])(?!\d{3})"
    r"\s{0,2}日?\s{0,2}(?P<hour>[01]?\d|2[0-3])\s{0,2}[:：]\s{0,2}(?P<minute>[0-5]\d)(?![\d\-/])"
)
# A relative day and a clock time: "昨天 14:20", "前天09:05".
RELATIVE_DAY_TIME_RE = re.compile(
    r"(?P<day>今天|昨天|前天)\s{0,2}(?P<hour>[01]?\d|2[0-3])\s{0,2}[:：]\s{0,2}(?P<minute>[0-5]\d)(?!\d)"
)
# Publish times in a page's script data: `"pubtime": "2019-09-07 19:02:26"`, `publish_time =
# '…'`, and the epoch seconds that WeChat and others print as `var ct = "1581517074"`.
SCRIPT_TIME_RE = re.compile(
    r"""(?:(?<![A-Za-z_])(?:pubtime|pubTime|pub_time|publish_?[tT]ime|publishDate|pubDate|"""
    r"""datePublished)["']?\s{0,2}[:=]\s{0,2}["'](?P<value>[0-9][0-9 :TZ+./-]{7,30})["']"""
    r"""|(?<![A-Za-z_.])ct\s{0,2}=\s{0,2}["'](?P<epoch>1\d{9})["'])"""
)
# Words that say a time is not the publish time.
NOT_PUBLISHED_LABELS_RE = re.compile(
    r"(?:更新|修改|编辑于|最后|评论|回复|登录|登陆|注册|截止|截至|访问|建立|创建|开通|加入|生日|出生|"
    r"有效期|报名|开始|结束|活动)\s{0,2}(?:时间|日期|于)?\s{0,2}[:：]?\s{0,3}$"
)
PUBLISHED_LABELS_RE = re.compile(
    r"(?:发布|发表|出版|刊发|上传|发稿|张贴|时间|日期|于|@|Posted|posted|Published|published)"
    r"\s{0,2}(?:时间|日期|于|on|at)?\s{0,2}[:：]?\s{0,3}$"
)

# ---------------------------------------------------------------------------- 来源
SOURCE_RE = re.compile(
    rf"(?:来源|来自|稿源|出处|新闻来源|文章来源)\s{{0,2}}[:：]\s{{0,3}}(?:[\[【]\s{{0,2}})?"
    rf"(?P<source>[{HAN}A-Za-z0-9《》〈〉“”\"()（）·\-_.]{{2,40}}?)"
    rf"(?=\s|$|[|｜/]|责编|责任编辑|编辑|作者|记者|时间|发布|点击|浏览|字号|[\[【\]】])"
)

# The 来源 printed without a label after the dateline's time: "2019-09-07 04:04 北京日报".
# Only media names count here (an ending that names a newspaper, site, agency or account).
MEDIA_NAME = (
    rf"[{HAN}A-Za-z·]{{1,16}}?"
    r"(?:日报|晚报|晨报|早报|时报|商报|周刊|报|网|新闻|消息|社|电视台|客户端|在线|发布|财经|头条)"
)
DATELINE_SOURCE_RE = re.compile(
    rf"\d[:：]\d\d(?:[:：]\d\d)?\s{{1,3}}(?P<source>{MEDIA_NAME})(?=\s|$)"
)
# The same before the date ("原创 南方都市报 2019-09-09 16:01"), or a media name alone on its
# line next to the dateline ("新华社" above "2020-01-03 18:13").
SOURCE_BEFORE_DATE_RE = re.compile(
    rf"^(?:原创\s{{1,3}})?(?P<source>{MEDIA_NAME})(?:\s{{1,3}}(?:19|20)\d\d\s{{0,2}}[-/.年]|$)"
)

# ---------------------------------------------------------------------------- credits
# A portal header's byline in brackets after the time: "2004年7月16日08:19 [ 王小明 ] 来源：…".
BRACKET_BYLINE_RE = re.compile(
    rf"\d[:：]\d\d(?:[:：]\d\d)?\s{{0,3}}[\[【]\s{{0,2}}(?P<names>[{HAN}·]{{2,8}}"
    rf"(?:[\s、，,]{{1,2}}[{HAN}·]{{2,8}}){{0,3}})\s{{0,2}}[\]】]"
)
# Names, a slash and the newspaper they write for: "王小明/中国青年报", "张三 李四/新华社".
NAME_SLASH_MEDIA_RE = re.compile(
    rf"^(?P<names>[{HAN}]{{2,4}}(?:[\s、，,]{{1,2}}[{HAN}]{{2,4}}){{0,3}})\s{{0,2}}[/／]\s{{0,2}}"
    rf"(?P<org>[{HAN}]{{1,10}}(?:日报|晚报|晨报|报|网|社|台|新闻|客户端|周刊|杂志))$"
)
# Credits of people who helped, closing an article: "（实习生王金茹对此文亦有贡献）".
CONTRIBUTOR_RE = re.compile(
    rf"^[(（]\s{{0,2}}(?P<credits>[{HAN}A-Za-z·\s、，,]{{2,40}}?)\s{{0,2}}(?:对此文亦有贡献|对本文亦有贡献|"
    r"亦有贡献|对本文有贡献|参与采写)\s{0,2}[)）]$"
)
# Photographers credited on their own in a caption or a footer: "（刘通摄）", "摄影/张艳",
# "图/李四", "本报记者 王五、赵六 摄", "张三 摄".
PHOTO_LINE_RE = re.compile(
    rf"(?:[(（]\s{{0,2}}(?P<bracket>[{HAN}]{{2,4}})\s{{0,2}}摄(?:影)?\s{{0,2}}[)）]"
    rf"|(?:^|\s)(?:摄影|图片|图)\s{{0,2}}[/／:：]\s{{0,2}}(?P<labelled>[{HAN}]{{2,4}})(?=$|[\s、，,])"
    rf"|(?:记者|通讯员|摄影师|摄影队)\s{{0,2}}(?P<reporters>[{HAN}]{{2,4}}(?:(?:、|\s{{1,2}})[{HAN}]{{2,4}}){{0,2}})\s{{0,2}}摄(?:影)?"
    rf"(?=$|[\s。，,)）])"
    rf"|(?:^|[\s。，,])(?P<postfix>[{HAN}]{{2,4}})\s{{1,2}}摄(?:影)?\s{{0,2}}$)"
)
# ---------------------------------------------------------------------------- posters
# Blogs and forums: the poster is the author. "由海姑娘张贴 @", "本贴由大卫于", "ggjjzhzz 发表于",
# "by duscha". The first opens with 由 itself, not an optional 本贴/此帖 before it: that only
# moved the match's start, and a literal first lets the regex engine skip to the next 由.
POSTER_RES = (
    re.compile(
        rf"由\s{{0,2}}(?P<name>[{HAN}A-Za-z0-9_]{{2,20}}?)\s{{0,2}}"
        r"(?:张贴|发表|发布|于\s{0,2}(?:19|20)\d{2})"
    ),
    re.compile(
        rf"(?:^|\s)(?P<name>[{HAN}A-Za-z0-9_]{{2,20}})\s{{1,3}}(?:发表于|发布于|posted|Posted)\s{{0,3}}"
        r"(?:[:：]\s{0,2})?(?:19|20)\d{2}"
    ),
    re.compile(r"(?:19|20)\d{2}\S{0,12}\s\S{4,8}\s{1,3}by\s(?P<name>[A-Za-z0-9_]{2,20})"),
)

# Roles that precede names: 记者 A B 通讯员 C. Longer roles first.
PREFIX_ROLES = (
    "执笔人",
    "执笔",
    "首席记者",
    "特约记者",
    "见习记者",
    "实习记者",
    "摄影记者",
    "融媒记者",
    "全媒体记者",
    "记者",
    "特约通讯员",
    "通讯员",
    "实习生",
    "特约撰稿人",
    "撰稿人",
    "撰稿",
    "作者",
    "摄影",
    "摄像",
    "文字",
    "图片",
    "文图",
    "文",
    "图",
)
# Roles that must be followed by a colon or slash to count (they are common words otherwise).
SLASH_ONLY_ROLES = frozenset({"作者", "摄影", "摄像", "文字", "图片", "文图", "文", "图", "撰稿"})
# 本报 / 大象新闻 / 河南日报客户端 glued in front of a role.
ROLE_RE = re.compile(
    rf"(?P<org>[{HAN}A-Za-z·]{{1,14}}?)??(?P<role>{'|'.join(PREFIX_ROLES)})"
    rf"(?P<colon>\s{{0,2}}[:：/／|｜丨]\s{{0,2}})?"
)
# Postfix credits: 张三/文, 李四 /图, 王五 摄.
POSTFIX_ROLE_RE = re.compile(r"^(?:[/／]\s{0,2}(?P<slash>文图|文|图|摄影|摄)|(?P<photo>摄影?))$")
ROLE_ALIASES = {"文图": "文/图", "摄": "摄影", "文字": "文", "图片": "图"}
# A person's name: 2–4 Han characters, or a minority / foreign name with a middle dot, or a
# Latin name.
NAME_RE = re.compile(
    rf"^(?:[{HAN}]{{2,4}}|[{HAN}]{{1,6}}[{NAME_DOT}][{HAN}]{{1,5}}|[A-Za-z][A-Za-z .'-]{{1,30}})$"
)
# Names of organisations, not people: 大汉网络, 新华社, 河南日报, 宣传部.
ORG_NAME_RE = re.compile(
    rf"^[{HAN}]{{1,10}}(?:网络|网|报|社|台|站|中心|公司|集团|频道|杂志|协会|学会|委员会|大学|学院|"
    r"部|局|厅|办|处|所|院|馆|室|组|队|团|会|消息|新闻|在线|头条|客户端|财经|周刊|号)$"
)
# Words of page furniture inside a short line: never part of a name.
UI_WORD_RE = re.compile(
    r"评论|查看|点击|登录|登陆|注册|首页|更多|返回|关注|分享|收藏|打印|关闭|目录|简介|作业|下载|上传|"
    r"搜索|订阅|推荐|阅读|浏览|发表|回复|留言|链接|投稿|联系|导航|栏目|专题|频道|热点|排行|相关|热门|"
    r"最新|文章|今天|昨天|前天|刚刚|整合|网络|来自"
)
PAGE_WORDS = """
时间 日期 发表 发表于 阅读 点击 浏览 评论 回复 转发 分享 收藏 关注 粉丝 点赞 举报 打印 关闭
返回 首页 正文 更多 登录 注册 订阅 推荐 专栏 显示 字号 大中小 本站 本文 原文 全文 链接
标题 栏目 频道 专题 图集 视频 音频 直播 热点 新闻 资讯 动态 要闻 时政 社会 国际 国内 财经
体育 娱乐 科技 教育 健康 文化 旅游 汽车 房产 博客 论坛 社区 留言 留言板 楼主 版主 作者
匿名 游客 佚名 未知 不详 admin 管理员 小编 通讯 来稿 供稿 投稿 转载 原创 独家 置顶 精华
同人 连载 同人连载 简体 繁体 简体版 繁体版 上一篇 下一篇 相关 相关阅读 延伸阅读
"""
# Words that sit where a name would but are not names.
NOT_NAMES = frozenset(
    [
        "报道",
        "综合",
        "整理",
        "编译",
        "来源",
        "编辑",
        "责编",
        "发布",
        "日电",
        "电",
        "讯",
        "摄影",
        "摄",
        "文",
        "图",
        "通讯员",
        "记者",
        "实习生",
        "联合",
        "本报",
        "本台",
        "本网",
        "新华社",
        "中新社",
        "中新网",
        "人民网",
        "新华网",
        "映象网",
        "大象新闻",
        "河南日报",
        "客户端",
        "我们",
        "采写",
        "发自",
        "报道组",
        "通讯",
        "供图",
        "视频",
        "制作",
        "策划",
        "监制",
        "出品",
        "责任编辑",
        "校对",
        "审核",
        "主编",
        "网友",
        "执笔",
        "执笔人",
        "编者",
        "编者按",
        "整合",
        "网络",
        "网络整理",
        "整理自",
        "今天",
        "昨天",
        "前天",
        "刚刚",
        "原创",
    ]
) | frozenset(
    # Labels and page furniture that sit where a byline would: never names.
    re.split(r"\s+", PAGE_WORDS.strip())
)
# Dateline at the start of the lead: 映象网讯(大象新闻记者 高君晓 通讯员 张亚丹 ) — the
# bracket content is the credit text.
DATELINE_RE = re.compile(
    rf"^\s{{0,4}}[{HAN}A-Za-z0-9]{{0,16}}(?:讯|电|消息|报道)\s{{0,2}}[(（]\s{{0,2}}(?P<credits>[^()（）]{{2,80}}?)\s{{0,2}}[)）]"
)
# A byline paragraph of its own: □ 本报记者 葛灵丹 / 记者 张三 李四 / 文/图 张三 /
# 整合 新华日报·交汇点记者 徐睿翔. Callers check the length first.
BYLINE_LINE_RE = re.compile(
    rf"^[\s□■●◎▲△◆◇★☆(（【\[—-]{{0,4}}(?P<credits>[{HAN}A-Za-z·\s]{{0,16}}?"
    rf"(?:记者|通讯员|实习生|作者|执笔人?|文|图|摄影|撰稿)[\s:：/／|｜丨]{{0,3}}"
    rf"[{HAN}A-Za-z·\s/／:：、,，|｜丨()（）]{{2,60}}?)[)）】\]]?$"
)
# An author label anywhere in a short line: "02日14:25 作者： 赵婕 出自[…]".
AUTHOR_LABEL_ANY_RE = re.compile(r"(?:作者|执笔人|撰稿人?|撰文|记者)\s{0,2}[:：]")
# A line that starts with an author label: 作者：宋怡 杨志华 / 执笔人：… / 记者：…
AUTHOR_LABEL_RE = re.compile(
    r"^[\s(（【\[-]{0,3}(?:作者|执笔人?|记者|撰稿|撰文|采写|文)\s{0,2}[:：/／]"
)
# A screen name: Latin letters, digits and underscores, starting with a letter.
HANDLE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{2,19}$")
# A photographer credited at the end of an image caption: "市民赏花踏青。孙磊 摄".
PHOTO_CREDIT_RE = re.compile(
    rf"(?:^|[\s。，,])(?P<name>[{HAN}]{{2,4}})\s{{0,2}}摄(?:影)?\s{{0,2}}$"
)
# Credits in brackets closing the body: （常书香 马丹阳） / (记者 张三)
TRAILING_CREDIT_RE = re.compile(
    rf"[(（]\s{{0,2}}(?P<credits>[{HAN}A-Za-z·\s/／:：、,，]{{2,40}}?)\s{{0,2}}[)）]\s{{0,2}}$"
)

# ---------------------------------------------------------------------------- editors
EDITOR_ROLES = (
    "责任编辑",
    "值班编辑",
    "网络编辑",
    "责编",
    "编辑",
    "校对",
    "审核",
    "审校",
    "终审",
    "签发",
    "主编",
)
# It opens with the role itself (no optional bracket before it: that only moved a match's start,
# and made the engine try every position of the page text instead of skipping to a role's
# first character).
EDITOR_RE = re.compile(
    rf"(?P<role>{'|'.join(EDITOR_ROLES)})\s{{0,2}}[:：/|｜丨]\s{{0,3}}"
    rf"(?P<names>[{HAN}A-Za-z·]{{2,10}}(?:[ \u3000、,，]{{1,3}}[{HAN}·]{{2,5}}){{0,4}})"
)

# ---------------------------------------------------------------------------- body
# A heading after which nothing is the article's own text.
BODY_END_RE = re.compile(
    r"^[\[【]?\s{0,2}(?:相关报道|相关新闻|相关链接|相关阅读|相关文章|延伸阅读|推荐阅读|更多精彩|热门推荐|"
    r"精彩推荐|猜你喜欢|网友评论|最新评论|发表评论|我要评论|热门评论|相关专题|热点推荐|我要跟帖|"
    r"全部评论|热门跟帖|评论\s{0,2}[(（]\d{1,7}[)）])\s{0,2}[\]】:：>]?\s{0,2}$"
)
# A line of the credit block that closes an article: "编辑|张三", "责编：李四", "来源|羊城晚报".
CLOSING_CREDIT_RE = re.compile(
    rf"^[\[【(（]?\s{{0,2}}(?:{'|'.join(EDITOR_ROLES)}|来源|校对|审核|监制|出品|统筹)\s{{0,2}}"
    r"[:：/|｜丨]\s{0,3}[^。！？]{1,40}$"
)
# A line that is only a time, as each item of a list of flashes opens: "09:32", "2019-10-15 09:32".
BARE_TIME_LINE_RE = re.compile(
    r"^\s{0,3}(?:(?:19|20)\d\d[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s{0,3}|\d{1,2}[-/月]\d{1,2}日?\s{1,3})?"
    r"[0-2]?\d[:：][0-5]\d(?:[:：][0-5]\d)?\s{0,3}$"
)
# An item of a list of links: "·标题（2005-04-01 09:56）", "v 标题 2005-07-11", "- 标题".
LIST_ITEM_RE = re.compile(r"^(?:[·•・●○◆◇■□▪▫►▸>※-]|v\s|\d{1,2}[.、]\s?)")
# A numbered section heading: 一、理解文革 / 2. 方法 / （三）结论.
SECTION_HEADING_RE = re.compile(r"^[(（]?[一二三四五六七八九十\d]{1,3}[)）、.．]")
# Sentence punctuation: a line with it is prose, not a link list or a label.
SENTENCE_END_RE = re.compile(r"[。！？；，]")

# ---------------------------------------------------------------------------- keywords
# Every match of KEYWORDS_LABEL_RE holds one of these (its labels; "Tags" in any case holds
# one of the four spellings of "ag"): a page text without any needs no search.
KEYWORDS_LABEL_HINTS = ("关键词", "关键字", "标签", "ag", "aG", "Ag", "AG")
KEYWORDS_LABEL_RE = re.compile(
    r"(?:文章关键词|关键词|关键字|标签|Tags?)\s{0,2}[:：]\s{0,3}(?P<keywords>[^\n]{1,200}?)"
    r"(?=\s{1,4}(?:责编|责任编辑|编辑|来源)\s{0,2}[:：]|\n|$)",
    re.IGNORECASE,
)
KEYWORD_SPLIT_RE = re.compile(r"[,，、;；|｜\s]+")

# ---------------------------------------------------------------------------- title
# A badge word before the headline: "独家｜…", "快讯：…", "视频丨…", "【原创】…".
TITLE_BADGE_RE = re.compile(
    r"^(?:[【\[](?:独家|原创|快讯|重磅|视频|图集|直播|专访|突发|最新|热点|组图|图文)[】\]]\s{0,2}"
    r"|(?:独家|原创|快讯|重磅|视频|图集|直播|专访|突发|组图|图文)\s{0,2}[|｜丨:：]\s{0,2})"
)
# Site suffixes: "标题_映象网", "标题-映象网", "标题 | 河南日报网".
TITLE_SUFFIX_RE = re.compile(r"\s{0,3}(?:[_|｜–—-]{1,2}|\s-\s)\s{0,3}[^_|｜–—-]{2,30}$")

# ---------------------------------------------------------------------------- body boilerplate
# Whole paragraphs that are never article text.
BOILERPLATE_LINE_RES = (
    # (映象网平顶山新闻热线:0375-3880000 投稿邮箱:dfjbwjs@126.com …)
    re.compile(r"^[(（]?[^()（）]{0,30}(?:新闻热线|投稿邮箱|报料热线|爆料热线|联系电话|投稿电话)"),
    re.compile(r"^(?:文章关键词|关键词|关键字)\s{0,2}[:：]"),
    re.compile(
        r"^[\[【(（]?\s{0,2}(?:责任编辑|责编|编辑|值班编辑)\s{0,2}[:：]\s{0,3}[^。！？]{0,30}[\]】)）]?$"
    ),
    re.compile(
        r"^(?:相关阅读|相关新闻|相关链接|延伸阅读|推荐阅读|今日热点|热点推荐|换一换|分享到|点击排行)"
    ),
    re.compile(r"(?:版权所有|Copyright|©|未经授权.{0,10}(?:转载|复制))", re.IGNORECASE),
    re.compile(r"^(?:来源|作者|发布时间)\s{0,2}[:：][^。]{0,40}$"),
    re.compile(r"^(?:(?:上一篇|下一篇)\s{0,2}[:：]|返回顶部$|打印本页|关闭窗口|【打印】|【关闭】)"),
)


# BOILERPLATE_LINE_RES as two regexes, the same answer as any() of them: the ones anchored at
# the line's start as one alternation tried there only (`match`), the others as one search.
# (All seven in one search would try every alternative at every position: slower than seven.)
def _alternation(patterns: tuple[re.Pattern, ...], anchored: bool) -> re.Pattern:
    parts = []
    for pattern in patterns:
        flags = "i" if pattern.flags & re.IGNORECASE else ""
        parts.append(f"(?{flags}:{pattern.pattern[1:] if anchored else pattern.pattern})")
    return re.compile("|".join(parts))


BOILERPLATE_LINE_START_RE = _alternation(
    tuple(p for p in BOILERPLATE_LINE_RES if p.pattern.startswith("^")), anchored=True
)
BOILERPLATE_LINE_ANYWHERE_RE = _alternation(
    tuple(p for p in BOILERPLATE_LINE_RES if not p.pattern.startswith("^")), anchored=False
)
# What text must hold for BOILERPLATE_LINE_ANYWHERE_RE to find anything in it: lines without
# any are not searched. "pyr" of "Copyright" in every case (p, y and r match only themselves and
# their capitals), spelled out: lower-casing a whole body costs more than eight scans.
BOILERPLATE_LINE_ANYWHERE_HINTS = (
    "版权所有",
    "©",
    "未经授权",
    *("".join(letters) for letters in itertools.product("pP", "yY", "rR")),
)
