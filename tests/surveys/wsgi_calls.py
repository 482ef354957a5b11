"""Calling careloop's WSGI applications the way waitress does (PATH_INFO, wsgi.input, start_response),
for tests of what the served application answers, middleware included."""

from __future__ import annotations

import io
import re
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_COOKIE = re.compile(r"csrftoken=([^;]+)")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str

    def cookie(self) -> str:
        found = CSRF_COOKIE.search(self.headers.get("Set-Cookie", ""))
        assert found is not None, self.headers
        return found.group(1)

    def form_token(self) -> str:
        found = CSRF_FIELD.search(self.body)
        assert found is not None
        return found.group(1)


def call(app: Any, method: str, path: str, data: dict[str, str] | None = None, *, cookie: str = "", host: str = "testserver",
         address: str = "10.0.0.1") -> Reply:
    path, _, query = path.partition("?")
    body = urlencode(data or {}).encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "testserver", "SERVER_PORT": "80",
        "HTTP_HOST": host, "REMOTE_ADDR": address, "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
    }
    if method == "POST":
        environ.update(CONTENT_TYPE="application/x-www-form-urlencoded", CONTENT_LENGTH=str(len(body)),
                       HTTP_REFERER=f"http://{host}{path}")
    if cookie:
        environ["HTTP_COOKIE"] = f"csrftoken={cookie}"
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        started.update(status=int(status[:3]), headers=dict(headers))

    chunks = app(environ, start_response)
    try:
        content = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return Reply(started["status"], started["headers"], content.decode())
