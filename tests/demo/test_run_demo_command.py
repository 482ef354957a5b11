"""`careloop demo`: builds the practice into the database, prints how to sign in, and serves unless told not to."""

from __future__ import annotations

import hashlib
import re
import stat
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import models
from django.test import Client

from careloop.accounts.models import StaffMember, User
from careloop.accounts.roles import Role
from careloop.demo.workspace import LOGIN_FILE_NAME
from careloop.events.models import Audit, BillingInquiry, Call, Message, Referral, SlotSnapshot, Visit
from careloop.journeys.models import Journey
from tests.conftest import BuiltDemo, demo_built_once, run_demo

EVENT_MODELS: tuple[type[models.Model], ...] = (Visit, Call, Referral, Message, BillingInquiry, Audit, SlotSnapshot)
READY = re.compile(
    r"careloop demo practice ready: http://127\.0\.0\.1:8000/ — sign in as manager@demo\.careloop\.test / (\S+)\n"
)


DEMO_OPTIONS = ("--months", "1", "--today", "2025-03-17")


@pytest.fixture(scope="module")
def built(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltDemo]:
    """One `careloop demo --no-serve --months 1 --today 2025-03-17` for the tests that only read what it
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


def test_it_replaces_the_previous_demo_when_run_again(built: BuiltDemo, db: Any, home: Path) -> None:
    # The first run is the module's build (same options); the second runs in this test's workspace.
    first_password = printed_password(built.output)
    first_counts, first_fingerprint = counts(), fingerprint()
    second_password = printed_password(run_demo(*DEMO_OPTIONS))
    assert counts() == first_counts
    assert fingerprint() == first_fingerprint
    assert User.objects.filter(email__endswith="@demo.careloop.test").count() == 6
    assert second_password != first_password
    manager = User.objects.get(email="manager@demo.careloop.test")
    assert manager.check_password(second_password) and not manager.check_password(first_password)


@pytest.mark.backend_neutral  # the command line and its files, not the database
def test_it_builds_other_rows_from_another_seed(built: BuiltDemo, db: Any, home: Path) -> None:
    # The same seed gives the same rows: test_it_replaces_the_previous_demo_when_run_again.
    # Seed 42 is the default, so the module's build is seed 42's.
    seed_42 = fingerprint()
    run_demo(*DEMO_OPTIONS, "--seed", "43")
    assert fingerprint() != seed_42


@pytest.mark.backend_neutral  # the command line and its files, not the database
def test_it_serves_on_the_host_and_port_given_unless_told_not_to(
    db: Any, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        "careloop.demo.management.commands.demo.call_command",
        lambda name, **options: served.append((name, options)),
    )
    out = StringIO()
    call_command("demo", "--months", "1", "--today", "2025-03-17", "--host", "0.0.0.0", "--port", "8123", stdout=out)
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
