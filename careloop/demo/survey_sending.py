"""The demo's last days of survey invitations, sent for real: the invitation planner and sender that
`careloop worker` runs, with email into a local mailbox and text messages through a local fake SMS
provider, so a person trying careloop sees the emails and texts a patient would get, and can open
their links in the served demo.

- The simulated survey history (survey_responses.py) stops where the worker's window starts (the
  visits that ended up to MAX_VISIT_AGE, 3 days, before 9:00 on the demo's day); those visits are
  left to this step.
- Patients of those visits get a contact record if they have none (a seeded stream: about half
  email, four in ten text messages, the rest neither, a fifth in Spanish, as the simulation assumes).
- Email: Django's file backend writes each message into `.log` files in `CARELOOP_HOME/mail/`,
  whatever CARELOOP_EMAIL_BACKEND says: demo addresses are under the reserved `.test` domain
  (RFC 2606) and must never reach a real mail server.
- Text messages: careloop's real HTTP provider (sms.JsonHttpSmsProvider) posts to a fake provider on
  127.0.0.1 started for the step, which appends each message to `CARELOOP_HOME/mail/sms.jsonl`.
  Phone numbers are in the 555-0100..0199 range reserved for fiction (NANPA).
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.test.utils import override_settings

from careloop.events import contacts
from careloop.events.models import PatientContact, Visit
from careloop.surveys.instrument_file import active_instrument_version, load_shipped_instruments
from careloop.surveys.invitations import MAX_VISIT_AGE, VISIT_INSTRUMENT, plan_recent_visits, recent_undecided_visits
from careloop.surveys.models import Invitation, VisitDecision
from careloop.surveys.sms import JsonHttpSmsProvider
from careloop.surveys.tasks import send_due_invitations

# The worker's first run of the demo's "today": 9:00, when the default quiet hours (20-9) end, so
# every invitation planned for the last days is due.
SEND_HOUR = 9
# The simulation stops where the worker's window starts (visits that ended up to MAX_VISIT_AGE
# before 9:00 today), so every visit the worker would still invite is left to it: after a weekend,
# Friday's; on other days, the day before's and more.
LEFT_TO_THE_WORKER = MAX_VISIT_AGE - timedelta(hours=SEND_HOUR)
MAILBOX = "mail"
SMS_OUTBOX = "sms.jsonl"
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
PATIENT_DOMAIN = "patients.demo.careloop.test"
# As survey_responses.py assumes for the simulated history: email 50 %, text 40 %, neither 10 %.
EMAIL_SHARE, SMS_SHARE = 0.5, 0.4
SPANISH_SHARE = 0.2


@dataclass
class SendingReport:
    visits: int = 0
    contacts_made: int = 0
    # How many visits were decided each way ("invite", or the reason they were not).
    planned: dict[str, int] = field(default_factory=dict)
    sent_by_channel: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    mailbox: Path = Path()

    def summary(self) -> str:
        invited = self.planned.get("invite", 0)
        sent = ", ".join(f"{count} by {channel}" for channel, count in sorted(self.sent_by_channel.items())) or "none"
        failed = f", {self.failed} failed" if self.failed else ""
        return (
            f"Survey invitations for {self.visits} recent visits: {invited} planned, sent {sent}{failed}. "
            f"Mailbox (emails in .log files; texts in {SMS_OUTBOX}): {self.mailbox}"
        )


def demo_phone(n: int) -> str:
    """A unique fictional number: area codes from 201 up, 555-0100..0199 in each (NANPA fiction range)."""
    return f"+1{201 + n // 100}555{100 + n % 100:04d}"


def contact_rows(patient_refs: list[str], seed: int) -> list[dict[str, object]]:
    rng = random.Random(f"careloop-demo/{seed}/survey-contacts")
    rows: list[dict[str, object]] = []
    for n, ref in enumerate(sorted(patient_refs)):
        pick = rng.random()
        channel = "email" if pick < EMAIL_SHARE else "sms" if pick < EMAIL_SHARE + SMS_SHARE else "none"
        language = "es" if rng.random() < SPANISH_SHARE else "en"
        rows.append(
            {
                "patient_ref": ref,
                "email": f"{ref.lower()}@{PATIENT_DOMAIN}" if channel == "email" else "",
                "phone": demo_phone(n) if channel == "sms" else "",
                "language": language,
                "consent_email": channel == "email",
                "consent_sms": channel == "sms",
            }
        )
    return rows


def ensure_contacts(visits: list[Visit], seed: int) -> int:
    """Contact records for the patients who have none; a patient's own record is never changed."""
    refs = sorted({v.patient_ref for v in visits})
    known = set(PatientContact.objects.filter(patient_ref__in=refs).values_list("patient_ref", flat=True))
    rows = contact_rows([ref for ref in refs if ref not in known], seed)
    with transaction.atomic():
        contacts.upsert_contacts(rows, import_run_id=None)
    return len(rows)


def _outbox_handler(outbox: Path, lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            message = json.loads(self.rfile.read(length) or b"{}")
            with lock, outbox.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"to": message.get("to"), "body": message.get("body")}, ensure_ascii=False) + "\n")
                received.append(str(message.get("to")))
                message_id = f"demo-sms-{len(received)}"
            answer = json.dumps({"id": message_id}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:  # quiet: the outbox file is the log
            return

    return Handler


@contextmanager
def fake_sms_provider(outbox: Path) -> Iterator[JsonHttpSmsProvider]:
    """careloop's real HTTP SMS provider, pointed at a provider stand-in on 127.0.0.1 (a free port)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _outbox_handler(outbox, threading.Lock()))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield JsonHttpSmsProvider(f"http://127.0.0.1:{server.server_address[1]}/messages", "demo-key", "+12025550100", timeout=5)
    finally:
        server.shutdown()
        server.server_close()


def empty_mailbox(home: Path) -> Path:
    """CARELOOP_HOME/mail, emptied of a previous demo's messages."""
    mailbox = home / MAILBOX
    mailbox.mkdir(parents=True, exist_ok=True)
    for old in [*mailbox.glob("*.log"), mailbox / SMS_OUTBOX]:
        old.unlink(missing_ok=True)
    return mailbox


def send_last_days_invitations(today: date, *, seed: int, home: Path, public_url: str) -> SendingReport:
    """Plan and send the invitations of the recent visits as the worker would at 9:00 on `today`."""
    report = SendingReport(mailbox=empty_mailbox(home))
    load_shipped_instruments()
    version = active_instrument_version(VISIT_INSTRUMENT)
    assert version is not None, "the shipped instruments were just loaded"
    now = datetime.combine(today, time(SEND_HOUR), tzinfo=ZoneInfo(settings.TIME_ZONE))
    # A rebuilt demo has new visits under the same ids: forget the previous demo's decisions.
    VisitDecision.objects.all().delete()
    visits = recent_undecided_visits(now)
    report.visits = len(visits)
    report.contacts_made = ensure_contacts(visits, seed)
    with override_settings(EMAIL_BACKEND=FILE_BACKEND, EMAIL_FILE_PATH=str(report.mailbox), PUBLIC_URL=public_url.rstrip("/")):
        report.planned = plan_recent_visits(version, now)
        with fake_sms_provider(report.mailbox / SMS_OUTBOX) as provider:
            report.failed = send_due_invitations(now, provider=provider).failed
    sent = Invitation.objects.filter(visit_id__in=[v.visit_id for v in visits], sent_at__isnull=False)
    report.sent_by_channel = {str(row["channel"]): int(row["n"]) for row in sent.values("channel").annotate(n=Count("id"))}
    return report
