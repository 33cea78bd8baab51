"""`replace_present`: the same text as `str.translate` of its table, whether few or many kinds
of the table's characters are present (the fingerprint's NFKD fold, the dates' width fold).
The fingerprint's code-point tables: the same characters as the regexes they replace, and the
same fingerprint as the regex-based computation, on generated text and on every corpus body."""

from __future__ import annotations

import hashlib
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.extract import ParseError, extract
from crawler.extract.dates import _FOLD_CHARS, _FULLWIDTH_RE, FULLWIDTH_FOLD
from crawler.extract.page import (
    _NFKD_COMMON,
    _NFKD_COMMON_CHARS,
    _NFKD_COMMON_RE,
    _NOT_ALNUM_RE,
    Page,
    body_fingerprint,
)
from crawler.extract.text import replace_present
from tests.corpus import evaluation_pages, fixture_pages


def test_few_kinds_present_are_replaced_as_translate_would():
    text = "全角，标点。①２０２２年０４月"
    assert replace_present(text, _NFKD_COMMON_RE, _NFKD_COMMON_CHARS) == text.translate(
        _NFKD_COMMON
    )
    assert replace_present(text, _FULLWIDTH_RE, _FOLD_CHARS) == text.translate(FULLWIDTH_FOLD)


def test_many_kinds_present_are_translated():
    text = "".join(_NFKD_COMMON_CHARS) * 2 + "正文"
    assert len(set(_NFKD_COMMON_RE.findall(text))) > 24
    assert replace_present(text, _NFKD_COMMON_RE, _NFKD_COMMON_CHARS) == text.translate(
        _NFKD_COMMON
    )


def test_text_without_any_is_returned_as_is():
    assert replace_present("plain 文字", _FULLWIDTH_RE, _FOLD_CHARS) == "plain 文字"


# ------------------------------------------------------------------ fingerprint code-point tables
def reference_fingerprint(body: str) -> str:
    """The fingerprint as computed by regexes and translate (the oracle of the tables)."""
    folded = body.translate(_NFKD_COMMON)
    folded = unicodedata.normalize("NFKC", folded).lower()
    folded = _NOT_ALNUM_RE.sub("", folded)
    return hashlib.blake2b(folded.encode("utf-8"), digest_size=16).hexdigest()


text_with_folds = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(sorted(_NFKD_COMMON_CHARS)),
        st.sampled_from("，。、“”！？《》（）——…\u3000\xa0 _-①⑩⑴⒈ＡＢ１２Ｓtraße"),
    ),
    max_size=200,
)


@given(text_with_folds)
def test_fingerprint_agrees_with_the_regex_computation_on_generated_text(text):
    assert body_fingerprint(text) == reference_fingerprint(text)


def _corpus_bodies() -> list[str]:
    bodies = []
    for url, body in fixture_pages() + evaluation_pages():
        try:
            bodies.append(extract(body, url)["body"] or "")
        except ParseError:
            continue
    return bodies


def test_fingerprint_agrees_with_the_regex_computation_on_every_corpus_body():
    bodies = _corpus_bodies()
    if len(bodies) < 20:
        pytest.fail(f"only {len(bodies)} bodies: the fixture mirrors are missing")
    for body in bodies:
        assert body_fingerprint(body) == reference_fingerprint(body)


# ------------------------------------------------------------------ what is not a page
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty page"),
        (b" \t\r\n\x0b\x0c", "empty page"),  # bytes.strip()'s white space, and nothing else
        (b"\n\n%PDF-1.4 ...", "not html"),
        (b"  \x89PNG\r\n\x1a\n", "not html"),
        (b"\x00\x01\x02binary" * 10, "not html"),
    ],
)
def test_bytes_that_are_not_a_page_are_refused_with_their_reason(body, reason):
    with pytest.raises(ParseError) as caught:
        Page(body, "http://example.com/a")
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    "body",
    [b"\n\n  <html><body><p>text</p></body></html>\n", b"\xa0<p>x</p>", b"\x00<p>x</p>"],
)
def test_pages_after_white_space_or_with_a_stray_nul_are_read(body):
    assert Page(body, "http://example.com/a").tree is not None
