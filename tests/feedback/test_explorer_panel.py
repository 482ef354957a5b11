"""The home page's comments panel: the theme of the week (from critical comments when there are any) and
the count of urgent comments in the last 7 days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from careloop.feedback.dashboard_panel import theme_of_the_week
from careloop.feedback.models import CommentAnalysis
from tests.conftest import Cast, client_for
from tests.feedback.explorer_cases import analysed_comment

pytestmark = pytest.mark.django_db


def test_it_names_the_commonest_theme_of_the_critical_comments(cast: Cast, default_journey: Any) -> None:
    now = timezone.now()
    for themes, sentiment in [
        (["staff_attitude"], 5), (["staff_attitude"], 5), (["staff_attitude"], 4),  # praise: not the huddle's theme
        (["timeliness"], 1), (["timeliness", "communication"], 2), (["cost_billing"], 2),
    ]:
        analysed_comment("comment", when=now - timedelta(days=1), touchpoints=[], themes=themes, sentiment=sentiment)
    analysed_comment("old", when=now - timedelta(days=9), touchpoints=[], themes=["cost_billing"], sentiment=1)
    analysed_comment(
        "They gave me the wrong dose", when=now - timedelta(days=2), touchpoints=[], themes=["clinical_care"],
        sentiment=1, urgency="safety",
    )
    week = list(CommentAnalysis.objects.filter(response__completed_at__gte=now - timedelta(days=7)))
    # 4 critical comments this week (3 of sentiment 1-2, and the urgent one): timeliness in 2 of them.
    assert theme_of_the_week(week) == ("timeliness", 2, 4, True)

    html = client_for(cast.sam).get("/").content.decode()
    assert "Theme of the week: <strong>Timeliness and waiting</strong>, in 2 of the 4 critical comments" in html
    assert "1 urgent comment</strong> in the last 7 days" in html
    # Staff may see the figures, not the comments.
    assert "Read the comments" not in html
    assert "Read the comments" in client_for(cast.maria).get("/").content.decode()


def test_it_falls_back_to_all_comments_without_critical_ones(default_journey: Any) -> None:
    assert theme_of_the_week([]) == ("", 0, 0, False)
    now = timezone.now()
    week = [
        analysed_comment("a", when=now, touchpoints=[], themes=["nothing_to_improve"], sentiment=5),
        analysed_comment("b", when=now, touchpoints=[], themes=["environment", "other"], sentiment=4),
        analysed_comment("c", when=now, touchpoints=[], themes=["nothing_to_improve"], sentiment=5),
    ]
    # "Nothing to improve" and "other" are never the theme of the week.
    assert theme_of_the_week(week) == ("environment", 1, 3, False)
