"""FHIR resources → rows of the canonical event tables, in two passes so that resources referring to each
other may come in any order and in any file.

Pass 1 (`Collector.add`) reads the fields used from each resource into small "facts" records, keyed by
id; pass 2 (`Collector.rows`) joins them: Appointment + Encounter (+ R5 EncounterHistory) → visits,
ServiceRequest + Task → referrals, Communication + its replies → messages. Each row remembers every
resource that made it, so a problem in any of them holds the whole row back, and quarantine writes all
of its lines together (a fixed quarantine file then imports on its own).

The mapping decisions, with their reasons, are listed in docs/importing.md ("FHIR R4 NDJSON").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, NamedTuple

from careloop.events.importing.fhir_fields import Fields, Where, codings, concept_codes, concept_words
from careloop.events.importing.report import Problem
from careloop.events.importing.tables import TableSpec
from careloop.events.models import BookingChannel, EventTable, MessageChannel, ReferralStatus, VisitStatus, VisitType

APPOINTMENT_STATUSES = ("proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow",
                        "entered-in-error", "checked-in", "waitlist")
# R4's codes, then R5's (an R5 export may be read too: EncounterHistory is R5).
ENCOUNTER_STATUSES = ("planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled",
                      "entered-in-error", "unknown", "on-hold", "discharged", "completed", "discontinued")
SERVICE_REQUEST_STATUSES = ("draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown")
TASK_STATUSES = ("draft", "requested", "received", "accepted", "rejected", "ready", "cancelled", "in-progress",
                 "on-hold", "failed", "completed", "entered-in-error")
COMMUNICATION_STATUSES = ("preparation", "in-progress", "not-done", "on-hold", "stopped", "completed",
                          "entered-in-error", "unknown")

ENCOUNTER_DONE = frozenset({"finished", "completed", "discharged"})
# R5 folded R4's arrived/triaged/in-progress into in-progress and renamed finished: an EncounterHistory
# entry is read in R4's terms, so in-progress is the arrival and completed/discharged the checkout.
R5_HISTORY_STATUS = {"in-progress": "arrived", "completed": "finished", "discharged": "finished"}
# location-physical-type codes for where a patient is roomed: room and bed.
ROOM_TYPES = frozenset({"ro", "bd"})
# A cancellation this close to the start counts as late: the common practice-policy window.
LATE_CANCEL_WINDOW = timedelta(hours=24)
# HL7 v2 table 0276 (Appointment reason codes), the value set R4's Appointment.appointmentType binds.
V2_VISIT_TYPES = {"EMERGENCY": VisitType.URGENT, "WALKIN": VisitType.URGENT, "ROUTINE": VisitType.ESTABLISHED,
                  "CHECKUP": VisitType.ESTABLISHED, "FOLLOWUP": VisitType.ESTABLISHED}
VISIT_TYPES = frozenset(VisitType.values)
# SNOMED CT 3457005 "Patient referral": the category US Core and the CMS50 eCQM's "Referral" value set
# use to tell a referral from a lab or imaging order, which are ServiceRequests too.
REFERRAL_CATEGORY = "3457005"
# v3 ParticipationMode codes for Communication.medium.
MEDIUM_CHANNELS = {"EMAILWRIT": MessageChannel.EMAIL, "SMSWRIT": MessageChannel.SMS,
                   "email": MessageChannel.EMAIL, "sms": MessageChannel.SMS, "portal": MessageChannel.PORTAL}
TASK_PROGRESS = {"completed": 4, "in-progress": 3, "accepted": 3, "requested": 1, "received": 1, "ready": 1,
                 "draft": 1, "on-hold": 1, "cancelled": 0, "rejected": 0, "failed": 0}

# Top-level fields each type's mapping reads; every other field present is counted as not used.
USED_FIELDS: dict[str, frozenset[str]] = {
    "Appointment": frozenset({"resourceType", "id", "status", "start", "created", "participant", "appointmentType",
                              "basedOn", "cancellationDate"}),
    "Encounter": frozenset({"resourceType", "id", "status", "appointment", "period", "actualPeriod", "statusHistory",
                            "location", "participant", "subject"}),
    "EncounterHistory": frozenset({"resourceType", "id", "encounter", "status", "actualPeriod"}),
    "ServiceRequest": frozenset({"resourceType", "id", "status", "category", "subject", "authoredOn",
                                 "performerType", "code", "encounter"}),
    "Task": frozenset({"resourceType", "id", "status", "basedOn", "focus", "executionPeriod", "lastModified"}),
    "Communication": frozenset({"resourceType", "id", "status", "sender", "subject", "sent", "received", "medium",
                                "inResponseTo"}),
    "Patient": frozenset({"resourceType", "id", "name", "telecom", "communication"}),
    "Slot": frozenset({"resourceType", "id", "schedule", "status", "start", "serviceType", "appointmentType"}),
    "Schedule": frozenset({"resourceType", "id", "actor"}),
}
# Read whole and handed to surveys.fhir_io.store_questionnaire_response(), which decides what it uses.
WHOLE_TYPES = frozenset({"QuestionnaireResponse"})
# Read and counted, but not imported yet, with the reason the report gives.
PENDING_TYPES: dict[str, str] = {}
SLOT_STATUSES = ("busy", "free", "busy-unavailable", "busy-tentative", "entered-in-error")
# ContactPoint.use values that mean "do not use this one".
OLD_CONTACT_USES = frozenset({"old"})
# HumanName.use, most wanted first: the legal name, then the one the patient goes by, then unlabelled.
NAME_USES = ("official", "usual", "")


@dataclass
class Facts:
    KIND: ClassVar[str] = ""
    where: Where
    id: str
    problems: list[Problem]


@dataclass
class AppointmentFacts(Facts):
    KIND = "Appointment"
    status: str | None
    patient: str = ""
    provider: str = ""
    location: str = ""
    visit_type: str = ""
    walk_in: bool = False
    from_referral: bool = False
    start: datetime | None = None
    created: datetime | None = None
    cancelled_at: datetime | None = None


class Moment(NamedTuple):
    at: datetime
    where: Where
    path: str


@dataclass
class EncounterFacts(Facts):
    KIND = "Encounter"
    status: str | None
    appointment_id: str = ""
    provider: str = ""
    location: str = ""
    start: Moment | None = None
    end: Moment | None = None
    history: dict[str, Moment] = field(default_factory=dict)  # status → its earliest start
    roomed: Moment | None = None
    extra: list[Facts] = field(default_factory=list)  # EncounterHistory resources merged in


@dataclass
class HistoryFacts(Facts):
    KIND = "EncounterHistory"
    encounter_id: str
    status: str | None
    start: Moment | None


@dataclass
class ServiceRequestFacts(Facts):
    KIND = "ServiceRequest"
    status: str | None
    referral: bool = False
    patient: str = ""
    specialty: str = ""
    sent_at: datetime | None = None
    encounter_id: str = ""


@dataclass
class TaskFacts(Facts):
    KIND = "Task"
    status: str | None
    request_ids: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    last_modified: datetime | None = None


@dataclass
class CommunicationFacts(Facts):
    KIND = "Communication"
    status: str | None
    from_patient: bool = False
    patient: str = ""
    channel: str = MessageChannel.PORTAL
    at: Moment | None = None
    answers: list[str] = field(default_factory=list)  # ids of the Communications it answers


@dataclass
class PatientFacts(Facts):
    KIND = "Patient"
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    phone: str = ""
    language: str = ""


@dataclass
class SlotFacts(Facts):
    KIND = "Slot"
    status: str | None
    schedule_id: str = ""
    start: datetime | None = None
    visit_type: str = ""


@dataclass
class ScheduleFacts(Facts):
    KIND = "Schedule"
    provider: str = ""


@dataclass
class MappedRow:
    table: str
    values: dict[str, Any]
    facts: list[Facts]  # every resource the row was made from; the first is the row's own
    origin: dict[str, Moment] = field(default_factory=dict)  # where each timestamp came from

    @property
    def where(self) -> Where:
        return self.facts[0].where

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.facts for p in f.problems]


def _first_moment(fields: Fields, value: Any, path: str) -> Moment | None:
    at = fields.instant(value, path)
    return None if at is None else Moment(at, fields.where, path)


def read_appointment(f: Fields) -> AppointmentFacts:
    r = f.resource
    facts = AppointmentFacts(f.where, f.id(), f.problems, f.code("status", APPOINTMENT_STATUSES))
    for i, participant in enumerate(f.list("participant")):
        ref = f.reference(participant.get("actor") if isinstance(participant, dict) else participant,
                          f"participant[{i}].actor")
        if ref is None:
            continue
        kind, ref_id = ref
        if kind == "Patient" and not facts.patient:
            facts.patient = ref_id
        elif kind == "Practitioner" and not facts.provider:
            facts.provider = ref_id
        elif kind == "Location" and not facts.location:
            facts.location = ref_id
    codes = concept_codes(r.get("appointmentType"))
    ours = [c for c in codes if c in VISIT_TYPES]
    v2 = [V2_VISIT_TYPES[c] for c in codes if c in V2_VISIT_TYPES]
    facts.visit_type = (ours or v2 or [""])[0]
    facts.walk_in = "WALKIN" in codes
    facts.from_referral = any(kind == "ServiceRequest" for kind, _, _ in f.references("basedOn"))
    needs_start = facts.status in {"booked", "arrived", "checked-in", "fulfilled", "noshow"}
    facts.start = f.instant(r.get("start"), "start", required=needs_start)
    facts.created = f.instant(r.get("created"), "created")
    facts.cancelled_at = f.instant(r.get("cancellationDate"), "cancellationDate")
    return facts


def read_encounter(f: Fields) -> EncounterFacts:
    r = f.resource
    facts = EncounterFacts(f.where, f.id(), f.problems, f.code("status", ENCOUNTER_STATUSES))
    appointments = [(ref_id, path) for kind, ref_id, path in f.references("appointment") if kind == "Appointment"]
    facts.appointment_id = appointments[0][0] if appointments else ""
    period_key = "actualPeriod" if "actualPeriod" in r else "period"
    start, end = f.period(r.get(period_key), period_key)
    facts.start = None if start is None else Moment(start, f.where, f"{period_key}.start")
    facts.end = None if end is None else Moment(end, f.where, f"{period_key}.end")
    for i, entry in enumerate(f.list("statusHistory")):
        path = f"statusHistory[{i}]"
        if not isinstance(entry, dict):
            f.problem(path, "is not an object; expected a status and a period", entry)
            continue
        status = entry.get("status")
        if status not in ENCOUNTER_STATUSES:
            f.problem(f"{path}.status", f"is not a known code; expected one of: {', '.join(ENCOUNTER_STATUSES)}", status)
            continue
        begun, _ = f.period(entry.get("period"), f"{path}.period")
        if begun is not None:
            _keep_earliest(facts.history, str(status), Moment(begun, f.where, f"{path}.period.start"))
    for i, entry in enumerate(f.list("location")):
        path = f"location[{i}]"
        if not isinstance(entry, dict):
            f.problem(path, "is not an object; expected a location and a period", entry)
            continue
        ref = f.reference(entry.get("location"), f"{path}.location")
        room = bool(ROOM_TYPES & set(concept_codes(entry.get("physicalType"))))
        begun, _ = f.period(entry.get("period"), f"{path}.period")
        if room and begun is not None and (facts.roomed is None or begun < facts.roomed.at):
            facts.roomed = Moment(begun, f.where, f"{path}.period.start")
        if not room and ref is not None and ref[0] == "Location" and not facts.location:
            facts.location = ref[1]
    for i, entry in enumerate(f.list("participant")):
        who = entry.get("individual", entry.get("actor")) if isinstance(entry, dict) else None
        ref = f.reference(who, f"participant[{i}].individual")
        if ref is not None and ref[0] == "Practitioner" and not facts.provider:
            facts.provider = ref[1]
    return facts


def _keep_earliest(history: dict[str, Moment], status: str, moment: Moment) -> None:
    known = history.get(status)
    if known is None or moment.at < known.at:
        history[status] = moment


def read_encounter_history(f: Fields) -> HistoryFacts:
    r = f.resource
    facts = HistoryFacts(f.where, f.id(), f.problems, "", f.code("status", ENCOUNTER_STATUSES), None)
    ref = f.reference(r.get("encounter"), "encounter")
    if ref is None or ref[0] != "Encounter":
        f.problem("encounter", "is missing; expected a reference to the Encounter this history belongs to")
    else:
        facts.encounter_id = ref[1]
    start, _ = f.period(r.get("actualPeriod"), "actualPeriod")
    facts.start = None if start is None else Moment(start, f.where, "actualPeriod.start")
    return facts


def read_service_request(f: Fields) -> ServiceRequestFacts:
    r = f.resource
    facts = ServiceRequestFacts(f.where, f.id(), f.problems, f.code("status", SERVICE_REQUEST_STATUSES))
    facts.referral = any(
        code == REFERRAL_CATEGORY or "referral" in display.casefold()
        for category in f.list("category") for _, code, display in codings(category)
    )
    if not facts.referral:
        return facts
    subject = f.reference(r.get("subject"), "subject")
    if subject is None or subject[0] != "Patient":
        f.problem("subject", "is not a Patient reference; expected the referred patient")
    else:
        facts.patient = subject[1]
    facts.specialty = concept_words(r.get("performerType")) or concept_words(r.get("code"))
    if not facts.specialty:
        f.problem("performerType", "is missing, and so is code; expected the specialty referred to")
    facts.sent_at = f.instant(r.get("authoredOn"), "authoredOn", required=True)
    encounter = f.reference(r.get("encounter"), "encounter")
    facts.encounter_id = encounter[1] if encounter and encounter[0] == "Encounter" else ""
    return facts


def read_task(f: Fields) -> TaskFacts:
    r = f.resource
    facts = TaskFacts(f.where, f.id(), f.problems, f.code("status", TASK_STATUSES))
    facts.request_ids = [ref_id for kind, ref_id, _ in f.references("basedOn") if kind == "ServiceRequest"]
    focus = f.reference(r.get("focus"), "focus")
    if focus is not None and focus[0] == "ServiceRequest" and focus[1] not in facts.request_ids:
        facts.request_ids.append(focus[1])
    facts.start, facts.end = f.period(r.get("executionPeriod"), "executionPeriod")
    facts.last_modified = f.instant(r.get("lastModified"), "lastModified")
    return facts


def read_communication(f: Fields) -> CommunicationFacts:
    r = f.resource
    facts = CommunicationFacts(f.where, f.id(), f.problems, f.code("status", COMMUNICATION_STATUSES))
    sender = f.reference(r.get("sender"), "sender")
    subject = f.reference(r.get("subject"), "subject")
    facts.from_patient = sender is not None and sender[0] == "Patient"
    if facts.from_patient and sender is not None:
        facts.patient = sender[1]
    elif subject is not None and subject[0] == "Patient":
        facts.patient = subject[1]
    for concept in f.list("medium"):
        channel = next((MEDIUM_CHANNELS[c] for c in concept_codes(concept) if c in MEDIUM_CHANNELS), None)
        if channel is not None:
            facts.channel = channel
            break
    facts.answers = [ref_id for kind, ref_id, _ in f.references("inResponseTo") if kind == "Communication"]
    key = "received" if facts.from_patient and "received" in r else "sent"
    facts.at = _first_moment(f, r.get(key), key)
    if facts.at is None and (facts.from_patient or facts.answers) and facts.status not in SKIPPED_COMMUNICATION:
        f.problem(key, "is missing; expected when the message was sent, with a zone")
    return facts


SKIPPED_COMMUNICATION = frozenset({"preparation", "not-done", "entered-in-error"})


def _current(f: Fields, entry: dict[str, Any], path: str, now: datetime) -> bool:
    """A name or contact point still in use: its period has not ended."""
    _, end = f.period(entry.get("period"), f"{path}.period")
    return end is None or end > now


def read_patient(f: Fields) -> PatientFacts:
    """Patient → the contact store: name (official, else usual, else unlabelled; not old or ended),
    telecom email and phone (current, not `old`, lowest rank first; for phone `mobile` first, as it
    can take a text message), communication[preferred].language (else the first)."""
    facts = PatientFacts(f.where, f.id(), f.problems)
    now = datetime.now(UTC).replace(tzinfo=None)
    names = [(i, n) for i, n in enumerate(f.list("name")) if isinstance(n, dict) and n.get("use", "") in NAME_USES
             and _current(f, n, f"name[{i}]", now)]
    names.sort(key=lambda item: NAME_USES.index(item[1].get("use", "")))
    if names:
        i, name = names[0]
        given = name.get("given") or []
        if not isinstance(given, list) or not all(isinstance(g, str) for g in given):
            f.problem(f"name[{i}].given", "is not a list of text; expected e.g. [\"Ana\", \"María\"]", given)
        else:
            facts.given_name = " ".join(given)[:100]
        family = name.get("family", "")
        if not isinstance(family, str):
            f.problem(f"name[{i}].family", "is not text; expected the family name", family)
        else:
            facts.family_name = family[:100]
    points: dict[str, list[tuple[int, int, str, int]]] = {"email": [], "phone": [], "sms": []}
    for i, point in enumerate(f.list("telecom")):
        path = f"telecom[{i}]"
        if not isinstance(point, dict) or point.get("system") not in points or point.get("use") in OLD_CONTACT_USES:
            continue
        if not _current(f, point, path, now):
            continue
        value = point.get("value")
        if not isinstance(value, str) or not value.strip():
            f.problem(f"{path}.value", "is missing; expected the address or number", value)
            continue
        rank = point.get("rank", 1_000)
        if not isinstance(rank, int) or isinstance(rank, bool) or rank < 1:
            f.problem(f"{path}.rank", "is not a positive whole number; expected 1 for the preferred one", rank)
            continue
        mobile = 0 if point.get("use") == "mobile" or point.get("system") == "sms" else 1
        points[point["system"]].append((rank, mobile, value.strip(), i))
    if points["email"]:
        _, _, facts.email, i = min(points["email"])
        if "@" not in facts.email or len(facts.email) > 254:
            f.problem(f"telecom[{i}].value", "is not an email address; expected one such as name@example.org", facts.email)
            facts.email = ""
    phones = points["phone"] + points["sms"]
    if phones:
        _, _, raw, i = min(phones, key=lambda p: (p[1], p[0], p[3]))
        facts.phone = _e164(f, raw, f"telecom[{i}].value")
    languages = [(i, c) for i, c in enumerate(f.list("communication")) if isinstance(c, dict)]
    languages.sort(key=lambda item: item[1].get("preferred") is not True)
    if languages:
        i, entry = languages[0]
        code = next(iter(concept_codes(entry.get("language"))), "")
        if code and (len(code) > 10 or not all(part.isalnum() for part in code.split("-"))):
            f.problem(f"communication[{i}].language", "is not a language tag; expected a BCP 47 code such as en or es", code)
        else:
            facts.language = code.lower()
    return facts


def _e164(f: Fields, raw: str, path: str) -> str:
    if not raw.startswith(("+", "00")):
        f.problem(path, "has no country code; expected an international number such as +1 555 010 2000", raw)
        return ""
    digits = "".join(ch for ch in raw.removeprefix("00") if ch.isdigit())
    if not 8 <= len(digits) <= 15:
        f.problem(path, f"has {len(digits)} digits; expected 8 to 15 after the + (E.164)", raw)
        return ""
    return f"+{digits}"


def read_schedule(f: Fields) -> ScheduleFacts:
    facts = ScheduleFacts(f.where, f.id(), f.problems)
    for kind, ref_id, _ in f.references("actor"):
        if kind == "Practitioner":
            facts.provider = ref_id
            break
    return facts


def read_slot(f: Fields) -> SlotFacts:
    r = f.resource
    facts = SlotFacts(f.where, f.id(), f.problems, f.code("status", SLOT_STATUSES))
    schedule = f.reference(r.get("schedule"), "schedule")
    if schedule is None or schedule[0] != "Schedule":
        f.problem("schedule", "is missing; expected a reference to the Schedule (its actor is the provider)")
    else:
        facts.schedule_id = schedule[1]
    facts.start = f.instant(r.get("start"), "start", required=True)
    codes = [c for concept in [r.get("appointmentType"), *f.list("serviceType")] for c in concept_codes(concept)]
    ours = [c for c in codes if c in VISIT_TYPES] + [V2_VISIT_TYPES[c] for c in codes if c in V2_VISIT_TYPES]
    facts.visit_type = ours[0] if ours else ""
    return facts


READERS = {
    "Appointment": read_appointment,
    "Encounter": read_encounter,
    "EncounterHistory": read_encounter_history,
    "ServiceRequest": read_service_request,
    "Task": read_task,
    "Communication": read_communication,
    "Patient": read_patient,
    "Schedule": read_schedule,
    "Slot": read_slot,
}


@dataclass
class Collector:
    """Pass 1 state: facts by type and id; counts for the report."""

    resources: Counter[str] = field(default_factory=Counter)
    unused_fields: dict[str, Counter[str]] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)  # reason → resources not imported
    notes: Counter[str] = field(default_factory=Counter)  # defaults applied → rows
    facts: dict[str, dict[str, Facts]] = field(default_factory=dict)
    duplicates: list[Facts] = field(default_factory=list)
    histories: list[HistoryFacts] = field(default_factory=list)
    whole: list[tuple[dict[str, Any], Where]] = field(default_factory=list)  # QuestionnaireResponses

    def add(self, resource: dict[str, Any], where: Where) -> None:
        kind: str = resource["resourceType"]
        self.resources[kind] += 1
        if kind in WHOLE_TYPES:
            self.whole.append((resource, where))
            return
        used = USED_FIELDS.get(kind)
        if used is None:
            self.skipped[f"{kind}: {PENDING_TYPES.get(kind, 'not used by careloop')}"] += 1
            return
        unused = [key for key in resource if key not in used]
        if unused:
            self.unused_fields.setdefault(kind, Counter()).update(unused)
        facts = READERS[kind](Fields(resource, where))
        if isinstance(facts, HistoryFacts):
            self.histories.append(facts)
            return
        by_id = self.facts.setdefault(kind, {})
        first = by_id.get(facts.id)
        if first is not None and facts.id:
            facts.problems.append(Problem(
                where.file, where.line,
                f"appeared already in {first.where.file} line {first.where.line}; expected each resource once",
                field=f"{kind}.id", value=facts.id,
            ))
            self.duplicates.append(facts)
            return
        by_id[facts.id] = facts

    def of(self, kind: str) -> dict[str, Any]:
        return self.facts.get(kind, {})

    # --- pass 2 ---

    def rows(self) -> list[MappedRow]:
        encounters = self._encounters_by_appointment()
        rows = [row for a in self.of("Appointment").values() if (row := self._visit(a, encounters.get(a.id)))]
        rows += self._referrals()
        rows += self._messages()
        return rows

    def _encounters_by_appointment(self) -> dict[str, EncounterFacts]:
        encounters: dict[str, EncounterFacts] = self.of("Encounter")
        for history in self.histories:
            encounter = encounters.get(history.encounter_id)
            if encounter is None:
                self.skipped["EncounterHistory: its Encounter is not in this import"] += 1
                continue
            encounter.extra.append(history)
            if history.start is not None and history.status is not None:
                _keep_earliest(encounter.history, R5_HISTORY_STATUS.get(history.status, history.status), history.start)
        by_appointment: dict[str, EncounterFacts] = {}
        appointments = self.of("Appointment")
        for encounter in encounters.values():
            if encounter.status in {"cancelled", "entered-in-error"}:
                self.skipped[f"Encounter: {encounter.status}"] += 1
            elif not encounter.appointment_id:
                self.skipped["Encounter: no appointment (a visit starts with its Appointment)"] += 1
            elif encounter.appointment_id not in appointments:
                self.skipped["Encounter: its Appointment is not in this import"] += 1
            elif encounter.appointment_id in by_appointment:
                self.skipped["Encounter: a second one for the same Appointment (the first is used)"] += 1
            else:
                by_appointment[encounter.appointment_id] = encounter
        return by_appointment

    def _visit(self, a: AppointmentFacts, e: EncounterFacts | None) -> MappedRow | None:
        done = e is not None and e.status in ENCOUNTER_DONE
        status = self._visit_status(a, done)
        if status is None:
            return None
        facts: list[Facts] = [a] + ([e, *e.extra] if e is not None else [])
        row = MappedRow(EventTable.VISITS, {
            "visit_id": a.id,
            "patient_ref": a.patient,
            "provider": a.provider or (e.provider if e else ""),
            "location": a.location or (e.location if e else ""),
            "visit_type": a.visit_type or self._noted("visit_type: no appointmentType code careloop knows; set to established", VisitType.ESTABLISHED),
            "booking_channel": self._booking_channel(a),
            "booked_at": a.created,
            "scheduled_start": a.start,
            "status": status,
        }, facts)
        if e is not None and status == VisitStatus.COMPLETED:
            self._visit_times(row, e)
        for name, path, what in (("patient_ref", "participant", "Patient participant"),
                                 ("provider", "participant", "Practitioner participant (nor its Encounter)"),
                                 ("location", "participant", "Location participant (nor its Encounter)")):
            if not row.values[name] and not a.problems:
                a.problems.append(Problem(a.where.file, a.where.line, f"has no {what}; expected one, for the visit's {name}",
                                          field=f"Appointment.{path}"))
        return row

    def _visit_status(self, a: AppointmentFacts, encounter_done: bool) -> str | None:
        if a.status is None:
            return VisitStatus.COMPLETED  # unreadable: the row is held back by the appointment's problem
        if a.status == "fulfilled" or (a.status in {"booked", "arrived", "checked-in"} and encounter_done):
            return VisitStatus.COMPLETED
        if a.status == "noshow":
            return VisitStatus.NO_SHOW
        if a.status == "cancelled":
            late = a.cancelled_at is not None and a.start is not None and a.start - a.cancelled_at < LATE_CANCEL_WINDOW
            return VisitStatus.LATE_CANCEL if late else VisitStatus.CANCELLED
        reason = {"entered-in-error": "entered in error"}.get(a.status, "not happened yet")
        self.skipped[f"Appointment: {a.status} ({reason})"] += 1
        return None

    def _booking_channel(self, a: AppointmentFacts) -> str:
        if a.walk_in:
            return BookingChannel.WALK_IN
        if a.from_referral:
            return BookingChannel.REFERRAL
        return self._noted("booking_channel: FHIR Appointment does not say how it was booked; set to phone", BookingChannel.PHONE)

    def _noted(self, note: str, value: str) -> str:
        self.notes[note] += 1
        return value

    def _visit_times(self, row: MappedRow, e: EncounterFacts) -> None:
        h = e.history
        done = e.end if e.status in ENCOUNTER_DONE else None
        times = {
            "arrived_at": h.get("arrived") or e.start,
            "roomed_at": h.get("triaged") or e.roomed,
            "provider_in_at": h.get("in-progress"),
            "checkout_at": h.get("finished") or done,
        }
        for name, moment in times.items():
            if moment is not None:
                row.values[name] = moment.at
                row.origin[name] = moment

    def _referrals(self) -> list[MappedRow]:
        tasks: dict[str, list[TaskFacts]] = {}
        for task in self.of("Task").values():
            if not task.request_ids:
                self.skipped["Task: not based on a ServiceRequest"] += 1
            for request_id in task.request_ids:
                tasks.setdefault(request_id, []).append(task)
        encounters: dict[str, EncounterFacts] = self.of("Encounter")
        rows = []
        for request in self.of("ServiceRequest").values():
            if not request.referral:
                self.skipped["ServiceRequest: not a referral (no 'Patient referral' category, SNOMED 3457005)"] += 1
                continue
            if request.status in {"draft", "entered-in-error"}:
                self.skipped[f"ServiceRequest: {request.status} (never sent)"] += 1
                continue
            encounter = encounters.get(request.encounter_id)
            row = MappedRow(EventTable.REFERRALS, {
                "referral_id": request.id,
                "visit_id": encounter.appointment_id if encounter else "",
                "patient_ref": request.patient,
                "specialty": request.specialty,
                "sent_at": request.sent_at,
            }, [request, *tasks.get(request.id, [])])
            self._referral_progress(row, request, tasks.get(request.id, []))
            rows.append(row)
        return rows

    def _referral_progress(self, row: MappedRow, request: ServiceRequestFacts, tasks: list[TaskFacts]) -> None:
        """CMS50 (Closing the Referral Loop) counts a loop closed when the specialist's report is back: a
        completed Task is the report received; the ServiceRequest completed as well is the loop closed."""
        live = [t for t in tasks if t.status in TASK_PROGRESS]
        best = max(live, key=lambda t: TASK_PROGRESS[t.status or ""], default=None)
        progress = TASK_PROGRESS[best.status or ""] if best else 1
        status = ReferralStatus.SENT
        if request.status == "revoked" or progress == 0:
            status = ReferralStatus.CANCELLED
        elif best is not None and progress >= 3:
            row.values["scheduled_at"] = best.start
            status = ReferralStatus.SCHEDULED
            if best.status == "completed":
                received = best.end or best.last_modified
                row.values["report_received_at"] = received
                status = ReferralStatus.REPORT_RECEIVED
                if request.status == "completed":
                    row.values["closed_at"] = received
                    status = ReferralStatus.CLOSED
        elif request.status == "completed":
            status = ReferralStatus.CLOSED
        row.values["status"] = status

    def _messages(self) -> list[MappedRow]:
        communications: dict[str, CommunicationFacts] = self.of("Communication")
        rows: dict[str, MappedRow] = {}
        for c in communications.values():
            if c.status in SKIPPED_COMMUNICATION:
                self.skipped[f"Communication: {c.status} (never sent)"] += 1
            elif c.from_patient:
                rows[c.id] = MappedRow(EventTable.MESSAGES, {
                    "message_id": c.id, "channel": c.channel, "patient_ref": c.patient,
                    "received_at": c.at.at if c.at else None,
                }, [c], {"received_at": c.at} if c.at else {})
        for c in communications.values():
            if c.from_patient or c.status in SKIPPED_COMMUNICATION:
                continue
            answered = [rows[i] for i in c.answers if i in rows]
            if not c.answers:
                self.skipped["Communication: sent by the practice, not in answer to a patient's message"] += 1
            elif not answered:
                self.skipped["Communication: answers a message not in this import"] += 1
            for row in answered:
                row.facts.append(c)
                first = row.origin.get("first_response_at")
                if c.at is not None and (first is None or c.at.at < first.at):
                    row.values["first_response_at"] = c.at.at
                    row.origin["first_response_at"] = c.at
        return list(rows.values())


def check_row(spec: TableSpec, row: MappedRow) -> list[Problem]:
    """The table's own rules (required fields, lengths, times in order), on the mapped values."""
    problems: list[Problem] = []
    where = row.where
    kind = row.facts[0].KIND
    for spec_field in spec.fields:
        value = row.values.get(spec_field.name)
        if spec_field.required and value in (None, "") and not row.problems:
            problems.append(Problem(where.file, where.line, f"gives no {spec_field.name}; expected one (the table "
                                    f"requires it)", field=kind))
        if isinstance(value, str) and spec_field.max_length is not None and len(value) > spec_field.max_length:
            problems.append(Problem(where.file, where.line, f"is {len(value):,} characters long; expected at most "
                                    f"{spec_field.max_length} for {spec_field.name}", field=kind, value=value))
    patient = row.values.get("patient_ref")
    if isinstance(patient, str) and "@" in patient:
        # Names and contact details never go into the event tables (DESIGN.md, "Canonical event tables").
        problems.append(Problem(where.file, where.line, "looks like an email address; expected a pseudonymous "
                                "patient reference", field=kind, value=patient))
    for early, late in spec.order_rules:
        a, b = row.values.get(early), row.values.get(late)
        if a is not None and b is not None and b < a:
            origin = row.origin.get(late)
            file, line, path = (where.file, where.line, kind)
            if origin is not None:
                file, line, path = origin.where.file, origin.where.line, f"{_kind_at(row, origin.where)}.{origin.path}"
            problems.append(Problem(file, line, f"is before {early} ({a:%Y-%m-%d %H:%M:%S} UTC); expected {late} "
                                    f"at or after {early}", field=path, value=f"{b:%Y-%m-%d %H:%M:%S} UTC"))
    return problems


