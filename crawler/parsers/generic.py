"""The generic parser: any Chinese news page, one method per field.

Site parsers (`hnr_cn.py` …) subclass `GenericParser` and override a field only where the site's
markup is known; each override falls back on the generic method when it finds nothing.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

import lxml.etree
import lxml.html

from crawler.parsers import patterns as P
from crawler.parsers.credits import (
    is_person_name,
    parse_bracket_names,
    parse_credits,
    parse_editors,
    unique_by_name,
)
from crawler.parsers.dates import (
    PublishTime,
    find_times,
    parse_machine_time,
    parse_time,
    url_date,
)
from crawler.parsers.page import Page, canonicalise_url, clean_text
from crawler.parsers.urls import registrable_domain

BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "li",
        "ul",
        "ol",
        "td",
        "tr",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "center",
        "dd",
        "dt",
        "dl",
        "figure",
        "figcaption",
        "header",
        "footer",
        "main",
        "aside",
        "form",
        "hr",
    ]
)
# Class / id words of blocks that are never article text. Matched against whole words of the
# class and id (split on space, "-" and "_"), as a word or a word's start: "read-article-holder"
# is not an ad, "sharebar" is a share bar.
NEGATIVE_WORDS = (
    "share",
    "bdshare",
    "related",
    "relate",
    "recommend",
    "hot",
    "comment",
    "footer",
    "foot",
    "copyright",
    "nav",
    "menu",
    "sidebar",
    "side",
    "breadcrumb",
    "crumb",
    "position",
    "location",
    "tag",
    "tags",
    "keyword",
    "pagination",
    "pager",
    "toolbar",
    "banner",
    "ad",
    "ads",
    "advert",
    "qrcode",
    "erweima",
    "xgyd",
    "xgxw",
    "rdph",
    "login",
    "search",
    "rank",
    "paihang",
)
NEGATIVE_EXACT = frozenset({"ad", "ads", "hot", "side", "tag", "foot", "rank"})
CLASS_WORD_SPLIT_RE = re.compile(r"[\s_\-]+")
BREAK_TAGS = BLOCK_TAGS | {"br"}
# The same test as a loop over class_words x NEGATIVE_WORDS, in one regex search: a negative word
# at a word's start, followed by the word's end when it must match exactly.
NEGATIVE_MARKER_RE = re.compile(
    r"(?:^|[\s_\-])(?:"
    + "|".join(re.escape(w) for w in NEGATIVE_WORDS if w not in NEGATIVE_EXACT)
    + "|(?:"
    + "|".join(re.escape(w) for w in NEGATIVE_WORDS if w in NEGATIVE_EXACT)
    + r")(?![^\s_\-]))"
)
# A year (19xx / 20xx, digits half- or full-width): every pattern of find_times needs one once
# full-width digits are folded, so a line without it holds no date (a cheap test, one C scan).
_YEAR_RE = re.compile(r"(?:[1１][9９]|[2２][0０])\d\d")
META_TIME_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "og:release_date",
    "pubdate",
    "publishdate",
    "publish_date",
    "pubtime",
    "PubDate",
    "publishtime",
    "datePublished",
    "dc.date.issued",
    "dc.date",
    "date",
)
PUNCTUATION = "，。！？；：、“”,.!?;"
_PUNCTUATION_RE = re.compile("[" + re.escape(PUNCTUATION) + "]")


# Lines before the body's first paragraph that still belong to the article's header.
HEADER_LINES = 6
# Lines after the body's last paragraph where credits and times still belong to the article.
FOOTER_LINES = 10
META_AUTHOR_KEYS = (
    "author",
    "article:author",
    "og:article:author",
    "citation_author",
    "citation_authors",
    "dc.creator",
    "byline",
)


@dataclass(frozen=True)
class Line:
    """One printed line of a page: its text and how many of its characters are link text."""

    text: str
    linked: int = 0

    @property
    def link_share(self) -> float:
        return self.linked / max(len(self.text), 1)


@dataclass(frozen=True)
class TimeCandidate:
    score: float
    line: int
    position: int
    time: PublishTime


class GenericParser:
    """Fields of a Chinese news article from the markup that any page has."""

    name = "generic"
    version = 2

    def __init__(self, page: Page) -> None:
        self.page = page

    # ------------------------------------------------------------------ helpers
    @cached_property
    def metas(self) -> dict[str, str]:
        found: dict[str, str] = {}
        # = //meta[@content], as a loop (no XPath evaluation over the whole tree).
        for meta in self.page.tree.iter("meta"):
            content = meta.get("content")
            if content is None:
                continue
            key = meta.get("property") or meta.get("name") or meta.get("itemprop") or ""
            if key and key.lower() not in found:
                found[key.lower()] = content.strip()
        return found

    @cached_property
    def raw_title(self) -> str | None:
        """The text of the first <title> that has any (= first_text(["//title"]))."""
        for node in self.page.tree.iter("title"):
            text = clean_text(node.text_content())
            if text:
                return text
        return None

    @cached_property
    def json_ld(self) -> list[dict]:
        items: list[dict] = []
        for script in self.page.json_ld_texts:
            try:
                data = json.loads(script)
            except ValueError:
                continue
            for item in data if isinstance(data, list) else [data]:
                if isinstance(item, dict):
                    items.extend(item.get("@graph", [item]) if "@graph" in item else [item])
        return [item for item in items if isinstance(item, dict)]

    @cached_property
    def page_lines(self) -> list[Line]:
        root = self.page.tree
        body = root.find("body")
        return text_lines(body if body is not None else root)

    @cached_property
    def page_text(self) -> str:
        return "\n".join(line.text for line in self.page_lines)

    @cached_property
    def site_names(self) -> set[str]:
        names = {self.metas.get("og:site_name", ""), self.metas.get("application-name", "")}
        raw_title = clean_text(self.raw_title or "")
        match = P.TITLE_SUFFIX_RE.search(raw_title)
        if match:
            names.add(re.sub(r"^[\s_|｜–—-]+", "", match.group(0)).strip())
        return {n for n in names if n}

    @cached_property
    def body_span(self) -> tuple[int, int] | None:
        """Indexes in `page_lines` of the body's first and last paragraph."""
        paragraphs = self.paragraphs
        if not paragraphs:
            return None
        texts = [line.text for line in self.page_lines]
        # Anchor on the first sentence of prose (a headline may be printed more than once),
        # then step back to the body's first line and forward to its last.
        prose = next((p for p in paragraphs if is_prose(p)), paragraphs[0])
        anchor = _find_line(texts, prose, 0)
        if anchor is None:
            return None
        first = anchor
        for index in range(anchor, max(anchor - 15, -1), -1):
            if texts[index] == paragraphs[0]:
                first = index
                break
        last = _find_line(texts, paragraphs[-1], anchor)
        return first, last if last is not None else anchor

    @cached_property
    def title_line(self) -> int | None:
        """Index of the headline's line: its last printing before the body."""
        title = self.title()
        if not title:
            return None
        span = self.body_span
        stop = span[0] + 1 if span else len(self.page_lines)
        found = None
        for index, line in enumerate(self.page_lines[:stop]):
            if line.text == title or (
                len(title) >= 6 and title in line.text and len(line.text) < 2 * len(title) + 10
            ):
                found = index
        return found

    @cached_property
    def article_start(self) -> int | None:
        """Index of the body's first line of prose (the body may open with the headline, the
        dateline or a byline)."""
        span = self.body_span
        if span is None:
            return None
        for index in range(span[0], min(span[1] + 1, span[0] + 12)):
            if is_prose(self.page_lines[index].text):
                return index
        return span[0]

    @cached_property
    def header_lines(self) -> list[int]:
        """Indexes of the lines between the headline and the body's prose (the dateline area)."""
        start = self.article_start
        title = self.title_line
        if start is None:
            return (
                list(range(title, min(title + HEADER_LINES, len(self.page_lines))))
                if title is not None
                else []
            )
        first = start - HEADER_LINES
        if title is not None and start - 3 * HEADER_LINES <= title < first:
            first = title
        return list(range(max(first, 0), start))

    @cached_property
    def footer_lines(self) -> list[int]:
        """Indexes of the body's last paragraphs and the lines right after it."""
        span = self.body_span
        if span is None:
            return []
        return list(
            range(max(span[1] - 2, span[0]), min(span[1] + FOOTER_LINES + 1, len(self.page_lines)))
        )

    @cached_property
    def header_text(self) -> str:
        """Printed text between the headline and the body: where times and 来源 sit."""
        if self.header_lines:
            return "\n".join(self.page_lines[i].text for i in self.header_lines)
        return self.page_text[:600]

    # ------------------------------------------------------------------ fields
    def canonical_url(self) -> str:
        own = registrable_domain(self.page.url)
        for href in [
            *[
                href
                for link in self.page.tree.iter("link")
                if link.get("rel") == "canonical" and (href := link.get("href")) is not None
            ],
            self.metas.get("og:url", ""),
        ]:
            absolute = self.page.absolute(href)
            if absolute and absolute.startswith("http") and registrable_domain(absolute) == own:
                return canonicalise_url(absolute)
        return (
            canonicalise_url(self.page.url) if self.page.url.startswith("http") else self.page.url
        )

    def title(self) -> str | None:
        return self._title

    @cached_property
    def _title(self) -> str | None:
        raw_title = self.raw_title or ""
        # = //h1, then //h2, then //*[@class][contains(@class,'title')], as loops.
        for nodes in (
            self.page.tree.iter("h1"),
            self.page.tree.iter("h2"),
            (
                e
                for e in self.page.tree.iter(lxml.etree.Element)
                if "title" in (e.get("class") or "")
            ),
        ):
            for node in nodes:
                text = clean_text(node.text_content())
                if 4 <= len(text) <= 80 and (
                    not raw_title or text in raw_title or raw_title in text
                ):
                    return text
        og = self.metas.get("og:title")
        if og:
            return strip_title_suffix(og)
        return strip_title_suffix(raw_title) or None

    def subtitle(self) -> str | None:
        return None

    def published(self) -> PublishTime | None:
        meta = self.meta_time()
        printed = self.printed_time()
        if meta:
            if not meta.has_time and printed and printed.has_time and printed.day == meta.day:
                return printed  # the metadata gives the day, the page prints the minute
            return meta
        if printed:
            return printed
        day = url_date(self.page.url)
        if day:
            return PublishTime(day.isoformat(), day.isoformat(), has_time=False)
        return None

    def meta_time(self) -> PublishTime | None:
        """The publish time of the page's metadata (OpenGraph, <meta>, JSON-LD)."""
        for key in META_TIME_KEYS:
            parsed = parse_machine_time(self.metas.get(key.lower()))
            if parsed:
                return parsed
        for item in self.json_ld:
            parsed = parse_machine_time(str(item.get("datePublished") or ""))
            if parsed:
                return parsed
        return None

    def time_candidates(self) -> list[TimeCandidate]:
        """Every printed date on the page, scored: labels (发布时间 / 更新时间), a clock time,
        the place (between headline and body, inside the body, in a link list)."""
        lines = self.page_lines
        header = set(self.header_lines)
        day_in_url = url_date(self.page.url)
        found: list[TimeCandidate] = []
        for index in self._year_lines:
            line = lines[index]
            for position, time in find_times(line.text):
                before = line.text[:position][-16:]
                if len(before.strip()) < 2 and index and len(lines[index - 1].text) <= 16:
                    before = lines[index - 1].text + before
                score = 0.0
                if P.NOT_PUBLISHED_LABELS_RE.search(before):
                    score -= 6
                elif P.PUBLISHED_LABELS_RE.search(before):
                    score += 3
                if time.has_time:
                    score += 2
                if index in header:
                    score += 3
                else:
                    score -= 1  # in the article it dates an event; elsewhere, another page
                    if line.link_share >= 0.3 or P.LIST_ITEM_RE.match(line.text):
                        score -= 4  # an item of a link list
                if day_in_url and time.day == day_in_url.isoformat():
                    score += 2
                found.append(TimeCandidate(score, index, position, time))
        return found

    @cached_property
    def _year_lines(self) -> list[int]:
        """Indexes, in order, of the page lines that hold a year: every date needs one. One
        regex scan of the whole page text (lines hold no newline, a year never spans one)."""
        starts: list[int] = []
        offset = 0
        for line in self.page_lines:
            starts.append(offset)
            offset += len(line.text) + 1
        found: list[int] = []
        for match in _YEAR_RE.finditer(self.page_text):
            index = bisect_right(starts, match.start()) - 1
            if not found or found[-1] != index:
                found.append(index)
        return found

    def printed_time(self) -> PublishTime | None:
        candidates = self.time_candidates()
        if candidates:
            best = max(candidates, key=lambda c: (c.score, -c.line, -c.position))
            if best.score > -3:
                return best.time
        # Old archives and magazines print only the month: "——《北京之春》1998年3月号".
        zones = [*self.header_lines, *self.footer_lines]
        for index in zones:
            month = parse_time(self.page_lines[index].text)
            if month:
                return month
        return None

    def source(self) -> str | None:
        match = P.SOURCE_RE.search(self.header_text)
        if not match:
            footer = "\n".join(self.page_lines[i].text for i in self.footer_lines)
            match = P.SOURCE_RE.search(footer) or P.SOURCE_RE.search(self.page_text)
        return match["source"] if match else None

    def reporters(self) -> list[dict]:
        """People credited with the article, from the most to the least explicit evidence."""
        for strategy in (
            self.meta_reporters,
            self.header_reporters,
            self.labelled_footer_reporters,
            self.dateline_reporters,
            self.trailing_reporters,
            self.poster_reporters,
            self.name_line_reporters,
        ):
            found = [p for p in strategy() if self._plausible_person(p["name"])]
            if found:
                return found
        return []

    def _plausible_person(self, name: str) -> bool:
        if name in self.site_names or name in P.NOT_NAMES:
            return False
        source = self._source
        return not (source and (name == source or name in source))

    @cached_property
    def _source(self) -> str | None:
        return self.source()

    def meta_reporters(self) -> list[dict]:
        values = [self.metas.get(key, "") for key in META_AUTHOR_KEYS]
        for item in self.json_ld:
            author = item.get("author")
            for one in author if isinstance(author, list) else [author]:
                if isinstance(one, dict) and one.get("@type", "Person") == "Person":
                    values.append(str(one.get("name") or ""))
                elif isinstance(one, str):
                    values.append(one)
        for value in values:
            names = [
                re.sub(rf"(?<=[{P.HAN}])\s+(?=[{P.HAN}])", "", part.strip())
                for part in re.split(r"[,;，；、|]", value)
                if part.strip()
            ]
            if names and all(is_person_name(n) for n in names):
                return [{"name": n, "role": "作者", "org": None} for n in names]
        return []

    def header_reporters(self) -> list[dict]:
        """Byline lines between the headline and the body, or opening the body."""
        texts = [self.page_lines[i].text for i in self.header_lines]
        texts += self.paragraphs[:2]
        people: list[dict] = []
        for text in texts:
            if is_byline(text):
                people.extend(parse_credits(text))
        if people:
            return unique_by_name(people)
        for text in texts:
            people.extend(labelled_credits(text))
        return unique_by_name(people)

    def labelled_footer_reporters(self) -> list[dict]:
        """作者：/ 执笔人：/ 记者： lines in or closing the article (a blog's "作者:X 发表于")."""
        span = self.body_span
        if span is None:
            return []
        indexes = range(span[0], min(span[1] + FOOTER_LINES + 1, len(self.page_lines)))
        for index in indexes:
            text = self.page_lines[index].text
            if len(text) <= 80 and P.AUTHOR_LABEL_RE.match(text):
                found = parse_credits(text)
                if found:
                    return found
        return []

    def dateline_reporters(self) -> list[dict]:
        if self.paragraphs:
            dateline = P.DATELINE_RE.match(self.paragraphs[0])
            if dateline:
                return parse_credits(dateline["credits"])
        return []

    def trailing_reporters(self) -> list[dict]:
        """Credits closing the body: （常书香 马丹阳）, （记者 胡晓蓉）, 文：眉间尺."""
        for text in reversed(self.paragraphs[-3:]):
            bracket = P.TRAILING_CREDIT_RE.search(text)
            if bracket:
                found = parse_bracket_names(bracket["credits"])
                if found:
                    return found
            if is_byline(text):
                found = parse_credits(text)
                if found:
                    return found
        return []

    def poster_reporters(self) -> list[dict]:
        """Blogs and forums: the poster is the author (由X张贴, X 发表于, by X)."""
        for index in [*self.header_lines, *self.footer_lines]:
            text = self.page_lines[index].text
            for pattern in P.POSTER_RES:
                match = pattern.search(text)
                if match and is_handle(match["name"]):
                    return [{"name": match["name"], "role": "作者", "org": None}]
        return []

    def name_line_reporters(self) -> list[dict]:
        """A name alone on its line under a heading, just above the body (essays, blogs,
        forums): 犬儒病(上) / 胡平 / ——当代中国的精神危机. Only a subtitle, a lead-in or page
        furniture may stand between the name and the body's prose."""
        header = self.header_lines
        for position in range(len(header) - 1, max(len(header) - 6, 0), -1):
            text = self.page_lines[header[position]].text
            if len(text) > 40:
                break
            previous = self.page_lines[header[position] - 1].text
            between = [self.page_lines[i].text for i in header[position + 1 :]]
            if (
                (is_person_name(text) or (text.isascii() and is_handle(text)))
                and not P.UI_WORD_RE.search(text)
                and len(previous) <= 40
                and not previous.endswith(tuple("。！？；：…."))
                and all(is_furniture(line) for line in between)
            ):
                return [{"name": text, "role": "作者", "org": None}]
        return []

    def editors(self) -> list[dict]:
        zone = "\n".join(self.page_lines[i].text for i in [*self.header_lines, *self.footer_lines])
        return parse_editors(zone) or parse_editors(self.page_text)

    def body(self) -> str:
        return "\n".join(self.paragraphs)

    def keywords(self) -> list[str]:
        match = P.KEYWORDS_LABEL_RE.search(self.page_text)
        if match:
            return split_keywords(match["keywords"])
        meta = split_keywords(self.metas.get("keywords", ""))
        if meta and not (set(meta) & self.site_names):
            context = (self.title() or "") + self.body()[:500]
            if any(word in context for word in meta):
                return meta
        return []

    def section(self) -> list[str]:
        # = //*[contains(@class,'crumb') or … or contains(@id,'location')], in document order,
        # as a loop: several times faster than libxml2's contains() on every class and id.
        for node in self.page.tree.iter(lxml.etree.Element):
            marker = node.get("class")
            ident = node.get("id")
            if marker is None:
                if ident is None:
                    continue
                marker = ident
            elif ident is not None:
                marker = f"{marker}\0{ident}"  # NUL: no word across the two
            if "crumb" not in marker and "position" not in marker and "location" not in marker:
                continue
            trail = split_breadcrumb(node.text_content())
            if trail:
                return trail
        return []

    def images(self) -> list[dict]:
        node = self.content_node
        if node is None:
            return []
        return images_in(node, self.page)

    # ------------------------------------------------------------------ content
    @cached_property
    def content_node(self) -> lxml.html.HtmlElement | None:
        return densest_block(self.page.tree)

    @cached_property
    def paragraphs(self) -> list[str]:
        node = self.content_node
        if node is None:
            return []
        lines = text_lines(node, skip_negative=True)
        kept: list[str] = []
        for line in lines:
            if P.BODY_END_RE.match(line.text) and sum(len(k) for k in kept) >= 150:
                break
            if line.link_share > 0.6 and not P.SENTENCE_END_RE.search(line.text):
                continue  # a link of a list, not a sentence of the article
            kept.append(line.text)
        return clean_paragraphs(kept)

    # ------------------------------------------------------------------ record
    def fields(self) -> dict:
        published = self.published()
        return {
            "canonical_url": self.canonical_url(),
            "title": self.title(),
            "subtitle": self.subtitle(),
            "published_at": published.iso if published else None,
            "published_at_raw": published.raw if published else None,
            "source": self.source(),
            "reporters": self.reporters(),
            "editors": self.editors(),
            "body": self.body(),
            "keywords": self.keywords(),
            "section": self.section(),
            "images": self.images(),
            "extractor": f"{self.name}/{self.version}",
        }


