"""`xinwen extract` over the whole hostile corpus: exit 0 or 1, one line on standard error per
failed page naming it, no traceback, and never a network connection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.hostile import cases, list_page, write_corpus

BLOCK_NETWORK = textwrap.dedent(
    """
    import atexit, json, os, socket, sys

    _log = os.environ["XINWEN_TEST_NETWORK_LOG"]

    def _refuse(*args, **kwargs):
        with open(_log, "a") as fh:
            fh.write(repr(args[:2]) + "\\n")
        raise OSError("network access blocked by the test")

    class _NoNetSocket(socket.socket):
        def connect(self, *args, **kwargs):
            _refuse(*args)

        def connect_ex(self, *args, **kwargs):
            _refuse(*args)

    socket.socket = _NoNetSocket
    socket.create_connection = _refuse
    socket.getaddrinfo = _refuse
    socket.gethostbyname = _refuse

    @atexit.register
    def _modules():
        with open(_log + ".modules", "w") as fh:
            json.dump(sorted(sys.modules), fh)
    """
)


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("corpus")
    folder = root / "pages"
    written = write_corpus(folder)
    # A list page full of javascript:, mailto: and malformed links is not an article either.
    (folder / "bad-links-list.html").write_bytes(list_page(8080))
    hook = root / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(BLOCK_NETWORK, encoding="utf-8")
    log = root / "network.log"
    env = dict(os.environ, XINWEN_TEST_NETWORK_LOG=str(log))
    env["PYTHONPATH"] = os.pathsep.join([str(hook), str(REPO), env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "extract", str(folder)],
        cwd=root,
        env=env,
        capture_output=True,
        timeout=600,
        check=False,
    )
    return {
        "proc": proc,
        "stdout": proc.stdout.decode("utf-8"),
        "stderr": proc.stderr.decode("utf-8"),
        "written": written,
        "folder": folder,
        "network": log.read_text() if log.exists() else "",
        "modules": json.loads(Path(str(log) + ".modules").read_text()),
    }


def test_extract_over_the_corpus_exits_0_or_1_without_traceback(corpus_run: dict) -> None:
    assert corpus_run["proc"].returncode in (0, 1), corpus_run["stderr"][-3000:]
    assert corpus_run["proc"].returncode == 1  # some pages are not articles
    assert "Traceback" not in corpus_run["stderr"]


def test_one_line_per_failed_page_naming_it(corpus_run: dict) -> None:
    lines = corpus_run["stderr"].splitlines()
    summary = [line for line in lines if line.startswith("xinwen: ") and " records, " in line]
    failures = [line for line in lines if line not in summary]
    assert len(summary) == 1
    produced = {
        json.loads(line)["url"].rsplit("/", 1)[1] for line in corpus_run["stdout"].splitlines()
    }
    names = [p.name for _case, p in corpus_run["written"]] + ["bad-links-list.html"]
    failed = [name for name in names if name not in produced]
    assert len(failures) == len(failed)
    for name in failed:
        (line,) = [line for line in failures if f"/{name}: " in line]
        assert line.startswith("xinwen: ") and line.split(f"/{name}: ", 1)[1]
    for case, path in corpus_run["written"]:
        if case.yields is True:
            assert path.name in produced, case.name
        elif case.yields is False:
            assert path.name in failed, case.name
    assert "bad-links-list.html" in failed
    assert f"{len(produced)} records, {len(failed)} rejected" in summary[0]


def test_extract_never_touches_the_network(corpus_run: dict) -> None:
    assert corpus_run["network"] == ""
    loaded = set(corpus_run["modules"])
    assert not any(
        m.startswith(("scrapy.core.downloader", "twisted.internet.reactor")) for m in loaded
    )
    # (tldextract imports `requests`, but is built with no suffix-list URLs: it never fetches.)


def test_every_case_is_in_the_written_corpus() -> None:
    assert len({c.name for c in cases()}) == len(cases()) >= 20
