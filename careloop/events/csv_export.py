"""Event tables → CSV with careloop's own column names (what `careloop import` reads without a mapping).

Text that a spreadsheet would run as a formula (= + - @, tab, carriage return at the start: OWASP
"CSV Injection") is written with an apostrophe in front, so opening an export in Excel or LibreOffice
never executes `=cmd|' /C calc'!A0`. The importer removes that one apostrophe again
(importing/values.py), so export → import gives back the stored text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models

from careloop.events.importing.values import FORMULA_STARTS

PROVENANCE_FIELDS = ("id", "import_run", "content_hash")


def neutralise_formula(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_cell(value: Any, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat()
    if isinstance(value, str):
        return neutralise_formula(value)
    return str(value)


def export_columns(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if f.name not in PROVENANCE_FIELDS]


def write_events_csv(model: type[models.Model], rows: Iterable[models.Model], handle: TextIO) -> int:
    """Write rows of one event model as CSV (header first, timestamps with the practice's offset);
    return how many rows were written."""
    zone = ZoneInfo(settings.TIME_ZONE)
    columns = export_columns(model)
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([export_cell(getattr(row, name), zone) for name in columns])
        count += 1
    return count
