"""大河网 (dahe.cn): the `*_baidu` ids of its article template, then the generic parser.

Selectors used by public scrapers (../shared/hnr/MARKUP.md): title `#4g_title`, time
`#pubtime_baidu` (inside `div.time_source`), source `#source_baidu` (`来源：…`), body
`div#mainCon`. The same CMS convention names the author `#author_baidu` (`作者：…`) and the
editor `#editor_baidu` (`责任编辑：…`); the fixture pages are reconstructions around them.
"""

from __future__ import annotations

from crawler.extract.profiled import ProfiledParser

TITLE_XPATHS = ("//*[@id='4g_title']",)
TIME_XPATHS = (
    "//*[@id='pubtime_baidu']",
    "//div[contains(@class,'time_source')]",
)
SOURCE_XPATHS = ("//*[@id='source_baidu']",)
AUTHOR_XPATHS = ("//*[@id='author_baidu']",)
EDITOR_XPATHS = ("//*[@id='editor_baidu']",)
BODY_XPATHS = ("//div[@id='mainCon']",)
BREADCRUMB_XPATHS = ("//div[contains(@class,'crumbs') or contains(@class,'location')]",)


class DaheParser(ProfiledParser):
    name = "dahe_cn"
    version = 1

    TITLE_XPATHS = TITLE_XPATHS
    TIME_XPATHS = TIME_XPATHS
    SOURCE_XPATHS = SOURCE_XPATHS
    AUTHOR_XPATHS = AUTHOR_XPATHS
    EDITOR_XPATHS = EDITOR_XPATHS
    BODY_XPATHS = BODY_XPATHS
    BREADCRUMB_XPATHS = BREADCRUMB_XPATHS
