"""File helpers shared by the crawl state and the outputs (which sit above it): durable new
names, and short causes for the errors a write meets."""

from __future__ import annotations

import errno
import os
from pathlib import Path


def fsync_dir(path: Path) -> None:
    """Make a new directory entry durable (the file's own fsync does not cover its name)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def os_reason(exc: OSError) -> str:
    """A short cause: `disk full`, `permission denied`, `file too large` …"""
    reasons = {
        errno.ENOSPC: "disk full",
        errno.EDQUOT: "disk quota exceeded",
        errno.EFBIG: "file too large (file size limit)",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "read-only file system",
        errno.ENOTDIR: "a parent is not a directory",
        errno.EISDIR: "it is a directory",
    }
    return reasons.get(exc.errno or 0, exc.strerror or type(exc).__name__)
