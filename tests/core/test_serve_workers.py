"""`careloop serve` on every core: the worker count setting is checked, and a crash loop of workers is
given up on. (N forked waitress workers sharing one port and stopping with the parent: tests/core/test_serve.py.)"""

from __future__ import annotations

import os
import signal
import socket

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


# The forked workers serving one port, and stopping with the parent: tests/core/test_serve.py, on the
# server its tests share (a server's first start is slow).


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
