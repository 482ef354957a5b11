"""`careloop serve` on every core: waitress in N forked worker processes sharing one listening socket.

Why: waitress serves from one process with threads, and Python runs one thread at a time (the GIL), so
one process uses one core however many threads it has. Measured here (bench/survey_load.py, docs/
surveys.md "Performance"): the answer endpoint was bound by that one core. Forking after the application
is imported and the socket is bound gives each core its own interpreter; the kernel hands each new
connection to whichever worker accepts first.

Why waitress and not a second server: waitress reads a whole request before a worker thread sees it, so
a slow or stalled client (a phone on a poor signal, or a slowloris script) holds only a socket, never a
thread; that matters because careloop is often served without a buffering proxy in front. Forking it
costs no new dependency. Where `os.fork` does not exist (Windows), serve runs one process as before.

The parent only supervises: it forwards SIGTERM/SIGINT to the workers and replaces a worker that dies
(at most RESTARTS_PER_MINUTE times a minute, so a worker that crashes at start cannot crash-loop).
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from careloop.settings import envint

# More workers than this on one machine means a typo, not a plan (each holds its own DB connections).
MAX_WORKERS = 64
RESTARTS_PER_MINUTE = 10


class WorkerCountError(ValueError):
    """A worker count that cannot be used, in one sentence naming the setting."""


def default_workers() -> int:
    """CARELOOP_SERVE_WORKERS, else one worker per CPU core."""
    return checked_workers(envint("SERVE_WORKERS", os.cpu_count() or 1), "CARELOOP_SERVE_WORKERS")


def checked_workers(count: int, source: str = "--workers") -> int:
    if not 1 <= count <= MAX_WORKERS:
        raise WorkerCountError(f"{source} must be a whole number from 1 to {MAX_WORKERS}, not {count}")
    return count


def can_fork() -> bool:
    return hasattr(os, "fork")


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


class Supervisor:
    """Forks `workers` processes that each run `serve_one(sock)`, and keeps that many running."""

    def __init__(self, serve_one: Callable[[socket.socket], None], sock: socket.socket, workers: int) -> None:
        self.serve_one = serve_one
        self.sock = sock
        self.workers = workers
        self.children: set[int] = set()
        self.stopping = False
        self.restarts: list[float] = []

    def run(self) -> int:
        """Serve until stopped: 0 after SIGTERM/SIGINT, 1 when workers kept dying."""
        previous = {signum: signal.signal(signum, self._stop) for signum in (signal.SIGTERM, signal.SIGINT)}
        gave_up = False
        try:
            for _ in range(self.workers):
                self._spawn()
            while self.children:
                try:
                    pid, status = os.wait()
                except ChildProcessError:
                    break
                self.children.discard(pid)
                if self.stopping:
                    continue
                if not self._may_restart():
                    print(f"careloop serve: workers keep dying (last wait status {status}); stopping", file=sys.stderr)
                    gave_up = True
                    self._stop(signal.SIGTERM, None)
                    continue
                self._spawn()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return 1 if gave_up else 0

    def _spawn(self) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            # Ctrl+C reaches the whole process group: the parent stops the workers with SIGTERM.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            code = 0
            try:
                self.serve_one(self.sock)
            except BaseException:  # noqa: BLE001 - a worker must never return into the parent's loop
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        self.children.add(pid)

    def _may_restart(self) -> bool:
        now = time.monotonic()
        self.restarts = [t for t in self.restarts if now - t < 60] + [now]
        return len(self.restarts) <= RESTARTS_PER_MINUTE

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                self.children.discard(pid)


def serve_forked(serve_one: Callable[[socket.socket], None], host: str, port: int, workers: int, before_fork: Callable[[], Any]) -> int:
    """Bind HOST:PORT, run `before_fork()` (close what must not be shared, e.g. DB connections), then
    supervise `workers` processes serving that socket."""
    sock = listening_socket(host, port)
    before_fork()
    return Supervisor(serve_one, sock, workers).run()
