"""A site parser made of selector lists: the common shape of the profiled sites' parsers.

A site module (`henandaily_cn.py`, `dahe_cn.py`, `people_cn.py`) keeps its ordered XPath tuples
as module-level data and hands them to a `ProfiledParser` subclass as class attributes. Each
field reads the first selector that yields text ("first valid match wins") and falls back on the
generic parser when none does, so a redesigned page still yields every field. An empty tuple
means "the site has no such element": the generic parser answers.

Besides the selectors, the body's credit-only lines (`□本报记者 刘永辉 通讯员 马文静`,
`（记者 张三）` on a line of its own) are taken out of the text and read as reporters, as on
hnr.cn.
"""

from __future__ import annotations

import re
from functools import cached_property

import lxml.html

from crawler.extract import patterns as P
from crawler.extract.credits import (
    parse_bracket_names,
    parse_credits,
    parse_editors,
    with_caption_photographers,
)
from crawler.extract.dates import PublishTime, parse_time
from crawler.extract.generic import GenericParser, split_breadcrumb
from crawler.extract.hnr_cn import BULLETS_RE, CAPTION_XPATH, is_credit_line
from crawler.extract.page import clean_text

# A printed label in front of a value: "来源：河南日报", "作者:张三", "责任编辑：李四".
LABEL_RE = re.compile(r"^\s*(?:来源|来自|稿源|作者|记者|编辑|责任编辑|责编)\s*[:：]\s*")
# Brackets around a credit line printed on its own: "（记者 张三）", "(通讯员 李四)".
CREDIT_BRACKETS_RE = re.compile(r"^[(（\[【]\s*|(?<!\s)\s*[)）\]】]$")  # (?<!\s): linear


def strip_label(text: str | None) -> str | None:
    """The value of a labelled field without its label; None when nothing is left."""
    if not text:
        return None
    value = LABEL_RE.sub("", text).strip()
    return value or None


class ProfiledParser(GenericParser):
    """Selectors first, then the generic parser, field by field."""

    TITLE_XPATHS: tuple[str, ...] = ()
    SUBTITLE_XPATHS: tuple[str, ...] = ()
    TIME_XPATHS: tuple[str, ...] = ()
    SOURCE_XPATHS: tuple[str, ...] = ()
    AUTHOR_XPATHS: tuple[str, ...] = ()
    EDITOR_XPATHS: tuple[str, ...] = ()
    BODY_XPATHS: tuple[str, ...] = ()
    BREADCRUMB_XPATHS: tuple[str, ...] = ()
    # Regex that cuts a source out of a printed info line ("2022年01月20日08:23 | 来源：人民网").
    SOURCE_RE: re.Pattern[str] | None = None
    # Image captions inside the body (relative to the body node).
    CAPTION_XPATH: str = CAPTION_XPATH

    def title(self) -> str | None:
        return self.page.first_text(self.TITLE_XPATHS) or super().title()

    def subtitle(self) -> str | None:
        return self.page.first_text(self.SUBTITLE_XPATHS) or super().subtitle()

    def published(self) -> PublishTime | None:
        return parse_time(self.page.first_raw_text(self.TIME_XPATHS)) or super().published()

    def source(self) -> str | None:
        printed = self.page.first_text(self.SOURCE_XPATHS)
        if printed and self.SOURCE_RE is not None:
            match = self.SOURCE_RE.search(printed)
            printed = match["source"] if match else None
        return strip_label(printed) or super().source()

    def reporters(self) -> list[dict]:
        found = parse_credits(self.page.first_text(self.AUTHOR_XPATHS))
        if not found:
            for line in self.credit_lines:
                found.extend(parse_credits(line))
        if not found and self.article_lines:
            dateline = P.DATELINE_RE.match(self.article_lines[0])
            if dateline:  # 人民网郑州3月1日电（王佩 刘颖）: names alone are the authors
                credits = dateline["credits"]
                found = parse_credits(credits) or parse_bracket_names(credits)
        found = [person for person in found if self._plausible_person(person["name"])]
        found = found or super().reporters()
        return with_caption_photographers(found, self.captions)

    def editors(self) -> list[dict]:
        return parse_editors(self.page.first_text(self.EDITOR_XPATHS)) or super().editors()

    def section(self) -> list[str]:
        printed = self.page.first_text(self.BREADCRUMB_XPATHS)
        return (split_breadcrumb(printed) if printed else []) or super().section()

    @cached_property
    def content_node(self) -> lxml.html.HtmlElement | None:
        for query in self.BODY_XPATHS:
            for node in self.page.xpath(query):
                if clean_text(node.text_content()):
                    return node
        return super().content_node

    @cached_property
    def captions(self) -> list[str]:
        """Printed image captions inside the body: kept with their images, not in the text."""
        node = self.content_node
        if node is None:
            return []
        return [clean_text(c.text_content()) for c in node.xpath(self.CAPTION_XPATH)]

    @cached_property
    def credit_lines(self) -> list[str]:
        """Body lines that only credit people, without bullets and brackets."""
        return [bare for bare in map(bare_line, self.paragraphs) if is_credit_line(bare)]

    @cached_property
    def article_lines(self) -> list[str]:
        """The body's paragraphs without captions and credit-only lines."""
        captions = set(self.captions)
        return [
            line
            for line in self.paragraphs
            if line not in captions and not is_credit_line(bare_line(line))
        ]

    def body(self) -> str:
        return "\n".join(self.article_lines)


def bare_line(line: str) -> str:
    """A body line without leading bullets and enclosing brackets."""
    return CREDIT_BRACKETS_RE.sub("", BULLETS_RE.sub("", line))
