"""The parser of a profiled site: its `[selectors]` and `[parser]` tables, then the generic one.

A profile (`crawler/sites/NAME.toml`) lists ordered XPaths per field; each field reads the first
selector that yields text ("first valid match wins") and falls back on the generic parser when
none does, so a redesigned page still yields every field. What a site needs beyond selectors is
data in its `[parser]` table (crawler/sites/profile.py, ParserTable): a regex that cuts the
source out of an info line, a regex that finds the info line in the page's text, the author
label, how credit lines are read. `ProfiledParser.for_profile` makes one class per profile.

The body's credit-only lines (`□本报记者 刘永辉 通讯员 马文静`, `（记者 张三）` on a line of
its own) are taken out of the text and read as reporters.
"""

from __future__ import annotations

import copy
import re
from functools import cached_property

import lxml.html

from crawler.extract import patterns as P
from crawler.extract.blocks import block_text
from crawler.extract.credits import (
    parse_bracket_names,
    parse_credits,
    parse_editors,
    with_caption_photographers,
)
from crawler.extract.dates import PublishTime, parse_time
from crawler.extract.generic import (
    GenericParser,
    clean_paragraphs,
    split_breadcrumb,
    split_keywords,
)
from crawler.extract.page import clean_text
from crawler.sites.profile import ParserTable, Profile, Selectors

# A printed label in front of a value: "来源：河南日报", "作者:张三", "责任编辑：李四".
LABEL_RE = re.compile(r"^\s*(?:来源|来自|稿源|作者|记者|编辑|责任编辑|责编)\s*[:：]\s*")
# Brackets around a credit line printed on its own: "（记者 张三）", "(通讯员 李四)".
CREDIT_BRACKETS_RE = re.compile(r"^[(（\[【]\s*|(?<!\s)\s*[)）\]】]$")  # (?<!\s): linear
BULLETS_RE = re.compile(r"^[\s□■●◎▲△◆◇★☆]+")


def strip_label(text: str | None) -> str | None:
    """The value of a labelled field without its label; None when nothing is left."""
    if not text:
        return None
    value = LABEL_RE.sub("", text).strip()
    return value or None


