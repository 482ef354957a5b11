"""The parts of a FHIR import that are not event rows: Patient → the contact store, Slot (+ Schedule)
→ slot snapshots, QuestionnaireResponse → survey responses (docs/importing.md, "FHIR R4 NDJSON").

- Patients go through contacts.upsert_contacts() (the store's only door). FHIR Patient carries no
  survey consent (that is a Consent resource), so consent and opt-outs are never changed by it.
- Slots: a snapshot is "the next three free slots as seen at one moment". The moment is the Bulk Data
  manifest's `transactionTime` (the export's data is true as of then, Bulk Data IG v2.0.0); without a
  manifest, the newest file's modification time, with a note saying so.
- QuestionnaireResponses: surveys.fhir_io.store_questionnaire_response() reads and stores each, in a
  savepoint so a refused one leaves nothing; its ResponseProblem becomes a Problem on that line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from careloop.events.contacts import upsert_contacts
from careloop.events.importing.fhir_fields import Where
from careloop.events.importing.fhir_mapping import Collector, PatientFacts, SnapshotRow, good_contacts, slot_snapshots
from careloop.events.importing.fhir_reader import FhirSource
from careloop.events.importing.report import ImportReport, Problem
from careloop.events.models import SlotSnapshot

CONTACTS, SLOTS, RESPONSES = "contacts", "slots_snapshots", "responses"


@dataclass
class StorePlan:
    contacts: list[PatientFacts] = field(default_factory=list)
    snapshots: list[SnapshotRow] = field(default_factory=list)
    taken_at: datetime | None = None
    responses: list[tuple[dict[str, Any], Where]] = field(default_factory=list)


def snapshot_time(source: FhirSource, report_notes: list[str]) -> tuple[datetime | None, str]:
    """(taken_at as naive UTC, problem) from the manifest's transactionTime, else the files' newest mtime."""
    if source.transaction_time is not None:
        try:
            moment = datetime.fromisoformat(source.transaction_time)
        except ValueError:
            return None, f"transactionTime {source.transaction_time!r} is not a date and time; expected ISO 8601 with a zone"
        if moment.tzinfo is None:
            return None, f"transactionTime {source.transaction_time!r} has no time zone; expected one, e.g. …Z"
        return moment.astimezone(UTC).replace(tzinfo=None), ""
    newest = max(f.path.stat().st_mtime for f in source.files)
    moment = datetime.fromtimestamp(newest, UTC)
    report_notes.append(
        f"slots: no Bulk Data manifest with a transactionTime, so the slots count as seen at the files' modification "
        f"time ({moment:%Y-%m-%d %H:%M} UTC); import the export folder with its manifest.json for the exact time"
    )
    return moment.replace(tzinfo=None), ""


def plan_store(source: FhirSource, collector: Collector, report: Any) -> StorePlan:
    """What will be stored, with a table report (and so an ImportRun) for each kind present."""
    plan = StorePlan(contacts=good_contacts(collector), responses=list(collector.whole))
    if collector.of("Slot"):
        plan.taken_at, problem = snapshot_time(source, report.notes)
        if problem:
            report.problems.append(Problem(source.name, None, problem, field="manifest.transactionTime"))
            report.notes.append("slots: not imported (" + problem + ")")
        else:
            assert plan.taken_at is not None
            plan.snapshots = slot_snapshots(collector, plan.taken_at)
    for table, n, bad in ((CONTACTS, len(plan.contacts), _bad(collector, "Patient")),
                          (SLOTS, len(plan.snapshots), 0),
                          (RESPONSES, len(plan.responses), 0)):
        if n or bad:
            report.tables[table] = ImportReport(table, source.name, "FHIR R4 NDJSON", "utf-8", sha256=report.sha256,
                                                rows=n + bad, rejected=bad)
    return plan


def _bad(collector: Collector, kind: str) -> int:
    return sum(1 for facts in collector.of(kind).values() if facts.problems)


def store_everything(tables: dict[str, ImportReport], plan: StorePlan, run_pk: Callable[[ImportReport], int]) -> list[Problem]:
    """Write the plan inside the import's transaction; returns the problems found while writing."""
    if CONTACTS in tables:
        store_contacts(tables[CONTACTS], plan.contacts, run_pk(tables[CONTACTS]))
    if SLOTS in tables:
        store_snapshots(tables[SLOTS], plan.snapshots, plan.taken_at)
    if RESPONSES in tables:
        return store_responses(tables[RESPONSES], plan.responses, run_pk(tables[RESPONSES]))
    return []


def store_contacts(table: ImportReport, patients: list[PatientFacts], run_id: int) -> None:
    rows: list[dict[str, Any]] = []
    for p in patients:
        row: dict[str, Any] = {"patient_ref": p.id}
        # Only what the Patient says: a Patient without a telecom email does not erase a known email.
        for name in ("given_name", "family_name", "email", "phone", "language"):
            if getattr(p, name):
                row[name] = getattr(p, name)
        rows.append(row)
    counts = upsert_contacts(rows, import_run_id=run_id)
    table.inserted, table.updated, table.unchanged = counts.inserted, counts.updated, counts.unchanged


def store_snapshots(table: ImportReport, rows: list[SnapshotRow], taken_at: datetime | None) -> None:
    if taken_at is None:
        return
    moment = taken_at.replace(tzinfo=UTC)
    for row in rows:
        times = [t.replace(tzinfo=UTC) for t in row.next_available] + [None] * (3 - len(row.next_available))
        values = {"next_available_1": times[0], "next_available_2": times[1], "next_available_3": times[2]}
        stored = SlotSnapshot.objects.filter(taken_at=moment, provider=row.provider, visit_type=row.visit_type).first()
        if stored is None:
            SlotSnapshot.objects.create(taken_at=moment, provider=row.provider, visit_type=row.visit_type, **values)
            table.inserted += 1
        elif all(getattr(stored, k) == v for k, v in values.items()):
            table.unchanged += 1
        else:
            SlotSnapshot.objects.filter(pk=stored.pk).update(**values)
            table.updated += 1


def store_responses(table: ImportReport, responses: list[tuple[dict[str, Any], Where]], run_id: int) -> list[Problem]:
    from careloop.surveys.fhir_io import ResponseProblem, store_questionnaire_response
    from careloop.surveys.models import Response

    problems = []
    stored = Response.objects.count()
    for resource, where in responses:
        try:
            with transaction.atomic():
                store_questionnaire_response(resource, where=f"{where.file} line {where.line}", import_run_id=run_id)
        except ResponseProblem as problem:
            problems.append(Problem(where.file, where.line, f"is wrong; expected {problem.expected}",
                                    field=f"QuestionnaireResponse.{problem.field}", value=problem.value))
            continue
        # The surveys app updates a response in place when it comes again (it does not say whether
        # anything changed): a new row is an insert, the same response again counts as updated.
        now = Response.objects.count()
        if now > stored:
            table.inserted += 1
        else:
            table.updated += 1
        stored = now
    table.rejected = len(problems)
    return problems
