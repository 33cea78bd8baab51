"""人民网 (people.com.cn) channel pages, e.g. 人民网河南频道 (henan.people.com.cn).

Two article templates of the `/n2/YYYY/MMDD/c<channel>-<id>.html` pages, reconstructed from
people.com.cn's long-lived class names (fixtures/people_henan/ says what is reconstructed):

- 2012–2020: `div.text_title` with `h3.pre` (引题), `h1`, `h4.sub` (副题), `p.author`, the info
  line `div.box01 > div.fl` (`2022年03月01日08:23 | 来源：人民网－河南频道`), body
  `div#rwb_zw` (`div.box_con`), editors `div.edit` (`(责编：李楠、王丹)`), breadcrumb `div.clink`;
- 2021 on: `div.rm_txt` with `h1`, `h3.sub`, info `div.col-1-1`, body `div.rm_txt_con`,
  editors `div.edit`, breadcrumb `div.route-nav`.

Page charset is GB2312 on the older template; decoding is the generic page's business.
"""

from __future__ import annotations

import re

from crawler.extract.profiled import ProfiledParser

TITLE_XPATHS = (
    "//div[contains(@class,'text_title')]/h1",
    "//div[contains(@class,'rm_txt')]//h1",
)
# 副题 before 引题: the record has one subtitle.
SUBTITLE_XPATHS = (
    "//div[contains(@class,'text_title')]/h4[contains(@class,'sub')]",
    "//div[contains(@class,'rm_txt')]//h3[contains(@class,'sub')]",
    "//div[contains(@class,'text_title')]/h3[contains(@class,'pre')]",
    "//div[contains(@class,'rm_txt')]//h3[contains(@class,'pre')]",
)
INFO_XPATHS = (
    "//div[contains(@class,'box01')]/div[contains(@class,'fl')]",
    "//div[contains(@class,'rm_txt')]//div[contains(@class,'col-1-1')]",
)
AUTHOR_XPATHS = ("//div[contains(@class,'text_title')]/p[contains(@class,'author')]",)
EDITOR_XPATHS = ("//div[contains(concat(' ', normalize-space(@class), ' '), ' edit ')]",)
BODY_XPATHS = (
    "//div[@id='rwb_zw']",
    "//div[contains(@class,'rm_txt_con')]",
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' box_con ')]",
)
BREADCRUMB_XPATHS = (
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' clink ')]",
    "//div[contains(@class,'route-nav')]",
)
# Image captions: `p.pic_title` under the photo, or the generic caption classes.
CAPTION_XPATH = (
    ".//figcaption | .//*[contains(@class,'pic_title') or contains(@class,'caption')"
    " or contains(@class,'pic-title')]"
)
# 来源 on the info line: "2022年03月01日08:23 | 来源：人民网－河南频道".
SOURCE_RE = re.compile(r"来源\s{0,2}[:：]\s{0,2}(?P<source>[^|｜\s]{2,40})")


class PeopleParser(ProfiledParser):
    name = "people_cn"
    version = 1

    TITLE_XPATHS = TITLE_XPATHS
    SUBTITLE_XPATHS = SUBTITLE_XPATHS
    TIME_XPATHS = INFO_XPATHS
    SOURCE_XPATHS = INFO_XPATHS
    SOURCE_RE = SOURCE_RE
    AUTHOR_XPATHS = AUTHOR_XPATHS
    EDITOR_XPATHS = EDITOR_XPATHS
    BODY_XPATHS = BODY_XPATHS
    BREADCRUMB_XPATHS = BREADCRUMB_XPATHS
    CAPTION_XPATH = CAPTION_XPATH
