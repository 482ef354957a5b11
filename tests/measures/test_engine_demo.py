"""Every default-template standard the engine can measure runs on a small demo practice."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from careloop.journeys.models import Journey
from careloop.measures.models import Measurement
from careloop.measures.recompute import recompute_measurements
from tests.measures.engine_events import local

MEASURED_KINDS = ("duration", "rate", "audit", "access")


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> Journey:
    settings.HOME = tmp_path
    call_command("demo", "--no-serve", "--months", "2", "--seed", "11", "--today", "2025-03-17", stdout=StringIO())
    return Journey.objects.get(is_active=True)


def test_it_measures_every_default_standard_on_a_demo_practice(db: Any, demo: Journey) -> None:
    report = recompute_measurements(as_of=local("2025-03-17 08:00"))
    assert report.errors == []
    measured = demo.standards.filter(kind__in=MEASURED_KINDS)
    surveys = demo.standards.filter(kind="survey")
    assert measured.count() >= 15 and surveys.exists()
    for standard in measured:
        february = Measurement.objects.get(standard=standard, period_kind="month", period_start="2025-02-01", breakdown="")
        assert february.n > 0, standard.key
        # Demo data is realistic: no standard is met by every event or by none (audits are few).
        assert 0 < february.n_met < february.n or standard.kind == "audit", standard.key
    # The demo's patients answer the visit survey and the NPS question, not the touchpoint pulse.
    pulses = surveys.filter(definition__instrument="touchpoint-pulse")
    assert pulses.exists() and report.notices == {s.key: "no survey data yet" for s in pulses}
    # Visit standards are broken down by provider: the demo's four providers.
    providers = set(
        Measurement.objects.filter(standard__key="arrival-to-rooming", breakdown="provider").values_list("breakdown_value", flat=True)
    )
    assert providers == {"dr-okafor", "dr-lindqvist", "dr-ramirez", "np-chen"}