def _compiled(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None


class ProfiledParser(GenericParser):
    """Selectors first, then the generic parser, field by field."""

    selectors: Selectors = Selectors()
    options: ParserTable = ParserTable(extractor="profiled")
    source_re: re.Pattern[str] | None = None
    info_re: re.Pattern[str] | None = None
    author_label_re: re.Pattern[str] | None = None
    caption_xpath: str = " | ".join(Selectors().caption)

    @classmethod
    def for_profile(
        cls, profile: Profile, base: type[ProfiledParser] | None = None
    ) -> type[ProfiledParser]:
        """The parser class of a profile (`base`: a subclass for what data cannot say)."""
        options = profile.parser or ParserTable(extractor=profile.name)
        selectors = profile.selectors or Selectors()
        return type(
            "".join(part.capitalize() for part in options.extractor.split("_")) + "Parser",
            (base or cls,),
            {
                "__module__": cls.__module__,
                "__doc__": f"{profile.title or profile.name}: crawler/sites/{profile.name}.toml.",
                "name": options.extractor,
                "version": options.version,
                "selectors": selectors,
                "options": options,
                "source_re": _compiled(options.source_regex),
                "info_re": _compiled(options.info_regex),
                "author_label_re": _compiled(options.author_label_regex),
                "caption_xpath": " | ".join(selectors.caption),
            },
        )

    @property
    def lines_first(self) -> bool:
        return self.options.credits == "lines"

    @cached_property
    def info_line(self) -> str:
        """The printed line with the time and 来源, wherever the template puts it."""
        text = self.page.first_text(self.selectors.info)
        if text:
            return text
        match = self.info_re.search(self.page_text) if self.info_re else None
        return match.group(0) if match else ""

    def title(self) -> str | None:
        return self.page.first_text(self.selectors.title) or super().title()

    def subtitle(self) -> str | None:
        return self.page.first_text(self.selectors.subtitle) or super().subtitle()

    def published(self) -> PublishTime | None:
        return (
            parse_time(self.page.first_raw_text(self.selectors.time))
            or parse_time(self.info_line)
            or super().published()
        )

    def source(self) -> str | None:
        printed = self.page.first_text(self.selectors.source)
        if printed and self.source_re is not None:
            match = self.source_re.search(printed)
            printed = match["source"] if match else None
        value = strip_label(printed)
        if value:
            return value
        match = P.SOURCE_RE.search(self.info_line)
        return match["source"] if match else super().source()

    def reporters(self) -> list[dict]:
        found = self.line_reporters() if self.lines_first else self.first_reporters()
        return with_caption_photographers(found, self.captions)

    def first_reporters(self) -> list[dict]:
        """The author selectors, credit-only lines, the lead's dateline; else generic."""
        found = parse_credits(self.page.first_text(self.selectors.authors))
        if not found:
            for line in self.credit_lines:
                found.extend(parse_credits(line))
        if not found and self.article_lines:
            dateline = P.DATELINE_RE.match(self.article_lines[0])
            if dateline:  # 人民网郑州3月1日电（王佩 刘颖）: names alone are the authors
                credits = dateline["credits"]
                found = parse_credits(credits) or parse_bracket_names(credits)
        found = [person for person in found if self._plausible_person(person["name"])]
        return found or super().reporters()

    def line_reporters(self) -> list[dict]:
        """Credit-only lines and the dateline's credits; else generic; else the author label."""
        found = []
        for line in self.credit_lines:
            found.extend(parse_credits(line))
        if not found:
            found = super().reporters()
        if not found and self.author_label_re is not None:
            author = self.author_label_re.search(self.info_line + "\n" + self.header_text)
            found = parse_credits("作者:" + author.group(1)) if author else []
        return found

    def editors(self) -> list[dict]:
        return parse_editors(self.page.first_text(self.selectors.editors)) or super().editors()

    def keywords(self) -> list[str]:
        printed = self.page.first_text(self.selectors.keywords)
        if printed:
            if not self.options.keywords_label:
                return split_keywords(printed)
            match = P.KEYWORDS_LABEL_RE.search(printed)
            if match:
                return split_keywords(match["keywords"])
        return super().keywords()

    def section(self) -> list[str]:
        printed = self.page.first_text(self.selectors.breadcrumb)
        return (split_breadcrumb(printed) if printed else []) or super().section()

    @cached_property
    def content_node(self) -> lxml.html.HtmlElement | None:
        for query in self.selectors.body:
            for node in self.page.xpath(query):
                if clean_text(node.text_content()):
                    return node
        return super().content_node

    @cached_property
    def header_text(self) -> str:
        return self.info_line or super().header_text

    # ------------------------------------------------------------------ body and credits
    @cached_property
    def caption_nodes(self) -> list[lxml.html.HtmlElement]:
        node = self.content_node
        return [] if node is None else node.xpath(self.caption_xpath)

    @cached_property
    def captions(self) -> list[str]:
        """Printed image captions inside the body: kept with their images, not in the text."""
        return [clean_text(caption.text_content()) for caption in self.caption_nodes]

    @cached_property
    def _lines(self) -> list[str]:
        """The body node's lines with the caption elements left out."""
        node = self.content_node
        if node is None:
            return []
        if self.caption_nodes:  # copied only when there is something to leave out
            node = copy.deepcopy(node)
            for caption in node.xpath(self.caption_xpath):
                caption.drop_tree()
        return clean_paragraphs(block_text(node, skip_negative=True).split("\n"))

    @cached_property
    def credit_lines(self) -> list[str]:
        """Body lines that only credit people, without bullets (and brackets); with `lines`
        credits also the lead's dateline bracket, which stays in the body."""
        if not self.lines_first:
            return [bare for bare in map(bare_line, self.paragraphs) if is_credit_line(bare)]
        credits = []
        for index, line in enumerate(self._lines):
            dateline = P.DATELINE_RE.match(line) if index == 0 else None
            if dateline:
                credits.append(dateline["credits"])
            elif is_credit_line(line):
                credits.append(BULLETS_RE.sub("", line))
        return credits

    @cached_property
    def paragraphs(self) -> list[str]:
        if self.lines_first:
            return [line for line in self._lines if not is_credit_line(line)]
        return super().paragraphs

    @cached_property
    def article_lines(self) -> list[str]:
        """The body's paragraphs without captions and credit-only lines."""
        if self.lines_first:
            return self.paragraphs
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


def is_credit_line(line: str) -> bool:
    """A short line made only of roles and names."""
    if len(line) > 40 or re.search(r"[。！？，,]", line):
        return False
    stripped = BULLETS_RE.sub("", line)
    credits = parse_credits(stripped)
    if not credits:
        return False
    leftover = stripped
    for person in credits:
        leftover = leftover.replace(person["name"], "")
    leftover = re.sub(r"[\s/／:：、]|记者|通讯员|实习生|见习|摄影|作者|本报|文|图|摄", "", leftover)
    return len(leftover) <= 4
