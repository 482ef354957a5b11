"""The weekly brief as a page and as a PDF (aggregates and redacted words: CAN_VIEW_AGGREGATES)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from careloop.accounts.access import require_permission
from careloop.accounts.roles import CAN_VIEW_AGGREGATES
from careloop.measures.series import today_in_practice
from careloop.reports.brief import THUMBNAIL_WEEKS, Brief, BriefError, build_brief, last_complete_week, parse_week
from careloop.reports.pdf import brief_pdf as render_pdf


def _brief_for(request: HttpRequest) -> Brief:
    raw = request.GET.get("week", "").strip()
    try:
        week_start = parse_week(raw) if raw else last_complete_week(today_in_practice())
        return build_brief(week_start)
    except BriefError as error:
        raise Http404(str(error)) from None


@require_permission(CAN_VIEW_AGGREGATES)
def brief_page(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/brief.html", {"brief": _brief_for(request), "thumbnail_weeks": THUMBNAIL_WEEKS})


@require_permission(CAN_VIEW_AGGREGATES)
def brief_pdf(request: HttpRequest) -> HttpResponse:
    brief = _brief_for(request)
    response = HttpResponse(render_pdf(brief), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="careloop-brief-{brief.week}.pdf"'
    return response
