"""The feedback explorer (/feedback/): filters return the hand-counted comments, only redacted text is
shown or searched, comments are escaped, and a label correction is saved (and refused without the right)."""

from __future__ import annotations

import re
from datetime import datetime, timezone as dt_timezone
from typing import Any

import pytest

from careloop.accounts.models import StaffMember
from careloop.feedback.explorer import Filters, find_comments
from careloop.feedback.models import CommentAnalysis, LabelCorrection
from tests.conftest import Cast, client_for
from tests.feedback.explorer_cases import analysed_comment

pytestmark = pytest.mark.django_db


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 15, 0, tzinfo=dt_timezone.utc)


@pytest.fixture
def comments(default_journey: Any) -> dict[str, CommentAnalysis]:
    """Seven comments whose labels are counted by hand in each test below."""
    StaffMember.objects.create(key="dr-okafor", name="Amara Okafor", is_provider=True)
    StaffMember.objects.create(key="dr-chen", name="Michael Chen", is_provider=True)
    return {
        "wait": analysed_comment(
            "Waited an hour past my appointment time.", when=at(3, 2), touchpoints=["waiting-room"],
            themes=["timeliness"], sentiment=2, provider="dr-okafor",
        ),
        "wait_es": analysed_comment(
            "Esperé dos horas en la sala de espera.", when=at(3, 9), touchpoints=["waiting-room"],
            themes=["timeliness"], sentiment=1, language="es", provider="dr-chen",
        ),
        "kind": analysed_comment(
            "Dr Okafor listened and explained everything.", when=at(4, 1), touchpoints=["visit"],
            themes=["communication", "staff_attitude"], sentiment=5, provider="dr-okafor",
        ),
        "bill": analysed_comment(
            "My name is Jane Doe, call me on 555-010-3344 about the wrong bill.", when=at(4, 15),
            touchpoints=["billing"], themes=["cost_billing"], sentiment=2,
        ),
        "desk": analysed_comment(
            "The front desk was rude and I waited twenty minutes to check in.", when=at(5, 3),
            touchpoints=["check-in", "waiting-room"], themes=["staff_attitude", "timeliness"], sentiment=1,
            provider="dr-chen",
        ),
        "unsafe": analysed_comment(
            "They gave me the wrong medication.", when=at(5, 20), touchpoints=["visit"],
            themes=["clinical_care"], sentiment=1, urgency="safety", provider="dr-chen",
        ),
        "fine": analysed_comment(
            "Nothing to improve, thank you.", when=at(6, 1), touchpoints=[], themes=["nothing_to_improve"],
            sentiment=5,
        ),
    }


def keys_of(cast: Cast, filters: Filters, comments: dict[str, CommentAnalysis]) -> set[str]:
    by_id = {a.external_id: name for name, a in comments.items()}
    return {by_id[row.analysis_id] for row in find_comments(cast.maria, filters)}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), {"wait", "wait_es", "kind", "bill", "desk", "unsafe", "fine"}),
        (Filters(theme="timeliness"), {"wait", "wait_es", "desk"}),
        (Filters(touchpoint="waiting-room"), {"wait", "wait_es", "desk"}),
        (Filters(touchpoint="visit"), {"kind", "unsafe"}),
        (Filters(sentiment=1), {"wait_es", "desk", "unsafe"}),
        (Filters(language="es"), {"wait_es"}),
        (Filters(provider="dr-chen"), {"wait_es", "desk", "unsafe"}),
        (Filters(urgency="urgent"), {"unsafe"}),
        (Filters(urgency="safety"), {"unsafe"}),
        (Filters(urgency="none"), {"wait", "wait_es", "kind", "bill", "desk", "fine"}),
        (Filters(date_from=at(4, 1).date(), date_to=at(5, 3).date()), {"kind", "bill", "desk"}),
        (Filters(text="waited"), {"wait", "desk"}),
        (Filters(theme="timeliness", provider="dr-chen", sentiment=1), {"wait_es", "desk"}),
    ],
)
def test_it_returns_the_hand_counted_comments_for_each_filter(
    cast: Cast, comments: dict[str, CommentAnalysis], filters: Filters, expected: set[str]
) -> None:
    assert keys_of(cast, filters, comments) == expected


def test_it_searches_the_redacted_text_only(cast: Cast, comments: dict[str, CommentAnalysis]) -> None:
    # The patient's own name and number are in the stored comment, but a search must not find them.
    assert keys_of(cast, Filters(text="Jane"), comments) == set()
    assert keys_of(cast, Filters(text="555-010"), comments) == set()
    assert keys_of(cast, Filters(text="[PHONE]"), comments) == {"bill"}


def test_it_counts_themes_and_touchpoints_on_the_page(cast: Cast, comments: dict[str, CommentAnalysis]) -> None:
    response = client_for(cast.maria).get("/feedback/", {"date_from": "2026-01-01"})
    assert response.status_code == 200
    themes = {bar.key: bar.count for bar in response.context["theme_bars"]}
    assert themes == {
        "timeliness": 3, "staff_attitude": 2, "communication": 1, "cost_billing": 1, "clinical_care": 1,
        "nothing_to_improve": 1,
    }
    touchpoints = {bar.key: bar.count for bar in response.context["touchpoint_bars"]}
    assert touchpoints == {"waiting-room": 3, "visit": 2, "billing": 1, "check-in": 1}
    assert response.context["total"] == 7
    # The biggest bar is full width; timeliness by month (the trend ends at today's month).
    assert response.context["theme_bars"][0].width == 100.0
    assert "7</strong> comments" in response.content.decode()


