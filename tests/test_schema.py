"""The record's contract: the shipped JSON Schema is the one the pydantic model generates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract import extract
from crawler.extract.dates import published_value
from pipelines.schema import JSON_SCHEMA_PATH, SCHEMA_VERSION, Article, json_schema_text
from tests.conftest import article_html


def test_shipped_json_schema_matches_the_model() -> None:
    shipped = JSON_SCHEMA_PATH.read_text(encoding="utf-8")
    assert shipped == json_schema_text(), (
        "pipelines/record.schema.json is stale: regenerate it with "
        "`xinwen schema > pipelines/record.schema.json`"
    )


def test_schema_lists_every_field_in_record_order() -> None:
    schema = json.loads(JSON_SCHEMA_PATH.read_text(encoding="utf-8"))
    assert list(schema["properties"]) == list(Article.model_fields)
    assert list(Article.model_fields)[:4] == ["url", "canonical_url", "site", "title"]
    assert list(Article.model_fields)[-2:] == ["duplicate_of", "schema_version"]
    assert schema["properties"]["schema_version"]["default"] == SCHEMA_VERSION


def test_every_field_is_documented() -> None:
    schema = json.loads(JSON_SCHEMA_PATH.read_text(encoding="utf-8"))
    undocumented = [k for k, v in schema["properties"].items() if not v.get("description")]
    assert not undocumented


def test_schema_2_times_are_date_times_with_their_precision() -> None:
    schema = json.loads(JSON_SCHEMA_PATH.read_text(encoding="utf-8"))
    assert SCHEMA_VERSION == 2
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    fields = list(schema["properties"])
    assert fields[fields.index("published_at") + 1] == "published_precision"
    published = schema["properties"]["published_at"]["anyOf"]
    assert {"type": "string", "format": "date-time"} in published
    assert schema["properties"]["fetched_at"]["format"] == "date-time"
    precision = schema["properties"]["published_precision"]["anyOf"][0]
    assert precision["enum"] == ["month", "day", "minute", "second"]


@pytest.mark.parametrize(
    ("printed", "value", "precision"),
    [
        ("2022-04-22", "2022-04-22T00:00:00+08:00", "day"),
        ("1998-03", "1998-03-01T00:00:00+08:00", "month"),
        ("2018-12-05T08:30+08:00", "2018-12-05T08:30:00+08:00", "minute"),
        ("2022-04-22T18:36:31+08:00", "2022-04-22T18:36:31+08:00", "second"),
        ("2022-04-22T10:36:31+00:00", "2022-04-22T10:36:31+00:00", "second"),
    ],
)
def test_published_value_is_rfc3339_with_seconds(printed, value, precision) -> None:
    assert published_value(printed) == (value, precision)


def test_extracted_records_carry_schema_2_times() -> None:
    page = article_html(
        "平顶山湛河区党建", "4月20日上午，湛河区举行活动。", when="2022-04-22 18:36"
    )
    record = extract(page.encode(), "http://news.hnr.cn/202204/22/1.html")
    assert record["published_at"] == "2022-04-22T18:36:00+08:00"
    assert record["published_precision"] == "minute"
    keys = list(record)
    assert keys[keys.index("published_at") + 1] == "published_precision"


def test_golden_records_are_schema_2() -> None:
    expected = sorted(Path(__file__).resolve().parents[1].glob("fixtures/*/expected/*.json"))
    assert expected
    for path in expected:
        record = json.loads(path.read_text(encoding="utf-8"))
        assert record["schema_version"] == 2, path
        if record["published_at"] is not None:
            assert published_value(record["published_at"])[0] == record["published_at"], path
            assert record["published_precision"] in ("month", "day", "minute", "second"), path
