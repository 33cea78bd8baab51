"""Saved pages in: WARC/ARC archives, directories, globs, files and stdin (`crawler.datasets.archives`)."""

from __future__ import annotations

import gzip
import io
import json
import tracemalloc
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.datasets.archives import (
    ArchiveStats,
    charset_from_content_type,
    iter_pages,
    run_extract,
)
from crawler.extract import extract
from pipelines.schema import Article

PAGES = Path(__file__).parent / "data" / "pages"
UTF8_PAGE = (PAGES / "article-utf8.html").read_bytes()
GBK_PAGE = (PAGES / "article-gbk.html").read_bytes()
WARC_DATE = "2024-05-02T03:04:05Z"


def _response(writer, url, body, status="200 OK", content_type="text/html; charset=utf-8"):
    headers = [("Content-Length", str(len(body)))]
    if content_type:
        headers.insert(0, ("Content-Type", content_type))
    return writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=StatusAndHeaders(status, headers, protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Date": WARC_DATE},
    )


def write_warc(path: Path) -> Path:
    """warcinfo, request/response pairs, an image, a 404, a redirect, metadata, a revisit."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=path.name.endswith(".gz"))
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        req = writer.create_warc_record(
            "http://www.hnr.cn/a.html",
            "request",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=StatusAndHeaders(
                "GET /a.html HTTP/1.1", [("Host", "www.hnr.cn")], is_http_request=True
            ),
        )
        resp = _response(writer, "http://www.hnr.cn/a.html", UTF8_PAGE)
        writer.write_request_response_pair(req, resp)
        # GBK page, charset only in the HTTP header
        writer.write_record(
            _response(writer, "http://www.hnr.cn/b.html", GBK_PAGE, content_type="text/html")
        )
        writer.write_record(
            _response(
                writer, "http://www.hnr.cn/c.jpg", b"\xff\xd8\xff\xe0", content_type="image/jpeg"
            )
        )
        writer.write_record(
            _response(writer, "http://www.hnr.cn/gone.html", b"<html>gone</html>", "404 Not Found")
        )
        writer.write_record(
            _response(writer, "http://www.hnr.cn/old.html", b"", "301 Moved Permanently")
        )
        writer.write_record(
            writer.create_warc_record(
                "http://www.hnr.cn/a.html",
                "metadata",
                payload=io.BytesIO(b"outlinks: x"),
                length=11,
                warc_content_type="application/warc-fields",
            )
        )
    return path


def write_arc(path: Path) -> Path:
    """An ARC v1 file: a filedesc header record and two HTTP responses."""

    def record(url: str, http: bytes, ctype: str) -> bytes:
        return f"{url} 127.0.0.1 20240502030405 {ctype} {len(http)}\n".encode() + http + b"\n"

    def http(body: bytes, ctype: str, status: str = "200 OK") -> bytes:
        head = f"HTTP/1.0 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
        return head.encode() + body

    desc = b"1 0 test\nURL IP-address Archive-date Content-type Archive-length\n"
    data = (
        f"filedesc://{path.name} 0.0.0.0 20240502030405 text/plain {len(desc)}\n".encode()
        + desc
        + b"\n"
        + record("http://www.hnr.cn/a.html", http(UTF8_PAGE, "text/html"), "text/html")
        + record("http://www.hnr.cn/x.css", http(b"body{}", "text/css"), "text/css")
        + record("http://www.hnr.cn/b.html", http(GBK_PAGE, "text/html; charset=GBK"), "text/html")
    )
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_warc_pages_and_skips(tmp_path, name):
    stats = ArchiveStats()
    pages = list(iter_pages([str(write_warc(tmp_path / name))], stats))
    assert [p.url for p in pages] == ["http://www.hnr.cn/a.html", "http://www.hnr.cn/b.html"]
    assert pages[0].body == UTF8_PAGE
    assert pages[0].http_charset == "utf-8"
    assert pages[1].body == GBK_PAGE
    assert pages[1].http_charset is None
    assert pages[0].fetched_at == "2024-05-02T03:04:05+00:00"
    assert stats.pages == 2
    assert stats.skipped_non_html == 1
    assert stats.skipped_non_200 == 2
    assert stats.skipped_other_records == 3  # warcinfo, request, metadata


@pytest.mark.parametrize("name", ["old.arc", "old.arc.gz"])
def test_arc_files(tmp_path, name):
    """`old.arc.gz` is one gzip member (as `gzip old.arc` makes it), which warcio alone refuses."""
    stats = ArchiveStats()
    pages = list(iter_pages([str(write_arc(tmp_path / name))], stats))
    assert [p.url for p in pages] == ["http://www.hnr.cn/a.html", "http://www.hnr.cn/b.html"]
    assert pages[1].body == GBK_PAGE
    assert pages[1].http_charset == "GBK"
    assert pages[0].fetched_at == "2024-05-02T03:04:05+00:00"
    assert stats.skipped_non_html == 1


def test_single_member_gzip_warc(tmp_path):
    plain = write_warc(tmp_path / "crawl.warc")
    squashed = tmp_path / "squashed.warc.gz"
    squashed.write_bytes(gzip.compress(plain.read_bytes()))
    stats = ArchiveStats()
    pages = list(iter_pages([str(squashed)], stats))
    assert [p.url for p in pages] == ["http://www.hnr.cn/a.html", "http://www.hnr.cn/b.html"]
    assert stats.skipped_other_records == 3
    assert stats.skipped_non_200 == 2


def test_archive_found_by_content_under_another_name(tmp_path):
    path = write_warc(tmp_path / "crawl.warc.gz")
    renamed = path.rename(tmp_path / "crawl.bin")
    assert len(list(iter_pages([str(renamed)]))) == 2


def test_directories_recurse_and_globs(tmp_path):
    (tmp_path / "site" / "deep").mkdir(parents=True)
    (tmp_path / "site" / "one.html").write_bytes(UTF8_PAGE)
    (tmp_path / "site" / "deep" / "two.shtml").write_bytes(GBK_PAGE)
    (tmp_path / "site" / "deep" / "notes.txt").write_text("not a page")
    write_warc(tmp_path / "site" / "deep" / "c.warc.gz")

    pages = list(iter_pages([str(tmp_path / "site")]))
    names = [p.source_name for p in pages]
    assert len(pages) == 4
    assert not any("notes.txt" in n for n in names)
    local = [p for p in pages if p.url.startswith("file://")]
    assert {Path(p.source_name).name for p in local} == {"one.html", "two.shtml"}
    assert local[0].url == (tmp_path / "site" / "one.html").resolve().as_uri()  # top level first

    globbed = list(iter_pages([str(tmp_path / "site" / "**" / "*.html")]))
    assert [Path(p.source_name).name for p in globbed] == ["one.html"]


def test_file_and_stdin_urls(tmp_path):
    page = tmp_path / "p.html"
    page.write_bytes(UTF8_PAGE)
    [p] = iter_pages([str(page)], url="http://www.hnr.cn/p.html")
    assert p.url == "http://www.hnr.cn/p.html"
    assert p.fetched_at is None
    [s] = iter_pages(["-"], stdin=io.BytesIO(GBK_PAGE))
    assert s.body == GBK_PAGE
    assert s.source_name == "<stdin>"


def test_unreadable_inputs_are_reported(tmp_path):
    errors = []
    stats = ArchiveStats()
    pages = list(
        iter_pages([str(tmp_path / "missing.html")], stats, on_error=lambda *a: errors.append(a))
    )
    assert pages == []
    assert errors == [(str(tmp_path / "missing.html"), "no such file or directory")]


@pytest.mark.parametrize(
    ("header", "charset"),
    [
        ("text/html; charset=GBK", "GBK"),
        ('text/html; charset="utf-8"', "utf-8"),
        (b"text/html;charset=gb2312", "gb2312"),
        ("text/html", None),
        (None, None),
    ],
)
def test_charset_from_content_type(header, charset):
    assert charset_from_content_type(header) == charset


def test_streaming_memory_does_not_grow_with_the_archive(tmp_path):
    """300 pages of 100 kB each (30 MB of bodies): peak memory stays near one page."""
    path = tmp_path / "big.warc.gz"
    filler = ("<p>" + "河南新闻" * 25 + "</p>\n") * 330  # ~100 kB
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for i in range(300):
            body = f"<html><body><h1>第{i}篇</h1>{filler}</body></html>".encode()
            writer.write_record(_response(writer, f"http://www.hnr.cn/{i}.html", body))
    tracemalloc.start()
    try:
        count = sum(len(page.body) > 0 for page in iter_pages([str(path)]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 300
    assert peak < 3 * 1024 * 1024, peak


# -- xinwen extract ----------------------------------------------------------------------


def run(paths, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    status = run_extract(paths, out=out, err=err, **kwargs)
    return status, out.getvalue(), err.getvalue()


def test_extract_warc_records(tmp_path):
    status, out, err = run([str(write_warc(tmp_path / "crawl.warc.gz"))])
    assert status == 0, err
    lines = out.splitlines()
    assert len(lines) == 2
    records = [json.loads(line) for line in lines]
    for line, record in zip(lines, records, strict=True):
        Article.model_validate(record)
        assert list(record) == list(Article.model_fields)  # schema key order
        assert "\\u" not in line  # UTF-8 Chinese, never escaped
        assert record["fetched_at"] == "2024-05-02T03:04:05+00:00"
    assert records[1]["title"] == "洛阳牡丹文化节吸引游客超千万人次"  # GBK decoded
    expected = extract(UTF8_PAGE, "http://www.hnr.cn/a.html", "utf-8")
    assert records[0]["fingerprint"] == expected["fingerprint"]
    assert records[0]["canonical_url"] == expected["canonical_url"]
    summary = err.strip().splitlines()[-1]
    assert summary.startswith("xinwen: 2 records, 0 rejected")
    assert "1 non-HTML" in summary
    assert "2 non-200" in summary


def test_extract_rejects_a_page_with_one_line(tmp_path):
    good = tmp_path / "good.html"
    good.write_bytes(UTF8_PAGE)
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"   ")
    nobody = tmp_path / "nobody.html"
    nobody.write_bytes(b"<html><head><title>x</title></head><body></body></html>")
    status, out, err = run([str(good), str(empty), str(nobody)])
    assert status == 1
    assert len(out.splitlines()) == 1
    lines = err.splitlines()
    assert lines[0].startswith(f"xinwen: {empty}: empty page")
    assert lines[1].startswith(f"xinwen: {nobody}: ")
    assert "Traceback" not in err
    assert lines[-1].startswith("xinwen: 1 records, 2 rejected (")


def test_extract_one_file_no_summary_off_a_terminal(tmp_path):
    page = tmp_path / "p.html"
    page.write_bytes(UTF8_PAGE)
    status, out, err = run([str(page)], url="http://www.hnr.cn/news/p.html")
    assert status == 0
    assert err == ""
    record = json.loads(out)
    assert record["url"] == "http://www.hnr.cn/news/p.html"
    assert record["site"] == "hnr.cn"
    assert record["fetched_at"].endswith("+00:00")


def test_extract_stdin(tmp_path):
    status, out, _ = run(["-"], url="http://www.hnr.cn/b.html", stdin=io.BytesIO(GBK_PAGE))
    assert status == 0
    assert json.loads(out)["source"] == "河南日报"


def test_extract_missing_file_and_bad_url_use(tmp_path):
    status, out, err = run([str(tmp_path / "nope.html")])
    assert status == 1
    assert out == ""
    assert err.splitlines() == [f"xinwen: {tmp_path / 'nope.html'}: no such file or directory"]
    status, _, err = run(["a.html", "b.html"], url="http://x/")
    assert status == 2
    assert "--url" in err
    assert run([str(tmp_path)], url="http://x/")[0] == 2  # a directory holds many pages


def test_extract_namespace_from_its_parser(tmp_path):
    import argparse

    from crawler.datasets.archives import add_extract_arguments

    parser = argparse.ArgumentParser()
    add_extract_arguments(parser)
    args = parser.parse_args(["-q", str(write_warc(tmp_path / "c.warc"))])
    status, out, err = run(args)
    assert status == 0
    assert len(out.splitlines()) == 2
    assert err == ""


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_and_summary_on_a_terminal(tmp_path):
    page = tmp_path / "p.html"
    page.write_bytes(UTF8_PAGE)
    bad = tmp_path / "bad.html"
    bad.write_bytes(b" ")
    out, err = io.StringIO(), FakeTerminal()
    status = run_extract(
        [str(page), str(write_warc(tmp_path / "c.warc.gz")), str(bad)], out=out, err=err
    )
    assert status == 1
    assert len(out.getvalue().splitlines()) == 3
    text = err.getvalue()
    assert f"xinwen: {bad}: empty page" in text
    assert "pages" in text  # the bar
    assert (
        text.rstrip().splitlines()[-1].startswith("xinwen: 3 records, 1 rejected (empty page: 1)")
    )
    quiet = FakeTerminal()
    run_extract([str(page)], out=io.StringIO(), err=quiet, quiet=True)
    assert quiet.getvalue() == ""
