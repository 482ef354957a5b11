"""`careloop demo`: builds the practice into the database, prints how to sign in, measures it, sends the
last days' survey invitations for real, and serves unless told not to.

The invitations go out as emails into the local mailbox (CARELOOP_HOME/mail, Django's file backend) and
as texts through careloop's HTTP SMS provider to a local fake provider (CARELOOP_HOME/mail/sms.jsonl); the
links open the survey on the served demo.

One build (the module's `built`) serves every test that only reads what the command made; the tests that
run the command again say why they need their own run. A demo build is the slowest thing the suite does,
so the checks of one run live together here rather than in a module per aspect, each building its own."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import stat
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from io import StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.utils import timezone

from careloop.accounts.models import StaffMember, User
from careloop.accounts.roles import Role
from careloop.demo.workspace import LOGIN_FILE_NAME
from careloop.events.models import Audit, BillingInquiry, Call, Message, Referral, SlotSnapshot, Visit
from careloop.journeys.models import Journey
from careloop.measures.models import Measurement
from careloop.surveys.models import Answer, Invitation, InvitationChannel, Response, VisitDecision
from careloop.surveys.tokens import find_invitation
from tests.conftest import BuiltDemo, demo_built_once, run_demo

NEW_YORK = ZoneInfo("America/New_York")
EVENT_MODELS: tuple[type[models.Model], ...] = (Visit, Call, Referral, Message, BillingInquiry, Audit, SlotSnapshot)
READY = re.compile(
    r"careloop demo practice ready: http://127\.0\.0\.1:8000/ — sign in as manager@demo\.careloop\.test / (\S+)\n"
)


# A Wednesday: the invitations' test below counts on the weekdays before it (see its comments).
DEMO_OPTIONS = ("--months", "1", "--today", "2025-03-19")


@pytest.fixture(scope="module")
def built(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltDemo]:
    """One `careloop demo --no-serve --months 1 --today 2025-03-19` for the tests that only read what it
    made (tests/conftest.py's demo_built_once: rolled back when the module ends)."""
    with demo_built_once(django_db_blocker, tmp_path_factory.mktemp("demo-home"), *DEMO_OPTIONS) as demo:
        yield demo


def printed_password(output: str) -> str:
    match = READY.search(output)
    assert match, output
    return match.group(1)


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in EVENT_MODELS}


def fingerprint() -> str:
    """A digest of every event row's fields (not the database's own ids)."""
    digest = hashlib.sha256()
    for model in EVENT_MODELS:
        fields = [f.attname for f in model._meta.fields if f.attname != "id"]
        for row in model._default_manager.order_by(*fields).values_list(*fields):
            digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.mark.backend_neutral  # the command line and its files, not the database
def test_it_builds_prints_the_sign_in_and_exits_with_no_serve(built: BuiltDemo, db: Any) -> None:
    output = built.output
    assert len(printed_password(output)) >= 12
    rows = counts()
    assert 1300 <= rows["Visit"] <= 2000 and 2000 <= rows["Call"] <= 3000
    assert all(n > 0 for n in rows.values()), rows
    # `init` ran first: the default journey is active, and its audit standards were observed.
    journey = Journey.objects.get(is_active=True)
    audit_keys = set(journey.standards.filter(kind="audit").values_list("key", flat=True))
    assert audit_keys and set(Audit.objects.values_list("standard", flat=True)) == audit_keys


@pytest.mark.backend_neutral  # the command line and its files, not the database
def test_it_signs_in_with_the_printed_password(built: BuiltDemo, db: Any) -> None:
    password = printed_password(built.output)
    client = Client()
    response = client.post("/login/", {"username": "manager@demo.careloop.test", "password": password})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email="manager@demo.careloop.test").pk)
    refused = Client().post("/login/", {"username": "staff@demo.careloop.test", "password": password + "x"})
    assert refused.status_code == 200
    staff = Client()
    assert staff.post("/login/", {"username": "staff@demo.careloop.test", "password": password}).status_code == 302


def test_it_makes_one_demo_user_per_role(built: BuiltDemo, db: Any) -> None:
    demo_users = User.objects.filter(email__endswith="@demo.careloop.test")
    roles = sorted(demo_users.values_list("role", flat=True))
    assert roles == sorted([Role.ADMIN, Role.MANAGER, Role.OWNER, Role.OWNER, Role.COMMITTEE, Role.STAFF])
    owners = StaffMember.objects.filter(user__role=Role.OWNER).values_list("key", flat=True)
    assert sorted(owners) == ["billing-lead", "front-desk-lead"]


def test_it_names_the_journeys_owners_and_keeps_their_titles(built: BuiltDemo, db: Any) -> None:
    manager = StaffMember.objects.get(key="practice-manager")
    assert (manager.name, manager.title, manager.nicknames) == ("Rosa Delgado", "Practice manager", ["Rosie"])
    assert manager.user is not None and manager.user.email == "manager@demo.careloop.test"
    providers = set(StaffMember.objects.filter(is_provider=True).values_list("key", flat=True))
    assert providers == {"dr-okafor", "dr-lindqvist", "dr-ramirez", "np-chen"}
    assert set(Visit.objects.values_list("provider", flat=True).distinct()) == providers
    assert StaffMember.objects.filter(is_provider=False).count() == 16


