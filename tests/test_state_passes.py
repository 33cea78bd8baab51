"""The list-pass and output interface (issue 18 items 1 and 7), the same on both state stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.state import RedisStateStore, StateStore
from tests.redis_server import REDIS_SERVER, SKIP_REASON, RedisServer


@pytest.fixture(scope="module")
def redis_url():
    if REDIS_SERVER is None:
        pytest.skip(SKIP_REASON)
    with RedisServer() as server:
        yield server.url


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path: Path):
    if request.param == "sqlite":
        state = StateStore(tmp_path / "s.sqlite3")
        yield state
        state.close()
        return
    import redis as redis_py

    client = redis_py.Redis.from_url(request.getfixturevalue("redis_url"), decode_responses=True)
    client.flushall()
    yield RedisStateStore(client, "w1", prefix="t:state")
    client.flushall()
    client.close()


def _record(url: str) -> dict:
    return {"url": url, "canonical_url": url, "fingerprint": f"fp-{url}", "body": "正文" * 20}


def test_a_list_pass_is_recorded_with_the_moment_it_completed(store) -> None:
    folder = "http://news.hnr.cn/djn/"
    assert store.list_pass(folder) is None
    store.commit_article(_record("http://news.hnr.cn/1.html"))
    store.complete_list_passes([folder])
    watermark = store.list_pass(folder)
    assert watermark is not None
    assert store.known_at("http://news.hnr.cn/1.html") <= watermark
    # Known after the pass (a run killed before it paged the list to its end): above it.
    store.commit_article(_record("http://news.hnr.cn/2.html"))
    store.mark_page("http://news.hnr.cn/3.html", "rejected", "http 404")
    assert store.known_at("http://news.hnr.cn/2.html") > watermark
    assert store.known_at("http://news.hnr.cn/3.html") > watermark
    assert store.known_at("http://news.hnr.cn/4.html") is None
    store.complete_list_passes([folder])
    assert store.list_pass(folder) > watermark


def test_every_recorded_output_is_listed(store) -> None:
    assert store.output_offsets() == {}
    store.set_committed_offset("/data/run1.jsonl", 120)
    store.set_committed_offset("/data/run2.jsonl", 0)
    assert store.output_offsets() == {"/data/run1.jsonl": 120, "/data/run2.jsonl": 0}
