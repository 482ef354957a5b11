"""The surveys panel of the home page: the headline scores and the response rates per channel for
the last complete month (a month still running would swing with every answer).

Headline scores: the Net Promoter Score of every NPS question (`nps: true` items), and the provider
rating's top box (9-10 on the CG-CAHPS 0-10 rating: the CAHPS top box for ratings). Both are
suppressed below the minimum n, as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from careloop.accounts.roles import CAN_VIEW_AGGREGATES
from careloop.surveys import response_rates, scoring
from careloop.surveys.instrument_file import spec_of
from careloop.surveys.models import Answer, InstrumentVersion

if TYPE_CHECKING:
    from careloop.dashboard import Panel

PROVIDER_RATING_ITEM = "cgcahps-provider-rating"


@dataclass(frozen=True)
class Headline:
    label: str
    kind: str
    score: scoring.Score


def last_complete_month(now: datetime) -> tuple[datetime, datetime]:
    """[first day of last month, first day of this month) in the practice's time zone."""
    zone = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localtime(now, zone).date()
    this_month = today.replace(day=1)
    previous = date(this_month.year - 1, 12, 1) if this_month.month == 1 else this_month.replace(month=this_month.month - 1)
    return datetime.combine(previous, time.min, tzinfo=zone), datetime.combine(this_month, time.min, tzinfo=zone)


def _answers(item_keys: list[str], since: datetime, until: datetime) -> list[tuple[str, bool | None]]:
    rows = Answer.objects.filter(
        item_key__in=item_keys,
        response__is_complete=True,
        response__completed_at__gte=since,
        response__completed_at__lt=until,
    )
    return [(value, top) for value, top in rows.values_list("value", "top_box")]


def nps_item_keys() -> list[str]:
    keys: set[str] = set()
    for version in InstrumentVersion.objects.all():
        keys.update(item.key for item in spec_of(version).items() if item.nps)
    return sorted(keys)


def headline_scores(since: datetime, until: datetime, *, min_n: int) -> list[Headline]:
    ratings = [int(value) for value, _ in _answers(nps_item_keys(), since, until)]
    provider = [top for _, top in _answers([PROVIDER_RATING_ITEM], since, until)]
    return [
        Headline("Net Promoter Score", "nps", scoring.nps(ratings, min_n=min_n)),
        Headline("Provider rated 9 or 10", "share", scoring.top_box(provider, min_n=min_n)),
    ]


def panel(request: HttpRequest) -> Panel | None:
    # careloop.dashboard imports this module to list its panel, so Panel is imported when called.
    from careloop.dashboard import Panel

    if not request.user.can(CAN_VIEW_AGGREGATES) or not InstrumentVersion.objects.exists():  # type: ignore[union-attr]
        return None
    since, until = last_complete_month(timezone.now())
    min_n = int(settings.MIN_N_DEFAULT)
    rates = response_rates.channel_rates(since, until, min_n=min_n)
    return Panel(
        title="Patient voice",
        template="surveys/panel.html",
        context={
            "month": since.strftime("%B %Y"),
            "headlines": headline_scores(since, until, min_n=min_n),
            "rates": response_rates.used_channels(rates),
            "min_n": min_n,
        },
        more_url=reverse("surveys:instruments"),
        more_label="Open the survey results",
    )