# ---------------------------------------------------------------------- small named helpers
def _find_line(texts: list[str], wanted: str, start: int) -> int | None:
    for index in range(start, len(texts)):
        if texts[index] == wanted:
            return index
    head = wanted[:20]
    for index in range(start, len(texts)):
        if head and head in texts[index]:
            return index
    return None


def is_byline(text: str) -> bool:
    """A short line that is nothing but credits: 本报记者 葛灵丹 / 文：眉间尺 / 作者：张三."""
    return (
        len(text) <= 60
        and not P.SENTENCE_END_RE.search(text)
        and bool(P.BYLINE_LINE_RE.match(text))
        and bool(parse_credits(text))
    )


def labelled_credits(text: str) -> list[dict]:
    """People after an author label anywhere in a short line: `02日14:25 作者： 赵婕 出自[…]`."""
    if len(text) > 80:
        return []
    label = P.AUTHOR_LABEL_ANY_RE.search(text)
    return parse_credits(text[label.start() :]) if label else []


def is_prose(text: str) -> bool:
    """A sentence of running text, not a headline or a label."""
    return len(text) >= 25 and ("，" in text or "。" in text)


def is_furniture(text: str) -> bool:
    """A subtitle or lead-in (——…, 【…), a section heading (一、…) or a short line of page
    furniture (关注, 粉丝：23)."""
    if text.startswith(("—", "【", "[", "(", "（", "-")):
        return True
    if len(text) > 30 or P.SENTENCE_END_RE.search(text):
        return False
    counts = bool(re.search(r"\d", text) and re.search(r"[:：]", text))
    return bool(P.UI_WORD_RE.search(text) or counts or P.SECTION_HEADING_RE.match(text))


