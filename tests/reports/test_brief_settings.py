"""CARELOOP_BRIEF_WEEKDAY is checked at start-up (a Django system check), not on the day."""

from __future__ import annotations

from django.test import override_settings

from careloop.reports.apps import check_brief_weekday
from careloop.reports.tasks import brief_weekday


def test_it_reads_a_weekday_name_or_number_and_refuses_anything_else() -> None:
    with override_settings(BRIEF_WEEKDAY="Tuesday"):
        assert brief_weekday() == 1 and check_brief_weekday() == []
    with override_settings(BRIEF_WEEKDAY="6"):
        assert brief_weekday() == 6
    with override_settings(BRIEF_WEEKDAY="someday"):
        [error] = check_brief_weekday()
        assert error.id == "careloop.reports.E001" and "'someday'" in error.msg
