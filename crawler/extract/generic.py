"""The generic parser: any Chinese news page, one method per field.

Site parsers (`hnr_cn.py` …) subclass `GenericParser` and override a field only where the site's
markup is known; each override falls back on the generic method when it finds nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
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
    CHINA,
    PublishTime,
    find_times,
    parse_epoch,
    parse_machine_time,
    parse_time,
    published_value,
    url_date,
    yearless_time,
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
# Metadata that dates the page without being its publish time: a reference for printed times
# without a year ("10-08 12:00") or relative ones ("昨天 14:20").
META_STAMP_KEYS = (
    "dateupdate",
    "article:modified_time",
    "og:updated_time",
    "lastmodified",
    "last-modified",
    "dc.date.modified",
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
        return strip_title_badge(self._title)

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
                    if len(text) <= SECTION_TITLE_LENGTH:
                        # A heading that names the section ("新闻动态") above the article's.
                        headline = self.headline_above_dateline()
                        if headline and len(headline) > len(text):
                            return headline
                    return text
        og = self.metas.get("og:title")
        named = strip_title_suffix(og) if og else strip_title_suffix(raw_title)
        # A <title> that names the section ("新闻动态"), or none: the visible headline printed
        # above the dateline is the article's.
        if not named or len(named) <= SECTION_TITLE_LENGTH:
            headline = self.headline_above_dateline() or (
                None if named else self.headline_above_body()
            )
            if headline and len(headline) > len(named or ""):
                return headline
        return named or None

    def headline_above_body(self) -> str | None:
        """The line right above the body's first paragraph, when it reads as a headline."""
        span = self.body_span
        if not span or span[0] == 0:
            return None
        # (Old portals link the headline to the page itself: a link is no reason to refuse it.)
        above = self.page_lines[span[0] - 1].text
        if is_headline_like(above) and len(above) >= 8 and not P.LIST_ITEM_RE.match(above):
            return above
        return None

    def headline_above_dateline(self) -> str | None:
        """The line just above the first dateline (a date or a 来源 label) before the body."""
        span = self.body_span
        if span is None:
            return None
        lines = self.page_lines
        start = next(
            (i for i in range(span[0], min(span[1] + 1, span[0] + 12)) if is_prose(lines[i].text)),
            span[0],
        )
        for index in range(max(start - HEADER_LINES - 2, 1), start + 1):
            text = lines[index].text
            if not (find_times(text) or P.SOURCE_RE.search(text)):
                continue
            above = lines[index - 1]
            if is_headline_like(above.text) and above.link_share < 0.5:
                return above.text
            return None
        return None

    def subtitle(self) -> str | None:
        return None

    def published(self) -> PublishTime | None:
        meta = self.meta_time()
        if meta and meta.has_time:
            # The minute printed under the headline wins over a metadata time a few minutes or
            # hours off (a CMS stamps its own save time); the metadata wins when they agree
            # (it has the seconds) and when nothing is printed there.
            header = self.header_time()
            if header and _same_day_other_minute(header, meta):
                return header
            return meta
        printed = self.printed_time()
        header = self.header_time()
        if header is None and (printed is None or not printed.has_time):
            yearless = self.yearless_header_time()
            if yearless and (printed is None or printed.day == yearless.day):
                return yearless
        if meta:
            if printed and printed.has_time and printed.day == meta.day:
                return printed  # the metadata gives the day, the page prints the minute
            return meta
        day = url_date(self.page.url)
        if printed and not (day and header is None and printed.day != day.isoformat()):
            return printed  # (a date printed in the body or a link list does not beat the URL's)
        if day:
            return PublishTime(day.isoformat(), day.isoformat(), has_time=False)
        return None

    def meta_time(self) -> PublishTime | None:
        """The publish time of the page's metadata (OpenGraph, <meta>, JSON-LD, script data)."""
        for key in META_TIME_KEYS:
            parsed = parse_machine_time(self.metas.get(key.lower()))
            if parsed:
                return parsed
        for item in self.json_ld:
            parsed = parse_machine_time(str(item.get("datePublished") or ""))
            if parsed:
                return parsed
        return self.script_time()

    def script_time(self) -> PublishTime | None:
        """The publish time a page's inline script data holds (`"pubtime": "…"`, `ct = "…"`)."""
        for text in self.page.script_data_texts:
            for match in P.SCRIPT_TIME_RE.finditer(text):
                parsed = (
                    parse_epoch(match["epoch"])
                    if match["epoch"]
                    else script_value_time(match["value"])
                )
                if parsed and parsed.has_time and parsed.iso[10:16] == "T00:00":
                    # A CMS fills a date without a time with midnight: the day only.
                    return PublishTime(parsed.day, parsed.raw, has_time=False)
                if parsed:
                    return parsed
        return None

    def page_stamp(self) -> date | None:
        """The day the page's own metadata dates it (publish or update time), else its URL's."""
        meta = self.meta_time()
        if meta:
            return date.fromisoformat(meta.day)
        for key in META_STAMP_KEYS:
            parsed = parse_machine_time(self.metas.get(key))
            if parsed:
                return date.fromisoformat(parsed.day)
        return url_date(self.page.url)

    def header_time(self) -> PublishTime | None:
        """The date and minute printed between the headline and the body, if any."""
        header = set(self.header_lines)
        found = [
            c
            for c in self.time_candidates()
            if c.line in header and c.time.has_time and c.score > 0
        ]
        if not found:
            return None
        return max(found, key=lambda c: (c.score, -c.line, -c.position)).time

    def yearless_header_time(self) -> PublishTime | None:
        """A time printed without a year in the header ("发布时间：10-08 12:00"), dated by the
        page's own timestamp."""
        stamp = None
        for index in self.header_lines:
            text = self.page_lines[index].text
            if len(text) > 80 or P.YEAR_RE.search(text) or not re.search(r"\d[:：]\d", text):
                continue
            stamp = stamp or self.page_stamp()
            if stamp is None:
                return None
            found = yearless_time(text, stamp)
            if found:
                return found
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
        if match:
            return match["source"]
        unlabelled = self.slot_source() or self.dateline_source()
        if unlabelled:
            return unlabelled
        footer = "\n".join(self.page_lines[i].text for i in self.footer_lines)
        match = P.SOURCE_RE.search(footer) or P.SOURCE_RE.search(self.page_text)
        return match["source"] if match else None

    def slot_source(self) -> str | None:
        """The 来源 in a CMS's source slot (`<a class="source">`, `<span class="a_source">`)
        printed in the header without a label."""
        if not self.header_lines:
            return None
        header = [self.page_lines[i].text for i in self.header_lines]
        walk = self.walk
        for index, cls in enumerate(walk.classes):
            if not cls or not SOURCE_CLASS_RE.search(cls):
                continue
            text = clean_text(walk.text_content(index))
            text = SOURCE_SLOT_STRIP_RE.sub(" ", P.DATE_TIME_RE.sub(" ", text)).strip(" ·⋅|")
            # A name, not a label left over ("发布日期：") nor a time without its year.
            if (
                2 <= len(text) <= 30
                and not SLOT_NOT_NAME_RE.search(text)
                and any(text in line for line in header)
            ):
                return text
        return None

    def dateline_source(self) -> str | None:
        """A media name printed right after the dateline's time: "2019-09-07 04:04 北京日报"."""
        lines = self.page_lines
        for index in self.header_lines:
            text = lines[index].text
            match = P.DATELINE_SOURCE_RE.search(text)
            if match and not is_person_name(match["source"]):
                return match["source"]
            match = P.SOURCE_BEFORE_DATE_RE.match(text)
            if match and len(text) <= 60 and lines[index].link_share < 0.5:
                alone = match.end() == len(text)
                near = [lines[i].text for i in (index - 1, index + 1) if 0 <= i < len(lines)]
                if not alone or any(P.YEAR_RE.search(t) and find_times(t) for t in near):
                    return match["source"]
        return None

    def reporters(self) -> list[dict]:
        """People credited with the article, from the most to the least explicit evidence."""
        for strategy in (
            self.meta_reporters,
            self.header_reporters,
            self.author_link_reporters,
            self.labelled_footer_reporters,
            self.dateline_reporters,
            self.trailing_reporters,
            self.poster_reporters,
            self.name_line_reporters,
        ):
            found = [p for p in strategy() if self._plausible_person(p["name"])]
            if found:
                return unique_by_name([*found, *self.helper_reporters()])
        # No byline: the staff who made the pictures are the article's only credit.
        return unique_by_name(self.helper_reporters())

    def helper_reporters(self) -> list[dict]:
        """People credited apart from the byline: contributors closing the article ("（实习生X
        对此文亦有贡献）") and photographers in captions and credit lines ("（X摄）", "摄影/X")."""
        lines = [p for p in self.paragraphs if len(p) <= 80]
        lines += [self.page_lines[i].text for i in self.footer_lines]
        people: list[dict] = []
        for text in lines:
            contributed = P.CONTRIBUTOR_RE.match(text)
            if contributed:
                people.extend(parse_bracket_names(contributed["credits"]))
            for photo in P.PHOTO_LINE_RE.finditer(text):
                # A bare "X 摄" closing a caption is left out: it credits a picture, often a
                # handout; a staff photographer's credit names the role ("记者 X 摄").
                found = photo["bracket"] or photo["labelled"] or photo["reporters"] or ""
                for name in re.split(r"[、\s]+", found):
                    if is_person_name(name):
                        people.append({"name": name, "role": "摄影", "org": None})
        return [p for p in people if self._plausible_person(p["name"])]

    def _plausible_person(self, name: str) -> bool:
        """A name that looks like a person's: not a word of page furniture, not the site's own
        name or part of it (网易 of 网易新闻), not the 来源 (参考消息)."""
        if name in P.NOT_NAMES or P.UI_WORD_RE.search(name):
            return False
        if name.isascii() and name.isupper():
            return False  # an acronym: BBC, AFP
        if any(name in site for site in self.site_names):
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
            people.extend(unlabelled_byline(text))
        if people:
            return unique_by_name(people)
        for text in texts:
            people.extend(labelled_credits(text))
        return unique_by_name(people)

    def author_link_reporters(self) -> list[dict]:
        """The author's name in an element marked as such (`<a rel="author">`, a class word
        `author` / `byline` / `writer`), printed in the article's header or footer: blogs and
        CMSs link the poster's page."""
        zone = [self.page_lines[i].text for i in [*self.header_lines, *self.footer_lines]]
        if not zone:
            return []
        walk = self.walk
        for index, cls in enumerate(walk.classes):
            element = walk.elements[index]
            if not (
                (cls and AUTHOR_CLASS_RE.search(cls)) or "author" in (element.get("rel") or "")
            ):
                continue
            text = clean_text(walk.text_content(index))
            text = re.sub(r"^(?:作者|文|by|By|BY)\s{0,2}[:：/]?\s{0,2}", "", text).strip()
            if (is_person_name(text) or is_handle(text)) and any(text in line for line in zone):
                return [{"name": text, "role": "作者", "org": None}]
        return []

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
        # The dateline may follow a caption or a gallery label ("图集").
        for paragraph in self.paragraphs[:3]:
            dateline = P.DATELINE_RE.match(paragraph)
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
            names = re.split(r"[、，,\s]+", text) if "、" in text or " " in text else [text]
            if (
                2 <= len(names) <= 4
                and all(is_person_name(n) and not P.UI_WORD_RE.search(n) for n in names)
                and len(previous) <= 80
                and all(is_furniture(line) for line in between)
            ):
                return [{"name": n, "role": "作者", "org": None} for n in names]
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
        return "\n".join(self.body_paragraphs)

    @cached_property
    def body_paragraphs(self) -> list[str]:
        """The paragraphs without the header a content block may open with: the headline
        again, the dateline, the 来源 line and the font-size and follow buttons."""
        paragraphs = self.paragraphs
        title = self.title()
        start = 0
        for text in paragraphs[: HEADER_LINES * 2]:
            if is_prose(text):
                break
            if not (text == title or is_header_furniture(text)):
                break
            start += 1
        kept = paragraphs[start:] if start < len(paragraphs) else paragraphs
        return first_flash(kept)

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
        # (When the article's box is itself marked as furniture, its boxes are not left out.)
        lines = self.walk.element_lines(node, skip_negative=True) or self.walk.element_lines(
            node, skip_negative=False
        )
        kept: list[str] = []
        in_credits = False  # inside the credit block closing the article
        for line in lines:
            if P.BODY_END_RE.match(line.text) and sum(len(k) for k in kept) >= 150:
                break
            if len(line.text) <= 50 and P.CLOSING_CREDIT_RE.match(line.text):
                in_credits = in_credits or sum(len(k) for k in kept) >= 150
            elif in_credits:
                break  # what follows the closing credits is the page's, not the article's
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


