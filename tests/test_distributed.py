"""Distributed crawls on Redis: the Redis state store, the reliable queue, and real workers
(`xinwen crawl hnr --offline --redis …` subprocesses) against the bundled offline mirror."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis.exceptions import OutOfMemoryError

from crawler.state.redis_store import redis_reason
from tests.conftest import needs_bundled_mirror
from tests.redis_server import REDIS_SERVER, SKIP_REASON, RedisServer

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)

XINWEN = Path(sys.executable).with_name("xinwen")
SLOW = ["-s", "DOWNLOAD_DELAY=0.3", "-s", "AUTOTHROTTLE_ENABLED=False"]
# Heartbeat: a worker's event loop blocks for seconds while its extraction processes start on a
# loaded machine (forkserver preload); a 3 s heartbeat then expired and a live worker was reaped.
QUICK_IDLE = [
    "-s", "XINWEN_REDIS_IDLE_SECONDS=2",
    "-s", "XINWEN_REDIS_HEARTBEAT_SECONDS=12",
    "-s", "XINWEN_REDIS_PREFETCH=2",
]  # fmt: skip


@pytest.fixture(scope="module")
def redis_url():
    with RedisServer() as server:
        yield server.url


@pytest.fixture
def redis(redis_url):
    import redis as redis_py

    client = redis_py.Redis.from_url(redis_url, decode_responses=True)
    client.flushall()
    yield client
    client.flushall()
    client.close()


# -- the state store -------------------------------------------------------------------------


def _store(redis, worker="w1", distance=3):
    from crawler.state import RedisStateStore

    return RedisStateStore(redis, worker, prefix="t:state", near_distance=distance)


def _record(url, body, fingerprint=None):
    return {
        "url": url,
        "canonical_url": url,
        "fingerprint": fingerprint or f"fp-{abs(hash(body))}",
        "body": body,
        "site": "hnr.cn",
        "published_at": "2022-04-22T18:36:31+08:00",
        "duplicate_of": None,
    }


BODY = "映象网讯 平顶山市湛河区推进乡村振兴，群众反映良好，产业发展势头强劲。" * 8


def test_claims_are_shared_and_atomic(redis):
    from scrapy.exceptions import DropItem

    from crawler.state import body_simhash

    one, two = _store(redis, "w1"), _store(redis, "w2")
    simhash = body_simhash(BODY)
    one.add_pending("http://a/1", "fp1", simhash, None)
    assert "http://a/1" in two.pending and two.has_url("http://a/1")
    with pytest.raises(DropItem, match="claimed by another worker"):
        two.add_pending("http://a/1", "fp1", simhash, None)
    # the second worker sees the first one's body while it is still pending
    assert two.find_fingerprint("fp1") == "http://a/1"
    assert two.find_near_duplicate(simhash ^ 0b101) == "http://a/1"
    one.commit_article(_record("http://a/1", BODY, "fp1"), "/out/a.jsonl", 123)
    assert "http://a/1" not in two.pending and two.has_url("http://a/1")
    assert one.committed_offset("/out/a.jsonl") == 123
    assert two.committed_offset("/out/a.jsonl") == 123  # same host, same path
    assert not redis.smembers("t:state:claims:w1")


def test_a_new_namespace_uses_wide_bands_and_finds_what_a_scan_finds(redis):
    import random

    from crawler.state.simhash import WIDE_BANDS

    store = _store(redis, "w1", distance=3)
    rng = random.Random(5)
    hashes = [rng.getrandbits(64) for _ in range(60)]
    for index, value in enumerate(hashes):
        store.add_pending(f"http://a/{index}", f"fp{index}", value, None)
    assert store.bands == WIDE_BANDS
    assert redis.keys("t:state:band16:*") and not redis.keys("t:state:band:*")
    other = _store(redis, "w2", distance=2)  # another worker, a smaller distance: served too
    for value in hashes:
        for flips in range(5):
            query = value
            for bit in rng.sample(range(64), flips):
                query ^= 1 << bit
            expected = next(
                (f"http://a/{i}" for i, h in enumerate(hashes) if (h ^ query).bit_count() <= 2),
                None,
            )
            assert other.find_near_duplicate(query) == expected


def test_a_namespace_keeps_its_band_layout(redis):
    from crawler.state.simhash import BANDS, WIDE_BANDS

    # A namespace written before layouts were recorded: six bands, whatever the distance.
    redis.hset("t:state:articles", "http://old/1", json.dumps({"simhash": "1", "seq": 1}))
    assert _store(redis, "w1", distance=3).bands == BANDS
    assert redis.get("t:state:band_layout")
    redis.flushall()
    assert _store(redis, "w1", distance=3).bands == WIDE_BANDS
    with pytest.raises(ValueError, match="serves distances up to 3, not 5"):
        _ = _store(redis, "w2", distance=5).bands


def test_earliest_claim_is_the_original(redis):
    from crawler.state import body_simhash

    one, two = _store(redis, "w1"), _store(redis, "w2")
    simhash = body_simhash(BODY)
    one.add_pending("http://a/first", "fpA", simhash, None)
    two.add_pending("http://b/second", "fpB", simhash ^ 1, "http://a/first")
    assert _store(redis, "w3").find_near_duplicate(simhash ^ 2) == "http://a/first"
    assert two.duplicate_root("http://b/second") == "http://a/first"


def test_release_worker_forgets_unwritten_claims_only(redis):
    from crawler.state import body_simhash

    dead, other = _store(redis, "dead"), _store(redis, "other")
    dead.add_pending("http://a/written", "fpW", body_simhash(BODY), None)
    dead.commit_article(_record("http://a/written", BODY, "fpW"), "/o", 10)
    dead.add_pending("http://a/lost", "fpL", body_simhash(BODY + "另一篇"), None)
    assert other.release_worker("dead") == 1
    assert other.has_url("http://a/written") and not other.has_url("http://a/lost")
    assert other.find_fingerprint("fpL") is None
    other.add_pending("http://a/lost", "fpL", body_simhash(BODY + "另一篇"), None)  # claimable


def test_recovery_turns_a_pending_claim_of_a_durable_line_written(redis):
    """A worker claimed an article and wrote its line, then Redis failed before the claim was
    marked written; the next run's recovery finds the line. Left pending, the claim would be
    released by the reaper once the worker's heartbeat expired, and the article written twice."""
    from crawler.state import body_simhash

    url, simhash = "http://a/durable", body_simhash(BODY)
    failed, recovering = _store(redis, "failed"), _store(redis, "next")
    failed.add_pending(url, "fpD", simhash, None)
    claimed = json.loads(redis.hget("t:state:articles", url))
    recovering.add_article(_record(url, BODY, "fpD"), simhash)
    entry = json.loads(redis.hget("t:state:articles", url))
    assert entry["status"] == "written" and entry["seq"] == claimed["seq"]
    assert not redis.sismember("t:state:claims:failed", url)
    assert recovering.release_worker("failed") == 0
    assert recovering.has_url(url) and recovering.find_fingerprint("fpD") == url
    # A written article stays as it was.
    recovering.add_article(_record(url, BODY, "fpD"), simhash)
    assert json.loads(redis.hget("t:state:articles", url)) == entry


