"""Rendering pages that build their article by script, in a real headless Chromium.

`RenderAddon` (in `ADDONS`) installs `RenderDownloadHandler`, scrapy-playwright's download
handler driving the system Chromium (`XINWEN_CHROMIUM_PATH`, else the first of `chromium`,
`chromium-browser`, `google-chrome` on PATH), unless rendering is off (`XINWEN_RENDER=never`) or
no browser is installed. Only requests with `meta["playwright"]` go to the browser; every other
request keeps Scrapy's own HTTP handler.

When a page is rendered (`RenderPolicy`, per profile `render = "never" | "auto" | "always"`,
`-s XINWEN_RENDER=...` overrides): `always` renders every article page; `auto` re-requests an
article page with the browser only when its static parse gave no body and the HTML looks like an
app shell (`app_shell_reason`), and a list page whose HTML gave no article link the same way.

Every request of a rendered page passes `RenderDownloadHandler`'s route first: images, fonts
and media are aborted; a URL off the spider's allowed domains (and the profile's
`render_allowed_domains`), one the private-address guard refuses (`crawler.crawl.safety`) or one
robots.txt disallows (whatever its kind: document, frame, XHR, script, style) is aborted; web sockets are closed and service workers blocked. What the
page loads is fetched by the route itself (redirects one hop at a time through the same checks,
`DOWNLOAD_MAXSIZE` per response); a document already fetched statically is served from those
bytes.
In offline mode the browser context uses the mirror proxy that Scrapy's requests use. A page
has `XINWEN_RENDER_TIMEOUT` seconds in all; at most `XINWEN_RENDER_MAX_PAGES` are open at once.
A crash or a hang is retried once (`RenderRetryMiddleware`), then the spider quarantines the page
with the reason. The browser is closed when the engine stops (SIGTERM included).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import shutil
from contextlib import suppress
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod
from twisted.internet.defer import Deferred

from crawler.crawl.failures import failure_reason
from crawler.crawl.safety import address_refusal, host_on_domains
from crawler.extract.decode import detect_encoding
from pipelines.quarantine import RejectedPage

logger = logging.getLogger(__name__)

RENDER_MODES = ("never", "auto", "always")
DEFAULT_RENDER_MODE = "auto"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Without the background-networking flags Chromium's own connections (updates, sync, Google
# look-ups) would leave the crawl; none of them is wanted.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # One list (Chromium reads only the last --disable-features): a page navigated to the next
    # article must not keep the last one alive for "back" (BackForwardCache), nor go to its
    # https:// twin instead of the http:// URL fetched (HttpsUpgrades).
    "--disable-features=BackForwardCache,HttpsUpgrades,HttpsFirstBalancedModeAutoEnable",
]
BLOCKED_RESOURCE_TYPES = frozenset({"image", "font", "media"})
HANDLER_PATH = "crawler.crawl.render.RenderDownloadHandler"
NEEDS_BROWSER = "needs a browser"
# How often the handler looks whether the engine is stopping.
STOP_POLL_SECONDS = 0.5
CRAWL_STOPPED = "crawl stopped"
# The download slot of a site's browser pages, beside the slot of its static pages: a page in the
# browser holds its slot for the whole render (script fetches, settling), which must not keep
# the site's static pages waiting. The browser pages open at once stay bounded by
# XINWEN_RENDER_MAX_PAGES.
BROWSER_SLOT = "{host} (browser)"
# Renders one page serves before it is closed and a new one opened: whatever a page keeps
# between documents stays bounded.
PAGE_RENDERS = 20
# Milliseconds without a new request after which a page's scripts are taken to be done.
SETTLE_MS = 50

# App-shell markers: a page with under this many characters of text outside scripts...
SHELL_MAX_TEXT = 200
# ...and a mount point (an element a framework renders into) or a script bundle.
MOUNT_IDS = frozenset({"app", "root", "__next", "__nuxt", "main-app", "application"})
SHELL_MIN_INLINE_SCRIPT = 200


def find_chromium(configured: str | None = None) -> str | None:
    """The Chromium to launch: the configured path (or command name) if it runs, else the first
    known name on PATH."""
    if configured:
        found = shutil.which(configured)
        return found if found else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def render_mode(settings: BaseSettings, profile_mode: str | None) -> str:
    """`XINWEN_RENDER` if set, else the profile's `render`, else `auto`."""
    mode = (settings.get("XINWEN_RENDER") or profile_mode or DEFAULT_RENDER_MODE).strip().lower()
    if mode not in RENDER_MODES:
        raise ValueError(f"render must be one of {', '.join(RENDER_MODES)}, not {mode!r}")
    return mode


