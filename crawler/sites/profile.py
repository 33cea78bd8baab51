"""Site profiles (`crawler/sites/<name>.toml`): the one loader, validated.

A profile says everything xinwen knows about a site: its domains, start channels and URL
patterns (read by the spiders), and its `[selectors]` and `[parser]` tables (read by the
extraction registry). `load_profiles()` reads every profile of the package's folder, of
`$XINWEN_SITES_DIR` (folders separated by `os.pathsep`) and of folders given by the caller; a
profile that does not parse or validate is kept as one error line naming the file, the line and
the key, and breaks only its own site.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import lxml.etree
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

SITES_DIR = Path(__file__).resolve().parent
SITES_DIR_ENV = "XINWEN_SITES_DIR"

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


class ProfileError(ValueError):
    """A profile that cannot be used: the message names the file, the line and the key."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


def _regex(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
    return value


def _xpath(query: str) -> str:
    try:
        lxml.etree.XPath(query)
    except lxml.etree.XPathSyntaxError as exc:
        raise ValueError(f"not an XPath: {query!r} ({exc})") from None
    return query


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StartTable(_Table):
    default: list[str] = []
    # Also follow channel roots (list URLs ending in `/`) linked from the start pages.
    follow_channels: bool = False


class ListTable(_Table):
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, value: str) -> str | None:
        return _regex(value)


class ArticleTable(ListTable):
    era: str = ""


class Selectors(_Table):
    """Ordered XPath lists per field, most specific first: the first that yields text wins.
    An empty list means "no such element on this site": the generic parser answers."""

    title: list[str] = []
    subtitle: list[str] = []
    time: list[str] = []
    source: list[str] = []
    authors: list[str] = []
    editors: list[str] = []
    body: list[str] = []
    breadcrumb: list[str] = []
    keywords: list[str] = []
    # The printed line holding the time and 来源 (a fallback for both, and for the author).
    info: list[str] = []
    # Image captions, relative to the body node: all of them, in document order.
    caption: list[str] = [
        ".//figcaption",
        ".//*[@class][contains(@class,'caption') or contains(@class,'pic-title')]",
    ]

    @field_validator("*")
    @classmethod
    def _xpaths(cls, value: list[str]) -> list[str]:
        return [_xpath(query) for query in value]


class ParserTable(_Table):
    """How the profiled parser reads the site, beyond its selectors."""

    # The record's `extractor` is `{extractor}/{version}`.
    extractor: str
    version: int = 1
    # The hosts it reads (default: the profile's allowed_domains).
    domains: list[str] = []
    # A GenericParser subclass ("package.module:Class") for what data cannot say.
    module: str | None = None
    # Cuts the source out of the text the source selectors found: a `source` group.
    source_regex: str | None = None
    # Finds the info line in the page's text when no info selector matches.
    info_regex: str | None = None
    # Reads the author from the info line and the header when nothing else credits anyone:
    # group 1 is the name(s).
    author_label_regex: str | None = None
    # The keywords element prints a label (文章关键词：…) before the words.
    keywords_label: bool = True
    # Credits: "first" (the author selectors, then credit-only body lines, then the lead's
    # dateline, filtered, then the generic parser) or "lines" (credit-only lines with the
    # dateline's credits, then the generic parser, then the author label).
    credits: Literal["first", "lines"] = "first"

    @field_validator("source_regex", "info_regex", "author_label_regex")
    @classmethod
    def _patterns(cls, value: str | None) -> str | None:
        return _regex(value)


class Profile(_Table):
    """One `NAME.toml` as written."""

    name: str
    title: str = ""
    allowed_domains: list[str] = Field(min_length=1)
    # The spider class for this profile ("package.module:Class"); default: a NewsSpider.
    spider: str | None = None
    # Link texts that point to the next page of a list.
    next_page_texts: list[str] = []
    # Sitemaps (XML, sitemap indexes, .gz) and RSS/Atom feeds that list the site's articles.
    sitemaps: list[str] = []
    feeds: list[str] = []
    # Whether pages are rendered in a browser before extraction.
    render: Literal["never", "auto", "always"] = "auto"
    # Hosts beyond allowed_domains a rendered page may load from (a CDN with its scripts).
    render_allowed_domains: list[str] = []
    channels: dict[str, str] = {}
    start: StartTable = StartTable()
    article: list[ArticleTable] = []
    list_: ListTable = Field(alias="list")
    parser: ParserTable | None = None
    selectors: Selectors | None = None

    def site(self) -> SiteConfig:
        """The crawl's view of the profile."""
        return SiteConfig(
            name=self.name,
            allowed_domains=list(self.allowed_domains),
            channels=dict(self.channels),
            default_channels=list(self.start.default),
            article_patterns=[ArticlePattern(a.era, re.compile(a.pattern)) for a in self.article],
            list_pattern=re.compile(self.list_.pattern),
            next_page_texts=list(self.next_page_texts),
            follow_channels=self.start.follow_channels,
            sitemaps=list(self.sitemaps),
            feeds=list(self.feeds),
            render=self.render,
            render_allowed_domains=list(self.render_allowed_domains),
        )


