"""Spider `hnr`: crawl 映象网 (hnr.cn) channel pages and the articles they list.

The crawl is SiteSpider's (crawler/spiders/base.py) on `crawler/sites/hnr.toml`; the class exists
so that `crawler.spiders.hnr:HnrSpider` stays importable for settings and tests that name it.
"""

from __future__ import annotations

from crawler.spiders.base import SiteSpider


class HnrSpider(SiteSpider):
    """映象网 (hnr.cn): news, finance and city channels, articles of all three URL eras."""

    name = "hnr"
    site_name = "hnr"
