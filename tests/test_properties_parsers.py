"""Property-based tests (hypothesis) of `crawler.extract.extract` on generated and mutated HTML.

Whatever the bytes, extraction either raises `ParseError` (a page that cannot yield a record,
with a one-line reason) or returns the record fields with the right types, all UTF-8 encodable,
within a bounded time. Example counts and deadlines are bounded so the suite stays fast in CI.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract import ParseError, extract
from pipelines.schema import Article
from tests.hostile import ARTICLE

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=timedelta(seconds=5),  # one page; the typical example takes milliseconds
    database=None,  # nothing written into the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

URLS = st.sampled_from(
    [
        "http://news.hnr.cn/202204/22/1.html",
        "https://www.dahe.cn/news/202204/22/1.html",
        "http://henan.people.com.cn/n2/2022/0422/c1.html",
        "http://www.henandaily.cn/content/2022/0422/1.html",
        "http://example.com/a/20220422/1.html",
        "file:///tmp/page.html",
    ]
)
CHARSETS = st.sampled_from([None, "utf-8", "gbk", "gb2312", "big5", "latin-1", "bogus", ""])
ENCODINGS = st.sampled_from(["utf-8", "gb18030", "big5", "utf-16"])

# Text close to what news pages print, so that the date, byline and source patterns engage.
WORDS = st.sampled_from(
    [
        "郑州", "映象网讯", "记者", "通讯员", "实习生", "责编：", "责任编辑：", "编辑：", "来源：",
        "来源:", "河南日报", "大象新闻", "2022-04-22 18:36:31", "2022年4月22日", "18时30分",
        "上午", "(", ")", "（", "）", "/", "·", " ", "\u3000", "\n", "。", "，", "文章关键词：",
        "王小明", "李华", "张三 李四", "摄", "文/图", "&amp;", "&nbsp;", "&#x4e2d;", "&bogus;",
        "<", ">", "\"", "'", "\x00", "\ufffd", "𠀀", "1", "a",
    ]
)  # fmt: skip
TEXT = st.lists(st.one_of(WORDS, st.text(max_size=8)), max_size=25).map("".join)
TAGS = st.sampled_from(
    ["div", "p", "span", "h1", "h2", "a", "li", "ul", "td", "table", "font", "center",
     "article", "section", "script", "style", "img", "br", "meta", "title", "iframe"]
)  # fmt: skip
ATTRS = st.dictionaries(
    st.sampled_from(["class", "id", "href", "src", "content", "name", "property", "alt"]),
    st.one_of(
        st.sampled_from(["content", "article", "info", "source", "author", "title", "og:url"]),
        TEXT,
    ),
    max_size=3,
)


def _attrs(attrs: dict[str, str]) -> str:
    return "".join(f' {k}="{v}"' for k, v in attrs.items())


elements = st.recursive(
    TEXT,
    lambda children: st.builds(
        lambda tag, attrs, kids, close: (
            f"<{tag}{_attrs(attrs)}>{''.join(kids)}" + (f"</{tag}>" if close else "")
        ),
        TAGS,
        ATTRS,
        st.lists(children, max_size=5),
        st.booleans(),
    ),
    max_leaves=40,
)


@st.composite
def documents(draw) -> bytes:
    """A page: maybe a doctype, a head with title/meta, a body of generated elements."""
    charset = draw(st.sampled_from(["utf-8", "gbk", "gb2312", "big5", "bogus", None]))
    encoding = draw(ENCODINGS)
    head = f"<meta charset='{charset}'>" if charset else ""
    head += f"<title>{draw(TEXT)}</title>"
    html = f"<html><head>{head}</head><body>{''.join(draw(st.lists(elements, max_size=6)))}"
    if draw(st.booleans()):
        html += "</body></html>"
    if draw(st.booleans()):
        html = "<!DOCTYPE html>" + html
    return html.encode(encoding, errors="replace")


@st.composite
def mutated(draw, base: bytes = ARTICLE.encode("utf-8")) -> bytes:
    """A real article page, damaged: cut, spliced, overwritten, re-encoded."""
    data = bytearray(draw(st.sampled_from([base, ARTICLE.encode("gb18030")])))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["cut", "insert", "delete", "flip", "duplicate", "tag"]))
        at = draw(st.integers(0, len(data)))
        if kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(max_size=40))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 60))]
        elif kind == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 200))] * draw(st.integers(1, 50))
        elif kind == "tag":
            tag = draw(st.sampled_from(["<div>", "</p>", "<p ", "<!--", "]]>", "<![CDATA[", "<x"]))
            data[at:at] = tag.encode()
    return bytes(data)


def _utf8(value: str) -> None:
    assert isinstance(value, str)
    value.encode("utf-8")  # no lone surrogates: the record can be written as UTF-8 JSON


def _str_or_none(value: object) -> None:
    if value is not None:
        _utf8(value)  # type: ignore[arg-type]


def check_fields(fields: dict, url: str) -> None:
    assert set(fields) <= set(Article.model_fields), set(fields) - set(Article.model_fields)
    assert fields["url"] == url
    for key in ("canonical_url", "language", "extractor", "fingerprint"):
        _utf8(fields[key])
    # title and body may be None: validation turns that into "missing title" / "empty body".
    for key in ("title", "body", "site", "subtitle", "published_at", "published_at_raw", "source"):
        _str_or_none(fields.get(key))
    for person in fields["reporters"]:
        assert set(person) == {"name", "role", "org"}
        _utf8(person["name"])
        _utf8(person["role"])
        _str_or_none(person["org"])
    for person in fields["editors"]:
        assert set(person) == {"name", "role"}
        _utf8(person["name"])
        _utf8(person["role"])
    for key in ("keywords", "section"):
        assert isinstance(fields[key], list)
        for item in fields[key]:
            _utf8(item)
    for image in fields["images"]:
        assert set(image) == {"url", "caption"}
        _utf8(image["url"])
        _str_or_none(image["caption"])


def outcome(body: bytes, url: str, charset: str | None) -> None:
    try:
        fields = extract(body, url, http_charset=charset)
    except ParseError as err:
        assert err.reason and "\n" not in err.reason
        return
    check_fields(fields, url)


@PROPERTY_SETTINGS
@given(body=documents(), url=URLS, charset=CHARSETS)
def test_generated_pages_give_typed_fields_or_parse_error(body: bytes, url: str, charset) -> None:
    outcome(body, url, charset)


@PROPERTY_SETTINGS
@given(body=mutated(), url=URLS, charset=CHARSETS)
def test_mutated_article_gives_typed_fields_or_parse_error(body: bytes, url: str, charset) -> None:
    outcome(body, url, charset)


@PROPERTY_SETTINGS
@given(body=st.binary(max_size=2000), url=URLS, charset=CHARSETS)
def test_arbitrary_bytes_give_typed_fields_or_parse_error(body: bytes, url: str, charset) -> None:
    outcome(body, url, charset)
