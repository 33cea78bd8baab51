"""The emergency reserve beside a crawl's SQLite state: made (real bytes) when the state opens
for a crawl, refused on a disk without room for it, freed on a full disk so that the run is
still recorded `failed`. The full disks are real small tmpfs mounts (skipped where none can be
mounted)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.cli import forget_state
from crawler.state import MEMORY, StateError, StateFull, StateStore
from crawler.state.locks import pid_lock
from crawler.state.sqlite_store import RESERVE_BYTES, reserve_path
from tests.conftest import load_benchmark

faults = load_benchmark("faults")


def _crawl_state(path: Path) -> StateStore:
    """The state as a crawl opens it (`crawler.state.crawl_state`)."""
    return StateStore(path, lock=True, reserve=True)


@pytest.fixture
def small_disk(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A real tmpfs of the size given by `@pytest.mark.parametrize(..., indirect=True)`."""
    disk = tmp_path / "disk"
    if not faults.mount_tmpfs(disk, request.param):
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield disk
    finally:
        faults.unmount(disk)


def test_a_crawls_state_keeps_a_real_reserve_beside_it(tmp_path: Path) -> None:
    state = tmp_path / "s.sqlite3"
    _crawl_state(state).close()
    reserve = reserve_path(state)
    assert reserve == tmp_path / "s.sqlite3.reserve"
    found = reserve.stat()
    assert found.st_size == RESERVE_BYTES
    assert found.st_blocks * 512 >= RESERVE_BYTES  # written, not sparse
    assert reserve.read_bytes().count(0) < RESERVE_BYTES // 2  # random, not compressible zeros
    # A partial reserve (a killed creation) and a sparse one are made whole at the next open.
    for damage in (lambda: os.truncate(reserve, 10), lambda: _make_sparse(reserve)):
        damage()
        _crawl_state(state).close()
        found = reserve.stat()
        assert found.st_size == RESERVE_BYTES and found.st_blocks * 512 >= RESERVE_BYTES


def _make_sparse(path: Path) -> None:
    path.unlink()
    fd = os.open(path, os.O_CREAT | os.O_WRONLY)
    try:
        os.ftruncate(fd, RESERVE_BYTES)
    finally:
        os.close(fd)


def test_no_reserve_without_a_crawl_or_a_file(tmp_path: Path) -> None:
    """Other users of a state (`--fresh`, reading the history) and in-memory states make none."""
    state = tmp_path / "s.sqlite3"
    StateStore(state, lock=True).close()
    StateStore(state).close()
    assert not reserve_path(state).exists()
    memory = StateStore(MEMORY, reserve=True)
    assert memory.reserve is None
    memory.close()
    assert not reserve_path(Path(MEMORY)).exists()


def test_fresh_removes_the_reserve_with_the_state(tmp_path: Path) -> None:
    state = tmp_path / "s.sqlite3"
    _crawl_state(state).close()
    assert forget_state(str(state))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["s.sqlite3.lock"]


@pytest.mark.parametrize("small_disk", ["128k"], indirect=True)
def test_a_disk_without_room_for_the_reserve_refuses_the_state(small_disk: Path) -> None:
    state = small_disk / "s.sqlite3"
    with pytest.raises(StateFull) as refused:
        _crawl_state(state).close()
    message = str(refused.value)
    assert str(state) in message and "emergency reserve" in message, message
    assert "disk full" in message and "free space" in message, message
    assert not reserve_path(state).exists()  # the partial reserve gave its room back
    assert not state.exists()  # refused before the database was touched
    os.close(pid_lock(state.with_name("s.sqlite3.lock")))  # and the lock released


@pytest.mark.parametrize("small_disk", ["640k"], indirect=True)
def test_a_full_disk_frees_the_reserve_and_records_the_run_failed(small_disk: Path) -> None:
    state = small_disk / "s.sqlite3"
    store = _crawl_state(state)
    errors: list[StateError] = []
    store.on_error = errors.append
    run = store.start_run("hnr", ["xinwen", "crawl", "hnr"])
    filler = faults.fill_disk(small_disk)
    written = 0
    with pytest.raises(StateFull):
        for written in range(10_000):
            url = f"http://news.hnr.cn/{written}"
            record = {"canonical_url": url, "url": url, "fingerprint": f"{written:032x}"}
            store.commit_articles([({**record, "body": "新闻" * 2000}, None, 0)])
    store.close()
    assert len(errors) == 1 and "disk full" in str(errors[0])
    assert not reserve_path(state).exists()
    history = StateStore(state)  # read as the project reads it, the disk still full
    try:
        [faulted] = history.runs()
        assert history.count_articles() == written  # the failed group rolled back, no more
    finally:
        history.close()
    assert faulted["id"] == run and faulted["status"] == "failed"
    assert "disk full" in faulted["problem"] and faulted["finished_at"]
    # Full (closing gave the WAL's room back): the next crawl is refused before it starts; with
    # room again it has its reserve.
    faults.fill_disk(small_disk)
    with pytest.raises(StateFull):
        _crawl_state(state).close()
    filler.unlink()
    _crawl_state(state).close()
    assert reserve_path(state).stat().st_size == RESERVE_BYTES
