"""A fetched page ready for field extraction: decoded text and its lxml tree. No I/O."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.etree
import lxml.html

from crawler.parsers.compiled import COMPILED
from crawler.parsers.decode import decode_html

if TYPE_CHECKING:
    from crawler.parsers.blocks import TreeWalk


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


def clean_text(text: str | None) -> str:
    """Collapse white space (full-width and no-break spaces included) and strip."""
    # str.split() splits on exactly the characters WS_RE matches (str.isspace(): the ideographic
    # and no-break spaces are among them), and is several times faster than WS_RE.sub + strip.
    return " ".join(text.split()) if text else ""


def replace_present(text: str, finder: re.Pattern, replacements: dict[str, str]) -> str:
    """`text.translate` of a table of characters (`finder` matches its keys; no replacement
    holds a key), several times faster on the usual text: translate looks every character up in
    a dict, where one `str.replace` per kind present is one C pass each."""
    return replace_kinds(text, set(finder.findall(text)), replacements)


def replace_kinds(text: str, present: set[str], replacements: dict[str, str]) -> str:
    """`replace_present` once the kinds present are known. Many kinds present (over 24):
    translate after all."""
    if len(present) > 24:
        return text.translate(str.maketrans(replacements))
    for char in present:
        text = text.replace(char, replacements[char])
    return text


# The body fingerprint reads the text as an array of code points: which fold characters are
# present, and which characters are alphanumeric, are then table lookups, several times faster
# than a regex testing every character (numpy, which the near-duplicate index uses too).
_BMP = 0x10000


@cache
def _code_point_tables() -> tuple[Any, Any]:
    """(is a key of the NFKD fold, str.isalnum()) for every code point of the Basic
    Multilingual Plane, as numpy arrays; made at the first fingerprint (about 10 ms)."""
    import numpy as np

    fold = np.zeros(_BMP, dtype=bool)
    fold[list(_NFKD_COMMON)] = True
    alnum = np.fromiter(map(str.isalnum, map(chr, range(_BMP))), dtype=bool, count=_BMP)
    return fold, alnum


def _code_points(text: str) -> Any:
    import numpy as np

    # surrogatepass: a lone surrogate (never alphanumeric) does not stop the encoding.
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


# The keys of the fold, a bit per BMP code point, for the compiled test (crawler/parsers/_compiled.pyx).
_NFKD_COMMON_BITS = bytes(
    sum(1 << bit for bit in range(8) if (byte << 3 | bit) in _NFKD_COMMON) for byte in range(8192)
)


def _nfkd_common_present(text: str) -> set[str]:
    """= set(_NFKD_COMMON_RE.findall(text)). (Every key is in the BMP: a code point above it
    looks up the table's last entry, U+FFFF, which is no key.)"""
    if COMPILED is not None:
        return COMPILED.present_characters(text, _NFKD_COMMON_BITS)
    return _nfkd_common_present_numpy(text)


def _nfkd_common_present_numpy(text: str) -> set[str]:
    """_nfkd_common_present without the compiled module: a numpy table lookup."""
    import numpy as np

    fold, _ = _code_point_tables()
    codes = _code_points(text)
    return set(map(chr, np.unique(codes[fold.take(codes, mode="clip")]).tolist()))


def keep_alphanumeric(text: str) -> str:
    """= _NOT_ALNUM_RE.sub("", text): the str.isalnum() characters only."""
    if COMPILED is not None:
        return COMPILED.keep_alphanumeric(text)
    return keep_alphanumeric_numpy(text)


def keep_alphanumeric_numpy(text: str) -> str:
    """keep_alphanumeric without the compiled module: a numpy table lookup."""
    _, alnum = _code_point_tables()
    codes = _code_points(text)
    if codes.size and codes.max() >= _BMP:
        return _NOT_ALNUM_RE.sub("", text)  # beyond the table (rare: CJK extensions, emoji)
    return codes[alnum[codes]].tobytes().decode("utf-32-le", "surrogatepass")


def body_fingerprint(body: str) -> str:
    """Hash of the body with width, case, white space and punctuation folded away."""
    # NFKC, faster: the compatibility characters Chinese text is full of (full-width
    # punctuation, …, ①) are first replaced by their NFKD form, which leaves NFKC's result
    # unchanged, and most bodies are then already normalised (a quick check, no rewrite).
    # (An NFKD form holds no key of the table: replacing the kinds in any order is the same.)
    folded = replace_kinds(body, _nfkd_common_present(body), _NFKD_COMMON_CHARS)
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


# Functions whose value is a number: a predicate holding one may be positional.
_NUMERIC_XPATH_FUNCTIONS = re.compile(
    r"\b(?:position|last|count|sum|number|string-length|floor|ceiling|round)\s*\("
)
_NUMBER_RE = re.compile(r"(?<![\w\-])\d")  # a number, not the digit of a name (h2)
# Arithmetic and variables: a number without a digit (@a * @b, $n). A `*` after a name, a
# bracket or a literal multiplies; after `/`, `::` or `[` it is a name test.
_ARITHMETIC_RE = re.compile(r"[+$]|\s(?:div|mod)\s|[\w)\]'\".]\s*\*")
_QUOTED_RE = re.compile(r"(\"[^\"]*\"|'[^']*')")
_ABBREVIATED_DESCENDANT_RE = re.compile(r"(^|[^/:])//(?=[A-Za-z_*])")


def descendant_steps(query: str) -> str:
    """`//name[…]` written as `/descendant::name[…]` (`.//name` as `./descendant::name`): the
    same nodes when no predicate is positional, and libxml2 finds them without first visiting
    every node of the tree as the abbreviation's descendant-or-self::node() step asks. A query
    that may hold a positional predicate (a number outside its string literals, arithmetic, a
    variable, or a function whose value is a number) is returned unchanged."""
    parts = _QUOTED_RE.split(query)  # odd items are string literals
    code = "".join(parts[0::2])
    if (
        _NUMBER_RE.search(code)
        or _NUMERIC_XPATH_FUNCTIONS.search(code)
        or _ARITHMETIC_RE.search(code)
    ):
        return query
    return "".join(
        part if index % 2 else _ABBREVIATED_DESCENDANT_RE.sub(r"\1/descendant::", part)
        for index, part in enumerate(parts)
    )


def compiled_xpath(query: str) -> lxml.etree.XPath | None:
    """The query compiled once per process (None when it does not compile): the selector lists
    are data, evaluated on every page, and compiling is a large share of a query's cost. It is
    compiled with its descendant steps spelled out (`descendant_steps`)."""
    try:
        return _XPATHS[query]
    except KeyError:
        pass
    try:
        compiled: lxml.etree.XPath | None = lxml.etree.XPath(descendant_steps(query))
    except lxml.etree.XPathError:
        compiled = None
    if len(_XPATHS) < 4096:
        _XPATHS[query] = compiled
    return compiled


# ------------------------------------------------------------------ selector prefilter
# A selector whose steps ask for a class or id holding some text (`contains(@class,'x')`,
# `@id='x'`, the `concat(' ', normalize-space(@class), ' ')` word test) can match only on a page
# where some class or id value holds that text. Looking the texts up in the page's class and id
# values (gathered once, in C) skips most of a site's selectors, those of its other templates,
# without evaluating them over the whole tree.
_QUOTED = r"(?:'[^']+'|\"[^\"]+\")"
_ATTRIBUTE_LITERAL_RES = (
    re.compile(rf"contains\(\s*@(?:class|id)\s*,\s*(?P<literal>{_QUOTED})\s*\)"),
    re.compile(rf"@(?:class|id)\s*=\s*(?P<literal>{_QUOTED})"),
    re.compile(
        r"contains\(\s*concat\(\s*(?:' '|\" \")\s*,\s*normalize-space\(\s*@(?:class|id)\s*\)"
        r"\s*,\s*(?:' '|\" \")\s*\)\s*,\s*(?P<literal>' [^' ]+ '|\" [^\" ]+ \")\s*\)"
    ),
)
# A location path, once its predicates are taken out: steps, axes, name tests, node tests.
_LOCATION_PATH_RE = re.compile(r"\.?/[\w\-.:*@/()]*")
_OR_RE = re.compile(r"\bor\b")
_CLASS_AND_ID_XPATH = lxml.etree.XPath(
    "/descendant-or-self::*/@class | /descendant-or-self::*/@id", smart_strings=False
)


def _masked(text: str) -> str:
    """`text` with every character inside quotes, brackets or parentheses replaced by NUL (the
    top-level delimiters themselves kept): what is left is the text's top level."""
    masked = []
    depth = 0
    quote = ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
            if depth == 1:
                masked.append(char)
                continue
        elif char in "])":
            depth -= 1
            if depth == 0:
                masked.append(char)
                continue
        elif depth == 0:
            masked.append(char)
            continue
        masked.append("\0")
    return "".join(masked)


def _split_top_level(text: str, separator: str) -> list[str]:
    """`text` split at `separator` where it stands outside quotes, brackets and parentheses."""
    masked = _masked(text)
    parts = []
    start = 0
    position = masked.find(separator)
    while position >= 0:
        parts.append(text[start:position])
        start = position + len(separator)
        position = masked.find(separator, start)
    parts.append(text[start:])
    return parts


def _predicates(text: str) -> tuple[str, list[str]]:
    """(the text's top level without its predicates, inner text masked; the predicates'
    contents)."""
    masked = _masked(text)
    outside: list[str] = []
    predicates: list[str] = []
    position = 0
    opening = masked.find("[")
    while opening >= 0:
        closing = masked.find("]", opening)  # the brackets inside are masked
        if closing < 0:
            break  # unbalanced: left in the path, which then is not a plain location path
        outside.append(masked[position:opening])
        predicates.append(text[opening + 1 : closing])
        position = closing + 1
        opening = masked.find("[", position)
    outside.append(masked[position:])
    return "".join(outside), predicates


def _attribute_literal(atom: str) -> str | None:
    """The class/id text an atom of a predicate asks for (quotes and word spaces off)."""
    for pattern in _ATTRIBUTE_LITERAL_RES:
        match = pattern.fullmatch(atom.strip())
        if match:
            return match["literal"][1:-1].strip(" ")
    return None


@lru_cache(maxsize=4096)  # selectors are data, asked about on every page
def selector_requirements(query: str) -> tuple[tuple[str, ...], ...]:
    """Groups of texts such that the query can select something only when, for every group,
    one of its texts is in some class or id value of the page. Empty when nothing is known: a
    query that is not a plain location path (a union, a function of a path, a comparison), and
    any predicate that is not a conjunction, or a disjunction, of class and id tests."""
    path, predicates = _predicates(query)
    if not _LOCATION_PATH_RE.fullmatch(path):
        return ()
    groups: list[tuple[str, ...]] = []
    for predicate in predicates:
        alternatives = _split_top_level(predicate, " or ")
        if len(alternatives) > 1:
            literals = [_attribute_literal(alternative) for alternative in alternatives]
            if all(literals):
                groups.append(tuple(literal for literal in literals if literal))
            continue
        if _OR_RE.search(_masked(predicate)):
            continue  # an `or` not spelled " or ": leave the predicate alone
        for atom in _split_top_level(predicate, " and "):
            literal = _attribute_literal(atom)
            if literal:
                groups.append((literal,))
    return tuple(groups)


@dataclass
class Page:
    """Bytes and URL in; the decoded text and the parsed tree out."""

    body: bytes
    url: str
    http_charset: str | None = None
    encoding: str = field(init=False)
    text: str = field(init=False)

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
        # In C, as drop_tree() on each would do: subtrees gone, their tails kept in place.
        lxml.etree.strip_elements(root, *DROP_TAGS, with_tail=False)
        return root

    @cached_property
    def walk(self) -> TreeWalk:
        """One walk of the tree, shared by the parser and the pagination (blocks.TreeWalk)."""
        from crawler.parsers.blocks import TreeWalk  # (blocks imports this module)

        return TreeWalk(self.tree)

    @property
    def json_ld_texts(self) -> list[str]:
        """The text of every `<script type="application/ld+json">` of the page."""
        _ = self.tree
        return list(getattr(self, "_json_ld", []))

    @cached_property
    def class_and_id_text(self) -> str:
        """Every class and id value of the page, one per line (`selector_requirements`)."""
        return "\n".join(_CLASS_AND_ID_XPATH(self.tree))

    def xpath(self, query: str) -> list:
        compiled = compiled_xpath(query)
        if compiled is None:
            return []
        requirements = selector_requirements(query)
        if requirements:
            values = self.class_and_id_text
            if not all(any(text in values for text in group) for group in requirements):
                return []  # no element has the class or id the query asks for
        try:
            return compiled(self.tree)
        except lxml.etree.XPathError:
            return []

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
