"""A local stand-in for an SMS provider: an HTTP server on 127.0.0.1 (random port, its own thread)
that records every request and answers with the statuses a test queues (default: 200 and a new id)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeSmsServer:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    # (status, body) answers to give, in order; when empty: 200 {"id": "msg-<n>"}.
    answers: list[tuple[int, str]] = field(default_factory=list)

    def answer(self) -> tuple[int, str]:
        if self.answers:
            return self.answers.pop(0)
        return 200, json.dumps({"id": f"msg-{len(self.requests)}"})


def _handler(server: FakeSmsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            server.requests.append(Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            status, text = server.answer()
            payload = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

    return Handler


@contextmanager
def fake_sms_server() -> Iterator[FakeSmsServer]:
    fake = FakeSmsServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}/messages"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()
