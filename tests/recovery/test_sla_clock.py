"""The SLA clock: business days after the opening day, in the practice's time zone (America/New_York),
skipping weekends and the practice's holidays, across daylight-saving changes. Every due time below is
worked out by hand from a calendar: the deadline is local midnight at the end of the due day."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.conf import settings

from careloop.recovery.sla import DEFAULT_TERMS, SlaTerms, due_at, terms_for
from tests.recovery.cases import NEW_YORK, RECOVERY, UTC


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_it_runs_in_the_practice_time_zone_the_cases_assume() -> None:
    assert settings.TIME_ZONE == "America/New_York"


@pytest.mark.parametrize(
    ("opened", "days", "due"),
    [
        # Wednesday 15 Jan 2025, 10:00 EST: 1 business day is Thursday; due Friday 00:00 EST = 05:00 UTC.
        (local(2025, 1, 15, 10, 0), 1, utc(2025, 1, 17, 5, 0)),
        # 5 business days: Thu 16, Fri 17, Mon 20, Tue 21, Wed 22 (MLK day is not a practice holiday).
        (local(2025, 1, 15, 10, 0), 5, utc(2025, 1, 23, 5, 0)),
        # Friday afternoon: the weekend does not count; Monday is the 1st business day.
        (local(2025, 1, 17, 16, 0), 1, utc(2025, 1, 21, 5, 0)),
        # Opened on a Saturday: Monday is the 1st business day after it.
        (local(2025, 1, 18, 11, 0), 1, utc(2025, 1, 21, 5, 0)),
        # Same business day (0) from a Saturday: the next business day, Monday.
        (local(2025, 1, 18, 11, 0), 0, utc(2025, 1, 21, 5, 0)),
        # Same business day from a Wednesday: that Wednesday, due Thursday 00:00 EST.
        (local(2025, 1, 15, 10, 0), 0, utc(2025, 1, 16, 5, 0)),
        # Thanksgiving (Thu 27 Nov 2025) is a holiday: from Wednesday, the 1st business day is Friday.
        (local(2025, 11, 26, 9, 0), 1, utc(2025, 11, 29, 5, 0)),
        # 5 business days across Thanksgiving: Tue 25, Wed 26, Fri 28, Mon 1, Tue 2 → due Wed 3 Dec.
        (local(2025, 11, 24, 9, 0), 5, utc(2025, 12, 3, 5, 0)),
        # Christmas 2027 falls on a Saturday and is observed on Friday 24 Dec: from Thursday 23, Monday 27.
        (local(2027, 12, 23, 9, 0), 1, utc(2027, 12, 28, 5, 0)),
        # Spring forward (Sun 9 Mar 2025): due Tuesday 00:00 EDT, which is 04:00 UTC, not 05:00.
        (local(2025, 3, 7, 12, 0), 1, utc(2025, 3, 11, 4, 0)),
        # Fall back (Sun 2 Nov 2025): opened in EDT, due Tuesday 00:00 EST = 05:00 UTC.
        (local(2025, 10, 31, 12, 0), 1, utc(2025, 11, 4, 5, 0)),
        # 23:30 on Thursday in New York is already Friday in UTC: the local day decides (Friday is day 1).
        (local(2025, 1, 16, 23, 30), 1, utc(2025, 1, 18, 5, 0)),
    ],
)
def test_it_computes_due_times_by_hand(opened: datetime, days: int, due: datetime) -> None:
    assert due_at(opened, days) == due


def test_it_refuses_a_negative_number_of_days() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        due_at(local(2025, 1, 15, 10, 0), -1)


def test_it_takes_the_most_specific_terms_of_the_journey() -> None:
    assert terms_for(RECOVERY, "billing", "normal") == SlaTerms(1, 10)
    # No entry for billing at high priority, nor for billing alone: the high-priority entry.
    assert terms_for(RECOVERY, "billing", "high") == SlaTerms(0, 2)
    assert terms_for(RECOVERY, "check-in", "normal") == SlaTerms(1, 5)
    # Nothing configured at all: careloop's default, 1 and 5 business days.
    assert terms_for({}, "check-in", "low") == DEFAULT_TERMS == SlaTerms(1, 5)
    assert terms_for({"sla": [{"first_contact": 2, "resolution": 7, "source": "x"}]}, "check-in", "low") == SlaTerms(2, 7)