def app_shell_reason(body: bytes) -> str | None:
    """Why this HTML looks like a page its scripts build (`app shell: #app, 2 scripts`), or None.

    Little visible text (under SHELL_MAX_TEXT characters outside scripts and styles) and a mount
    point (`div#app`, `#root`, `#__next` …, or an empty element with `data-v-app` /
    `data-reactroot`) or a script bundle (an external script, or an inline one of some size)."""
    try:
        tree = lxml_html.fromstring(body)
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return None
    scripts = tree.xpath("//script")
    bundles = sum(
        1
        for script in scripts
        if script.get("src") or len(script.text or "") >= SHELL_MIN_INLINE_SCRIPT
    )
    for element in tree.xpath("//script|//style|//noscript|//template"):
        element.drop_tree()
    text_length = sum(len(text.strip()) for text in tree.xpath("//body//text()"))
    if text_length >= SHELL_MAX_TEXT:
        return None
    mounts = [
        f"#{element.get('id')}"
        for element in tree.xpath("//body//*[@id]")
        if element.get("id", "").lower() in MOUNT_IDS
    ]
    mounts += ["[data-app]" for _ in tree.xpath("//body//*[@data-v-app or @data-reactroot]")]
    if not mounts and not bundles:
        return None
    found = [*mounts[:2], f"{bundles} script{'s' if bundles != 1 else ''}"] if bundles else mounts
    return "app shell: " + ", ".join(found[:3])


