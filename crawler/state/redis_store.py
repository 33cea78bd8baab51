"""Crawl state in Redis, shared by every worker of a distributed crawl (`xinwen crawl --redis`).

`RedisStateStore` has the methods of `crawler.state.sqlite_store.StateStore` (the SQLite store), so the
duplicates pipeline, the incremental middleware, the durable export and the run recorder work
unchanged; only where the data lives differs. Keys, under `XINWEN_REDIS_STATE_PREFIX`
(default `xinwen:state`):

| key | type | what |
|---|---|---|
| `<p>:articles` | hash | canonical URL -> JSON (url, fingerprint, simhash, seq, status, worker, …) |
| `<p>:urls` | hash | fetched URL -> canonical URL (aliases find their article) |
| `<p>:fingerprints` | hash | body fingerprint -> canonical URL of its first record |
| `<p>:band:<i>:<v>` | set | canonical URLs whose SimHash has value v in band i (near duplicates; six 11-bit bands) |
| `<p>:band16:<i>:<v>` | set | the same with four 16-bit bands (a namespace started with a distance up to 3) |
| `<p>:band_layout` | string | which of the two a namespace uses: set by its first worker, never changed |
| `<p>:seq` | string | counter: the order in which articles were claimed ("earliest" record) |
| `<p>:claims:<worker>` | set | canonical URLs a worker claimed and has not written yet |
| `<p>:pages`, `<p>:lists` | hash | rejected / alias pages; list-page watermarks |
| `<p>:runs`, `<p>:run_seq` | hash, string | run history (one entry per worker run) |
| `<p>:outputs` | hash | `<host>:<path>` -> committed byte offset of a worker's output file |

An article has two states: **pending** (a worker's duplicates pipeline claimed it: no other
worker writes the same canonical URL, and later copies of its body get `duplicate_of` it) and
**written** (its line is durably in that worker's output). Claiming is one atomic Lua script,
so two workers never both keep one canonical URL. When a worker dies, the reaper of
`crawler.crawl.distributed` calls `release_worker`: its pending claims are removed, and the requests it
held go back to the queue, so the article is fetched and claimed again.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import weakref
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.client import Pipeline
from redis.commands.core import Script
from redis.exceptions import RedisError
from scrapy.exceptions import NotConfigured
from scrapy_redis import connection as redis_connection

from crawler.state.errors import GuardedStore, StateError, StateGuard
from crawler.state.simhash import (
    BANDS,
    MAX_DISTANCE,
    WIDE_BANDS,
    band_layout,
    band_values,
    body_simhash,
    layout_name,
)
from crawler.state.sqlite_store import RUN_FIELDS

DEFAULT_PREFIX = "xinwen:state"

# KEYS: articles, urls, fingerprints, claims, seq, band keys...
# ARGV: canonical_url, entry JSON without its closing brace, url, fingerprint
# Returns the new seq, or 0 when the canonical URL is already claimed or written.
_CLAIM = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
local seq = redis.call('INCR', KEYS[5])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ',"seq":' .. seq .. '}')
if ARGV[3] ~= '' then redis.call('HSETNX', KEYS[2], ARGV[3], ARGV[1]) end
if ARGV[4] ~= '' then redis.call('HSETNX', KEYS[3], ARGV[4], ARGV[1]) end
redis.call('SADD', KEYS[4], ARGV[1])
for i = 6, #KEYS do redis.call('SADD', KEYS[i], ARGV[1]) end
return seq
"""

# `_CLAIM` for a record whose line is durable (recovery): a pending claim of it, left by a worker
# that wrote the line but never marked it, becomes written (keeping its seq); the reply is that
# worker's name, whose claims set still lists it. Otherwise as `_CLAIM`.
_RECOVER = (
    """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if raw then
  local entry = cjson.decode(raw)
  if entry['status'] ~= 'pending' then return 0 end
  local seq = entry['seq'] or redis.call('INCR', KEYS[5])
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ',"seq":' .. seq .. '}')
  if ARGV[3] ~= '' then redis.call('HSETNX', KEYS[2], ARGV[3], ARGV[1]) end
  return entry['worker']
end
"""
    + _CLAIM
)


