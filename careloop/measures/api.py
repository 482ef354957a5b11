"""Measurements in the JSON API: aggregate figures only, for everyone who may see aggregates."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router

from careloop.accounts.access import require_api_permission
from careloop.accounts.roles import CAN_VIEW_AGGREGATES
from careloop.measures.latest import latest_measurements
from careloop.measures.schemas import LatestMeasurementsOut

router = Router(tags=["measures"])


@router.get("/latest", response=LatestMeasurementsOut)
def latest(
    request: HttpRequest,
    period: Literal["week", "month"] = "month",
    by: Literal["", "provider", "location", "visit_type"] = "",
    standard: str = "",
) -> LatestMeasurementsOut:
    """The latest complete week or month of each standard of the active journey (the current period
    only while none is complete). Below a standard's minimum n, `suppressed` is true and the share,
    interval and goal are null: not enough data."""
    require_api_permission(request, CAN_VIEW_AGGREGATES)
    entries = latest_measurements(period, by, standard)
    return LatestMeasurementsOut(period=period, by=by or None, standards=[e.as_dict() for e in entries])  # type: ignore[misc]
