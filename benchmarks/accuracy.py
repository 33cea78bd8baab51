"""Accuracy of xinwen, trafilatura and GNE on the evaluation sets, printed as tables.

    python benchmarks/accuracy.py [SET_DIR ...] [--tools xinwen,trafilatura,gne]
                                  [--predictions OUT_DIR] [--json] [--pages] [--failures]
                                  [--split]

A set is a folder with `truth.jsonl` and the pages it names. Without SET_DIR, both shared sets
are scored: `shared/eval` (51 older news, blog and portal pages) and `shared/eval/news` (32
modern portal and regional pages), found in a `shared` folder beside the repository or beside
any of its parents, or in `$XINWEN_EVAL_DIR`. Scores are the metrics of the sets' own
`score.py` (in the set's folder or the nearest parent that has one), imported by path so that
they cannot drift.

`--failures` lists every page where xinwen misses a field: the field, the truth, the prediction.
`--split` splits the pages by site (the URL's registrable domain, else the page id without its
trailing number) into halves A and B by a hash of the site name, and scores each half apart:
rules written from half A's failures are checked on half B.

xinwen gets the raw bytes (it detects the encoding itself); each peer gets the page decoded as
UTF-8, else GB18030, which is how the set's README measured them.
"""

from __future__ import annotations

import argparse
import hashlib
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
    ("source", "来源"),
    ("body", "body bigram F1"),
    ("snippets", "snippets"),
)
TOOLS = ("xinwen", "trafilatura", "gne")
# Fields a tool does not predict at all: printed as "–", not as a score of 0.
NOT_PREDICTED = {"trafilatura": {"source"}, "gne": {"source"}}
# A page's field counts as failed below this per-page score (body F1 is never exactly 1).
FAIL_BELOW = {"body": 0.8, "snippets": 1.0}
SHARED_SETS = ("eval", "eval/news")


def shared_dir() -> Path | None:
    """The `shared` folder beside the repository or beside one of its parents."""
    for parent in REPO.parents:
        if (parent / "shared" / "eval" / "truth.jsonl").is_file():
            return parent / "shared"
    return None


def eval_dir(explicit: str | None = None) -> Path | None:
    """The older evaluation set's folder, or None when it is not on this machine."""
    shared = shared_dir()
    for candidate in (
        explicit,
        os.environ.get("XINWEN_EVAL_DIR"),
        shared / "eval" if shared else None,
    ):
        if candidate and (Path(candidate) / "truth.jsonl").is_file():
            return Path(candidate)
    return None


def eval_dirs() -> list[Path]:
    """Both shared sets that are on this machine (none when the shared folder is absent)."""
    base = eval_dir()
    if base is None:
        return []
    found = [base]
    if (base / "news" / "truth.jsonl").is_file():
        found.append(base / "news")
    return found


