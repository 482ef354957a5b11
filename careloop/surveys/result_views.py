"""Staff pages about answers: the results of an instrument (what views.instrument_results renders),
the responses list, one response, and the de-identified CSV export.

Charts are drawn on the server as SVG with attributes (widths, points), never `style=`, because the
strict Content-Security-Policy forbids inline styles (docs/security.md); each chart repeats figures
that are also written out in a table, so it is hidden from screen readers (aria-hidden).
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from careloop.accounts import audit
from careloop.accounts.access import require_permission
from careloop.accounts.roles import CAN_VIEW_RESPONSES
from careloop.surveys import response_rates, results
from careloop.surveys.instrument_file import InstrumentSpec
from careloop.surveys.models import Instrument, InstrumentVersion
from careloop.surveys.response_access import get_response_or_404
from careloop.surveys.response_export import write_responses_csv
from careloop.surveys.response_list import (
    PAGE_SIZE,
    DateRangeForm,
    ResponseFilterForm,
    ResponseFilters,
    band_of,
    filtered_responses,
    ratings_of,
)

BAR_WIDTH = 200
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 160, 36, 3


# --- chart geometry -----------------------------------------------------------------------------


def bar_length(share: float) -> str:
    """A share (0-1) as the width of a bar of BAR_WIDTH pixels, one decimal."""
    return f"{max(0.0, min(1.0, share)) * BAR_WIDTH:.1f}"


@dataclass(frozen=True)
class Sparkline:
    points: str
    dots: list[tuple[str, str]]


def sparkline(line: results.TrendLine, months: int) -> Sparkline | None:
    """The months with a figure as a polyline; NPS runs -100..100, shares 0..1. None below 2 points."""
    shown = line.shown
    if len(shown) < 2 or months < 2:
        return None
    low, high = (-100.0, 100.0) if line.kind == "nps" else (0.0, 1.0)
    inner_w, inner_h = SPARK_WIDTH - 2 * SPARK_PAD, SPARK_HEIGHT - 2 * SPARK_PAD
    coords = [
        (f"{SPARK_PAD + inner_w * index / (months - 1):.1f}", f"{SPARK_PAD + inner_h * (high - value) / (high - low):.1f}")
        for index, value in shown
    ]
    return Sparkline(" ".join(f"{x},{y}" for x, y in coords), coords)


# --- the results page ---------------------------------------------------------------------------


def results_context(request: HttpRequest, instrument: Instrument, active: InstrumentVersion, spec: InstrumentSpec) -> dict[str, Any]:
    """Everything instrument_results shows, for the period and breakdown asked for."""
    form = DateRangeForm(request.GET or None)
    since, until = form.bounds()
    by = request.GET.get("by", "")
    by = by if by in results.BREAKDOWNS else ""
    adjust = request.GET.get("adjust") == "1" and by in results.ADJUSTABLE
    min_n = int(settings.MIN_N_DEFAULT)
    rows = results.response_rows(instrument, spec, since, until)
    lines = results.result_lines(spec, rows, by=by, min_n=min_n, adjust=adjust)
    months, trend = results.monthly_trend(spec, rows, min_n=min_n)
    rates = response_rates.channel_rates(since, until, instrument=instrument, min_n=min_n)
    return {
        "instrument": instrument,
        "version": active,
        "title": spec.title["en"],
        "form": form,
        "period_chosen": since is not None or until is not None,
        "lines": lines,
        "by": by,
        "by_label": results.BREAKDOWNS.get(by, ""),
        "breakdowns": results.BREAKDOWNS,
        "adjust": adjust,
        "can_adjust": by in results.ADJUSTABLE and any(item.case_mix for item in spec.items()),
        "groups": results.group_names(lines),
        "responses": len(rows),
        "min_n": min_n,
        "source": spec.source,
        "distributions": [
            {"item": item, "bars": [(option, bar_length(option.share)) for option in item.options]}
            for item in results.distributions(spec, rows, min_n=min_n)
        ],
        "months": months,
        "trend": [{"line": line, "chart": sparkline(line, len(months))} for line in trend],
        "rates": response_rates.used_channels(rates),
        "bar_width": BAR_WIDTH,
        "spark": {"width": SPARK_WIDTH, "height": SPARK_HEIGHT},
    }


# --- responses ----------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> tuple[ResponseFilterForm, ResponseFilters | None]:
    form = ResponseFilterForm(request.GET)
    return form, (ResponseFilters.from_form(form) if form.is_valid() else None)


@require_permission(CAN_VIEW_RESPONSES)
@require_GET
def response_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    page = None
    rows: list[dict[str, Any]] = []
    if filters is not None:
        page = Paginator(filtered_responses(filters), PAGE_SIZE).get_page(request.GET.get("page"))
        listed = list(page.object_list)
        ratings = ratings_of(listed)
        rows = [{"response": r, "rating": ratings.get(r.pk, ""), "band": band_of(ratings.get(r.pk))} for r in listed]
    query = {k: v for k, v in request.GET.items() if k in form.fields and v}
    context = {"form": form, "page": page, "rows": rows, "query": urlencode(query), "min_n": settings.MIN_N_DEFAULT}
    return render(request, "surveys/response_list.html", context, status=200 if filters is not None else 400)


@require_permission(CAN_VIEW_RESPONSES)
@require_GET
def response_detail(request: HttpRequest, response_id: uuid.UUID) -> HttpResponse:
    view = get_response_or_404(request.user, response_id, request)  # type: ignore[arg-type]
    return render(request, "surveys/response_detail.html", {"view": view, "response": view.response})


def export_filename(now: datetime) -> str:
    return f"careloop-responses-{timezone.localtime(now).date().isoformat()}.csv"


@require_permission(CAN_VIEW_RESPONSES)
@require_GET
def response_export(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    if filters is None:
        context: dict[str, Any] = {"form": form, "page": None, "rows": [], "query": "", "min_n": settings.MIN_N_DEFAULT}
        return render(request, "surveys/response_list.html", context, status=400)
    handle = io.StringIO()
    with transaction.atomic():
        count = write_responses_csv(filtered_responses(filters), handle)
        # De-identified, so no patient is named; the export itself is still on record (who, when, how many).
        audit.record(request.user, "export", "survey_responses", f"{count} responses", request=request)  # type: ignore[arg-type]
    response = HttpResponse(handle.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(timezone.now())}"'
    return response

