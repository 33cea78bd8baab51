"""The body SimHash: its values are stored in crawl states, so they never change between
versions; its NFKC step normalises only the text between ideographs, which must equal NFKC of
the whole text."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.state.simhash import body_simhash, nfkc

# Values computed by the first release of the function, kept by every later one: a state written
# by an older crawl finds its near duplicates with the hashes of a newer one.
KNOWN = [
    ("映象网讯（记者 张三 通讯员 李四）4月22日，郑州市ＡＢＣ１２３项目开工。", 0x87462BDD0150F56A),
    ("Ｆｕｌｌ\u3000ｗｉｄｔｈ ① ﬁ Å 가 豈", 0x39B24C75707DC647),
    ("", 0xE220A8397B1DCDAF),
    ("ab", 0xACB67FE83BB990E1),
]


@pytest.mark.parametrize(("body", "expected"), KNOWN)
def test_simhash_values_do_not_change(body: str, expected: int) -> None:
    assert body_simhash(body) == expected


# Text that puts ideographs next to what NFKC changes: compatibility ideographs, full-width forms,
# combining marks (which must not compose across an ideograph, and do compose with a full-width
# letter's decomposition), Hangul jamo, ligatures, the ellipsis.
_TRICKY = st.sampled_from(
    "中文郑州豈更\u0301\u0323\u0308eAａＡ１①ﬁ\u1100\u1161\u11a8가Å\u212b\u3000，。（）…！"
)


@given(st.text(_TRICKY, max_size=40))
def test_nfkc_of_chinese_like_text_is_nfkc_of_the_whole_text(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


@given(st.text(max_size=60))
def test_nfkc_of_any_text_is_nfkc(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_near_copies_are_close_and_other_stories_far() -> None:
    body = "郑州市今年将新建改建道路一百二十条，完善城市路网，方便市民出行。" * 8
    copy = "（记者 王五）" + body + "责编：赵六"
    other = "洛阳市春耕生产全面展开，农业部门组织技术人员下乡指导小麦田间管理。" * 8
    assert (body_simhash(body) ^ body_simhash(copy)).bit_count() <= 3
    assert (body_simhash(body) ^ body_simhash(other)).bit_count() > 10