def unlabelled_byline(text: str) -> list[dict]:
    """Bylines without a role word: a portal's "08:19 [ 王小明 ]", "王小明/中国青年报"."""
    if len(text) > 80:
        return []
    bracket = P.BRACKET_BYLINE_RE.search(text)
    if bracket:
        names = re.split(r"[\s、，,]+", bracket["names"])
        if all(is_person_name(n) for n in names):
            return [{"name": n, "role": "作者", "org": None} for n in names]
    slash = P.NAME_SLASH_MEDIA_RE.match(text)
    if slash:
        names = re.split(r"[\s、，,]+", slash["names"])
        if all(is_person_name(n) for n in names):
            return [{"name": n, "role": "作者", "org": slash["org"]} for n in names]
    return []


def labelled_credits(text: str) -> list[dict]:
    """People after an author label anywhere in a short line: `02日14:25 作者： 赵婕 出自[…]`."""
    if len(text) > 80:
        return []
    label = P.AUTHOR_LABEL_ANY_RE.search(text)
    return parse_credits(text[label.start() :]) if label else []


def first_flash(paragraphs: list[str]) -> list[str]:
    """A flash page whose block lists the other flashes too, each under its time ("09:32"):
    only the first flash is the article. Two such times after the prose make a list."""
    times = [i for i, text in enumerate(paragraphs) if P.BARE_TIME_LINE_RE.match(text)]
    prose = next((i for i, text in enumerate(paragraphs) if is_prose(text)), None)
    if prose is None:
        return paragraphs
    after = [i for i in times if i > prose]
    if len(after) < 2:
        return paragraphs
    return [text for text in paragraphs[: after[0]] if not P.BARE_TIME_LINE_RE.match(text)]


