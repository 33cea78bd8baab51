"""A lock file naming its holder: one crawl per state file, one crawl per output."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class HeldElsewhere(Exception):
    """Another process holds the lock; `holder` is its pid as written in the file."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


def pid_lock(lock_path: Path) -> int:
    """An exclusive lock on `lock_path`, which then holds this process's pid; the descriptor
    to keep open. The OS releases it when the process ends, even by kill -9."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
        os.close(fd)
        raise HeldElsewhere(holder) from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode("ascii"))
    return fd
