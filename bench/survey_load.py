"""Load benchmark of the public survey answer endpoint (goal in DESIGN.md: ≥ 500 submissions/s on 2
cores against PostgreSQL, with no response lost).

In one run it:
1. makes a throwaway workspace and database: PostgreSQL from --postgres-url, or a throwaway cluster
   started from /usr/lib/postgresql/*/bin (as the `postgres` user when run as root), or SQLite as a
   last resort (said in the output: not the goal's setup);
2. runs `careloop init` there and prepares --links NPS survey links;
3. starts `careloop serve` (waitress) with the rate limits off (all the load comes from one address);
4. drives the answer endpoint from --clients client processes on loopback, each patient doing what a
   browser does: GET the page (CSRF cookie and token), POST the rating, POST the closing page;
5. checks in the database that every acknowledged submission is stored and no link has two responses;
6. prints requests/s, submissions/s (POSTs), surveys completed/s and p50/p95/p99 latency per request.

Bounded in count (--links) and time (--seconds): whichever comes first ends the run.

    .venv/bin/python bench/survey_load.py [--links 3000] [--clients 16] [--seconds 60] [--postgres-url URL]

The figures come last, as one JSON object on one line.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
CAREL = str(REPO / ".venv" / "bin" / "careloop")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary folder, removed at the end."""

    def __init__(self) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bins:
            raise RuntimeError("no PostgreSQL binaries under /usr/lib/postgresql")
        self.bin = bins[-1]
        self.folder = Path(tempfile.mkdtemp(prefix="careloop-bench-pg-"))
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def start(self) -> str:
        if self.as_postgres:
            shutil.chown(self.folder, "postgres")
        data = self.folder / "data"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.folder / "log"), "-w", "start",
            "-o", f"-p {self.port} -k {self.folder} -c max_connections=200 -c synchronous_commit=on",
        )
        self._run(str(self.bin / "createdb"), "-h", str(self.folder), "-p", str(self.port), "-U", "postgres", "careloop")
        return f"postgresql://postgres@127.0.0.1:{self.port}/careloop"

    def stop(self) -> None:
        subprocess.run([*self.as_postgres, str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "stop"],
                       capture_output=True, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_postgres, *args], check=True, capture_output=True, cwd=self.folder)


def prepare_links(env: dict[str, str], count: int, out: Path) -> None:
    code = f"""
from careloop.surveys.instrument_file import active_instrument_version
from careloop.surveys.tokens import create_invitation
version = active_instrument_version("nps")
tokens = [create_invitation(version, patient_ref=f"P-LOAD-{{n}}").token for n in range({count})]
open({str(out)!r}, "w").write("\\n".join(tokens))
"""
    subprocess.run([CAREL, "manage", "shell", "-c", code], env=env, check=True, capture_output=True)


def wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"careloop serve did not start on port {port}")


def one_patient(conn: http.client.HTTPConnection, token: str, latencies: list[float]) -> tuple[int, bool]:
    """GET the page, POST the rating, POST the closing page; returns (POSTs made, acknowledged)."""

    def request(method: str, path: str, body: str = "", headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        started = time.perf_counter()
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        return response

    path = f"/s/{token}/"
    started = time.perf_counter()
    conn.request("GET", path)
    page = conn.getresponse()
    html = page.read().decode()
    latencies.append(time.perf_counter() - started)
    cookie = next((c.split(";", 1)[0] for k, c in page.getheaders() if k.lower() == "set-cookie" and c.startswith("csrftoken=")), "")
    match = CSRF_FIELD.search(html)
    if page.status != 200 or not cookie or not match:
        return 0, False
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie, "Referer": f"http://127.0.0.1{path}"}
    form = {"csrfmiddlewaretoken": match.group(1), "lang": "en"}
    first = request("POST", path, urlencode({**form, "page": "0", "item-likely-to-recommend": "9"}), headers)
    if first.status != 303:
        return 1, False
    last = request("POST", path, urlencode({**form, "page": "1", "anonymity": "confidential", "comment": "Load test"}), headers)
    return 2, last.status == 303 and "thanks" in (last.getheader("Location") or "")


def client_process(port: int, tokens: list[str], stop_at: float, queue: Any) -> None:
    latencies: list[float] = []
    posts = 0
    acknowledged: list[str] = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for token in tokens:
        if time.time() >= stop_at:
            break
        try:
            made, ok = one_patient(conn, token, latencies)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        posts += made
        if ok:
            acknowledged.append(token)
    queue.put({"latencies": latencies, "posts": posts, "acknowledged": acknowledged})


