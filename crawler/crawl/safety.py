"""Never let a crawl be turned against its own network.

`PrivateAddressGuard` (a downloader middleware) refuses any request whose host resolves to a
loopback, private, link-local, multicast, reserved or cloud-metadata address, unless the address
is explicitly allowed (`XINWEN_ALLOWED_ADDRESSES`, or the offline mirror, which registers itself).
It checks after DNS resolution, through the same caching resolver Scrapy connects with, so a name
that points at 127.0.0.1 or 169.254.169.254 is refused as surely as the literal address.
Redirects pass through it again, so a public page cannot redirect the crawler inward.

`safe_path_component` / `safe_join` make output paths built from page data (a site, a date)
safe: no separators, no `..`, nothing outside the output folder.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import unicodedata
from os import PathLike
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future

logger = logging.getLogger(__name__)

# Addresses that cloud providers answer metadata on, beyond the link-local range.
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})
ALLOWED_ENDPOINTS_ATTR = "xinwen_allowed_endpoints"


def is_forbidden_address(address: str) -> bool:
    """True for addresses a crawler of public news sites has no business connecting to."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True  # not an address at all: refuse rather than guess
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def allow_endpoint(crawler: Crawler, host: str, port: int | None = None) -> None:
    """Let this crawl connect to host[:port] although it is private (the offline mirror)."""
    endpoints = crawler.__dict__.setdefault(ALLOWED_ENDPOINTS_ATTR, set())
    endpoints.add(f"{host}:{port}" if port else host)


class PrivateAddressGuard:
    def __init__(self, crawler: Crawler, allowed: list[str]) -> None:
        self.crawler = crawler
        for entry in allowed:
            allow_endpoint(crawler, entry)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressGuard:
        if not crawler.settings.getbool("XINWEN_PRIVATE_ADDRESS_GUARD_ENABLED", True):
            raise NotConfigured
        return cls(crawler, crawler.settings.getlist("XINWEN_ALLOWED_ADDRESSES"))

    def _refuse(self, request: Request, why: str) -> None:
        self.crawler.stats.inc_value("xinwen/refused/private_address")
        logger.warning("refused %s: %s", request.url, why)
        raise IgnoreRequest(f"refused: {why}")

    async def process_request(self, request: Request) -> None:
        why = await address_refusal(self.crawler, request.url, request.meta.get("proxy"))
        if why is not None:
            self._refuse(request, why)
        return None


def _allowed(crawler: Crawler, host: str, port: int | None) -> bool:
    endpoints = crawler.__dict__.get(ALLOWED_ENDPOINTS_ATTR, set())
    return host in endpoints or f"{host}:{port}" in endpoints


async def address_refusal(crawler: Crawler, url: str, proxy: str | None = None) -> str | None:
    """Why a connection for `url` (through `proxy`, if any) must not be made, or None.

    Shared by `PrivateAddressGuard` and the browser's route (crawler/crawl/render.py)."""
    # With a proxy the connection goes to the proxy, which resolves the target itself.
    target = proxy or url
    parts = urlsplit(target if "://" in target else f"http://{target}")
    host, port = (parts.hostname or "").lower(), parts.port
    if not host:
        return "no host"
    if _allowed(crawler, host, port):
        return None
    if host in METADATA_HOSTS or host == "localhost" or host.endswith(".localhost"):
        return f"{host} is a local or metadata host"
    try:
        ipaddress.ip_address(host)
        addresses = [host]
    except ValueError:
        # Imported here: importing the reactor at module level would install the default one.
        from twisted.internet import reactor

        try:
            resolved = await maybe_deferred_to_future(reactor.resolve(host))
        except Exception:  # DNS failure: let the downloader report it as usual
            return None
        addresses = [resolved]
    for address in addresses:
        if is_forbidden_address(address) and not _allowed(crawler, address, port):
            return f"{host} resolves to non-public address {address}"
    return None


def host_on_domains(url: str, domains: list[str]) -> bool:
    """The URL's host is one of `domains` or a subdomain of one."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in domains if d)


# -- output paths built from page data ----------------------------------------------------------

_UNSAFE_CHARS = re.compile(r"[^\w.\-]+")
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)
MAX_COMPONENT = 100


def safe_path_component(value: object, fallback: str = "_") -> str:
    """One file-name segment from page data (a site, a date, a channel): letters, digits (Han
    included), `.`, `-` and `_` only; no separators, no `..`, no control characters, no leading
    dot, not a Windows device name, at most 100 characters. Empty results become `fallback`."""
    text = unicodedata.normalize("NFKC", str(value) if value is not None else "")
    text = _UNSAFE_CHARS.sub("_", text).strip("._ ")
    text = text[:MAX_COMPONENT].rstrip("._ ")
    if not text:
        return fallback
    if text.split(".", 1)[0].lower() in _WINDOWS_RESERVED:
        text = "_" + text
    return text


def safe_join(root: str | PathLike[str], *parts: object) -> Path:
    """`root/part/part…` with every part made safe; raises ValueError if it would leave root."""
    base = Path(root).resolve()
    path = base.joinpath(*(safe_path_component(part) for part in parts)).resolve()
    if path != base and base not in path.parents:
        raise ValueError(f"output path {path} leaves {base}")
    return path
