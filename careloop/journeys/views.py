from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from careloop.accounts.access import require_permission
from careloop.accounts.roles import CAN_VIEW_JOURNEY
from careloop.journeys.models import Journey, Touchpoint


def _active_journey() -> Journey:
    journey = Journey.objects.filter(is_active=True).first()
    if journey is None:
        raise Http404("No journey loaded yet: run `careloop init`.")
    return journey


@require_permission(CAN_VIEW_JOURNEY)
def journey_map(request: HttpRequest) -> HttpResponse:
    journey = _active_journey()
    touchpoints = journey.touchpoints.select_related("owner").all()
    return render(request, "journeys/map.html", {"journey": journey, "touchpoints": touchpoints})


@require_permission(CAN_VIEW_JOURNEY)
def touchpoint_detail(request: HttpRequest, key: str) -> HttpResponse:
    journey = _active_journey()
    touchpoint = get_object_or_404(Touchpoint.objects.select_related("owner"), journey=journey, key=key)
    return render(request, "journeys/touchpoint.html", {"journey": journey, "touchpoint": touchpoint})
