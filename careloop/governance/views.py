"""Governance pages: the board, reviews, strategy, recognition. Aggregates and redacted text only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from careloop.accounts.access import require_permission
from careloop.accounts.models import StaffMember, User
from careloop.accounts.roles import (
    CAN_EDIT_REVIEWS,
    CAN_MANAGE_RECOGNITION,
    CAN_VIEW_AGGREGATES,
    CAN_VIEW_COMMENTS,
    CAN_VIEW_JOURNEY,
)
from careloop.governance import recognition, reviews
from careloop.governance.board import build_board
from careloop.governance.forms import (
    ActionDoneForm,
    ActionForm,
    CauseForm,
    EvidenceForm,
    GoalForm,
    MomentForm,
    PickForm,
    ReviewForm,
)
from careloop.governance.models import Action, EvidenceKind, Moment, Review, ReviewEvidence, ReviewStatus, StrategicGoal
from careloop.governance.remeasure import Remeasurement, remeasure
from careloop.governance.strategy import goal_views
from careloop.measures.models import Signal
from careloop.measures.series import today_in_practice
from careloop.measures.spc_chart import ChartDrawing, draw_chart


@require_permission(CAN_VIEW_AGGREGATES)
def board(request: HttpRequest) -> HttpResponse:
    today = today_in_practice()
    return render(
        request,
        "governance/board.html",
        {"board": build_board(today), "reviews": Review.objects.select_related("standard")[:50]},
    )


@require_permission(CAN_EDIT_REVIEWS)
def review_new(request: HttpRequest) -> HttpResponse:
    signal = _signal_from(request.GET.get("signal", ""))
    initial: dict[str, Any] = {}
    if signal is not None:
        initial = {
            "title": f"{signal.standard.name}: {signal.get_rule_display().lower()}",
            "standard": signal.standard,
            "touchpoint": signal.standard.touchpoint,
        }
    form = ReviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        user: User = request.user  # type: ignore[assignment]
        review = Review.objects.create(**form.cleaned_data, signal=signal, created_by=user, updated_by=user)
        if signal is not None:
            reviews.link_evidence(review, EvidenceKind.SIGNAL, str(signal.external_id))
        return redirect("governance:review", review_id=review.external_id)
    return render(request, "governance/review_new.html", {"form": form, "signal": signal})


def _signal_from(raw: str) -> Signal | None:
    try:
        return Signal.objects.select_related("standard__touchpoint").get(external_id=uuid.UUID(raw)) if raw else None
    except (ValueError, Signal.DoesNotExist):
        return None


@dataclass(frozen=True)
class EvidenceView:
    link: ReviewEvidence
    title: str
    detail: str


def _evidence_views(review: Review, can_read_comments: bool) -> list[EvidenceView]:
    from careloop.feedback.models import CommentAnalysis
    from careloop.measures.models import Measurement
    from careloop.recovery.models import Case

    views = []
    for link in review.evidence.all():
        title, detail = link.get_kind_display(), ""
        if link.kind == EvidenceKind.SIGNAL:
            signal = Signal.objects.filter(external_id=link.ref).select_related("standard").first()
            if signal is not None:
                title = f"Signal on {signal.standard.name}"
                detail = f"{signal.get_rule_display()}, from {signal.first_period:%d %b %Y} ({signal.get_status_display().lower()})"
        elif link.kind == EvidenceKind.MEASUREMENT:
            measurement = Measurement.objects.filter(pk=int(link.ref)).select_related("standard").first()
            if measurement is not None:
                title = f"{measurement.standard.name}, {measurement.period_kind} of {measurement.period_start:%d %b %Y}"
                detail = "not enough data" if measurement.share is None else f"{measurement.n_met} of {measurement.n} met ({measurement.share:.0%})"
        elif link.kind == EvidenceKind.CASE:
            # Touchpoint, trigger and status only: who the patient was stays in the case (its own access check).
            case = Case.objects.filter(external_id=link.ref).select_related("touchpoint").first()
            if case is not None:
                where = case.touchpoint.name if case.touchpoint else "no touchpoint"
                title = f"Case at {where}"
                detail = f"{case.get_trigger_display()}; {case.get_status_display().lower()}; cause: {case.get_cause_category_display() or 'not recorded'}"
        elif link.kind == EvidenceKind.COMMENT:
            analysis = CommentAnalysis.objects.filter(external_id=link.ref).first()
            if analysis is not None:
                title = "Comment"
                detail = analysis.redacted_text if can_read_comments else "(comments are shown to roles that may read them)"
        views.append(EvidenceView(link, title, detail or link.note))
    return views


def _handle_review_post(request: HttpRequest, review: Review) -> HttpResponse | None:
    """The review page's forms; returns a redirect on success, None to re-render with errors."""
    which = request.POST.get("form", "")
    try:
        if which == "evidence":
            form: Any = EvidenceForm(request.POST)
            if form.is_valid():
                reviews.link_evidence(review, form.cleaned_data["kind"], form.cleaned_data["ref"], form.cleaned_data["note"])
                return redirect("governance:review", review_id=review.external_id)
        elif which == "cause":
            form = CauseForm(request.POST)
            if form.is_valid():
                reviews.add_cause(review, form.cleaned_data["statement"], form.cleaned_data["category"], form.whys())
                return redirect("governance:review", review_id=review.external_id)
        elif which == "action":
            form = ActionForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                reviews.add_action(review, data["description"], data["owner"], data["due_on"])
                return redirect("governance:review", review_id=review.external_id)
        elif which == "done":
            action = get_object_or_404(Action, review=review, external_id=_uuid(request.POST.get("action", "")))
            form = ActionDoneForm(request.POST)
            if form.is_valid():
                reviews.mark_action_done(action, form.cleaned_data["done_on"], request.user)  # type: ignore[arg-type]
                messages.success(request, "Action done: the change is recorded on the standard's chart.")
                return redirect("governance:review", review_id=review.external_id)
        elif which == "close":
            Review.objects.filter(pk=review.pk).update(status=ReviewStatus.CLOSED, updated_by=request.user)
            return redirect("governance:review", review_id=review.external_id)
        else:
            messages.error(request, "Unknown form.")
            return redirect("governance:review", review_id=review.external_id)
        messages.error(request, "; ".join(f"{field}: {' '.join(errs)}" for field, errs in form.errors.items()))
    except reviews.ReviewError as error:
        messages.error(request, str(error))
    return redirect("governance:review", review_id=review.external_id)


