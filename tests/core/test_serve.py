from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# One server for the module: starting it (migrations and collectstatic into a fresh workspace) is
# most of these tests' time, and neither test changes what the other reads.
@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`careloop serve` as an operator runs it: a real process, a fresh workspace, hashed static files."""
    tmp_path = tmp_path_factory.mktemp("served")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARELOOP_")}
    env["CARELOOP_HOME"] = str(tmp_path / "workspace")
    process = subprocess.Popen(
        [sys.executable, "-m", "careloop", "serve", "--port", str(port)],
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
                urllib.request.urlopen(f"{base}/login/", timeout=2)
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"careloop serve exited: {process.stdout.read() if process.stdout else ''}")
                if time.monotonic() > deadline:
                    pytest.fail("careloop serve did not answer /login/ within 240 s")
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.backend_neutral  # a child process with its own SQLite workspace
def test_it_serves_the_login_page_with_security_headers_and_static_files(served: str) -> None:
    with urllib.request.urlopen(f"{served}/login/", timeout=5) as response:
        body = response.read().decode()
        headers = response.headers
    assert "Sign in to careloop" in body
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    stylesheet = re.search(r'href="(/static/careloop/app\.[0-9a-f]+\.css)"', body)
    assert stylesheet, "static files must be served with hashed names (collectstatic + whitenoise)"
    with urllib.request.urlopen(served + stylesheet.group(1), timeout=5) as css:
        assert css.status == 200
        assert b"--accent" in css.read()


@pytest.mark.backend_neutral  # a child process with its own SQLite workspace
def test_it_sends_anonymous_visitors_to_the_login_page(served: str) -> None:
    with urllib.request.urlopen(f"{served}/journey/", timeout=5) as response:
        assert response.url.startswith(f"{served}/login/?next=/journey/")
