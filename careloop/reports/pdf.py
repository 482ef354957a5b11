"""The brief as a one-page PDF, drawn by WeasyPrint from the same template as the page."""

from __future__ import annotations

from pathlib import Path

from django.template.loader import render_to_string

from careloop.reports.brief import THUMBNAIL_WEEKS, Brief

PRINT_CSS = Path(__file__).resolve().parent / "static" / "reports" / "brief-print.css"


def brief_html(brief: Brief) -> str:
    return render_to_string("reports/brief_print.html", {"brief": brief, "thumbnail_weeks": THUMBNAIL_WEEKS})


def brief_pdf(brief: Brief) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only the PDF needs.
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]

    pdf = HTML(string=brief_html(brief)).write_pdf(stylesheets=[CSS(filename=str(PRINT_CSS))])
    assert pdf is not None
    return bytes(pdf)
