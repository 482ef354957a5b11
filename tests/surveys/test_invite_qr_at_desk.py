"""The check-out desk's QR code: an SVG of the visit's one survey link, for staff who may see patient
events, audited; one token per visit whatever the channel; refused for opted-out or recently
invited patients; never with inline styles (strict CSP)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from careloop.accounts.models import AuditEntry
from careloop.surveys.invitations import invitation_token, opt_out, plan_invitation
from careloop.surveys.models import Invitation
from careloop.surveys.qr import qr_svg
from tests.conftest import Cast, client_for
from tests.surveys.invite_cases import completed_visit, contact, visit_survey

pytestmark = pytest.mark.django_db
URL = "/surveys/visits/V-1/qr/"


@pytest.fixture(autouse=True)
def public_url(settings: Any) -> None:
    settings.PUBLIC_URL = "https://survey.example.org"


def test_it_shows_a_qr_code_of_a_new_single_use_link_and_audits_the_read(cast: Cast) -> None:
    visit_survey()
    completed_visit(checkout=timezone.now() - timedelta(minutes=5))
    response = client_for(cast.fran).get(URL)
    assert response.status_code == 200
    invitation = Invitation.objects.get(visit_id="V-1")
    assert invitation.channel == "qr" and invitation.send_after is None
    link = f"https://survey.example.org/s/{invitation_token(invitation)}/"
    html = response.content.decode()
    assert link in html
    assert '<svg width="246" height="246" class="qr-code">' in html and not re.search(r"\sstyle\s*=", html)
    entry = AuditEntry.objects.get(record_kind="survey_invitation")
    assert (entry.user, entry.record_id, entry.patient_ref, entry.path) == (cast.fran, "V-1", "P-1", URL)
    # Opening the page again shows the same link: one token per visit.
    client_for(cast.fran).get(URL)
    assert Invitation.objects.count() == 1


def test_it_shows_the_link_already_emailed_for_the_visit(cast: Cast) -> None:
    contact()
    plan_invitation(completed_visit(checkout=timezone.now() - timedelta(minutes=5)), visit_survey())
    emailed = Invitation.objects.get()
    html = client_for(cast.maria).get(URL).content.decode()
    assert invitation_token(emailed) in html and Invitation.objects.count() == 1


def test_it_draws_the_link_as_a_qr_code_svg() -> None:
    svg = qr_svg("https://survey.example.org/s/abcdefghijklmnopqrstuvwxyz012345/")
    # A 57-character link at error level M needs version 4: 33 modules + 2 x 4 quiet zone = 41, x 6 px.
    assert svg.startswith('<svg width="246" height="246" class="qr-code">')
    assert 'stroke="#000"' in svg and "<script" not in svg


@pytest.mark.parametrize("why", ["opted out", "invited lately"])
def test_it_refuses_a_patient_who_opted_out_or_was_invited_lately(cast: Cast, why: str) -> None:
    version = visit_survey()
    if why == "opted out":
        opt_out("P-1", "link")
        expected = "this patient opted out of surveys"
    else:
        completed_visit("V-0", "P-1", checkout=timezone.now() - timedelta(days=10))
        Invitation.objects.create(token_hash="x" * 64, instrument_version=version, visit_id="V-0", patient_ref="P-1", expires_at=timezone.now() + timedelta(days=4), created_at=timezone.now() - timedelta(days=10))
        expected = "this patient was invited less than 30 days ago"
    completed_visit(checkout=timezone.now() - timedelta(minutes=5))
    response = client_for(cast.maria).get(URL)
    assert response.status_code == 200
    assert expected in response.content.decode() and "<svg" not in response.content.decode()
    assert not Invitation.objects.filter(visit_id="V-1").exists()


def test_it_refuses_a_visit_that_was_not_completed(cast: Cast) -> None:
    visit_survey()
    completed_visit(status="no-show")
    html = client_for(cast.maria).get(URL).content.decode()
    assert "only completed visits are surveyed" in html and "<svg" not in html


def test_it_hides_the_page_from_roles_without_patient_access(cast: Cast) -> None:
    visit_survey()
    completed_visit(checkout=timezone.now())
    for person in (cast.ada, cast.cora, cast.sam):
        assert client_for(person).get(URL).status_code == 404
    assert client_for(None).get(URL).status_code == 302
    assert client_for(cast.maria).post(URL).status_code == 405
    assert client_for(cast.maria).get("/surveys/visits/no-such-visit/qr/").status_code == 404
    assert not Invitation.objects.exists()
