"""`SeenKeys` answers as a Python set of the same strings would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.crawl.seen import SeenKeys

URLS = st.text(st.sampled_from("ab/:.?=#字\ud800"), max_size=8).map(lambda s: "http://x/" + s)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.tuples(st.sampled_from(["add", "discard"]), URLS), max_size=300))
def test_behaves_as_a_set(operations):
    seen, expected = SeenKeys(capacity=4), set()
    for operation, key in operations:
        if operation == "add":
            assert seen.add(key) == (key not in expected)
            expected.add(key)
        else:
            seen.discard(key)
            expected.discard(key)
        assert len(seen) == len(expected)
    for _operation, key in operations:
        assert (key in seen) == (key in expected)


def test_grows_and_keeps_every_key():
    keys = [f"http://news.hnr.cn/a/{n}.html" for n in range(20_000)]
    seen = SeenKeys(keys[::2])
    assert len(seen) == 10_000
    assert all(key in seen for key in keys[::2])
    assert not any(key in seen for key in keys[1::2])
    assert len(seen._low) <= 4 * 10_000  # at most half full, at least a quarter


def test_removed_keys_do_not_hide_keys_probed_past_them():
    seen = SeenKeys(capacity=2)
    keys = [f"k{n}" for n in range(200)]
    for key in keys:
        seen.add(key)
    for key in keys[::3]:
        seen.discard(key)
    assert all((key in seen) == (n % 3 != 0) for n, key in enumerate(keys))
    for key in keys[::3]:  # added again, into the tables rebuilt without the marks
        assert seen.add(key)
    assert len(seen) == 200


def test_a_key_that_is_not_a_string_is_not_in_it():
    seen = SeenKeys(["x"])
    assert "x" in seen
    assert 1 not in seen and None not in seen
