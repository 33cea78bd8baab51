"""Every regex of the parsers against text built to make it backtrack.

For each compiled pattern found in `crawler.extract.*` (module globals, containers and class
attributes) and every regex of a site profile's `[parser]` table, inputs are built from the pattern's own literal
fragments repeated tens of thousands of times (`记者` × 20,000, `来源：` × 20,000, digits,
separators …) and every match is consumed with `finditer`. A linear pattern takes milliseconds;
a catastrophic one would take minutes. New parser modules are picked up automatically.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import time
from collections.abc import Iterator

import pytest

import crawler.extract
from crawler.extract.registry import current_parsers

TARGET_CHARS = 40_000
# Far above what a linear pattern needs on 40,000 characters (a few ms), far below a hang.
BOUND_SECONDS = 2.0
GENERIC_FRAGMENTS = [
    "记者", "来源：", "来源:", "2022年", "责编：", "编辑", "通讯员", "2022-04-22 ", "18:36:31",
    "1", " ", "\u3000", "a", "·", "(", "（", "<meta ", "charset=", "/", "_", "-", "：", "年",
    "http://", "<p>", "关键词：",
]  # fmt: skip


def _walk(value: object, seen: set[int]) -> Iterator[re.Pattern]:
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, re.Pattern):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item, seen)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _walk(item, seen)
    elif isinstance(value, type) and value.__module__.startswith("crawler.extract"):
        for item in vars(value).values():
            yield from _walk(item, seen)


def parser_patterns() -> list[tuple[str, re.Pattern]]:
    found: dict[tuple[str, object], tuple[str, re.Pattern]] = {}
    for info in pkgutil.iter_modules(crawler.extract.__path__):
        module = importlib.import_module(f"crawler.extract.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, type) and value.__module__ != module.__name__:
                continue
            for pattern in _walk(value, set()):
                key = (pattern.pattern, pattern.flags)
                found.setdefault(key, (f"{info.name}.{name}", pattern))
    for parser in current_parsers().values():  # the profiles' regexes, compiled by the registry
        for attribute in ("source_re", "info_re", "author_label_re"):
            pattern = getattr(parser, attribute)
            if pattern is not None:
                key = (pattern.pattern, pattern.flags)
                found.setdefault(key, (f"{parser.name}.{attribute}", pattern))
    return sorted(found.values(), key=lambda item: item[0])


def fragments(pattern: re.Pattern) -> list[str]:
    """Literal pieces of the pattern's source: runs of Han characters, words, punctuation."""
    source = pattern.pattern
    if isinstance(source, bytes):
        source = source.decode("latin-1")
    source = re.sub(r"\\[dDsSwWbB]|\{\d*,?\d*\}|\(\?P?<\w+>|\(\?[:=!]|\(\?<[=!]", " ", source)
    pieces = re.findall(r"[\u3400-\u9fff]+|[A-Za-z]{2,}|[：:，,。/\-_.·]", source)
    return list(dict.fromkeys([p for p in pieces if p.strip()]))[:40]


def adversarial_inputs(pattern: re.Pattern) -> Iterator[str]:
    own = fragments(pattern)
    for piece in [*own, *GENERIC_FRAGMENTS]:
        yield piece * (TARGET_CHARS // len(piece))
        yield (piece + " ") * (TARGET_CHARS // (len(piece) + 1))
        yield (piece + "1") * (TARGET_CHARS // (len(piece) + 1))
    if own:
        joined = "".join(own)
        yield joined * (TARGET_CHARS // len(joined) + 1)
        yield " ".join(own) * (TARGET_CHARS // (len(" ".join(own)) + 1))


PATTERNS = parser_patterns()


def test_patterns_were_found() -> None:
    names = {name.split(".")[0] for name, _ in PATTERNS}
    assert len(PATTERNS) >= 40
    assert {"patterns", "credits", "profiled", "hnr_cn", "people_cn"} <= names


@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[n for n, _ in PATTERNS])
def test_pattern_is_linear_on_adversarial_input(name: str, pattern: re.Pattern) -> None:
    binary = isinstance(pattern.pattern, bytes)
    worst = 0.0
    for text in adversarial_inputs(pattern):
        subject = text.encode("utf-8") if binary else text
        start = time.perf_counter()
        for _match in pattern.finditer(subject):
            pass
        pattern.fullmatch(subject)
        worst = max(worst, time.perf_counter() - start)
        assert worst < BOUND_SECONDS, f"{name} took {worst:.2f}s on {text[:30]!r}…"
