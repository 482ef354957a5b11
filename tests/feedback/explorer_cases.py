"""Analysed comments for the explorer and empathy-map tests: a response with its comment and the analysis
the pipeline would store, written directly so each test knows exactly what is there."""

from __future__ import annotations

from datetime import datetime

from careloop.feedback.models import CommentAnalysis
from careloop.feedback.redaction import redact
from careloop.surveys.instrument_file import load_instrument_file, shipped_instrument_files
from careloop.surveys.models import InstrumentVersion, Response

STAFF_NAMES = ("Amara Okafor", "Grace Lee")


def nps_version() -> InstrumentVersion:
    version = InstrumentVersion.objects.filter(instrument__key="nps").first()
    if version is not None:
        return version
    return load_instrument_file(next(p for p in shipped_instrument_files() if p.name == "nps.yaml"))


def analysed_comment(
    text: str,
    *,
    when: datetime,
    touchpoints: list[str],
    themes: list[str],
    sentiment: int = 3,
    language: str = "en",
    urgency: str = "",
    provider: str = "",
) -> CommentAnalysis:
    response = Response.objects.create(
        instrument_version=nps_version(),
        language=language,
        provider=provider,
        comment=text,
        started_at=when,
        completed_at=when,
        is_complete=True,
    )
    return CommentAnalysis.objects.create(
        response=response,
        touchpoints=touchpoints,
        themes=themes,
        sentiment=sentiment,
        language=language,
        urgency=urgency,
        redacted_text=redact(text, keep=STAFF_NAMES),
        model_name="test",
    )
