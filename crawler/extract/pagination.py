"""Articles split over several pages: find the next page of the same article, merge the pages.

A next-page link counts only when it continues the same article: TRS galleries
(`t20170518_2984512.html` → `t20170518_2984512_1.html`, `a#nexttt`, `#` on the last page),
`_2.html`-style pages and `?page=2`, or a `下一页` link inside the article's own pager. A list
page's `下一页` leads elsewhere and is never followed from an article.
"""

from __future__ import annotations

import re
from itertools import chain
from urllib.parse import urlsplit

import lxml.html

from crawler.extract.page import Page, body_fingerprint

# The links that may lead to the next page, by priority: the first kind that yields a
# continuation wins, and within a kind the first link in document order. As XPath:
#   1. //a[@id = NEXT_LINK_ID]/@href                                  (TRS galleries)
#   2. //a[normalize-space(.) = one of PAGER_LINK_TEXTS][ancestor::*[@id = one of PAGER_IDS
#        or contains(@class, one of PAGER_CLASS_PARTS)]]/@href        (the article's own pager)
#   3. //a[normalize-space(.) = one of NEXT_LINK_TEXTS]/@href         (anywhere on the page)
# next_page_hrefs finds the three in one pass over the links, in about half the time of the three
# queries. The texts hold no white space, so normalize-space(.) = text is strip(.) = text.
NEXT_LINK_ID = "nexttt"
PAGER_IDS = frozenset({"page_nav", "pages", "articlePage"})
PAGER_CLASS_PARTS = ("article-page", "page_nav", "pagination", "pages")
PAGER_LINK_TEXTS = frozenset({"下一页", "下页", ">"})
NEXT_LINK_TEXTS = frozenset({"下一页"})
_ANY_LINK_TEXT = PAGER_LINK_TEXTS | NEXT_LINK_TEXTS
# What normalize-space() strips: XML white space only, not U+3000 nor the no-break space.
XML_SPACE = " \t\r\n"
# `<stem>_<n>.<ext>` (n ≥ 1) or `<stem>.<ext>?page=<n>`: the page number of a continuation.
CONTINUATION_RE = re.compile(r"^(?P<stem>.+?)(?:_(?P<n>\d{1,3}))?(?P<ext>\.s?html?)$")
PAGE_QUERY_RE = re.compile(r"(?:^|&)(?:page|p|pn)=(?P<n>\d{1,3})(?:&|$)")
MAX_PAGES = 30


def _stem_and_number(url: str) -> tuple[str, int] | None:
    parts = urlsplit(url)
    match = CONTINUATION_RE.match(parts.path)
    if not match:
        return None
    number = int(match["n"]) if match["n"] else 0
    query = PAGE_QUERY_RE.search(parts.query)
    if query:
        number = max(number, int(query["n"]))
    return f"{parts.scheme}://{parts.netloc}{match['stem']}{match['ext']}", number


def is_continuation(current: str, candidate: str) -> bool:
    """True when `candidate` is a later page of the article at `current`."""
    here, there = _stem_and_number(current), _stem_and_number(candidate)
    if not here or not there or candidate == current:
        return False
    return here[0] == there[0] and there[1] > here[1]


def _in_pager(link: lxml.html.HtmlElement) -> bool:
    for ancestor in link.iterancestors():
        if ancestor.get("id") in PAGER_IDS:
            return True
        classes = ancestor.get("class")
        if classes and any(part in classes for part in PAGER_CLASS_PARTS):
            return True
    return False


def next_page_hrefs(page: Page) -> list[str]:
    """The href of every link that may lead to the next page, by priority (see NEXT_LINK_ID)."""
    walk = page.walk  # the page's <a> elements, their ids and text pieces, read once
    pieces, firsts, lasts, ids = walk.pieces, walk.firsts, walk.lasts, walk.ids
    by_id, in_pager, by_text = [], [], []
    for index in walk.anchors:
        if ids[index] == NEXT_LINK_ID:
            by_id.append(index)
        # The string value of the link (as XPath's string(.)): its text pieces, one piece
        # when it has no child element (most links). An <a> opens no line break.
        first, last = firsts[index], lasts[index]
        if last - first == 1:
            text = pieces[first]
        elif last == first:
            continue
        else:
            text = walk.text_content(index)
        if (text := text.strip(XML_SPACE)) in _ANY_LINK_TEXT:
            if text in PAGER_LINK_TEXTS and _in_pager(walk.elements[index]):
                in_pager.append(index)
            if text in NEXT_LINK_TEXTS:
                by_text.append(index)
    return [
        href
        for index in chain(by_id, in_pager, by_text)
        if (href := walk.elements[index].get("href")) is not None
    ]


def next_page_url(page: Page) -> str | None:
    """The URL of the article's next page, or None on the last (or only) page."""
    for href in next_page_hrefs(page):
        url = page.absolute(href)
        if url and is_continuation(page.url, url.split("#", 1)[0]):
            return url.split("#", 1)[0]
    return None


def _union(items: list[dict], key) -> list[dict]:
    seen, merged = set(), []
    for item in items:
        marker = key(item)
        if marker not in seen:
            seen.add(marker)
            merged.append(item)
    return merged


def merge_pages(pages: list[dict]) -> dict:
    """One record from the fields of an article's pages, in order: the first page's metadata
    and URL, every page's body and images, every credit once."""
    first = dict(pages[0])
    if len(pages) == 1:
        return first
    first["body"] = "\n".join(p["body"] for p in pages if p.get("body"))
    first["images"] = _union([i for p in pages for i in p.get("images", [])], lambda i: i["url"])
    first["reporters"] = _union(
        [r for p in pages for r in p.get("reporters", [])], lambda r: r["name"]
    )
    first["editors"] = _union(
        [e for p in pages for e in p.get("editors", [])], lambda e: (e["name"], e["role"])
    )
    first["keywords"] = list(dict.fromkeys(k for p in pages for k in p.get("keywords", [])))
    first["fingerprint"] = body_fingerprint(first["body"])
    return first
