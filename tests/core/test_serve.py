"""`careloop serve` as an operator runs it: a real process in a fresh workspace answers with its security
headers and hashed static files, in two forked workers that stop with it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Served:
    url: str
    process: subprocess.Popen[str]


# One server for the module: its first start (migrations and collectstatic into a fresh workspace, most of
# it WhiteNoise compressing the API docs' scripts) is most of these tests' time, and none of the tests
# changes what the others read. It runs two worker processes, as `careloop serve` does on a 2-core
# machine by default, so that the last test can check them (the worker count's own rules:
# tests/core/test_serve_workers.py).
@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`careloop serve` as an operator runs it: a real process, a fresh workspace, hashed static files."""
    tmp_path = tmp_path_factory.mktemp("served")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARELOOP_")}
    env["CARELOOP_HOME"] = str(tmp_path / "workspace")
    process = subprocess.Popen(
        [sys.executable, "-m", "careloop", "serve", "--port", str(port), "--workers", "2", "--threads", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Its first start migrates a fresh workspace and collects static files: on a busy 2-core CI
        # machine that has taken over 70 s, so the wait is generous and a miss says what happened.
        deadline = time.monotonic() + 240
        while True:
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=5)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    # Stop it first: reading the output of a server still running would wait forever.
                    process.kill()
                    output, _ = process.communicate(timeout=30)
                    pytest.fail(f"careloop serve did not answer /login/ within 240 s: {output}")
                time.sleep(0.3)
        yield Served(base, process)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)


@pytest.mark.backend_neutral  # a child process with its own SQLite workspace
def test_it_serves_the_login_page_with_security_headers_and_static_files(served: Served) -> None:
    with urllib.request.urlopen(f"{served.url}/login/", timeout=5) as response:
        body = response.read().decode()
        headers = response.headers
    assert "Sign in to careloop" in body
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    stylesheet = re.search(r'href="(/static/careloop/app\.[0-9a-f]+\.css)"', body)
    assert stylesheet, "static files must be served with hashed names (collectstatic + whitenoise)"
    with urllib.request.urlopen(served.url + stylesheet.group(1), timeout=5) as css:
        assert css.status == 200
        assert b"--accent" in css.read()


@pytest.mark.backend_neutral  # a child process with its own SQLite workspace
def test_it_sends_anonymous_visitors_to_the_login_page(served: Served) -> None:
    with urllib.request.urlopen(f"{served.url}/journey/", timeout=5) as response:
        assert response.url.startswith(f"{served.url}/login/?next=/journey/")


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == parent:
                found.append(int(entry.name))
    return found


# Last in the module: it stops the module's server.
@pytest.mark.backend_neutral  # a child process with its own SQLite workspace
@pytest.mark.skipif(not Path("/proc").is_dir() or not hasattr(os, "fork"), reason="needs fork and /proc (Linux)")
def test_it_serves_from_two_worker_processes_that_stop_with_the_parent(served: Served) -> None:
    workers = _children(served.process.pid)
    assert len(workers) == 2
    # Every worker answers on the one port: ten requests in a row all succeed.
    for _ in range(10):
        with urllib.request.urlopen(f"{served.url}/login/", timeout=5) as response:
            assert response.status == 200
            assert "Sign in to careloop" in response.read().decode()
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=30) == 0
    assert all(not Path(f"/proc/{pid}").exists() or "Z" in (Path(f"/proc/{pid}") / "stat").read_text().split()[2] for pid in workers)
