"""Complete responses → a de-identified CSV, one row per response, one column per question.

De-identified (docs/surveys.md, "Export"): no patient reference, no visit id, no response id (the id
opens the response page, which may show identity), and the completion time cut to the day in the
practice's time zone. Keeping the day makes it a HIPAA "limited data set" (45 CFR 164.514(e): direct
identifiers removed, dates allowed) for the practice's own analysis, not a Safe Harbor file for
public release (164.514(b)(2) would keep the year only). Free-text comments are included
with formula-looking text neutralised (events/csv_export.py, OWASP "CSV Injection"), so opening the
file in a spreadsheet never runs anything; comments can still name people, and docs say so.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from django.db.models import QuerySet
from django.utils import timezone

from careloop.events.csv_export import neutralise_formula
from careloop.surveys.instrument_file import spec_of
from careloop.surveys.models import Answer, InstrumentVersion, Response

FIXED_COLUMNS = (
    "instrument",
    "version",
    "completed_on",
    "language",
    "provider",
    "location",
    "visit_type",
    "touchpoint",
    "anonymity",
    "consent_to_contact",
)
COMMENT_COLUMN = "comment"
CHUNK = 2000


def item_columns(versions: Iterable[InstrumentVersion]) -> list[str]:
    """The question keys of the exported versions, instrument by instrument, in the order asked."""
    columns: dict[str, None] = {}
    for version in sorted(versions, key=lambda v: (v.instrument.key, v.version)):
        for item in spec_of(version).items():
            columns[item.key] = None
    return list(columns)


def _answers_of(chunk: list[Response]) -> dict[int, dict[str, str]]:
    answers: dict[int, dict[str, str]] = {response.pk: {} for response in chunk}
    for response_id, key, value in Answer.objects.filter(response__in=chunk).values_list("response_id", "item_key", "value"):
        answers[response_id][key] = value
    return answers


def _row(response: Response, answers: dict[str, str], items: list[str]) -> list[str]:
    completed = timezone.localtime(response.completed_at).date().isoformat() if response.completed_at else ""
    fixed = [
        response.instrument_version.instrument.key,
        str(response.instrument_version.version),
        completed,
        response.language,
        response.provider,
        response.location,
        response.visit_type,
        response.touchpoint,
        response.anonymity,
        "true" if response.consent_to_contact else "false",
    ]
    return [neutralise_formula(text) for text in fixed + [answers.get(key, "") for key in items] + [response.comment]]


def write_responses_csv(responses: QuerySet[Response], handle: TextIO) -> int:
    """Write the responses (complete ones only) as CSV; return how many rows were written."""
    responses = responses.filter(is_complete=True).select_related("instrument_version__instrument")
    versions = InstrumentVersion.objects.select_related("instrument").filter(
        pk__in=responses.order_by().values("instrument_version_id").distinct()
    )
    items = item_columns(versions)
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow([*FIXED_COLUMNS, *items, COMMENT_COLUMN])
    count = 0
    chunk: list[Response] = []
    for response in responses.iterator(chunk_size=CHUNK):
        chunk.append(response)
        if len(chunk) == CHUNK:
            writer.writerows(_rows(chunk, items))
            count, chunk = count + len(chunk), []
    writer.writerows(_rows(chunk, items))
    return count + len(chunk)


def _rows(chunk: list[Response], items: list[str]) -> list[list[str]]:
    """A chunk's rows, its answers read in one query (never one query per response)."""
    if not chunk:
        return []
    answers = _answers_of(chunk)
    return [_row(response, answers[response.pk], items) for response in chunk]
