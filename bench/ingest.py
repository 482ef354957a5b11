"""Benchmark of what `careloop import` takes in (issue 3 item 7; goals in DESIGN.md, "Performance goals"):
FHIR NDJSON parsed at ≥ 100,000 resources/s; CSV into the store at ≥ 200,000 rows/s on PostgreSQL (COPY)
and ≥ 50,000 rows/s on SQLite.

Generates N resources (default 1,000,000) from the demo practice's generator (careloop/demo/: a year of
visits, referrals and patient messages, repeated with fresh ids until there are N): a FHIR Bulk Data
folder (Appointment, Encounter, ServiceRequest, Task, Communication, as careloop/demo/export_files.py
writes them) and, with as many rows as there are resources, the practice-management system's visits CSV
(semicolons, Windows-1252, US dates: careloop/events/mappings/pm-appointments.yaml). Then, in one run:

- FHIR parse: every line through orjson and the line checks (fhir_reader.LineReader), against
  fhir.resources' full pydantic validation (R4B models) of a sample of the same file, scaled to a rate;
- CSV parse: reading, converting and checking every row without a database: the columnar fast path
  (columnar.py, what the import runs) against the batch path (rows.py read_batch, what it ran before)
  and the row-by-row path (rows.py read, what a file the fast path refuses gets);
- CSV import into SQLite and PostgreSQL (import_file, as `careloop import visits FILE --mapping …` runs
  it): into an empty table, then the same file again (every row unchanged); the import without the
  columnar path (rows.py) of the file's first --baseline-rows rows as the baseline; and where the time goes: the columnar parse
  alone and the store alone (writer.write_table of the parsed blocks: SQLite's plain INSERT with the
  table's six indexes; PostgreSQL's COPY of an Arrow-written CSV block into a staging table and the
  INSERT … SELECT … ON CONFLICT from it);
- FHIR import (import_fhir) into each, once (it is the slow one).

Each backend runs in a child process with its own workspace. Without --postgres-url the benchmark starts a
throwaway PostgreSQL cluster (initdb in a temporary folder, as the postgres user when run as root) if the
server binaries are installed, and stops it at the end. Medians of --runs runs where a run is cheap.

    .venv/bin/python bench/ingest.py [--n 1000000] [--runs 3] [--baseline-rows 50000] [--postgres-url URL | --no-postgres]

The figures come last, as one JSON object on one line.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEED, MONTHS, TODAY = 42, 12, "2025-06-02"
VALIDATION_SAMPLE = 5_000  # fhir.resources validates about 5,000 resources/s here: a sample keeps it short
GOALS = {"fhir_parse_resources_per_s": 100_000, "csv_sqlite_rows_per_s": 50_000, "csv_postgresql_rows_per_s": 200_000}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def median_rate(count: int, seconds: list[float]) -> int:
    return round(count / statistics.median(seconds))


# --- generating the files (parent process) ---

def generate(folder: Path, n: int) -> dict[str, Any]:
    from datetime import date
    from zoneinfo import ZoneInfo

    from django.conf import settings

    from careloop.demo.build import generate_parts
    from careloop.demo.context import DemoContext
    from careloop.demo.export_files import FHIR_PARTS, FhirWriter, layouts, write_csv

    zone = ZoneInfo(settings.TIME_ZONE)
    ctx = DemoContext(SEED, date.fromisoformat(TODAY), MONTHS, zone)
    parts = generate_parts(ctx)
    fhir = FhirWriter(folder / "fhir", ctx.as_of.replace(tzinfo=zone))
    fhir.folder.mkdir(parents=True)
    # The demo year's mix of types in every copy; fewer than a year's resources take a share of each table.
    per_copy = sum(len(resources_of(row)) for table, resources_of in FHIR_PARTS.items() for row in parts[table])
    share = min(1.0, n / per_copy)
    written = copy = 0
    while written < n:
        for table, resources_of in FHIR_PARTS.items():
            rows = parts[table]
            for row in rows[: max(1, round(len(rows) * share))]:
                resources = resources_of(_with_suffix(row, copy))[: n - written]
                fhir.write(resources)
                written += len(resources)
        copy += 1
    fhir.close()
    visits = parts["visits"]
    [layout] = [layout for layout in layouts(zone) if layout.table == "visits"]
    csv_path = folder / "appointments.csv"
    write_csv(csv_path, layout, (_with_suffix(visits[i % len(visits)], i // len(visits)) for i in range(n)))
    return {"fhir_folder": str(fhir.folder), "csv": str(csv_path), "demo_visits": len(visits),
            "fhir_megabytes": round(sum(f.stat().st_size for f in fhir.folder.glob("*.ndjson")) / 1e6, 1),
            "csv_megabytes": round(csv_path.stat().st_size / 1e6, 1), "by_type": dict(fhir.counts)}


ID_FIELDS = ("visit_id", "referral_id", "message_id")


def _with_suffix(row: Any, copy: int) -> Any:
    """The demo row as copy number `copy`: the same values under fresh ids (a visit's referral keeps
    pointing at the same copy of the visit)."""
    if copy == 0:
        return row
    clone = type(row)(**{f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields})
    for name in ID_FIELDS:
        value = getattr(clone, name, None)
        if value:
            setattr(clone, name, f"{value}-{copy}")
    return clone


# --- parsing, no database (parent process) ---

def fhir_parse(folder: Path, runs: int) -> tuple[int, list[float]]:
    from careloop.events.importing.fhir_reader import BadLine, LineReader, find_sources

    source = find_sources(folder)
    seconds = []
    parsed = 0
    for _ in range(runs):
        clock = time.perf_counter()
        parsed = sum(1 for f in source.files for _, item in LineReader(f) if not isinstance(item, BadLine))
        seconds.append(time.perf_counter() - clock)
    return parsed, seconds


def fhir_full_validation(folder: Path, sample: int) -> tuple[int, float, int] | None:
    try:
        import importlib

        kinds = sorted(p.stem for p in folder.glob("*.ndjson"))
        models = {kind: getattr(importlib.import_module(f"fhir.resources.R4B.{kind.lower()}"), kind) for kind in kinds}
    except ImportError:
        return None
    lines: list[tuple[str, bytes]] = []
    total = sum(1 for kind in kinds for _ in (folder / f"{kind}.ndjson").open("rb"))
    for kind in kinds:  # the same mix of types as the file
        with (folder / f"{kind}.ndjson").open("rb") as handle:
            count = sum(1 for _ in handle)
        with (folder / f"{kind}.ndjson").open("rb") as handle:
            lines += [(kind, line) for _, line in zip(range(max(1, sample * count // total)), handle)]
    from pydantic import ValidationError

    invalid = 0
    clock = time.perf_counter()
    for kind, line in lines:
        try:
            models[kind].model_validate_json(line)
        except ValidationError:
            invalid += 1  # R5's Appointment.cancellationDate on late cancellations (export_files.py): validated all the same
    return len(lines), time.perf_counter() - clock, invalid


def csv_parse(path: Path, runs: int) -> dict[str, Any]:
    """Reading, converting and checking every row, no database: the columnar fast path (columnar.py,
    what the import runs), the batch path (rows.py read_batch, what it ran before) and row by row."""
    from itertools import islice

    from careloop.demo.export_files import mapping_path
    from careloop.events.importing.columnar import ColumnarReader
    from careloop.events.importing.csv_reader import RowReader, inspect_csv
    from careloop.events.importing.mapping import read_mapping
    from careloop.events.importing.rows import GoodRow
    from careloop.events.importing.rows import RowReader as ValueReader
    from careloop.events.importing.tables import table_spec
    from careloop.events.importing.writer import BATCH_ROWS

    spec = table_spec("visits")
    mapping = read_mapping(mapping_path("visits"), spec)
    columnar, columnar_cpu, batch, slow = [], [], [], []
    rows = 0
    for run in range(runs):
        csv_file = inspect_csv(path, encoding=mapping.encoding, delimiter=mapping.delimiter)
        cpu_clock = time.process_time()
        clock = time.perf_counter()
        reader = ColumnarReader(ValueReader(spec, mapping, csv_file), csv_file)
        fast_rows = sum(block.rows for block in reader.blocks())  # raises Refused if it would not take the file
        reader.finish()
        columnar.append(time.perf_counter() - clock)
        columnar_cpu.append(time.process_time() - cpu_clock)
        if run:
            continue  # the two slower ways once: they are the baselines, not the goal
        clock = time.perf_counter()
        values = ValueReader(spec, mapping, csv_file)
        lines = iter(RowReader(csv_file))
        good = 0
        while chunk := list(islice(lines, BATCH_ROWS)):
            read = values.read_batch(chunk)
            good += len(read.good)
            assert not read.bad, read.bad[0].problems
        batch.append(time.perf_counter() - clock)
        clock = time.perf_counter()
        values = ValueReader(spec, mapping, csv_file)
        rows = sum(1 for line, row in RowReader(csv_file) if isinstance(row, list) and isinstance(values.read(line, row), GoodRow))
        slow.append(time.perf_counter() - clock)
        assert good == rows == fast_rows
    return {"rows": rows, "columnar": columnar, "columnar_cpu": columnar_cpu, "batch": batch, "row_by_row": slow}


# --- importing (child process, one per backend) ---

def child(args: argparse.Namespace) -> None:
    from itertools import islice

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from careloop.demo.export_files import mapping_path
    from careloop.events.importing.columnar import ColumnarReader
    from careloop.events.importing.csv_reader import inspect_csv
    from careloop.events.importing.fhir_importer import import_fhir
    from careloop.events.importing.importer import ImportOptions, import_file
    from careloop.events.importing.mapping import read_mapping
    from careloop.events.importing.rows import RowReader as ValueReader
    from careloop.events.importing.tables import table_spec
    from careloop.events.importing.writer import UpsertWriter
    from careloop.events.models import ImportRun, Message, Referral, Visit

    call_command("migrate", verbosity=0)
    csv_path, mapping = Path(args.csv), mapping_path("visits")
    first, second = [], []
    rows = 0
    cpu = []
    for run in range(args.runs):
        Visit.objects.all().delete()
        cpu_clock = time.process_time()
        report = import_file("visits", csv_path, mapping)
        cpu.append(time.process_time() - cpu_clock)
        assert report.status == "imported" and report.inserted == report.rows, report.summary()
        again = import_file("visits", csv_path, mapping)
        assert again.unchanged == again.rows, again.summary()
        rows = report.rows
        first.append(report.seconds)
        second.append(again.seconds)
        say(f"  {connection.vendor} run {run + 1}: {report.summary()}")
    figures: dict[str, Any] = {
        "csv_rows": rows,
        "csv_import_rows_per_s": median_rate(rows, first),
        "csv_import_runs_rows_per_s": [round(rows / s) for s in first],
        "csv_reimport_unchanged_rows_per_s": median_rate(rows, second),
        # Per second of this process's CPU (both threads): what the import costs here when the machine's
        # other work is taken out (on PostgreSQL the server's own CPU is not in it).
        "csv_import_rows_per_cpu_s": median_rate(rows, cpu),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    # The baseline in the same run: the import without the columnar path (rows.py's batches, what the
    # import did before and what a file the fast path refuses gets), on the first --baseline-rows rows
    # (at its rate a million rows would take minutes).
    sample = csv_path.with_name("baseline.csv")
    with csv_path.open("rb") as source, sample.open("wb") as target:
        target.writelines(islice(source, args.baseline_rows + 1))
    Visit.objects.all().delete()
    baseline = import_file("visits", sample, mapping, ImportOptions(columnar=False))
    assert baseline.status == "imported", baseline.summary()
    figures["csv_import_without_columnar_rows_per_s"] = round(baseline.rows_per_second)
    figures["csv_import_vs_without_columnar"] = round(figures["csv_import_rows_per_s"] / baseline.rows_per_second, 1)
    # Where the time goes: the columnar parse alone (no database) and the store alone (writer.write_table
    # of the parsed blocks into the emptied table, its indexes kept), once each.
    spec = table_spec("visits")
    read = read_mapping(mapping, spec)
    csv_file = inspect_csv(csv_path, encoding=read.encoding, delimiter=read.delimiter)
    writer_kind = connection.vendor == "postgresql"
    clock = time.perf_counter()
    blocks = list(ColumnarReader(ValueReader(spec, read, csv_file), csv_file, "+00:00" if writer_kind else "").blocks())
    figures["csv_parse_only_rows_per_s"] = round(rows / (time.perf_counter() - clock))
    Visit.objects.all().delete()
    run_id = ImportRun.objects.latest("pk").pk
    with transaction.atomic():
        writer = UpsertWriter(spec, run_id)
        clock = time.perf_counter()
        for block in blocks:
            writer.write_table(block.table, block.hashes)
        writer.finish_table()
        figures["csv_store_only_rows_per_s"] = round(rows / (time.perf_counter() - clock))
        assert writer.inserted == rows
        clock = time.perf_counter()
    figures["csv_store_only_commit_seconds"] = round(time.perf_counter() - clock, 2)
    copy_text = b"".join(copy_block(writer, block.table, block.hashes) for block in blocks) if writer_kind else b""
    del blocks
    if writer_kind:
        figures.update(peer_ceiling(copy_text, rows, args.runs, writer.columns, figures["csv_import_rows_per_s"]))
    del copy_text
    for model in (Visit, Referral, Message):
        model._default_manager.all().delete()
    fhir = import_fhir(Path(args.fhir))
    assert fhir.status == "imported" and fhir.rejected == 0, fhir.summary()
    figures["fhir_import_resources_per_s"] = round(fhir.resources_per_second)
    figures["fhir_import_seconds"] = round(fhir.seconds, 1)
    print(json.dumps(figures))


# --- the machine's own ceiling for PostgreSQL: COPY alone, no careloop code ---

PEER_TABLES = {
    # (a) what COPY does at best here: no index, no WAL.
    "unlogged_no_indexes": "CREATE UNLOGGED TABLE careloop_bench_peer (LIKE events_visit INCLUDING DEFAULTS INCLUDING IDENTITY)",
    # (b) a durable table with every index the store has (LIKE … INCLUDING ALL copies them; no foreign key).
    "logged_store_indexes": "CREATE TABLE careloop_bench_peer (LIKE events_visit INCLUDING ALL)",
}


def copy_block(writer: Any, table: Any, hashes: list[str]) -> bytes:
    """The COPY text (CSV) of one block, as writer.py's straight path sends it: formatted before any clock runs."""
    import io

    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.compute as pc  # type: ignore[import-untyped]
    import pyarrow.csv as pa_csv  # type: ignore[import-untyped]

    columns = list(table.columns)
    for i in writer.timestamp_positions:
        columns[i] = pc.binary_join_element_wise(columns[i], "+00:00", "")
    columns += [pa.repeat(pa.scalar(writer.run_id, pa.int64()), table.num_rows), pa.array(hashes, pa.string())]
    out = io.BytesIO()
    pa_csv.write_csv(pa.Table.from_arrays(columns, names=writer.column_names), out,
                     pa_csv.WriteOptions(include_header=False, quoting_style="needed"))
    return out.getvalue()


