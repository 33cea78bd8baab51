"""The SimHash band index finds exactly the near duplicates a scan of every stored hash finds,
for every distance and both band layouts, and a state written with one layout is re-banded
when it is opened with the other."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from crawler.state import StateStore
from crawler.state.simhash import BANDS, MAX_DISTANCE, WIDE_BANDS, band_layout


def _record(index: int) -> dict:
    url = f"http://news.hnr.cn/a/{index}.html"
    return {"canonical_url": url, "url": url, "fingerprint": f"f{index}", "site": "hnr.cn"}


def _flip(value: int, bits: list[int]) -> int:
    for bit in bits:
        value ^= 1 << bit
    return value


def _scan(stored: list[int], query: int, distance: int) -> str | None:
    """The earliest stored hash within the distance, by looking at every one."""
    for index, value in enumerate(stored):
        if (value ^ query).bit_count() <= distance:
            return _record(index)["canonical_url"]
    return None


def _fill(store: StateStore, hashes: list[int]) -> None:
    for index, value in enumerate(hashes):
        store.add_article(_record(index), value)


def test_the_widest_bands_that_still_guarantee_the_distance():
    assert [band_layout(d) for d in range(MAX_DISTANCE + 1)] == [WIDE_BANDS] * 4 + [BANDS] * 2
    for layout in (BANDS, WIDE_BANDS):  # every bit in exactly one band
        covered = [bit for start, width in layout for bit in range(start, start + width)]
        assert sorted(covered) == list(range(64))


@pytest.mark.parametrize("distance", range(MAX_DISTANCE + 1))
def test_lookup_finds_what_a_full_scan_finds(tmp_path: Path, distance: int):
    rng = random.Random(distance)
    hashes = [rng.getrandbits(64) for _ in range(300)]
    store = StateStore(tmp_path / "s.sqlite3", near_distance=distance)
    _fill(store, hashes)
    queries = [rng.getrandbits(64) for _ in range(100)]  # far from everything, mostly
    within = 0
    for _ in range(300):  # within 0..distance+1 bits of a stored hash, spread over the bands
        flips = rng.randint(0, distance + 1)
        within += flips <= distance
        queries.append(_flip(rng.choice(hashes), rng.sample(range(64), flips)))
    found = 0
    for query in queries:
        expected = _scan(hashes, query, distance)
        assert store.find_near_duplicate(query) == expected
        found += expected is not None
    assert found >= within > 0  # the near queries were found, not only the far ones missed
    store.close()


def test_a_state_is_rebanded_when_opened_for_another_layout(tmp_path: Path):
    rng = random.Random(7)
    hashes = [rng.getrandbits(64) for _ in range(200)]
    path = tmp_path / "s.sqlite3"
    store = StateStore(path, near_distance=5)  # the six narrow bands
    _fill(store, hashes)
    store.close()
    # Written like a state of an older xinwen: narrow bands, and no record of the layout.
    store = StateStore(path, near_distance=5)
    store.db.execute("DELETE FROM meta")
    store.close()
    for distance in (3, 5, 1):
        store = StateStore(path, near_distance=distance)
        layout = store.db.execute("SELECT value FROM meta WHERE key = 'band_layout'").fetchone()
        assert layout is not None
        columns = store.db.execute("SELECT b3, b4, b5 FROM articles LIMIT 1").fetchone()
        assert (columns[1] is None) == (store.bands == WIDE_BANDS)
        for value in hashes[:50]:
            query = _flip(value, rng.sample(range(64), distance))
            assert store.find_near_duplicate(query) == _scan(hashes, query, distance)
        store.close()
