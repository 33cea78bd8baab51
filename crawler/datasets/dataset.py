"""Reading JSONL datasets line by line, and `xinwen validate FILE...`.

`iter_dataset(path)` streams a dataset (`.jsonl`, `.jsonl.gz`, `-` for standard input) and
yields one `DatasetLine` per non-blank line: the validated record, or the reason the line is bad.
A line is good when it is a JSON object that the `Article` model accepts in strict mode (no
silent coercion: `"1"` is not an int); the order of its keys does not matter. Version-1 records
are read as version 2 (`pipelines.schema.upgrade_record`).

Problems of a whole file (empty, not JSON lines at all, CRLF line endings) come as one
`DatasetLine` with `whole_file` set, so that a PNG is one line of output, not a hundred.
`xinwen validate` also reports a record that repeats an earlier one (`RepeatFinder`).
"""

from __future__ import annotations

import argparse
import glob
import gzip
import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from pipelines.export import RUNS_DIR
from pipelines.quarantine import QUARANTINE_SUFFIX
from pipelines.schema import SCHEMA_VERSION, SCHEMA_VERSIONS, Article, upgrade_record

__all__ = [
    "DatasetLine",
    "RepeatFinder",
    "add_validate_arguments",
    "check_line",
    "dataset_files",
    "iter_dataset",
    "open_dataset",
    "run_validate",
]

MAX_ERRORS_PER_LINE = 5
DATASET_SUFFIXES = (".jsonl", ".jsonl.gz", ".jl", ".ndjson")
SNIFF_BYTES = 512
# File signatures of what people hand a validator by mistake.
MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a zip archive",
    b"SQLite format 3": "an SQLite database",
    b"WARC/": "a WARC archive (use `xinwen extract`)",
}
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class DatasetLine:
    path: str
    lineno: int
    record: dict[str, Any] | None  # the parsed object when the line is good
    reason: str | None  # why the line is bad, None when good
    whole_file: bool = False  # a problem of the file, not of one line

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


