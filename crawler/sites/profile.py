"""Per-site crawl data (`crawler/sites/<name>.toml`): start channels and URL patterns.

Everything the spider knows about a site's URLs lives in the TOML file; this module only reads it
and answers questions: is this URL an article, a list page, which date does its URL encode.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SITES_DIR = Path(__file__).resolve().parent

# Twitter-style snowflake ids: (id >> 22) + epoch ms is the creation time.
SNOWFLAKE_EPOCH_MS = 1288834974657
CHINA_TZ = timezone(timedelta(hours=8))


def snowflake_time(snowflake: int) -> datetime:
    """The time a snowflake id encodes (UTC)."""
    return datetime.fromtimestamp(((snowflake >> 22) + SNOWFLAKE_EPOCH_MS) / 1000, tz=UTC)


@dataclass(frozen=True)
class ArticlePattern:
    era: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class SiteConfig:
    name: str
    allowed_domains: list[str]
    channels: dict[str, str]
    default_channels: list[str]
    article_patterns: list[ArticlePattern]
    list_pattern: re.Pattern[str]
    next_page_texts: list[str] = field(default_factory=list)
    follow_channels: bool = False
    # Sitemaps (XML, sitemap indexes, .gz) and RSS/Atom feeds that list the site's articles.
    sitemaps: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    # When to render pages in a browser: never, auto (app shells only), always.
    render: str = "auto"
    # Hosts beyond allowed_domains a rendered page may load from (a CDN with its scripts).
    render_allowed_domains: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, name: str, sites_dir: Path = SITES_DIR) -> SiteConfig:
        path = sites_dir / f"{name}.toml"
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        return cls(
            name=data.get("name", name),
            allowed_domains=list(data["allowed_domains"]),
            channels=dict(data.get("channels", {})),
            default_channels=list(data.get("start", {}).get("default", [])),
            article_patterns=[
                ArticlePattern(entry.get("era", ""), re.compile(entry["pattern"]))
                for entry in data.get("article", [])
            ],
            list_pattern=re.compile(data["list"]["pattern"]),
            next_page_texts=list(data.get("next_page_texts", [])),
            follow_channels=bool(data.get("start", {}).get("follow_channels", False)),
            sitemaps=list(data.get("sitemaps", [])),
            feeds=list(data.get("feeds", [])),
            render=str(data.get("render", "auto")),
            render_allowed_domains=list(data.get("render_allowed_domains", [])),
        )

    def start_urls(self, channels: str | None = None) -> list[str]:
        """Start URLs for a comma-separated list of channel names or URLs (default set if None)."""
        names = (
            [part.strip() for part in channels.split(",") if part.strip()]
            if channels
            else self.default_channels
        )
        urls = []
        for name in names:
            if "://" in name:
                urls.append(name)
            elif name in self.channels:
                urls.append(self.channels[name])
            else:
                known = ", ".join(sorted(self.channels))
                raise ValueError(f"unknown channel {name!r} (known: {known}; or give a URL)")
        return urls

    def on_site(self, url: str) -> bool:
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            return False
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    def article_match(self, url: str) -> re.Match[str] | None:
        for pattern in self.article_patterns:
            match = pattern.regex.fullmatch(url)
            if match:
                return match
        return None

    def is_article(self, url: str) -> bool:
        return self.article_match(url) is not None

    def is_list(self, url: str) -> bool:
        return not self.is_article(url) and self.list_pattern.fullmatch(url) is not None

    def is_channel_root(self, url: str) -> bool:
        """A list URL naming a channel folder (`http://news.hnr.cn/djn/`)."""
        return self.is_list(url) and urlsplit(url).path.endswith("/") and not urlsplit(url).query

    def url_date(self, url: str) -> date | None:
        """The date an article URL encodes: y/m/d groups, or the time of a snowflake id
        (China time, UTC+8), or None."""
        match = self.article_match(url)
        if match is None:
            return None
        groups = match.groupdict()
        try:
            if groups.get("snowflake"):
                return snowflake_time(int(groups["snowflake"])).astimezone(CHINA_TZ).date()
            if groups.get("y") and groups.get("m") and groups.get("d"):
                return date(int(groups["y"]), int(groups["m"]), int(groups["d"]))
        except (ValueError, OverflowError):
            return None
        return None


def url_key(url: str) -> str:
    """A URL without fragment, with lower-case scheme and host (for the seen-request set)."""
    parts = urlsplit(url)
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


def list_dir(url: str) -> str:
    """The channel folder of a list URL: `http://news.hnr.cn/djn/2.html` → `…/djn/`."""
    parts = urlsplit(url)
    path = parts.path or "/"
    folder = path[: path.rfind("/") + 1]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), folder, "", ""))
