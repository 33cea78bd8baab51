"""Bytes to text: whatever a page declares, the text comes out readable and nothing raises."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extract.decode import _mostly_utf8, decode_html, detect_encoding
from tests.corpus import evaluation_pages

TEXT = "映象网讯 河南日报记者 高君晓：今年全省粮食丰收，镕基、喆、堃的名字也要认得。"


def page(charset_decl: str | None, body: str = TEXT) -> str:
    meta = f'<meta charset="{charset_decl}">' if charset_decl else ""
    return f"<html><head>{meta}<title>t</title></head><body><p>{body}</p></body></html>"


def test_utf8_bom():
    body = codecs.BOM_UTF8 + page(None).encode("utf-8")
    text, encoding = decode_html(body)
    assert encoding == "utf-8" and TEXT in text and not text.startswith("\ufeff")


def test_utf16_bom():
    body = codecs.BOM_UTF16_LE + page(None).encode("utf-16-le")
    text, _ = decode_html(body)
    assert TEXT in text


def test_http_header_charset():
    body = page(None).encode("gb18030")
    text, encoding = decode_html(body, http_charset="GBK")
    assert encoding == "gb18030" and TEXT in text


def test_declared_gbk_is_read_as_gb18030():
    # 喆 and 堃 are outside GB2312: a strict gb2312 decoder would lose them.
    body = page("gb2312").encode("gb18030")
    text, encoding = decode_html(body)
    assert encoding == "gb18030" and TEXT in text


def test_lying_meta_utf8_bytes():
    body = page("gb2312").encode("utf-8")
    text, encoding = decode_html(body)
    assert encoding == "utf-8" and TEXT in text


def test_lying_meta_gbk_bytes_declared_utf8():
    body = page("utf-8").encode("gb18030")
    text, _ = decode_html(body)
    assert TEXT in text


def test_no_meta_gbk_bytes():
    body = page(None).encode("gb18030")
    assert detect_encoding(body) == "gb18030"
    assert TEXT in decode_html(body)[0]


def test_gb18030_four_byte_characters():
    rare = "㐀䶵𠀀"  # CJK extension A and B: four-byte sequences in GB18030
    body = page("gb18030", TEXT + rare).encode("gb18030")
    assert rare in decode_html(body)[0]


def test_invalid_byte_runs_are_replaced_not_fatal():
    good = page("gbk").encode("gb18030")
    body = good.replace(b"<p>", b"<p>\xff\xfe\x80\x00\x01", 1)
    text, _ = decode_html(body)
    assert TEXT in text and "\x00" not in text


@pytest.mark.parametrize(
    "body", [b"", b"\x00\x00\x00", b"\xff" * 100, b"<html>", bytes(range(256)) * 4]
)
def test_never_raises(body):
    text, encoding = decode_html(body)
    assert isinstance(text, str) and encoding


# ------------------------------------------------------------------ the UTF-8 judgement
def reference_mostly_utf8(sample: bytes) -> bool:
    """The judgement by decoding the whole sample (the oracle of `_mostly_utf8`'s shortcuts)."""
    text = sample.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    return good >= 20 and bad <= good * 0.25


def _samples() -> list[bytes]:
    chinese = "记者从郑州市获悉，今年全省粮食产量再创新高。" * 40
    samples = [
        chinese.encode("utf-8"),
        chinese.encode("gb18030"),
        chinese.encode("big5", errors="replace"),
        b"<html>" + chinese.encode("utf-8")[:-1] + b"\xff\xfe" * 30,  # UTF-8, damaged
        chinese.encode("utf-8").replace(b"\xe5", b"\xe5\x80", 50),  # broken sequences
        "é".encode() * 30 + b"\x80" * 6,  # two-byte characters at the bound
        "\ufffd".encode("utf-8") * 100,  # printed replacement characters
        "😀".encode() * 25 + b"\xc3" * 20,
    ]
    samples += [body[:65536] for _url, body in evaluation_pages()]
    return samples


def test_mostly_utf8_shortcuts_agree_with_decoding_the_whole_sample():
    for sample in _samples():
        assert _mostly_utf8(sample) == reference_mostly_utf8(sample)


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.lists(
        st.sampled_from(
            [b"a", b"\xc3\xa9", b"\xe4\xb8\xad", b"\xf0\x9f\x98\x80", b"\xd6\xd0", b"\x80", b"\xff"]
        ),
        min_size=0,
        max_size=200,
    )
)
def test_mostly_utf8_agrees_on_generated_byte_mixes(parts):
    sample = b"".join(parts)
    assert _mostly_utf8(sample) == reference_mostly_utf8(sample)
