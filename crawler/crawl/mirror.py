"""The offline mirror: a loopback forward HTTP proxy serving `fixtures/<site>/mirror/`.

Scrapy sends `GET http://news.hnr.cn/djn/ HTTP/1.1` to it (the request's `proxy` meta is set by
`crawler.crawl.middlewares.OfflineMirrorMiddleware`); the server maps the absolute URL to a saved file
through `fixtures/<site>/manifest.json` (or, failing that, the path convention
`mirror/<host>/<path>`, a path ending in `/` meaning `index.html`) and answers with the saved bytes
and the manifest's Content-Type, or 404. It never forwards anything: in offline mode the mirror's
own loopback address is the only reachable host, and records keep their original hnr.cn URLs.

    with MirrorServer.for_site("hnr") as mirror:
        print(mirror.proxy_url)  # http://127.0.0.1:PORT
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import crawler

logger = logging.getLogger(__name__)

# The repository's fixtures folder, found from the installed (editable) package, so the mirror
# works from any working directory.
FIXTURES_DIR = Path(crawler.__file__).resolve().parent.parent / "fixtures"

GUESSED_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".shtml": "text/html",
    ".txt": "text/plain",
    ".xml": "application/xml",
    ".json": "application/json",
    ".jpg": "image/jpeg",
    ".png": "image/png",
}


@dataclass(frozen=True)
class MirrorEntry:
    url: str
    file: Path
    content_type: str | None
    kind: str | None = None


def url_key(url: str) -> str:
    """Scheme, lower-case host and path (+ query); no fragment, no default port."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != 80:
        host = f"{host}:{parts.port}"
    key = f"{parts.scheme.lower() or 'http'}://{host}{parts.path or '/'}"
    return f"{key}?{parts.query}" if parts.query else key


class Mirror:
    """What the mirror serves: manifest entries first, then files by the path convention."""

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir
        self.mirror_dir = (site_dir / "mirror").resolve()
        self.entries: dict[str, MirrorEntry] = {}
        manifest = site_dir / "manifest.json"
        if manifest.is_file():
            data = json.loads(manifest.read_text(encoding="utf-8"))
            pages = data["pages"] if isinstance(data, dict) else data
            for page in pages:
                entry = MirrorEntry(
                    url=page["url"],
                    file=(site_dir / page["file"]).resolve(),
                    content_type=page.get("content_type"),
                    kind=page.get("kind"),
                )
                self.entries[url_key(page["url"])] = entry

    def lookup(self, url: str) -> MirrorEntry | None:
        key = url_key(url)
        entry = self.entries.get(key)
        if entry is not None:
            return entry if entry.file.is_file() else None
        # Path convention for files the manifest does not list (robots.txt, images …).
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        path = unquote(parts.path or "/")
        if path.endswith("/"):
            path += "index.html"
        candidate = (self.mirror_dir / host / path.lstrip("/")).resolve()
        if not candidate.is_relative_to(self.mirror_dir) or not candidate.is_file():
            return None
        return MirrorEntry(url, candidate, GUESSED_TYPES.get(candidate.suffix.lower()))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "xinwen-mirror/1"
    server: _Server

    def _target(self) -> str:
        if "://" in self.path:  # proxy form: GET http://host/path
            return self.path
        host = self.headers.get("Host", "")
        return f"http://{host}{self.path}"

    def _respond(self, send_body: bool) -> None:
        target = self._target()
        entry = self.server.mirror.lookup(target)
        if entry is None:
            body = b"not in the offline mirror\n"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
        else:
            body = entry.file.read_bytes()
            self.send_response(200)
            if entry.content_type:
                self.send_header("Content-Type", entry.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)
        self.server.served.append((target, 404 if entry is None else 200))

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def do_CONNECT(self) -> None:
        # A tunnel to port 80 (the browser's route.fetch asks for one) carries plain HTTP: its
        # requests are answered like any other; https tunnels are not mirrored.
        if not self.path.endswith(":80"):
            self.send_error(405, "the offline mirror serves http:// URLs only")
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = False

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("mirror: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    mirror: Mirror
    served: list[tuple[str, int]]


class MirrorServer:
    """A loopback forward proxy serving one site's mirror, in a background thread."""

    def __init__(self, site_dir: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.site_dir = Path(site_dir)
        if not self.site_dir.is_dir():
            raise FileNotFoundError(f"no offline mirror at {self.site_dir}")
        self.host = host
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def for_site(cls, site: str, root: Path | str | None = None) -> MirrorServer:
        return cls(Path(root or FIXTURES_DIR) / site)

    @property
    def proxy_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def served(self) -> list[tuple[str, int]]:
        """(URL, status) of every request answered so far."""
        return self._server.served if self._server else []

    def start(self) -> MirrorServer:
        server = _Server((self.host, self.port), _Handler)
        server.mirror = Mirror(self.site_dir)
        server.served = []
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        logger.info("offline mirror of %s serving on %s", self.site_dir, self.proxy_url)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> MirrorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
