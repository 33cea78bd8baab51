"""Accuracy of xinwen, trafilatura and GNE on the evaluation set, printed as one table.

    python benchmarks/accuracy.py [--tools xinwen,trafilatura,gne] [--eval-dir DIR]
                                  [--predictions OUT_DIR] [--json] [--pages]

The evaluation set (51 real Chinese news pages with hand-made truth, origin and licence in its
README) lives outside the repository, in `<repo>/../shared/eval` or `$XINWEN_EVAL_DIR`. Scores
are the metrics of the set's own `score.py`, imported by path so that they cannot drift.

xinwen gets the raw bytes (it detects the encoding itself); each peer gets the page decoded as
UTF-8, else GB18030, which is how the set's README measured them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
FIELDS = (
    ("title", "title"),
    ("published", "published"),
    ("authors", "authors F1"),
    ("authors_none", "no author invented"),
    ("body", "body bigram F1"),
    ("snippets", "snippets"),
)
TOOLS = ("xinwen", "trafilatura", "gne")


def eval_dir(explicit: str | None = None) -> Path | None:
    """The evaluation set's folder, or None when it is not on this machine."""
    for candidate in (explicit, os.environ.get("XINWEN_EVAL_DIR"), REPO.parent / "shared" / "eval"):
        if candidate and (Path(candidate) / "truth.jsonl").is_file():
            return Path(candidate)
    return None


