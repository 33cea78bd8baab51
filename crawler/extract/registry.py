"""Which parser reads which site: built from the site profiles (crawler/sites/profile.py).

A profile with a `[parser]` or `[selectors]` table gets a ProfiledParser class of its own (its
`[parser] module = "package.module:Class"` may name a subclass for what data cannot say); it reads
the hosts of `[parser] domains` (default: the profile's `allowed_domains`). A URL gets the parser
of its most specific listed domain (`henan.people.com.cn` before `people.com.cn`), else the
generic parser. A broken profile reads no host: its error is kept for who asks.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from urllib.parse import urlsplit

from crawler.extract.generic import GenericParser
from crawler.extract.profiled import ProfiledParser
from crawler.sites.profile import Profiles, load_profiles, sites_dirs


def load_parser(spec: str) -> type[ProfiledParser]:
    """`"package.module:Class"` -> the class (a ProfiledParser subclass)."""
    module_name, sep, class_name = spec.partition(":")
    if not sep or not module_name or not class_name:
        raise ValueError(f"parser module must look like 'package.module:Class', not {spec!r}")
    parser = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(parser, type) and issubclass(parser, ProfiledParser)):
        raise TypeError(f"{spec} is not a ProfiledParser subclass")
    return parser


def site_parsers(profiles: Profiles) -> dict[str, type[GenericParser]]:
    """Domain -> parser class, for every profile with a `[parser]` or `[selectors]` table."""
    parsers: dict[str, type[GenericParser]] = {}
    for name, profile in sorted(profiles.found.items()):
        if profile.parser is None and profile.selectors is None:
            continue
        module = profile.parser.module if profile.parser else None
        parser = ProfiledParser.for_profile(profile, load_parser(module) if module else None)
        domains = (profile.parser.domains if profile.parser else []) or profile.allowed_domains
        for domain in domains:
            domain = domain.lower().strip(".")
            if domain in parsers:
                raise ValueError(f"{name}: {domain} already has {parsers[domain].__name__}")
            parsers[domain] = parser
    return parsers


_PARSERS: dict[tuple[Path, ...], dict[str, type[GenericParser]]] = {}


def current_parsers() -> dict[str, type[GenericParser]]:
    """The parsers of the profiles in `sites_dirs()` (read once per set of folders)."""
    dirs = sites_dirs()
    if dirs not in _PARSERS:
        _PARSERS[dirs] = site_parsers(load_profiles(dirs))
    return _PARSERS[dirs]


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
