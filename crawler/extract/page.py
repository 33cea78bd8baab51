"""A fetched page ready for field extraction: decoded text and its lxml tree. No I/O."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.etree
import lxml.html

from crawler.extract.blocks import TreeWalk
from crawler.extract.decode import decode_html
from crawler.extract.text import clean_text, replace_present


class ParseError(ValueError):
    """The page cannot yield a record; `reason` is a short machine-readable cause."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

    def __reduce__(self):
        # Keep reason and detail apart when the error crosses a process boundary.
        return (ParseError, (self.reason, self.detail))


# Elements whose text is never article text.
DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "canvas",
)
# bytes.strip()'s white space: ASCII space, \t, \n, \r, \v, \f.
_LEADING_SPACE_RE = re.compile(rb"[ \t\n\r\x0b\x0c]*")
BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"RIFF")
WS_RE = re.compile(r"[\s\u3000\xa0]+")
# `\w` is str.isalnum() plus "_" (Python's definition), so this drops what isalnum() refuses.
_NOT_ALNUM_RE = re.compile(r"[\W_]+")
# Full-width forms, the ideographic space, "…", circled numbers, vertical presentation forms.
_NFKD_COMMON = {
    code: unicodedata.normalize("NFKD", chr(code))
    for code in [
        *range(0xFF01, 0xFF5F),
        0x3000,
        0x2026,
        *range(0x2460, 0x24A0),
        *range(0xFE10, 0xFE20),
        *range(0xFE30, 0xFE50),
    ]
    if unicodedata.normalize("NFKD", chr(code)) != chr(code)
}
_NFKD_COMMON_CHARS = {chr(code): folded for code, folded in _NFKD_COMMON.items()}
_NFKD_COMMON_RE = re.compile("[" + "".join(re.escape(c) for c in _NFKD_COMMON_CHARS) + "]")


def keep_alphanumeric(text: str) -> str:
    """The str.isalnum() characters of `text` only."""
    return _NOT_ALNUM_RE.sub("", text)


def body_fingerprint(body: str) -> str:
    """Hash of the body with width, case, white space and punctuation folded away."""
    # NFKC, faster: the compatibility characters Chinese text is full of (full-width
    # punctuation, …, ①) are first replaced by their NFKD form, which leaves NFKC's result
    # unchanged, and most bodies are then already normalised (a quick check, no rewrite).
    # (An NFKD form holds no key of the table: replacing the kinds in any order is the same.)
    folded = replace_present(body, _NFKD_COMMON_RE, _NFKD_COMMON_CHARS)
    if not unicodedata.is_normalized("NFKC", folded):
        folded = unicodedata.normalize("NFKC", folded)
    folded = keep_alphanumeric(folded.lower())
    return hashlib.blake2b(folded.encode("utf-8"), digest_size=16).hexdigest()


def canonicalise_url(url: str) -> str:
    """Lower-case scheme and host, drop the fragment and default ports."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and not (
        (parts.scheme == "http" and parts.port == 80)
        or (parts.scheme == "https" and parts.port == 443)
    ):
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", parts.query, ""))


_XPATHS: dict[str, lxml.etree.XPath | None] = {}
# Every element is an lxml.html.HtmlElement (text_content(), drop_tree() …), chosen in C: the
# default lxml.html lookup calls a Python function for every element proxy (it picks special
# classes for <form>, <input> … that no parser needs), a large share of a tree walk's cost.
_HTML_LOOKUP = lxml.etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)


def compiled_xpath(query: str) -> lxml.etree.XPath | None:
    """The query compiled once per process (None when it does not compile): the selector lists
    are data, evaluated on every page, and compiling is a large share of a query's cost."""
    try:
        return _XPATHS[query]
    except KeyError:
        pass
    try:
        compiled: lxml.etree.XPath | None = lxml.etree.XPath(query)
    except lxml.etree.XPathError:
        compiled = None
    if len(_XPATHS) < 4096:
        _XPATHS[query] = compiled
    return compiled


