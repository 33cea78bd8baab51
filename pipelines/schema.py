"""The record: the dataset's contract (schema_version 2).

Field order here is the key order of every exported JSON line. `record.schema.json` at the
repository's `pipelines/` folder is generated from this model (`xinwen schema`); a test keeps
the two in sync.

Schema 2 (from 1): `published_at` is always an RFC 3339 timestamp with seconds and offset (a
date printed without time is `…T00:00:00+08:00`), and `published_precision` says how much of it
the page printed. `upgrade_record` reads a version-1 record as version 2.
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from crawler.extract.dates import published_value

SCHEMA_VERSION = 2
SCHEMA_VERSIONS = (1, 2)  # versions `upgrade_record` reads
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
JSON_SCHEMA_PATH = Path(__file__).with_name("record.schema.json")

DATE_ONLY_RE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
RFC3339_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")


def _rfc3339(value: str) -> str:
    """RFC 3339 date-time: seconds and an explicit offset (`2022-04-22T18:36:31+08:00`)."""
    if not RFC3339_RE.match(value):
        raise ValueError("not an RFC 3339 time with seconds and offset")
    datetime.fromisoformat(value.replace("Z", "+00:00"))  # a real day and clock
    return value


def upgrade_record(obj: dict[str, Any]) -> dict[str, Any]:
    """A version-1 record as version 2 (a new dict, keys in schema order); other records as they
    are. A version-1 `published_at` it cannot read is left for validation to report."""
    if obj.get("schema_version") != 1:
        return obj
    published = obj.get("published_at")
    precision: str | None = None
    if isinstance(published, str):
        with contextlib.suppress(ValueError):
            published, precision = published_value(published)
    upgraded: dict[str, Any] = {}
    for key, value in obj.items():
        if key == "schema_version":
            value = SCHEMA_VERSION
        upgraded[key] = published if key == "published_at" else value
        if key == "published_at":
            upgraded["published_precision"] = precision
    return upgraded


def _offset_datetime(value: str) -> str:
    """ISO 8601 date and time with an explicit UTC offset."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("time has no UTC offset")
    return value


def _stripped_nonempty(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("empty")
    return value


Timestamp = Annotated[
    str, AfterValidator(_rfc3339), Field(json_schema_extra={"format": "date-time"})
]
Name = Annotated[str, AfterValidator(_stripped_nonempty), Field(max_length=40)]


class Reporter(BaseModel):
    """A credited person: 记者, 通讯员, 实习生, 摄影, 文, 图, 作者 …"""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="the person's name as printed")
    role: str = Field(
        description="role as printed: 记者, 通讯员, 见习记者, 实习生, 摄影, 文, 图, 作者 …"
    )
    org: str | None = Field(
        default=None, description="organisation before the role: 大象新闻, 本报"
    )


class Editor(BaseModel):
    """An editor credit: 责编, 责任编辑, 编辑, 校对, 审核 …"""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="the editor's name as printed")
    role: str = Field(description="role as printed: 责编, 责任编辑, 编辑, 校对, 审核 …")


class Image(BaseModel):
    """An image inside the article body."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="absolute URL")
    caption: str | None = Field(default=None, description="caption where printed")

    @field_validator("url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith(("http://", "https://", "file://", "data:")):
            raise ValueError("image URL is not absolute")
        return value


class Article(BaseModel):
    """One news article, one JSON line."""

    model_config = ConfigDict(extra="forbid", title="xinwen article record")

    url: str = Field(description="the URL the page was fetched from (a local file: file:// URI)")
    canonical_url: str = Field(description="rel=canonical / og:url on the same site, else url")
    site: str | None = Field(description="registrable domain, e.g. hnr.cn")
    title: str = Field(min_length=1, description="the headline alone, without the site suffix")
    subtitle: str | None = Field(default=None, description="副题 / 引题 where printed")
    published_at: Timestamp | None = Field(
        default=None,
        description="RFC 3339 with seconds and offset (+08:00 unless the page says otherwise); "
        "a date printed without time is T00:00:00",
    )
    published_precision: Literal["month", "day", "minute", "second"] | None = Field(
        default=None,
        description="how much of published_at the page printed: month, day, minute, second",
    )
    published_at_raw: str | None = Field(
        default=None, description="the text the time was read from"
    )
    source: str | None = Field(default=None, description="来源 as printed, without the label")
    reporters: list[Reporter] = Field(default_factory=list, description="every credited person")
    editors: list[Editor] = Field(default_factory=list, description="责编, 责任编辑, 编辑 …")
    body: str = Field(min_length=1, description="article text, paragraphs joined by \\n")
    keywords: list[str] = Field(default_factory=list, description="the article's own keywords")
    section: list[str] = Field(default_factory=list, description="breadcrumb trail")
    images: list[Image] = Field(default_factory=list, description="images inside the article")
    language: str = Field(default="zh", description="language code")
    fetched_at: Annotated[str, Field(json_schema_extra={"format": "date-time"})] = Field(
        description="ISO 8601 UTC time of the fetch"
    )
    extractor: str = Field(description="parser and version, e.g. hnr_cn/1")
    fingerprint: str = Field(min_length=8, description="hash of the normalised body")
    duplicate_of: str | None = Field(
        default=None, description="canonical_url of an earlier record with (nearly) the same body"
    )
    schema_version: int = Field(default=SCHEMA_VERSION, description="record schema version")

    @field_validator("title", "body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("blank")
        return value

    @field_validator("fetched_at")
    @classmethod
    def _fetched_offset(cls, value: str) -> str:
        _offset_datetime(value)
        return value

    @model_validator(mode="after")
    def _precision_with_time(self) -> Article:
        if (self.published_at is None) != (self.published_precision is None):
            raise ValueError("published_precision is given exactly when published_at is")
        return self


def json_schema() -> dict:
    return {"$schema": JSON_SCHEMA_DIALECT, **Article.model_json_schema()}


def json_schema_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"
