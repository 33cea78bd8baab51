"""SimHash of a body and its bands: how the stores find near-duplicate articles."""

from __future__ import annotations

import re
import unicodedata

import numpy as np

SIMHASH_BITS = 64
# SimHash bands, (first bit, width): by the pigeonhole principle two hashes within Hamming
# distance d agree on at least one of d + 1 bands, so a near duplicate is found among the
# hashes sharing a band. A lookup reads about N / 2**width candidates per band: wide bands keep
# it cheap as the state grows (16 bits: 15 per band at a million articles; 11 bits: 490).
# Six bands serve every distance up to 5; four bands of 16 bits serve up to 3 (the default).
BANDS = ((0, 11), (11, 11), (22, 11), (33, 11), (44, 10), (54, 10))
WIDE_BANDS = ((0, 16), (16, 16), (32, 16), (48, 16))
MAX_DISTANCE = len(BANDS) - 1
SHINGLE = 3
_NOT_TEXT_RE = re.compile(r"[\W_]+")
# Runs of anything but CJK unified ideographs. The ideographs are stable code points of NFKC
# (never decomposed, never composed with a neighbour, combining class 0), so normalising only
# the runs between them gives exactly NFKC of the whole text, at a third of the cost on
# Chinese text (UAX #15, "Stable Code Points").
_NOT_IDEOGRAPH_RUN_RE = re.compile(r"([^\u4e00-\u9fff]+)")

# splitmix64 finaliser constants: a well-mixed 64-bit hash of each shingle's code points.
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SHIFTS = (np.uint64(30), np.uint64(27), np.uint64(31))


def _shingle_hashes(text: str) -> np.ndarray:
    """One 64-bit hash per character 3-shingle, computed for all shingles at once."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(points) < SHINGLE:
        points = np.pad(points, (0, SHINGLE - len(points)))
    count = len(points) - SHINGLE + 1
    with np.errstate(over="ignore"):  # multiplication modulo 2**64 is the point
        keys = np.zeros(count, dtype=np.uint64)
        for offset in range(SHINGLE):
            keys = keys * np.uint64(0x110000) + points[offset : offset + count]
        keys = keys + _GOLDEN
        keys = (keys ^ (keys >> _SHIFTS[0])) * _MIX1
        keys = (keys ^ (keys >> _SHIFTS[1])) * _MIX2
        return keys ^ (keys >> _SHIFTS[2])


# The compatibility characters of Chinese text (full-width ASCII forms, the ideographic space,
# the ellipsis), each with its NFKD decomposition. Replacing a character by its NFKD leaves the
# text's NFKC unchanged, and after these replacements most Chinese text is already in NFKC,
# which is_normalized's quick check answers without building a copy.
_COMMON_COMPATIBILITY = tuple(
    (char, unicodedata.normalize("NFKD", char))
    for char in (*map(chr, range(0xFF01, 0xFF5F)), "\u3000", "\u2026")
)


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), at a fraction of its cost on Chinese text."""
    for char, decomposed in _COMMON_COMPATIBILITY:
        if char in text:
            text = text.replace(char, decomposed)
    if unicodedata.is_normalized("NFKC", text):
        return text
    return _nfkc_between_ideographs(text)


def _nfkc_between_ideographs(text: str) -> str:
    """unicodedata.normalize("NFKC", text), normalising only what lies between ideographs."""
    parts = _NOT_IDEOGRAPH_RUN_RE.split(text)
    parts[1::2] = [unicodedata.normalize("NFKC", run) for run in parts[1::2]]
    return "".join(parts)


def body_simhash(body: str) -> int:
    """64-bit SimHash over character 3-shingles of the body, punctuation and space removed:
    each bit is set when most shingle hashes have it set. Vectorised (numpy), ~50 µs a page."""
    text = _NOT_TEXT_RE.sub("", nfkc(body).lower())
    hashes = _shingle_hashes(text)
    bits = np.unpackbits(hashes.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    # Votes per bit as one product: float32 counts are exact below 2**24 shingles.
    majority = np.ones(len(hashes), dtype=np.float32) @ bits > len(hashes) / 2
    return int.from_bytes(np.packbits(majority, bitorder="little").tobytes(), "little")


def band_values(value: int, layout: tuple[tuple[int, int], ...] = BANDS) -> list[int]:
    return [(value >> start) & ((1 << width) - 1) for start, width in layout]


def band_layout(near_distance: int) -> tuple[tuple[int, int], ...]:
    """The widest bands that still find every hash within `near_distance`."""
    return WIDE_BANDS if near_distance < len(WIDE_BANDS) else BANDS


def layout_name(layout: tuple[tuple[int, int], ...]) -> str:
    return ",".join(f"{start}+{width}" for start, width in layout)
