"""Articles split over several pages: find the next page of the same article, merge the pages.

A next-page link counts only when it continues the same article: TRS galleries
(`t20170518_2984512.html` → `t20170518_2984512_1.html`, `a#nexttt`, `#` on the last page),
`_2.html`-style pages and `?page=2`, or a `下一页` link inside the article's own pager. A list
page's `下一页` leads elsewhere and is never followed from an article.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawler.parsers.page import Page, body_fingerprint

# Ordered: the most specific first; each yields candidate hrefs.
NEXT_PAGE_XPATHS = (
    "/descendant::a[@id='nexttt']/@href",
    # = //*[pager]//a[text]/@href, with the cheap test first: the text of the few links that
    # can match, not the class of every element (and /descendant:: is faster than //).
    "/descendant::a[normalize-space(.)='下一页' or normalize-space(.)='下页' or normalize-space(.)='>']"
    "[ancestor::*[@id='page_nav' or @id='pages' or @id='articlePage'"
    " or contains(@class,'article-page') or contains(@class,'page_nav')"
    " or contains(@class,'pagination') or contains(@class,'pages')]]/@href",
    "/descendant::a[normalize-space(.)='下一页']/@href",
)
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


def next_page_url(page: Page) -> str | None:
    """The URL of the article's next page, or None on the last (or only) page."""
    for query in NEXT_PAGE_XPATHS:
        for href in page.xpath(query):
            url = page.absolute(str(href))
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