def is_handle(name: str) -> bool:
    """A poster's screen name: a person's name, or a Latin handle such as `ggjjzhzz`."""
    if name in P.NOT_NAMES or name.isdigit():
        return False
    return is_person_name(name) or bool(P.HANDLE_RE.match(name))


def strip_title_suffix(title: str) -> str:
    title = clean_text(title)
    stripped = P.TITLE_SUFFIX_RE.sub("", title)
    return stripped if len(stripped) >= 4 else title


def split_keywords(text: str | None) -> list[str]:
    words = [w.strip() for w in P.KEYWORD_SPLIT_RE.split(text or "") if w.strip()]
    return list(dict.fromkeys(w for w in words if len(w) <= 20))


BREADCRUMB_SPLIT_RE = re.compile(r"(?<!\s)\s*(?:>|＞|›|»|/|→|-&gt;|>>)\s*")  # linear: (?<!\s)
BREADCRUMB_DROP = frozenset(
    {"首页", "当前位置", "您的位置", "正文", "网站首页", "主页", "返回首页", "当前位置:"}
)


def split_breadcrumb(text: str) -> list[str]:
    text = re.sub(r"^\s*(?:当前位置|您的位置|您现在的位置|位置)\s*[:：]?", "", clean_text(text))
    parts = [clean_text(p) for p in BREADCRUMB_SPLIT_RE.split(text)]
    trail = [p for p in parts if p and p not in BREADCRUMB_DROP and len(p) <= 20]
    return [p for p in trail if not p.endswith(("首页", "网"))] if len(trail) > 1 else trail


