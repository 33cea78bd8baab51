"""The article's block and the printed lines of a page.

`TreeWalk` reads a parsed page once (one step per element) and keeps, for every element, where
its text starts and ends among the page's text pieces, its parent and its own text. From that
record it finds the block holding the article (`densest_block`) and reads the printed lines of
any element (`TreeWalk.lines`), without walking the tree again: the block search, the page's lines
and the body's lines were three walks of the same tree, the largest cost of an extraction.
`text_lines` reads an element that is not part of a walked tree (a copy) by walking it alone.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import NamedTuple

import lxml.etree
import lxml.html

from crawler.extract.text import clean_text

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
# Tags whose blocks are scored by densest_block, and those among them that receive a score of
# their own (the others pass theirs to their parent and grandparent only).
SCORED_TAGS = frozenset({"p", "div", "td", "section", "article", "font", "span", "pre"})
SCORE_HOLDING_TAGS = frozenset({"div", "td", "section", "article"})
# Blocks that are boilerplate when they are mostly links, or always.
LINK_LIST_TAGS = frozenset({"ul", "ol", "nav", "aside", "footer", "form", "select", "button"})
ALWAYS_BOILERPLATE_TAGS = frozenset({"nav", "footer", "form", "button"})
PAGE_TAGS = frozenset({"html", "body"})
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
TERM_CLASS_RE = re.compile(r"(?<!\S)(?:tag|category|format|status|type)-\S+")
PUNCTUATION = "，。！？；：、“”,.!?;"
_PUNCTUATION_RE = re.compile("[" + re.escape(PUNCTUATION) + "]")


class Line(NamedTuple):
    """One printed line of a page: its text and how many of its characters are link text."""

    # A NamedTuple, not a frozen dataclass: a page has hundreds of lines, and a frozen
    # dataclass's __init__ costs several times a tuple's.

    text: str
    linked: int = 0

    @property
    def link_share(self) -> float:
        return self.linked / max(len(self.text), 1)


def text_lines(node: lxml.html.HtmlElement, skip_negative: bool = False) -> list[Line]:
    """The printed lines of a subtree (a break at every block boundary and <br>, its tail
    included), each with the number of its characters that are link text; boilerplate blocks
    left out (their tails kept) when asked. For an element outside a walked tree (a copy):
    its subtree is walked on its own."""
    return TreeWalk(node).lines(0, skip_negative)


def block_text(node: lxml.html.HtmlElement, skip_negative: bool = False) -> str:
    """Text of a subtree with a line break at every block boundary and <br>."""
    return "\n".join(line.text for line in text_lines(node, skip_negative))


def class_words(element: lxml.html.HtmlElement) -> list[str]:
    return marker_words(element.get("class"), element.get("id"))


def marker_words(cls: str | None, ident: str | None) -> list[str]:
    """The words of a class and an id, lower case (class_words of an element with them)."""
    marker = f"{cls or ''} {ident or ''}".lower()
    return [w for w in CLASS_WORD_SPLIT_RE.split(marker) if w]


def is_negative_marker(element: lxml.html.HtmlElement) -> bool:
    """A class or id word is, or starts with, a NEGATIVE_WORDS word (exactly for NEGATIVE_EXACT)."""
    return is_negative_class(element.get("class"), element.get("id"))


def is_negative_class(cls: str | None, ident: str | None) -> bool:
    """is_negative_marker of an element with this class and id."""
    if not cls and not ident:
        return False
    marker = f"{cls or ''} {ident or ''}".lower()
    if "hentry" in marker:
        # A blog post's own classes name its terms (WordPress post_class: "hentry tag-news
        # category-local"): the post is not a tag list.
        marker = TERM_CLASS_RE.sub(" ", marker)
    return NEGATIVE_MARKER_RE.search(marker) is not None


def is_boilerplate_block(element: lxml.html.HtmlElement) -> bool:
    if element.tag in PAGE_TAGS:
        return False
    if is_negative_marker(element):
        return True
    if element.tag in LINK_LIST_TAGS:
        return element.tag in ALWAYS_BOILERPLATE_TAGS or link_density(element) > 0.5
    return False


def link_density(element: lxml.html.HtmlElement, length: int | None = None) -> float:
    """Share of the element's text that is link text; `length`: the length of its cleaned text
    when the caller has it."""
    text = len(clean_text(element.text_content())) if length is None else length
    if not text:
        return 1.0
    linked = sum(len(clean_text(a.text_content())) for a in element.iter("a"))
    return min(linked / text, 1.0)


# ------------------------------------------------------------------------------ the tree walk
LINE_BREAK = "\0"  # libxml2 text never holds NUL, and NUL is not white space


WalkLists = tuple[
    list[lxml.html.HtmlElement],  # elements
    list[str],  # tags
    list[str | None],  # classes: each element's class attribute
    list[str | None],  # ids
    list[int],  # parents
    list[int],  # firsts
    list[int],  # lasts
    list[int],  # ends
    list[str],  # pieces
    list[int],  # break_positions
    list[int],  # linked_positions
    list[int],  # linked_depths
    dict[int, list[str]],  # owns
    list[int],  # anchors
]


def walk(root: lxml.html.HtmlElement) -> WalkLists:
    """TreeWalk's lists, in one pass over the elements."""
    # The elements in document order, listed in C first, so that the lists indexed by
    # element are made once and the walk only fills them in. The tree has no comments and
    # no processing instructions (Page removes them): every child is an element.
    elements: list[lxml.html.HtmlElement] = list(root.iter(lxml.etree.Element))
    count = len(elements)
    tags: list[str] = [element.tag for element in elements]
    classes = [element.get("class") for element in elements]
    ids = [element.get("id") for element in elements]
    parents = [-1] * count
    firsts = [0] * count  # first piece: the opening break, else the text
    lasts = [0] * count  # after the closing break, before the tail
    ends = [0] * count  # the element after the last descendant
    pieces: list[str] = []
    break_positions: list[int] = []  # the pieces that are LINE_BREAK
    linked_positions: list[int] = []  # the pieces of text inside an <a>
    linked_depths: list[int] = []  # and the number of <a> open around each
    # Own text (text and children's tails) of the SCORED_TAGS elements, in document order.
    owns: dict[int, list[str]] = {}
    anchors: list[int] = []  # the <a> elements
    # One step per element in document order, not iterwalk's two events: an element is
    # closed (closing break, tail) when it has no children, or when its last child closes.
    # Elements whose children are not all closed, under a sentinel (-1, the parent of the
    # root, with children that never all close): no emptiness test per step.
    open_elements: list[int] = [-1]
    unclosed_children: list[int] = [count + 1]  # per open element
    open_owns: list[list[str] | None] = [None]  # per open element: its own text, if scored
    add_piece, add_break = pieces.append, break_positions.append
    size = 0  # = len(pieces), counted rather than asked for at every step
    # A text and a tail are added by the same few lines, twice, on purpose: a function call
    # per piece would cost a large share of the walk.
    links = 0
    breaks = BREAK_TAGS
    scored = SCORED_TAGS
    for index, element in enumerate(elements):
        tag = tags[index]
        parents[index] = open_elements[-1]
        firsts[index] = size
        if tag == "a":
            links += 1
            anchors.append(index)
        if tag in breaks:
            add_break(size)
            add_piece(LINE_BREAK)
            size += 1
        text = element.text
        if text:
            if links:
                linked_positions.append(size)
                linked_depths.append(links)
            add_piece(text)
            size += 1
        own = None
        if tag in scored:
            own = owns[index] = [text] if text else []
        children = len(element)
        if children:
            open_elements.append(index)
            unclosed_children.append(children)
            open_owns.append(own)
            continue
        closed = index
        while True:
            tag = tags[closed]
            if tag == "a":
                links -= 1
            if tag in breaks:
                add_break(size)
                add_piece(LINE_BREAK)
                size += 1
            lasts[closed] = size
            ends[closed] = index + 1
            tail = elements[closed].tail
            if tail:
                if links:
                    linked_positions.append(size)
                    linked_depths.append(links)
                add_piece(tail)
                size += 1
                parent_own = open_owns[-1]  # the parent is the innermost open element
                if parent_own is not None:
                    parent_own.append(tail)
            unclosed_children[-1] -= 1
            if unclosed_children[-1]:
                break
            closed = open_elements.pop()  # its last child is closed: close it
            unclosed_children.pop()
            open_owns.pop()
    if len(open_elements) > 1:  # len() counted children that are not elements
        raise ValueError("TreeWalk needs a tree without comments or processing instructions")
    return (
        elements,
        tags,
        classes,
        ids,
        parents,
        firsts,
        lasts,
        ends,
        pieces,
        break_positions,
        linked_positions,
        linked_depths,
        owns,
        anchors,
    )