DEFAULT_NAMESPACE = "xinwen:%(spider)s"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def hostname() -> str:
    return socket.gethostname() or "localhost"


_WORKERS: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def worker_id(crawler: Any) -> str:
    """This process's name among the workers: `<host>:<pid>:<random>` (one per crawler)."""
    worker = _WORKERS.get(crawler)
    if worker is None:
        worker = f"{hostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        _WORKERS[crawler] = worker
    return worker


def namespace(settings: Any, spider_name: str) -> str:
    return (settings.get("XINWEN_REDIS_KEY") or DEFAULT_NAMESPACE) % {"spider": spider_name}


def redis_server(settings: Any, decode: bool = True) -> Any:
    """A Redis client for `XINWEN_REDIS_URL` (text replies unless `decode` is False)."""
    url = settings.get("XINWEN_REDIS_URL") or settings.get("REDIS_URL")
    if not url:
        raise NotConfigured("XINWEN_REDIS_URL is not set")
    params = dict(redis_connection.defaults.REDIS_PARAMS)
    params.update(settings.getdict("REDIS_PARAMS"))
    params.pop("redis_cls", None)
    params["decode_responses"] = decode
    if not decode:
        params.pop("encoding", None)
    return redis_connection.get_redis(url=url, **params)


# redis-py names a failed pipeline command with all its arguments (a whole record, say).
_PIPELINE_PREFIX_RE = re.compile(r"^Command # \d+ \(.*?\) of pipeline caused error: ", re.S)


def redis_reason(exc: BaseException) -> str:
    """Redis's own words for an error, without the command that met it."""
    return _PIPELINE_PREFIX_RE.sub("", str(exc)).rstrip(".")[:300]


class RedisGuard(StateGuard):
    """Every `RedisError` of a distributed crawl's Redis (refused or reset connections, a
    timeout, `OOM command not allowed`, a `ResponseError`) becomes the run's one problem."""

    errors = (RedisError,)

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where

    def describe(self, exc: BaseException) -> StateError:
        return StateError(
            f"the Redis state {self.where} cannot be used ({type(exc).__name__}:"
            f" {redis_reason(exc)}):"
            " check the Redis server"
            " (running, reachable, under its maxmemory), then run again: what Redis kept stays"
            " consistent, and lines written but not marked are marked by the next run"
        )

    def wrap(self, client: Any) -> GuardedRedis:
        return client if isinstance(client, GuardedRedis) else GuardedRedis(client, self)


class GuardedRedis:
    """A Redis client, or a pipeline or script of it, whose every call goes through a
    `RedisGuard` (the pipelines and scripts it returns are guarded too)."""

    def __init__(self, target: Any, guard: RedisGuard) -> None:
        self.target = target
        self.guard = guard

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.target, name)
        if not callable(value):
            return value
        return lambda *args, **kwargs: self._call(value, *args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:  # a registered script
        return self._call(self.target, *args, **kwargs)

    def _call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        result = self.guard.call(function, *args, **kwargs)
        if isinstance(result, Pipeline | Script):
            return GuardedRedis(result, self.guard)
        return result


class _Claims(Mapping):
    """`store.pending` as the duplicates pipeline sees it: every canonical URL claimed by any
    worker and not written yet (`in`), with this worker's own claims' details (`[]`)."""

    def __init__(self, store: RedisStateStore) -> None:
        self.store = store

    def __contains__(self, canonical_url: object) -> bool:
        if not isinstance(canonical_url, str):
            return False
        if canonical_url in self.store.mine:
            return True
        entry = self.store._entry(canonical_url)
        return entry is not None and entry.get("status") == "pending"

    def __getitem__(self, canonical_url: str) -> tuple[str, int, str | None]:
        if canonical_url in self.store.mine:
            fingerprint, simhash, duplicate_of, _seq = self.store.mine[canonical_url]
            return fingerprint, simhash, duplicate_of
        entry = self.store._entry(canonical_url)
        if entry is None or entry.get("status") != "pending":
            raise KeyError(canonical_url)
        return entry["fingerprint"], int(entry["simhash"]), entry.get("duplicate_of")

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.store.mine))

    def __len__(self) -> int:
        return len(self.store.mine)

    def __delitem__(self, canonical_url: str) -> None:
        self.store.mine.pop(canonical_url, None)


