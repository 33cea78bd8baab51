"""Feed exporters for the formats a table tool reads (`FEED_EXPORTERS` in crawler/settings.py).

`-o out.csv`: one row per record, columns in schema order. Scrapy's own CSV exporter joins a
list of strings with commas and writes a list of objects as a Python repr
(`[{'name': '高君晓', …}]`), which nothing can read back; here every list or object cell is
its JSON text (`[{"name": "高君晓", …}]`, UTF-8, not `\\uXXXX`), so that
`pd.read_csv(...)["reporters"].map(json.loads)` gives the records' values back.
"""

from __future__ import annotations

import json
from typing import Any

from scrapy.exporters import CsvItemExporter


def json_cell(value: Any) -> Any:
    """A list or object as its JSON text; anything else as it is."""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


class JsonCellCsvItemExporter(CsvItemExporter):
    """CSV with nested fields (reporters, editors, keywords, section, images) as JSON text."""

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        serializer = field.get("serializer", json_cell)
        return serializer(value)
