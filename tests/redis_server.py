"""A throw-away `redis-server` for tests: a free loopback port, a temp dir, no persistence
unless asked (`persistent=True`: an append-only file fsynced at every write, so that a server
killed with SIGKILL and started again has every write it acknowledged).

`redis-server --port 0` does not listen at all, so a free port is picked through a socket
first (and the start is retried if another process takes it meanwhile).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

REDIS_SERVER = shutil.which("redis-server")
SKIP_REASON = "redis-server is not installed (apt-get install redis-server; .ci/run does it)"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """`with RedisServer() as server: server.url` — a running redis-server, stopped on exit."""

    def __init__(self, persistent: bool = False) -> None:
        if REDIS_SERVER is None:
            raise RuntimeError(SKIP_REASON)
        self.dir = Path(tempfile.mkdtemp(prefix="xinwen-redis-"))
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.persistent = persistent

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start on a free port; a server started before (then killed) comes back on its own
        port, with its data when it is persistent."""
        again = self.port != 0
        for _attempt in range(5):
            if not again:
                self.port = free_port()
            args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
            args += ["--save", "", "--dir", str(self.dir)]
            if self.persistent:
                args += ["--appendonly", "yes", "--appendfsync", "always"]
            else:
                args += ["--appendonly", "no"]
            args += ["--daemonize", "no", "--protected-mode", "yes"]
            self.process = subprocess.Popen(
                args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                        s.sendall(b"PING\r\n")
                        if s.recv(16).startswith(b"+PONG"):
                            return self
                except OSError:
                    time.sleep(0.05)
            self.stop(keep_dir=True)
        raise RuntimeError("could not start redis-server")

    def kill(self) -> None:
        """SIGKILL the server, as the OOM killer or a crash would (its files stay)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def stop(self, keep_dir: bool = False) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if not keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
