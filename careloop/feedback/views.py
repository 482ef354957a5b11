"""The feedback explorer (/feedback/) and the empathy map (/feedback/empathy-map/): comments, redacted,
for people with `can_view_comments`; the label correction for people with `can_correct_labels`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from careloop.accounts.access import require_permission
from careloop.accounts.models import User
from careloop.accounts.roles import CAN_CORRECT_LABELS, CAN_VIEW_COMMENTS
from careloop.feedback import explorer
from careloop.feedback.empathy import empathy_map_view
from careloop.feedback.explorer import CommentRow, Filters
from careloop.feedback.forms import CorrectionForm, FilterForm
from careloop.feedback.models import Sentiment
from careloop.feedback.themes import THEMES

PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _query_without(query: QueryDict, *names: str, **values: str) -> str:
    """The current filters as a query string, minus some parameters, plus others."""
    params = {k: v for k, v in query.items() if k not in names and k not in values and v}
    params.update({k: v for k, v in values.items() if v})
    return urlencode(params)


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    checked: bool
    id: str


@dataclass(frozen=True)
class CorrectionControl:
    """What the correction form of one comment shows. Drawn by the template itself, not by Django's
    widgets: 25 comments × 25 checkboxes through the widget templates took most of the page's time."""

    analysis_id: uuid.UUID
    next_url: str
    touchpoints: list[Choice]
    themes: list[Choice]
    sentiments: list[Choice]


def correction_control(row: CommentRow, touchpoints: list[tuple[str, str]], next_url: str, n: int) -> CorrectionControl:
    def choices(name: str, options: list[tuple[str, str]], selected: set[str]) -> list[Choice]:
        return [Choice(value, label, value in selected, f"c{n}-{name}-{i}") for i, (value, label) in enumerate(options)]

    return CorrectionControl(
        analysis_id=row.analysis_id,
        next_url=next_url,
        touchpoints=choices("touchpoints", touchpoints, set(row.touchpoints)),
        themes=choices("themes", list(THEMES.items()), set(row.themes)),
        sentiments=choices("sentiment", [(str(v), str(label)) for v, label in Sentiment.choices], {str(row.sentiment)}),
    )


@require_permission(CAN_VIEW_COMMENTS)
@require_GET
def explorer_page(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    filters = form.filters() if form.is_bound and form.is_valid() else Filters()
    rows = explorer.find_comments(_user(request), filters)
    until = filters.date_to or timezone.localdate()
    touchpoint_names = explorer.touchpoint_names()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    can_correct = _user(request).can(CAN_CORRECT_LABELS)
    here = request.get_full_path()
    touchpoint_choices = sorted(touchpoint_names.items(), key=lambda kv: kv[1])
    providers = dict(explorer.provider_choices())
    comments = [
        {
            "row": row,
            "provider_name": providers.get(row.provider, row.provider),
            "touchpoint_names": [touchpoint_names.get(k, k) for k in row.touchpoints],
            "theme_names": [explorer.theme_names().get(k, k) for k in row.themes],
            "correction": correction_control(row, touchpoint_choices, here, n) if can_correct else None,
        }
        for n, row in enumerate(page.object_list)
    ]
    context: dict[str, Any] = {
        "form": form,
        "filters": filters,
        "total": len(rows),
        "theme_bars": explorer.bars(rows, "themes", explorer.theme_names(), until),
        "touchpoint_bars": explorer.bars(rows, "touchpoints", touchpoint_names, until),
        "sentiment_counts": explorer.sentiment_counts(rows),
        "months": explorer.month_starts(until),
        "page": page,
        "comments": comments,
        "theme_query": _query_without(request.GET, "page", "theme"),
        "touchpoint_query": _query_without(request.GET, "page", "touchpoint"),
        "page_query": _query_without(request.GET, "page"),
    }
    return render(request, "feedback/explorer.html", context)


def _safe_next(request: HttpRequest) -> str:
    """Back to the explorer page the correction came from, never off the site."""
    next_url = request.POST.get("next", "")
    if next_url.startswith("/feedback/") and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return next_url
    return reverse("feedback:explorer")


@require_permission(CAN_CORRECT_LABELS)
@require_http_methods(["GET", "POST"])
def correct_labels(request: HttpRequest, analysis_id: uuid.UUID) -> HttpResponse:
    """GET: one comment with its correction form (the explorer's forms post here too). POST: save."""
    user = _user(request)
    analysis = explorer.get_analysis_for_correction_or_404(user, analysis_id)
    if request.method == "GET":
        row = explorer.row_for_correction(analysis)
        touchpoint_choices = sorted(explorer.touchpoint_names().items(), key=lambda kv: kv[1])
        correction = correction_control(row, touchpoint_choices, reverse("feedback:explorer"), 0)
        return render(request, "feedback/correct.html", {"row": row, "correction": correction})
    form = CorrectionForm(request.POST)
    next_url = _safe_next(request)
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label if name in form.fields else name}: {' '.join(str(e) for e in errors)}"
            for name, errors in form.errors.items()
        )
        messages.error(request, f"The correction was not saved. {problems}")
        return HttpResponseRedirect(next_url)
    changed = explorer.correct_labels(
        analysis,
        user,
        touchpoints=form.cleaned_data["touchpoints"],
        themes=form.cleaned_data["themes"],
        sentiment=form.cleaned_data["sentiment"],
    )
    if changed:
        fields = ", ".join(str(c.get_field_display()).lower() for c in changed)
        messages.success(request, f"Correction saved ({fields}); it will be used at the next training.")
    else:
        messages.info(request, "Nothing changed.")
    return HttpResponseRedirect(next_url)


@require_permission(CAN_VIEW_COMMENTS)
@require_GET
def empathy_map_page(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/empathy_map.html", {"voices": empathy_map_view(_user(request))})
