"""Pages for working cases: the inbox, a case, one page per action (each works without JavaScript
and from the keyboard), and the quick complaint form. Each view: load with access check, validate
the form, call one function in working.py / opening.py, redirect."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Case as SqlCase
from django.db.models import DateTimeField, F, Q, QuerySet, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from careloop.accounts.access import require_permission
from careloop.accounts.models import User
from careloop.journeys.journey_file import JourneyFileError
from careloop.journeys.models import Journey
from careloop.accounts.roles import (
    CAN_EDIT_JOURNEY,
    CAN_LOG_COMPLAINTS,
    CAN_VIEW_AGGREGATES,
    CAN_VIEW_COMMENTS,
    CAN_VIEW_JOURNEY,
    CAN_WORK_CASES,
)
from careloop.recovery import measurement, rule_settings, working
from careloop.recovery.access import contact_card_or_none, get_case_or_404
from careloop.recovery.forms import CloseLoopForm, ComplaintForm, ContactForm, ReasonForm, ReassignForm, ResolveForm, RulesForm
from careloop.recovery.heard import HEARD_STEPS, script_for
from careloop.recovery.models import OPEN_STATUSES, Case, EvidenceKind, Priority, Trigger
from careloop.recovery.opening import CaseOpening, open_case

INBOX_VIEWS = {"mine": "My open cases", "all": "All open cases", "overdue": "Overdue", "closed": "Recently closed"}
CLOSED_SHOWN = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def inbox_cases(user: User, show: str) -> QuerySet[Case]:
    cases = Case.objects.select_related("touchpoint", "owner")
    if show == "closed":
        return cases.exclude(status__in=OPEN_STATUSES).order_by("-resolved_at", "-pk")
    cases = cases.filter(status__in=OPEN_STATUSES)
    if show == "mine":
        cases = cases.filter(owner__user=user)
    # Sorted by the next due time: first contact until it is made, then resolution.
    due = SqlCase(
        When(Q(first_contacted_at__isnull=True, is_incident=False), then=F("first_contact_due")),
        default=F("resolution_due"),
        output_field=DateTimeField(),
    )
    cases = cases.annotate(next_due_at=due).order_by("next_due_at", "pk")
    if show == "overdue":
        cases = cases.filter(next_due_at__lte=timezone.now())
    return cases


@require_permission(CAN_WORK_CASES)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    default = "mine" if hasattr(user, "staff_member") else "all"
    show = request.GET.get("show", default)
    if show not in INBOX_VIEWS:
        show = default
    cases = list(inbox_cases(user, show)[: CLOSED_SHOWN if show == "closed" else None])
    now = timezone.now()
    rows = [{"case": c, "due": c.next_due(), "overdue": c.is_overdue(now)} for c in cases]
    return render(request, "recovery/inbox.html", {"rows": rows, "show": show, "views": INBOX_VIEWS})


def _evidence_rows(request: HttpRequest, case: Case) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    comments: dict[str, str] = {}
    comment_refs = [e.ref for e in case.evidence.all() if e.kind == EvidenceKind.COMMENT]
    if comment_refs and _user(request).can(CAN_VIEW_COMMENTS):
        from careloop.feedback.models import CommentAnalysis

        # Redacted text only: the case page is not the place for identifiers the patient wrote.
        comments = {str(k): v for k, v in CommentAnalysis.objects.filter(external_id__in=comment_refs).values_list("external_id", "redacted_text")}
    for evidence in case.evidence.all():
        rows.append({"evidence": evidence, "comment": comments.get(evidence.ref, "")})
    return rows


@require_permission(CAN_WORK_CASES)
@require_GET
def case_page(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = get_case_or_404(_user(request), case_id, request)
    context = {
        "case": case,
        "due": case.next_due(),
        "overdue": case.is_overdue(),
        "evidence": _evidence_rows(request, case),
        "contact": contact_card_or_none(_user(request), case, request),
        "contacts": list(case.contacts.select_related("by")),
        "history": list(case.history.select_related("by")),
        "heard": script_for(case),
        "heard_steps": HEARD_STEPS,
        "contact_form": ContactForm(),
    }
    return render(request, "recovery/case.html", context)


def _action(
    request: HttpRequest,
    case_id: uuid.UUID,
    form_class: Callable[..., forms.Form],
    title: str,
    act: Callable[[Case, User, dict[str, Any]], None],
    done: str,
) -> HttpResponse:
    """GET: the action's own page; POST: validate, act, back to the case with a message."""
    user = _user(request)
    case = get_case_or_404(user, case_id, request, audited=request.method == "GET")
    form = form_class(request.POST) if request.method == "POST" else form_class()
    if request.method == "POST" and form.is_valid():
        try:
            act(case, user, form.cleaned_data)
        except working.CaseStateError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done)
            return redirect("recovery:case", case_id=case.external_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "recovery/action.html", {"case": case, "form": form, "title": title}, status=status)


