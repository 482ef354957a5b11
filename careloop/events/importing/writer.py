"""Batched upsert of good rows, counting what each batch inserted, updated and left unchanged.

A row's content_hash is a digest of its values as stored: an id not stored yet is inserted, a stored
id with another hash is updated in place, the same hash is left alone (so a second import of a file
writes nothing, and every row keeps the import run that last inserted or changed it).

Rows come ready (`write_values`: tuples in the table's field order, timestamps as UTC text, as
rows.py's fast path makes them; `write` takes GoodRows whose timestamps may be datetimes, as the FHIR
importer makes them). Two ways to the store, one per backend, both inside the import's transaction:

- SQLite: each batch first reads the stored content_hash of its ids, then sends the new and changed
  rows through one prepared `INSERT … ON CONFLICT (id) DO UPDATE` with the sqlite3 driver's own
  executemany (no per-row Python in between). During an import the connection's page cache may grow
  to 256 MiB: with the event tables' five or six indexes, the default 2 MiB cache re-read index pages
  from disk on every row and halved the rate (bench/ingest.py).
- PostgreSQL: each batch is copied (COPY, psycopg 3's `cursor.copy`) into a temporary staging table
  dropped at commit, then one `INSERT … SELECT … ON CONFLICT (id) DO UPDATE … WHERE the hash differs`
  writes it, and reports how many rows it inserted and updated (`xmax = 0` marks a row the statement
  inserted rather than updated).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction

from careloop.events.importing.rows import GoodRow, utc_text_of
from careloop.events.importing.tables import TableSpec

BATCH_ROWS = 5000
# Pages of SQLite's page cache during an import, as PRAGMA cache_size takes it (negative: KiB).
SQLITE_IMPORT_CACHE = -262_144


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

    # --- SQLite ---

    def _write_sqlite(self, rows: Sequence[Sequence[Any]]) -> None:
        self._prepare_sqlite()
        run_id = self.run_id
        id_index = self._id_index
        stored = self._stored_hashes([row[id_index] for row in rows])
        params = []
        for row in rows:
            digest = content_hash(row)
            known = stored.get(row[id_index])
            if known == digest:
                self.unchanged += 1
                continue
            if known is None:
                self.inserted += 1
            else:
                self.updated += 1
            params.append((*row, run_id, digest))
        if params:
            raw = connection.connection
            assert raw is not None
            raw.executemany(self.sqlite_insert, params)

    def _prepare_sqlite(self) -> None:
        if self._prepared:
            return
        connection.ensure_connection()
        placeholders = ", ".join("?" * len(self.column_names))
        self.sqlite_insert = (
            f"INSERT INTO {self.table} ({self.columns}) VALUES ({placeholders}) "
            f"ON CONFLICT ({self.id_column}) DO UPDATE SET {self.updates}"
        )
        # SQLite's own limit on ? in one statement (SQLITE_MAX_VARIABLE_NUMBER: 32,766 since 3.32).
        self.lookup_chunk = min(BATCH_ROWS, max(1, (connection.features.max_query_params or 999) - 1))
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
        staging = connection.ops.quote_name(f"careloop_staging_{self.spec.table}")
        run_id = self.run_id
        positions = self.timestamp_positions
        with transaction.atomic(), connection.cursor() as cursor:
            # ON COMMIT DROP: the staging table lives as long as the import's transaction.
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DROP AS "
                f"SELECT {self.columns} FROM {self.table} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {staging}")
            with cursor.cursor.copy(f"COPY {staging} ({self.columns}) FROM STDIN") as copy:
                for row in rows:
                    values = list(row)
                    for i in positions:
                        if values[i] is not None:
                            values[i] += "+00:00"  # UTC text → what timestamptz stores, stated
                    values.append(run_id)
                    values.append(content_hash(values[:-1]))
                    copy.write_row(values)
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
        self.unchanged += len(rows) - written


def content_hash(values: Sequence[Any]) -> str:
    """A digest of the values as stored (not of the file's text): the same data written differently
    (another date format, a BOM, other column order) is still unchanged. On PostgreSQL timestamps are
    hashed as "…+00:00", as str() of an aware UTC datetime was, so rows stored by earlier versions
    stay unchanged."""
    text = "\x1f".join(map(str, values))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