# What an inline script must hold to be kept as script data (see SCRIPT_TIME_RE).
_SCRIPT_HINT_RE = re.compile(
    r"pub_?[tT]ime|publish_?[tT]ime|publishDate|pubDate|datePublished|\bct\s{0,2}="
)


@dataclass
class Page:
    """Bytes and URL in; the decoded text and the parsed tree out."""

    body: bytes
    url: str
    http_charset: str | None = None
    encoding: str = field(init=False)
    text: str = field(init=False)
    # Each query's results, evaluated once per page: the tree does not change after parsing,
    # and the parsers ask for some (the title's) more than once.
    _xpath_results: dict[str, list] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # Where the content starts, past leading white space (no stripped copy of the body).
        start = _LEADING_SPACE_RE.match(self.body).end()
        if start == len(self.body):
            raise ParseError("empty page", "the response has no content")
        head = self.body[start : start + 512]
        if head.startswith(BINARY_MAGIC) or (b"\x00" in head and b"<" not in head):
            raise ParseError("not html", "the response is binary content")
        self.text, self.encoding = decode_html(self.body, self.http_charset)

    @cached_property
    def tree(self) -> lxml.html.HtmlElement:
        parser = lxml.html.HTMLParser(
            remove_comments=True, remove_pis=True, no_network=True, huge_tree=False
        )
        parser.set_element_class_lookup(_HTML_LOOKUP)
        try:
            root = lxml.html.document_fromstring(self.text, parser=parser)
        except (lxml.etree.ParserError, ValueError) as err:
            raise ParseError("unparsable html", str(err)[:200]) from err
        # JSON-LD is metadata: keep its text before the scripts go.
        self._json_ld = [
            script.text_content()
            for script in root.iter("script")
            if (script.get("type") or "").strip().lower() == "application/ld+json"
        ]
        # Inline script data that may date the page ("pubtime": …, var ct = …): kept likewise.
        self._script_data = [
            text
            for script in root.iter("script")
            if script.get("src") is None
            and (text := script.text or "")
            and _SCRIPT_HINT_RE.search(text)
        ]
        # In C, as drop_tree() on each would do: subtrees gone, their tails kept in place.
        lxml.etree.strip_elements(root, *DROP_TAGS, with_tail=False)
        return root

    @cached_property
    def walk(self) -> TreeWalk:
        """One walk of the tree, shared by the parser and the pagination (blocks.TreeWalk)."""
        return TreeWalk(self.tree)

    @property
    def json_ld_texts(self) -> list[str]:
        """The text of every `<script type="application/ld+json">` of the page."""
        _ = self.tree
        return list(getattr(self, "_json_ld", []))

    @property
    def script_data_texts(self) -> list[str]:
        """The text of every inline script that may hold the page's publish time."""
        _ = self.tree
        return list(getattr(self, "_script_data", []))

    def xpath(self, query: str) -> list:
        """The query's results on the page (none for a query that does not compile or fails)."""
        found = self._xpath_results.get(query)
        if found is None:
            compiled = compiled_xpath(query)
            try:
                found = [] if compiled is None else compiled(self.tree)
            except lxml.etree.XPathError:
                found = []
            self._xpath_results[query] = found
        return found

    def first_text(self, queries: tuple[str, ...] | list[str]) -> str | None:
        """Text of the first query that yields non-empty text ("first valid match wins")."""
        for query in queries:
            for node in self.xpath(query):
                value = node if isinstance(node, str) else node.text_content()
                value = clean_text(value)
                if value:
                    return value
        return None

    def first_raw_text(self, queries: tuple[str, ...] | list[str]) -> str | None:
        """Like first_text, but the text as printed (inner white space kept) for raw fields."""
        for query in queries:
            for node in self.xpath(query):
                value = (node if isinstance(node, str) else node.text_content()).strip()
                if value:
                    return value
        return None

    def absolute(self, href: str | None) -> str | None:
        if not href:
            return None
        href = href.strip()
        if href.startswith(("javascript:", "mailto:", "#", "data:")):
            return None
        try:
            return urljoin(self.url, href)
        except ValueError:
            return None
