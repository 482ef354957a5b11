from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from careloop.accounts.roles import CAN_VIEW_JOURNEY
from careloop.journeys.models import Journey

router = Router(tags=["journey"])


class TouchpointOut(Schema):
    key: str
    name: str
    channel: str
    is_origin: bool
    owner: str | None
    next: list[str]


@router.get("/touchpoints", response=list[TouchpointOut])
def list_touchpoints(request: HttpRequest) -> list[TouchpointOut]:
    if not request.user.can(CAN_VIEW_JOURNEY):  # type: ignore[union-attr]
        raise Http404
    journey = Journey.objects.filter(is_active=True).first()
    if journey is None:
        return []
    return [
        TouchpointOut(
            key=t.key,
            name=t.name,
            channel=t.channel,
            is_origin=t.is_origin,
            owner=t.owner.name if t.owner else None,
            next=[n.key for n in t.next.all()],
        )
        for t in journey.touchpoints.select_related("owner").prefetch_related("next")
    ]
