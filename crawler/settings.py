"""Scrapy settings for xinwen: one place for every setting.

Project settings carry the `XINWEN_` prefix and are read by the components in `from_crawler`;
optional components have an `_ENABLED` switch. Override any of them with `-s NAME=VALUE`.
"""

from pipelines.schema import Article

BOT_NAME = "xinwen"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Politeness: a descriptive User-Agent, robots.txt, AutoThrottle, a per-domain concurrency cap.
USER_AGENT = "xinwen/0.1 (+https://github.com/xinwen/xinwen; research crawler)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# A page's outputs (one record and its links) go through the spider middlewares and item
# pipelines with at most this many in flight. Scrapy (2.13+, asyncio) starts that many tasks for
# every response; the pipelines here are synchronous, so more buy nothing. The default (100)
# cost a third of the crawl's throughput (benchmarks/crawl.py: 150 -> 220 pages/s at 8).
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# Robustness.
RETRY_ENABLED = True
RETRY_TIMES = 2
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Offline mode: route every request through the loopback mirror of fixtures/<site>/.
DOWNLOADER_MIDDLEWARES = {
    "crawler.crawl.middlewares.OfflineMirrorMiddleware": 740,  # before HttpProxyMiddleware (750)
    "crawler.crawl.safety.PrivateAddressGuard": 745,  # sees the proxy the offline mode chose
    # Scrapy's, at its place, looking at bytes first (crawler/crawl/middlewares.py).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.crawl.middlewares.LazyMetaRefreshMiddleware": 580,
}

ITEM_PIPELINES = {
    "pipelines.validate.ValidationPipeline": 100,
    "pipelines.dedupe.DuplicatesPipeline": 200,
}

EXTENSIONS = {
    "crawler.crawl.extensions.CrawlSummary": 500,
    "crawler.crawl.warc_writer.WarcWriterExtension": 510,  # inactive until XINWEN_WARC_PATH is set
    "crawler.crawl.garbage_collector.GarbageCollectorTuning": 0,
}

LOG_FORMATTER = "crawler.crawl.extensions.ShortLogFormatter"

# Export: UTF-8 JSON lines (never \uXXXX), keys in schema order.
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORT_FIELDS = list(Article.model_fields)
# CSV cells of lists and objects are their JSON text, not a Python repr (pipelines/exporters.py).
# JSON lines: Scrapy's bytes, serialised once (the storage gets the record with its line).
FEED_EXPORTERS = {
    "csv": "pipelines.exporters.JsonCellCsvItemExporter",
    "jsonlines": "pipelines.exporters.RecordJsonLinesItemExporter",
    "jsonl": "pipelines.exporters.RecordJsonLinesItemExporter",
    "jl": "pipelines.exporters.RecordJsonLinesItemExporter",
}

# --- xinwen settings ------------------------------------------------------------------------
# Serve the crawl from the offline mirror in fixtures/<site>/ (`xinwen crawl --offline`).
XINWEN_OFFLINE_ENABLED = False
# Folder holding <site>/manifest.json and <site>/mirror/; default: the repository's fixtures/.
XINWEN_MIRROR_ROOT = None
# Which fixtures/<site>/ to serve; default: the spider's name.
XINWEN_MIRROR_SITE = None
# An already running mirror proxy (http://127.0.0.1:PORT); default: start one per crawl.
XINWEN_MIRROR_PROXY = None
# Rejected records (JSON lines); default: `<output>.rejected.jsonl` beside the first feed file.
XINWEN_QUARANTINE_PATH = None
# Duplicates (same canonical URL: dropped) and republished bodies (kept, duplicate_of set).
XINWEN_DUPLICATES_ENABLED = True
# End-of-crawl summary (logged; the CLI prints it); optionally also written as JSON.
XINWEN_SUMMARY_ENABLED = True
XINWEN_SUMMARY_PATH = None
XINWEN_SUMMARY_LOG = True
# Refuse requests to loopback, private, link-local and metadata addresses (after DNS).
XINWEN_PRIVATE_ADDRESS_GUARD_ENABLED = True
# host, host:port or IP addresses the guard lets through anyway (the offline mirror adds itself).
XINWEN_ALLOWED_ADDRESSES = []
# Write every fetched response with its request to this WARC file (`xinwen crawl --warc`).
XINWEN_WARC_PATH = None
# Seconds one page's extraction may take before it is quarantined ("time budget exceeded").
XINWEN_PAGE_TIME_BUDGET = 10.0
# Crawl-level failures (crawler/failures.py): 404/500, timeouts, redirect loops, truncated and
# oversized downloads, refused addresses and parser errors become quarantined pages with a reason.
XINWEN_FAILURES_ENABLED = True
# Full tracebacks in the log (off: one line per error; LOG_LEVEL=DEBUG shows them anyway).
XINWEN_LOG_TRACEBACKS = False
SPIDER_MIDDLEWARES = {"crawler.crawl.failures.FailuresMiddleware": 45}
DOWNLOADER_MIDDLEWARES = {
    **DOWNLOADER_MIDDLEWARES,
    "crawler.crawl.failures.RedirectLoopMiddleware": 610,
}
# A page that still fails after its retries is quarantined with a reason: a warning, not an error.
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"

