from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from careloop.accounts.access import require_permission
from careloop.accounts.roles import CAN_SEARCH_PATIENTS, CAN_VIEW_PATIENT_EVENTS
from careloop.events.access import find_patient_or_none, get_patient_timeline_or_404


@require_permission(CAN_VIEW_PATIENT_EVENTS)
@require_GET
def patient_timeline(request: HttpRequest, patient_ref: str) -> HttpResponse:
    timeline = get_patient_timeline_or_404(request.user, patient_ref, request)  # type: ignore[arg-type]
    context = {"timeline": timeline, "entries": timeline.entries(), "time_zone": timezone.get_current_timezone_name()}
    return render(request, "events/patient_timeline.html", context)


@require_permission(CAN_SEARCH_PATIENTS)
@require_GET
def patient_search(request: HttpRequest) -> HttpResponse:
    ref = request.GET.get("ref", "")
    if ref.strip():
        found = find_patient_or_none(request.user, ref, request)  # type: ignore[arg-type]
        if found is not None:
            return redirect("events:patient_timeline", patient_ref=found)
    return render(request, "events/patient_search.html", {"ref": ref, "searched": bool(ref.strip())})
