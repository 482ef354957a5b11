from __future__ import annotations

import socket
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from careloop import server_workers
from careloop.surveys import rate_limits


class Command(BaseCommand):
    help = (
        "Serve careloop with waitress (a production WSGI server) on http://HOST:PORT, in one worker process "
        "per CPU core (CARELOOP_SERVE_WORKERS or --workers; careloop/server_workers.py says why)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8, help="threads per worker process (default 8)")
        parser.add_argument(
            "--workers", type=int, default=None, help="worker processes (default: CARELOOP_SERVE_WORKERS, else one per CPU core)"
        )

    def handle(self, *args: Any, host: str, port: int, threads: int, workers: int | None, **options: Any) -> None:
        try:
            count = server_workers.default_workers() if workers is None else server_workers.checked_workers(workers)
        except (server_workers.WorkerCountError, ValueError) as error:
            raise CommandError(str(error)) from None
        if threads < 1:
            raise CommandError(f"--threads must be at least 1, not {threads}")
        if not server_workers.can_fork():
            count = 1
        call_command("migrate", interactive=False, verbosity=0)
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        # Imported after collectstatic: WhiteNoise indexes STATIC_ROOT once, when the app is built
        # (and before forking, so every worker shares that work).
        from careloop.wsgi import application
        from waitress import serve

        self.stdout.write(f"careloop is running at http://{host}:{port}/ with {count} worker(s)  (Ctrl+C to stop)")
        self.stdout.flush()
        if count == 1:
            serve(application, host=host, port=port, threads=threads, ident="careloop")
            return
        # Counts kept in each worker's own memory must add up to the configured limits, not N times them.
        rate_limits.share_among_processes(count)

        def serve_one(sock: socket.socket) -> None:
            serve(application, sockets=[sock], threads=threads, ident="careloop")

        # A database connection opened before the fork would be shared by every worker: close them all.
        if server_workers.serve_forked(serve_one, host, port, count, before_fork=connections.close_all) != 0:
            raise CommandError("the workers kept dying at start: see the errors above")
