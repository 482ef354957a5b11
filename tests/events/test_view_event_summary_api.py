"""Counts per event table: GET /api/events/summary (aggregates, no patient data)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from careloop.accounts.models import AuditEntry
from careloop.events.models import Call
from tests.conftest import Cast, client_for
from tests.events.patient_events import make_patient


@pytest.mark.parametrize("name", ["ada", "maria", "fran", "bill", "cora", "sam"])
def test_it_counts_rows_per_table_for_every_role(cast: Cast, name: str) -> None:
    make_patient("P-1")
    make_patient("P-2")
    Call.objects.create(call_id="C-1", queue="appointments", started_at=datetime(2025, 1, 2, tzinfo=ZoneInfo("UTC")))
    response = client_for(cast.all()[name]).get("/api/events/summary")
    assert response.status_code == 200
    assert response.json() == {
        "visits": 2,
        "calls": 1,
        "referrals": 2,
        "messages": 2,
        "billing_inquiries": 2,
        "audits": 0,
        "slot_snapshots": 0,
    }
    assert b"P-1" not in response.content
    assert AuditEntry.objects.count() == 0


def test_it_answers_401_to_anonymous_callers(cast: Cast) -> None:
    assert client_for(None).get("/api/events/summary").status_code == 401


def test_it_rejects_post(cast: Cast) -> None:
    assert client_for(cast.maria).post("/api/events/summary").status_code == 405
