"""The explorer in real headless Chromium: filter by a theme and see exactly its comments, correct a label
with JavaScript switched off, and no WCAG 2.1 A/AA violation found by axe-core (explorer and empathy map)."""

from __future__ import annotations

from datetime import datetime, timezone as dt_timezone
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from careloop.feedback.models import LabelCorrection
from tests.conftest import Cast
from tests.feedback.explorer_cases import analysed_comment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
WHEN = datetime(2026, 5, 4, 10, 0, tzinfo=dt_timezone.utc)


def assert_accessible(page: Any, what: str) -> None:
    results = Axe().run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


@pytest.fixture
def comments(default_journey: Any) -> None:
    analysed_comment("Waited an hour past my appointment.", when=WHEN, touchpoints=["waiting-room"],
                     themes=["timeliness"], sentiment=2)
    analysed_comment("The bill was wrong, call me on 555-010-3344.", when=WHEN, touchpoints=["billing"],
                     themes=["cost_billing"], sentiment=1)
    analysed_comment("Grace Lee at the desk was lovely.", when=WHEN, touchpoints=["check-in"],
                     themes=["staff_attitude"], sentiment=5)
    analysed_comment("Nobody told us the doctor was running late.", when=WHEN, touchpoints=["waiting-room"],
                     themes=["timeliness", "communication"], sentiment=2)


def comment_texts(page: Any) -> list[str]:
    return [t.strip() for t in page.locator(".feedback-comment blockquote").all_inner_texts()]


def test_it_filters_by_a_theme_in_the_browser(page_as: Any, live_server: Any, cast: Cast, comments: None) -> None:
    page = page_as(cast.cora)
    page.goto(f"{live_server.url}/feedback/")
    assert len(comment_texts(page)) == 4
    assert_accessible(page, "explorer")
    page.select_option("#id_theme", "timeliness")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/feedback/?*theme=timeliness*")
    assert sorted(comment_texts(page)) == [
        "Nobody told us the doctor was running late.",
        "Waited an hour past my appointment.",
    ]
    assert page.locator("#comment-total").inner_text() == "2 comments match these filters."
    # The theme counts follow the filter, and a bar's link filters too.
    page.locator("#touchpoints-counts a", has_text="Waiting room").click()
    page.wait_for_url("**touchpoint=waiting-room*")
    assert len(comment_texts(page)) == 2


def test_it_corrects_a_label_without_javascript(browser: Any, live_server: Any, cast: Cast, comments: None) -> None:
    from tests.conftest import PASSWORD

    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", cast.cora.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/feedback/?theme=cost_billing")
    assert comment_texts(page) == ["The bill was wrong, call me on [PHONE]."]
    page.locator("details.feedback-correct summary").click()
    page.locator("details.feedback-correct label", has_text="Communication and information").click()
    page.get_by_role("button", name="Save the correction").click()
    page.wait_for_url("**/feedback/?theme=cost_billing")
    assert "Correction saved (themes)" in page.locator(".message").inner_text()
    assert LabelCorrection.objects.get().value == ["communication", "cost_billing"]
    context.close()


def test_the_empathy_map_is_accessible(page_as: Any, live_server: Any, cast: Cast, comments: None) -> None:
    page = page_as(cast.maria)
    page.goto(f"{live_server.url}/feedback/empathy-map/")
    assert page.locator("h2", has_text="Waiting room").count() == 1
    assert_accessible(page, "empathy map")
