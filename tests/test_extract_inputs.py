"""`xinwen extract` on what users hand it (issue 16, issue 18 item 5): saved pages that name their
URL, a site's mirror directory, gzipped pages, empty inputs, cut and fake archives."""

from __future__ import annotations

import gzip
import io
import json
import shutil
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.datasets.archives import looks_like_html, mirror_url, named_url
from tests.conftest import article_html, run_xinwen

REPO = Path(__file__).resolve().parents[1]
MIRROR = REPO / "fixtures" / "hnr" / "mirror"
PAGE_URL = "http://news.hnr.cn/201906/21/1325417.html"
PAGE_FILE = MIRROR / "news.hnr.cn" / "201906" / "21" / "1325417.html"


def records(proc) -> list[dict]:
    return [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]


def saved_copy(tmp_path: Path, head_tag: bytes = b"") -> Path:
    """The mirror's page saved elsewhere (a browser's "save as"), with `head_tag` in its head."""
    body = PAGE_FILE.read_bytes()
    if head_tag:
        body = body.replace(b"<head>", b"<head>" + head_tag, 1)
        assert head_tag in body
    path = tmp_path / "saved.html"
    path.write_bytes(body)
    return path


# -- the URL a page names --------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        b'<link rel="canonical" href="http://news.hnr.cn/a.html">',
        b"<link href='http://news.hnr.cn/a.html' rel=canonical />",
        b'<meta content="http://news.hnr.cn/a.html" property="og:url">',
    ],
)
def test_named_url_in_any_attribute_order(tag: bytes) -> None:
    assert named_url(b"<html><head>" + tag + b"</head><body></body></html>") == (
        "http://news.hnr.cn/a.html"
    )


def test_named_url_ignores_relative_and_missing() -> None:
    assert named_url(b'<link rel="canonical" href="/a.html">') is None
    assert named_url(b"<html><head><title>x</title></head></html>") is None


def test_mirror_layout_names_the_url(tmp_path: Path) -> None:
    assert mirror_url(str(PAGE_FILE)) == PAGE_URL
    assert mirror_url(str(MIRROR / "news.hnr.cn" / "djn" / "index.html")) == (
        "http://news.hnr.cn/djn/"
    )
    assert mirror_url(str(tmp_path / "saved.html")) is None  # no host directory


def test_html_by_content() -> None:
    assert looks_like_html(b"\xef\xbb\xbf<!DOCTYPE html><html>")
    assert looks_like_html(b"<!-- saved -->\n<html lang=zh>")
    assert not looks_like_html(b"\x89PNG\r\n") and not looks_like_html(b'{"pages": []}')


def test_a_page_naming_its_url_gets_its_sites_parser(tmp_path: Path) -> None:
    canonical = f'<link rel="canonical" href="{PAGE_URL}">'.encode()
    saved = saved_copy(tmp_path, canonical)
    [record] = records(run_xinwen("extract", str(saved)))
    [given] = records(run_xinwen("extract", "--url", PAGE_URL, str(saved)))
    assert record["extractor"].startswith("hnr_cn/") and record["site"] == "hnr.cn"
    assert record["url"] == saved.resolve().as_uri() and record["canonical_url"] == PAGE_URL
    assert all(image["url"].startswith("http://news.hnr.cn/") for image in record["images"])
    for key in ("title", "reporters", "editors", "body", "section", "images", "published_at"):
        assert record[key] == given[key], key