class RenderFailed(IgnoreRequest):
    """The browser could not render the page (crash, hang, refused or oversized document)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class RenderPolicy:
    """What the spider renders: the mode, whether a browser is there, the stats of why."""

    def __init__(self, crawler: Crawler, mode: str, browser: str | None) -> None:
        self.crawler = crawler
        self.mode = mode
        self.browser = browser

    @classmethod
    def from_crawler(cls, crawler: Crawler, profile_mode: str | None) -> RenderPolicy:
        settings = crawler.settings
        mode = render_mode(settings, profile_mode)
        installed = dict(settings.getdict("DOWNLOAD_HANDLERS")).get("http") == HANDLER_PATH
        browser = settings.get("XINWEN_CHROMIUM_FOUND") if installed else None
        policy = cls(crawler, mode, browser)
        if mode != "never" and browser is None:
            logger.warning(
                "rendering: no Chromium found (install it: apt-get install chromium, or set "
                "XINWEN_CHROMIUM_PATH); pages built by script are quarantined as '%s'",
                NEEDS_BROWSER,
            )
        elif mode != "never":
            logger.info("rendering (%s): pages built by script go to %s", mode, browser)
        return policy

    @property
    def available(self) -> bool:
        return self.browser is not None and self.mode != "never"

    def count(self, why: str) -> None:
        stats = self.crawler.stats
        stats.inc_value("xinwen/render/requested")
        stats.inc_value(f"xinwen/render/reason/{why.split(':', 1)[0]}")

    def article_reason(self, response: Response, fields: dict | None) -> str | None:
        """Why this statically fetched article page needs the browser (None: it does not)."""
        if self.mode == "never" or is_rendered(response):
            return None
        if self.mode == "always" and self.available:
            return "always"
        if fields is not None and fields.get("body"):
            return None
        return app_shell_reason(response.body)

    def list_reason(self, response: Response, article_links: int) -> str | None:
        """Why this list page needs the browser: no article link and an app shell."""
        if self.mode == "never" or is_rendered(response) or article_links:
            return None
        return app_shell_reason(response.body)

    def rendered_request(self, response: Response, why: str, **kwargs: Any) -> Request:
        """The browser request for a page already fetched: its document is served from the
        bytes fetched (nothing downloaded twice, the archived response is the one rendered)."""
        self.count(why)
        meta = {
            **kwargs.pop("meta", {}),
            "playwright": True,
            "xinwen_render": why,
            "xinwen_render_source": {
                "url": response.url,
                "status": response.status,
                "headers": [
                    (name.decode("latin-1"), value.decode("latin-1"))
                    for name, values in response.headers.items()
                    for value in values
                ],
                "body": response.body,
            },
        }
        meta["download_slot"] = browser_slot(response.url)
        record_id = response.meta.get("xinwen_warc_record_id")
        if record_id:
            meta["xinwen_warc_refers_to"] = record_id
        return Request(response.url, meta=meta, dont_filter=True, **kwargs)

    def again(self, response: Response, why: str, callback, errback) -> Request | RejectedPage:
        """The page again, in the browser; without one, a rejected page saying so."""
        if not self.available:
            self.crawler.stats.inc_value(f"xinwen/render/unavailable/{why.split(':', 1)[0]}")
            return RejectedPage(response.url, NEEDS_BROWSER, [why])
        request = response.request
        return self.rendered_request(
            response,
            why,
            callback=callback,
            errback=errback,
            priority=request.priority if request is not None else 0,
            meta={k: v for k, v in response.meta.items() if k.startswith("xinwen_")},
        )

    def rejection(self, failure) -> RejectedPage | None:
        """The quarantine line of a page the browser could not render (None: the crawl
        stopped meanwhile, not the page's fault; the next run fetches it again)."""
        exc, request = failure.value, failure.request
        if isinstance(exc, RenderFailed) and exc.reason == CRAWL_STOPPED:
            return None
        if isinstance(exc, RenderFailed):
            reason, detail = exc.reason, exc.detail
        else:  # an HTTP error, a refused address …: reported as for a static page
            reason, detail = failure_reason(failure, request) or ("render failed", str(exc))
        self.crawler.stats.inc_value(f"xinwen/render/failed/{reason}")
        logger.warning("rendering failed %s: %s (%s)", request.url, reason, detail)
        return RejectedPage(request.url, reason, [detail] if detail else [])

    def direct_meta(self, url: str) -> dict:
        """Meta of an article request that goes to the browser straight away (`always`)."""
        if not self.available or self.mode != "always":
            return {}
        self.count("always")
        return {"playwright": True, "xinwen_render": "always", "download_slot": browser_slot(url)}


def browser_slot(url: str) -> str:
    return BROWSER_SLOT.format(host=urlsplit(url).hostname or "")


def is_rendered(response: Response) -> bool:
    return "playwright" in response.flags or bool(response.meta.get("playwright"))


class RenderAddon:
    """Installs the browser download handler when rendering is on and Chromium is there."""

    def update_settings(self, settings: BaseSettings) -> None:
        mode = settings.get("XINWEN_RENDER")
        if mode and str(mode).strip().lower() == "never":
            return
        browser = find_chromium(settings.get("XINWEN_CHROMIUM_PATH"))
        if browser is None:
            return
        settings.set("XINWEN_CHROMIUM_FOUND", browser, priority="addon")
        handlers = dict(settings.getdict("DOWNLOAD_HANDLERS"))
        handlers.update({"http": HANDLER_PATH, "https": HANDLER_PATH})
        settings.set("DOWNLOAD_HANDLERS", handlers, priority="addon")
        timeout = settings.getfloat("XINWEN_RENDER_TIMEOUT", 30.0)
        launch = {"executable_path": browser, "headless": True, "args": CHROMIUM_FLAGS}
        launch["timeout"] = timeout * 1000
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, priority="addon")
        settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", priority="addon")
        settings.set(
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT",
            settings.getint("XINWEN_RENDER_MAX_PAGES", 4),
            priority="addon",
        )
        settings.set("PLAYWRIGHT_MAX_CONTEXTS", 2, priority="addon")
        settings.set("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", timeout * 1000, priority="addon")