@pytest.mark.backend_neutral  # the command line and its files, not the database
def test_it_writes_the_login_file_for_its_owner_only(built: BuiltDemo, db: Any) -> None:
    password = printed_password(built.output)
    path = built.home / LOGIN_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert password in text and "http://127.0.0.1:8000/" in text
    for name in ("admin", "manager", "frontdesk", "billing", "committee", "staff"):
        assert f"{name}@demo.careloop.test" in text


def test_it_replaces_the_previous_demo_and_empties_its_mailbox_when_run_again(built: BuiltDemo, db: Any, home: Path) -> None:
    # The first run is the module's build (same options); the second runs in this test's workspace,
    # into which the first build's mailbox is copied: it is what a second build there finds (its rows
    # are already in the database).
    first_password = printed_password(built.output)
    first_counts, first_fingerprint = counts(), fingerprint()
    first_responses = Response.objects.count()
    shutil.copytree(built.home / "mail", home / "mail")
    first_mail = {p.name for p in (home / "mail").glob("*.log")}
    texts = (home / "mail" / "sms.jsonl").read_text(encoding="utf-8")

    second_password = printed_password(run_demo(*DEMO_OPTIONS))

    assert counts() == first_counts
    assert fingerprint() == first_fingerprint
    # The survey rows are replaced too: nothing is duplicated.
    assert Response.objects.count() == first_responses > 100
    assert User.objects.filter(email__endswith="@demo.careloop.test").count() == 6
    assert second_password != first_password
    manager = User.objects.get(email="manager@demo.careloop.test")
    assert manager.check_password(second_password) and not manager.check_password(first_password)
    # None of the first build's mail files are left (the file names carry the time they were written).
    second_mail = {p.name for p in (home / "mail").glob("*.log")}
    assert first_mail and second_mail and not first_mail & second_mail
    assert (home / "mail" / "sms.jsonl").read_text(encoding="utf-8").count("\n") == texts.count("\n")


@pytest.mark.backend_neutral  # the command line and its files, not the database
def test_it_builds_other_rows_from_another_seed_and_serves_on_the_host_and_port_given(
    built: BuiltDemo, db: Any, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same seed gives the same rows: test_it_replaces_the_previous_demo_and_empties_its_mailbox_when_run_again.
    # Seed 42 is the default, so the module's build is seed 42's. Without --no-serve the command serves
    # once it has built (the server itself: tests/core/test_serve.py).
    seed_42 = fingerprint()
    served: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        "careloop.demo.management.commands.demo.call_command",
        lambda name, **options: served.append((name, options)),
    )
    out = StringIO()
    call_command("demo", *DEMO_OPTIONS, "--seed", "43", "--host", "0.0.0.0", "--port", "8123", stdout=out)
    assert fingerprint() != seed_42
    assert served == [("serve", {"host": "0.0.0.0", "port": 8123})]
    assert "http://0.0.0.0:8123/" in out.getvalue()


def test_it_measures_every_operational_standard_so_the_map_is_coloured_at_once(built: BuiltDemo, db: Any) -> None:
    from careloop.journeys.models import Standard
    from careloop.measures.models import Measurement

    out = built.output
    assert re.search(r"Measured in [0-9.]+ s: [1-9][0-9,]* measurements\.\n", out)
    measured = set(Measurement.objects.values_list("standard__key", flat=True))
    operational = set(Standard.objects.exclude(kind="survey").values_list("key", flat=True))
    assert operational and operational <= measured


def test_it_measures_survey_standards_after_careloop_demo(built: BuiltDemo, db: Any) -> None:
    # (A rebuild replaces the survey rows too: test_it_replaces_the_previous_demo_and_empties_its_mailbox_when_run_again.)
    responses = Response.objects.count()
    assert responses > 100 and Answer.objects.filter(response__is_complete=True).exists()
    assert all(len(h) == 64 for h in Invitation.objects.values_list("token_hash", flat=True)[:50])
    for key in ("provider-communication", "provider-rating", "office-staff-courteous", "net-promoter-score"):
        week = Measurement.objects.filter(standard__key=key, standard__journey__is_active=True, period_kind="week", breakdown="")
        assert week.filter(n__gt=0).exists(), key
    communication = Measurement.objects.filter(standard__key="provider-communication", suppressed=False, breakdown="")
    assert communication.exists() and all(0.5 < (m.share or 0) <= 1 for m in communication)
    # NPS needs 50 answers (the default journey's min_n): a month of demo falls short, and says so.
    for nps in Measurement.objects.filter(standard__key="net-promoter-score"):
        assert nps.share is None
        assert (nps.mean is None) if nps.suppressed else (nps.mean is not None and -100 <= nps.mean <= 100)


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
