"""`replace_present`: the same text as `str.translate` of its table, whether few or many kinds
of the table's characters are present (the fingerprint's NFKD fold, the dates' width fold)."""

from __future__ import annotations

from crawler.parsers.dates import _FOLD_CHARS, _FULLWIDTH_RE, FULLWIDTH_FOLD
from crawler.parsers.page import (
    _NFKD_COMMON,
    _NFKD_COMMON_CHARS,
    _NFKD_COMMON_RE,
    replace_present,
)


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
