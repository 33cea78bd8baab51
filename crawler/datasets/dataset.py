"""Reading JSONL datasets line by line, and `xinwen validate FILE...`.

`iter_dataset(path)` streams a dataset (`.jsonl`, `.jsonl.gz`, `-` for standard input) and
yields one `DatasetLine` per non-blank line: the validated record, or the reason the line is bad.
A line is good when it is a JSON object that the `Article` model accepts in strict mode (no
silent coercion: `"1"` is not an int); the order of its keys does not matter.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from pydantic import ValidationError

from pipelines.schema import SCHEMA_VERSION, Article

__all__ = [
    "DatasetLine",
    "add_validate_arguments",
    "check_line",
    "iter_dataset",
    "open_dataset",
    "run_validate",
]

MAX_ERRORS_PER_LINE = 5


@dataclass(frozen=True)
class DatasetLine:
    path: str
    lineno: int
    record: dict[str, Any] | None  # the parsed object when the line is good
    reason: str | None  # why the line is bad, None when good

    @property
    def ok(self) -> bool:
        return self.reason is None


def open_dataset(path: str, stdin: IO[bytes] | None = None) -> IO[bytes]:
    """A binary stream over a dataset file; gzip by name or by magic; `-` is standard input."""
    if path == "-":
        return stdin if stdin is not None else sys.stdin.buffer
    fh = open(path, "rb")  # noqa: SIM115 (returned to the caller, who closes it)
    if path.endswith(".gz") or fh.peek(2)[:2] == b"\x1f\x8b":
        fh.close()
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return fh


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def _format_errors(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    parts = []
    for error in errors[:MAX_ERRORS_PER_LINE]:
        loc = ".".join(str(part) for part in error["loc"]) or "record"
        msg = error["msg"]
        if error["type"] not in ("missing", "extra_forbidden") and "input" in error:
            shown = json.dumps(error["input"], ensure_ascii=False)
            if len(shown) > 40:
                shown = shown[:37] + "..."
            msg = f"{msg}, got {shown}"
        parts.append(f"{loc}: {msg}")
    if len(errors) > MAX_ERRORS_PER_LINE:
        parts.append(f"and {len(errors) - MAX_ERRORS_PER_LINE} more")
    return "; ".join(parts)


def check_line(raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """(record, None) for a good line, (None, reason) for a bad one."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 (byte {exc.start + 1})"
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        obj = json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        hint = "; truncated last line?" if not raw.endswith(b"\n") else ""
        return None, f"invalid JSON: {exc.msg} (column {exc.colno}{hint})"
    except ValueError as exc:
        return None, f"invalid JSON: {exc}"
    if not isinstance(obj, dict):
        return None, f"not a JSON object but a JSON {type(obj).__name__}"
    try:
        Article.model_validate(obj, strict=True)
    except ValidationError as exc:
        return None, _format_errors(exc)
    if obj.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        return None, f"schema_version: {obj['schema_version']} is not {SCHEMA_VERSION}"
    return obj, None


def iter_dataset(path: str, stdin: IO[bytes] | None = None) -> Iterator[DatasetLine]:
    """Every non-blank line of a dataset, checked. Streams: one line in memory at a time.
    Raises OSError when the file cannot be opened; a damaged gzip ends with a bad line."""
    name = "<stdin>" if path == "-" else path
    stream = open_dataset(path, stdin)
    lineno = 0
    try:
        try:
            for lineno, raw in enumerate(stream, start=1):
                if not raw.strip():
                    continue
                record, reason = check_line(raw)
                yield DatasetLine(name, lineno, record, reason)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            yield DatasetLine(name, lineno + 1, None, f"unreadable: {exc}")
    finally:
        if stream is not stdin and path != "-":
            stream.close()


# ----------------------------------------------------------------------------------------
# xinwen validate


def add_validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="JSONL dataset (.jsonl, .jsonl.gz, or - for standard input)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print only the summary, not each bad line"
    )


def run_validate(
    files: list[str] | argparse.Namespace,
    out: IO[str] | None = None,
    err: IO[str] | None = None,
    quiet: bool = False,
    stdin: IO[bytes] | None = None,
) -> int:
    """`xinwen validate FILE...`: each bad line as `FILE:LINE: reason` on standard output, then
    a summary. Exit 1 when any line is bad, 2 when a file cannot be read, else 0."""
    if isinstance(files, argparse.Namespace):
        files, quiet = files.files, files.quiet
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    n_files = n_lines = n_good = n_bad = 0
    unreadable = 0
    for path in files:
        try:
            lines = iter_dataset(path, stdin)
            for line in lines:
                n_lines += 1
                if line.ok:
                    n_good += 1
                    continue
                n_bad += 1
                if not quiet:
                    out.write(f"{line.path}:{line.lineno}: {line.reason}\n")
        except OSError as exc:
            unreadable += 1
            print(f"xinwen: {path}: {(exc.strerror or str(exc)).lower()}", file=err)
            continue
        n_files += 1
    summary = (
        f"{n_files} file{'s' if n_files != 1 else ''}, {n_lines} lines: {n_good} good, {n_bad} bad"
    )
    if unreadable:
        summary += f"; {unreadable} unreadable"
    out.write(summary + "\n")
    if unreadable:
        return 2
    return 1 if n_bad else 0
