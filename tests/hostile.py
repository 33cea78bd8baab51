"""A corpus of broken and hostile pages, generated on demand (some are megabytes: not committed).

Each case: a name, the bytes, and whether a record may come out of it (`yields`): True when the
page still holds an article, False when the right answer is a clear refusal.
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

ARTICLE = (
    "<html><head><meta charset='utf-8'><title>郑州新建公园游园120个_映象网</title></head><body>"
    "<h1>郑州新建公园游园120个</h1><p class='info'>2022-04-22 18:36:31 来源:映象网</p>"
    "<div class='content'><p>映象网讯(记者 王小明)今年以来，郑州市新建公园游园一百二十个，"
    "市民出门见绿、推窗见景的愿望正在变成现实。</p><p>据介绍，这些游园大多建在老旧小区周边，"
    "方便居民就近休闲健身。</p></div><p>责编:李华</p></body></html>"
)


@dataclass(frozen=True)
class HostileCase:
    name: str
    body: bytes
    yields: bool | None  # None: a record or a clear refusal are both right
    what: str


def _png() -> bytes:
    raw = b"\x00\xff\x00\x00" * 16
    chunk = zlib.compress(raw)
    return b"\x89PNG\r\n\x1a\n" + len(chunk).to_bytes(4, "big") + b"IDAT" + chunk + b"\x00" * 4


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n" + bytes(range(256)) * 40 + b"\n%%EOF"


def cases() -> list[HostileCase]:
    article = ARTICLE.encode("utf-8")
    big_paragraph = "<p>" + "这是一段很长的正文内容，用来测试十兆字节的页面。" * 20 + "</p>\n"
    ten_mb = ARTICLE.replace(
        "</div>", big_paragraph * ((10 * 1024 * 1024) // len(big_paragraph.encode()) + 1) + "</div>"
    ).encode("utf-8")
    nested = ("<div>" * 20000 + "<p>深层嵌套的段落，正文在这里。</p>" + "</div>" * 20000).encode()
    return [
        HostileCase("empty", b"", False, "empty response"),
        HostileCase("whitespace", b" \r\n\t \n" * 100, False, "whitespace only"),
        HostileCase("png-as-html", _png(), False, "an image served as text/html"),
        HostileCase("pdf-as-html", _pdf(), False, "a PDF served as text/html"),
        HostileCase("gzip-as-html", gzip.compress(article), False, "compressed bytes as text/html"),
        HostileCase("truncated-mid-page", article[: len(article) * 2 // 3], True, "cut mid-page"),
        HostileCase(
            "truncated-mid-tag",
            article[: article.index(b"<p>") + 2],
            None,
            "cut mid-tag before the body",
        ),
        HostileCase("ten-megabytes", ten_mb, True, "a 10 MB page"),
        HostileCase("deep-nesting", nested, False, "20,000 levels of nesting"),
        HostileCase(
            "invalid-bytes",
            article.replace("今年以来".encode(), b"\xff\xfe\x80\x81" * 5),
            True,
            "invalid byte runs inside UTF-8",
        ),
        HostileCase(
            "lying-charset",
            ARTICLE.replace("charset='utf-8'", "charset='gb2312'").encode("utf-8"),
            True,
            "meta says gb2312, bytes are UTF-8",
        ),
        HostileCase(
            "mixed-encodings",
            ARTICLE[:400].encode("utf-8") + ARTICLE[400:].encode("gb18030"),
            True,
            "UTF-8 head, GB18030 tail",
        ),
        HostileCase(
            "nul-bytes", article.replace(b"<p>", b"<p>\x00\x00"), True, "NUL bytes in the text"
        ),
        HostileCase(
            "script-only",
            b"<html><head><script>" + b"var a=1;" * 5000 + b"</script></head><body></body></html>",
            False,
            "a page that is only script",
        ),
        HostileCase(
            "huge-attribute",
            ARTICLE.replace("<h1>", "<h1 data-x='" + "a" * (3 * 1024 * 1024) + "'>").encode(),
            True,
            "a 3 MB attribute",
        ),
        HostileCase(
            "entity-bomb",
            (
                b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                + b"".join(
                    f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">'.encode()
                    for i in range(10)
                )
                + b"]><html><body><p>&lol9;</p></body></html>"
            ),
            False,
            "an XML entity bomb (billion laughs)",
        ),
        HostileCase(
            "reporter-backtracking",
            ARTICLE.replace("映象网讯(记者 王小明)", "映象网讯(" + "记者" * 20000 + ")").encode(),
            True,
            "记者 × 20,000",
        ),
        HostileCase(
            "source-backtracking",
            ARTICLE.replace("来源:映象网", "来源：" * 20000).encode(),
            True,
            "来源： × 20,000",
        ),
        HostileCase(
            "date-backtracking",
            ARTICLE.replace("</div>", "<p>" + "2022年" * 20000 + "</p></div>").encode(),
            True,
            "2022年 × 20,000",
        ),
        HostileCase(
            "editor-backtracking",
            ARTICLE.replace("责编:李华", "责编：" * 20000).encode(),
            True,
            "责编： × 20,000",
        ),
    ]


def write_corpus(folder: Path) -> list[tuple[HostileCase, Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for case in cases():
        path = folder / f"{case.name}.html"
        path.write_bytes(case.body)
        written.append((case, path))
    return written


def as_stream(case: HostileCase) -> io.BytesIO:
    return io.BytesIO(case.body)