def load_scorer(directory: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("xinwen_eval_score", directory / "score.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {directory / 'score.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_truth(directory: Path) -> list[dict]:
    with open(directory / "truth.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def page_url(item: dict, directory: Path) -> str:
    return item.get("url") or (directory / item["file"]).resolve().as_uri()


def decode_for_peer(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("gb18030", errors="replace")


# ------------------------------------------------------------------------------ tools
def run_xinwen(body: bytes, url: str) -> dict:
    from crawler.extract import extract

    record = extract(body, url)
    return {
        "title": record.get("title"),
        "published_at": scorable_time(record.get("published_at")),
        "authors": [person["name"] for person in record.get("reporters") or []],
        "body": record.get("body") or "",
    }


def scorable_time(value: str | None) -> str | None:
    """xinwen prints a date as precisely as the page does ("1998-03" for "1998年3月号");
    score.py reads ISO datetimes only, and compares just the parts the truth gives, so a
    partial date is padded with the first month / day for it to read."""
    if value and re.fullmatch(r"\d{4}(?:-\d{2})?", value):
        return value + "-01" * (3 - len(value.split("-")))
    return value


_AUTHOR_SPLIT_RE = re.compile(r"\s*[;；,，、]\s*")
# trafilatura's own date search at its most thorough, asked for the clock time too (its default
# output is the day alone, which could never match a printed minute).
TRAFILATURA_DATE_PARAMS = {
    "original_date": True,
    "extensive_search": True,
    "outputformat": "%Y-%m-%d %H:%M:%S",
}


def run_trafilatura(body: bytes, url: str) -> dict:
    import trafilatura

    html = decode_for_peer(body)
    doc = trafilatura.bare_extraction(
        html,
        url=url if url.startswith("http") else None,
        with_metadata=True,
        date_extraction_params=TRAFILATURA_DATE_PARAMS,
    )
    if doc is None:
        return {}
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    author = data.get("author") or ""
    return {
        "title": data.get("title"),
        "published_at": normalise_peer_time(data.get("date")),
        "authors": [a for a in _AUTHOR_SPLIT_RE.split(author) if a],
        "body": data.get("text") or "",
    }


_GNE = None


def run_gne(body: bytes, url: str) -> dict:
    global _GNE
    if _GNE is None:
        from gne import GeneralNewsExtractor

        _GNE = GeneralNewsExtractor()
    html = decode_for_peer(body)
    result = _GNE.extract(html)
    author = result.get("author") or ""
    published = result.get("publish_time") or None
    return {
        "title": result.get("title"),
        "published_at": normalise_peer_time(published),
        "authors": [a for a in _AUTHOR_SPLIT_RE.split(author) if a],
        "body": result.get("content") or "",
    }


def normalise_peer_time(value: str | None) -> str | None:
    """GNE prints times as found ("2019年06月21日 09:45"): read them with xinwen's date
    reader so that the peer is not penalised for the format, only for the value."""
    if not value:
        return None
    from crawler.extract.dates import parse_machine_time

    parsed = parse_machine_time(value)
    return parsed.iso if parsed else None


RUNNERS: dict[str, Callable[[bytes, str], dict]] = {
    "xinwen": run_xinwen,
    "trafilatura": run_trafilatura,
    "gne": run_gne,
}


def predict(tool: str, truth: list[dict], directory: Path) -> tuple[dict[str, dict], float]:
    """Predictions of one tool for every page, and the seconds they took."""
    runner = RUNNERS[tool]
    predictions: dict[str, dict] = {}
    started = time.perf_counter()
    for item in truth:
        body = (directory / item["file"]).read_bytes()
        try:
            prediction = runner(body, page_url(item, directory))
        except Exception as err:  # a peer crashing on a page scores as an empty prediction
            print(f"{tool}: {item['id']}: {type(err).__name__}: {err}", file=sys.stderr)
            prediction = {}
        predictions[item["id"]] = {"id": item["id"], **prediction}
    return predictions, time.perf_counter() - started


def scores_for(tool: str, directory: Path | None = None) -> dict:
    """score.py's result for one tool on the whole set (used by the CI gate)."""
    directory = directory or eval_dir()
    if directory is None:
        raise FileNotFoundError("evaluation set not found")
    truth = load_truth(directory)
    predictions, _ = predict(tool, truth, directory)
    return load_scorer(directory).score(truth, predictions)


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for tool, package in (("xinwen", "xinwen"), ("trafilatura", "trafilatura"), ("gne", "gne")):
        try:
            found[tool] = version(package)
        except PackageNotFoundError:
            found[tool] = "?"
    return found


def table(results: dict[str, dict], timings: dict[str, float], tools: list[str]) -> str:
    ver = versions()
    header = ["field", "pages", *(f"{t} {ver[t]}" for t in tools)]
    rows = [header, ["---"] * len(header)]
    first = results[tools[0]]
    for key, label in FIELDS:
        cells = [label, str(first[key]["pages"])]
        for tool in tools:
            value = results[tool][key]["score"]
            cells.append("–" if value is None else f"{value:.2f}")
        rows.append(cells)
    rows.append(["time for all pages", "", *(f"{timings[t]:.1f} s" for t in tools)])
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tools", default=",".join(TOOLS), help="comma-separated: " + ",".join(TOOLS)
    )
    parser.add_argument("--eval-dir", help="folder with truth.jsonl, pages/ and score.py")
    parser.add_argument("--predictions", help="write each tool's predictions as JSONL here")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--pages", action="store_true", help="per-page scores of each tool")
    args = parser.parse_args(argv)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in tools if t not in RUNNERS]
    if unknown or not tools:
        parser.error(f"unknown tools: {unknown}; choose from {', '.join(TOOLS)}")
    directory = eval_dir(args.eval_dir)
    if directory is None:
        print("evaluation set not found: set XINWEN_EVAL_DIR or use --eval-dir", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO))
    scorer = load_scorer(directory)
    truth = load_truth(directory)
    results: dict[str, dict] = {}
    timings: dict[str, float] = {}
    all_predictions: dict[str, dict[str, dict]] = {}
    for tool in tools:
        predictions, seconds = predict(tool, truth, directory)
        all_predictions[tool] = predictions
        results[tool] = scorer.score(truth, predictions)
        timings[tool] = seconds
        if args.predictions:
            out = Path(args.predictions)
            out.mkdir(parents=True, exist_ok=True)
            with open(out / f"{tool}.jsonl", "w", encoding="utf-8") as handle:
                for prediction in predictions.values():
                    handle.write(json.dumps(prediction, ensure_ascii=False) + "\n")
    if args.pages:
        for item in truth:
            cells = []
            for tool in tools:
                one = scorer.score([item], {item["id"]: all_predictions[tool][item["id"]]})
                parts = [
                    f"{key[:4]}={value['score']:.2f}"
                    for key, value in one.items()
                    if value["score"] is not None
                ]
                cells.append(f"{tool}: {' '.join(parts)}")
            print(item["id"], " | ".join(cells))
    if args.json:
        print(json.dumps({"scores": results, "seconds": timings}, ensure_ascii=False, indent=1))
    else:
        print(f"{len(truth)} pages from {directory}")
        print(table(results, timings, tools))
    return 0


if __name__ == "__main__":
    sys.exit(main())