def is_headline_like(text: str) -> bool:
    """6 to 80 characters not ending as a sentence or a label does."""
    return 6 <= len(text) <= 80 and not text.endswith(("。", "；", "，", "：", ":"))


def is_header_furniture(text: str) -> bool:
    """A header line inside a content block: a dateline or 来源 line, or a button."""
    if len(text) <= 4 and not P.SENTENCE_END_RE.search(text):
        return True  # 字号, 大, 小, 关注, 图集
    if len(text) > 60:
        return False
    return bool(
        (P.YEAR_RE.search(text) and find_times(text) and len(P.DATE_TIME_RE.sub("", text)) <= 40)
        or (P.SOURCE_RE.search(text) and not P.SENTENCE_END_RE.search(text))
    )


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


def strip_title_badge(title: str | None) -> str | None:
    """The headline without a badge word before it ("独家｜", "【快讯】")."""
    if not title:
        return title
    stripped = P.TITLE_BADGE_RE.sub("", title)
    return stripped if len(stripped) >= 4 else title


def strip_title_suffix(title: str) -> str:
    """The headline without the site's suffix, and the channel's before it
    ("标题_新闻中心_某网" -> "标题")."""
    title = clean_text(title)
    stripped = P.TITLE_SUFFIX_RE.sub("", title)
    if len(stripped) < 4:
        return title
    for _ in range(2):
        match = P.TITLE_SUFFIX_RE.search(stripped)
        if not match or len(stripped) - len(match.group(0)) < 4:
            break
        segment = re.sub(r"^[\s_|｜–—-]+", "", match.group(0)).strip()
        if len(segment) > 8 or not segment.endswith(CHANNEL_ENDINGS):
            break
        stripped = stripped[: match.start()]
    return stripped