def check_stored(env: dict[str, str], acknowledged: list[str], out: Path) -> dict[str, int]:
    Path(out).write_text("\n".join(acknowledged))
    code = f"""
import json
from django.db.models import Count
from careloop.surveys.models import Response
from careloop.surveys.tokens import hash_token
acked = [hash_token(t) for t in open({str(out)!r}).read().split()]
stored = set(Response.objects.filter(is_complete=True, invitation__token_hash__in=acked).values_list("invitation__token_hash", flat=True))
doubled = Response.objects.values("invitation").annotate(n=Count("id")).filter(n__gt=1, invitation__isnull=False).count()
print(json.dumps({{"acknowledged": len(acked), "stored": len(stored), "lost": len(set(acked) - stored), "doubled": doubled,
                   "completed_in_db": Response.objects.filter(is_complete=True).count()}}))
"""
    result = subprocess.run([CAREL, "manage", "shell", "-c", code], env=env, check=True, capture_output=True, text=True)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--links", type=int, default=3000, help="survey links prepared (one patient each)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client processes")
    parser.add_argument("--threads", type=int, default=16, help="waitress threads")
    parser.add_argument("--seconds", type=float, default=60.0, help="stop driving load after this long")
    parser.add_argument("--postgres-url", default="", help="an empty PostgreSQL database to use")
    parser.add_argument("--sqlite", action="store_true", help="use SQLite (not the goal's setup)")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="careloop-bench-survey-"))
    cluster: ThrowawayPostgres | None = None
    backend = "sqlite"
    env = {**os.environ, "CARELOOP_HOME": str(home), "CARELOOP_SURVEY_RATE_PER_IP": "0", "CARELOOP_SURVEY_RATE_PER_TOKEN": "0"}
    server: subprocess.Popen[bytes] | None = None
    try:
        if args.postgres_url:
            env["CARELOOP_DATABASE_URL"], backend = args.postgres_url, "postgresql"
        elif not args.sqlite:
            try:
                cluster = ThrowawayPostgres()
                env["CARELOOP_DATABASE_URL"], backend = cluster.start(), "postgresql (throwaway cluster)"
            except (RuntimeError, subprocess.CalledProcessError) as error:
                print(f"PostgreSQL not available ({error}); measuring on SQLite instead", file=sys.stderr)
                cluster = None
        print(f"preparing a workspace on {backend} with {args.links:,} survey links…", file=sys.stderr)
        subprocess.run([CAREL, "init"], env=env, check=True, capture_output=True)
        tokens_file = home / "tokens.txt"
        prepare_links(env, args.links, tokens_file)
        tokens = tokens_file.read_text().split()
        port = free_port()
        server = subprocess.Popen([CAREL, "serve", "--port", str(port), "--threads", str(args.threads)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(port)
        # Warm-up: the first requests import templates and open connections.
        warm = http.client.HTTPConnection("127.0.0.1", port)
        for token in tokens[:20]:
            one_patient(warm, token, [])
        tokens = tokens[20:]

        print(f"driving load: {args.clients} clients, up to {len(tokens):,} patients or {args.seconds:.0f} s…", file=sys.stderr)
        queue: Any = multiprocessing.Queue()
        shares = [tokens[i :: args.clients] for i in range(args.clients)]
        started = time.perf_counter()
        stop_at = time.time() + args.seconds
        workers = [multiprocessing.Process(target=client_process, args=(port, share, stop_at, queue)) for share in shares]
        for worker in workers:
            worker.start()
        parts = [queue.get() for _ in workers]
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)

    latencies = [x for part in parts for x in part["latencies"]]
    posts = sum(part["posts"] for part in parts)
    acknowledged = [t for part in parts for t in part["acknowledged"]]
    try:
        stored = check_stored(env, acknowledged, home / "acknowledged.txt")
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(home, ignore_errors=True)
    figures = {
        "backend": backend,
        "clients": args.clients,
        "server_threads": args.threads,
        "seconds": round(elapsed, 2),
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "submissions_per_s": round(posts / elapsed, 1),
        "surveys_completed_per_s": round(len(acknowledged) / elapsed, 1),
        "latency_ms_p50": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "latency_ms_p95": round(percentile(latencies, 0.95) * 1000, 1) if latencies else None,
        "latency_ms_p99": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
        "goal_submissions_per_s": 500,
        "goal_met": posts / elapsed >= 500,
        **stored,
    }
    print(
        f"\n{figures['requests_per_s']} requests/s, {figures['submissions_per_s']} submissions/s (goal 500), "
        f"{figures['surveys_completed_per_s']} surveys/s; p50 {figures['latency_ms_p50']} ms, p95 {figures['latency_ms_p95']} ms, "
        f"p99 {figures['latency_ms_p99']} ms; acknowledged {stored['acknowledged']}, lost {stored['lost']}, doubled {stored['doubled']}",
        file=sys.stderr,
    )
    print(json.dumps(figures))
    return 0 if stored["lost"] == 0 and stored["doubled"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
