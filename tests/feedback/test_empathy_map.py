"""The empathy map view: per touchpoint, the journey's anticipated feelings beside the top themes, the
sentiment spread and typical redacted quotes of the comments about it."""

from __future__ import annotations

from datetime import datetime, timezone as dt_timezone
from typing import Any

import pytest

from careloop.feedback.empathy import representative_quotes
from careloop.feedback.models import LabelCorrection
from tests.conftest import Cast, client_for
from tests.feedback.explorer_cases import analysed_comment

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 5, 4, 10, 0, tzinfo=dt_timezone.utc)


def test_it_picks_the_typical_comments_as_quotes() -> None:
    waits = [
        "I waited over an hour in the waiting room past my appointment time",
        "The wait in the waiting room was far too long, an hour late",
        "Waited ninety minutes in the waiting room before being seen",
        "Long wait in the waiting room, nobody told us the doctor was late",
    ]
    outliers = ["The car park barrier was broken and I lost my ticket", "Loved the new paintings on the walls"]
    quotes = representative_quotes(outliers[:1] + waits + outliers[1:])
    assert len(quotes) == 3 and set(quotes) <= set(waits)


def test_it_quotes_everything_when_there_are_few_and_skips_the_too_short() -> None:
    assert representative_quotes(["Good.", "Very kind nurse at the desk", "Very kind nurse at the desk"]) == [
        "Very kind nurse at the desk"
    ]


def test_it_shows_anticipated_beside_actual(cast: Cast, default_journey: Any) -> None:
    for text, sentiment, themes in [
        ("Waited an hour and nobody told me why, call me on 555-010-3344", 1, ["timeliness", "communication"]),
        ("The waiting room was clean but the wait was long", 2, ["timeliness", "environment"]),
        ("Short wait today, very pleased with the service", 5, ["timeliness"]),
    ]:
        analysed_comment(text, when=WHEN, touchpoints=["waiting-room"], themes=themes, sentiment=sentiment)
    corrected = analysed_comment(
        "The bill arrived twice and nobody could explain it", when=WHEN, touchpoints=["check-out"],
        themes=["cost_billing"], sentiment=2,
    )
    # A correction moves this comment to Billing: the map follows the corrected labels.
    LabelCorrection.objects.create(analysis=corrected, field="touchpoints", value=["billing"], corrected_by=cast.cora)

    response = client_for(cast.fran).get("/feedback/empathy-map/")
    assert response.status_code == 200
    voices = {v.touchpoint.key: v for v in response.context["voices"]}
    assert len(voices) == 14  # every touchpoint of the default journey, in journey order
    waiting = voices["waiting-room"]
    assert ("feels", ["bored", "anxious", "disrespected when not told about delays"]) in waiting.anticipated
    assert waiting.comment_count == 3
    assert waiting.top_themes == [("Timeliness and waiting", 3), ("Communication and information", 1), ("Environment and facilities", 1)]
    assert [(s.value, s.count, s.percent) for s in waiting.sentiment] == [
        (1, 1, 33.3), (2, 1, 33.3), (3, 0, 0.0), (4, 0, 0.0), (5, 1, 33.3)
    ]
    assert len(waiting.quotes) == 3
    assert voices["billing"].comment_count == 1 and voices["check-out"].comment_count == 0
    html = response.content.decode()
    assert "disrespected when not told about delays" in html
    assert "call me on [PHONE]" in html and "555-010-3344" not in html


def test_it_is_hidden_from_those_who_may_not_read_comments(cast: Cast, default_journey: Any) -> None:
    assert client_for(cast.sam).get("/feedback/empathy-map/").status_code == 404
    assert client_for(cast.ada).get("/feedback/empathy-map/").status_code == 404
