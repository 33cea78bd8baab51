"""hnr.cn parser: every field of every fixture article against its expected record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract import extract_page, merge_pages
from crawler.extract.page import body_fingerprint

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "hnr"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
ARTICLES = [page for page in MANIFEST["pages"] if page["kind"] == "article" and page["expected"]]
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
    "extractor",
]


def _charset(content_type: str | None) -> str | None:
    if content_type and "charset=" in content_type:
        return content_type.split("charset=", 1)[1].strip()
    return None


_CACHE: dict[str, dict] = {}


BY_URL = {page["url"]: page for page in MANIFEST["pages"]}


def _extracted(page: dict) -> dict:
    """The page's record, its continuation pages merged in as the spider does."""
    if page["url"] not in _CACHE:
        pages, current = [], page
        while current is not None:
            body = (FIXTURES / current["file"]).read_bytes()
            fields, next_url = extract_page(
                body, current["url"], http_charset=_charset(current["content_type"])
            )
            pages.append(fields)
            current = BY_URL.get(next_url) if next_url else None
        _CACHE[page["url"]] = merge_pages(pages)
    return _CACHE[page["url"]]


def _expected(page: dict) -> dict:
    return json.loads((FIXTURES / page["expected"]).read_text(encoding="utf-8"))


def test_mirror_has_the_articles_the_issue_asks_for():
    assert len(ARTICLES) >= 12
    assert {page["template"] for page in ARTICLES} >= {"2021", "2016", "trs"}
    assert any(page["charset"] == "gbk" for page in ARTICLES)


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("page", ARTICLES, ids=lambda p: Path(p["expected"]).stem)
def test_field_matches_expected_record(page, field):
    assert _extracted(page)[field] == _expected(page)[field]


@pytest.mark.parametrize("page", ARTICLES, ids=lambda p: Path(p["expected"]).stem)
def test_fingerprint_is_the_hash_of_the_expected_body(page):
    assert _extracted(page)["fingerprint"] == body_fingerprint(_expected(page)["body"])


def test_broken_page_has_no_body():
    broken = [page for page in MANIFEST["pages"] if page["kind"] == "broken"]
    assert broken
    for page in broken:
        assert _extracted(page)["body"] == ""
