"""The extraction worker's SimHash reaches the duplicates pipeline only for its own body."""

from __future__ import annotations

from crawler.crawl.extraction import extract_with_simhash
from crawler.state import body_simhash
from pipelines.dedupe import MAX_PRECOMPUTED, record_simhash, remember_simhash

BODY = "郑州市今年新建公园游园一百二十个，市民出门见绿、推窗见景的愿望正在变成现实。" * 3


class FakeCrawler:
    """Any object can key the per-crawl cache (weakly referenced)."""


def test_precomputed_value_is_used_for_the_same_body_once() -> None:
    crawler = FakeCrawler()
    remember_simhash(crawler, "http://a.cn/1", BODY, 12345)
    assert record_simhash(crawler, {"canonical_url": "http://a.cn/1", "body": BODY}) == 12345
    # consumed: a second record under the same URL gets its own hash
    assert record_simhash(
        crawler, {"canonical_url": "http://a.cn/1", "body": BODY}
    ) == body_simhash(BODY)


def test_precomputed_value_for_another_body_is_ignored() -> None:
    crawler = FakeCrawler()
    remember_simhash(crawler, "http://a.cn/1", BODY, 12345)
    other = BODY + "（完）"
    assert record_simhash(
        crawler, {"canonical_url": "http://a.cn/1", "body": other}
    ) == body_simhash(other)


def test_cache_is_bounded() -> None:
    crawler = FakeCrawler()
    for n in range(MAX_PRECOMPUTED + 10):
        remember_simhash(crawler, f"http://a.cn/{n}", BODY, n)
    assert record_simhash(
        crawler, {"canonical_url": "http://a.cn/0", "body": BODY}
    ) == body_simhash(BODY)
    last = MAX_PRECOMPUTED + 9
    assert record_simhash(crawler, {"canonical_url": f"http://a.cn/{last}", "body": BODY}) == last


def test_worker_simhash_equals_the_pipeline_hash() -> None:
    page = (
        "<html><head><meta charset='utf-8'><title>公园_映象网</title></head><body><h1>郑州新建公园</h1>"
        f"<div class='content'><p>{BODY}</p><p>{BODY}</p></div></body></html>"
    ).encode()
    (fields, _next, _links), simhash = extract_with_simhash(
        page, "http://news.hnr.cn/1.html", None, 10
    )
    assert simhash == body_simhash(fields["body"])