def text_lines(node: lxml.html.HtmlElement, skip_negative: bool = False) -> list[Line]:
    """The printed lines of a subtree (a break at every block boundary and <br>), each with
    the number of its characters that are link text."""
    # One pass of start/end events (lxml's iterwalk) instead of a recursive walk: an element
    # opens and closes a line when it is a block, its text is link text inside an <a>, and its
    # tail belongs to its parent. A skipped (boilerplate) subtree keeps only its tail.
    # Line breaks are NUL characters in one joined string (libxml2 text never holds NUL, and NUL
    # is not white space), so white space is collapsed once for the whole subtree (as
    # clean_text does), not once per line.
    pieces: list[str] = []
    append = pieces.append
    linked_counts: list[int] = []  # per line: characters of link text
    count_line = linked_counts.append
    linked = 0
    links = 0  # open <a> elements (their text and their children's tails are link text)
    skipped = None  # the subtree just skipped: its end event comes next
    breaks = BREAK_TAGS
    walker = lxml.etree.iterwalk(node, events=("start", "end"))
    for event, element in walker:
        tag = element.tag
        if tag.__class__ is not str:
            tag = ""
        if event == "start":
            if skip_negative and tag and is_boilerplate_block(element):
                walker.skip_subtree()
                skipped = element
                continue
            if tag == "a":
                links += 1
            if tag in breaks:
                append("\0")
                count_line(linked)
                linked = 0
            text = element.text
            if text and tag:
                append(text)
                if links:
                    linked += len(clean_text(text))
        else:
            if skipped is element:
                skipped = None
            else:
                if tag == "a":
                    links -= 1
                if tag in breaks:
                    append("\0")
                    count_line(linked)
                    linked = 0
            tail = element.tail
            if tail:
                append(tail)
                if links:
                    linked += len(clean_text(tail))
    linked_counts.append(linked)
    lines: list[Line] = []
    for text, count in zip(
        " ".join("".join(pieces).split()).split("\0"), linked_counts, strict=True
    ):
        text = text.strip()
        if text:
            lines.append(Line(text, min(count, len(text))))
    return lines


