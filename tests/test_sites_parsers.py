"""Profiled sites: every field of every fixture article against its expected record.

One parametrised test per site, page and field (`fixtures/<site>/manifest.json` lists the pages,
`fixtures/<site>/expected/*.json` the records), like tests/test_parsers_hnr.py for hnr.cn.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract import extract
from crawler.extract.page import body_fingerprint

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SITES = ["henandaily", "dahe", "people_henan", "henan_gov", "zynews"]
# Which parser each site's pages must come from: a module, or the generic parser.
EXTRACTORS = {
    "henandaily": "henandaily_cn/1",
    "dahe": "dahe_cn/1",
    "people_henan": "people_cn/1",
    "henan_gov": "generic/",
    "zynews": "generic/",
}
FIELDS = [
    "url",
    "canonical_url",
    "site",
    "title",
    "subtitle",
    "published_at",
    "published_at_raw",
    "source",
    "reporters",
    "editors",
    "body",
    "keywords",
    "section",
    "images",
    "language",
]


def _articles() -> list[tuple[str, dict]]:
    pages = []
    for site in SITES:
        manifest = json.loads((FIXTURES / site / "manifest.json").read_text(encoding="utf-8"))
        pages += [(site, page) for page in manifest["pages"] if page["kind"] == "article"]
    return pages


ARTICLES = _articles()
IDS = [f"{site}/{Path(page['expected']).stem}" for site, page in ARTICLES]
_CACHE: dict[str, dict] = {}


def _charset(content_type: str | None) -> str | None:
    if content_type and "charset=" in content_type:
        return content_type.split("charset=", 1)[1].strip()
    return None


def _extracted(site: str, page: dict) -> dict:
    if page["url"] not in _CACHE:
        body = (FIXTURES / site / page["file"]).read_bytes()
        _CACHE[page["url"]] = extract(
            body, page["url"], http_charset=_charset(page["content_type"])
        )
    return _CACHE[page["url"]]


def _expected(site: str, page: dict) -> dict:
    return json.loads((FIXTURES / site / page["expected"]).read_text(encoding="utf-8"))


def test_every_site_has_three_articles_with_expected_records() -> None:
    for site in SITES:
        pages = [page for s, page in ARTICLES if s == site]
        assert len(pages) >= 3, site
        assert all((FIXTURES / site / page["expected"]).is_file() for page in pages)


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize(("site", "page"), ARTICLES, ids=IDS)
def test_field_matches_expected_record(site: str, page: dict, field: str) -> None:
    assert _extracted(site, page)[field] == _expected(site, page)[field]


@pytest.mark.parametrize(("site", "page"), ARTICLES, ids=IDS)
def test_extractor_is_the_sites_parser(site: str, page: dict) -> None:
    extractor = _extracted(site, page)["extractor"]
    assert extractor.startswith(EXTRACTORS[site])
    if not EXTRACTORS[site].startswith("generic"):
        assert extractor == _expected(site, page)["extractor"]


@pytest.mark.parametrize(("site", "page"), ARTICLES, ids=IDS)
def test_fingerprint_is_the_hash_of_the_expected_body(site: str, page: dict) -> None:
    assert _extracted(site, page)["fingerprint"] == body_fingerprint(_expected(site, page)["body"])