def printed_lines(kept: list[str], linked_counts: list[int]) -> list[Line]:
    """The lines between the LINE_BREAK pieces of `kept`, white space collapsed and stripped,
    each with its count of link characters (at most its length); empty lines left out."""
    # White space collapsed, then taken off around the breaks: every line stripped, in
    # two C passes over the text instead of a strip per line.
    text = " ".join("".join(kept).split())
    texts = text.replace(" " + LINE_BREAK, LINE_BREAK).replace(LINE_BREAK + " ", LINE_BREAK)
    make = tuple.__new__  # = Line(text, linked) without NamedTuple's Python-level __new__
    return [
        make(Line, (text, count if count < len(text) else len(text)))
        for text, count in zip(texts.split(LINE_BREAK), linked_counts, strict=True)
        if text
    ]


class TreeWalk:
    """One pass over a parsed page, kept as flat lists indexed by element (document order).

    The page's text is a list of pieces (text, tails, and LINE_BREAK at every block boundary and
    <br>); every element knows the span of its
    pieces (from its opening break to its closing break, and to the end of its tail), the span
    of its descendants among the elements, its parent, its own text (its text and its
    children's tails). An element's text_content() is its span's pieces
    without the breaks, so the block search measures text without walking subtrees again.
    """

    def __init__(self, root: lxml.html.HtmlElement) -> None:
        (
            self.elements,
            self.tags,
            self.classes,
            self.ids,
            self.parents,
            self.firsts,
            self.lasts,
            self.ends,
            self.pieces,
            self.break_positions,
            self.linked_positions,
            self.linked_depths,
            self.owns,
            self.anchors,
        ) = walk(root)
        self._negative: dict[int, bool] = {}
        self._anchor_lengths: dict[int, int] = {}

    # ------------------------------------------------------------------ per element
    def position(self, element: lxml.html.HtmlElement) -> int | None:
        """The element's index, None when it is not part of the walked tree (a copy)."""
        # A page asks for one or two elements: a C scan by identity (elements have no __eq__)
        # costs less than a dict of every element.
        try:
            return self.elements.index(element)
        except ValueError:
            return None

    def text_content(self, index: int) -> str:
        """= elements[index].text_content()."""
        return "".join(self.pieces[self.firsts[index] : self.lasts[index]]).replace(LINE_BREAK, "")

    def is_negative(self, index: int) -> bool:
        """= is_negative_marker(elements[index])."""
        known = self._negative.get(index)
        if known is None:
            known = is_negative_class(self.classes[index], self.ids[index])
            self._negative[index] = known
        return known

    def link_density(self, index: int, length: int | None = None) -> float:
        """= link_density(elements[index], length)."""
        text = len(clean_text(self.text_content(index))) if length is None else length
        if not text:
            return 1.0
        anchors = self.anchors
        lengths = self._anchor_lengths
        linked = 0
        for position in range(bisect_left(anchors, index), bisect_left(anchors, self.ends[index])):
            anchor = anchors[position]
            size = lengths.get(anchor)
            if size is None:
                size = lengths[anchor] = len(clean_text(self.text_content(anchor)))
            linked += size
        return min(linked / text, 1.0)

    def has_link(self, index: int) -> bool:
        """An <a> is the element or one of its descendants."""
        position = bisect_left(self.anchors, index)
        return position < len(self.anchors) and self.anchors[position] < self.ends[index]

    def is_boilerplate(self, index: int) -> bool:
        """= is_boilerplate_block(elements[index])."""
        tag = self.tags[index]
        if tag in PAGE_TAGS:
            return False
        if self.is_negative(index):
            return True
        if tag in LINK_LIST_TAGS:
            return tag in ALWAYS_BOILERPLATE_TAGS or self.link_density(index) > 0.5
        return False

    # ------------------------------------------------------------------ lines
    def lines(self, index: int, skip_negative: bool = False) -> list[Line]:
        """The printed lines of the element (its tail included), leaving out boilerplate blocks
        (their tails kept) when asked."""
        start = self.firsts[index]
        stop = self.lasts[index] + bool(self.elements[index].tail)  # the tail is one piece
        if not skip_negative:
            spans = [(start, stop)]
        else:
            spans = []
            tags, classes, ids = self.tags, self.classes, self.ids
            cursor = start
            skip_until = index
            for element in range(index, self.ends[index]):
                if element < skip_until or not tags[element]:
                    continue
                # Without a class or an id, only a link list can be boilerplate: most elements
                # are answered here, without a call.
                if (
                    not classes[element]
                    and not ids[element]
                    and tags[element] not in LINK_LIST_TAGS
                ):
                    continue
                if self.is_boilerplate(element):
                    spans.append((cursor, self.firsts[element]))
                    cursor = self.lasts[element]
                    skip_until = self.ends[element]
            spans.append((cursor, stop))
        # Links around the element itself do not make its text link text (the count starts at
        # the element).
        base = 0
        parent = self.parents[index]
        while parent >= 0:
            base += self.tags[parent] == "a"
            parent = self.parents[parent]
        pieces = self.pieces
        linked_depths = self.linked_depths
        break_positions = self.break_positions
        kept: list[str] = []
        kept_breaks: list[int] = []
        for first, last in spans:
            if first < last:
                kept += pieces[first:last]
                kept_breaks += break_positions[
                    bisect_left(break_positions, first) : bisect_left(break_positions, last)
                ]
        # Per line, the characters of its link text: each linked piece counts on the line that
        # the breaks before it open.
        linked_positions = self.linked_positions
        linked_counts = [0] * (len(kept_breaks) + 1)
        for first, last in spans:
            for linked in range(
                bisect_left(linked_positions, first), bisect_left(linked_positions, last)
            ):
                if linked_depths[linked] > base:
                    position = linked_positions[linked]
                    linked_counts[bisect_right(kept_breaks, position)] += len(
                        clean_text(pieces[position])
                    )
        return printed_lines(kept, linked_counts)

    def element_lines(
        self, element: lxml.html.HtmlElement, skip_negative: bool = False
    ) -> list[Line]:
        """The lines of any element: from the walk when it is part of the walked tree."""
        index = self.position(element)
        if index is None:
            return text_lines(element, skip_negative)
        return self.lines(index, skip_negative)


