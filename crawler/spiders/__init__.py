"""Spiders: one per site profile in `crawler/sites/*.toml`, made here from the data.

Scrapy's spider loader walks this package (`SPIDER_MODULES = ["crawler.spiders"]`) and finds the
classes below, so `xinwen crawl SITE` and `scrapy crawl SITE` work for every profile without a
spider class of its own. A profile whose crawl needs code names its hand-written class instead
(`spider = "crawler.spiders.hnr:HnrSpider"` in `hnr.toml`); no class is made for it here.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from crawler.sites.profile import SITES_DIR
from crawler.spiders.news import NewsSpider


def class_name(site: str) -> str:
    """`henan_gov` -> `HenanGovSpider`."""
    return "".join(part.capitalize() for part in site.replace("-", "_").split("_")) + "Spider"


def profile_spiders(sites_dir: Path = SITES_DIR) -> dict[str, type[NewsSpider]]:
    """A `NewsSpider` subclass for each profile that does not name a spider class of its own."""
    spiders: dict[str, type[NewsSpider]] = {}
    for path in sorted(sites_dir.glob("*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        if data.get("spider"):
            continue
        name = data.get("name", path.stem)
        title = data.get("title", name)
        spiders[name] = type(
            class_name(name),
            (NewsSpider,),
            {
                "name": name,
                "site_name": path.stem,
                "__module__": __name__,
                "__doc__": f"{title}: made from crawler/sites/{path.name}.",
            },
        )
    return spiders


PROFILE_SPIDERS = profile_spiders()
globals().update({cls.__name__: cls for cls in PROFILE_SPIDERS.values()})

__all__ = ["PROFILE_SPIDERS", "class_name", "profile_spiders"]