@require_permission(CAN_WORK_CASES)
@require_http_methods(["GET", "POST"])
def log_contact(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> None:
        working.log_contact(case, by=user, method=data["method"], said=data["said"], outcome=data["outcome"])

    return _action(request, case_id, ContactForm, "Log a contact", act, "Contact logged.")


@require_permission(CAN_WORK_CASES)
@require_http_methods(["GET", "POST"])
def resolve(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> None:
        working.resolve(
            case, by=user, recovery_offered=data["recovery_offered"], cause_category=data["cause_category"],
            fix_level=data["fix_level"], note=data["note"],
        )

    return _action(request, case_id, ResolveForm, "Resolve the case", act, "Case resolved.")


@require_permission(CAN_WORK_CASES)
@require_http_methods(["GET", "POST"])
def close_without_contact(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> None:
        working.close_without_contact(case, by=user, reason=data["reason"])

    return _action(request, case_id, ReasonForm, "Close without contact", act, "Case closed without contact.")


@require_permission(CAN_WORK_CASES)
@require_http_methods(["GET", "POST"])
def reopen(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> None:
        working.reopen(case, by=user, reason=data["reason"])

    return _action(request, case_id, ReasonForm, "Reopen the case", act, "Case reopened.")


@require_permission(CAN_WORK_CASES)
@require_http_methods(["GET", "POST"])
def reassign(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> None:
        working.reassign(case, by=user, owner=data["owner"], note=data["note"])

    return _action(request, case_id, ReassignForm, "Reassign the case", act, "Case reassigned.")


@require_permission(CAN_WORK_CASES)
@require_http_methods(["GET", "POST"])
def close_loop(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> None:
        working.record_close_loop_answer(case, by=user, answer=data["answer"])

    return _action(request, case_id, CloseLoopForm, "The patient's answer", act, "Answer recorded.")


@require_permission(CAN_LOG_COMPLAINTS)
@require_http_methods(["GET", "POST"])
def log_complaint(request: HttpRequest) -> HttpResponse:
    form = ComplaintForm(request.POST) if request.method == "POST" else ComplaintForm()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ref: str = data["patient_ref"]
        episode = f"complaint:{uuid.uuid4()}"
        opening = CaseOpening(
            dedupe_key=f"{ref}:{episode}" if ref else f"incident:{episode}",
            trigger=Trigger.COMPLAINT,
            summary=f"Complaint: {data['what_happened']}",
            touchpoint_key=data["touchpoint"].key,
            priority=data["priority"] or Priority.NORMAL,
            evidence_kind=EvidenceKind.COMPLAINT,
            evidence_ref=episode.split(":", 1)[1],
            evidence_detail=f"logged by {_user(request).email}",
            patient_ref=ref,
            is_incident=not ref,
        )
        case, _ = open_case(opening, by=_user(request))
        owner = case.owner.name if case.owner else "the practice manager"
        messages.success(request, f"Complaint logged; {owner} will follow it up.")
        return redirect("recovery:log_complaint")
    status = 400 if request.method == "POST" else 200
    return render(request, "recovery/complaint.html", {"form": form}, status=status)


@require_permission(CAN_VIEW_AGGREGATES)
@require_GET
def recovery_standards(request: HttpRequest) -> HttpResponse:
    """The recovery figures per touchpoint and per owner, and the journey's recovery standards with
    links to their pages (SPC charts): aggregates only, no case is named."""
    now = timezone.now()
    cases = measurement.recent_cases(now)
    standards = measurement.standards_of(Journey.objects.filter(is_active=True).first())
    context = {
        "overall": measurement.figures_for(cases, now, standards),
        "groups": [
            ("touchpoint", measurement.figures_by(measurement.by_touchpoint, cases, now, standards)),
            ("owner", measurement.figures_by(measurement.by_owner, cases, now, standards)),
        ],
        "weeks": measurement.WEEKS,
        "standards": standards,
        "journey_standards": measurement.journey_standard_rows(),
    }
    return render(request, "recovery/standards.html", context)


def _active_journey_or_404() -> Journey:
    journey = Journey.objects.filter(is_active=True).first()
    if journey is None:
        raise Http404("No journey loaded yet: run `careloop init`.")
    return journey


@require_permission(CAN_VIEW_JOURNEY)
@require_GET
def recovery_rules(request: HttpRequest) -> HttpResponse:
    """The rules that open cases and the SLA clocks, as the active journey sets them."""
    journey = _active_journey_or_404()
    names = dict(journey.touchpoints.values_list("key", "name"))
    rules = [
        {**rule, "label": Trigger(rule["kind"]).label, "touchpoint_name": names.get(rule.get("touchpoint", ""), "")}
        for rule in journey.recovery.get("rules", [])
    ]
    clocks = [{**entry, "touchpoint_name": names.get(entry.get("touchpoint", ""), "")} for entry in journey.recovery.get("sla", [])]
    can_edit = _user(request).can(CAN_EDIT_JOURNEY)
    return render(request, "recovery/rules.html", {"journey": journey, "rules": rules, "clocks": clocks, "can_edit": can_edit})


@require_permission(CAN_EDIT_JOURNEY)
@require_http_methods(["GET", "POST"])
def edit_recovery_rules(request: HttpRequest) -> HttpResponse:
    journey = _active_journey_or_404()
    form = RulesForm(request.POST if request.method == "POST" else None, journey=journey)
    if request.method == "POST" and form.is_valid():
        section = rule_settings.section_from_form(journey, form.cleaned_data, _user(request), timezone.localdate())
        try:
            saved = rule_settings.save_recovery_section(journey, section)
        except JourneyFileError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Recovery rules saved as journey version {saved.version}.")
            return redirect("recovery:rules")
    status = 400 if request.method == "POST" else 200
    return render(request, "recovery/rules_edit.html", {"form": form, "journey": journey}, status=status)
