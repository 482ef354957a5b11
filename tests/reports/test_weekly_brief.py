"""The weekly brief: what it says for a hand-made week, as page, JSON, one-page PDF and email."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings
import pypdfium2 as pdfium
from pypdf import PdfReader

from careloop.accounts.models import StaffMember
from careloop.governance.recognition import add_moment, pick_moment_of_week
from careloop.governance.reviews import add_action
from careloop.governance.models import Review
from careloop.measures.models import Signal, SignalKind, SignalRule
from careloop.recovery.models import Case, Status
from careloop.reports.brief import BriefError, build_brief, parse_week
from careloop.reports.pdf import brief_pdf
from careloop.reports.tasks import next_brief_run, send_brief
from tests.conftest import Cast, client_for
from tests.feedback.explorer_cases import analysed_comment
from tests.governance.helpers import FIRST_MONDAY, standard, weeks

# Week 10 of 2025: Monday 3 March to Sunday 9 March (the 9th week from FIRST_MONDAY, 6 January).
WEEK = date(2025, 3, 3)
NEW_YORK = ZoneInfo("America/New_York")


def _case(key: str, opened: datetime, *, resolved: datetime | None = None, due_days: int = 1) -> Case:
    return Case.objects.create(
        dedupe_key=key, trigger="complaint", summary="Patient Jane Doe waited", opened_at=opened,
        first_contact_due=opened + timedelta(days=due_days), resolution_due=opened + timedelta(days=5),
        first_contacted_at=resolved, resolved_at=resolved, status=Status.RESOLVED if resolved else Status.NEW,
    )


@pytest.fixture
def week_of_data(cast: Cast) -> dict[str, Any]:
    calls = standard("calls-answered", goal=0.9)
    # 8 weeks from 6 Jan at 92-95 %, then the brief's week (3 March) at 80 %: off goal.
    weeks(calls, [93, 94, 92, 95, 93, 94, 92, 93, 80])
    Signal.objects.create(standard=calls, period_kind="week", kind=SignalKind.SPECIAL_CAUSE, rule=SignalRule.OUTSIDE_LIMITS,
                          first_period=WEEK, triggered_period=WEEK, last_period=WEEK)
    fran = StaffMember.objects.get(key="fran-frontdesk")
    moment = add_moment("Fran found my mother a wheelchair in two minutes.", [fran], date(2025, 3, 4), cast.maria)
    pick_moment_of_week(moment, WEEK, cast.maria)
    monday = datetime(2025, 3, 3, 15, tzinfo=timezone.utc)
    # Open at the week's end and late (first contact was due on the 4th); open and not late (due the 12th);
    # recovered on the 5th; opened after the week (not counted).
    _case("a", monday, due_days=1)
    _case("b", datetime(2025, 3, 9, 15, tzinfo=timezone.utc), due_days=3)
    _case("c", monday, resolved=datetime(2025, 3, 5, 15, tzinfo=timezone.utc))
    _case("d", datetime(2025, 3, 12, 15, tzinfo=timezone.utc))
    when = datetime(2025, 3, 5, 16, tzinfo=timezone.utc)
    analysed_comment("The wait was far too long today.", when=when, touchpoints=["waiting-room"], themes=["timeliness"], sentiment=2)
    analysed_comment("Waited forty minutes past my time.", when=when, touchpoints=["waiting-room"], themes=["timeliness"], sentiment=2)
    analysed_comment("I waited an hour and nobody said sorry, this is the worst practice in the whole state and I am leaving.",
                     when=when, touchpoints=["waiting-room"], themes=["timeliness"], sentiment=1)
    analysed_comment("Lovely staff.", when=when, touchpoints=["check-in"], themes=["staff_attitude"], sentiment=5)
    review = Review.objects.create(title="Monday calls", problem="P", standard=calls)
    add_action(review, "Second receptionist on Mondays", fran, date(2025, 3, 7))
    add_action(review, "Due much later", fran, date(2025, 6, 1))
    return {"calls": calls}


def test_it_gathers_the_week(week_of_data: dict[str, Any]) -> None:
    brief = build_brief(WEEK)
    assert brief.week == "2025-W10"
    assert brief.moment is not None and brief.recognised == ["Fran Frontdesk"]
    [line] = brief.standards
    assert (line.standard.key, line.figure, line.goal, line.is_new_signal) == ("calls-answered", "80%", "≥ 90%", True)
    assert line.thumbnail.path.count("L") == 8  # 9 weeks drawn: one move, eight lines
    assert (brief.cases.open, brief.cases.late, brief.cases.recovered) == (2, 1, 1)
    assert brief.theme is not None and (brief.theme.key, brief.theme.comments) == ("timeliness", 3)
    # The two nearest the theme's middle: sentiment 2 (the median), not the long furious one.
    assert sorted(brief.theme.quotes) == ["The wait was far too long today.", "Waited forty minutes past my time."]
    assert [a.description for a in brief.actions] == ["Second receptionist on Mondays"]


def test_it_renders_one_black_and_white_page_of_pdf(week_of_data: dict[str, Any]) -> None:
    pdf = brief_pdf(build_brief(WEEK))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    for expected in ("Weekly brief", "2025-W10", "Fran found my mother a wheelchair", "Thank you: Fran Frontdesk",
                     "calls-answered", "80%", "NEW: A point outside the limits", "Open cases: 2", "late: 1",
                     "recovered this week: 1", "The wait was far too long today.", "Second receptionist on Mondays"):
        assert expected in text, expected
    assert "Jane" not in text


def test_it_draws_the_pdf_page_in_black_and_white_with_ink_on_it(week_of_data: dict[str, Any]) -> None:
    # Rendered to pixels as a printer would (pdfium, Chrome's PDF engine): no colour carries meaning on
    # a black-and-white huddle printout, so every pixel must be grey; and the page is not blank.
    document = pdfium.PdfDocument(brief_pdf(build_brief(WEEK)))
    assert len(document) == 1
    image = document[0].render(scale=1).to_pil().convert("RGB")
    pixels = list(image.get_flattened_data())
    coloured = [p for p in pixels if max(p) - min(p) > 24]
    assert coloured == []
    ink = sum(1 for p in pixels if max(p) < 160) / len(pixels)
    assert 0.005 < ink < 0.5, ink
    document.close()


def test_it_shows_the_page_for_a_chosen_week_and_refuses_a_bad_one(week_of_data: dict[str, Any], cast: Cast) -> None:
    page = client_for(cast.sam).get("/brief/?week=2025-W10")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Fran found my mother a wheelchair" in html and "Open cases: <strong>2</strong>" in html and "Jane" not in html
    assert client_for(cast.sam).get("/brief/?week=2025-W99").status_code == 404
    assert client_for(cast.sam).get("/brief/?week=next").status_code == 404
    pdf = client_for(cast.sam).get("/brief/pdf/?week=2025-W10")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_it_answers_the_command_in_text_json_and_pdf(week_of_data: dict[str, Any], tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("brief", "--week", "2025-W10", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["cases"] == {"open": 2, "late": 1, "recovered": 1}
    assert data["recognised"] == ["Fran Frontdesk"] and data["theme"]["theme"] == "Timeliness and waiting"
    target = tmp_path / "brief.pdf"
    call_command("brief", "--week", "2025-W10", "--pdf", str(target), stdout=io.StringIO())
    assert len(PdfReader(target).pages) == 1
    with pytest.raises(CommandError, match="YYYY-Www"):
        call_command("brief", "--week", "March", stdout=io.StringIO())
    with pytest.raises(CommandError, match="does not exist"):
        call_command("brief", "--week", "2025-W10", "--pdf", str(tmp_path / "no" / "b.pdf"), stdout=io.StringIO())


def test_it_emails_the_brief_once_with_the_pdf(week_of_data: dict[str, Any]) -> None:
    assert send_brief(WEEK) == 6
    assert send_brief(WEEK) == 0
    [message] = mail.outbox
    assert message.subject.startswith("Weekly brief 2025-W10")
    assert "sam@practice.test" in message.bcc and message.to == ["careloop@localhost"]
    assert "Fran found my mother a wheelchair" in message.body
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == ("careloop-brief-2025-W10.pdf", "application/pdf")
    assert len(PdfReader(io.BytesIO(content)).pages) == 1


def test_it_schedules_the_brief_on_the_chosen_weekday_morning_in_the_practice_zone() -> None:
    # Sunday 9 March 2025, 23:00 in New York (04:00 UTC Monday): next run Monday 07:00 New York.
    sunday_night = datetime(2025, 3, 10, 4, tzinfo=timezone.utc)
    with override_settings(TIME_ZONE="America/New_York", BRIEF_WEEKDAY="monday"):
        assert next_brief_run(sunday_night) == datetime(2025, 3, 10, 7, tzinfo=NEW_YORK)
        # Monday 08:00 New York: already past, next Monday.
        assert next_brief_run(datetime(2025, 3, 10, 12, tzinfo=timezone.utc)) == datetime(2025, 3, 17, 7, tzinfo=NEW_YORK)
    with override_settings(TIME_ZONE="America/New_York", BRIEF_WEEKDAY="friday"):
        assert next_brief_run(sunday_night) == datetime(2025, 3, 14, 7, tzinfo=NEW_YORK)


def test_it_reads_iso_weeks() -> None:
    assert parse_week("2026-W01") == date(2025, 12, 29)
    with pytest.raises(BriefError):
        parse_week("2026-W54")
