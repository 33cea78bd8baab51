"""Validation: every item becomes a `pipelines.schema.Article` or goes to the quarantine."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.state import stop_crawl
from crawler.state.files import os_reason
from pipelines.quarantine import Quarantine, RejectedPage, quarantine_record
from pipelines.schema import Article

logger = logging.getLogger(__name__)

# Fields whose problems name the rejection first, most telling first.
REASON_PRIORITY = ("body", "title", "url")
EMPTY_TYPES = {"missing", "string_too_short", "value_error", "string_type", "none_required"}


class Rejected(ValueError):
    """A record that does not validate: a short `reason` and the pydantic `errors`."""

    def __init__(self, reason: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.errors = errors


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def rejection_reason(fields: dict[str, Any], errors: list[dict[str, Any]]) -> str:
    """`empty body`, `missing title`, `invalid published_at`, `unexpected field x` …"""
    by_field: dict[str, dict[str, Any]] = {}
    for error in errors:
        name = str(error["loc"][0]) if error.get("loc") else "record"
        by_field.setdefault(name, error)
    order = [*REASON_PRIORITY, *Article.model_fields]
    names = sorted(by_field, key=lambda n: order.index(n) if n in order else len(order))
    name = names[0]
    error = by_field[name]
    if error["type"] == "extra_forbidden":
        return f"unexpected field {name}"
    if (
        name in Article.model_fields
        and error["type"] in EMPTY_TYPES
        and _is_empty(fields.get(name))
    ):
        return "empty body" if name == "body" else f"missing {name}"
    return f"invalid {name}"


def _plain_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": ".".join(str(part) for part in e["loc"]), "type": e["type"], "msg": e["msg"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]


def validate_record(fields: dict[str, Any]) -> Article:
    """The validated record, or `Rejected` with a reason and the errors."""
    try:
        return Article.model_validate(fields)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        raise Rejected(rejection_reason(fields, list(errors)), _plain_errors(exc)) from None


class ValidationPipeline:
    """Validate each item into `Article` (a plain dict in schema order comes out); anything else
    goes to the quarantine with its URL, reason, errors and fields, is counted under
    `xinwen/rejected/<reason>` and dropped. Parse failures arrive as `RejectedPage` items."""

    def __init__(self, crawler: Crawler, quarantine: Quarantine) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.quarantine = quarantine

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidationPipeline:
        return cls(crawler, Quarantine.from_crawler(crawler))

    def open_spider(self) -> None:
        self.quarantine.open()

    def close_spider(self) -> None:
        self.quarantine.close()

    def reject(self, url: str | None, reason: str, errors: list[Any], fields: dict) -> DropItem:
        try:
            self.quarantine.write(quarantine_record(url, reason, errors, fields))
        except OSError as exc:
            # Not durable, so not "rejected": the page stays unmarked and is fetched again.
            stop_crawl(
                self.crawler,
                "output error",
                f"cannot write {self.quarantine.path}: {os_reason(exc)}",
            )
            return DropItem(f"not quarantined ({reason}): {url}", log_level="WARNING")
        self.stats.inc_value(f"xinwen/rejected/{reason}")
        self.stats.inc_value("xinwen/rejected_count")
        return DropItem(f"rejected ({reason}): {url}", log_level="WARNING")

    def process_item(self, item: Any) -> dict[str, Any]:
        if isinstance(item, RejectedPage):
            raise self.reject(item.url, item.reason, item.errors, item.fields)
        fields = dict(item)
        try:
            article = validate_record(fields)
        except Rejected as exc:
            raise self.reject(fields.get("url"), exc.reason, exc.errors, fields) from None
        self.stats.inc_value("xinwen/validated_count")
        return article.model_dump(mode="json")
