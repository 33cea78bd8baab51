"""Small text helpers shared by the extraction modules."""

from __future__ import annotations

import re


def clean_text(text: str | None) -> str:
    """Collapse white space (full-width and no-break spaces included) and strip."""
    # str.split() splits on exactly the characters WS_RE matches (str.isspace(): the ideographic
    # and no-break spaces are among them), and is several times faster than WS_RE.sub + strip.
    return " ".join(text.split()) if text else ""


def replace_present(text: str, finder: re.Pattern, replacements: dict[str, str]) -> str:
    """`text.translate` of a table of characters (`finder` matches its keys; no replacement
    holds a key), several times faster on the usual text: translate looks every character up in
    a dict, where one `str.replace` per kind present is one C pass each."""
    return replace_kinds(text, set(finder.findall(text)), replacements)


def replace_kinds(text: str, present: set[str], replacements: dict[str, str]) -> str:
    """`replace_present` once the kinds present are known. Many kinds present (over 24):
    translate after all."""
    if len(present) > 24:
        return text.translate(str.maketrans(replacements))
    for char in present:
        text = text.replace(char, replacements[char])
    return text
