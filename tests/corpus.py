"""The pages the equivalence tests read: every page of the fixture mirrors, at the URL of its
place in the mirror, and the evaluation set's real pages when the set is on the machine
(`../shared/eval` or `$XINWEN_EVAL_DIR`; they are not in the repository)."""

from __future__ import annotations

import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


def fixture_page_paths() -> list[Path]:
    return sorted(FIXTURES.rglob("*.htm*"))


def mirror_url(path: Path) -> str:
    """`fixtures/<site>/mirror/<host>/<path>` -> `http://<host>/<path>`."""
    _, mirrored = str(path).split("/mirror/", 1)
    return f"http://{mirrored}"


def fixture_pages() -> list[tuple[str, bytes]]:
    """(URL, bytes) of every fixture mirror page."""
    return [(mirror_url(path), path.read_bytes()) for path in fixture_page_paths()]


def eval_dir() -> Path | None:
    for candidate in (os.environ.get("XINWEN_EVAL_DIR"), REPO.parent / "shared" / "eval"):
        if candidate and (Path(candidate) / "truth.jsonl").is_file():
            return Path(candidate)
    return None


def evaluation_pages() -> list[tuple[str, bytes]]:
    """(URL, bytes) of the evaluation set's pages (a file:// URL where the truth has none);
    empty when the set is not on this machine."""
    directory = eval_dir()
    if directory is None:
        return []
    pages = []
    for line in (directory / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        path = directory / item["file"]
        pages.append((item.get("url") or path.resolve().as_uri(), path.read_bytes()))
    return pages