def test_runs_pages_lists_and_recovery_insert(redis):
    from datetime import timedelta

    store = _store(redis)
    run = store.start_run("hnr", ["crawl", "hnr"])
    store.finish_run(run, "failed", {"written": 1}, "the crawl did not finish")
    assert store.runs()[0]["status"] == "failed"
    assert store.runs()[0]["problem"] == "the crawl did not finish"
    store.mark_page("http://a/bad", "rejected", "empty body")
    assert store.is_known("http://a/bad", None)
    assert not store.is_known("http://a/bad", timedelta(seconds=0))
    store.mark_list_page("http://a/list/", "2022-04-22", 3)
    store.mark_list_page("http://a/list/", "2021-01-01", 0)
    assert store.list_page("http://a/list/")["newest_published"] == "2022-04-22"
    store.add_article(_record("http://a/r", BODY), 42)  # recovery of an output line
    store.add_article(_record("http://a/r", BODY), 42)  # twice: ignored
    assert store.count_articles() == 1 and store.has_url("http://a/r")
    with store.transaction():
        store.set_committed_offset("/x", 5)
    assert store.committed_offset("/x") == 5


# -- the reliable queue ----------------------------------------------------------------------


class _Spider:
    name = "t"

    def parse(self, response):  # pragma: no cover - never called
        return []