# --- distributed crawls on Redis (crawler/distributed.py, pipelines/redis_state.py) ----------
# `xinwen crawl SITE --redis redis://HOST:PORT/DB` sets it: the request queue, the dupefilter and
# the crawl state live in Redis, shared by every worker (RedisAddon switches the scheduler).
XINWEN_REDIS_URL = None
# Keys of the queue, dupefilter, seed marker and workers; of the shared article state.
XINWEN_REDIS_KEY = "xinwen:%(spider)s"
XINWEN_REDIS_STATE_PREFIX = "xinwen:state"
# A worker stops once the queue stayed empty, with no request in flight anywhere, this long.
XINWEN_REDIS_IDLE_SECONDS = 30
# A worker whose heartbeat is older than this is dead: its requests go back to the queue.
XINWEN_REDIS_HEARTBEAT_SECONDS = 30
# Requests one worker holds at once (popped, not finished); the rest is left to the others.
XINWEN_REDIS_PREFETCH = 4
ADDONS = {"crawler.crawl.distributed.RedisAddon": 0, "crawler.crawl.render.RenderAddon": 10}
SPIDER_MIDDLEWARES = {**SPIDER_MIDDLEWARES, "crawler.crawl.distributed.SeedOnceMiddleware": 50}

# --- incremental crawls, durable export, runs (pipelines/state.py, pipelines/export.py) -------
# The crawl state (SQLite): seen articles, near-duplicate index, list watermarks, runs, output
# offsets. `xinwen crawl` sets it (--state, default crawler.state.default_state_path()); unset,
# a crawl keeps its state in memory and forgets it at the end.
XINWEN_STATE_PATH = None
# Largest SimHash distance (bits of 64, 0..5) at which two bodies are the same story.
XINWEN_NEAR_DUPLICATE_DISTANCE = 3
# Skip requests for known articles and stop paging lists that hold nothing new.
XINWEN_INCREMENTAL_ENABLED = True
# A page rejected from a complete answer is fetched again after this many days (-1: never).
XINWEN_REJECTED_RETRY_DAYS = 7
# Run history in the state, recovery of outputs after a kill, the run manifest.
XINWEN_RUNS_ENABLED = True
# The run manifest; default `<output>.manifest.json`, or `<dir>/_runs/<run-id>.json`.
XINWEN_MANIFEST_PATH = None
# The command line recorded in the runs history and manifest (the CLI sets it).
XINWEN_RUN_ARGV = []
# Local files are written one fsynced line at a time and marked seen only once on disk.
FEED_STORAGES = {
    "": "pipelines.export.DurableFeedStorage",
    "file": "pipelines.export.DurableFeedStorage",
}
SPIDER_MIDDLEWARES = {
    **SPIDER_MIDDLEWARES,
    "crawler.crawl.incremental.IncrementalMiddleware": 960,
}
EXTENSIONS = {**EXTENSIONS, "crawler.crawl.extensions.RunRecorder": 520}
# The crawl freezes its start-up heap and collects cycles every this many allocations instead
# of 700 (crawler/crawl/garbage_collector.py): a full collection no longer walks Scrapy itself.
XINWEN_GC_TUNING = True
XINWEN_GC_THRESHOLD = 10_000
# Extract pages in this many worker processes so that extraction runs beside Scrapy on another
# core; -1: one per core beyond the first (at most 4), 0: in the crawl process itself.
XINWEN_EXTRACT_PROCESSES = -1
# Durable export commits in groups: lines reach the operating system at once, and every this
# many records (or seconds) the files are fsynced and the records marked seen together. A kill
# in between loses nothing: the next run's recovery marks the lines already in the file.
XINWEN_EXPORT_COMMIT_EVERY = 64
XINWEN_EXPORT_COMMIT_SECONDS = 1.0

# --- rendering pages built by script (crawler/crawl/render.py) --------------------------------
# never | auto | always; unset: the profile's `render` (default auto: app shells only).
XINWEN_RENDER = None
# The Chromium to launch; unset: chromium, chromium-browser or google-chrome on PATH.
XINWEN_CHROMIUM_PATH = None
# Seconds a page may take to render, everything included; then it is retried once.
XINWEN_RENDER_TIMEOUT = 30.0
# Browser pages open at once.
XINWEN_RENDER_MAX_PAGES = 4
DOWNLOADER_MIDDLEWARES = {
    **DOWNLOADER_MIDDLEWARES,
    "crawler.crawl.render.RenderRetryMiddleware": 560,  # before RetryMiddleware (550) sees it
}
