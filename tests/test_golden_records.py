"""Golden records: every fixture page with an expected record (`fixtures/*/manifest.json`,
key `expected`) extracts to that record, field by field. Adding a site adds fixtures, not code.

A page continued on further pages (`next_page_url`) is merged with them as the spider does.
Fields that pipelines set (`fetched_at`, `duplicate_of`, `schema_version`) are not the parser's;
the fingerprint is checked as the hash of the expected body. Pages built by script (template
`*-script`) have the record their rendered DOM gives: tests/test_render.py checks those.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract import extract_page, merge_pages
from crawler.extract.page import body_fingerprint

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MANIFESTS = sorted(FIXTURES.glob("*/manifest.json"))
NOT_THE_PARSERS = {"fetched_at", "duplicate_of", "schema_version", "fingerprint"}


def _pages() -> list[tuple[Path, dict, dict[str, dict]]]:
    found = []
    for manifest in MANIFESTS:
        pages = json.loads(manifest.read_text(encoding="utf-8"))["pages"]
        by_url = {page["url"]: page for page in pages}
        found += [
            (manifest.parent, page, by_url)
            for page in pages
            if page.get("expected") and not str(page.get("template")).endswith("-script")
        ]
    return found


PAGES = _pages()
IDS = [f"{folder.name}/{Path(page['expected']).stem}" for folder, page, _ in PAGES]
_RECORDS: dict[str, dict] = {}


def _charset(content_type: str | None) -> str | None:
    return (content_type or "").partition("charset=")[2].strip() or None


def _extracted(folder: Path, page: dict, by_url: dict[str, dict]) -> dict:
    if page["url"] not in _RECORDS:
        fields, current = [], page
        while current is not None:
            body = (folder / current["file"]).read_bytes()
            one, next_url = extract_page(body, current["url"], _charset(current["content_type"]))
            fields.append(one)
            current = by_url.get(next_url) if next_url else None
        _RECORDS[page["url"]] = merge_pages(fields)
    return _RECORDS[page["url"]]


def _expected(folder: Path, page: dict) -> dict:
    return json.loads((folder / page["expected"]).read_text(encoding="utf-8"))


def test_every_fixture_site_has_three_expected_articles() -> None:
    assert len(MANIFESTS) >= 6
    for manifest in MANIFESTS:
        assert sum(1 for folder, _, _ in PAGES if folder == manifest.parent) >= 3, manifest


@pytest.mark.parametrize(("folder", "page", "by_url"), PAGES, ids=IDS)
def test_record_matches_expected(folder: Path, page: dict, by_url: dict[str, dict]) -> None:
    record = _extracted(folder, page, by_url)
    expected = _expected(folder, page)
    fields = sorted(set(expected) - NOT_THE_PARSERS)
    assert {f: record.get(f) for f in fields} == {f: expected[f] for f in fields}
    assert record["fingerprint"] == body_fingerprint(expected["body"])


def test_broken_pages_have_no_body() -> None:
    broken = []
    for manifest in MANIFESTS:
        pages = json.loads(manifest.read_text(encoding="utf-8"))["pages"]
        for page in pages:
            if page["kind"] == "broken":
                body = (manifest.parent / page["file"]).read_bytes()
                broken.append(extract_page(body, page["url"], _charset(page["content_type"]))[0])
    assert broken
    assert all(record["body"] == "" for record in broken)