def block_scores(walk: TreeWalk) -> dict[int, float]:
    """The score of every block (see densest_block), in the order first scored."""
    scores: dict[int, float] = {}
    tags = walk.tags
    parents = walk.parents
    for index, own_pieces in walk.owns.items():  # the SCORED_TAGS elements, in document order
        tag = tags[index]
        if tag == "p" or tag == "pre":
            own = clean_text(walk.text_content(index))
            length: int | None = len(own)  # the length link_density would measure again
        else:
            # Cleaning only shortens a text: a block whose raw own text is short is short.
            if sum(map(len, own_pieces)) < 20:
                continue
            own = clean_text("".join(own_pieces))
            length = None
        # Short blocks first: most are, and the class test is dearer (either one skips).
        if len(own) < 20 or walk.is_negative(index):
            continue  # (is_negative: is_boilerplate_block, for these tags)
        punct = len(_PUNCTUATION_RE.findall(own))  # PUNCTUATION characters, in one C scan
        score = 1 + punct + min(len(own) / 100, 3)
        if walk.has_link(index):  # else link_density is 0 (text ⊇ own)
            score *= 1 - walk.link_density(index, length)
        parent = parents[index]
        if tag in SCORE_HOLDING_TAGS:
            scores[index] = scores.get(index, 0) + score
        if parent >= 0:
            scores[parent] = scores.get(parent, 0) + score
            grand = parents[parent]
            if grand >= 0:
                scores[grand] = scores.get(grand, 0) + score / 2
    return scores


