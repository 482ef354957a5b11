"""The foundation's "done means": the demo practice, signed in with the login `careloop demo` prints,
renders its journey map in real headless Chromium."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from careloop.accounts.models import StaffMember
from careloop.journeys.models import Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_signs_in_with_the_printed_login_and_draws_the_demo_map(
    browser: Any, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    settings.HOME = tmp_path
    out = StringIO()
    call_command("demo", "--no-serve", "--months", "1", "--today", "2025-03-17", stdout=out)
    email, password = re.search(r"sign in as (\S+@\S+) / (\S+)\n", out.getvalue()).groups()  # type: ignore[union-attr]

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in {"error", "warning"} else None)
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")

    journey = Journey.objects.get(is_active=True)
    assert page.url == f"{live_server.url}/"
    page.click("text=Open the journey map")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}/journey/"
    assert page.locator("svg.map-svg a.node").count() == journey.touchpoints.count()
    front_desk_lead = StaffMember.objects.get(key="front-desk-lead")
    # The demo named the journey's placeholder owners: the map shows the person, not the job title.
    assert front_desk_lead.name != front_desk_lead.title
    assert page.locator("svg.map-svg").get_by_text(front_desk_lead.name, exact=False).count() >= 1

    page.locator("svg.map-svg a.node[data-key=waiting-room]").click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}/journey/touchpoints/waiting-room/"
    assert page.locator("h1").inner_text() == "Waiting room"
    assert problems == []
    context.close()