def peer_ceiling(copy_text: bytes, rows: int, runs: int, columns: str, careloop_rate: int) -> dict[str, Any]:
    """PostgreSQL's COPY of the same rows, pre-formatted, each run into a fresh empty table, committed
    (autocommit: the COPY is its own transaction): (a) and (b) of PEER_TABLES, and (c) the store's own
    table (its indexes and its deferred import_run foreign key, checked row by row at commit)."""
    from django.db import connection

    from careloop.events.models import Visit

    figures: dict[str, Any] = {}
    for name in (*PEER_TABLES, "store_table"):
        seconds = []
        for _ in range(runs):
            with connection.cursor() as cursor:
                if name == "store_table":
                    Visit.objects.all().delete()
                    target = "events_visit"
                else:
                    cursor.execute("DROP TABLE IF EXISTS careloop_bench_peer")
                    cursor.execute(PEER_TABLES[name])
                    target = "careloop_bench_peer"
                cursor.execute("CHECKPOINT")  # each run starts from the same state of the WAL
                clock = time.perf_counter()
                with cursor.cursor.copy(f"COPY {target} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
                    copy.write(copy_text)
                seconds.append(time.perf_counter() - clock)
        rate = median_rate(rows, seconds)
        figures[f"peer_ceiling_copy_{name}_rows_per_s"] = rate
        figures[f"csv_import_vs_peer_ceiling_{name}"] = round(careloop_rate / rate, 2)
        say(f"  peer ceiling, COPY into {name}: {rate:,} rows/s (careloop's import: {careloop_rate / rate:.2f}×)")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS careloop_bench_peer")
    return figures


def run_child(env: dict[str, str], files: dict[str, Any], runs: int, baseline_rows: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", "--csv", files["csv"], "--fhir", files["fhir_folder"], "--runs", str(runs),
               "--baseline-rows", str(baseline_rows)]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    sys.stderr.write(done.stderr[-4000:])
    if done.returncode:
        raise SystemExit(f"the import run failed ({done.returncode})")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --- a throwaway PostgreSQL ---

class ThrowawayPostgres:
    """initdb + pg_ctl in a temporary folder, on a Unix socket only; stopped and removed at the end."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        self.bin = Path(found[-1]).parent if found else None
        self.folder = Path(tempfile.mkdtemp(prefix="careloop-bench-pg-"))
        self.as_postgres = os.geteuid() == 0
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        subprocess.run([*prefix, *command], check=True, capture_output=True)

    def start(self) -> str:
        assert self.bin is not None
        if self.as_postgres:
            shutil.chown(self.folder, "postgres")
        data = str(self.folder / "data")
        self._run(str(self.bin / "initdb"), "-D", data, "-A", "trust", "-U", "postgres")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=''"
        self._run(str(self.bin / "pg_ctl"), "-D", data, "-o", options, "-l", str(self.folder / "log"), "-w", "start")
        self._run(str(self.bin / "createdb"), "-h", str(self.folder), "-p", str(self.port), "-U", "postgres", "careloop")
        return f"postgresql://postgres@{quote(str(self.folder), safe='')}:{self.port}/careloop"  # a socket folder as host

    def stop(self) -> None:
        if self.bin is not None and (self.folder / "data" / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="resources to generate (and CSV rows)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-rows", type=int, default=50_000,
                        help="rows of the CSV imported without the columnar path, the baseline")
    parser.add_argument("--postgres-url", default="")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--fhir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careloop.settings")
    if args.child:
        child(args)
        return
    home = Path(tempfile.mkdtemp(prefix="careloop-bench-ingest-"))
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("CARELOOP_")}
    os.environ.update({"CARELOOP_HOME": str(home / "generate")})
    for key in [k for k in os.environ if k.startswith("CARELOOP_") and k != "CARELOOP_HOME"]:
        del os.environ[key]
    import django

    django.setup()
    say(f"generating {args.n:,} resources and {args.n:,} CSV rows in {home} …")
    files = generate(home / "files", args.n)
    say(f"  FHIR {files['fhir_megabytes']} MB {files['by_type']}; CSV {files['csv_megabytes']} MB")

    say("parsing FHIR …")
    parsed, parse_seconds = fhir_parse(Path(files["fhir_folder"]), args.runs)
    validation = fhir_full_validation(Path(files["fhir_folder"]), VALIDATION_SAMPLE)
    say("parsing CSV …")
    csv_figures = csv_parse(Path(files["csv"]), args.runs)

    figures: dict[str, Any] = {
        "resources": parsed,
        "fhir_megabytes": files["fhir_megabytes"],
        "csv_rows": csv_figures["rows"],
        "csv_megabytes": files["csv_megabytes"],
        "runs": args.runs,
        "fhir_parse_resources_per_s": median_rate(parsed, parse_seconds),
    }
    if validation is not None:
        count, seconds, invalid = validation
        figures["fhir_full_validation_resources_per_s"] = round(count / seconds)
        figures["fhir_full_validation_sample"] = count
        figures["fhir_full_validation_refused"] = invalid
        figures["fhir_parse_vs_full_validation"] = round(figures["fhir_parse_resources_per_s"] * seconds / count, 1)
    figures["csv_parse_rows_per_s"] = median_rate(csv_figures["rows"], csv_figures["columnar"])
    figures["csv_parse_rows_per_cpu_s"] = median_rate(csv_figures["rows"], csv_figures["columnar_cpu"])
    figures["csv_parse_batch_rows_per_s"] = median_rate(csv_figures["rows"], csv_figures["batch"])
    figures["csv_parse_row_by_row_rows_per_s"] = median_rate(csv_figures["rows"], csv_figures["row_by_row"])
    figures["csv_parse_vs_row_by_row"] = round(figures["csv_parse_rows_per_s"] / figures["csv_parse_row_by_row_rows_per_s"], 2)
    figures["csv_parse_vs_batch"] = round(figures["csv_parse_rows_per_s"] / figures["csv_parse_batch_rows_per_s"], 2)

    say("importing into SQLite …")
    sqlite = run_child({**base_env, "CARELOOP_HOME": str(home / "sqlite")}, files, args.runs, args.baseline_rows)
    figures.update({f"sqlite_{k}": v for k, v in sqlite.items() if k != "csv_rows"})
    postgres: ThrowawayPostgres | None = None
    url = args.postgres_url
    try:
        if not url and not args.no_postgres:
            postgres = ThrowawayPostgres()
            if postgres.bin is None:
                say("no PostgreSQL server binaries found: PostgreSQL figures left out")
            else:
                say("starting a throwaway PostgreSQL …")
                url = postgres.start()
        if url:
            say("importing into PostgreSQL …")
            pg = run_child({**base_env, "CARELOOP_HOME": str(home / "postgresql"), "CARELOOP_DATABASE_URL": url}, files, args.runs, args.baseline_rows)
            figures.update({f"postgresql_{k}": v for k, v in pg.items() if k != "csv_rows"})
    finally:
        if postgres is not None:
            postgres.stop()
    figures["goals"] = GOALS
    figures["fhir_parse_vs_goal"] = round(figures["fhir_parse_resources_per_s"] / GOALS["fhir_parse_resources_per_s"], 2)
    figures["csv_sqlite_vs_goal"] = round(figures["sqlite_csv_import_rows_per_s"] / GOALS["csv_sqlite_rows_per_s"], 2)
    if "postgresql_csv_import_rows_per_s" in figures:
        figures["csv_postgresql_vs_goal"] = round(figures["postgresql_csv_import_rows_per_s"] / GOALS["csv_postgresql_rows_per_s"], 2)
    figures["cpu_count"] = os.cpu_count()
    figures["load_average_1min"] = round(os.getloadavg()[0], 2)
    shutil.rmtree(home, ignore_errors=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