def _kind_at(row: MappedRow, where: Where) -> str:
    return next((f for f in row.facts if f.where == where), row.facts[0]).KIND


def row_values(spec: TableSpec, row: MappedRow) -> list[Any]:
    """The row in the table's field order, as the writer takes it."""
    values = row.values
    return [f.default if (v := values.get(f.name)) is None else v for f in spec.fields]


def good_contacts(collector: Collector) -> list[PatientFacts]:
    return [p for p in collector.of("Patient").values() if not p.problems and p.id]


@dataclass
class SnapshotRow:
    provider: str
    visit_type: str
    next_available: list[datetime]
    facts: list[Facts]


def slot_snapshots(collector: Collector, taken_at: datetime) -> list[SnapshotRow]:
    """Third-next-available (IHI): per provider and visit type, the first three free slots starting at
    or after the moment the slots were seen (`taken_at`, naive UTC)."""
    schedules: dict[str, ScheduleFacts] = collector.of("Schedule")
    free: dict[tuple[str, str], list[tuple[datetime, SlotFacts]]] = {}
    for slot in collector.of("Slot").values():
        if slot.problems:
            continue  # held back with its line, like any bad resource
        if slot.status != "free":
            collector.skipped[f"Slot: {slot.status or 'unknown'} (only free slots count)"] += 1
            continue
        schedule = schedules.get(slot.schedule_id)
        if schedule is None or not schedule.provider:
            collector.skipped["Slot: its Schedule (with a Practitioner actor) is not in this import"] += 1
            continue
        if slot.start is None or slot.start < taken_at:
            collector.skipped["Slot: starts before the export was taken"] += 1
            continue
        visit_type = slot.visit_type or VisitType.ESTABLISHED
        if not slot.visit_type:
            collector.notes["visit_type: Slot has no appointmentType or serviceType code careloop knows; set to established"] += 1
        free.setdefault((schedule.provider, visit_type), []).append((slot.start, slot))
    rows = []
    for (provider, visit_type), slots in sorted(free.items()):
        slots.sort(key=lambda item: (item[0], item[1].id))
        first = slots[:3]
        rows.append(SnapshotRow(provider, visit_type, [at for at, _ in first],
                                [f for _, s in first for f in (s, schedules[s.schedule_id])]))
    return rows