class RedisStateStore(GuardedStore):
    """The crawl state of `crawler.state.sqlite_store.StateStore`, kept in Redis and shared by workers."""

    # Each line is marked written before its request is acknowledged to the shared queue.
    GROUP_COMMIT = False

    def __init__(
        self,
        server: Any,
        worker: str,
        prefix: str = DEFAULT_PREFIX,
        near_distance: int = 3,
        url: str = "redis://",
    ) -> None:
        if not 0 <= near_distance <= MAX_DISTANCE:
            raise ValueError(f"near-duplicate distance must be 0..{MAX_DISTANCE}")
        self.path = f"{url} ({prefix})"  # shown in logs and manifests
        self.guard = RedisGuard(self.path)
        self.server = self.guard.wrap(server)
        self.worker = worker
        self.prefix = prefix
        self.near_distance = near_distance
        self.memory = False
        self.host = hostname()
        # This worker's claims not yet written: canonical_url -> (fingerprint, simhash,
        # duplicate_of, seq).
        self.mine: dict[str, tuple[str, int, str | None, int]] = {}
        self.pending = _Claims(self)
        self.run_id: int | None = None
        self.run_started: datetime | None = None
        self.written: dict[str, int] = {}
        self.recovered = {"lines": 0, "truncated_bytes": 0}
        self._claim = self.server.register_script(_CLAIM)
        self._recover = self.server.register_script(_RECOVER)
        self.lost_claims = 0
        self._bands: tuple[tuple[int, int], ...] | None = None
        # The key holding the id of the distributed crawl now running (set by its seeder).
        self.crawl_key: str | None = None
        self._crawl_id: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisStateStore:
        settings = crawler.settings
        store = cls(
            redis_server(settings),
            worker_id(crawler),
            prefix=settings.get("XINWEN_REDIS_STATE_PREFIX") or DEFAULT_PREFIX,
            near_distance=settings.getint("XINWEN_NEAR_DUPLICATE_DISTANCE", 3),
            url=_redacted(settings.get("XINWEN_REDIS_URL") or "redis://"),
        )
        store.crawl_key = namespace(settings, crawler.spidercls.name) + ":crawl_id"
        return store

    @property
    def crawl_id(self) -> str | None:
        if self._crawl_id is None and self.crawl_key:
            self._crawl_id = self.server.get(self.crawl_key)
        return self._crawl_id

    def key(self, *parts: object) -> str:
        return ":".join([self.prefix, *map(str, parts)])

    def close(self) -> None:
        # Past the guard: closing the connections of a failed Redis is not another failure.
        close = getattr(self.server.target, "close", None)
        if close is not None:
            close()

    def _entry(self, canonical_url: str) -> dict | None:
        raw = self.server.hget(self.key("articles"), canonical_url)
        return json.loads(raw) if raw else None

    def _entry_json(self, record_or_fields: dict, simhash: int, status: str, **extra: Any) -> str:
        entry = {
            "url": record_or_fields.get("url"),
            "fingerprint": record_or_fields.get("fingerprint") or "",
            "simhash": str(simhash),  # 64-bit: a string, Lua numbers are doubles
            "site": record_or_fields.get("site"),
            "published_at": record_or_fields.get("published_at"),
            "duplicate_of": record_or_fields.get("duplicate_of"),
            "status": status,
            "worker": self.worker,
            "first_seen": _now(),
            "run_id": self.run_id,
            "crawl": self.crawl_id,
            **extra,
        }
        return json.dumps(entry, ensure_ascii=False)

    @property
    def bands(self) -> tuple[tuple[int, int], ...]:
        """The namespace's band layout. Its first worker picks the widest bands that serve its
        distance (`band_layout`); a namespace from before layouts were recorded has six bands.
        A layout is never changed under running workers: a namespace whose bands cannot serve
        this worker's distance is refused with the reason."""
        if self._bands is None:
            layout_key = self.key("band_layout")
            stored = self.server.get(layout_key)
            if stored is None:
                legacy = self.server.exists(self.key("articles"))
                wanted = BANDS if legacy else band_layout(self.near_distance)
                self.server.set(layout_key, layout_name(wanted), nx=True)
                stored = self.server.get(layout_key)
            layouts = {layout_name(layout): layout for layout in (BANDS, WIDE_BANDS)}
            layout = layouts.get(stored)
            if layout is None or len(layout) <= self.near_distance:
                raise ValueError(
                    f"{self.path}: the near-duplicate index of this namespace ({stored}) serves "
                    f"distances up to {len(layout) - 1 if layout else '?'}, not "
                    f"{self.near_distance}: use another XINWEN_REDIS_STATE_PREFIX"
                )
            self._bands = layout
        return self._bands

    def _band_keys(self, simhash: int) -> list[str]:
        layout = self.bands
        name = "band" if layout == BANDS else "band16"  # six bands keep their original keys
        return [self.key(name, i, value) for i, value in enumerate(band_values(simhash, layout))]

    # ------------------------------------------------------------------ articles
    def has_url(self, url: str) -> bool:
        """Whether an article is written or claimed under this canonical URL or fetched URL."""
        pipe = self.server.pipeline(transaction=False)
        pipe.hexists(self.key("articles"), url)
        pipe.hexists(self.key("urls"), url)
        return any(pipe.execute())

    def find_fingerprint(self, fingerprint: str) -> str | None:
        if not fingerprint:
            return None
        return self.server.hget(self.key("fingerprints"), fingerprint)

    def find_near_duplicate(self, simhash: int) -> str | None:
        """canonical_url of the earliest (claimed first) article within the distance, if any."""
        candidates = self.server.sunion(self._band_keys(simhash))
        if not candidates:
            return None
        names = sorted(candidates)
        best: tuple[int, str] | None = None
        for name, raw in zip(names, self.server.hmget(self.key("articles"), names), strict=True):
            if not raw:
                continue
            entry = json.loads(raw)
            distance = (int(entry["simhash"]) ^ simhash).bit_count()
            seq = int(entry.get("seq") or 0)
            if distance <= self.near_distance and (best is None or seq < best[0]):
                best = (seq, name)
        return best[1] if best else None

    def add_article(self, record: dict, simhash: int, run_id: int | None = None) -> None:
        """Mark a written article (recovery of an output: its line is durable): inserted when
        its canonical URL is unknown; a pending claim of it becomes written, so that a reaper
        releasing the claiming worker cannot have it fetched and written a second time."""
        canonical_url = record["canonical_url"]
        outcome = self._recover(
            keys=self._claim_keys(simhash),
            args=[
                canonical_url,
                self._entry_json(record, simhash, "written")[:-1],
                record.get("url") or "",
                record.get("fingerprint") or "",
            ],
        )
        if isinstance(outcome, str):  # a claim taken over: tidy the claimer's set
            self.server.srem(self.key("claims", outcome), canonical_url)
        elif outcome:
            self.server.srem(self.key("claims", self.worker), canonical_url)

    def _claim_keys(self, simhash: int) -> list[str]:
        return [
            self.key("articles"),
            self.key("urls"),
            self.key("fingerprints"),
            self.key("claims", self.worker),
            self.key("seq"),
            *self._band_keys(simhash),
        ]

    def count_articles(self) -> int:
        return int(self.server.hlen(self.key("articles")))

    def duplicate_root(self, canonical_url: str) -> str:
        if canonical_url in self.mine:
            return self.mine[canonical_url][2] or canonical_url
        entry = self._entry(canonical_url)
        return entry["duplicate_of"] if entry and entry.get("duplicate_of") else canonical_url

    # ------------------------------------------------------------------ this worker's records
    def add_pending(
        self, canonical_url: str, fingerprint: str, simhash: int, duplicate_of: str | None
    ) -> None:
        """Claim a record for this worker, atomically: when another worker claimed or wrote the
        same canonical URL in the meantime, the item is dropped as a duplicate."""
        fields = {"fingerprint": fingerprint, "duplicate_of": duplicate_of}
        seq = self._claim(
            keys=self._claim_keys(simhash),
            args=[
                canonical_url,
                self._entry_json(fields, simhash, "pending")[:-1],
                "",
                fingerprint,
            ],
        )
        if not seq:
            from scrapy.exceptions import DropItem

            self.lost_claims += 1
            raise DropItem(
                f"duplicate (canonical_url, claimed by another worker): {canonical_url}",
                log_level="INFO",
            )
        self.mine[canonical_url] = (fingerprint, simhash, duplicate_of, int(seq))

    def pending_fingerprint(self, fingerprint: str) -> str | None:
        """Pending claims are in the shared index already (`find_fingerprint`)."""
        return None

    def pending_near_duplicate(self, simhash: int) -> str | None:
        return None

    def commit_articles(self, written: list[tuple[dict, str | None, int]]) -> None:
        for record, output, offset in written:
            self.commit_article(record, output, offset)

    def commit_article(self, record: dict, output: str | None = None, offset: int = 0) -> None:
        """The record's line is durably written: mark it written, with the output's offset."""
        canonical_url = record["canonical_url"]
        cached = self.mine.get(canonical_url)
        if cached is not None and cached[0] == record.get("fingerprint"):
            simhash, seq = cached[1], cached[3]
        else:
            simhash, seq = body_simhash(record.get("body") or ""), None
        entry = self._entry_json(record, simhash, "written")
        if seq is not None:
            entry = entry[:-1] + f',"seq":{seq}}}'
            pipe = self.server.pipeline(transaction=True)
            pipe.hset(self.key("articles"), canonical_url, entry)
            if record.get("url"):
                pipe.hsetnx(self.key("urls"), record["url"], canonical_url)
            pipe.srem(self.key("claims", self.worker), canonical_url)
            if output is not None:
                pipe.hset(self.key("outputs"), self._output_key(output), offset)
            pipe.execute()
        else:  # not claimed through the duplicates pipeline (switched off): insert if new
            self.add_article(record, simhash, self.run_id)
            if output is not None:
                self.set_committed_offset(output, offset)
        if output is not None:
            self.written[output] = self.written.get(output, 0) + 1
        self.mine.pop(canonical_url, None)

    def release_worker(self, worker: str) -> int:
        """Forget the pending (never written) claims of a dead worker, so that the articles it
        held are claimed again when its requests are fetched again. Returns how many."""
        claims = self.key("claims", worker)
        released = 0
        for canonical_url in self.server.smembers(claims):
            raw = self.server.hget(self.key("articles"), canonical_url)
            entry = json.loads(raw) if raw else None
            if entry and entry.get("status") == "pending" and entry.get("worker") == worker:
                simhash = int(entry["simhash"])
                pipe = self.server.pipeline(transaction=True)
                pipe.hdel(self.key("articles"), canonical_url)
                pipe.hdel(self.key("urls"), canonical_url)
                for band in self._band_keys(simhash):
                    pipe.srem(band, canonical_url)
                pipe.execute()
                fingerprint = entry.get("fingerprint")
                if fingerprint and self.find_fingerprint(fingerprint) == canonical_url:
                    self.server.hdel(self.key("fingerprints"), fingerprint)
                released += 1
        self.server.delete(claims)
        return released

    # ------------------------------------------------------------------ other fetched pages
    def mark_page(self, url: str, status: str, reason: str | None = None) -> None:
        value = json.dumps({"status": status, "reason": reason, "at": _now()}, ensure_ascii=False)
        self.server.hset(self.key("pages"), url, value)

    def is_known(self, url: str, rejected_retry: timedelta | None = None) -> bool:
        """Known from an earlier crawl. Articles of the distributed crawl now running are not
        "known" here: the shared dupefilter already keeps their URLs from being requested
        twice, and a list page whose articles this crawl just wrote must still be paged on,
        however the workers' timing falls (the same dataset from 1 or N workers)."""
        canonical = self.server.hget(self.key("urls"), url) or url
        entry = self._entry(canonical)
        if entry is not None:
            return self.crawl_id is None or entry.get("crawl") != self.crawl_id
        raw = self.server.hget(self.key("pages"), url)
        if not raw:
            return False
        page = json.loads(raw)
        if page["status"] != "rejected" or rejected_retry is None:
            return True
        return datetime.fromisoformat(page["at"]) > datetime.now(UTC) - rejected_retry

    # ------------------------------------------------------------------ list pages
    def list_page(self, url: str) -> dict | None:
        raw = self.server.hget(self.key("lists"), url)
        return json.loads(raw) if raw else None

    def mark_list_page(self, url: str, newest_published: str | None, new_links: int) -> None:
        old = self.list_page(url) or {}
        newest = max(old.get("newest_published") or "", newest_published or "") or None
        value = {"newest_published": newest, "last_crawled": _now(), "last_new": new_links}
        self.server.hset(self.key("lists"), url, json.dumps(value))

    def known_at(self, url: str) -> str | None:
        """When a URL became known (see `is_known`), or None."""
        canonical = self.server.hget(self.key("urls"), url) or url
        entry = self._entry(canonical)
        if entry is not None:
            known = self.crawl_id is None or entry.get("crawl") != self.crawl_id
            return entry.get("first_seen") if known else None
        raw = self.server.hget(self.key("pages"), url)
        return json.loads(raw)["at"] if raw else None

    def list_pass(self, folder: str) -> str | None:
        """When the last complete pass over a list (its folder) ended, or None."""
        return self.server.hget(self.key("list_passes"), folder)

    def complete_list_passes(self, folders: Iterable[str]) -> None:
        moment = _now()
        values = {folder: moment for folder in folders}
        if values:
            self.server.hset(self.key("list_passes"), mapping=values)

    # ------------------------------------------------------------------ runs
    def start_run(self, site: str, argv: Iterable[str]) -> int:
        self.run_started = datetime.now(UTC)
        self.run_id = int(self.server.incr(self.key("run_seq")))
        run = {
            "id": self.run_id,
            "started_at": self.run_started.isoformat(timespec="seconds"),
            "finished_at": None,
            "status": "running",
            "site": site,
            "argv": list(argv),
            "worker": self.worker,
            "counts": None,
            "problem": None,
        }
        self.server.hset(self.key("runs"), self.run_id, json.dumps(run, ensure_ascii=False))
        return self.run_id

    def finish_run(
        self, run_id: int, status: str, counts: dict, problem: str | None = None
    ) -> None:
        raw = self.server.hget(self.key("runs"), run_id)
        run = json.loads(raw) if raw else {"id": run_id}
        run.update(
            finished_at=_now(),
            status=status,
            counts=json.dumps(counts, ensure_ascii=False, sort_keys=True),
            problem=problem,
        )
        self.server.hset(self.key("runs"), run_id, json.dumps(run, ensure_ascii=False))

    def runs(self, limit: int = 20) -> list[dict]:
        runs = [json.loads(raw) for raw in self.server.hvals(self.key("runs"))]
        runs.sort(key=lambda run: run["id"], reverse=True)
        return [{key: run.get(key) for key in RUN_FIELDS} for run in runs[:limit]]

    # ------------------------------------------------------------------ outputs
    def _output_key(self, path: str) -> str:
        return f"{self.host}:{path}"

    def committed_offset(self, path: str) -> int:
        value = self.server.hget(self.key("outputs"), self._output_key(path))
        return int(value) if value else 0

    def output_offsets(self) -> dict[str, int]:
        """Every output file of this host the state has recorded, with its committed offset."""
        prefix = f"{self.host}:"
        return {
            key[len(prefix) :]: int(value)
            for key, value in self.server.hgetall(self.key("outputs")).items()
            if key.startswith(prefix)
        }

    def set_committed_offset(self, path: str, offset: int) -> None:
        self.server.hset(self.key("outputs"), self._output_key(path), offset)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Each Redis write above is atomic on its own; nothing to group."""
        yield


def _redacted(url: str) -> str:
    """A Redis URL without its password, for logs and manifests."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}"
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit(parts._replace(netloc=netloc))
    return url


__all__ = ["BANDS", "DEFAULT_PREFIX", "RedisStateStore"]