# The least score of an earlier block built from the winner's template for it to be the article:
# one sentence or two of prose (a forum thread's first post may be a short question).
SIBLING_MIN_SCORE = 4


def densest_block(walk: TreeWalk) -> int | None:
    """Index of the element holding most of the article's sentences: text blocks score by
    length and punctuation, minus their link text, and pass the score to their parent and
    grandparent. When the winner is one of several blocks built from the same template (a
    blog's posts, a forum's replies), the first of them is the article."""
    all_scores = block_scores(walk)
    tags = walk.tags
    inside: dict[int, bool] = {}
    scores = {e: s for e, s in all_scores.items() if not _inside_boilerplate(walk, e, inside)}
    if not scores:
        # Every block of text sits inside a box marked as furniture (a template that calls
        # its main column "side" or "tag-content"): the text is still the page's article.
        scores = all_scores
    if not scores:
        return None
    best, best_score = max(scores.items(), key=lambda item: item[1])
    classes, ids = walk.classes, walk.ids
    words = marker_words(classes[best], ids[best])
    if words:
        siblings = [
            e
            for e, s in scores.items()
            if e != best
            and tags[e] == tags[best]
            and marker_words(classes[e], ids[e]) == words
            and s >= max(0.05 * best_score, SIBLING_MIN_SCORE)
        ]
        if siblings:
            return min([best, *siblings])  # the first in document order
    return best


def _inside_boilerplate(walk: TreeWalk, index: int, memo: dict[int, bool]) -> bool:
    """An ancestor (not <html>, <body>) has a negative class or id. `memo` keeps the answer for
    every ancestor visited, so that the blocks of one tree share their ancestors' work."""
    parent = walk.parents[index]
    if parent < 0:
        return False
    known = memo.get(parent)
    if known is None:
        known = (
            walk.tags[parent] not in PAGE_TAGS and walk.is_negative(parent)
        ) or _inside_boilerplate(walk, parent, memo)
        memo[parent] = known
    return known
