"""GET /api/measures/latest: aggregate figures for everyone who may see aggregates."""

from __future__ import annotations

from careloop.accounts.models import User
from careloop.measures.recompute import recompute_measurements
from tests.conftest import Cast, client_for
from tests.measures.engine_events import five_visits_three_within_fifteen_minutes, local, rooming_standard


def test_it_returns_the_latest_measurements_without_suppressed_figures(cast: Cast) -> None:
    rooming_standard(min_n=5)
    five_visits_three_within_fifteen_minutes()
    recompute_measurements(as_of=local("2025-04-15 12:00"))
    for person in (cast.sam, cast.cora, cast.maria):
        response = client_for(person).get("/api/measures/latest?period=week&by=provider")
        assert response.status_code == 200
    (standard,) = response.json()["standards"]
    (measurement,) = standard["measurements"]
    assert measurement | {"n": 5, "n_met": 3, "share": 0.6, "period_label": "2025-W10", "suppressed": False} == measurement
    # Filtered to one standard; an unknown one gives an empty list.
    assert client_for(cast.sam).get("/api/measures/latest?standard=nope").json()["standards"] == []


def test_it_hides_the_share_below_the_minimum_n(cast: Cast) -> None:
    rooming_standard(min_n=6)
    five_visits_three_within_fifteen_minutes()
    recompute_measurements(as_of=local("2025-04-15 12:00"))
    (measurement,) = client_for(cast.sam).get("/api/measures/latest").json()["standards"][0]["measurements"]
    assert {k: measurement[k] for k in ("n", "n_met", "share", "ci_low", "ci_high", "goal_met", "suppressed")} == {
        "n": 5, "n_met": None, "share": None, "ci_low": None, "ci_high": None, "goal_met": None, "suppressed": True,
    }


def test_it_rejects_a_bad_period_and_checks_access(cast: Cast) -> None:
    assert client_for(cast.sam).get("/api/measures/latest?period=year").status_code == 422
    assert client_for(None).get("/api/measures/latest").status_code == 401
    outsider = User.objects.create_user("out@elsewhere.test", "x" * 12, role="no-such-role")
    assert client_for(outsider).get("/api/measures/latest").status_code == 404