class Traffic:
    """Requests of one page in flight (fetched by the route), and how many were started."""

    def __init__(self) -> None:
        self.active = 0
        self.started = 0
        self.idle = asyncio.Event()
        self.idle.set()

    def begin(self) -> None:
        self.active += 1
        self.started += 1
        self.idle.clear()

    def end(self) -> None:
        self.active -= 1
        if self.active == 0:
            self.idle.set()


class RenderDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler with the crawl's guards on every browser request."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.crawler = crawler
        settings = crawler.settings
        self.timeout = settings.getfloat("XINWEN_RENDER_TIMEOUT", 30.0)
        self.maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        self.obey_robots = settings.getbool("ROBOTSTXT_OBEY")
        self.user_agent = settings.get("USER_AGENT")
        self.max_redirects = settings.getint("REDIRECT_MAX_TIMES", 20)
        self._pages: dict[int, Any] = {}
        self._traffic: dict[int, Traffic] = {}
        # Pages kept open between renders, by context: a new page costs Chromium a renderer
        # process (its start-up, its own V8 and Blink), a page navigated to the next article of
        # the same site keeps its process. Busy and idle pages stay within the page bound.
        self._idle_pages: dict[str, list[Any]] = {}
        self._page_renders: dict[int, int] = {}
        self._guarded_pages: set[int] = set()
        self._render_slots = asyncio.Semaphore(settings.getint("XINWEN_RENDER_MAX_PAGES", 4))
        self._stopping = asyncio.Event()
        self._watcher: asyncio.Future | None = None
        self._starting = asyncio.Lock()

    # -- the download ------------------------------------------------------------------------

    def _context(self, request: Request) -> None:
        proxy = request.meta.get("proxy")
        kwargs: dict[str, Any] = {"service_workers": "block", "accept_downloads": False}
        if self.user_agent:
            kwargs["user_agent"] = self.user_agent
        if proxy:  # offline mode: the mirror answers for every host, as for Scrapy's requests
            kwargs["proxy"] = {"server": proxy}
        request.meta["playwright_context"] = f"xinwen-{proxy}" if proxy else "xinwen"
        request.meta["playwright_context_kwargs"] = kwargs
        request.meta["playwright_page_init_callback"] = self._init_page
        request.meta["playwright_page_methods"] = [PageMethod(self._settle, request)]
        request.meta.setdefault(
            "playwright_page_goto_kwargs", {"wait_until": "load", "timeout": self.timeout * 1000}
        )

    async def _watch_stopping(self) -> None:
        """Sets `_stopping` once the engine stops (SIGTERM, Ctrl-C, a closed spider): a page
        still rendering then is abandoned at once, not waited for."""
        engine = self.crawler.engine
        while engine is not None and engine.running:  # started with the first page: running
            await asyncio.sleep(STOP_POLL_SECONDS)
        self._stopping.set()

    async def _maybe_launch_in_thread(self) -> None:
        """Nothing at engine start: Playwright's driver starts with the first page to render
        (most crawls render none; each handler, http and https, would start one)."""

    def _engine_started(self):  # the same, for Scrapy versions without the async API
        return None

    async def _close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
        await super()._close()

    async def _render(self, request: Request, spider) -> Response:
        async with self._starting:
            if getattr(self, "browser_provider", None) is None:
                await self._launch()
        if self._watcher is None:
            self._watcher = asyncio.ensure_future(self._watch_stopping())
        render = asyncio.ensure_future(super()._download_request(request, spider))
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            done, _pending = await asyncio.wait(
                {render, stopping}, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            stopping.cancel()
        if render in done:
            return render.result()
        render.cancel()
        if stopping in done:
            raise RenderFailed(CRAWL_STOPPED, "the crawl stopped while the page rendered")
        raise TimeoutError

    def _idle_page(self, context: str) -> Any | None:
        pages = self._idle_pages.get(context, [])
        while pages:
            page = pages.pop()
            if not page.is_closed():
                return page
        return None

    async def _release_page(self, page: Any, context: str, reusable: bool) -> None:
        """Back to the idle pages after a render that went well, else closed: a page that
        failed, timed out or was stopped may still be running what went wrong."""
        if page is None or page.is_closed():
            return
        renders = self._page_renders.get(id(page), 0) + 1
        if reusable and renders < PAGE_RENDERS and not self._stopping.is_set():
            self._page_renders[id(page)] = renders
            self._idle_pages.setdefault(context, []).append(page)
            return
        self._page_renders.pop(id(page), None)
        self._guarded_pages.discard(id(page))
        try:
            await asyncio.wait_for(page.close(), timeout=10)
        except (TimeoutError, PlaywrightError):
            logger.warning("rendering: could not close a page of the browser")

    async def _download_request(self, request: Request, spider=None) -> Response:
        self._context(request)
        async with self._render_slots:
            return await self._download_in_page(request, spider)

    async def _download_in_page(self, request: Request, spider=None) -> Response:
        context = request.meta["playwright_context"]
        page = self._idle_page(context)
        if page is not None:
            request.meta["playwright_page"] = page
            self.crawler.stats.inc_value("xinwen/render/pages_reused")
        # The page stays open after the download: this handler closes or keeps it.
        request.meta["playwright_include_page"] = True
        reusable = False
        try:
            response = await self._render(request, spider)
            reusable = True
        except TimeoutError:
            raise RenderFailed(
                "render timeout", f"the page did not render in {self.timeout:g} s"
            ) from None
        except RenderFailed:
            raise
        except PlaywrightError as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            reason = "render failed"
            if isinstance(exc, PlaywrightTimeoutError):
                reason = "render timeout"
            elif "crash" in message.lower() or "closed" in message.lower():
                reason = "browser crashed"
            raise RenderFailed(reason, message[:200]) from None
        finally:
            self._traffic.pop(id(request), None)
            page = self._pages.pop(id(request), None) or request.meta.get("playwright_page")
            # Nothing of the browser travels on with the request (the spider, a disk queue).
            request.meta.pop("playwright_page", None)
            request.meta.pop("playwright_include_page", None)
            await self._release_page(page, context, reusable)
        if self.maxsize and len(response.body) > self.maxsize:
            raise RenderFailed("too large", f"rendered page larger than {self.maxsize} bytes")
        self.crawler.stats.inc_value("xinwen/render/pages")
        return response

    async def _settle(self, page, request: Request) -> None:
        """After the load event: wait until what the scripts fetched has arrived and been
        used (no request in flight, none started during a short timer in the page)."""
        traffic = self._traffic.get(id(request))
        while traffic is not None:
            await traffic.idle.wait()
            started = traffic.started
            await page.evaluate(f"new Promise(done => setTimeout(done, {SETTLE_MS}))")
            if traffic.idle.is_set() and traffic.started == started:
                return

    async def _init_page(self, page, request: Request) -> None:
        self._pages[id(request)] = page
        self._traffic[id(request)] = Traffic()
        if id(page) in self._guarded_pages:  # a page used before: its last request's route goes
            await page.unroute("**/*")
        # Registered after scrapy-playwright's own route: Playwright runs it first.
        await page.route("**/*", lambda route, pw_request: self._route(route, pw_request, request))
        if id(page) not in self._guarded_pages:
            await page.route_web_socket(re.compile(".*"), self._refuse_web_socket)
            self._guarded_pages.add(id(page))

    async def _refuse_web_socket(self, ws) -> None:
        self.crawler.stats.inc_value("xinwen/render/blocked/websocket")
        await ws.close()

    # -- the route: every request the page makes ---------------------------------------------

    def _blocked(self, why: str, url: str) -> None:
        self.crawler.stats.inc_value(f"xinwen/render/blocked/{why}")
        logger.debug("rendering: blocked %s (%s)", url, why)

    def _domains(self) -> list[str]:
        spider = self.crawler.spider
        domains = list(getattr(spider, "allowed_domains", None) or [])
        site = getattr(spider, "site", None)
        return domains + list(getattr(site, "render_allowed_domains", None) or [])

    async def refusal(self, url: str, resource_type: str, request: Request) -> str | None:
        """Why the page may not load this URL (None: it may)."""
        if not url.startswith(("http://", "https://")):
            return "scheme"
        domains = self._domains()
        if domains and not host_on_domains(url, domains):
            return "offsite"
        why = await address_refusal(self.crawler, url, request.meta.get("proxy"))
        if why is not None:
            return "private address"
        # robots.txt speaks for every request the page makes: documents, frames, XHR, and the
        # scripts and styles too (a disallowed bundle is not fetched; the page renders without).
        if self.obey_robots and not await self._robots_allow(url):
            return "robots"
        return None

    async def _robots_allow(self, url: str) -> bool:
        robots = next(
            (
                mw
                for mw in self.crawler.engine.downloader.middleware.middlewares
                if isinstance(mw, RobotsTxtMiddleware)
            ),
            None,
        )
        if robots is None:
            return True
        parser = robots.robot_parser(Request(url))
        if inspect.isawaitable(parser):
            parser = await parser
        if isinstance(parser, Deferred):
            parser = await maybe_deferred_to_future(parser)
        if hasattr(parser, "allowed"):
            return parser.allowed(url, robots._robotstxt_useragent or self.user_agent)
        return True

    async def _route(self, route, pw_request, request: Request) -> None:
        try:
            kind = pw_request.resource_type
            if kind in BLOCKED_RESOURCE_TYPES:
                self._blocked(kind, pw_request.url)
                await route.abort("blockedbyclient")
                return
            why = await self.refusal(pw_request.url, kind, request)
            if why is not None:
                self._blocked(why, pw_request.url)
                await route.abort("blockedbyclient")
                return
            document = pw_request.is_navigation_request() and pw_request.frame.parent_frame is None
            source = request.meta.get("xinwen_render_source")
            if document and source and source["url"] == pw_request.url and not source.get("served"):
                source["served"] = True
                await route.fulfill(
                    status=source["status"],
                    headers=dict(_fulfil_headers(source["headers"], source["body"])),
                    body=source["body"],
                )
                return
            traffic = self._traffic.get(id(request))
            if traffic is not None:
                traffic.begin()
            try:
                await self._fetch(route, pw_request, request, document)
            finally:
                if traffic is not None:
                    traffic.end()
        except Exception as exc:  # the fetch failed, or the page (or the browser) is gone
            logger.debug("rendering: route of %s: %s", pw_request.url, exc)
            # A route left unanswered never settles: the page would wait for it until its
            # timeout, and Playwright's task for it would be pending when the crawl ends (an
            # asyncio error at exit). Aborting answers it; on a closed page it is a no-op.
            with suppress(PlaywrightError):
                await route.abort("failed")

    async def _fetch(self, route, pw_request, request: Request, document: bool) -> None:
        """Fetch what the page asks for here, not in the browser: Chromium follows redirects
        without showing them to the route, so each hop is fetched and checked in turn; a body
        over DOWNLOAD_MAXSIZE is refused."""
        url = pw_request.url
        for _hop in range(self.max_redirects + 1):
            fetched = await route.fetch(url=url, max_redirects=0, timeout=self.timeout * 1000)
            try:
                location = fetched.headers.get("location")
                if 300 <= fetched.status < 400 and location:
                    target = urljoin(url, location)
                    why = await self.refusal(target, pw_request.resource_type, request)
                    if why is not None:
                        self._blocked(f"redirect {why}", target)
                        await route.abort("blockedbyclient")
                        return
                    self.crawler.stats.inc_value("xinwen/render/redirects")
                    url = target
                    continue
                body = await fetched.body()
                if self.maxsize and len(body) > self.maxsize:
                    self._blocked("too large", url)
                    await route.abort("blockedbyclient")
                    return
                if document:  # what the WARC archives as the page's HTTP response
                    headers = [(h["name"], h["value"]) for h in fetched.headers_array]
                    request.meta["xinwen_render_source"] = {
                        "url": url,
                        "status": fetched.status,
                        "headers": headers,
                        "body": body,
                        "served": True,
                    }
                    await route.fulfill(
                        status=fetched.status,
                        headers=dict(_fulfil_headers(headers, body)),
                        body=body,
                    )
                    return
                await route.fulfill(response=fetched, body=body)
                return
            finally:
                # The driver keeps every fetched body until the browser context closes unless
                # it is disposed, and one context serves the whole crawl.
                with suppress(PlaywrightError):
                    await fetched.dispose()
        self._blocked("too many redirects", url)
        await route.abort("blockedbyclient")


def _fulfil_headers(headers: list[tuple[str, str]], body: bytes) -> list[tuple[str, str]]:
    """Headers for a document served as is: no transfer or content encoding, and a charset in
    the Content-Type, the one the static parser reads the bytes in (a page whose `<meta>` lies
    about its charset renders as the crawl reads it, not garbled)."""
    dropped = {"content-encoding", "transfer-encoding", "content-length"}
    kept = [(name, value) for name, value in headers if name.lower() not in dropped]
    types = [value for name, value in kept if name.lower() == "content-type"]
    if types and "charset" in types[0].lower():
        return kept
    mime = types[0].split(";", 1)[0].strip() if types else "text/html"
    if mime not in ("text/html", "application/xhtml+xml"):
        return kept
    charset = detect_encoding(body)
    kept = [(name, value) for name, value in kept if name.lower() != "content-type"]
    return [*kept, ("Content-Type", f"{mime}; charset={charset}")]


class RenderRetryMiddleware:
    """Downloader middleware: a browser failure is retried once, then reaches the errback."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenderRetryMiddleware:
        return cls(crawler)

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if not isinstance(exception, RenderFailed) or exception.reason in (
            "too large",
            CRAWL_STOPPED,
        ):
            return None
        if request.meta.get("xinwen_render_retried"):
            return None
        self.crawler.stats.inc_value("xinwen/render/retried")
        logger.warning("rendering %s failed (%s); retrying once", request.url, exception)
        retry = request.replace(dont_filter=True)
        retry.meta["xinwen_render_retried"] = True
        for key in ("playwright_page_init_callback", "playwright_page"):
            retry.meta.pop(key, None)
        if retry.meta.get("xinwen_render_source"):
            retry.meta["xinwen_render_source"] = {
                **retry.meta["xinwen_render_source"],
                "served": False,
            }
        return retry


__all__ = [
    "CRAWL_STOPPED",
    "NEEDS_BROWSER",
    "RENDER_MODES",
    "RenderAddon",
    "RenderDownloadHandler",
    "RenderFailed",
    "RenderPolicy",
    "RenderRetryMiddleware",
    "app_shell_reason",
    "find_chromium",
    "render_mode",
]
