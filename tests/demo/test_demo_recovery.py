"""The demo replays recovery (careloop demo's recovery step): the rules open cases from the demo's events and answers, owners
work them (most in time, some late), some are escalated, and running the demo again replaces them. The demo practice's
recovery standards are then measured (issue 7, "Done means: … the recovery standards show on the journey map")."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from io import StringIO
from typing import Any

import pytest
from django.db.models import F, Q
from rich.console import Console

from careloop.demo.build import build_demo
from careloop.demo.recovery_work import RecoveryDemo, work_demo_cases
from careloop.journeys.journey_file import DEFAULT_JOURNEY_PATH, load_journey_file
from careloop.journeys.models import Journey, Standard
from careloop.journeys.standard_status import State, touchpoint_states
from careloop.measures.business_time import practice_zone
from careloop.measures.models import Measurement
from careloop.recovery.case_counts import measure_recovery_standards
from careloop.recovery.models import Case, CaseEvent, Status
from careloop.surveys.instrument_file import load_shipped_instruments
from tests.conftest import rolled_back_after_the_module

TODAY = date(2025, 3, 19)


@dataclass(frozen=True)
class WorkedDemo:
    journey: Journey
    first_run: RecoveryDemo


@pytest.fixture(scope="module")
def worked(django_db_setup: Any, django_db_blocker: Any) -> Iterator[WorkedDemo]:
    """The demo's data and a quarter of its recovery work, without the command's measuring and sending
    (other tests run the whole command); built once for this module's tests and rolled back after them
    (tests/conftest.py's rolled_back_after_the_module)."""
    with rolled_back_after_the_module(django_db_blocker):
        journey = load_journey_file(DEFAULT_JOURNEY_PATH)
        load_shipped_instruments()
        build_demo(seed=42, months=2, today=TODAY, console=Console(file=StringIO()))
        yield WorkedDemo(journey, work_demo_cases(seed=42, today=TODAY, days=45))


def test_it_opens_works_and_escalates_cases_in_the_demo(worked: WorkedDemo, db: Any) -> None:
    line = re.search(r"Recovery: (\d+) cases opened by the rules, (\d+) resolved, \d+ reopened, \d+ closed without contact, (\d+) escalated, (\d+) open\.", worked.first_run.summary())
    assert line is not None, worked.first_run.summary()
    opened, resolved_count, escalated, still_open = (int(g) for g in line.groups())
    assert opened == Case.objects.count() > 30
    owners = {(c.trigger, c.owner.key if c.owner else "") for c in Case.objects.select_related("owner")}
    # Long waits go to the waiting room's owner, open referrals to the referral coordinator (default journey).
    assert ("long_wait", "nurse-manager") in owners and ("referral_open", "referral-coordinator") in owners
    statuses = Counter(Case.objects.values_list("status", flat=True))
    assert statuses[Status.RESOLVED] > opened / 2 and still_open == sum(statuses[s] for s in ("new", "contacted", "reopened"))
    assert Case.objects.filter(status=Status.RESOLVED).exclude(cause_category="").count() == statuses[Status.RESOLVED]
    assert escalated > 0 and CaseEvent.objects.filter(kind="escalated").count() == escalated
    # Some first contacts were in time, some late.
    contacted = Case.objects.filter(first_contacted_at__isnull=False)
    late = sum(1 for c in contacted if c.first_contacted_at and c.first_contacted_at > c.first_contact_due)
    assert 0 < late < contacted.count() / 2
    assert resolved_count >= statuses[Status.RESOLVED]

    # Again with the same seed: the same cases, not twice as many.
    again = work_demo_cases(seed=42, today=TODAY, days=45)
    assert again.opened == opened and Case.objects.count() == opened


def test_the_demo_measures_every_recovery_standard(worked: WorkedDemo, db: Any) -> None:
    # Moved here from tests/recovery/test_demo_recovery_standards.py to share the module's build.
    default_journey = worked.journey
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
