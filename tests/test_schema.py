"""The record's contract: the shipped JSON Schema is the one the pydantic model generates."""

from __future__ import annotations

import json

from pipelines.schema import JSON_SCHEMA_PATH, SCHEMA_VERSION, Article, json_schema_text


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
