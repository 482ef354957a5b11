from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from careloop.accounts.access import require_permission
from careloop.accounts.roles import CAN_VIEW_JOURNEY
from careloop.journeys.map_drawing import draw_journey_map
from careloop.journeys.models import Journey, Touchpoint
from careloop.journeys.standard_status import LOOKS, touchpoint_states
from careloop.journeys.touchpoint_page import empathy_map, standard_rows


def _active_journey() -> Journey:
    journey = Journey.objects.filter(is_active=True).first()
    if journey is None:
        raise Http404("No journey loaded yet: run `careloop init`.")
    return journey


@require_permission(CAN_VIEW_JOURNEY)
def journey_map(request: HttpRequest) -> HttpResponse:
    journey = _active_journey()
    return render(request, "journeys/map.html", {"journey": journey, "drawing": draw_journey_map(journey)})


@require_permission(CAN_VIEW_JOURNEY)
def touchpoint_detail(request: HttpRequest, key: str) -> HttpResponse:
    journey = _active_journey()
    touchpoint = get_object_or_404(Touchpoint.objects.select_related("owner"), journey=journey, key=key)
    state = touchpoint_states(journey)[touchpoint.pk]
    context = {
        "journey": journey,
        "touchpoint": touchpoint,
        "state": state,
        "look": LOOKS[state],
        "standards": standard_rows(touchpoint),
        "empathy_map": empathy_map(touchpoint),
        "previous": touchpoint.previous.order_by("order", "key"),
        "next": touchpoint.next.order_by("order", "key"),
    }
    return render(request, "journeys/touchpoint.html", context)
