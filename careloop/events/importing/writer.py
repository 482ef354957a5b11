"""Batched upsert of good rows, counting what each batch inserted, updated and left unchanged.

A row's content_hash is a digest of its values as stored: an id not stored yet is inserted, a stored
id with another hash is updated in place, the same hash is left alone (so a second import of a file
writes nothing, and every row keeps the import run that last inserted or changed it).

Rows come ready (`write_values`: tuples in the table's field order, timestamps as UTC text, as
rows.py's fast path makes them; `write` takes GoodRows whose timestamps may be datetimes, as the FHIR
importer makes them). Two ways to the store, one per backend, both inside the import's transaction:

- SQLite: each batch first reads the stored content_hash of its ids, then sends the new rows through
  one prepared plain `INSERT` and the changed ones through `INSERT … ON CONFLICT (id) DO UPDATE`, with
  the sqlite3 driver's own executemany (no per-row Python in between). The plain INSERT is 2.3× faster
  than the upsert statement for the same new rows (SQLite 3 here, visits with their six indexes,
  measured with bench/ingest.py's store-only figure), and it is safe: the import's transaction took
  SQLite's write lock with its first statement (the ImportRun), so no other writer can add an id
  between the look-up and the INSERT; if one somehow did, the INSERT fails loudly (unique index).
  During an import the connection's page cache may grow to 256 MiB: with the event tables' five or
  six indexes, the default 2 MiB cache re-read index pages from disk on every row and halved the rate.
  Durability is untouched: WAL with synchronous=NORMAL as settings.py sets it for every connection.
  A first load (`write_table` into a table that was empty) skips the look-up and builds the plain
  indexes after the last row (`_set_aside_indexes`).
- PostgreSQL: each batch is copied (COPY, psycopg 3's `cursor.copy`) into a temporary staging table
  dropped at commit, then one `INSERT … SELECT … ON CONFLICT (id) DO UPDATE … WHERE the hash differs`
  writes it, and reports how many rows it inserted and updated (`xmax = 0` marks a row the statement
  inserted rather than updated). Rows of the columnar fast path (columnar.py, `write_table`) are copied
  as one CSV block that Arrow writes (COPY … FORMAT csv: a quoted empty value is an empty text, an
  unquoted one NULL), with no Python per row.
"""

from __future__ import annotations

import hashlib
import io
import sqlite3
from collections.abc import Callable, Sequence
from itertools import chain, islice, repeat
from typing import Any

import psycopg
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
from django.db import connection, transaction

from careloop.events.importing.rows import GoodRow, utc_text_of
from careloop.events.importing.tables import TableSpec

BATCH_ROWS = 5000
# Rows per multi-row INSERT of a first load into SQLite (50 × 16 values stays under the 999 bound
# parameters of SQLite before 3.32); 200 a statement measured worse (0.69 s against 0.53 s of CPU).
ROWS_PER_INSERT = 50
# Pages of SQLite's page cache during an import, as PRAGMA cache_size takes it (negative: KiB).
SQLITE_IMPORT_CACHE = -262_144


class RepeatedId(Exception):
    """A block written straight into a table that was empty repeats an id already written."""