def _key_line(text: str, loc: tuple) -> int | None:
    """The line of the key a validation error points at (tables, then the key), if found."""
    keys = [part for part in loc if isinstance(part, str)]
    if not keys:
        return None
    lines = text.splitlines()
    start = 0
    for depth, key in enumerate(keys):
        last = depth == len(keys) - 1
        table = re.compile(
            rf"^\s*\[\[?\s*{re.escape('.'.join(keys[: depth + 1]))}\s*\]\]?\s*(#.*)?$"
        )
        assign = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for number in range(start, len(lines)):
            if table.match(lines[number]) or (assign.match(lines[number]) and last):
                start = number
                break
        else:
            return start + 1 if depth else None
    return start + 1


def load_profile(path: Path) -> Profile:
    """One profile file, validated; ProfileError names the file, the line and the key."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read: {exc}", path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}", path) from None
    data.setdefault("name", path.stem)
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            where = ".".join(str(part) for part in loc) or "(file)"
            line = _key_line(text, loc)
            at = f" line {line}" if line else ""
            message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
            problems.append(f"{path}{at}: {where}: {message}")
        raise ProfileError("; ".join(problems), path) from None


def sites_dirs(extra: list[Path] | tuple[Path, ...] = ()) -> tuple[Path, ...]:
    """The package's profiles, then `$XINWEN_SITES_DIR`'s, then the caller's folders."""
    from_env = [Path(p) for p in os.environ.get(SITES_DIR_ENV, "").split(os.pathsep) if p]
    return (SITES_DIR, *from_env, *map(Path, extra))


@dataclass(frozen=True)
class Profiles:
    """Every profile found, by name, and the error line of each one that could not be used."""

    found: dict[str, Profile]
    errors: dict[str, ProfileError]

    def get(self, name: str) -> Profile:
        if name in self.errors:
            raise self.errors[name]
        try:
            return self.found[name]
        except KeyError:
            known = ", ".join(sorted(self.found))
            raise ProfileError(f"no site profile {name!r} (known: {known})") from None


def load_profiles(dirs: tuple[Path, ...] | None = None) -> Profiles:
    """Every `*.toml` of the folders (default: `sites_dirs()`); a later folder's profile of the
    same name replaces an earlier one."""
    found: dict[str, Profile] = {}
    errors: dict[str, ProfileError] = {}
    for folder in sites_dirs() if dirs is None else dirs:
        for path in sorted(Path(folder).glob("*.toml")):
            try:
                profile = load_profile(path)
            except ProfileError as exc:
                found.pop(path.stem, None)
                errors[path.stem] = exc
                continue
            errors.pop(profile.name, None)
            found[profile.name] = profile
    return Profiles(found, errors)


NETLOC_CACHE_SIZE = 4096


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
    render: Literal["never", "auto", "always"] = "auto"
    # Hosts beyond allowed_domains a rendered page may load from (a CDN with its scripts).
    render_allowed_domains: list[str] = field(default_factory=list)
    # on_site's verdict per netloc: a crawl asks about every link of every page, of few hosts.
    _netloc_on_site: dict[str, bool] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    @classmethod
    def load(cls, name: str, dirs: tuple[Path, ...] | None = None) -> SiteConfig:
        """The named profile's crawl data (ProfileError when it is missing or broken)."""
        return load_profiles(dirs).get(name).site()

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
            parts = urlsplit(url)
            verdict = self._netloc_on_site.get(parts.netloc)
            if verdict is None:
                host = (parts.hostname or "").lower()
                verdict = any(host == d or host.endswith("." + d) for d in self.allowed_domains)
                if len(self._netloc_on_site) < NETLOC_CACHE_SIZE:
                    self._netloc_on_site[parts.netloc] = verdict
        except ValueError:
            return False
        return verdict

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