def _uuid(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise Http404 from None


@require_permission(CAN_VIEW_AGGREGATES)
def review_detail(request: HttpRequest, review_id: uuid.UUID) -> HttpResponse:
    review = get_object_or_404(Review.objects.select_related("standard", "touchpoint", "signal"), external_id=review_id)
    can_edit = request.user.can(CAN_EDIT_REVIEWS)  # type: ignore[union-attr]
    if request.method == "POST":
        if not can_edit:
            raise Http404
        response = _handle_review_post(request, review)
        if response is not None:
            return response
    today = today_in_practice()
    changed_on = reviews.latest_change_date(review)
    result: Remeasurement | None = None
    chart: ChartDrawing | None = None
    due = review.remeasure_on is not None and review.remeasure_on <= today
    if review.standard is not None and changed_on is not None and due:
        result = remeasure(review.standard, changed_on, until=today, process_since=reviews.process_since(review))
        chart = draw_chart(result.series, f"{review.standard.name}, weekly, before and after the change")
    return render(
        request,
        "governance/review.html",
        {
            "review": review,
            "evidence": _evidence_views(review, request.user.can(CAN_VIEW_COMMENTS)),  # type: ignore[union-attr]
            "causes": review.causes.all(),
            "actions": review.actions.select_related("owner"),
            "can_edit": can_edit,
            "changed_on": changed_on,
            "remeasure_due": due,
            "result": result,
            "chart": chart,
            "forms": {
                "evidence": EvidenceForm(),
                "cause": CauseForm(),
                "action": ActionForm(),
                "done": ActionDoneForm(initial={"done_on": today}),
            },
        },
    )


@require_permission(CAN_VIEW_AGGREGATES)
def strategy(request: HttpRequest) -> HttpResponse:
    views = goal_views(today_in_practice())
    return render(request, "governance/strategy.html", {"goals": views, "at_risk": sum(1 for g in views if g.at_risk)})


@require_permission(CAN_EDIT_REVIEWS)
def goal_new(request: HttpRequest) -> HttpResponse:
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        goal = StrategicGoal.objects.create(
            title=data["title"], description=data["description"], order=StrategicGoal.objects.count()
        )
        goal.standards.set(data["standards"])
        goal.touchpoints.set(data["touchpoints"])
        return redirect("governance:strategy")
    return render(request, "governance/goal_new.html", {"form": form})


@require_permission(CAN_MANAGE_RECOGNITION)
def recognition_queue(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        moment = get_object_or_404(Moment, external_id=_uuid(request.POST.get("moment", "")))
        if request.POST.get("form") == "set_aside":
            recognition.set_aside(moment)
            return redirect("governance:recognition")
        form = PickForm(request.POST)
        if form.is_valid():
            recognition.pick_moment_of_week(moment, form.cleaned_data["week_start"], request.user, form.cleaned_data["message"])  # type: ignore[arg-type]
            messages.success(request, "Moment of the week chosen; the staff named are recognised.")
        else:
            messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("governance:recognition")
    added = recognition.fill_queue()
    week = recognition.week_start_of(today_in_practice())
    return render(
        request,
        "governance/recognition.html",
        {
            "queue": recognition.queued_moments(),
            "added": added,
            "current": recognition.moment_of_week(week),
            "pick_form": PickForm(initial={"week_start": week}),
            "staff": StaffMember.objects.filter(is_active=True),
        },
    )


@require_permission(CAN_MANAGE_RECOGNITION)
def moment_new(request: HttpRequest) -> HttpResponse:
    form = MomentForm(request.POST or None, initial={"happened_on": today_in_practice()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recognition.add_moment(data["text"], list(data["staff"]), data["happened_on"], request.user)  # type: ignore[arg-type]
        except recognition.RecognitionError as error:
            form.add_error(None, str(error))
        else:
            return redirect("governance:recognition")
    return render(request, "governance/moment_new.html", {"form": form})


@require_permission(CAN_VIEW_JOURNEY)
def my_kind_words(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    member = StaffMember.objects.filter(user=user).first()
    words = recognition.kind_words_for(member) if member is not None else None
    return render(request, "governance/kind_words.html", {"member": member, "words": words, "own": True})


@require_permission(CAN_MANAGE_RECOGNITION)
def staff_kind_words(request: HttpRequest, staff_id: uuid.UUID) -> HttpResponse:
    member = get_object_or_404(StaffMember, external_id=staff_id)
    return render(
        request, "governance/kind_words.html", {"member": member, "words": recognition.kind_words_for(member), "own": False}
    )
