"""next_page_hrefs' one pass over the links against the three XPath queries it replaced.

The old implementation is kept here as the oracle: on every bundled fixture page, every page of
the evaluation set and small pages made for each branch (hand-written and generated), both must
list the same candidate hrefs in the same order and so pick the same next page. The oracle spells
out today's selector data; a change to PG.NEXT_LINK_ID, PAGER_* or NEXT_LINK_TEXTS needs the same
change here.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.parsers import pagination as PG
from crawler.parsers.page import Page, ParseError
from tests.corpus import evaluation_pages, fixture_page_paths, mirror_url

REPO = Path(__file__).resolve().parent.parent

OLD_NEXT_PAGE_XPATHS = (
    "/descendant::a[@id='nexttt']/@href",
    "/descendant::a[normalize-space(.)='下一页' or normalize-space(.)='下页' or normalize-space(.)='>']"
    "[ancestor::*[@id='page_nav' or @id='pages' or @id='articlePage'"
    " or contains(@class,'article-page') or contains(@class,'page_nav')"
    " or contains(@class,'pagination') or contains(@class,'pages')]]/@href",
    "/descendant::a[normalize-space(.)='下一页']/@href",
)


def old_next_page_hrefs(page: Page) -> list[str]:
    return [str(href) for query in OLD_NEXT_PAGE_XPATHS for href in page.xpath(query)]


def old_next_page_url(page: Page) -> str | None:
    for query in OLD_NEXT_PAGE_XPATHS:
        for href in page.xpath(query):
            url = page.absolute(str(href))
            if url and PG.is_continuation(page.url, url.split("#", 1)[0]):
                return url.split("#", 1)[0]
    return None


def assert_same_as_oracle(body: bytes, url: str) -> str | None:
    """Both implementations on one page: the same hrefs, the same next page (or both refuse the
    page with a ParseError). Returns the next page."""
    try:
        page = Page(body, url)
        expected = (old_next_page_hrefs(page), old_next_page_url(page))
    except ParseError:
        with pytest.raises(ParseError):
            PG.next_page_url(Page(body, url))
        return None
    fresh = Page(body, url)  # a tree the XPath queries never saw
    assert (PG.next_page_hrefs(fresh), PG.next_page_url(fresh)) == expected
    return expected[1]


def test_pager_texts_hold_no_xml_space():
    # next_page_hrefs compares strip(.) for normalize-space(.): the same only for such texts.
    for text in PG.PAGER_LINK_TEXTS | PG.NEXT_LINK_TEXTS:
        assert text and not set(text) & set(PG.XML_SPACE), text


# --- (a) the bundled fixture pages, at the URL of their place in the mirror
FIXTURE_PAGES = fixture_page_paths()


def test_fixture_pages_were_found():
    assert len(FIXTURE_PAGES) >= 30
    assert all("/mirror/" in str(path) for path in FIXTURE_PAGES)


@pytest.mark.parametrize(
    "path", FIXTURE_PAGES, ids=[str(p.relative_to(REPO / "fixtures")) for p in FIXTURE_PAGES]
)
def test_fixture_page_same_as_xpath(path: Path):
    assert_same_as_oracle(path.read_bytes(), mirror_url(path))


def test_fixture_gallery_page_finds_its_continuation():
    gallery = next(p for p in FIXTURE_PAGES if p.name == "t20170518_2984512.html")
    assert assert_same_as_oracle(gallery.read_bytes(), mirror_url(gallery)) == (
        "http://www.hnr.cn/news/tpxw/201705/t20170518_2984512_1.html"
    )


# --- (b) the evaluation set's 51 real pages (not in the repository)
def test_evaluation_pages_same_as_xpath():
    pages = evaluation_pages()
    if not pages:
        pytest.skip("evaluation set not found (../shared/eval or $XINWEN_EVAL_DIR)")
    assert len(pages) >= 50
    for url, body in pages:
        assert_same_as_oracle(body, url)


# --- (c) small pages, one per branch, with the answer both must give
BASE = "http://www.hnr.cn/news/tpxw/201705/t20170518_2984512.html"
PAGE_1 = "t20170518_2984512_1.html"
PAGE_2 = "t20170518_2984512_2.html"
NEXT_1 = BASE.replace(".html", "_1.html")
NEXT_2 = BASE.replace(".html", "_2.html")

BRANCH_CASES = [
    ("id, any text", f'<a id="nexttt" href="{PAGE_1}">图集</a>', NEXT_1),
    ("id, last page", '<a id="nexttt" href="#">下一页</a>', None),
    ("id without href", f'<a id="nexttt">下一页</a><a href="{PAGE_2}">下一页</a>', NEXT_2),
    ("id differs", f'<a id="nexttt2" href="{PAGE_1}">下一页(2)</a>', None),
    ("class pagination", f'<div class="pagination"><a href="{PAGE_1}">下页</a></div>', NEXT_1),
    ("id page_nav", f'<div id="page_nav"><a href="{PAGE_1}">&gt;</a></div>', NEXT_1),
    ("id pages", f'<div id="pages"><a href="{PAGE_1}">&gt;</a></div>', NEXT_1),
    ("id articlePage", f'<div id="articlePage"><a href="{PAGE_1}">&gt;</a></div>', NEXT_1),
    ("class article-page", f'<p class="article-page"><a href="{PAGE_1}">&gt;</a></p>', NEXT_1),
    ("class page_nav", f'<p class="x page_nav"><a href="{PAGE_1}">&gt;</a></p>', NEXT_1),
    ("class part", f'<ul class="news-pages-bar"><li><a href="{PAGE_1}">></a></li></ul>', NEXT_1),
    (
        "far ancestor",
        f'<div id="pages"><table><tr><td><span><a href="{PAGE_1}">&#62;</a></span></td></tr>'
        "</table></div>",
        NEXT_1,
    ),
    ("gt outside a pager", f'<p><a href="{PAGE_1}">&gt;</a></p>', None),
    ("pager class on the link", f'<a class="pagination" href="{PAGE_1}">&gt;</a>', None),
    ("pager id on the link", f'<a id="page_nav" href="{PAGE_1}">下页</a>', None),
    ("id is case-sensitive", f'<div id="Pages"><a href="{PAGE_1}">&gt;</a></div>', None),
    ("id is whole", f'<div id="pages "><a href="{PAGE_1}">&gt;</a></div>', None),
    ("class is case-sensitive", f'<div class="Pagination"><a href="{PAGE_1}">下页</a></div>', None),
    ("next text outside a pager", f'<p><a href="{PAGE_1}">下一页</a></p>', NEXT_1),
    ("short text outside a pager", f'<p><a href="{PAGE_1}">下页</a></p>', None),
    ("xml space around", f'<a href="{PAGE_1}">\n 下一页 \n</a>', NEXT_1),
    ("tab and cr around", f'<a href="{PAGE_1}">\t\r\n下一页\t</a>', NEXT_1),
    ("ideographic space", f'<a href="{PAGE_1}">下一页\u3000</a>', None),
    ("no-break space", f'<a href="{PAGE_1}">&nbsp;下一页</a>', None),
    ("space inside", f'<a href="{PAGE_1}">下 一页</a>', None),
    ("more text", f'<a href="{PAGE_1}">下一页 ›</a>', None),
    ("nested", f'<a href="{PAGE_1}"><span>下一页</span></a>', NEXT_1),
    ("split over children", f'<a href="{PAGE_1}">下<b>一<i>页</i></b></a>', NEXT_1),
    ("after an image", f'<a href="{PAGE_1}"><img src="n.png"> 下一页 </a>', NEXT_1),
    ("nested with space", f'<a href="{PAGE_1}">\n<span> 下一页</span>\n</a>', NEXT_1),
    ("nested, more text", f'<a href="{PAGE_1}"><span>下一页</span>尾</a>', None),
    ("nested, space inside", f'<a href="{PAGE_1}"><span>下</span> <span>一页</span></a>', None),
    ("comment inside", f'<a href="{PAGE_1}">下<!-- x -->一页</a>', NEXT_1),
    ("script inside", f'<a href="{PAGE_1}">下一页<script>var a = 1;</script></a>', NEXT_1),
    ("link's tail not counted", f'<p><a href="{PAGE_1}">下一页</a> (共2页)</p>', NEXT_1),
    ("image only", f'<div class="pages"><a href="{PAGE_1}"><img src="n.png"></a></div>', None),
    ("no href", "<a>下一页</a>", None),
    ("empty href", '<a href="">下一页</a>', None),
    ("javascript href", '<a href="javascript:next()">下一页</a>', None),
    ("not a continuation", '<a href="/news/tpxw/list_2.html">下一页</a>', None),
    (
        "later link of the same kind",
        f'<a href="../list_2.html">下一页</a><a href="{PAGE_2}">下一页</a>',
        NEXT_2,
    ),
    ("fragment dropped", f'<a href="{PAGE_1}#top">下一页</a>', NEXT_1),
    ("back to the first page", f'<a id="nexttt" href="{BASE}">下一页</a>', None),
    (
        "id before pager, whatever the order",
        f'<div class="pagination"><a href="{PAGE_2}">&gt;</a></div>'
        f'<a id="nexttt" href="{PAGE_1}">下一页</a>',
        NEXT_1,
    ),
    (
        "pager before text, whatever the order",
        f'<a href="{PAGE_1}">下一页</a><div id="page_nav"><a href="{PAGE_2}">下页</a></div>',
        NEXT_2,
    ),
    (
        "one link of all three kinds",
        f'<div id="pages"><a id="nexttt" href="{PAGE_1}">下一页</a></div>',
        NEXT_1,
    ),
]


@pytest.mark.parametrize(
    ("markup", "expected"), [c[1:] for c in BRANCH_CASES], ids=[c[0] for c in BRANCH_CASES]
)
def test_branch_same_as_xpath(markup: str, expected: str | None):
    body = f"<html><body><div class='TRS_Editor'><p>正文。</p></div>{markup}</body></html>"
    assert assert_same_as_oracle(body.encode(), BASE) == expected


def test_every_kind_and_selector_has_a_positive_branch_case():
    positive = " ".join(markup for _, markup, expected in BRANCH_CASES if expected)
    for word in [PG.NEXT_LINK_ID, *PG.PAGER_IDS, *PG.PAGER_CLASS_PARTS]:
        assert word in positive, word


# Generated pages: links of every kind of text, attribute and href, in and out of pagers.
LINK_TEXT_PIECES = [
    "下一页", "下页", ">", "&gt;", "下", "一页", "页", "上一页", "1", " ", "\n", "\t", "\r",
    "\u3000", "&nbsp;", "<span>", "</span>", "<img src='x.png'>", "<b>下一页</b>", "<!-- -->",
]  # fmt: skip
LINK_TEXTS = st.lists(st.sampled_from(LINK_TEXT_PIECES), max_size=5).map("".join)
LINK_ATTRS = st.sampled_from(
    ["", ' id="nexttt"', ' id="nexttt "', ' id="next"', ' id="pages"', ' class="pagination"']
)
HREFS = st.sampled_from(
    ["", ' href=""', ' href="#"', f' href="{PAGE_1}"', f' href="{PAGE_2}#x"', ' href="list_2.html"',
     f' href="{BASE}?page=3"', ' href="javascript:;"', f' href=" {PAGE_1} "']
)  # fmt: skip
LINKS = st.builds(lambda a, h, t: f"<a{a}{h}>{t}</a>", LINK_ATTRS, HREFS, LINK_TEXTS)
CONTAINER_ATTRS = st.sampled_from(
    ["", ' id="page_nav"', ' id="pages"', ' id="articlePage"', ' id="Pages"',
     ' class="article-page"', ' class="a page_nav b"', ' class="pagination"', ' class="pages2"',
     ' class="page"', ' class=""', ' id="x" class="pagination"']
)  # fmt: skip


@st.composite
def documents(draw) -> str:
    blocks = []
    for _ in range(draw(st.integers(1, 4))):
        links = "".join(draw(st.lists(LINKS, min_size=1, max_size=3)))
        tag = draw(st.sampled_from(["div", "p", "span", "ul", "td"]))
        attrs = draw(CONTAINER_ATTRS)
        inner = draw(st.sampled_from(["", "span", "li"]))
        if inner:
            links = f"<{inner}>{links}</{inner}>"
        blocks.append(f"<{tag}{attrs}>{links}</{tag}>")
    return f"<html><body><p>正文。</p>{''.join(blocks)}</body></html>"


@settings(
    max_examples=300,
    deadline=timedelta(seconds=2),
    database=None,  # nothing written into the repository
    suppress_health_check=[HealthCheck.too_slow],
)
@given(markup=documents())
def test_generated_pages_same_as_xpath(markup: str):
    assert_same_as_oracle(markup.encode(), BASE)
