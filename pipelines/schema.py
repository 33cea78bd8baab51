"""The record: the dataset's contract (schema_version 1).

Field order here is the key order of every exported JSON line. `record.schema.json` at the
repository's `pipelines/` folder is generated from this model (`xinwen schema`); a test keeps
the two in sync.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = 1
JSON_SCHEMA_PATH = Path(__file__).with_name("record.schema.json")


DATE_ONLY_RE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


def _publish_time(value: str | None) -> str | None:
    """A calendar date as precise as printed (`2022-04-22`, `1998-03`), or a date and time with
    an explicit UTC offset; a clock time without offset is ambiguous and refused."""
    if value is None or DATE_ONLY_RE.match(value):
        return value
    return _offset_datetime(value)


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


OffsetTime = Annotated[str | None, AfterValidator(_publish_time)]
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
    published_at: OffsetTime = Field(
        default=None,
        description="ISO 8601 with offset (+08:00 unless the page says otherwise), or a date as precise as printed",
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
    fetched_at: str = Field(description="ISO 8601 UTC time of the fetch")
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


def json_schema() -> dict:
    return Article.model_json_schema()


def json_schema_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"
