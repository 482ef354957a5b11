"""Complete survey responses for the staff-page tests, made as the answer page would store them
(top box and 0-100 score derived from the instrument version), at a chosen time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from careloop.surveys.answering import derived_scores
from careloop.surveys.instrument_file import active_instrument_version, load_shipped_instruments, spec_of
from careloop.surveys.models import Anonymity, Answer, Invitation, Response

UTC = ZoneInfo("UTC")


def at(year: int, month: int, day: int, hour: int = 15) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def answered(
    instrument: str,
    answers: dict[str, str],
    *,
    completed_at: datetime,
    provider: str = "dr-okafor",
    language: str = "en",
    comment: str = "",
    anonymity: str = Anonymity.CONFIDENTIAL,
    invitation: Invitation | None = None,
    touchpoint: str = "",
    complete: bool = True,
) -> Response:
    load_shipped_instruments()
    version = active_instrument_version(instrument)
    assert version is not None
    spec = spec_of(version)
    response = Response.objects.create(
        instrument_version=version,
        invitation=invitation,
        language=language,
        provider=provider,
        location="main-street",
        visit_type="established",
        touchpoint=touchpoint,
        anonymity=anonymity,
        consent_to_contact=anonymity == Anonymity.CONTACT,
        comment=comment,
        started_at=completed_at,
        completed_at=completed_at if complete else None,
        is_complete=complete,
    )
    for key, value in answers.items():
        item = spec.item(key)
        assert item is not None, key
        top, score = derived_scores(item, value)
        Answer.objects.create(response=response, item_key=key, value=value, top_box=top, score_100=score)
    return response


def nps_answers(ratings: list[int], completed_at: datetime, **options: object) -> list[Response]:
    return [answered("nps", {"likely-to-recommend": str(r)}, completed_at=completed_at, **options) for r in ratings]  # type: ignore[arg-type]
