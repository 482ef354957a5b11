"""The answer page in real headless Chromium: completed with the keyboard alone, working with JavaScript
switched off, and free of WCAG 2.1 A/AA violations found by axe-core (shipped inside the
axe-playwright-python wheel, so nothing is fetched at run time); a survey answered in English and in
Spanish from invitation links, and the answers read back on the staff results and responses pages."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from careloop.surveys.models import Anonymity, InvitationChannel, Response
from tests.conftest import Cast
from tests.surveys.survey_links import expire, survey_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def tab_to(page: Any, selector: str, presses: int = 20) -> None:
    """Press Tab until the focused element matches `selector` (keyboard only: no clicks)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement !== null && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def assert_accessible(page: Any, what: str) -> None:
    results = Axe().run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


def test_it_can_be_answered_with_the_keyboard_alone(browser: Any, live_server: Any) -> None:
    link = survey_link("nps", patient_ref="P-7")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}{link.path()}")
    tab_to(page, "#item-likely-to-recommend-0")
    # Arrow keys move through a radio group and select as they go: 0 → 9.
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    assert page.locator("#item-likely-to-recommend-9").is_checked()
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/s/*/?page=1&lang=en")
    tab_to(page, "#comment")
    page.keyboard.type("Quick and kind.")
    tab_to(page, "input[name=anonymity]")
    page.keyboard.press("ArrowDown")  # anonymous → confidential
    page.keyboard.press("ArrowDown")  # → contact me
    tab_to(page, "#consent")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/thanks/?lang=en")
    assert page.locator("h1").inner_text() == "Thank you"
    response = Response.objects.get()
    assert response.is_complete and response.comment == "Quick and kind."
    assert response.anonymity == Anonymity.CONTACT and response.consent_to_contact
    assert response.answers.get().value == "9"
    context.close()


def test_it_works_with_javascript_switched_off(browser: Any, live_server: Any) -> None:
    link = survey_link("cg-cahps-visit")
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}{link.path()}?lang=es")
    assert page.locator("h1").inner_text() == "Cómo recibió atención"
    page.locator("label[for=item-cgcahps-urgent-needed-yes]").click()
    page.locator("label[for=item-cgcahps-routine-needed-no]").click()
    page.locator("label[for=item-cgcahps-question-phoned-no]").click()
    page.get_by_role("button", name="Siguiente").click()
    # Only the urgent follow-up applies.
    assert page.locator("fieldset").count() == 1
    assert page.locator("#progress").inner_text() == "Página 2 de 7"
    page.locator("label[for=item-cgcahps-appointment-urgent-always]").click()
    for _ in range(5):
        page.get_by_role("button", name="Siguiente").click()
    page.locator("label[for=anonymity-anonymous]").click()
    page.get_by_role("button", name="Enviar mis respuestas").click()
    assert page.locator("h1").inner_text() == "Gracias"
    response = Response.objects.get()
    assert response.is_complete and response.language == "es" and response.invitation is None
    assert dict(response.answers.values_list("item_key", "value"))["cgcahps-appointment-urgent"] == "always"
    context.close()


def test_it_passes_an_automated_wcag_21_aa_scan_on_every_kind_of_page(browser: Any, live_server: Any) -> None:
    link = survey_link("cg-cahps-visit")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    base = f"{live_server.url}{link.path()}"
    page.goto(base)
    assert_accessible(page, "first page")
    page.locator("label[for=item-cgcahps-urgent-needed-no]").click()
    page.get_by_role("button", name="Next").click()
    assert_accessible(page, "provider page")
    page.get_by_role("button", name="Next").click()
    assert page.locator("#item-cgcahps-provider-rating-10").count() == 1
    assert_accessible(page, "0-10 rating page")
    for _ in range(3):
        page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Send my answers").click()
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page, "closing page with an error summary")
    page.locator("label[for=anonymity-confidential]").click()
    page.get_by_role("button", name="Send my answers").click()
    assert_accessible(page, "thank-you page")
    page.goto(base)
    assert page.locator("h1").inner_text() == "This survey has already been answered"
    assert_accessible(page, "used link")
    other = survey_link("nps", patient_ref="P-8")
    expire(other)
    page.goto(f"{live_server.url}{other.path()}")
    assert_accessible(page, "expired link")
    page.goto(f"{live_server.url}/s/{'B' * 32}/")
    assert_accessible(page, "unknown link")
    # The scan is not vacuous: a planted image without alt text is reported.
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    planted = Axe().run(page, options=WCAG_21_AA)
    assert [v["id"] for v in planted.response["violations"]] == ["image-alt"]
    context.close()


def answer_nps(browser: Any, url: str, *, locale: str, rating: int, comment: str, anonymity: str, words: dict[str, str]) -> None:
    """A patient on a phone opens the invitation link and answers the NPS survey with the mouse."""
    context = browser.new_context(viewport=PHONE, locale=locale)
    page = context.new_page()
    page.goto(url)
    assert page.locator("legend").first.inner_text().startswith(words["question"])
    page.locator(f"label[for=item-likely-to-recommend-{rating}]").click()
    page.get_by_role("button", name=words["next"]).click()
    page.locator("#comment").fill(comment)
    page.locator(f"label[for=anonymity-{anonymity}]").click()
    page.get_by_role("button", name=words["send"]).click()
    assert page.locator("h1").inner_text() == words["thanks"]
    context.close()


def test_it_is_answered_in_english_and_in_spanish_and_the_answers_reach_the_results(
    browser: Any, live_server: Any, page_as: Any, cast: Cast, settings: Any
) -> None:
    # Two patients only: let the results show figures from n = 1 so the test can read them.
    settings.MIN_N_DEFAULT = 1
    english = survey_link("nps", patient_ref="P-en", channel=InvitationChannel.EMAIL, language="en")
    # The Spanish patient's contact record says Spanish; the phone itself asks for English.
    spanish = survey_link("nps", patient_ref="P-es", channel=InvitationChannel.SMS, language="es")
    answer_nps(
        browser, f"{live_server.url}{english.path()}", locale="en-US", rating=10, comment="Lovely nurses.", anonymity="confidential",
        words={"question": "How likely are you to recommend this practice", "next": "Next", "send": "Send my answers", "thanks": "Thank you"},
    )
    answer_nps(
        browser, f"{live_server.url}{spanish.path()}", locale="en-US", rating=6, comment="Esperé una hora.", anonymity="anonymous",
        words={"question": "¿Qué tan probable es que recomiende este consultorio", "next": "Siguiente", "send": "Enviar mis respuestas", "thanks": "Gracias"},
    )
    assert sorted(Response.objects.filter(is_complete=True).values_list("language", flat=True)) == ["en", "es"]

    page = page_as(cast.maria)
    page.goto(f"{live_server.url}/surveys/nps/?by=language")
    scores = page.locator("table.survey-results tbody tr").first.locator("td")
    # Whole practice: 1 promoter and 1 detractor of 2 = NPS 0; English alone 100, Spanish alone -100.
    assert [cell.inner_text().split(" ")[0] for cell in scores.all()] == ["0", "100", "-100"]
    assert page.locator("table.survey-results thead th").all_inner_texts() == ["Item or composite", "Whole practice", "en", "es"]
    counts = dict(zip(page.locator("#questions-heading ~ .distribution tbody th").all_inner_texts(), page.locator("#questions-heading ~ .distribution tbody td.num:nth-of-type(1)").all_inner_texts()))
    assert counts["10"] == "1" and counts["6"] == "1" and counts["9"] == "0"
    assert_accessible(page, "results page")
    page.goto(f"{live_server.url}/surveys/responses/")
    assert page.get_by_text("Lovely nurses.").is_visible() and page.get_by_text("Esperé una hora.").is_visible()
    assert_accessible(page, "responses list")
    page.get_by_text("Lovely nurses.").locator("xpath=..").locator("a").click()
    assert page.locator(".identity").get_by_text("P-en").is_visible()
    assert_accessible(page, "one response")
