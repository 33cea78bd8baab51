"""Bytes to text. Chinese pages lie about their charset often enough that a declaration is a
hint to be checked against the bytes, never the answer on its own."""

from __future__ import annotations

import codecs
import re

from crawler.extract.patterns import META_CHARSET_RE

# Declared legacy Chinese charsets are all read as their superset, so that characters outside
# GB2312 (common in names) decode instead of turning into U+FFFD.
CHARSET_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
}

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# The head of the document is enough to find a declaration and to judge the encoding.
SNIFF_BYTES = 4096
JUDGE_BYTES = 65536


def normalise_charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return None
    return CHARSET_SUPERSETS.get(name) or CHARSET_SUPERSETS.get(canonical) or canonical


def declared_charset(body: bytes) -> str | None:
    """The charset of `<meta charset>` / `<meta http-equiv content=...charset=>` in the head."""
    match = META_CHARSET_RE.search(body[:SNIFF_BYTES])
    return normalise_charset(match.group(1).decode("ascii", "ignore")) if match else None


def _clean_utf8(sample: bytes) -> bool:
    """True when the sample is valid UTF-8 and uses multi-byte sequences (or is pure ASCII)."""
    try:
        # A cut at the end of the sample can split a character: allow it.
        sample.decode("utf-8")
    except UnicodeDecodeError as err:
        return err.start >= len(sample) - 3 and err.reason == "unexpected end of data"
    return True


# Each byte as its kind in UTF-8: ASCII, continuation (80-BF), lead of a multi-byte
# character (C2-F4), or never valid (C0, C1, F5-FF).
_UTF8_BYTE_KINDS = bytes(
    ord("a")
    if byte < 0x80
    else ord("C")
    if byte < 0xC0
    else ord("L")
    if 0xC2 <= byte <= 0xF4
    else ord("x")
    for byte in range(256)
)


_ASCII_BYTES = bytes(range(0x80))


def high_bytes_and_pairs(sample: bytes) -> tuple[int, int]:
    """The bytes above 0x7F, and the UTF-8 lead bytes among them followed (ASCII skipped) by a
    continuation byte, by one translate and one count."""
    # The bytes above 0x7F as their kinds, ASCII left out: one C pass, and the count runs over
    # the high bytes only (a page's markup is mostly ASCII).
    kinds = sample.translate(_UTF8_BYTE_KINDS, _ASCII_BYTES)
    return len(kinds), kinds.count(b"LC")


def _mostly_utf8(sample: bytes) -> bool:
    """UTF-8 with some invalid byte runs: legacy bytes read as UTF-8 almost never form valid
    multi-byte sequences, so many valid ones and few failures mean UTF-8 with damage."""
    high, pairs = high_bytes_and_pairs(sample)
    if high < 40:
        return False  # good >= 20 is impossible
    # Quick refusals, exact. (1) Every multi-byte character starts with a lead byte C2-F4
    # followed by a continuation byte 80-BF, so characters <= pairs; a character holds at most
    # four bytes above 0x7F and an invalid run (one U+FFFD) at most three, so
    # bad >= (high - 4 characters) / 3. Then bad <= good / 4 needs high <= 4.75 pairs. Pairs are
    # counted with the ASCII left out, which can only add pairs (a lead and a continuation
    # that ASCII kept apart): the refusal stays exact. GB text has about 5.3 high bytes per
    # such pair: refused from one translate and one count, nothing decoded.
    if high > 4.75 * pairs:
        return False
    # (2) Every decoded character takes at least two bytes above 0x7F and every U+FFFD at
    # least one, so good <= (high - bad) / 2: the U+FFFD of the first kilobytes alone (a cut at
    # the end adds at most one, hence the - 1) can refuse without decoding the whole sample.
    for size in (4096, 16384):
        if size >= len(sample):
            break
        bad = sample[:size].decode("utf-8", errors="replace").count("\ufffd") - 1
        if bad * 8 > high - bad:
            return False  # bad > good * 0.25 for the whole sample
    text = sample.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    # Characters above 0x7F: the ones an ASCII encoding drops (counted in C, not per character).
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    return good >= 20 and bad <= good * 0.25


def _bad_share(body: bytes, encoding: str) -> float:
    return _judged(body, encoding)[0]


def _judged(body: bytes, encoding: str) -> tuple[float, str | None]:
    """The share of U+FFFD in the head of the body decoded, and the decoded text when the head
    is the whole body (the text decode_html would make: it is not decoded twice)."""
    head = body[:JUDGE_BYTES]
    text = head.decode(encoding, errors="replace")
    return text.count("\ufffd") / max(len(text), 1), text if len(head) == len(body) else None


def detect_encoding(body: bytes, http_charset: str | None = None) -> str:
    """Pick the encoding: BOM, then bytes that are clean UTF-8, then the HTTP header and the
    meta declaration checked against the bytes, then a statistical guess."""
    return _detect(body, http_charset)[0]


def _detect(body: bytes, http_charset: str | None = None) -> tuple[str, str | None]:
    """detect_encoding, and the body decoded with errors="replace" when that was done on the
    way (else None)."""
    for bom, encoding in BOMS:
        if body.startswith(bom):
            return encoding, None
    sample = body[:JUDGE_BYTES]
    if _clean_utf8(sample) or _mostly_utf8(sample):
        return "utf-8", None
    candidates = [normalise_charset(http_charset), declared_charset(body)]
    for candidate in candidates:
        if candidate and candidate != "utf-8":
            share, text = _judged(body, candidate)
            if share < 0.002:
                return candidate, text
    # Not UTF-8 and no declaration that fits: Chinese pages are overwhelmingly GB-family.
    share, text = _judged(body, "gb18030")
    if share < 0.01:
        return "gb18030", text
    from charset_normalizer import from_bytes  # only for the rare page nothing else explains

    best = from_bytes(sample).best()
    if best is not None:
        return normalise_charset(best.encoding) or "utf-8", None
    return "gb18030" if _bad_share(body, "gb18030") < _bad_share(body, "utf-8") else "utf-8", None


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
# Encodings in which a control character can only come from the same control byte (multi-byte
# sequences never decode to one), so that bytes without control bytes need no text scan.
_ASCII_SAFE = frozenset({"utf-8", "gb18030"})


def has_control_bytes(body: bytes) -> bool:
    """Whether the body holds a byte of _CONTROL_BYTES, by one translate."""
    return len(body.translate(None, _CONTROL_BYTES)) != len(body)


def decode_html(body: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Return (text, encoding). Never raises on bytes: invalid runs become U+FFFD and control
    characters (NUL included), which lxml refuses, are removed."""
    try:
        # Fast path, the same answer as detect_encoding's: bytes that are clean UTF-8 from end
        # to end (a UTF-16 BOM never is) are decoded once, not sampled first.
        text, encoding = body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        encoding, decoded = _detect(body, http_charset)
        text = decoded if decoded is not None else body.decode(encoding, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    if encoding in _ASCII_SAFE and not has_control_bytes(body):
        return text, encoding  # no control byte, hence no control character: nothing to remove
    return _CONTROL_RE.sub("", text), encoding
