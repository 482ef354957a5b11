from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks


class ReportsConfig(AppConfig):
    name = "careloop.reports"
    label = "reports"
    verbose_name = "Reports: the weekly brief"

    def ready(self) -> None:
        checks.register(check_brief_weekday)


def check_brief_weekday(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Refuse a CARELOOP_BRIEF_WEEKDAY the Monday task could not read, at start-up rather than on the day."""
    from careloop.reports.tasks import brief_weekday

    try:
        brief_weekday()
    except ValueError as error:
        return [checks.Error(str(error), id="careloop.reports.E001")]
    return []
