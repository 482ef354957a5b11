"""Every default-template standard the engine can measure runs on a small demo practice."""

from __future__ import annotations

from datetime import date
from io import StringIO
from typing import Any

import pytest
from rich.console import Console

from careloop.demo.build import build_demo
from careloop.journeys.models import Journey
from careloop.measures.models import Measurement
from careloop.measures.recompute import recompute_measurements
from careloop.surveys.instrument_file import load_shipped_instruments
from tests.measures.engine_events import local

MEASURED_KINDS = ("duration", "rate", "audit", "access")


@pytest.fixture
def demo(default_journey: Journey) -> Journey:
    """A 2-month demo practice's events and survey instruments: `careloop demo`'s init and build steps,
    not its own measuring (this test measures) nor the steps after it (cases, invitations, reviews),
    which the demo's own tests check (tests/demo/)."""
    load_shipped_instruments()
    build_demo(seed=11, months=2, today=date(2025, 3, 17), console=Console(file=StringIO()))
    return default_journey


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
