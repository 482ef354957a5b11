"""The demo replays recovery (careloop demo's recovery step): the rules open cases from the demo's events and answers, owners
work them (most in time, some late), some are escalated, and running the demo again replaces them."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from io import StringIO
from typing import Any

from rich.console import Console

from careloop.demo.build import build_demo
from careloop.demo.recovery_work import work_demo_cases
from careloop.recovery.models import Case, CaseEvent, Status
from careloop.surveys.instrument_file import load_shipped_instruments


TODAY = date(2025, 3, 19)


def test_it_opens_works_and_escalates_cases_in_the_demo(default_journey: Any) -> None:
    # The demo's data without the command's measuring and sending (other tests run the whole command).
    load_shipped_instruments()
    build_demo(seed=42, months=2, today=TODAY, console=Console(file=StringIO()))
    result = work_demo_cases(seed=42, today=TODAY, days=45)
    line = re.search(r"Recovery: (\d+) cases opened by the rules, (\d+) resolved, \d+ reopened, \d+ closed without contact, (\d+) escalated, (\d+) open\.", result.summary())
    assert line is not None, result.summary()
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
