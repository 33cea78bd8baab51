"""Which parser reads which site: built from the site profiles (`crawler/sites/*.toml`).

A profile names its parser as data, `parser = "crawler.extract.henandaily_cn:HenandailyParser"`,
and the hosts it reads with `parser_domains` (default: the profile's `allowed_domains`). A URL
gets the parser of its most specific listed domain (`henan.people.com.cn` before
`people.com.cn`), else the generic parser. Reading TOML only: no Scrapy here.
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from crawler.extract.generic import GenericParser

SITES_DIR = Path(__file__).resolve().parent.parent / "sites"


def load_parser(spec: str) -> type[GenericParser]:
    """`"package.module:Class"` -> the class (a GenericParser subclass)."""
    module_name, sep, class_name = spec.partition(":")
    if not sep or not module_name or not class_name:
        raise ValueError(f"parser must look like 'package.module:Class', not {spec!r}")
    parser = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(parser, type) and issubclass(parser, GenericParser)):
        raise TypeError(f"{spec} is not a GenericParser subclass")
    return parser


def site_parsers(sites_dir: Path = SITES_DIR) -> dict[str, type[GenericParser]]:
    """Domain -> parser class, for every profile that names a parser."""
    parsers: dict[str, type[GenericParser]] = {}
    for path in sorted(sites_dir.glob("*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        spec = data.get("parser")
        if not spec:
            continue
        parser = load_parser(spec)
        for domain in data.get("parser_domains") or data.get("allowed_domains", []):
            domain = domain.lower().strip(".")
            if parsers.get(domain, parser) is not parser:
                raise ValueError(f"{path.name}: {domain} already has {parsers[domain].__name__}")
            parsers[domain] = parser
    return parsers


def lookup(parsers: dict[str, type[GenericParser]], url: str) -> type[GenericParser]:
    """The parser of the URL host's most specific listed domain, else GenericParser."""
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return GenericParser
    while host:
        if host in parsers:
            return parsers[host]
        host = host.partition(".")[2]
    return GenericParser
