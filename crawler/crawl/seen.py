"""A set of strings that keeps no Python object per string, for the URLs a crawl has requested.

A Python set of URLs costs about 150 bytes per URL (the string and its slot) and leaves the
allocators fragmented around those long-lived strings: a crawl's memory then grows with every
page it requests. `SeenKeys` keeps a 128-bit BLAKE2 hash per key in two `array('Q')` tables
(open addressing, linear probing, at most half full): 32 bytes per key or fewer, in two
blocks. Two different keys share a hash with a probability of about n²/2¹²⁹ (for a billion
keys, 10⁻²¹).
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable

_EMPTY = 0
_REMOVED = 2  # the low word of a removed key; a stored low word is always odd


def _hash(key: str) -> tuple[int, int]:
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    return int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:], "little") | 1


class SeenKeys:
    """add, discard, `in` and len() of a set of strings, in fixed-size arrays."""

    def __init__(self, keys: Iterable[str] = (), capacity: int = 1024) -> None:
        size = 1
        while size < capacity:
            size *= 2
        self._high = array("Q", bytes(8 * size))
        self._low = array("Q", bytes(8 * size))
        self._count = 0  # keys present
        self._filled = 0  # slots holding a key or a removed mark
        for key in keys:
            self.add(key)

    def __len__(self) -> int:
        return self._count

    def _slot(self, high: int, low: int) -> tuple[int, bool]:
        """(slot of the key, True) when present, else (the first free slot, False)."""
        lows, highs = self._low, self._high
        mask = len(lows) - 1
        index = high & mask
        while True:
            found = lows[index]
            if found == _EMPTY:
                return index, False
            if found == low and highs[index] == high:
                return index, True
            index = (index + 1) & mask

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._slot(*_hash(key))[1]

    def add(self, key: str) -> bool:
        """Add the key; True when it was not there."""
        high, low = _hash(key)
        index, present = self._slot(high, low)
        if present:
            return False
        if (self._filled + 1) * 2 > len(self._low):
            self._resize(len(self._low) * (2 if self._count * 4 > len(self._low) else 1))
            index = self._slot(high, low)[0]
        self._high[index], self._low[index] = high, low
        self._count += 1
        self._filled += 1
        return True

    def discard(self, key: str) -> None:
        index, present = self._slot(*_hash(key))
        if present:
            self._low[index] = _REMOVED  # a mark, so that the keys probed past it stay found
            self._high[index] = 0
            self._count -= 1

    def _resize(self, size: int) -> None:
        """Rebuild the tables at `size` slots, without the removed marks."""
        highs, lows = self._high, self._low
        self._high = array("Q", bytes(8 * size))
        self._low = array("Q", bytes(8 * size))
        self._filled = 0
        for high, low in zip(highs, lows, strict=True):
            if low not in (_EMPTY, _REMOVED):
                index = self._slot(high, low)[0]
                self._high[index], self._low[index] = high, low
                self._filled += 1
