"""河南日报网 (henandaily.cn): the `content-*` template, then the generic parser.

Markup known from a real 2022 page (fixtures/henandaily/, eval page wced-91bdf33e) and public
scrapers: `h1.content-title`, `span.content-time` (`2022.01.20 16:31`), `span.content-source`
(`来源：河南日报客户端`), body `div.content-content`, breadcrumb `div.current-location`. Its
`<meta keywords>` is site-wide (not article keywords: the generic parser already ignores it).
The `p.content-editor` 责任编辑 line is reconstructed (not seen on a real page); the printed
label is the fallback either way.
"""

from __future__ import annotations

from crawler.extract.profiled import ProfiledParser

TITLE_XPATHS = ("//h1[contains(@class,'content-title')]",)
TIME_XPATHS = ("//*[contains(@class,'content-info')]//span[contains(@class,'content-time')]",)
SOURCE_XPATHS = ("//*[contains(@class,'content-info')]//span[contains(@class,'content-source')]",)
EDITOR_XPATHS = (
    "//*[contains(@class,'content-editor')]",
    "//div[contains(@class,'content-content')]//*[starts-with(normalize-space(.), '责任编辑')]",
)
BODY_XPATHS = ("//div[contains(concat(' ', normalize-space(@class), ' '), ' content-content ')]",)
BREADCRUMB_XPATHS = ("//div[contains(@class,'current-location')]",)


class HenandailyParser(ProfiledParser):
    name = "henandaily_cn"
    version = 1

    TITLE_XPATHS = TITLE_XPATHS
    TIME_XPATHS = TIME_XPATHS
    SOURCE_XPATHS = SOURCE_XPATHS
    EDITOR_XPATHS = EDITOR_XPATHS
    BODY_XPATHS = BODY_XPATHS
    BREADCRUMB_XPATHS = BREADCRUMB_XPATHS
