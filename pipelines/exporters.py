"""Feed exporters for the formats a table tool reads (`FEED_EXPORTERS` in crawler/settings.py).

`-o out.csv`: one row per record, columns in schema order. Scrapy's own CSV exporter joins a
list of strings with commas and writes a list of objects as a Python repr
(`[{'name': '高君晓', …}]`), which nothing can read back; here every list or object cell is
its JSON text (`[{"name": "高君晓", …}]`, UTF-8, not `\\uXXXX`), so that
`pd.read_csv(...)["reporters"].map(json.loads)` gives the records' values back.

`-o out.jsonl`: Scrapy's JSON-lines output, byte for byte, with the record serialised once:
the line and the record it came from go to the durable feed storage together, which then has
no need to parse its own line back (pipelines/export.py).
"""

from __future__ import annotations

import json
from typing import Any

from scrapy.exporters import BaseItemExporter, CsvItemExporter, JsonLinesItemExporter


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


class RecordJsonLinesItemExporter(JsonLinesItemExporter):
    """Scrapy's JSON-lines exporter that hands each line to the file with its record, when the
    file takes records (`write_record`) and no field serializer is customised."""

    def export_item(self, item: Any) -> None:
        write_record = getattr(self.file, "write_record", None)
        if (
            write_record is None
            or not isinstance(item, dict)
            or type(self).serialize_field is not BaseItemExporter.serialize_field
        ):
            super().export_item(item)
            return
        # What get_serialized_fields gives for a dict (no field metadata, so no serializer),
        # without an adapter and a call per field.
        fields = self.fields_to_export
        if fields is None:
            names: Any = item
        elif isinstance(fields, dict):
            names = fields.items()
        else:
            names = fields
        record = {}
        for name in names:
            source, output = (name, name) if isinstance(name, str) else name
            if source in item:
                record[output] = item[source]
            elif self.export_empty_fields:
                record[output] = None
        line = self.encoder.encode(record) + "\n"
        write_record(line.encode(self.encoding or "utf-8"), record)
