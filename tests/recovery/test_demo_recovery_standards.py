"""The demo practice's recovery standards are measured (issue 7, "Done means: … the recovery standards
show on the journey map"): after the demo works its cases, every recovery standard of the default
journey has measurements, per owner too, that a plain database count of the same cases confirms, and the
touchpoints they sit on are coloured."""

from __future__ import annotations

from datetime import date, datetime, time
from io import StringIO
from typing import Any

from django.db.models import F, Q
from rich.console import Console

from careloop.demo.build import build_demo
from careloop.demo.recovery_work import work_demo_cases
from careloop.journeys.models import Standard
from careloop.journeys.standard_status import State, touchpoint_states
from careloop.measures.business_time import practice_zone
from careloop.measures.models import Measurement
from careloop.recovery.case_counts import measure_recovery_standards
from careloop.recovery.models import Case, Status
from careloop.surveys.instrument_file import load_shipped_instruments

TODAY = date(2025, 3, 19)


def test_the_demo_measures_every_recovery_standard(default_journey: Any) -> None:
    load_shipped_instruments()
    build_demo(seed=42, months=2, today=TODAY, console=Console(file=StringIO()))
    work_demo_cases(seed=42, today=TODAY, days=45)
    as_of = datetime.combine(TODAY, time(0, 0), tzinfo=practice_zone())
    report = measure_recovery_standards(as_of)
    assert report["errors"] == []

    standards = list(Standard.objects.filter(journey=default_journey, kind="recovery"))
    assert {s.key for s in standards} == {
        "recovery-first-contact", "recovery-resolved-in-time", "recovery-reopen-rate", "recovery-resolved-for-patient",
        "long-wait-cases-first-contact", "visit-cases-first-contact",
    }
    for standard in standards:
        assert Measurement.objects.filter(standard=standard, period_kind="week", breakdown="").exists(), standard.key
        assert Measurement.objects.filter(standard=standard, breakdown="owner").exists(), standard.key

    # The same figure counted another way: February's first contacts, straight from the case table.
    february = Q(opened_at__gte=datetime(2025, 2, 1, tzinfo=practice_zone()), opened_at__lt=datetime(2025, 3, 1, tzinfo=practice_zone()))
    judged = Case.objects.filter(february, is_incident=False).filter(
        Q(first_contacted_at__isnull=False) | Q(first_contact_due__lte=as_of)
    )
    in_time = judged.filter(first_contacted_at__lte=F("first_contact_due")).count()
    month = Measurement.objects.get(standard__key="recovery-first-contact", period_kind="month", period_start=date(2025, 2, 1), breakdown="")
    assert (month.n, month.n_met) == (judged.count(), in_time) and 0 < in_time < judged.count()
    reopen = Measurement.objects.get(standard__key="recovery-reopen-rate", period_kind="month", period_start=date(2025, 2, 1), breakdown="")
    resolved_once = Case.objects.filter(february).filter(Q(status=Status.RESOLVED) | Q(reopen_count__gt=0))
    assert (reopen.n, reopen.n_met) == (resolved_once.count(), resolved_once.filter(reopen_count__gt=0).count())

    # Long waits are the nurse manager's: the waiting room's standard is broken down to her.
    owners = set(Measurement.objects.filter(standard__key="long-wait-cases-first-contact", breakdown="owner").values_list("breakdown_value", flat=True))
    assert owners == {"nurse-manager"}
    # On the map, the follow-up touchpoint (the practice-wide recovery standards) has a state from them.
    follow_up = default_journey.touchpoints.get(key="follow-up")
    assert touchpoint_states(default_journey)[follow_up.pk] in (State.MET, State.NOT_MET, State.NOT_ENOUGH_DATA)
