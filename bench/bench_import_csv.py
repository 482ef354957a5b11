"""Benchmark of `careloop import` on SQLite (goal in DESIGN.md: CSV at ≥ 200,000 rows/s into the store).

Builds the demo practice in a temporary workspace, exports its visits with careloop's CSV export,
repeats them with fresh visit_ids up to --rows rows (the demo's shape: 14 columns, 7 timestamps with
offsets), deletes the demo's visits, then measures in one run:

- parse: reading, converting and checking every row, no database (the importer's Python ceiling);
- first import: every row inserted (`import_file`, as `careloop import visits FILE` runs it);
- second import of the same file: every row found unchanged, nothing written;
- store only: the same INSERT … ON CONFLICT statement through sqlite3.executemany from ready-made
  tuples, with the table's real indexes (SQLite's ceiling on this machine).

    .venv/bin/python bench/bench_import_csv.py [--rows 300000] [--months 12]

The figures come last, as one JSON object on one line.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def build_demo(home: Path, months: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARELOOP_")}
    env["CARELOOP_HOME"] = str(home)
    command = [sys.executable, "-m", "careloop", "demo", "--no-serve", "--months", str(months), "--today", "2025-06-02"]
    subprocess.run(command, env=env, check=True, capture_output=True)


def repeat_rows(source: Path, target: Path, rows: int) -> int:
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        demo = list(reader)
    written = 0
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        copy = 0
        while written < rows:
            for row in demo[: rows - written]:
                writer.writerow([f"{row[0]}-{copy}", *row[1:]])
            written += min(len(demo), rows - written)
            copy += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="careloop-bench-import-"))
    print(f"building the demo practice in {home} …", file=sys.stderr)
    build_demo(home, args.months)
    os.environ["CARELOOP_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careloop.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from careloop.events.csv_export import write_events_csv
    from careloop.events.importing.csv_reader import RowReader, inspect_csv
    from careloop.events.importing.importer import import_file
    from careloop.events.importing.mapping import canonical_mapping
    from careloop.events.importing.rows import GoodRow
    from careloop.events.importing.rows import RowReader as ValueReader
    from careloop.events.importing.tables import table_spec
    from careloop.events.importing.writer import UpsertWriter
    from careloop.events.models import Visit

    demo_csv, big_csv = home / "demo-visits.csv", home / "visits.csv"
    with demo_csv.open("w", newline="", encoding="utf-8") as handle:
        demo_rows = write_events_csv(Visit, Visit.objects.order_by("pk").iterator(), handle)
    rows = repeat_rows(demo_csv, big_csv, args.rows)
    Visit.objects.all().delete()

    spec = table_spec("visits")
    csv_file = inspect_csv(big_csv)
    started = time.perf_counter()
    values = ValueReader(spec, canonical_mapping(spec), csv_file)
    parsed = [values.read(line, row) for line, row in RowReader(csv_file) if isinstance(row, list)]
    parse_seconds = time.perf_counter() - started
    assert all(isinstance(r, GoodRow) for r in parsed), "the demo's rows must all be valid"

    first = import_file("visits", big_csv)
    second = import_file("visits", big_csv)
    assert (first.inserted, second.unchanged) == (rows, rows), (first.summary(), second.summary())

    # SQLite's ceiling: the same statement from ready tuples, into the emptied table with its indexes.
    writer = UpsertWriter(spec, 1)
    ready = []
    for row in parsed:
        assert isinstance(row, GoodRow)
        stored = writer._stored_form(list(row.values))
        ready.append([*stored, None, "0" * 32])
    Visit.objects.all().delete()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:  # one transaction, as the import runs
        cursor.executemany(writer.insert_sql, ready)
    store_seconds = time.perf_counter() - started

    figures = {
        "rows": rows,
        "demo_visits_repeated": demo_rows,
        "file_mb": round(big_csv.stat().st_size / 1e6, 1),
        "parse_rows_per_s": round(rows / parse_seconds),
        "first_import_rows_per_s": round(first.rows_per_second),
        "first_import_seconds": round(first.seconds, 2),
        "second_import_unchanged_rows_per_s": round(second.rows_per_second),
        "store_only_rows_per_s": round(rows / store_seconds),
        "goal_rows_per_s": 200_000,
        "cpu_count": os.cpu_count(),
    }
    figures["load_average_1min"] = round(os.getloadavg()[0], 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
