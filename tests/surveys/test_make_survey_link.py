"""Making a survey link: `careloop manage survey_link VISIT_ID`, single-use tokens stored only as hashes."""

from __future__ import annotations

import hashlib
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from careloop.surveys.models import Invitation
from careloop.surveys.tokens import hash_token
from tests.surveys.survey_links import make_visit

pytestmark = pytest.mark.django_db


def make_link(*args: str) -> str:
    out = StringIO()
    call_command("survey_link", *args, stdout=out)
    return out.getvalue().strip()


def test_it_prints_a_link_for_a_completed_visit_that_opens_the_survey() -> None:
    make_visit("V-100", provider="np-chen")
    link = make_link("V-100", "--base-url", "https://survey.example.org/")
    match = re.fullmatch(r"https://survey\.example\.org/s/([A-Za-z0-9_-]{32})/", link)
    assert match is not None
    token = match.group(1)
    invitation = Invitation.objects.get()
    assert (invitation.visit_id, invitation.patient_ref, invitation.provider) == ("V-100", "P-V-100", "np-chen")
    assert invitation.instrument_version.instrument.key == "cg-cahps-visit"
    assert (invitation.expires_at - invitation.created_at).days == 14
    # Only the SHA-256 of the token is stored, never the token.
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest() == hash_token(token)
    assert token not in str(Invitation.objects.values().get())
    assert Client().get(f"/s/{token}/").status_code == 200


def test_it_makes_a_different_unguessable_token_every_time() -> None:
    make_visit("V-100")
    links = {make_link("V-100") for _ in range(5)}
    assert len(links) == 5
    assert Invitation.objects.count() == 5


def test_it_refuses_visits_that_did_not_happen_and_unknown_ones() -> None:
    make_visit("V-200", status="no-show")
    with pytest.raises(CommandError, match="visit V-200 is no-show: only completed visits are surveyed"):
        make_link("V-200")
    with pytest.raises(CommandError, match="no visit has the id 'V-404'"):
        make_link("V-404")
    with pytest.raises(CommandError, match="cg-cahps-visit is a patient survey: give a visit or a patient reference"):
        make_link()
    with pytest.raises(CommandError, match="no instrument has the key 'nope'"):
        make_link("--instrument", "nope")
    assert Invitation.objects.count() == 0


def test_it_makes_links_for_a_patient_a_touchpoint_and_the_staff_pulse() -> None:
    make_link("--instrument", "touchpoint-pulse", "--patient", "P-5", "--touchpoint", "billing", "--language", "es", "--channel", "sms", "--days", "3")
    pulse = Invitation.objects.get()
    assert (pulse.patient_ref, pulse.touchpoint, pulse.language, pulse.channel) == ("P-5", "billing", "es", "sms")
    assert (pulse.expires_at - pulse.created_at).days == 3
    make_link("--instrument", "staff-pulse")
    assert Invitation.objects.filter(patient_ref="").count() == 1
    with pytest.raises(CommandError, match="not 'fr'"):
        make_link("--instrument", "nps", "--patient", "P-5", "--language", "fr")
