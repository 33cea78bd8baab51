"""映象网 (hnr.cn): three templates, then the printed labels.

Templates (see fixtures/hnr/README.md and ../shared/hnr/MARKUP.md):
- 2021 on: `<sub>.hnr.cn/<chan>/article/1/<id>`;
- 2016–2019: `h2.f32.lh48.mrg_t_30`, `div#share_right > p.left > span`, `div#text_fix`;
  and its sibling `#txt_left h2`, `.time`, `.source`, `.ZKHN_Editor`;
- TRS era (≤2018): `div.TRS_Editor`.
Every field falls back on the generic parser, which reads the printed text (来源:, 责编:, the
dateline), so a redesigned page still yields every field.
"""

from __future__ import annotations

import copy
import re
from functools import cached_property

import lxml.html

from crawler.extract import patterns as P
from crawler.extract.blocks import block_text
from crawler.extract.credits import parse_credits, parse_editors, with_caption_photographers
from crawler.extract.dates import PublishTime, parse_time
from crawler.extract.generic import (
    GenericParser,
    clean_paragraphs,
    split_breadcrumb,
    split_keywords,
)
from crawler.extract.page import clean_text

# Ordered selector lists, most specific first: the first one that yields text wins.
TITLE_XPATHS = (
    "//h2[contains(concat(' ', normalize-space(@class), ' '), ' f32 ')]",
    "//*[@id='txt_left']//h2",
    "//div[contains(@class,'article-title')]//h1",
    "//div[contains(@class,'article')]//h1",
    "//h1",
)
INFO_XPATHS = (
    "//div[@id='share_right']/p[contains(@class,'left')]",
    "//div[contains(@class,'article-info')]",
    "//*[@class][contains(@class,'info')][contains(., '来源') or contains(., '发布')]",
)
TIME_XPATHS = (
    "//div[@id='share_right']/p[contains(@class,'left')]/span[1]",
    "//*[@id='txt_left']//*[contains(@class,'time')]",
    "//*[@class][contains(@class,'article-info')]//*[contains(@class,'time')]",
    "//*[@class or @id][contains(@class,'pubtime') or contains(@class,'pub-time') or @id='pubtime']",
)
SOURCE_XPATHS = (
    "//div[@id='share_right']/p[contains(@class,'left')]/span[2]",
    "//*[@id='txt_left']//*[contains(@class,'source')]",
    "//*[@class][contains(@class,'article-info')]//*[contains(@class,'source')]",
)
EDITOR_XPATHS = (
    "//span[@class][contains(@class,'right')][contains(., '责编')]",
    "//*[@class][contains(@class,'editor-name') or contains(@class,'article-editor')]",
)
BODY_XPATHS = (
    "//div[@id='text_content']/div[@id='text_fix']",
    "//div[@id='text_fix']",
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' ZKHN_Editor ')]",
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]",
    "//div[contains(@class,'article-content')]",
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' editor ')]",
)
BREADCRUMB_XPATHS = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' mrg_l_40 ')"
    " and contains(concat(' ', normalize-space(@class), ' '), ' pad_t_10 ')]",
    "//*[@class][contains(@class,'breadcrumb') or contains(@class,'crumb')"
    " or contains(@class,'position') or contains(@class,'location') or contains(@class,'nav_path')]",
    # Unknown markup: the element whose own text opens with the printed label.
    "//*[text()][starts-with(normalize-space(text()), '当前位置')"
    " or starts-with(normalize-space(text()), '您的位置')]",
)
SUBTITLE_XPATHS = (
    "//*[@class][contains(@class,'article-subtitle') or contains(@class,'sub-title')"
    " or contains(@class,'subtitle')]",
)
# Printed image captions inside the body: not body text, but they credit photographers.
CAPTION_XPATH = (
    ".//figcaption | .//*[@class][contains(@class,'caption') or contains(@class,'pic-title')]"
)
KEYWORD_XPATHS = (
    "//*[@class][contains(@class,'keyword')][contains(., '关键词') or contains(., '关键字')]",
)
BULLETS_RE = re.compile(r"^[\s□■●◎▲△◆◇★☆]+")
AUTHOR_LABEL_RE = re.compile(r"作者\s{0,2}[:：]\s{0,2}([^)）\n]{2,40})")
SOURCE_LABEL_RE = re.compile(r"^\s*(?:来源|来自)\s*[:：]\s*")
# A printed line holding both a time and 来源: "2022-04-22 18:36:31  来源:映象网".
TIME_SOURCE_LINE_RE = re.compile(
    r"^[^\n]{0,80}(?:19|20|１９|２０)\S{2,40}[^\n]{0,40}来源\s{0,2}[:：][^\n]{0,60}$", re.MULTILINE
)


