"""The demo practice as the files its systems would export, so that `careloop import` can rebuild it:

- `csv/`: one CSV per event table in the column layout, delimiter, encoding and codes of the shipped
  mapping for it (careloop/events/mappings/*.yaml), e.g. the practice-management system's semicolon-
  separated Windows-1252 appointment list with the visit's date and time in two columns;
- `fhir/`: a FHIR R4 Bulk Data `$export` folder (one NDJSON file per resource type and its
  manifest.json): Appointment + Encounter per visit, ServiceRequest + Task per referral, Communication
  per patient message and per first reply;
- `fhir-slots/<moment>/`: one Bulk Data folder per weekly slot snapshot, Schedule + free Slots, whose
  manifest's transactionTime is the moment the slots were seen.

`docs/demo.md` ("Export") lists the commands that load them. Timestamps are written with the practice's
UTC offset and to the second, so a CSV import gives back every value the demo built; the visit's
scheduled start is in the mapping's own US format, which is exact because slots start on the minute.

FHIR carries fewer of the demo's fields than the CSV files do: it has no field for when a patient asked
for an appointment (requested_at) or by which channel it was booked (online or portal reads as phone),
nor for when a message thread was closed, and a referral's loop closes when its report is received.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import orjson
from django.conf import settings
from django.core.management.base import CommandError
from django.db import models

from careloop.demo.context import DemoContext
from careloop.events.csv_export import neutralise_formula
from careloop.events.models import Audit, BillingInquiry, Call, Message, Referral, SlotSnapshot, Visit, VisitStatus

MAPPINGS = Path(__file__).resolve().parent.parent / "events" / "mappings"

# Our codes → the demo practice's systems' own, the reverse of the shipped mappings' `codes:`.
VISIT_TYPE_CODES = {"new": "NP", "established": "EST", "urgent": "SDA"}
CHANNEL_CODES = {"phone": "TEL", "online": "WEB", "portal": "PORT", "walk-in": "WALK", "referral": "REF"}
VISIT_STATUS_CODES = {"completed": "Kept", "no-show": "No Show", "cancelled": "Cancelled", "late-cancel": "Late Cancel"}
REFERRAL_STATUS_CODES = {"sent": "Open", "scheduled": "Appt Made", "report-received": "Note Received",
                         "closed": "Closed", "cancelled": "Cancelled"}
MESSAGE_CHANNEL_CODES = {"portal": "Portal", "email": "E-mail", "sms": "Text"}


@dataclass(frozen=True)
class CsvLayout:
    """One CSV export: file name, the mapping that reads it, its dialect, and its columns (header →
    how to write that column of one row)."""

    table: str
    file_name: str
    mapping: str
    delimiter: str
    encoding: str
    columns: dict[str, Callable[[Any], str]]


def _stamp(zone: ZoneInfo) -> Callable[[datetime | None], str]:
    def write(value: datetime | None) -> str:
        return "" if value is None else value.astimezone(zone).isoformat()

    return write


def _utc_z(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: str) -> str:
    return neutralise_formula(value)


def layouts(zone: ZoneInfo) -> list[CsvLayout]:
    local = _stamp(zone)
    return [
        CsvLayout("visits", "appointments.csv", "pm-appointments.yaml", ";", "cp1252", {
            "Appt ID": lambda v: v.visit_id,
            "Patient Key": lambda v: _text(v.patient_ref),
            "Provider Code": lambda v: _text(v.provider),
            "Location Code": lambda v: _text(v.location),
            "Appt Type": lambda v: VISIT_TYPE_CODES[v.visit_type],
            "Scheduled Via": lambda v: CHANNEL_CODES[v.booking_channel],
            "Request Date/Time": lambda v: local(v.requested_at),
            "Booked Date/Time": lambda v: local(v.booked_at),
            # The PM system's own layout, "%m/%d/%Y" and "%I:%M %p": exact, as slots start on the minute.
            "Appt Date": lambda v: f"{v.scheduled_start.astimezone(zone):%m/%d/%Y}",
            "Appt Time": lambda v: f"{v.scheduled_start.astimezone(zone):%I:%M %p}",
            "Checked In": lambda v: local(v.arrived_at),
            "Roomed": lambda v: local(v.roomed_at),
            "Provider In": lambda v: local(v.provider_in_at),
            "Checked Out": lambda v: local(v.checkout_at),
            "Appt Status": lambda v: VISIT_STATUS_CODES[v.status],
        }),
        CsvLayout("calls", "call-detail.csv", "acd-calls.yaml", ",", "utf-8", {
            "CallGUID": lambda c: c.call_id,
            "Skill": lambda c: _text(c.queue),
            "OfferedUTC": lambda c: _utc_z(c.started_at),
            "AnsweredUTC": lambda c: _utc_z(c.answered_at),
            "AbandonedUTC": lambda c: _utc_z(c.abandoned_at),
            "HoldSec": lambda c: str(c.hold_seconds),
            "EndedUTC": lambda c: _utc_z(c.ended_at),
            "AgentLogin": lambda c: _text(c.agent),
            "Disposition": lambda c: _text(c.outcome),
            "CallbackRequested": lambda c: "Y" if c.callback_requested else "N",
        }),
        CsvLayout("referrals", "referrals.csv", "referrals.yaml", ",", "utf-8", {
            "Referral #": lambda r: r.referral_id,
            "Encounter #": lambda r: _text(r.visit_id),
            "Patient Key": lambda r: _text(r.patient_ref),
            "Specialty": lambda r: _text(r.specialty),
            "Date Sent": lambda r: local(r.sent_at),
            "Date Scheduled": lambda r: local(r.scheduled_at),
            "Consult Note Received": lambda r: local(r.report_received_at),
            "Date Closed": lambda r: local(r.closed_at),
            "Status": lambda r: REFERRAL_STATUS_CODES[r.status],
        }),
        CsvLayout("messages", "portal-messages.csv", "portal-messages.yaml", ",", "utf-8", {
            "Thread ID": lambda m: m.message_id,
            "Channel": lambda m: MESSAGE_CHANNEL_CODES[m.channel],
            "Patient Key": lambda m: _text(m.patient_ref),
            "Received": lambda m: local(m.received_at),
            "First Reply": lambda m: local(m.first_response_at),
            "Closed": lambda m: local(m.closed_at),
        }),
        CsvLayout("billing", "billing-queue.csv", "billing-inquiries.yaml", ";", "utf-8-sig", {
            "Ticket": lambda b: b.inquiry_id,
            "Guarantor Key": lambda b: _text(b.patient_ref),
            "Opened": lambda b: local(b.opened_at),
            "First Response": lambda b: local(b.first_response_at),
            "Resolved": lambda b: local(b.resolved_at),
            "Reason": lambda b: _text(b.category),
        }),
        CsvLayout("audits", "observation-checklist.csv", "observation-audits.yaml", ",", "utf-8", {
            "Row ID": lambda a: a.audit_id,
            "Standard": lambda a: _text(a.standard),
            "Observed": lambda a: local(a.observed_at),
            "Observer": lambda a: _text(a.observer),
            "Result": lambda a: "Met" if a.passed else "Not met",
            "Note": lambda a: _text(a.note),
        }),
    ]


MODELS: dict[str, type[models.Model]] = {
    "visits": Visit, "calls": Call, "referrals": Referral, "messages": Message, "billing": BillingInquiry,
    "audits": Audit,
}


def _private_text(path: Path, encoding: str) -> TextIO:
    # Mode 600: the files hold (pseudonymous) patient data, like the workspace.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(descriptor, "w", encoding=encoding, newline="")


def write_csv(path: Path, layout: CsvLayout, rows: Iterable[models.Model]) -> int:
    count = 0
    with _private_text(path, layout.encoding) as handle:
        writer = csv.writer(handle, delimiter=layout.delimiter, lineterminator="\r\n")
        writer.writerow(layout.columns)
        writers = list(layout.columns.values())
        for row in rows:
            writer.writerow([write(row) for write in writers])
            count += 1
    return count


# --- FHIR R4 ---

def _instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ref(kind: str, ref_id: str) -> dict[str, str]:
    return {"reference": f"{kind}/{ref_id}"}


def _period(start: datetime, end: datetime | None) -> dict[str, str]:
    period = {"start": _instant(start)}
    if end is not None:
        period["end"] = _instant(end)
    return period


APPOINTMENT_STATUS = {"completed": "fulfilled", "no-show": "noshow", "cancelled": "cancelled", "late-cancel": "cancelled"}
# R4 has no field for when an appointment was cancelled; fhir_mapping.py reads R5's cancellationDate and
# counts a cancellation under 24 hours before the start as late. The demo does not say when a visit was
# cancelled, so a late cancellation states one two hours before (the only R5 field in the export).
LATE_CANCEL_BEFORE = timedelta(hours=2)


def visit_resources(visit: Visit) -> list[dict[str, Any]]:
    appointment: dict[str, Any] = {
        "resourceType": "Appointment", "id": visit.visit_id, "status": APPOINTMENT_STATUS[visit.status],
        "appointmentType": {"coding": [{"system": "urn:careloop:visit-type", "code": visit.visit_type}]},
        "start": _instant(visit.scheduled_start),
        "participant": [{"actor": _ref("Patient", visit.patient_ref), "status": "accepted"},
                        {"actor": _ref("Practitioner", visit.provider), "status": "accepted"},
                        {"actor": _ref("Location", visit.location), "status": "accepted"}],
    }
    if visit.booked_at is not None:
        appointment["created"] = _instant(visit.booked_at)
    if visit.booking_channel == "walk-in":
        appointment["appointmentType"]["coding"].append(
            {"system": "http://terminology.hl7.org/CodeSystem/v2-0276", "code": "WALKIN"})
    if visit.booking_channel == "referral":
        appointment["basedOn"] = [_ref("ServiceRequest", f"inbound-{visit.visit_id}")]
    if visit.status == VisitStatus.LATE_CANCEL:
        appointment["cancellationDate"] = _instant(visit.scheduled_start - LATE_CANCEL_BEFORE)
    resources = [appointment]
    if visit.status == VisitStatus.COMPLETED and visit.arrived_at is not None:
        history = [(status, moment) for status, moment in (
            ("arrived", visit.arrived_at), ("triaged", visit.roomed_at), ("in-progress", visit.provider_in_at),
            ("finished", visit.checkout_at)) if moment is not None]
        encounter: dict[str, Any] = {
            "resourceType": "Encounter", "id": f"enc-{visit.visit_id}", "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "subject": _ref("Patient", visit.patient_ref), "appointment": [_ref("Appointment", visit.visit_id)],
            "period": _period(visit.arrived_at, visit.checkout_at),
            "statusHistory": [
                {"status": status, "period": _period(moment, history[i + 1][1] if i + 1 < len(history) else None)}
                for i, (status, moment) in enumerate(history)
            ],
        }
        resources.append(encounter)
    return resources


SERVICE_REQUEST_STATUS = {"closed": "completed", "cancelled": "revoked"}
TASK_STATUS = {"scheduled": "accepted", "report-received": "completed", "closed": "completed", "cancelled": "cancelled"}


def referral_resources(referral: Referral) -> list[dict[str, Any]]:
    request: dict[str, Any] = {
        "resourceType": "ServiceRequest", "id": referral.referral_id,
        "status": SERVICE_REQUEST_STATUS.get(referral.status, "active"), "intent": "order",
        "category": [{"coding": [{"system": "http://snomed.info/sct", "code": "3457005", "display": "Patient referral"}]}],
        "subject": _ref("Patient", referral.patient_ref), "performerType": {"text": referral.specialty},
        "authoredOn": _instant(referral.sent_at),
    }
    if referral.visit_id:
        request["encounter"] = _ref("Encounter", f"enc-{referral.visit_id}")
    resources = [request]
    task_status = TASK_STATUS.get(referral.status)
    if task_status is not None:
        task: dict[str, Any] = {"resourceType": "Task", "id": f"task-{referral.referral_id}", "status": task_status,
                                "intent": "order", "basedOn": [_ref("ServiceRequest", referral.referral_id)]}
        if referral.scheduled_at is not None:
            task["executionPeriod"] = _period(referral.scheduled_at, referral.report_received_at)
        resources.append(task)
    return resources


MEDIUM = {"email": "EMAILWRIT", "sms": "SMSWRIT"}


def message_resources(message: Message) -> list[dict[str, Any]]:
    sent: dict[str, Any] = {
        "resourceType": "Communication", "id": message.message_id, "status": "completed",
        "sender": _ref("Patient", message.patient_ref), "subject": _ref("Patient", message.patient_ref),
        "sent": _instant(message.received_at),
    }
    if message.channel in MEDIUM:
        sent["medium"] = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode",
                                       "code": MEDIUM[message.channel]}]}]
    resources = [sent]
    if message.first_response_at is not None:
        resources.append({
            "resourceType": "Communication", "id": f"reply-{message.message_id}", "status": "completed",
            "sender": {"reference": "Organization/practice"}, "subject": _ref("Patient", message.patient_ref),
            "inResponseTo": [_ref("Communication", message.message_id)], "sent": _instant(message.first_response_at),
        })
    return resources


FHIR_PARTS: dict[str, Callable[[Any], list[dict[str, Any]]]] = {
    "visits": visit_resources, "referrals": referral_resources, "messages": message_resources,
}


@dataclass
class FhirWriter:
    """A Bulk Data folder being written: one NDJSON file per resource type, then the manifest."""

    folder: Path
    transaction_time: datetime
    counts: dict[str, int] = field(default_factory=dict)
    _handles: dict[str, Any] = field(default_factory=dict)

    def write(self, resources: Iterable[dict[str, Any]]) -> None:
        for resource in resources:
            kind = resource["resourceType"]
            handle = self._handles.get(kind)
            if handle is None:
                path = self.folder / f"{kind}.ndjson"
                handle = self._handles[kind] = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
                self.counts[kind] = 0
            handle.write(orjson.dumps(resource) + b"\n")
            self.counts[kind] += 1

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
        manifest = {
            "transactionTime": _instant(self.transaction_time),
            "request": "https://ehr.example/fhir/$export",
            "requiresAccessToken": False,
            "output": [{"type": kind, "url": f"https://ehr.example/fhir/output/{kind}.ndjson", "count": n}
                       for kind, n in sorted(self.counts.items())],
            "error": [],
        }
        (self.folder / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))


def write_slot_exports(snapshots: Iterable[SlotSnapshot], folder: Path) -> list[Path]:
    """One Bulk Data folder per moment the slots were seen (its manifest's transactionTime is that
    moment, which is how careloop import dates a slot snapshot): a Schedule per provider and, per
    provider and visit type, the three free Slots of the snapshot."""
    by_moment: dict[datetime, list[SlotSnapshot]] = {}
    for snapshot in snapshots:
        by_moment.setdefault(snapshot.taken_at, []).append(snapshot)
    folders = []
    for moment, taken in sorted(by_moment.items()):
        target = folder / f"{moment.astimezone(UTC):%Y-%m-%dT%H%MZ}"
        target.mkdir(parents=True, exist_ok=True)
        writer = FhirWriter(target, moment)
        for provider in sorted({s.provider for s in taken}):
            writer.write([{"resourceType": "Schedule", "id": f"schedule-{provider}", "active": True,
                           "actor": [_ref("Practitioner", provider)]}])
        for snapshot in taken:
            starts = [snapshot.next_available_1, snapshot.next_available_2, snapshot.next_available_3]
            writer.write({
                "resourceType": "Slot", "id": f"slot-{snapshot.provider}-{snapshot.visit_type}-{n}", "status": "free",
                "schedule": _ref("Schedule", f"schedule-{snapshot.provider}"),
                "appointmentType": {"coding": [{"system": "urn:careloop:visit-type", "code": snapshot.visit_type}]},
                "start": _instant(start), "end": _instant(start),
            } for n, start in enumerate(starts, 1) if start is not None)
        writer.close()
        folders.append(target)
    return folders


@dataclass
class Export:
    folder: Path
    csv_files: dict[str, Path]
    csv_rows: dict[str, int]
    fhir_folder: Path
    fhir_resources: dict[str, int]
    slot_folders: list[Path] = field(default_factory=list)


def rows_of(parts: Mapping[str, Sequence[models.Model]], table: str) -> Iterator[models.Model]:
    model = MODELS[table]
    return (row for row in parts.get(table, ()) if isinstance(row, model))


def export_parts(parts: Mapping[str, Sequence[models.Model]], folder: Path, *, zone: ZoneInfo,
                 transaction_time: datetime) -> Export:
    """Write the demo's generated rows (build.generate_parts) as CSV files and a FHIR Bulk Data folder."""
    csv_folder, fhir_folder = folder / "csv", folder / "fhir"
    csv_folder.mkdir(parents=True, exist_ok=True)
    fhir_folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    counts: dict[str, int] = {}
    for layout in layouts(zone):
        files[layout.table] = csv_folder / layout.file_name
        counts[layout.table] = write_csv(files[layout.table], layout, rows_of(parts, layout.table))
    fhir = FhirWriter(fhir_folder, transaction_time)
    for table, resources_of in FHIR_PARTS.items():
        for row in rows_of(parts, table):
            fhir.write(resources_of(row))
    fhir.close()
    slots = [row for row in parts.get("slots", ()) if isinstance(row, SlotSnapshot)]
    slot_folders = write_slot_exports(slots, folder / "fhir-slots")
    return Export(folder, files, counts, fhir_folder, dict(fhir.counts), slot_folders)


