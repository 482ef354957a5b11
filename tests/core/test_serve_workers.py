"""`careloop serve` on every core: the worker count setting is checked, and N forked waitress workers
share one port, and stop with the parent."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from careloop import server_workers


def test_it_takes_one_worker_per_core_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARELOOP_SERVE_WORKERS", raising=False)
    assert server_workers.default_workers() == (os.cpu_count() or 1)
    monkeypatch.setenv("CARELOOP_SERVE_WORKERS", "3")
    assert server_workers.default_workers() == 3


@pytest.mark.parametrize("raw", ["0", "-2", "65"])
def test_it_refuses_a_worker_count_out_of_range(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("CARELOOP_SERVE_WORKERS", raw)
    with pytest.raises(server_workers.WorkerCountError, match=f"CARELOOP_SERVE_WORKERS must be a whole number from 1 to 64, not {raw}"):
        server_workers.default_workers()


def test_it_refuses_a_worker_count_that_is_not_a_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARELOOP_SERVE_WORKERS", "two")
    with pytest.raises(ValueError, match="CARELOOP_SERVE_WORKERS must be a whole number, not 'two'"):
        server_workers.default_workers()


def test_it_says_what_is_wrong_with_the_workers_option() -> None:
    with pytest.raises(CommandError, match="--workers must be a whole number from 1 to 64, not 0"):
        call_command("serve", workers=0)
    with pytest.raises(CommandError, match="--threads must be at least 1, not 0"):
        call_command("serve", workers=1, threads=0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


@pytest.mark.skipif(not Path("/proc").is_dir() or not hasattr(os, "fork"), reason="needs fork and /proc (Linux)")
def test_it_serves_from_two_worker_processes_that_stop_with_the_parent(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARELOOP_")}
    env["CARELOOP_HOME"] = str(tmp_path / "workspace")
    process = subprocess.Popen(
        [sys.executable, "-m", "careloop", "serve", "--port", str(port), "--workers", "2", "--threads", "2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as response:
                    assert "Sign in to careloop" in response.read().decode()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    # Stop it first: reading the output of a server still running would wait forever.
                    process.kill()
                    output, _ = process.communicate(timeout=30)
                    pytest.fail(f"careloop serve did not answer within 240 s: {output}")
                time.sleep(0.3)
        workers = _children(process.pid)
        assert len(workers) == 2
        # Every worker answers on the one port: ten requests in a row all succeed.
        for _ in range(10):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as response:
                assert response.status == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert all(not Path(f"/proc/{pid}").exists() or "Z" in (Path(f"/proc/{pid}") / "stat").read_text().split()[2] for pid in workers)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_it_replaces_dying_workers_but_gives_up_on_a_crash_loop() -> None:
    sock = server_workers.listening_socket("127.0.0.1", 0)
    started: list[int] = []

    def crash(_: socket.socket) -> None:
        raise RuntimeError("worker cannot start")  # the child prints this and exits with status 1

    supervisor = server_workers.Supervisor(crash, sock, workers=2)
    original_spawn = supervisor._spawn

    def counting_spawn() -> None:
        original_spawn()
        started.append(1)

    supervisor._spawn = counting_spawn  # type: ignore[method-assign]
    handler_before = signal.getsignal(signal.SIGTERM)
    try:
        assert supervisor.run() == 1
    finally:
        sock.close()
    # Two workers, then one replacement per death until the 11th death within a minute.
    assert len(started) == 2 + server_workers.RESTARTS_PER_MINUTE
    assert signal.getsignal(signal.SIGTERM) == handler_before  # the parent's own handlers are given back