def test_it_filters_on_the_page_from_the_query_string(cast: Cast, comments: dict[str, CommentAnalysis]) -> None:
    response = client_for(cast.cora).get("/feedback/", {"theme": "timeliness", "language": "en"})
    html = response.content.decode()
    assert response.context["total"] == 2
    assert "Waited an hour past my appointment time." in html
    assert "Esperé" not in html


def test_it_shows_only_redacted_text(cast: Cast, comments: dict[str, CommentAnalysis]) -> None:
    html = client_for(cast.fran).get("/feedback/").content.decode()
    assert "My name is [NAME], call me on [PHONE] about the wrong bill." in html
    assert "Jane" not in html and "555-010-3344" not in html
    # A staff member's name stays.
    assert "Dr Okafor listened" in html


def test_it_redacts_an_analysis_stored_without_redacted_text(cast: Cast, comments: dict[str, CommentAnalysis]) -> None:
    CommentAnalysis.objects.filter(pk=comments["bill"].pk).update(redacted_text="")
    html = client_for(cast.maria).get("/feedback/").content.decode()
    assert "Jane" not in html and "555-010-3344" not in html
    assert "[PHONE]" in html


def test_it_escapes_what_patients_wrote(cast: Cast, default_journey: Any) -> None:
    analysed_comment(
        '<script>alert("x")</script><img src=x onerror=alert(1)> slow', when=at(3, 1),
        touchpoints=["visit"], themes=["other"],
    )
    html = client_for(cast.maria).get("/feedback/").content.decode()
    assert '<script>alert("x")' not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; slow" in html


def test_it_refuses_bad_filters_with_a_message(cast: Cast, comments: dict[str, CommentAnalysis]) -> None:
    response = client_for(cast.maria).get("/feedback/", {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    # Invalid filters filter nothing, rather than guess.
    assert response.context["total"] == 7
    response = client_for(cast.maria).get("/feedback/", {"theme": "no-such-theme"})
    assert "Select a valid choice" in response.content.decode()


def test_it_offers_the_correction_only_to_those_who_may_correct(cast: Cast, comments: dict[str, CommentAnalysis]) -> None:
    assert "Save the correction" in client_for(cast.cora).get("/feedback/").content.decode()
    assert "Save the correction" not in client_for(cast.fran).get("/feedback/").content.decode()


def test_it_saves_a_correction_and_shows_it(cast: Cast, comments: dict[str, CommentAnalysis]) -> None:
    analysis = comments["bill"]
    url = f"/feedback/comments/{analysis.external_id}/correct/"
    body = {"touchpoints": ["billing", "check-out"], "themes": ["cost_billing", "communication"], "sentiment": "1",
            "next": "/feedback/?theme=communication"}
    response = client_for(cast.cora).post(url, body)
    assert response.status_code == 302 and response["Location"] == "/feedback/?theme=communication"
    saved = {c.field: c.value for c in LabelCorrection.objects.filter(analysis=analysis)}
    assert saved == {"touchpoints": ["billing", "check-out"], "themes": ["communication", "cost_billing"], "sentiment": 1}
    assert all(c.corrected_by == cast.cora for c in LabelCorrection.objects.all())
    # The model's own labels are kept; the correction wins on display and in filters.
    analysis.refresh_from_db()
    assert analysis.themes == ["cost_billing"]
    assert keys_of(cast, Filters(theme="communication"), comments) == {"kind", "bill"}
    # Saving the same again adds nothing.
    client_for(cast.cora).post(url, body)
    assert LabelCorrection.objects.count() == 3
    # Only the sentiment changes: one row.
    client_for(cast.cora).post(url, {**body, "sentiment": "2"})
    assert LabelCorrection.objects.count() == 4


def test_it_refuses_a_correction_without_the_right_or_with_bad_labels(cast: Cast, comments: dict[str, CommentAnalysis]) -> None:
    analysis = comments["bill"]
    url = f"/feedback/comments/{analysis.external_id}/correct/"
    body = {"touchpoints": ["billing"], "themes": ["cost_billing"], "sentiment": "1"}
    assert client_for(cast.fran).post(url, body).status_code == 404
    assert client_for(cast.sam).post(url, body).status_code == 404
    bad = client_for(cast.cora).post(url, {**body, "themes": ["not-a-theme"], "next": "https://evil.example/"}, follow=True)
    assert bad.redirect_chain[0][0] == "/feedback/"
    assert "The correction was not saved. Themes: Select a valid choice." in bad.content.decode()
    bad = client_for(cast.cora).post(url, {**body, "touchpoints": ["no-such-touchpoint"], "sentiment": "9"}, follow=True)
    html = bad.content.decode()
    assert "Touchpoints: Select a valid choice" in html and "Sentiment: Select a valid choice" in html
    assert LabelCorrection.objects.count() == 0


def test_it_shows_one_comment_to_correct_without_javascript(cast: Cast, comments: dict[str, CommentAnalysis]) -> None:
    response = client_for(cast.cora).get(f"/feedback/comments/{comments['bill'].external_id}/correct/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "My name is [NAME], call me on [PHONE]" in html and "Jane" not in html
    checked = set(re.findall(r'<input type="checkbox" name="(\w+)" value="([\w-]+)"[^>]*\bchecked\b', html))
    assert checked == {("touchpoints", "billing"), ("themes", "cost_billing")}
