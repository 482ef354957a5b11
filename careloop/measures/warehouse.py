"""The canonical event tables copied out of the app's database into DuckDB or Parquet: how an
analyst seeds a warehouse for CARELOOP_ANALYTICS_URL, and how the tests check that every backend
gives the same numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
from django.db import models

from careloop.measures.engine import CANONICAL_TABLES

# Bookkeeping columns of the app's tables that are not part of the canonical tables (DESIGN.md).
NOT_CANONICAL = {"content_hash"}


def canonical_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and not f.is_relation and f.name not in NOT_CANONICAL
    ]


def _arrow_type(field: models.Field[Any, Any]) -> pa.DataType:
    if isinstance(field, models.DateTimeField):
        return pa.timestamp("us", tz="UTC")
    if isinstance(field, models.BooleanField):
        return pa.bool_()
    if isinstance(field, models.IntegerField):
        return pa.int64()
    return pa.string()


def canonical_table(model: type[models.Model]) -> pa.Table:
    fields = canonical_fields(model)
    names = [f.name for f in fields]
    rows = list(model._default_manager.order_by("pk").values_list(*names))
    columns = {
        f.name: pa.array([row[i] for row in rows], type=_arrow_type(f)) for i, f in enumerate(fields)
    }
    return pa.table(columns)


def copy_events_to_duckdb(path: Path) -> None:
    import duckdb

    with duckdb.connect(str(path)) as con:
        for name, model in CANONICAL_TABLES.items():
            data = canonical_table(model)  # noqa: F841 - read by DuckDB's replacement scan below
            con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM data')


def copy_events_to_parquet(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, model in CANONICAL_TABLES.items():
        pq.write_table(canonical_table(model), folder / f"{name}.parquet")
