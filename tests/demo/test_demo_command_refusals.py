"""`careloop demo` refuses what it must not do: replace a real practice's events, or build from bad options.

(Apart from test_run_demo_command.py, whose tests share one demo build: these need a workspace no demo
was ever built in.)"""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from careloop.accounts.models import User
from careloop.events.models import Visit
from tests.conftest import run_demo


def test_it_refuses_a_workspace_holding_events_it_did_not_make(db: Any, home: Path) -> None:
    call_command("init", stdout=StringIO())
    Visit.objects.create(
        visit_id="REAL-1", patient_ref="MRN-9", provider="dr-real", location="clinic", visit_type="new",
        booking_channel="phone", scheduled_start="2025-03-03T14:00:00Z", status="completed",
    )
    with pytest.raises(CommandError, match="holds 1 event that careloop demo did not make"):
        run_demo("--months", "1", "--today", "2025-03-17")
    assert list(Visit.objects.values_list("visit_id", flat=True)) == ["REAL-1"]
    assert not User.objects.filter(email__endswith="@demo.careloop.test").exists()


@pytest.mark.backend_neutral  # the command line and its files, not the database
def test_it_rejects_months_out_of_range_and_a_malformed_date(db: Any, home: Path) -> None:
    with pytest.raises(CommandError, match="--months must be between 1 and 36"):
        call_command("demo", "--no-serve", "--months", "0")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("demo", "--no-serve", "--today", "17/03/2025")
    assert Visit.objects.count() == 0

