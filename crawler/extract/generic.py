"""The generic parser: any Chinese news page, one method per field.

Site parsers (`hnr_cn.py` …) subclass `GenericParser` and override a field only where the site's
markup is known; each override falls back on the generic method when it finds nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property

import lxml.etree
import lxml.html

from crawler.extract import patterns as P
from crawler.extract.blocks import (
    Line,
    TreeWalk,
    densest_block,
    is_boilerplate_block,
)
from crawler.extract.credits import (
    is_person_name,
    parse_bracket_names,
    parse_credits,
    parse_editors,
    unique_by_name,
)
from crawler.extract.dates import (
    PublishTime,
    find_times,
    parse_machine_time,
    parse_time,
    published_value,
    url_date,
)
from crawler.extract.page import Page, canonicalise_url, clean_text
from crawler.extract.urls import registrable_domain

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
    def walk(self) -> TreeWalk:
        return self.page.walk

    @cached_property
    def page_lines(self) -> list[Line]:
        body = self.page.tree.find("body")
        return self.walk.lines(0 if body is None else self.walk.position(body))

    @cached_property
    def page_texts(self) -> list[str]:
        """The text of each of `page_lines`."""
        return [line[0] for line in self.page_lines]  # [0]: .text, by index (cheaper)

    @cached_property
    def page_text(self) -> str:
        return "\n".join(self.page_texts)

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
        texts = self.page_texts
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
        contained = len(title) >= 6  # a longer headline may be printed inside a longer line
        longest = 2 * len(title) + 10
        for index, text in enumerate(self.page_texts[:stop]):
            if text == title or (contained and title in text and len(text) < longest):
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
                self.walk.elements[index]
                for index, cls in enumerate(self.walk.classes)
                if cls and "title" in cls
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
        if meta and meta.has_time:
            return meta  # (the printed times are not read: the metadata wins)
        printed = self.printed_time()
        if meta:
            if printed and printed.has_time and printed.day == meta.day:
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
        text = self.page_text
        found: list[int] = []
        line = 0
        scanned = 0
        for match in P.YEAR_RE.finditer(text):
            # The line of the match: the newlines since the previous match, counted in C.
            line += text.count("\n", scanned, match.start())
            scanned = match.start()
            if not found or found[-1] != line:
                found.append(line)
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
        text = self.page_text
        match = (
            P.KEYWORDS_LABEL_RE.search(text)
            if any(hint in text for hint in P.KEYWORDS_LABEL_HINTS)
            else None
        )
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
        # A page none of whose class and id values holds a marker has none (joined and searched
        # in C: the values are a few kilobytes, the page's text is tens).
        walk = self.walk
        values = "\0".join(filter(None, walk.classes)) + "\0" + "\0".join(filter(None, walk.ids))
        if not BREADCRUMB_MARKER_RE.search(values):
            return []
        for index, (marker, ident) in enumerate(zip(walk.classes, walk.ids, strict=True)):
            if marker is None:
                if ident is None:
                    continue
                marker = ident
            elif ident is not None:
                marker = f"{marker}\0{ident}"  # NUL: no word across the two
            if not BREADCRUMB_MARKER_RE.search(marker):  # = any(word in marker …), one C call
                continue
            trail = split_breadcrumb(walk.elements[index].text_content())
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
        index = densest_block(self.walk)
        return None if index is None else self.walk.elements[index]

    @cached_property
    def paragraphs(self) -> list[str]:
        node = self.content_node
        if node is None:
            return []
        lines = self.walk.element_lines(node, skip_negative=True)
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
        published_at, precision = published_value(published.iso) if published else (None, None)
        return {
            "canonical_url": self.canonical_url(),
            "title": self.title(),
            "subtitle": self.subtitle(),
            "published_at": published_at,
            "published_precision": precision,
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
    try:
        return texts.index(wanted, start)
    except ValueError:
        pass
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


# Class or id substrings of a breadcrumb trail.
BREADCRUMB_MARKERS = ("crumb", "position", "location")
BREADCRUMB_MARKER_RE = re.compile("|".join(map(re.escape, BREADCRUMB_MARKERS)))
BREADCRUMB_SPLIT_RE = re.compile(r"(?<!\s)\s*(?:>|＞|›|»|/|→|-&gt;|>>)\s*")  # linear: (?<!\s)
BREADCRUMB_DROP = frozenset(
    {"首页", "当前位置", "您的位置", "正文", "网站首页", "主页", "返回首页", "当前位置:"}
)


def split_breadcrumb(text: str) -> list[str]:
    text = re.sub(r"^\s*(?:当前位置|您的位置|您现在的位置|位置)\s*[:：]?", "", clean_text(text))
    parts = [clean_text(p) for p in BREADCRUMB_SPLIT_RE.split(text)]
    trail = [p for p in parts if p and p not in BREADCRUMB_DROP and len(p) <= 20]
    return [p for p in trail if not p.endswith(("首页", "网"))] if len(trail) > 1 else trail


def clean_paragraphs(lines: list[str]) -> list[str]:
    kept: list[str] = []
    # One scan of the whole text for the hints instead of one regex search per line.
    joined = "\n".join(lines)
    search_anywhere = any(hint in joined for hint in P.BOILERPLATE_LINE_ANYWHERE_HINTS)
    for line in lines:
        line = clean_text(line)
        if not line:
            continue
        if P.BOILERPLATE_LINE_START_RE.match(line) or (
            search_anywhere and P.BOILERPLATE_LINE_ANYWHERE_RE.search(line)
        ):
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