class HnrParser(GenericParser):
    name = "hnr_cn"
    version = 1

    @cached_property
    def info_line(self) -> str:
        """The printed line with the time and 来源, wherever the template puts it."""
        text = self.page.first_text(INFO_XPATHS)
        if text:
            return text
        match = TIME_SOURCE_LINE_RE.search(self.page_text)
        return match.group(0) if match else ""

    def title(self) -> str | None:
        return self.page.first_text(TITLE_XPATHS) or super().title()

    def subtitle(self) -> str | None:
        return self.page.first_text(SUBTITLE_XPATHS) or super().subtitle()

    def published(self) -> PublishTime | None:
        return (
            parse_time(self.page.first_raw_text(TIME_XPATHS))
            or parse_time(self.info_line)
            or super().published()
        )

    def source(self) -> str | None:
        printed = self.page.first_text(SOURCE_XPATHS)
        if printed:
            value = SOURCE_LABEL_RE.sub("", printed).strip()
            if value:
                return value
        match = P.SOURCE_RE.search(self.info_line)
        return match["source"] if match else super().source()

    def editors(self) -> list[dict]:
        return parse_editors(self.page.first_text(EDITOR_XPATHS)) or super().editors()

    def reporters(self) -> list[dict]:
        found = []
        for line in self.credit_lines:
            found.extend(parse_credits(line))
        if not found:
            found = super().reporters()
        if not found:
            author = AUTHOR_LABEL_RE.search(self.info_line + "\n" + self.header_text)
            found = parse_credits("作者:" + author.group(1)) if author else []
        return with_caption_photographers(found, self.captions)

    @cached_property
    def captions(self) -> list[str]:
        node = self.content_node
        if node is None:
            return []
        return [clean_text(c.text_content()) for c in self.caption_nodes]

    @cached_property
    def caption_nodes(self) -> list[lxml.html.HtmlElement]:
        node = self.content_node
        return [] if node is None else node.xpath(CAPTION_XPATH)

    @cached_property
    def _lines(self) -> list[str]:
        """Body lines with captions left out (they are kept with their images)."""
        node = self.content_node
        if node is None:
            return []
        if self.caption_nodes:  # copied only when there is something to leave out
            node = copy.deepcopy(node)
            for caption in node.xpath(CAPTION_XPATH):
                caption.drop_tree()
        return clean_paragraphs(block_text(node, skip_negative=True).split("\n"))

    @cached_property
    def credit_lines(self) -> list[str]:
        """Credit text: the dateline bracket of the lead, and lines that only credit people
        (`□本报记者 刘晓波`, `刘涛/文 郑伟/图`). The dateline stays in the body; a credit-only
        line does not."""
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
        return [line for line in self._lines if not is_credit_line(line)]

    def keywords(self) -> list[str]:
        printed = self.page.first_text(KEYWORD_XPATHS)
        if printed:
            match = P.KEYWORDS_LABEL_RE.search(printed)
            if match:
                return split_keywords(match["keywords"])
        return super().keywords()

    def section(self) -> list[str]:
        printed = self.page.first_text(BREADCRUMB_XPATHS)
        return (split_breadcrumb(printed) if printed else []) or super().section()

    @cached_property
    def content_node(self) -> lxml.html.HtmlElement | None:
        for query in BODY_XPATHS:
            for node in self.page.xpath(query):
                if clean_text(node.text_content()):
                    return node
        return super().content_node

    @cached_property
    def header_text(self) -> str:
        return self.info_line or super().header_text


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