def test_a_page_naming_no_url_says_the_generic_parser_ran(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(article_html("平顶山湛河区党建", "4月20日上午，湛河区举行活动。").encode())
    proc = run_xinwen("extract", str(page))
    assert proc.returncode == 0
    [record] = records(proc)
    assert record["extractor"].startswith("generic/")
    assert "generic parser" in proc.stderr.decode() and "--url" in proc.stderr.decode()


# -- a mirror directory ----------------------------------------------------------------------


@pytest.mark.slow
def test_a_mirror_directory_gives_its_articles_only(tmp_path: Path) -> None:
    proc = run_xinwen("extract", str(MIRROR), timeout=300)
    stderr = proc.stderr.decode()
    found = records(proc)
    by_url = {r["canonical_url"]: r for r in found}
    assert len(by_url) == len(found) == 13  # the 13 articles a crawl of the mirror writes
    assert all(r["extractor"].startswith("hnr_cn/") for r in found)
    assert "精品原创" not in {r["title"] for r in found}  # the list page is no article
    assert any("/article/1/" in url for url in by_url)  # extension-less article files
    # 8 list pages, and the one whose links are built by script
    assert "skipped 9 list pages" in stderr and "other files" in stderr
    # the one empty page, and the two app shells (xinwen extract renders nothing)
    assert proc.returncode == 1 and "1517314794451906561" in stderr
    assert "1516683132269506564" in stderr and "1522400882979778562" in stderr


def test_gzipped_pages_are_read(tmp_path: Path) -> None:
    body = article_html("郑州地铁新线开通", "郑州市民乘坐新线出行。").encode()
    named = tmp_path / "one.html.gz"
    named.write_bytes(gzip.compress(body))
    [record] = records(run_xinwen("extract", "--url", "http://news.hnr.cn/1.html", str(named)))
    assert record["title"] == "郑州地铁新线开通"
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "page").write_bytes(gzip.compress(body))  # no extension, gzip: read by content
    (folder / "notes.txt").write_text("not a page")
    proc = run_xinwen("extract", str(folder))
    assert [r["title"] for r in records(proc)] == ["郑州地铁新线开通"]
    assert "1 other files" in proc.stderr.decode()


def test_nothing_found_is_a_failure(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run_xinwen("extract", str(empty))
    assert proc.returncode == 1
    assert (
        proc.stderr.decode().strip() == f"xinwen: nothing found: no HTML page or archive in {empty}"
    )
    (empty / "data.json").write_text("{}")
    (empty / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    proc = run_xinwen("extract", str(empty))
    assert proc.returncode == 1 and "nothing found" in proc.stderr.decode()


# -- archives --------------------------------------------------------------------------------


def write_warc(path: Path, n: int = 3) -> bytes:
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=path.name.endswith(".gz"))
        for i in range(n):
            body = article_html(f"新闻标题{i}", "正文内容讲述乡村振兴的做法。" * 30).encode()
            http = StatusAndHeaders(
                "200 OK",
                [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
                protocol="HTTP/1.1",
            )
            record = writer.create_warc_record(
                f"http://news.hnr.cn/202204/22/{i + 10}.html", "response",
                payload=io.BytesIO(body), length=len(body), http_headers=http,
            )  # fmt: skip
            writer.write_record(record)
    return path.read_bytes()


@pytest.mark.parametrize("name", ["cut.warc", "cut.warc.gz"])
def test_a_cut_archive_rejects_its_truncated_record(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    whole = write_warc(path)
    path.write_bytes(whole[: len(whole) - 300])  # the last record loses its end
    proc = run_xinwen("extract", str(path))
    stderr = proc.stderr.decode()
    assert proc.returncode == 1
    assert [r["title"] for r in records(proc)] == ["新闻标题0", "新闻标题1"]
    assert "12.html" in stderr and "truncated record:" in stderr and "(Content-Length)" in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file (0 bytes)"),
        (b"hello, a text file\n", "named .gz but not gzip"),
        (b"WARC/1.0\r\n", "named .gz but not gzip"),
        (b"\x1f\x8b" + bytes(range(256)), "damaged gzip"),
    ],
)
def test_fake_archives_are_one_line_errors(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(content)
    proc = run_xinwen("extract", str(path))
    lines = proc.stderr.decode().splitlines()
    assert proc.returncode == 1 and proc.stdout == b""
    assert len(lines) == 1 and lines[0].startswith(f"xinwen: {path}: {reason}"), lines


def test_a_text_file_named_warc_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.warc"
    shutil.copy(PAGE_FILE, path)
    proc = run_xinwen("extract", str(path))
    lines = proc.stderr.decode().splitlines()
    assert proc.returncode == 1
    assert lines == [f"xinwen: {path}: not a WARC or ARC archive (no WARC/ARC record at the start)"]
