"""Multi-page articles in a real crawl: pages fetched in order and merged into one record."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import REPO, needs_bundled_mirror, read_jsonl, run_xinwen

GALLERY = "http://www.hnr.cn/news/tpxw/201705/t20170518_2984512.html"
EXPECTED = REPO / "fixtures" / "hnr" / "expected" / "trs-2017-gallery.json"


def _gallery(records: list[dict]) -> dict:
    found = [r for r in records if r["url"] == GALLERY]
    assert len(found) == 1, [r["url"] for r in records]
    return found[0]


@needs_bundled_mirror
def test_gallery_pages_merge_into_one_record_and_rearchive_the_same(tmp_path: Path) -> None:
    out, warc = tmp_path / "tpxw.jsonl", tmp_path / "tpxw.warc.gz"
    proc = run_xinwen(
        "crawl", "hnr", "--offline", "-a", "channels=tpxw", "-o", str(out), "--warc", str(warc)
    )
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    records = read_jsonl(out)
    gallery = _gallery(records)
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert gallery["body"] == expected["body"]
    assert gallery["images"] == expected["images"] and len(gallery["images"]) == 4
    assert not any(r["url"].endswith("_1.html") for r in records)  # page 2 has no record

    again = run_xinwen("extract", str(warc))
    reextracted = {
        json.loads(line)["canonical_url"]: json.loads(line)
        for line in again.stdout.decode("utf-8").splitlines()
    }
    for record in records:
        twin = reextracted[record["canonical_url"]]
        assert twin["fingerprint"] == record["fingerprint"]
        assert twin["body"] == record["body"] and twin["images"] == record["images"]


@needs_bundled_mirror
def test_missing_later_page_still_gives_the_first_pages(tmp_path: Path) -> None:
    root = tmp_path / "fixtures"
    shutil.copytree(REPO / "fixtures" / "hnr", root / "hnr")
    manifest_path = root / "hnr" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["pages"] = [p for p in manifest["pages"] if not p["url"].endswith("2984512_1.html")]
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    (root / "hnr" / "mirror" / "www.hnr.cn/news/tpxw/201705/t20170518_2984512_1.html").unlink()
    out = tmp_path / "tpxw.jsonl"
    proc = run_xinwen(
        "crawl", "hnr", "--offline", "-a", "channels=tpxw", "-o", str(out), "-L", "INFO",
        "-s", f"XINWEN_MIRROR_ROOT={root}", "-s", "RETRY_ENABLED=False",
    )  # fmt: skip
    gallery = _gallery(read_jsonl(out))
    assert len(gallery["images"]) == 2
    assert "老君山景区海拔" not in gallery["body"]
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert "'xinwen/multipage/incomplete': 1" in proc.stderr.decode("utf-8")