def load_scorer(directory: Path) -> ModuleType:
    for folder in (directory, *directory.parents):
        if (folder / "score.py").is_file():
            break
    else:
        raise FileNotFoundError(f"no score.py in {directory} or above")
    spec = importlib.util.spec_from_file_location("xinwen_eval_score", folder / "score.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {folder / 'score.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_truth(directory: Path) -> list[dict]:
    with open(directory / "truth.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def page_url(item: dict, directory: Path) -> str:
    return item.get("url") or (directory / item["file"]).resolve().as_uri()


def site_of(item: dict) -> str:
    """The page's site: its URL's registrable domain, else its id without a trailing number."""
    from crawler.extract.urls import registrable_domain

    url = item.get("url") or ""
    # An archived copy is the archived site's page.
    archived = re.search(r"/web/\d+/(https?://.+)$", url)
    domain = registrable_domain(archived.group(1) if archived else url) if url else None
    return domain or re.sub(r"-\d+$", "", item["id"])


def half_of(site: str) -> str:
    """ "A" or "B", fixed for a site: the parity of the first byte of its name's SHA-1."""
    return "AB"[hashlib.sha1(site.encode("utf-8")).digest()[0] % 2]


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
        "source": record.get("source"),
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
        except Exception as err:  # a tool crashing on a page scores as an empty prediction
            print(f"{tool}: {item['id']}: {type(err).__name__}: {err}", file=sys.stderr)
            prediction = {}
        predictions[item["id"]] = {"id": item["id"], **prediction}
    return predictions, time.perf_counter() - started


def pages_lost(truth: list[dict], predictions: dict[str, dict], needs_title: bool) -> int:
    """Pages with a body in the truth for which the tool gave no body, or no headline where
    the tool's record needs one (xinwen rejects a record without a title)."""
    lost = 0
    for item in truth:
        prediction = predictions.get(item["id"], {})
        has_title = bool((prediction.get("title") or "").strip()) or not needs_title
        if item.get("body") and not ((prediction.get("body") or "").strip() and has_title):
            lost += 1
    return lost


def score_set(
    scorer: ModuleType, truth: list[dict], predictions: dict[str, dict], tool: str = "xinwen"
) -> dict:
    result = scorer.score(truth, predictions)
    lost = pages_lost(truth, predictions, needs_title=tool == "xinwen")
    result["lost"] = {"pages": len(truth), "score": lost}
    return result


def scores_for(tool: str, directory: Path | None = None) -> dict:
    """score.py's result for one tool on one whole set (used by the CI gate), plus `lost`."""
    directory = directory or eval_dir()
    if directory is None:
        raise FileNotFoundError("evaluation set not found")
    truth = load_truth(directory)
    predictions, _ = predict(tool, truth, directory)
    return score_set(load_scorer(directory), truth, predictions, tool)


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for tool, package in (("xinwen", "xinwen"), ("trafilatura", "trafilatura"), ("gne", "gne")):
        try:
            found[tool] = version(package)
        except PackageNotFoundError:
            found[tool] = "?"
    return found


def _cell(tool: str, key: str, result: dict) -> str:
    value = result[key]["score"]
    if value is None or key in NOT_PREDICTED.get(tool, ()):
        return "–"
    return str(value) if key == "lost" else f"{value:.2f}"


def table(results: dict[str, dict], timings: dict[str, float], tools: list[str]) -> str:
    ver = versions()
    header = ["field", "pages", *(f"{t} {ver[t]}" for t in tools)]
    rows = [header, ["---"] * len(header)]
    first = results[tools[0]]
    for key, label in (*FIELDS, ("lost", "pages lost")):
        cells = [label, str(first[key]["pages"])]
        cells += [_cell(tool, key, results[tool]) for tool in tools]
        rows.append(cells)
    rows.append(["time for all pages", "", *(f"{timings[t]:.1f} s" for t in tools)])
    return _markdown(rows)


def split_table(halves: dict[str, dict[str, dict]], tools: list[str]) -> str:
    """One column per (half, tool): the per-field scores of each half."""
    header = ["field", *(f"{h} {t} ({halves[h][t]['body']['pages']})" for h in "AB" for t in tools)]
    rows = [header, ["---"] * len(header)]
    for key, label in (*FIELDS, ("lost", "pages lost")):
        rows.append([label, *(_cell(t, key, halves[h][t]) for h in "AB" for t in tools)])
    return _markdown(rows)


def _markdown(rows: list[list[str]]) -> str:
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def _short(value, limit: int = 70) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    text = text.replace("\n", "⏎")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def failures(scorer: ModuleType, truth: list[dict], predictions: dict[str, dict]) -> list[str]:
    """One line per failed field of each page: id, site half, field, truth, prediction."""
    lines = []
    prediction_key = {"published": "published_at", "authors_none": "authors"}
    truth_key = {"authors_none": "authors"}
    for item in truth:
        prediction = predictions.get(item["id"], {})
        one = scorer.score([item], {item["id"]: prediction})
        for key, value in one.items():
            score = value["score"]
            if score is None or score >= FAIL_BELOW.get(key, 1.0):
                continue
            if key in {"body", "snippets"}:
                got = prediction.get("body") or ""
                wanted = f"{len(item.get('body') or '')} chars"
                shown = f"{score:.2f}, {len(got)} chars: {_short(got, 50)}"
            else:
                wanted = item.get(truth_key.get(key, key))
                shown = _short(prediction.get(prediction_key.get(key, key)))
            half = half_of(site_of(item))
            lines.append(f"{half} {item['id']:28s} {key:12s} truth={_short(wanted)}  got={shown}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", help="set folders (default: both shared sets)")
    parser.add_argument(
        "--tools", default=",".join(TOOLS), help="comma-separated: " + ",".join(TOOLS)
    )
    parser.add_argument("--eval-dir", action="append", help="a set folder (same as SET_DIR)")
    parser.add_argument("--predictions", help="write each tool's predictions as JSONL here")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--pages", action="store_true", help="per-page scores of each tool")
    parser.add_argument("--failures", action="store_true", help="xinwen's failed fields, by page")
    parser.add_argument("--split", action="store_true", help="scores per half of the sites")
    args = parser.parse_args(argv)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in tools if t not in RUNNERS]
    if unknown or not tools:
        parser.error(f"unknown tools: {unknown}; choose from {', '.join(TOOLS)}")
    named = [*(args.sets or []), *(args.eval_dir or [])]
    directories = [Path(d) for d in named] if named else eval_dirs()
    missing = [d for d in directories if not (d / "truth.jsonl").is_file()]
    if not directories or missing:
        print(
            f"evaluation set not found{': ' + ', '.join(map(str, missing)) if missing else ''}"
            " (a shared/eval beside the repository, $XINWEN_EVAL_DIR, or SET_DIR)",
            file=sys.stderr,
        )
        return 2
    sys.path.insert(0, str(REPO))
    report: dict[str, dict] = {}
    for directory in directories:
        scorer = load_scorer(directory)
        truth = load_truth(directory)
        results: dict[str, dict] = {}
        timings: dict[str, float] = {}
        all_predictions: dict[str, dict[str, dict]] = {}
        for tool in tools:
            predictions, seconds = predict(tool, truth, directory)
            all_predictions[tool] = predictions
            results[tool] = score_set(scorer, truth, predictions, tool)
            timings[tool] = seconds
            if args.predictions:
                out = Path(args.predictions) / directory.name
                out.mkdir(parents=True, exist_ok=True)
                with open(out / f"{tool}.jsonl", "w", encoding="utf-8") as handle:
                    for prediction in predictions.values():
                        handle.write(json.dumps(prediction, ensure_ascii=False) + "\n")
        halves: dict[str, dict[str, dict]] = {}
        if args.split:
            for half in "AB":
                part = [item for item in truth if half_of(site_of(item)) == half]
                halves[half] = {
                    tool: score_set(scorer, part, all_predictions[tool], tool) for tool in tools
                }
        report[str(directory)] = {"scores": results, "seconds": timings, "halves": halves}
        if args.json:
            continue
        print(f"\n{len(truth)} pages from {directory}")
        print(table(results, timings, tools))
        if args.split:
            sites = {site_of(item) for item in truth}
            in_a = sum(half_of(s) == "A" for s in sites)
            print(f"\nby site ({in_a} sites in half A, {len(sites) - in_a} in half B)")
            print(split_table(halves, tools))
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
        if args.failures and "xinwen" in all_predictions:
            print("\nxinwen's failures (half, page, field, truth, prediction):")
            for line in failures(scorer, truth, all_predictions["xinwen"]):
                print(line)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