class UpsertWriter:
    def __init__(self, spec: TableSpec, import_run_id: int) -> None:
        self.spec = spec
        self.run_id = import_run_id
        meta = spec.model._meta
        quote = connection.ops.quote_name
        by_name = {f.name: f for f in meta.concrete_fields}
        self.table = quote(meta.db_table)
        self.column_names = [str(by_name[name].column) for name in (*spec.field_names, "import_run", "content_hash")]
        self.columns = ", ".join(quote(c) for c in self.column_names)
        self.id_column = quote(str(by_name[spec.id_field].column))
        self.updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in self.column_names if quote(c) != self.id_column)
        self.timestamp_positions = [i for i, f in enumerate(spec.fields) if f.kind == "timestamp"]
        self._id_index = spec.field_names.index(spec.id_field)
        self.postgresql = connection.vendor == "postgresql"
        self.inserted = self.updated = self.unchanged = 0
        self._prepared = False
        self._was_empty: bool | None = None
        self._set_aside: list[str] = []  # CREATE INDEX statements of indexes dropped for a first load

    # --- what the importers call ---

    def write(self, rows: Sequence[GoodRow]) -> None:
        """Rows whose timestamps may be datetimes (naive UTC or aware)."""
        positions = self.timestamp_positions
        ready = []
        for row in rows:
            values = list(row.values)
            for i in positions:
                values[i] = utc_text_of(values[i])
            ready.append(values)
        self.write_values(ready)

    def write_values(self, rows: Sequence[Sequence[Any]]) -> None:
        """Rows in the table's field order, timestamps as UTC text ("YYYY-MM-DD HH:MM:SS[.ffffff]")."""
        if not rows:
            return
        if self.postgresql:
            self._write_postgresql(rows)
        else:
            self._write_sqlite(rows)

    def write_table(self, table: Any, hashes: list[str]) -> None:
        """An Arrow table of rows in the table's field order (timestamps as UTC text) and each row's
        content_hash, as columnar.py reads them."""
        if not table.num_rows:
            return
        # Into a table that held no row when this import began every row is new: SQLite inserts them with
        # no look-up, PostgreSQL copies them straight into the table (1.3–1.6× the staging way here).
        # An id repeated in a later block then fails the unique index: RepeatedId, and columnar.py
        # reads the file again row by row, which reports it.
        empty = self._empty_at_start()
        if self.postgresql:
            try:
                self._copy_table_postgresql(table, hashes, straight=empty)
            except psycopg.IntegrityError:
                raise RepeatedId("an id appears twice") from None
            return
        columns = [column.to_pylist() for column in table.columns]
        if not empty:
            self._write_sqlite_rows(columns[self._id_index], zip(*columns, repeat(self.run_id), hashes), len(hashes))
            return
        self._prepare_sqlite()
        raw = connection.connection
        assert raw is not None
        if not self.inserted:
            self._set_aside_indexes()
        try:
            self._insert_first_load(raw, columns, hashes)
        except sqlite3.IntegrityError:
            raise RepeatedId("an id appears twice") from None
        self.inserted += len(hashes)

    def _insert_first_load(self, raw: sqlite3.Connection, columns: list[list[Any]], hashes: list[str]) -> None:
        """The rows as multi-row `INSERT … VALUES (…), (…), …` statements of ROWS_PER_INSERT rows, the
        run written into the statement (our own integer key) rather than bound on every row. The same
        values are bound; the driver's per-statement work (reset, step, and letting go of and taking back
        Python's interpreter lock, which the reading thread then waits for) is paid once per 50 rows: the
        CPU to insert 100,000 parsed visits fell from 0.76–0.91 s to 0.53 s (measured alone, at load 7)."""
        width = len(columns) + 1
        flat = chain.from_iterable(zip(*columns, hashes))
        whole, rest = divmod(len(hashes), self.rows_per_insert)
        statement = self._first_load_insert(self.rows_per_insert)
        raw.executemany(statement, (tuple(islice(flat, width * self.rows_per_insert)) for _ in range(whole)))
        if rest:
            raw.execute(self._first_load_insert(rest), tuple(flat))

    def _first_load_insert(self, rows: int) -> str:
        one = f"({', '.join('?' * (len(self.column_names) - 2))}, {int(self.run_id)}, ?)"  # import_run written in
        return f"INSERT INTO {self.table} ({self.columns}) VALUES {', '.join([one] * rows)}"

    def finish_table(self) -> None:
        """After the last write_table: the indexes set aside for a first load built again."""
        if not self._set_aside:
            return
        raw = connection.connection
        assert raw is not None
        for statement in self._set_aside:
            raw.execute(statement)
        self._set_aside = []

    def _set_aside_indexes(self) -> None:
        """A first load into SQLite drops the table's plain (non-unique) indexes and builds them after the
        last row (finish_table): building an index from sorted rows cost 0.6 s for 200,000 visits where
        keeping five indexes up to date row by row cost 3 s (bench/ingest.py's store-only figure rose
        1.8×). It is safe: the import's transaction holds SQLite's write lock and other connections read
        the last committed schema (WAL), so no one sees the table without them; if the import fails or
        the fast path refuses, rolling back restores them. Unique indexes stay, so a repeated id still
        fails at once."""
        raw = connection.connection
        assert raw is not None
        found = raw.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            [self.spec.model._meta.db_table],
        ).fetchall()
        for name, statement in found:
            if statement.lstrip().upper().startswith("CREATE INDEX"):
                raw.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                self._set_aside.append(statement)

    def _empty_at_start(self) -> bool:
        if self._was_empty is None:
            self._was_empty = not self.inserted and not self.spec.model._default_manager.exists()
        return self._was_empty

    # --- SQLite ---

    def _write_sqlite(self, rows: Sequence[Sequence[Any]]) -> None:
        run_id = self.run_id
        ready = ((*row, run_id, content_hash(row)) for row in rows)
        self._write_sqlite_rows([row[self._id_index] for row in rows], ready, len(rows))

    def _write_sqlite_rows(self, ids: list[Any], rows: Any, count: int) -> None:
        """`rows`: tuples of the field values, the run and the content hash, in the order of `ids`."""
        self._prepare_sqlite()
        raw = connection.connection
        assert raw is not None
        stored = self._stored_hashes(ids)
        if not stored:  # every row is new (a first import): no Python per row on the way to SQLite
            raw.executemany(self.sqlite_plain_insert, rows)
            self.inserted += count
            return
        new, changed = [], []
        for row in rows:
            known = stored.get(row[self._id_index])
            if known is None:
                new.append(row)
            elif known != row[-1]:
                changed.append(row)
        self.inserted += len(new)
        self.updated += len(changed)
        self.unchanged += count - len(new) - len(changed)
        if new:
            raw.executemany(self.sqlite_plain_insert, new)
        if changed:
            raw.executemany(self.sqlite_insert, changed)

    def _prepare_sqlite(self) -> None:
        if self._prepared:
            return
        connection.ensure_connection()
        placeholders = ", ".join("?" * len(self.column_names))
        self.sqlite_plain_insert = f"INSERT INTO {self.table} ({self.columns}) VALUES ({placeholders})"
        self.sqlite_insert = f"{self.sqlite_plain_insert} ON CONFLICT ({self.id_column}) DO UPDATE SET {self.updates}"
        # SQLite's own limit on ? in one statement (SQLITE_MAX_VARIABLE_NUMBER: 32,766 since 3.32).
        self.lookup_chunk = min(BATCH_ROWS, max(1, (connection.features.max_query_params or 999) - 1))
        self.rows_per_insert = max(1, min(ROWS_PER_INSERT, (connection.features.max_query_params or 999) // len(self.column_names)))
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            current = cursor.fetchone()
            # A positive size counts pages, a negative one KiB; only ever grow it.
            if current is not None and (current[0] >= 0 or current[0] > SQLITE_IMPORT_CACHE):
                cursor.execute(f"PRAGMA cache_size = {SQLITE_IMPORT_CACHE}")
        self._prepared = True

    def _stored_hashes(self, ids: list[str]) -> dict[str, str]:
        """content_hash by id for the ids already stored ("" for rows the demo wrote)."""
        found: dict[str, str] = {}
        raw = connection.connection
        assert raw is not None
        for start in range(0, len(ids), self.lookup_chunk):
            chunk = ids[start : start + self.lookup_chunk]
            sql = (
                f"SELECT {self.id_column}, content_hash FROM {self.table} "
                f"WHERE {self.id_column} IN ({', '.join('?' * len(chunk))})"
            )
            found.update(raw.execute(sql, chunk).fetchall())
        return found

    # --- PostgreSQL ---

    def _write_postgresql(self, rows: Sequence[Sequence[Any]]) -> None:
        run_id = self.run_id
        positions = self.timestamp_positions

        def copy_rows(copy: Any) -> None:
            for row in rows:
                values = list(row)
                for i in positions:
                    if values[i] is not None:
                        values[i] += "+00:00"  # UTC text → what timestamptz stores, stated
                values.append(run_id)
                values.append(content_hash(values[:-1]))
                copy.write_row(values)

        self._upsert_postgresql("", copy_rows, len(rows))

    def _copy_table_postgresql(self, table: Any, hashes: list[str], straight: bool) -> None:
        columns = list(table.columns)
        for i in self.timestamp_positions:
            columns[i] = pc.binary_join_element_wise(columns[i], "+00:00", "")  # null stays null
        columns += [pa.repeat(pa.scalar(self.run_id, pa.int64()), table.num_rows), pa.array(hashes, pa.string())]
        block = io.BytesIO()
        pa_csv.write_csv(
            pa.Table.from_arrays(columns, names=self.column_names), block,
            pa_csv.WriteOptions(include_header=False, quoting_style="needed"),
        )
        if not straight:
            self._upsert_postgresql(" WITH (FORMAT csv)", lambda copy: copy.write(block.getbuffer()), table.num_rows)
            return
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write(block.getbuffer())
        self.inserted += table.num_rows

    def _upsert_postgresql(self, copy_options: str, copy_rows: Callable[[Any], None], count: int) -> None:
        staging = connection.ops.quote_name(f"careloop_staging_{self.spec.table}")
        with transaction.atomic(), connection.cursor() as cursor:
            # ON COMMIT DROP: the staging table lives as long as the import's transaction.
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DROP AS "
                f"SELECT {self.columns} FROM {self.table} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {staging}")
            with cursor.cursor.copy(f"COPY {staging} ({self.columns}) FROM STDIN{copy_options}") as copy:
                copy_rows(copy)
            cursor.execute(
                f"WITH written AS (INSERT INTO {self.table} AS stored ({self.columns}) "
                f"SELECT {self.columns} FROM {staging} "
                f"ON CONFLICT ({self.id_column}) DO UPDATE SET {self.updates} "
                f"WHERE stored.content_hash IS DISTINCT FROM EXCLUDED.content_hash "
                f"RETURNING (xmax = 0) AS inserted) "
                f"SELECT count(*) FILTER (WHERE inserted), count(*) FROM written"
            )
            counts = cursor.fetchone()
        inserted, written = (int(counts[0]), int(counts[1])) if counts else (0, 0)
        self.inserted += inserted
        self.updated += written - inserted
        self.unchanged += count - written


def content_hash(values: Sequence[Any]) -> str:
    """A digest of the values as stored (not of the file's text): the same data written differently
    (another date format, a BOM, other column order) is still unchanged. On PostgreSQL timestamps are
    hashed as "…+00:00", as str() of an aware UTC datetime was, so rows stored by earlier versions
    stay unchanged."""
    text = "\x1f".join(map(str, values))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

