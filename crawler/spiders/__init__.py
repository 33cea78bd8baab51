"""Spiders: one per site profile (`crawler/sites/*.toml`, `$XINWEN_SITES_DIR`), made from data.

Scrapy's spider loader walks this package (`SPIDER_MODULES = ["crawler.spiders"]`) and finds the
classes below, so `xinwen crawl SITE` and `scrapy crawl SITE` work for every profile without a
spider class of its own. A profile whose crawl needs code names its hand-written class instead
(`spider = "crawler.spiders.hnr:HnrSpider"` in `hnr.toml`); no class is made for it here. A
profile that does not load still gets its spider, which fails at start with the profile's error.
"""

from __future__ import annotations

import re

from crawler.sites.profile import Profiles, load_profiles
from crawler.spiders.news import NewsSpider

# A broken profile that names its own spider class: that class reports the error.
SPIDER_KEY_RE = re.compile(r"^\s*spider\s*=", re.MULTILINE)


def class_name(site: str) -> str:
    """`henan_gov` -> `HenanGovSpider`."""
    return "".join(part.capitalize() for part in site.replace("-", "_").split("_")) + "Spider"


def _spider(name: str, doc: str) -> type[NewsSpider]:
    attrs = {"name": name, "site_name": name, "__module__": __name__, "__doc__": doc}
    return type(class_name(name), (NewsSpider,), attrs)


def profile_spiders(profiles: Profiles | None = None) -> dict[str, type[NewsSpider]]:
    """A `NewsSpider` subclass for each profile that does not name a spider class of its own."""
    profiles = profiles or load_profiles()
    spiders: dict[str, type[NewsSpider]] = {}
    for name, profile in sorted(profiles.found.items()):
        if not profile.spider:
            spiders[name] = _spider(name, f"{profile.title or name}: made from {name}.toml.")
    for name, error in sorted(profiles.errors.items()):
        try:
            text = error.path.read_text(encoding="utf-8") if error.path else ""
        except (OSError, UnicodeDecodeError):
            text = ""
        names_spider = bool(SPIDER_KEY_RE.search(text))
        if not names_spider:
            spiders[name] = _spider(name, f"{name}.toml, which does not load: {error}")
    return spiders


PROFILE_SPIDERS = profile_spiders()
globals().update({cls.__name__: cls for cls in PROFILE_SPIDERS.values()})

__all__ = ["PROFILE_SPIDERS", "class_name", "profile_spiders"]
