"""People who follow patients up (can_view_responses: managers and touchpoint owners) list complete
responses with filters at /surveys/responses/ and open one at /surveys/responses/<id>/: identity only
for confidential and "contact me" responses, every opening audited, 404 alike for no right and not found."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from careloop.accounts.models import AuditEntry
from careloop.surveys.models import Anonymity, Response
from tests.conftest import Cast, client_for
from tests.surveys.answered_responses import answered, at, nps_answers
from tests.surveys.survey_links import survey_link

pytestmark = pytest.mark.django_db


def listed(html: str) -> int:
    return html.count('<th scope="row"><a href="/surveys/responses/')


def test_it_lists_complete_responses_newest_first_for_managers_and_owners(cast: Cast) -> None:
    first = answered("nps", {"likely-to-recommend": "9"}, completed_at=at(2025, 1, 10), comment="Kind nurse.")
    second = answered("nps", {"likely-to-recommend": "4"}, completed_at=at(2025, 2, 10))
    answered("nps", {"likely-to-recommend": "10"}, completed_at=at(2025, 2, 11), complete=False)
    for person in (cast.maria, cast.fran, cast.bill):
        page = client_for(person).get("/surveys/responses/")
        assert page.status_code == 200
    html = client_for(cast.fran).get("/surveys/responses/").content.decode()
    assert listed(html) == 2
    assert html.index(str(second.external_id)) < html.index(str(first.external_id))
    assert "9 <span class=\"muted\">promoter</span>" in html and "4 <span class=\"muted\">detractor</span>" in html
    assert "Kind nurse." in html


def test_it_is_hidden_from_people_without_the_right(cast: Cast) -> None:
    response = answered("nps", {"likely-to-recommend": "9"}, completed_at=at(2025, 1, 10))
    for person in (cast.ada, cast.cora, cast.sam):
        assert client_for(person).get("/surveys/responses/").status_code == 404
        assert client_for(person).get(f"/surveys/responses/{response.external_id}/").status_code == 404
    assert Client().get("/surveys/responses/")["Location"].startswith("/login/")
    assert not AuditEntry.objects.exists()
    nav = client_for(cast.sam).get("/surveys/").content.decode()
    assert 'href="/surveys/responses/"' not in nav
    assert 'href="/surveys/responses/"' in client_for(cast.fran).get("/surveys/").content.decode()


def test_it_filters_by_date_provider_touchpoint_score_comment_and_language(cast: Cast) -> None:
    answered("nps", {"likely-to-recommend": "10"}, completed_at=at(2025, 1, 10), provider="dr-okafor", comment="Great")
    answered("nps", {"likely-to-recommend": "7"}, completed_at=at(2025, 2, 10), provider="np-chen", language="es")
    answered("nps", {"likely-to-recommend": "2"}, completed_at=at(2025, 3, 10), provider="np-chen", comment="Waited long")
    answered("touchpoint-pulse", {}, completed_at=at(2025, 3, 12), provider="", touchpoint="billing")
    maria = client_for(cast.maria)

    def count(query: str) -> int:
        page = maria.get(f"/surveys/responses/?{query}")
        assert page.status_code == 200, page.content.decode()
        return listed(page.content.decode())

    assert count("") == 4
    assert count("start=2025-02-01&end=2025-03-10") == 2
    assert count("provider=np-chen") == 2
    assert count("touchpoint=billing") == 1
    assert count("score=promoter") == 1
    assert count("score=passive") == 1
    assert count("score=detractor") == 1
    assert count("comment=yes") == 2
    assert count("comment=no") == 2
    assert count("language=es") == 1
    assert count("instrument=touchpoint-pulse") == 1
    assert count("provider=np-chen&comment=yes&score=detractor") == 1


def test_it_refuses_filters_that_do_not_exist(cast: Cast) -> None:
    answered("nps", {"likely-to-recommend": "10"}, completed_at=at(2025, 1, 10))
    page = client_for(cast.maria).get("/surveys/responses/?provider=dr-nobody&score=excellent&start=2025-13-01")
    assert page.status_code == 400
    html = page.content.decode()
    assert "Select a valid choice. dr-nobody is not one of the available choices." in html
    assert "Select a valid choice. excellent is not one of the available choices." in html
    assert "Enter a valid date." in html
    assert listed(html) == 0


def test_it_pages_through_many_responses(cast: Cast) -> None:
    nps_answers([8] * 51, at(2025, 1, 10))
    first = client_for(cast.maria).get("/surveys/responses/?provider=dr-okafor").content.decode()
    assert listed(first) == 50 and "Page 1 of 2" in first
    assert 'href="?provider=dr-okafor&amp;page=2" rel="next"' in first
    second = client_for(cast.maria).get("/surveys/responses/?provider=dr-okafor&page=2").content.decode()
    assert listed(second) == 1


def test_it_shows_a_confidential_response_with_who_answered_and_audits_the_read(cast: Cast) -> None:
    link = survey_link("cg-cahps-visit")
    response = answered(
        "cg-cahps-visit",
        {"cgcahps-provider-explains": "yes-definitely", "cgcahps-provider-rating": "8"},
        completed_at=at(2025, 1, 10),
        invitation=link.invitation,
        anonymity=Anonymity.CONTACT,
        comment="Please call me about the bill.",
    )
    page = client_for(cast.fran).get(f"/surveys/responses/{response.external_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<dt>Patient reference</dt><dd>P-V-1</dd>" in html and "<dt>Visit</dt><dd>V-1</dd>" in html
    assert "<td>Yes, definitely</td>" in html and "<td>8</td>" in html
    assert "Please call me about the bill." in html
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.action, entry.record_kind, entry.record_id) == (cast.fran, "read", "survey_response", str(response.external_id))
    assert entry.patient_ref == "P-V-1" and entry.fields == ["patient_ref", "visit"]


def test_it_never_shows_who_answered_an_anonymous_response(cast: Cast) -> None:
    link = survey_link("nps", patient_ref="P-secret")
    # Even if a link to the invitation were left behind, an anonymous response shows no identity.
    response = answered(
        "nps", {"likely-to-recommend": "3"}, completed_at=at(2025, 1, 10), invitation=link.invitation, anonymity=Anonymity.ANONYMOUS
    )
    html = client_for(cast.maria).get(f"/surveys/responses/{response.external_id}/").content.decode()
    assert "P-secret" not in html and "Patient reference" not in html
    assert "Anonymous: careloop does not keep who answered" in html
    entry = AuditEntry.objects.get()
    assert entry.patient_ref == "" and entry.fields == []


def test_it_answers_404_alike_for_unknown_and_unfinished_responses(cast: Cast) -> None:
    unfinished = answered("nps", {"likely-to-recommend": "3"}, completed_at=at(2025, 1, 10), complete=False)
    maria = client_for(cast.maria)
    assert maria.get(f"/surveys/responses/{uuid.uuid4()}/").status_code == 404
    assert maria.get(f"/surveys/responses/{unfinished.external_id}/").status_code == 404
    assert maria.get("/surveys/responses/not-a-uuid/").status_code == 404
    assert maria.post("/surveys/responses/").status_code == 405
    assert not AuditEntry.objects.exists()


def test_it_shows_comments_escaped_never_as_markup(cast: Cast) -> None:
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = answered("nps", {"likely-to-recommend": "3"}, completed_at=at(2025, 1, 10), comment=attack)
    for url in ("/surveys/responses/", f"/surveys/responses/{response.external_id}/"):
        html = client_for(cast.maria).get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert Response.objects.get().comment == attack
