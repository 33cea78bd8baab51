"""URL facts that need no network: the registrable domain of a host."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

import tldextract

# The public suffix list bundled with tldextract: never fetched at run time.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=4096)
def _domain_of_host(host: str) -> str | None:
    parts = _EXTRACT(host)
    if not parts.domain or not parts.suffix:
        return None
    return f"{parts.domain}.{parts.suffix}"


def registrable_domain(url: str) -> str | None:
    """`http://news.hnr.cn/x` -> `hnr.cn`; None for file:// URLs, IP addresses and bad input."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return _domain_of_host(host) if host else None
