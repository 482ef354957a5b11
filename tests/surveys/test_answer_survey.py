"""A patient answers a survey at /s/<token>/: pages, skip logic, partial answers, errors, languages,
completion exactly once, and the friendly pages for used, expired and unknown links."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from careloop.surveys.models import Anonymity, Answer, Response
from careloop.surveys.tokens import NewInvitation
from tests.surveys.survey_links import expire, make_visit, survey_link

pytestmark = pytest.mark.django_db

# cg-cahps-visit's pages: 0 getting care (screeners), 1 timely care (follow-ups), 2 your provider,
# 3 follow-up and rating, 4 office staff, 5 about you; step 6 is the closing page (comment, anonymity).
NO_SCREENERS = {"item-cgcahps-urgent-needed": "no", "item-cgcahps-routine-needed": "no", "item-cgcahps-question-phoned": "no"}


def post(client: Client, link: NewInvitation, page: int, data: dict[str, str], lang: str = "en") -> Any:
    return client.post(link.path(), {"page": str(page), "lang": lang, **data})


def finish_nps(client: Client, link: NewInvitation, rating: str = "9", **closing: str) -> Any:
    post(client, link, 0, {"item-likely-to-recommend": rating})
    return post(client, link, 1, {"anonymity": "confidential", **closing})


def test_it_shows_the_first_page_without_starting_a_response() -> None:
    link = survey_link()
    page = Client().get(link.path())
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Getting care</h1>" in html
    assert html.count("<fieldset") == 3 and html.count("<legend") == 3
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'for="item-cgcahps-urgent-needed-yes"' in html
    # Pages 0, 2, 3, 4, 5 and the closing page: the follow-ups (page 1) appear only after a "yes".
    assert "Page 1 of 6" in html
    assert "<script" not in html
    # Link previews and scanners open links too: nothing is stored until a page is sent.
    assert Response.objects.count() == 0


def test_it_keeps_partial_answers_and_skips_pages_whose_questions_do_not_apply() -> None:
    link = survey_link()
    client = Client()
    sent = post(client, link, 0, NO_SCREENERS)
    # No screener was "yes", so the timely-care page (1) is skipped.
    assert sent.status_code == 303
    assert sent["Location"] == f"{link.path()}?page=2&lang=en"
    response = Response.objects.get(invitation=link.invitation)
    assert not response.is_complete
    assert dict(response.answers.values_list("item_key", "value")) == {
        "cgcahps-urgent-needed": "no",
        "cgcahps-routine-needed": "no",
        "cgcahps-question-phoned": "no",
    }
    page = client.get(sent["Location"]).content.decode()
    # Steps now: 0, 2, 3, 4, 5 and the closing page = 6 steps; page 2 is the second.
    assert "Page 2 of 6" in page and "<h1>Your provider at this visit</h1>" in page
    # Coming back later with the bare link resumes where the patient stopped.
    assert "<h1>Your provider at this visit</h1>" in Client().get(link.path()).content.decode()


def test_it_asks_only_the_follow_up_questions_that_apply() -> None:
    link = survey_link()
    client = Client()
    post(client, link, 0, {**NO_SCREENERS, "item-cgcahps-urgent-needed": "yes"})
    page = client.get(f"{link.path()}?page=1").content.decode()
    assert "item-cgcahps-appointment-urgent" in page
    assert "item-cgcahps-appointment-routine" not in page and "item-cgcahps-question-same-day" not in page
    post(client, link, 1, {"item-cgcahps-appointment-urgent": "usually"})
    answer = Answer.objects.get(item_key="cgcahps-appointment-urgent")
    # Never/sometimes/usually/always = 0/33.3/66.7/100; top box is "always".
    assert (answer.value, answer.top_box) == ("usually", False)
    assert answer.score_100 == pytest.approx(200 / 3)
    # The patient goes back and says they did not need urgent care: the follow-up answer goes too.
    post(client, link, 0, NO_SCREENERS)
    assert not Answer.objects.filter(item_key="cgcahps-appointment-urgent").exists()


def test_it_stores_top_box_and_linear_scores_with_each_answer() -> None:
    link = survey_link()
    client = Client()
    post(client, link, 0, NO_SCREENERS)
    post(client, link, 2, {"item-cgcahps-provider-explains": "yes-definitely", "item-cgcahps-provider-listens": "yes-somewhat", "item-cgcahps-test-ordered": "yes"})
    post(client, link, 3, {"item-cgcahps-test-results": "no", "item-cgcahps-provider-rating": "9"})
    scored = {a.item_key: (a.top_box, a.score_100) for a in Answer.objects.all()}
    assert scored["cgcahps-provider-explains"] == (True, 100.0)
    assert scored["cgcahps-provider-listens"] == (False, 50.0)  # middle of 3
    assert scored["cgcahps-test-results"] == (False, 0.0)
    assert scored["cgcahps-provider-rating"] == (True, 90.0)
    # Screeners route the patient; they are not ratings.
    assert scored["cgcahps-test-ordered"] == (None, None)


def test_it_shows_an_error_summary_for_a_required_question_and_saves_nothing() -> None:
    link = survey_link("nps", patient_ref="P-7")
    page = post(Client(), link, 0, {})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="error-summary" role="alert"' in html
    assert 'href="#item-likely-to-recommend-0"' in html
    assert 'id="item-likely-to-recommend-0"' in html
    assert "<title>There is a problem:" in html
    assert Response.objects.count() == 0


def test_it_refuses_an_answer_that_is_not_one_of_the_choices() -> None:
    link = survey_link("nps", patient_ref="P-7")
    html = post(Client(), link, 0, {"item-likely-to-recommend": "11"}).content.decode()
    assert "Choose one of the answers listed" in html
    assert not Answer.objects.exists()


def test_it_completes_once_and_a_second_submit_sees_the_thank_you_page() -> None:
    link = survey_link("nps", patient_ref="P-7")
    client = Client()
    done = finish_nps(client, link, comment="The nurse was kind.")
    assert done.status_code == 303 and done["Location"] == f"{link.path()}thanks/?lang=en"
    assert client.get(done["Location"]).status_code == 200
    link.invitation.refresh_from_db()
    assert link.invitation.used_at is not None
    response = Response.objects.get()
    assert response.is_complete and response.comment == "The nurse was kind."
    assert response.invitation == link.invitation and response.anonymity == Anonymity.CONFIDENTIAL
    again = post(client, link, 1, {"anonymity": "contact", "consent": "yes", "comment": "twice"})
    assert again.status_code == 200 and "Thank you" in again.content.decode()
    response.refresh_from_db()
    assert Response.objects.count() == 1 and response.comment == "The nurse was kind."
    # A later visit to the link is told, kindly, that it has been used.
    used = Client().get(link.path())
    assert used.status_code == 410 and "already been answered" in used.content.decode()


def test_it_shows_the_same_friendly_page_for_expired_and_unknown_links() -> None:
    link = survey_link("nps", patient_ref="P-7")
    expire(link)
    expired = Client().get(link.path())
    assert expired.status_code == 410 and "This survey link has expired" in expired.content.decode()
    assert post(Client(), link, 0, {"item-likely-to-recommend": "9"}).status_code == 410
    assert not Answer.objects.exists()
    for token in ("A" * 32, "not-a-token", "x" * 200):
        unknown = Client().get(f"/s/{token}/")
        assert unknown.status_code == 404
        html = unknown.content.decode()
        assert "We could not find this survey" in html and 'class="notice' in html


def test_it_cuts_an_anonymous_response_loose_from_the_visit_and_the_patient() -> None:
    link = survey_link("nps", visit=make_visit("V-9"))
    client = Client()
    post(client, link, 0, {"item-likely-to-recommend": "3"})
    assert Response.objects.get().invitation == link.invitation
    post(client, link, 1, {"anonymity": "anonymous", "consent": "yes"})
    response = Response.objects.get()
    assert response.invitation is None
    assert response.is_complete and not response.consent_to_contact
    # Breakdown fields stay; times are kept to the day only.
    assert (response.provider, response.location) == ("dr-okafor", "main-street")
    assert response.completed_at is not None
    local = timezone.localtime(response.completed_at)
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    link.invitation.refresh_from_db()
    assert link.invitation.used_at == response.completed_at
    assert Client().get(link.path()).status_code == 410


def test_it_asks_for_consent_before_anyone_may_make_contact() -> None:
    link = survey_link("nps", patient_ref="P-7")
    client = Client()
    post(client, link, 0, {"item-likely-to-recommend": "2"})
    refused = post(client, link, 1, {"anonymity": "contact"})
    assert refused.status_code == 200
    assert 'href="#consent"' in refused.content.decode()
    assert not Response.objects.get().is_complete
    post(client, link, 1, {"anonymity": "contact", "consent": "yes"})
    response = Response.objects.get()
    assert response.is_complete and response.anonymity == Anonymity.CONTACT and response.consent_to_contact


def test_it_requires_an_anonymity_choice() -> None:
    link = survey_link("nps", patient_ref="P-7")
    client = Client()
    post(client, link, 0, {"item-likely-to-recommend": "10"})
    html = post(client, link, 1, {"comment": "ok"}).content.decode()
    assert 'href="#anonymity-anonymous"' in html and "Choose how we may use your answers." in html
    assert "ok</textarea>" in html  # the comment is kept


def test_it_never_opens_a_page_beyond_the_furthest_one_reached() -> None:
    link = survey_link("nps", patient_ref="P-7")
    client = Client()
    assert "<h1>Recommending the practice</h1>" in client.get(f"{link.path()}?page=1").content.decode()
    skipped = post(client, link, 1, {"anonymity": "anonymous"})
    assert skipped.status_code == 303 and "page=0" in skipped["Location"]
    link.invitation.refresh_from_db()
    assert link.invitation.used_at is None


@pytest.mark.parametrize(
    ("query", "header", "invitation_language", "expected"),
    [
        ("?lang=es", "", "", "es"),
        ("", "es-MX,es;q=0.9,en;q=0.5", "", "es"),
        ("", "fr-FR, de;q=0.8", "", "en"),
        ("", "en-US", "es", "es"),
        ("?lang=en", "", "es", "en"),
    ],
)
def test_it_speaks_the_patients_language(query: str, header: str, invitation_language: str, expected: str) -> None:
    link = survey_link("nps", patient_ref="P-7", language=invitation_language)
    html = Client().get(link.path() + query, HTTP_ACCEPT_LANGUAGE=header).content.decode()
    assert f'<html lang="{expected}">' in html
    heading = {"en": "Recommending the practice", "es": "Recomendar el consultorio"}[expected]
    assert f"<h1>{heading}</h1>" in html


def test_it_keeps_the_language_chosen_through_the_survey() -> None:
    link = survey_link("nps", patient_ref="P-7")
    client = Client()
    post(client, link, 0, {"item-likely-to-recommend": "8"}, lang="es")
    html = client.get(link.path()).content.decode()
    assert "Enviar mis respuestas" in html and "¿Cómo podemos usar sus respuestas?" in html
    post(client, link, 1, {"anonymity": "confidential"}, lang="es")
    assert Response.objects.get().language == "es"


def test_it_asks_a_touchpoint_pulse_only_about_its_touchpoint() -> None:
    link = survey_link("touchpoint-pulse", patient_ref="P-7", touchpoint="billing")
    html = Client().get(link.path()).content.decode()
    assert "item-billing-statement-clear" in html
    assert "item-website-easy" not in html and "item-online-booking-easy" not in html


def test_it_keeps_a_staff_pulse_anonymous_without_asking() -> None:
    link = survey_link("staff-pulse")
    client = Client()
    post(client, link, 0, {"item-staff-recommend-care": "6", "item-staff-main-barrier": "systems"})
    html = client.get(link.path()).content.decode()
    assert 'name="anonymity"' not in html and "Your answers are anonymous." in html
    post(client, link, 1, {"comment": "More phone lines."})
    response = Response.objects.get()
    assert response.anonymity == Anonymity.ANONYMOUS and response.invitation is None


def test_it_keeps_csrf_protection_on_the_public_form() -> None:
    link = survey_link("nps", patient_ref="P-7")
    client = Client(enforce_csrf_checks=True)
    assert client.post(link.path(), {"page": "0", "item-likely-to-recommend": "9"}).status_code == 403
    form = client.get(link.path()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token is not None
    sent = client.post(link.path(), {"page": "0", "lang": "en", "item-likely-to-recommend": "9", "csrfmiddlewaretoken": token.group(1)})
    assert sent.status_code == 303


def test_it_answers_only_get_and_post() -> None:
    link = survey_link("nps", patient_ref="P-7")
    assert Client().put(link.path()).status_code == 405
