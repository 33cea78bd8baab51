"""The generic parser: any Chinese news page, one method per field.

Site parsers (`hnr_cn.py` …) subclass `GenericParser` and override a field only where the site's
markup is known; each override falls back on the generic method when it finds nothing.
"""

from __future__ import annotations

import json
import re
from functools import cached_property

import lxml.html

from crawler.parsers import patterns as P
from crawler.parsers.credits import parse_bracket_names, parse_credits, parse_editors
from crawler.parsers.dates import PublishTime, parse_machine_time, parse_time
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
# Class / id words of blocks that are never article text.
NEGATIVE_BLOCK_RE = re.compile(
    r"share|bdshare|related|relate|recommend|hot|comment|footer|copyright|nav|menu|sidebar|"
    r"breadcrumb|crumb|position|location|tags?\b|keyword|pagination|pager|toolbar|banner|ad-|"
    r"advert|qrcode|erweima|xgyd|xgxw|rdph|login|search",
    re.IGNORECASE,
)
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


class GenericParser:
    """Fields of a Chinese news article from the markup that any page has."""

    name = "generic"
    version = 1

    def __init__(self, page: Page) -> None:
        self.page = page

    # ------------------------------------------------------------------ helpers
    @cached_property
    def metas(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for meta in self.page.xpath("//meta[@content]"):
            key = meta.get("property") or meta.get("name") or meta.get("itemprop") or ""
            if key and key.lower() not in found:
                found[key.lower()] = meta.get("content", "").strip()
        return found

    @cached_property
    def json_ld(self) -> list[dict]:
        items: list[dict] = []
        for script in self.page.xpath('//script[@type="application/ld+json"]/text()'):
            try:
                data = json.loads(script)
            except ValueError:
                continue
            for item in data if isinstance(data, list) else [data]:
                if isinstance(item, dict):
                    items.extend(item.get("@graph", [item]) if "@graph" in item else [item])
        return items

    @cached_property
    def page_text(self) -> str:
        return block_text(
            self.page.tree.body if self.page.tree.find("body") is not None else self.page.tree
        )

    @cached_property
    def site_names(self) -> set[str]:
        names = {self.metas.get("og:site_name", "")}
        raw_title = clean_text(self.page.first_text(["//title"]) or "")
        match = P.TITLE_SUFFIX_RE.search(raw_title)
        if match:
            names.add(re.sub(r"^[\s_|｜–—-]+", "", match.group(0)).strip())
        return {n for n in names if n}

    # ------------------------------------------------------------------ fields
    def canonical_url(self) -> str:
        own = registrable_domain(self.page.url)
        for href in [
            *self.page.xpath('//link[@rel="canonical"]/@href'),
            self.metas.get("og:url", ""),
        ]:
            absolute = self.page.absolute(href)
            if absolute and absolute.startswith("http") and registrable_domain(absolute) == own:
                return canonicalise_url(absolute)
        return (
            canonicalise_url(self.page.url) if self.page.url.startswith("http") else self.page.url
        )

    def title(self) -> str | None:
        raw_title = self.page.first_text(["//title"]) or ""
        for query in ("//h1", "//h2", "//*[contains(@class,'title')]"):
            for node in self.page.xpath(query):
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
        for key in META_TIME_KEYS:
            value = self.metas.get(key.lower())
            parsed = parse_machine_time(value)
            if parsed:
                return parsed
        for item in self.json_ld:
            parsed = parse_machine_time(str(item.get("datePublished") or ""))
            if parsed:
                return parsed
        return parse_time(self.header_text)

    @cached_property
    def header_text(self) -> str:
        """Printed text between the headline and the body: where times and 来源 sit."""
        text = self.page_text
        title = self.title() or ""
        start = text.find(title) if title else -1
        start = max(start, 0)
        first = self.paragraphs[0][:20] if self.paragraphs else ""
        end = text.find(first, start) if first else -1
        if end <= start:
            end = start + 300
        return text[start : min(end, start + 600)]

    def source(self) -> str | None:
        match = P.SOURCE_RE.search(self.header_text) or P.SOURCE_RE.search(self.page_text)
        return match["source"] if match else None

    def reporters(self) -> list[dict]:
        paragraphs = self.paragraphs
        if paragraphs:
            dateline = P.DATELINE_RE.match(paragraphs[0])
            if dateline:
                credits = parse_credits(dateline["credits"])
                if credits:
                    return credits
            for line in paragraphs[:2] + paragraphs[-2:]:
                byline = P.BYLINE_LINE_RE.match(line)
                if byline:
                    credits = parse_credits(byline["credits"])
                    if credits:
                        return credits
            trailing = P.TRAILING_CREDIT_RE.match(paragraphs[-1])
            if trailing:
                credits = parse_bracket_names(trailing["credits"])
                if credits:
                    return credits
        for label in re.finditer(r"(?:作者|记者)\s{0,2}[:：]\s{0,2}[^\n]{2,40}", self.header_text):
            credits = parse_credits(label.group(0))
            if credits:
                return credits
        return []

    def editors(self) -> list[dict]:
        return parse_editors(self.page_text)

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
        for node in self.page.xpath(
            "//*[contains(@class,'crumb') or contains(@class,'position') or contains(@class,'location')"
            " or contains(@id,'crumb') or contains(@id,'position') or contains(@id,'location')]"
        ):
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
        return clean_paragraphs(block_text(node, skip_negative=True).split("\n"))

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
def strip_title_suffix(title: str) -> str:
    title = clean_text(title)
    stripped = P.TITLE_SUFFIX_RE.sub("", title)
    return stripped if len(stripped) >= 4 else title


def split_keywords(text: str | None) -> list[str]:
    words = [w.strip() for w in P.KEYWORD_SPLIT_RE.split(text or "") if w.strip()]
    return list(dict.fromkeys(w for w in words if len(w) <= 20))


BREADCRUMB_SPLIT_RE = re.compile(r"\s*(?:>|＞|›|»|/|→|-&gt;|>>)\s*")
BREADCRUMB_DROP = frozenset(
    {"首页", "当前位置", "您的位置", "正文", "网站首页", "主页", "返回首页", "当前位置:"}
)


def split_breadcrumb(text: str) -> list[str]:
    text = re.sub(r"^\s*(?:当前位置|您的位置|您现在的位置|位置)\s*[:：]?", "", clean_text(text))
    parts = [clean_text(p) for p in BREADCRUMB_SPLIT_RE.split(text)]
    trail = [p for p in parts if p and p not in BREADCRUMB_DROP and len(p) <= 20]
    return [p for p in trail if not p.endswith(("首页", "网"))] if len(trail) > 1 else trail


def block_text(node: lxml.html.HtmlElement, skip_negative: bool = False) -> str:
    """Text of a subtree with a line break at every block boundary and <br>."""
    out: list[str] = []

    def walk(element: lxml.html.HtmlElement) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if skip_negative and tag and is_boilerplate_block(element):
            if element.tail:
                out.append(element.tail)
            return
        block = tag in BLOCK_TAGS or tag == "br"
        if block:
            out.append("\n")
        if element.text and tag:
            out.append(element.text)
        for child in element:
            walk(child)
        if block:
            out.append("\n")
        if element.tail:
            out.append(element.tail)

    walk(node)
    text = "".join(out)
    return "\n".join(clean_text(line) for line in text.split("\n") if clean_text(line))


def is_boilerplate_block(element: lxml.html.HtmlElement) -> bool:
    marker = f"{element.get('class', '')} {element.get('id', '')}"
    if marker.strip() and NEGATIVE_BLOCK_RE.search(marker):
        return True
    if element.tag in {"ul", "ol", "nav", "aside", "footer", "form", "select", "button"}:
        return link_density(element) > 0.5 or element.tag in {"nav", "footer", "form", "button"}
    return False


def link_density(element: lxml.html.HtmlElement) -> float:
    text = len(clean_text(element.text_content()))
    if not text:
        return 1.0
    linked = sum(len(clean_text(a.text_content())) for a in element.iter("a"))
    return linked / text


def densest_block(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The element holding most of the article's sentences: text blocks score by length and
    punctuation, minus their link text, and pass the score to their parent and grandparent."""
    scores: dict[lxml.html.HtmlElement, float] = {}
    for element in tree.iter("p", "div", "td", "section", "article", "font", "span", "pre"):
        own = clean_text("".join([element.text or ""] + [c.tail or "" for c in element]))
        if element.tag == "p" or element.tag == "pre":
            own = clean_text(element.text_content())
        if len(own) < 20:
            continue
        punct = sum(own.count(ch) for ch in PUNCTUATION)
        score = 1 + punct + min(len(own) / 100, 3)
        score *= 1 - min(link_density(element), 1.0)
        parent = element.getparent()
        if element.tag in {"div", "td", "section", "article"}:
            scores[element] = scores.get(element, 0) + score
        if parent is not None:
            scores[parent] = scores.get(parent, 0) + score
            grand = parent.getparent()
            if grand is not None:
                scores[grand] = scores.get(grand, 0) + score / 2
    if not scores:
        return None
    return max(scores.items(), key=lambda item: item[1])[0]


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
