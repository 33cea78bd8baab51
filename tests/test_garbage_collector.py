"""The crawl's garbage-collector tuning: frozen start-up heap and a raised young threshold while
a spider is open, the collector given back as it was when the last crawl closes."""

from __future__ import annotations

import gc
import weakref

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.crawl.garbage_collector import GarbageCollectorTuning


@pytest.fixture
def collector_restored():
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)
    gc.unfreeze()


def tuning(**settings) -> GarbageCollectorTuning:
    return GarbageCollectorTuning.from_crawler(get_crawler(settings_dict=settings))


def test_open_spider_freezes_and_raises_threshold_close_gives_it_back(collector_restored):
    before = collector_restored
    ext = tuning(XINWEN_GC_THRESHOLD=12_345)
    ext.spider_opened(None)
    assert gc.get_threshold() == (12_345, *before[1:])
    assert gc.get_freeze_count() > 1000  # the interpreter's own heap at least
    ext.spider_closed(None)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_two_crawls_in_one_process_restore_when_the_last_closes(collector_restored):
    before = collector_restored
    first, second = tuning(), tuning()
    first.spider_opened(None)
    second.spider_opened(None)
    first.spider_closed(None)
    assert gc.get_threshold()[0] == 10_000  # the second crawl still runs
    second.spider_closed(None)
    second.spider_closed(None)  # a second close changes nothing
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_lower_threshold_than_the_current_one_is_not_imposed(collector_restored):
    gc.set_threshold(50_000, 10, 10)
    ext = tuning(XINWEN_GC_THRESHOLD=2_000)
    ext.spider_opened(None)
    assert gc.get_threshold()[0] == 50_000
    ext.spider_closed(None)
    assert gc.get_threshold() == (50_000, 10, 10)


def test_switched_off_or_invalid_is_not_configured():
    with pytest.raises(NotConfigured):
        tuning(XINWEN_GC_TUNING=False)
    with pytest.raises(NotConfigured):
        tuning(XINWEN_GC_THRESHOLD=0)


def test_cycles_are_still_collected_while_tuned(collector_restored):
    ext = tuning(XINWEN_GC_THRESHOLD=1_000)
    ext.spider_opened(None)
    try:

        class Node:
            pass

        node = Node()
        node.self = node
        alive = weakref.ref(node)
        del node
        assert alive() is not None  # a cycle: reference counting alone does not free it
        kept = [[] for _ in range(5_000)]  # live allocations past the young threshold
        assert alive() is None
        assert len(kept) == 5_000
    finally:
        ext.spider_closed(None)