def block_text(node: lxml.html.HtmlElement, skip_negative: bool = False) -> str:
    """Text of a subtree with a line break at every block boundary and <br>."""
    return "\n".join(line.text for line in text_lines(node, skip_negative))


def class_words(element: lxml.html.HtmlElement) -> list[str]:
    marker = f"{element.get('class', '')} {element.get('id', '')}".lower()
    return [w for w in CLASS_WORD_SPLIT_RE.split(marker) if w]


def is_negative_marker(element: lxml.html.HtmlElement) -> bool:
    """A class or id word is, or starts with, a NEGATIVE_WORDS word (exactly for NEGATIVE_EXACT)."""
    cls = element.get("class")
    ident = element.get("id")
    if not cls and not ident:
        return False
    return NEGATIVE_MARKER_RE.search(f"{cls or ''} {ident or ''}".lower()) is not None


def is_boilerplate_block(element: lxml.html.HtmlElement) -> bool:
    if element.tag in {"html", "body"}:
        return False
    if is_negative_marker(element):
        return True
    if element.tag in {"ul", "ol", "nav", "aside", "footer", "form", "select", "button"}:
        return link_density(element) > 0.5 or element.tag in {"nav", "footer", "form", "button"}
    return False


def link_density(element: lxml.html.HtmlElement, length: int | None = None) -> float:
    """Share of the element's text that is link text; `length`: the length of its cleaned text
    when the caller has it."""
    text = len(clean_text(element.text_content())) if length is None else length
    if not text:
        return 1.0
    linked = sum(len(clean_text(a.text_content())) for a in element.iter("a"))
    return min(linked / text, 1.0)