def _queue(redis_url, worker):
    import redis as redis_py

    from crawler.crawl.distributed import ReliablePriorityQueue

    server = redis_py.Redis.from_url(redis_url)
    queue = ReliablePriorityQueue(server, _Spider(), "t:requests")
    queue.processing_key = f"t:processing:{worker}"
    queue.dupefilter_key = "t:dupefilter"
    return queue


def test_queue_pop_moves_to_processing_ack_and_requeue(redis, redis_url):
    from scrapy import Request

    one, two = _queue(redis_url, "one"), _queue(redis_url, "two")
    assert one.push(Request("http://a/1", priority=1), "fp1")
    assert not one.push(Request("http://a/1"), "fp1")  # seen: not queued twice
    assert one.push(Request("http://a/2"), "fp2")
    request, data = one.pop()
    assert request.url == "http://a/1" and "xinwen_redis_token" in request.meta
    assert redis.zcard("t:processing:one") == 1 and len(one) == 1
    one.ack(data)
    assert redis.zcard("t:processing:one") == 0
    request, data = one.pop()  # a worker holding http://a/2 dies: another one gets it back
    assert two.pop() is None
    assert two.requeue("t:processing:one") == 1
    again, _ = two.pop()
    assert again.url == "http://a/2"
    # a redirect/retry replaces its in-flight request in one step
    redirected = Request("http://a/3")
    assert two.push(redirected, "fp3", replaces=_)
    assert redis.zcard("t:processing:two") == 0 and len(two) == 1


# -- workers ---------------------------------------------------------------------------------


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["XINWEN_STATE"] = str(tmp_path / "local-state.sqlite3")  # never the user's state
    env["XDG_STATE_HOME"] = str(tmp_path / "xdg")
    env.pop("XINWEN_REDIS_URL", None)
    return env


def _worker(tmp_path, redis_url, name, *extra, **popen):
    out = tmp_path / f"{name}.jsonl"
    summary = tmp_path / f"{name}.summary.json"
    args = [
        str(XINWEN), "crawl", "hnr", "--offline", "--redis", redis_url, "-o", str(out), "-L", "INFO",
        "-s", f"XINWEN_SUMMARY_PATH={summary}", *SLOW, *QUICK_IDLE, *extra,
    ]  # fmt: skip
    log = (tmp_path / f"{name}.log").open("wb")
    proc = subprocess.Popen(
        args, cwd=tmp_path, env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=log, **popen
    )
    proc.out, proc.summary, proc.log = out, summary, log  # type: ignore[attr-defined]
    return proc


def _finish(proc, timeout=180):
    try:
        code = proc.wait(timeout)
    finally:
        proc.log.close()
    return code


