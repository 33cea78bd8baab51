"""The links of a page, as a crawl follows them: no I/O, no Scrapy.

Used by the spider on list pages and by the extraction worker on article pages, so that an
article's HTML is parsed once, in the worker, and the crawl process only schedules requests.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html

# Hrefs that never lead to a page.
SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "#")


def _base_url(root: lxml.html.HtmlElement, url: str) -> str:
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            try:
                return urljoin(url, href)
            except ValueError:
                return url
    return url


def _own_text(anchor: lxml.html.HtmlElement) -> str:
    """The anchor's own text nodes (not its children's), as `a::text` selects them."""
    parts = [anchor.text or ""] + [child.tail or "" for child in anchor]
    return "".join(parts).strip()


def page_links(root: lxml.html.HtmlElement, url: str) -> tuple[list[tuple[str, str]], int]:
    """(absolute http(s) URL without fragment, anchor text) of every followable `<a href>`, in
    document order, and how many hrefs were malformed (`http://[::1`, a port over 65535)."""
    base = _base_url(root, url)
    links: list[tuple[str, str]] = []
    malformed = 0
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if href is None:
            continue
        href = href.strip()
        if not href or href.lower().startswith(SKIP_SCHEMES):
            continue
        try:
            parts = urlsplit(urljoin(base, href))
            if parts.scheme not in ("http", "https") or not parts.hostname:
                continue
            _ = parts.port  # raises ValueError on a malformed port
        except ValueError:
            malformed += 1
            continue
        links.append((urlunsplit(parts._replace(fragment="")), _own_text(anchor)))
    return links, malformed