def mapping_path(table: str) -> Path:
    return MAPPINGS / next(layout.mapping for layout in layouts(ZoneInfo("UTC")) if layout.table == table)


def import_commands(export: Export) -> list[str]:
    """The `careloop import` commands that load an export, in the order the demo builds its parts."""
    commands = [f"careloop import {table} {path} --mapping {mapping_path(table)}" for table, path in export.csv_files.items()]
    commands.append(f"careloop import fhir {export.fhir_folder}")
    return commands + [f"careloop import fhir {slots}" for slots in export.slot_folders]



def export_demo(folder: str | Path, *, seed: int, months: int, today: date) -> str:
    """`careloop demo --export DIR`: generate the demo (as `careloop demo` would, without writing it to
    the workspace) and write its files; returns what was written and how to load it."""
    from careloop.demo.build import audit_standards_of_active_journey, generate_parts

    zone = ZoneInfo(settings.TIME_ZONE)
    ctx = DemoContext(seed, today, months, zone, audit_standards_of_active_journey())
    parts = generate_parts(ctx)
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise CommandError(f"{target} is a file; --export needs a folder (it is created if missing).")
    export = export_parts(parts, target, zone=zone, transaction_time=datetime.combine(today, time(0), zone))
    rows = ", ".join(f"{n:,} {table}" for table, n in export.csv_rows.items())
    resources = ", ".join(f"{n:,} {kind}" for kind, n in sorted(export.fhir_resources.items()))
    lines = [f"Wrote {rows} as CSV in {target / 'csv'},", f"{resources} as FHIR NDJSON in {export.fhir_folder},",
             f"and {len(export.slot_folders)} weekly slot exports (FHIR Schedule and Slot) in {target / 'fhir-slots'}.",
             "Load them into an empty workspace with:", *(f"  {command}" for command in import_commands(export))]
    return "\n".join(lines)
