"""What a page says: bytes + URL in, record fields out. No Scrapy, no I/O.

`extract(body, url)` picks the site parser for the URL's domain (or the generic one) and returns
every record field that the page determines; the caller adds `fetched_at`.
"""

from __future__ import annotations

from crawler.extract.generic import GenericParser
from crawler.extract.page import Page, ParseError, body_fingerprint
from crawler.extract.pagination import merge_pages, next_page_url
from crawler.extract.registry import current_parsers, lookup
from crawler.extract.urls import registrable_domain

__all__ = ["ParseError", "extract", "extract_page", "merge_pages", "parser_for"]


def parser_for(url: str) -> type[GenericParser]:
    """The parser of the URL's most specific profiled domain (crawler/sites/*.toml and
    `$XINWEN_SITES_DIR`), else the generic parser."""
    return lookup(current_parsers(), url)


def extract_page(
    body: bytes,
    url: str,
    http_charset: str | None = None,
    parser: type[GenericParser] | None = None,
    page: Page | None = None,
) -> tuple[dict, str | None]:
    """Record fields of one page and the URL of the article's next page (None on the last or
    only page). Raises ParseError when the bytes are not an HTML page; a page without a body
    still returns fields (validation decides). `page`: the same bytes already wrapped."""
    page = page or Page(body, url, http_charset)
    parser_class = parser or parser_for(url)
    fields = parser_class(page).fields()
    record = {
        "url": url,
        "canonical_url": fields.pop("canonical_url"),
        "site": registrable_domain(url),
        **fields,
        "language": "zh",
        "fingerprint": body_fingerprint(fields["body"] or ""),
    }
    return record, next_page_url(page)


def extract(
    body: bytes,
    url: str,
    http_charset: str | None = None,
    parser: type[GenericParser] | None = None,
) -> dict:
    """Record fields of one page (everything but `fetched_at`); see `extract_page`."""
    return extract_page(body, url, http_charset, parser)[0]