def split_keywords(text: str | None) -> list[str]:
    words = [w.strip() for w in P.KEYWORD_SPLIT_RE.split(text or "") if w.strip()]
    return list(dict.fromkeys(w for w in words if len(w) <= 20))


# How the names of a site's channels end: "新闻中心", "财经频道", "国内新闻", "河南站".
CHANNEL_ENDINGS = ("网", "频道", "中心", "新闻", "资讯", "站", "首页", "栏目", "之窗")
# A <title> this short after its suffix is gone names a section, not an article.
SECTION_TITLE_LENGTH = 6
# The class of a CMS's source slot: a class word "source" or ending in "-source" / "_source".
SOURCE_CLASS_RE = re.compile(r"(?:^|[\s_-])source(?:$|\s)", re.IGNORECASE)
SLOT_NOT_NAME_RE = re.compile(r"[:：\d]")
SOURCE_SLOT_STRIP_RE = re.compile(r"(?:来源|稿源|出处)\s{0,2}[:：]|原创")


def script_value_time(value: str) -> PublishTime | None:
    """A script data time: ISO 8601 (with its offset), else a printed form; never the slow
    general date reader (script values are many and mostly not dates)."""
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return parse_time(value)
    return parse_machine_time(value)


def _same_day_other_minute(printed: PublishTime, meta: PublishTime) -> bool:
    """Both on the same China-time day, at different minutes."""
    moment = datetime.fromisoformat(meta.iso)
    if moment.tzinfo is not None:
        moment = moment.astimezone(CHINA)
    return moment.date().isoformat() == printed.day and moment.isoformat()[:16] != printed.iso[:16]


# The class of an author's name or link: a class word "author", "byline" or "writer".
AUTHOR_CLASS_RE = re.compile(
    r"(?:^|[\s_-])(?:author|byline|writer)(?:$|[\s_-](?:name|link)\b|\s)", re.I
)
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
