"""Pages of the measures stage: a standard's SPC chart and breakdown, the events that failed it,
recording a process change, working a signal, the list of open signals, and owners' scorecards."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from careloop.accounts.access import require_permission
from careloop.accounts.models import StaffMember, User
from careloop.accounts.roles import CAN_EDIT_JOURNEY, CAN_RECORD_CHANGES, CAN_VIEW_AGGREGATES
from careloop.measures.drilldown import DrilldownUnavailable, breakdown_from_query, failed_events, period_from_query
from careloop.measures.forms import ProcessChangeForm, SignalStatusForm
from careloop.measures.models import Signal
from careloop.measures.periods import PeriodKind
from careloop.measures.process_changes import ProcessChangeError, record_process_change
from careloop.measures.scorecard import build_scorecard
from careloop.measures.series import standard_series
from careloop.measures.signals import SignalStatusError, change_signal_status, open_signals
from careloop.measures.standard_page import active_standard_or_404, breakdown_value_name, build_standard_page


def _period_kind(request: HttpRequest, default: str) -> str:
    kind = request.GET.get("kind", default)
    return kind if kind in PeriodKind.values else default


@require_permission(CAN_VIEW_AGGREGATES)
def standard_detail(request: HttpRequest, standard_key: str) -> HttpResponse:
    standard = active_standard_or_404(standard_key)
    page = build_standard_page(standard, _period_kind(request, PeriodKind.WEEK))
    return render(request, "measures/standard.html", {"page": page, "change_form": ProcessChangeForm()})


@require_permission(CAN_VIEW_AGGREGATES)
def standard_failures(request: HttpRequest, standard_key: str) -> HttpResponse:
    """?period=YYYY-MM-DD&kind=week|month[&by=owner&value=fran-frontdesk]; without a period, the
    latest charted one; with a breakdown, only that breakdown value's failures."""
    standard = active_standard_or_404(standard_key)
    kind = _period_kind(request, PeriodKind.WEEK)
    context: dict[str, object] = {"standard": standard, "kind": kind}
    breakdown = breakdown_from_query(standard, request.GET.get("by", ""), request.GET.get("value", ""))
    if breakdown is None:
        context["error"] = "That breakdown is not one this standard is measured by: pick a row from the standard's breakdown table."
        return render(request, "measures/failures.html", context, status=400)
    if breakdown[0]:
        context["breakdown_words"] = breakdown_value_name(breakdown[0], breakdown[1])
    raw = request.GET.get("period", "")
    if raw:
        period = period_from_query(raw, kind)
        if period is None:
            context["error"] = f"“{raw[:20]}” is not the first day of a {kind}: pick a period from the standard's table."
            return render(request, "measures/failures.html", context, status=400)
    else:
        charted = standard_series(standard, kind).charted
        period = charted[-1].period if charted else None
    if period is None:
        context["error"] = "No complete period has been measured yet."
        return render(request, "measures/failures.html", context)
    context["period"] = period
    try:
        context["failures"] = failed_events(_user(request), standard, period, request=request, breakdown=breakdown)
    except DrilldownUnavailable as error:
        context["error"] = str(error)
    return render(request, "measures/failures.html", context)


@require_permission(CAN_RECORD_CHANGES)
def record_change(request: HttpRequest, standard_key: str) -> HttpResponse:
    standard = active_standard_or_404(standard_key)
    form = ProcessChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record_process_change(
                standard, form.cleaned_data["changed_on"], form.cleaned_data["description"], user=_user(request)
            )
        except ProcessChangeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Process change recorded: the chart's limits are recalculated from it.")
            return redirect(reverse("measures:standard", args=[standard.key]))
    status = 400 if request.method == "POST" else 200
    return render(request, "measures/record_change.html", {"standard": standard, "form": form}, status=status)


@require_permission(CAN_RECORD_CHANGES)
def signal_status(request: HttpRequest, signal_id: UUID) -> HttpResponse:
    signal = get_object_or_404(Signal.objects.select_related("standard", "standard__touchpoint"), external_id=signal_id)
    form = SignalStatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change_signal_status(signal, form.cleaned_data["status"], form.cleaned_data["note"], _user(request))
        except SignalStatusError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Signal {signal.get_status_display().lower()}.")
            return redirect(reverse("measures:standard", args=[signal.standard.key]))
    status = 400 if request.method == "POST" else 200
    return render(request, "measures/signal.html", {"signal": signal, "form": form}, status=status)


@require_permission(CAN_VIEW_AGGREGATES)
def signal_list(request: HttpRequest) -> HttpResponse:
    signals = open_signals().order_by("-triggered_period", "standard__key")[:500]
    return render(request, "measures/signals.html", {"signals": signals})


@require_permission(CAN_VIEW_AGGREGATES)
def my_scorecard(request: HttpRequest) -> HttpResponse:
    owner = StaffMember.objects.filter(user=_user(request)).first()
    if owner is None:
        return render(request, "measures/scorecard.html", {"card": None, "mine": True})
    card = build_scorecard(request, owner, _period_kind(request, PeriodKind.MONTH))
    return render(request, "measures/scorecard.html", {"card": card, "mine": True})


@require_permission(CAN_EDIT_JOURNEY)
def owner_scorecard(request: HttpRequest, owner_key: str) -> HttpResponse:
    """Any owner's scorecard, for the people who assign owners (managers; the IT admin sees aggregates too)."""
    owner = StaffMember.objects.filter(key=owner_key).first()
    if owner is None:
        raise Http404
    card = build_scorecard(request, owner, _period_kind(request, PeriodKind.MONTH))
    return render(request, "measures/scorecard.html", {"card": card, "mine": False})


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # require_permission has signed them in
    return user