def _lone_surrogate(text: str, obj: Any) -> bool:
    """Whether a parsed value holds a lone UTF-16 surrogate (`"\\ud800"`): it cannot be
    written as UTF-8. Only lines with a surrogate escape are re-encoded to find out."""
    if "\\ud" not in text and "\\uD" not in text:
        return False
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_line(raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """(record, None) for a good line, (None, reason) for a bad one. A version-1 record comes
    back as version 2."""
    if raw.startswith(BOM):
        return None, "UTF-8 byte order mark before the record (pandas cannot read it)"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 (byte {exc.start + 1})"
    try:
        obj = json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        hint = "; truncated last line?" if not raw.endswith(b"\n") else ""
        return None, f"invalid JSON: {exc.msg} (column {exc.colno}{hint})"
    except RecursionError:
        return None, "invalid JSON: nested too deep"
    except ValueError as exc:
        return None, f"invalid JSON: {exc}"
    if not isinstance(obj, dict):
        return None, f"not a JSON object but a JSON {type(obj).__name__}"
    if _lone_surrogate(text, obj):
        return None, "a lone UTF-16 surrogate escape (\\udXXX) in a string: not writable as UTF-8"
    version = obj.get("schema_version", SCHEMA_VERSION)
    if type(version) is int and version not in SCHEMA_VERSIONS:
        known = " or ".join(map(str, SCHEMA_VERSIONS))
        return None, f"schema_version: {version} is not {known}"
    obj = upgrade_record(obj)
    try:
        Article.model_validate(obj, strict=True)
    except ValidationError as exc:
        return None, _format_errors(exc)
    return obj, None


def _sniff(head: bytes) -> str | None:
    """Why a file whose first bytes are `head` is not JSON lines at all, else None."""
    for magic, what in MAGIC.items():
        if head.startswith(magic):
            return f"not JSON lines but {what}"
    if b"\x00" in head:
        return "not JSON lines but binary data"
    first = head.removeprefix(BOM).lstrip(b" \t\r\n").split(b"\n", 1)[0].strip()
    if first in (b"{", b"["):
        return "not JSON lines but one JSON document over many lines (one object per line needed)"
    if first.startswith(b"[") and first[1:].lstrip().startswith(b"{"):
        return "not JSON lines but a JSON array (one object per line needed)"
    return None


def iter_dataset(path: str, stdin: IO[bytes] | None = None) -> Iterator[DatasetLine]:
    """Every non-blank line of a dataset, checked. Streams: one line in memory at a time.
    Raises OSError when the file cannot be opened; a damaged gzip ends with a bad line."""
    name = "<stdin>" if path == "-" else path
    stream = open_dataset(path, stdin)
    lineno = 0
    records = 0
    crlf: list[int] = []  # the first CRLF line and how many
    try:
        try:
            head = stream.peek(SNIFF_BYTES)[:SNIFF_BYTES] if hasattr(stream, "peek") else b""
            problem = _sniff(head)
            if problem:
                yield DatasetLine(name, 0, None, problem, whole_file=True)
                return
            for lineno, raw in enumerate(stream, start=1):
                if raw.endswith(b"\r\n"):
                    crlf = [crlf[0] if crlf else lineno, (crlf[1] if crlf else 0) + 1]
                    raw = raw[:-2] + b"\n"
                if not raw.strip():
                    continue
                records += 1
                record, reason = check_line(raw)
                yield DatasetLine(name, lineno, record, reason)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            yield DatasetLine(name, lineno + 1, None, f"unreadable: {exc}")
            return
    finally:
        if stream is not stdin and path != "-":
            stream.close()
    if crlf:
        more = f" and {crlf[1] - 1} more" if crlf[1] > 1 else ""
        yield DatasetLine(
            name,
            crlf[0],
            None,
            f"CRLF line ending (this line{more}; pandas reads a stray \\r)",
            whole_file=True,
        )
    if not records:
        yield DatasetLine(name, 0, None, "empty: no records", whole_file=True)


def _is_dataset_file(path: Path) -> bool:
    return path.name.endswith(DATASET_SUFFIXES) and not path.name.endswith(QUARANTINE_SUFFIX)


def dataset_files(arguments: list[str]) -> Iterator[tuple[str, str | None]]:
    """(path, None) for each dataset file the arguments name, (argument, why) for one that
    names none: a file as it is, a directory's JSONL files (recursively, the run manifests and
    quarantine files left out), a glob's matches (quoted, so that the shell did not expand it)."""
    for argument in arguments:
        if argument == "-" or Path(argument).is_file():
            yield argument, None
        elif Path(argument).is_dir():
            found = sorted(
                str(p)
                for p in Path(argument).rglob("*")
                if p.is_file() and _is_dataset_file(p) and RUNS_DIR not in p.parts
            )
            if not found:
                yield argument, "a directory without JSONL files"
            for path in found:
                yield path, None
        elif glob.has_magic(argument):
            matches = sorted(glob.glob(argument, recursive=True))
            if not matches:
                yield argument, "no file matches"
            yield from dataset_files(matches)
        else:
            yield argument, None  # opening it says what is wrong


class RepeatFinder:
    """Finds records that repeat an earlier one: the same `url` or `canonical_url`, or the same
    body `fingerprint` without `duplicate_of` saying so. Keeps 8 bytes per key."""

    def __init__(self) -> None:
        self._seen: dict[bytes, str] = {}

    def repeats(self, line: DatasetLine) -> str | None:
        """Why this good line repeats an earlier one (where, which key), else None."""
        record = line.record or {}
        where = f"{line.path}:{line.lineno}"
        found = None
        keys = [("url", record.get("url")), ("canonical_url", record.get("canonical_url"))]
        if not record.get("duplicate_of"):
            keys.append(("fingerprint", record.get("fingerprint")))
        for name, value in keys:
            if not isinstance(value, str):
                continue
            digest = hashlib.blake2b(f"{name}\0{value}".encode(), digest_size=8).digest()
            earlier = self._seen.setdefault(digest, where)
            if found is None and earlier != where:
                found = f"repeats {earlier} (same {name})"
        return found


# ----------------------------------------------------------------------------------------
# xinwen validate


def add_validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="JSONL dataset (.jsonl, .jsonl.gz), a directory of them (a partitioned -o DIR/), "
        "a quoted glob, or - for standard input",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print only the summary, not each bad line"
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def run_validate(
    files: list[str] | argparse.Namespace,
    out: IO[str] | None = None,
    err: IO[str] | None = None,
    quiet: bool = False,
    stdin: IO[bytes] | None = None,
) -> int:
    """`xinwen validate FILE...`: each bad line as `FILE:LINE: reason` (a problem of a whole
    file as `FILE: reason`) on standard output, then a summary. Exit 1 when any line or file is
    bad or a record repeats, 2 when a file cannot be read, else 0."""
    if isinstance(files, argparse.Namespace):
        files, quiet = files.files, files.quiet
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    n_files = n_lines = n_good = n_bad = n_repeated = n_file_problems = 0
    unreadable = 0
    repeats = RepeatFinder()

    def show(text: str) -> None:
        if not quiet:
            out.write(text + "\n")

    for path, missing in dataset_files(list(files)):
        if missing:
            unreadable += 1
            print(f"xinwen: {path}: {missing}", file=err)
            continue
        try:
            for line in iter_dataset(path, stdin):
                if line.whole_file:
                    n_file_problems += 1
                    where = f"{line.path}:{line.lineno}" if line.lineno else line.path
                    show(f"{where}: {line.reason}")
                    continue
                n_lines += 1
                if not line.ok:
                    n_bad += 1
                    show(f"{line.path}:{line.lineno}: {line.reason}")
                    continue
                n_good += 1
                repeated = repeats.repeats(line)
                if repeated:
                    n_repeated += 1
                    show(f"{line.path}:{line.lineno}: {repeated}")
        except OSError as exc:
            unreadable += 1
            print(f"xinwen: {path}: {(exc.strerror or str(exc)).lower()}", file=err)
            continue
        n_files += 1
    summary = f"{_plural(n_files, 'file')}, {n_lines} lines: {n_good} good, {n_bad} bad"
    if n_repeated:
        summary += f", {n_repeated} repeated"
    if n_file_problems:
        summary += f"; {_plural(n_file_problems, 'file problem')}"
    if unreadable:
        summary += f"; {unreadable} unreadable"
    out.write(summary + "\n")
    if unreadable:
        return 2
    return 1 if n_bad or n_repeated or n_file_problems else 0