def _records(*paths: Path) -> list[dict]:
    records = []
    for path in paths:
        if path.exists():
            records += [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    return records


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The single-process dataset of the offline mirror (no Redis)."""
    tmp_path = tmp_path_factory.mktemp("reference")
    out = tmp_path / "ref.jsonl"
    proc = subprocess.run(
        [str(XINWEN), "crawl", "hnr", "--offline", "-O", str(out)],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    records = _records(out)
    assert len(records) >= 10
    return records


def _keys(records):
    return sorted((r["canonical_url"], r["fingerprint"]) for r in records)


def _log(tmp_path, name):
    return (tmp_path / f"{name}.log").read_text("utf-8", "replace")[-4000:]


@needs_bundled_mirror
def test_two_workers_make_the_single_worker_dataset(tmp_path, redis, redis_url, reference):
    workers = [_worker(tmp_path, redis_url, name) for name in ("a", "b")]
    codes = [_finish(proc) for proc in workers]
    assert codes == [0, 0], _log(tmp_path, "a") + _log(tmp_path, "b")
    a, b = _records(workers[0].out), _records(workers[1].out)
    union = a + b
    assert _keys(union) == _keys(reference)  # every article, nothing twice
    assert len({r["canonical_url"] for r in union}) == len(union)
    for proc in workers:  # both did work
        summary = json.loads(proc.summary.read_text("utf-8"))
        assert summary["pages_fetched"] >= 1, summary
    # near-duplicates still marked across workers
    urls = {r["canonical_url"] for r in union}
    marked = [r for r in union if r["duplicate_of"]]
    assert len(marked) == len([r for r in reference if r["duplicate_of"]])
    assert all(r["duplicate_of"] in urls for r in marked)
    # the crawl is over: queue, processing sets and seed marker are gone, the state stays
    assert not redis.exists("xinwen:hnr:seeded", "xinwen:hnr:requests", "xinwen:hnr:dupefilter")
    assert not redis.keys("xinwen:hnr:processing:*")
    assert redis.hlen("xinwen:state:articles") == len(union)
    # a later crawl on the same Redis adds nothing (incremental state in Redis)
    again = _worker(tmp_path, redis_url, "c")
    assert _finish(again) == 0, _log(tmp_path, "c")
    assert _records(again.out) == []


@needs_bundled_mirror
def test_seeded_once_however_many_workers_start(tmp_path, redis, redis_url, reference):
    workers = [_worker(tmp_path, redis_url, f"w{i}") for i in range(3)]
    assert [_finish(proc) for proc in workers] == [0, 0, 0]
    logs = "".join((tmp_path / f"w{i}.log").read_text("utf-8", "replace") for i in range(3))
    assert logs.count("seeding the start pages") == 1
    assert logs.count("was seeded by another worker") == 2
    union = _records(*(proc.out for proc in workers))
    assert _keys(union) == _keys(reference)


@pytest.mark.slow
@needs_bundled_mirror
def test_worker_joining_a_complete_crawl_says_so_and_succeeds(tmp_path, redis, redis_url):
    """The state a restarted worker meets when the others have done everything: the start pages
    were seeded, the queue is empty, nothing is in processing. It has nothing to do: exit 0."""
    redis.set("xinwen:hnr:seeded", "seeded survivor")
    late = _worker(tmp_path, redis_url, "late")
    assert _finish(late) == 0, _log(tmp_path, "late")
    assert "was already complete when worker" in _log(tmp_path, "late")
    assert _records(late.out) == []


@needs_bundled_mirror
def test_worker_killed_midway_loses_nothing(tmp_path, redis, redis_url, reference):
    """SIGKILL one worker (its whole process group) while it holds requests; the other worker
    gets them back once the heartbeat expires, a restarted worker helps finish. Guarantee: every
    article in the union of the outputs; a record is repeated only if the kill fell between
    the durable write of its line and its mark in Redis (asserted: at most one)."""
    victim = _worker(tmp_path, redis_url, "victim", start_new_session=True)
    survivor = _worker(tmp_path, redis_url, "survivor")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill once the victim holds requests in processing
        held = [k for k in redis.keys("xinwen:hnr:processing:*") if redis.zcard(k)]
        if victim.out.exists() and victim.out.stat().st_size and held:
            break
        time.sleep(0.05)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(10)
    victim.log.close()
    restarted = _worker(tmp_path, redis_url, "restarted")
    assert _finish(survivor) == 0, _log(tmp_path, "survivor")
    assert _finish(restarted) == 0, _log(tmp_path, "restarted")
    union = _records(victim.out, survivor.out, restarted.out)
    assert {r["canonical_url"] for r in union} == {r["canonical_url"] for r in reference}
    assert len(union) - len({r["canonical_url"] for r in union}) <= 1
    # the dead worker was reaped (said early in a log that Scrapy's stats dump makes long)
    logs = "".join(
        (tmp_path / f"{n}.log").read_text("utf-8", "replace") for n in ("survivor", "restarted")
    )
    assert "stopped without finishing" in logs


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("Command # 1 (HSET xinwen:state:articles http://x {\"title\": \"(a) b\"}) of pipeline"
         " caused error: command not allowed when used memory > 'maxmemory'.",
         "command not allowed when used memory > 'maxmemory'"),
        ("Error 111 connecting to 127.0.0.1:1. Connection refused.",
         "Error 111 connecting to 127.0.0.1:1. Connection refused"),
    ],
)  # fmt: skip
def test_a_redis_error_is_named_without_the_command_that_met_it(error: str, reason: str) -> None:
    assert redis_reason(OutOfMemoryError(error)) == reason