def densest_block(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The element holding most of the article's sentences: text blocks score by length and
    punctuation, minus their link text, and pass the score to their parent and grandparent.
    When the winner is one of several blocks built from the same template (a blog's posts,
    a forum's replies), the first of them is the article."""
    scores: dict[lxml.html.HtmlElement, float] = {}
    for element in tree.iter("p", "div", "td", "section", "article", "font", "span", "pre"):
        if is_negative_marker(element):  # is_boilerplate_block, for these tags
            continue
        tag = element.tag
        if tag == "p" or tag == "pre":
            own = clean_text(element.text_content())
            length: int | None = len(own)  # the length link_density would measure again
        else:
            own = clean_text("".join([element.text or ""] + [c.tail or "" for c in element]))
            length = None
        if len(own) < 20:
            continue
        punct = len(_PUNCTUATION_RE.findall(own))  # PUNCTUATION characters, in one C scan
        score = 1 + punct + min(len(own) / 100, 3)
        if next(element.iter("a"), None) is not None:  # else link_density is 0 (text ⊇ own)
            score *= 1 - link_density(element, length)
        parent = element.getparent()
        if tag in {"div", "td", "section", "article"}:
            scores[element] = scores.get(element, 0) + score
        if parent is not None:
            scores[parent] = scores.get(parent, 0) + score
            grand = parent.getparent()
            if grand is not None:
                scores[grand] = scores.get(grand, 0) + score / 2
    inside: dict[lxml.html.HtmlElement, bool] = {}
    scores = {e: s for e, s in scores.items() if not _inside_boilerplate(e, inside)}
    if not scores:
        return None
    best, best_score = max(scores.items(), key=lambda item: item[1])
    words = class_words(best)
    if words:
        siblings = [
            e
            for e, s in scores.items()
            if e is not best
            and e.tag == best.tag
            and class_words(e) == words
            and s >= max(0.05 * best_score, 8)
        ]
        if siblings:
            order = {e: i for i, e in enumerate(tree.iter(best.tag))}
            return min([best, *siblings], key=lambda e: order.get(e, 0))
    return best


def _inside_boilerplate(
    element: lxml.html.HtmlElement, memo: dict[lxml.html.HtmlElement, bool] | None = None
) -> bool:
    """An ancestor (not <html>, <body>) has a negative class or id. `memo` keeps the answer for
    every ancestor visited, so that the blocks of one tree share their ancestors' work."""
    if memo is None:
        return any(
            is_negative_marker(a) for a in element.iterancestors() if a.tag not in {"html", "body"}
        )
    parent = element.getparent()
    if parent is None:
        return False
    known = memo.get(parent)
    if known is None:
        known = (
            parent.tag not in {"html", "body"} and is_negative_marker(parent)
        ) or _inside_boilerplate(parent, memo)
        memo[parent] = known
    return known


def clean_paragraphs(lines: list[str]) -> list[str]:
    kept: list[str] = []
    for line in lines:
        line = clean_text(line)
        if not line:
            continue
        if any(pattern.search(line) for pattern in P.BOILERPLATE_LINE_RES):
            continue
        kept.append(line)
    return kept


def images_in(node: lxml.html.HtmlElement, page: Page) -> list[dict]:
    images: list[dict] = []
    seen: set[str] = set()
    for img in node.iter("img"):
        src = img.get("data-original") or img.get("data-src") or img.get("src")
        url = page.absolute(src)
        if not url or url in seen or is_boilerplate_block(img):
            continue
        seen.add(url)
        images.append({"url": url, "caption": image_caption(img)})
    return images


def image_caption(img: lxml.html.HtmlElement) -> str | None:
    """The printed caption: a figcaption, or the short text of the image's own paragraph."""
    figure = next((a for a in img.iterancestors("figure")), None)
    if figure is not None:
        caption = figure.find(".//figcaption")
        if caption is not None and clean_text(caption.text_content()):
            return clean_text(caption.text_content())
    holder = img.getparent()
    if holder is not None and holder.tag in {"p", "div", "center"}:
        text = clean_text(holder.text_content())
        if 2 <= len(text) <= 80:
            return text
        following = holder.getnext()
        if following is not None and following.tag == "p":
            text = clean_text(following.text_content())
            style = (
                (following.get("style") or "")
                + (following.get("class") or "")
                + (following.get("align") or "")
            )
            if 2 <= len(text) <= 80 and re.search(r"center|caption|pic|img", style, re.IGNORECASE):
                return text
    return None
