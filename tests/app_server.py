"""``streamlit run app.py`` for the tests and the benchmarks: on a free localhost port, until it answers its health check."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import ROOT

QUIET = ("--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none")
"""Options that spell out what .streamlit/config.toml sets, plus no file watcher, for a test server."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(store: str | Path, log: Path, *, options: Sequence[str] = QUIET, wrapper: Sequence[str] = (),
                env: dict | None = None, seconds: float = 90, root: Path = ROOT) -> Iterator[tuple[int, subprocess.Popen]]:
    """The app on ``store`` as ``./dev run`` starts it (``python -m geo.app.serve``) in the checkout ``root`` (this one
    unless given), its output in ``log``, run under ``wrapper`` (e.g. strace) if given; yields its port and process.

    Raises RuntimeError, with the log, when it does not answer within ``seconds``; stops it (and whatever it
    started) when the block ends.
    """
    command = [*wrapper, sys.executable, "-m", "geo.app.serve"]
    with _serving(command, log, options, {**(env or {}), "INCIDENT_MAP_STORE": str(store)}, seconds, root) as running:
        yield running


@contextmanager
def running_script(script: str | Path, log: Path, *, options: Sequence[str] = QUIET, env: dict | None = None,
                   seconds: float = 90) -> Iterator[tuple[int, subprocess.Popen]]:
    """``streamlit run script`` (relative to the project's root), as ``running_app`` starts the app; yields its port and
    process."""
    with _serving([sys.executable, "-m", "streamlit", "run", str(script)], log, options, env or {}, seconds) as running:
        yield running


@contextmanager
def _serving(command: list[str], log: Path, options: Sequence[str], env: dict, seconds: float,
             root: Path = ROOT) -> Iterator[tuple[int, subprocess.Popen]]:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen([*command, "--server.port", str(port), *options], cwd=root, env={**os.environ, **env},
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + seconds
        while not _healthy(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start:\n{log.read_text()}")
            time.sleep(0.3)
        yield port, process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
            return response.read() == b"ok"
    except OSError:
        return False
