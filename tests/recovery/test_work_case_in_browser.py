"""One case from opening to resolution in real headless Chromium, by keyboard: staff log a complaint
at the desk, the owner finds it in their inbox, logs the call, resolves it, records the patient's answer.
No console errors (the strict CSP would report any inline script or style)."""

from __future__ import annotations

from typing import Any

import pytest

from careloop.recovery.models import Case, Status
from tests.conftest import Cast
from tests.recovery.cases import make_journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in {"error", "warning"} else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    return problems


def test_it_walks_one_case_from_opening_to_resolution(page_as: Any, live_server: Any, cast: Cast) -> None:
    make_journey()
    desk = page_as(cast.sam)
    problems = _watch(desk)
    desk.goto(f"{live_server.url}/")
    desk.get_by_role("link", name="Log a complaint").click()
    desk.fill("#id_patient_ref", "P-5001")
    desk.select_option("#id_touchpoint", "check-in")
    desk.fill("#id_what_happened", "Waited at the desk for 20 minutes while staff chatted")
    desk.press("#id_what_happened", "Enter")
    desk.wait_for_load_state("networkidle")
    assert "Complaint logged; Fran Frontdesk will follow it up." in desk.content()
    case = Case.objects.get()

    owner = page_as(cast.fran)
    problems += _watch(owner)
    owner.goto(f"{live_server.url}/cases/")
    row = owner.get_by_role("link", name="Complaint: Waited at the desk for 20 minutes while staff chatted")
    row.focus()
    owner.keyboard.press("Enter")
    owner.wait_for_url(f"**/cases/{case.external_id}/")
    assert "What to say (HEARD)" in owner.content()

    owner.get_by_role("link", name="Log a contact").focus()
    owner.keyboard.press("Enter")
    owner.wait_for_url("**/contact/")
    owner.select_option("#id_method", "phone")
    owner.select_option("#id_outcome", "reached")
    owner.fill("#id_said", "Listened, apologised, offered a priority slot next visit.")
    owner.get_by_role("button", name="Log a contact").press("Enter")
    owner.wait_for_url(f"**/cases/{case.external_id}/")
    assert owner.locator("#case-status").inner_text() == "Contacted"

    owner.get_by_role("link", name="Resolve").focus()
    owner.keyboard.press("Enter")
    owner.wait_for_url("**/resolve/")
    owner.get_by_label("Apology").focus()
    owner.keyboard.press("Space")
    owner.select_option("#id_cause_category", "people")
    owner.get_by_label("This patient only").check()
    owner.get_by_role("button", name="Resolve the case").press("Enter")
    owner.wait_for_url(f"**/cases/{case.external_id}/")
    assert owner.locator("#case-status").inner_text() == "Resolved"

    owner.get_by_role("link", name="Record the patient's answer").click()
    owner.get_by_label("Yes").check()
    owner.get_by_role("button", name="The patient's answer").click()
    owner.wait_for_url(f"**/cases/{case.external_id}/")

    case.refresh_from_db()
    assert (case.status, case.recovery_offered, case.cause_category, case.fix_level, case.close_loop_answer) == (
        Status.RESOLVED, ["apology"], "people", "this_patient", "yes"
    )
    assert problems == []
