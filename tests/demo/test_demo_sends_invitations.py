"""`careloop demo` sends the last days' survey invitations for real: emails into the local mailbox
(CARELOOP_HOME/mail, Django's file backend) and texts through careloop's HTTP SMS provider to a
local fake provider (CARELOOP_HOME/mail/sms.jsonl); the links open the survey on the served demo."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from careloop.events.models import Visit
from careloop.surveys.models import Invitation, InvitationChannel, VisitDecision
from careloop.surveys.tokens import find_invitation
from tests.conftest import BuiltDemo, demo_built_once, run_demo

NEW_YORK = ZoneInfo("America/New_York")


DEMO_OPTIONS = ("--months", "1", "--today", "2025-03-19")


@pytest.fixture(scope="module")
def built(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltDemo]:
    """One demo build for this module's tests (tests/conftest.py's demo_built_once: rolled back at the end)."""
    with demo_built_once(django_db_blocker, tmp_path_factory.mktemp("demo-home"), *DEMO_OPTIONS) as demo:
        yield demo


def test_it_sends_the_last_days_invitations_by_email_and_text(built: BuiltDemo, db: Any) -> None:
    output = built.output
    mailbox = built.home / "mail"
    assert re.search(r"Survey invitations for \d+ recent visits: \d+ planned, sent \d+ by email, \d+ by sms\.", output), output
    assert str(mailbox) in output
    # The simulation stops where the worker's window starts: 3 days before 9:00 on Wednesday 19 March,
    # so the visits of Monday and Tuesday (a Sunday has none) were planned for real.
    cutoff = datetime(2025, 3, 16, 9, tzinfo=NEW_YORK)
    simulated = Invitation.objects.filter(created_at__lt=cutoff)
    real = Invitation.objects.filter(created_at__gte=cutoff)
    recent = Visit.objects.filter(status="completed", checkout_at__gte=cutoff, checkout_at__lt=datetime(2025, 3, 19, tzinfo=NEW_YORK))
    assert simulated.exists() and recent.count() > 20
    assert set(real.values_list("visit_id", flat=True)) <= set(recent.values_list("visit_id", flat=True))
    assert VisitDecision.objects.filter(visit_id__in=recent.values("visit_id")).count() == recent.count()
    emails = real.filter(channel=InvitationChannel.EMAIL, sent_at__isnull=False)
    texts = real.filter(channel=InvitationChannel.SMS, sent_at__isnull=False)
    assert emails.count() >= 5 and texts.count() >= 5
    # Sent at 9:00 on the demo's day, when the quiet hours end.
    assert {i.sent_at.astimezone(NEW_YORK).time() for i in real.filter(sent_at__isnull=False)} == {time(9)}  # type: ignore[union-attr]

    # Django's file backend appends messages to .log files (one per connection and second).
    mail = "".join(path.read_text(encoding="utf-8") for path in sorted(mailbox.glob("*.log")))
    # The mailbox also holds staff mail (the weekly brief, case escalations): count the patients'.
    assert len(re.findall(r"\nTo: [^\n]*@patients\.demo\.careloop\.test", mail)) == emails.count()
    assert "@patients.demo.careloop.test" in mail and "List-Unsubscribe" in mail
    links = re.findall(r"http://127\.0\.0\.1:8000(/s/[A-Za-z0-9_-]+/)\n", mail)
    assert len(links) >= emails.count()

    texts_sent = [json.loads(line) for line in (mailbox / "sms.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(texts_sent) == texts.count()
    assert all(re.fullmatch(r"\+1\d{3}5550\d{3}", text["to"]) for text in texts_sent)
    assert {i.provider_message_id for i in texts} == {f"demo-sms-{n}" for n in range(1, texts.count() + 1)}
    spanish = [t for t in texts_sent if "Responda STOP" in t["body"]]
    english = [t for t in texts_sent if "Reply STOP" in t["body"]]
    assert len(spanish) + len(english) == len(texts_sent) and english

    # A link from the mailbox is the emailed invitation's, and opens the survey while it is valid
    # (this demo's day is in the past, so the test moves its expiry to the future first).
    invitation = find_invitation(links[0].split("/")[2])
    assert invitation is not None and invitation.channel == InvitationChannel.EMAIL
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + timedelta(days=1))
    page = Client().get(links[0])
    # The page speaks the patient's language (the demo's patients are English or Spanish speakers, and
    # which one's email comes first in the mailbox depends on the order the log files were written).
    title = {"en": "Your recent visit", "es": "Su visita reciente"}[invitation.language or "en"]
    assert page.status_code == 200 and title in page.content.decode()


@pytest.mark.backend_neutral  # files in the mailbox folder
def test_it_empties_the_mailbox_when_the_demo_is_built_again(built: BuiltDemo, db: Any, home: Path) -> None:
    # The first build is the module's: its mailbox, copied into this test's workspace, is what a
    # second build there finds (its rows are already in the database).
    shutil.copytree(built.home / "mail", home / "mail")
    first = {p.name for p in (home / "mail").glob("*.log")}
    texts = (home / "mail" / "sms.jsonl").read_text(encoding="utf-8")
    run_demo(*DEMO_OPTIONS)
    second = {p.name for p in (home / "mail").glob("*.log")}
    # None of the first build's files are left (the file names carry the time they were written).
    assert first and second and not first & second
    assert (home / "mail" / "sms.jsonl").read_text(encoding="utf-8").count("\n") == texts.count("\n")
