"""Which responses a staff page lists: the filters people use (dates, instrument, provider, touchpoint,
score band, has a comment, language), checked as a form, and the query they make.

Only complete responses are listed: a survey stopped halfway is kept confidential (docs/surveys.md,
"The answer page") and is never shown one by one. Nothing here names a patient: the list shows what
the patient said, not who they are (that is response_access.py's job, audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.db.models import QuerySet

from careloop.surveys.instrument_file import ZERO_TEN, spec_of
from careloop.surveys.languages import available_languages
from careloop.surveys.models import Answer, Instrument, InstrumentVersion, Response

PAGE_SIZE = 50
# The bands of a 0-10 rating, as NPS counts them (Reichheld 2003): 9-10 promoters, 7-8 passives,
# 0-6 detractors. A response's band is that of its 0-10 rating (the NPS question or the provider rating).
SCORE_BANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "promoter": ("9-10 (promoter)", ("9", "10")),
    "passive": ("7-8 (passive)", ("7", "8")),
    "detractor": ("0-6 (detractor)", tuple(str(n) for n in range(7))),
}
# Dates outside these years are typing mistakes, not a survey period.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def practice_day_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """[start, end] as whole days in the practice's time zone: [start 00:00, the day after end 00:00)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    since = datetime.combine(start, time.min, tzinfo=zone) if start else None
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone) if end else None
    return since, until


class DateRangeForm(forms.Form):
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        for name in ("start", "end"):
            day = data.get(name)
            if isinstance(day, date) and not FIRST_YEAR <= day.year <= LAST_YEAR:
                self.add_error(name, f"Give a date between {FIRST_YEAR} and {LAST_YEAR}.")
        if isinstance(start, date) and isinstance(end, date) and start > end:
            self.add_error("end", "The end date is before the start date.")
        return data

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The period asked for; the whole history when the form is empty or invalid."""
        if not self.is_valid():
            return None, None
        return practice_day_bounds(self.cleaned_data.get("start"), self.cleaned_data.get("end"))


def _distinct(field: str) -> list[tuple[str, str]]:
    values = Response.objects.filter(is_complete=True).exclude(**{field: ""}).values_list(field, flat=True).distinct()
    return [(value, value) for value in sorted(values)]


class ResponseFilterForm(DateRangeForm):
    """The responses list's filters. Every choice comes from what exists, so a hand-made URL with an
    unknown provider is a form error, not an empty list that looks like a result."""

    instrument = forms.ChoiceField(required=False)
    provider = forms.ChoiceField(required=False)
    touchpoint = forms.ChoiceField(required=False)
    score = forms.ChoiceField(required=False, label="Score (0-10 rating)")
    comment = forms.ChoiceField(
        required=False,
        label="Comment",
        choices=[("", "Any"), ("yes", "With a comment"), ("no", "Without a comment")],
    )
    language = forms.ChoiceField(required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        any_choice = [("", "Any")]
        self.fields["instrument"].choices = any_choice + [(i.key, i.key) for i in Instrument.objects.order_by("key")]  # type: ignore[attr-defined]
        self.fields["provider"].choices = any_choice + _distinct("provider")  # type: ignore[attr-defined]
        self.fields["touchpoint"].choices = any_choice + _distinct("touchpoint")  # type: ignore[attr-defined]
        self.fields["score"].choices = any_choice + [(k, label) for k, (label, _) in SCORE_BANDS.items()]  # type: ignore[attr-defined]
        self.fields["language"].choices = any_choice + [(code, code) for code in available_languages()]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ResponseFilters:
    since: datetime | None = None
    until: datetime | None = None
    instrument: str = ""
    provider: str = ""
    touchpoint: str = ""
    score: str = ""
    comment: str = ""
    language: str = ""

    @classmethod
    def from_form(cls, form: ResponseFilterForm) -> ResponseFilters:
        """The filters of a valid form; call only after is_valid()."""
        data = form.cleaned_data
        since, until = practice_day_bounds(data.get("start"), data.get("end"))
        return cls(
            since=since,
            until=until,
            **{name: data.get(name) or "" for name in ("instrument", "provider", "touchpoint", "score", "comment", "language")},
        )


def rating_item_keys() -> list[str]:
    """The 0-10 rating questions of every instrument version (NPS, provider rating, staff pulse)."""
    keys: set[str] = set()
    for version in InstrumentVersion.objects.all():
        keys.update(item.key for item in spec_of(version).items() if item.type == ZERO_TEN and not item.screener)
    return sorted(keys)


def filtered_responses(filters: ResponseFilters) -> QuerySet[Response]:
    responses = Response.objects.filter(is_complete=True).select_related("instrument_version__instrument")
    if filters.since is not None:
        responses = responses.filter(completed_at__gte=filters.since)
    if filters.until is not None:
        responses = responses.filter(completed_at__lt=filters.until)
    if filters.instrument:
        responses = responses.filter(instrument_version__instrument__key=filters.instrument)
    for name in ("provider", "touchpoint", "language"):
        if value := getattr(filters, name):
            responses = responses.filter(**{name: value})
    if filters.comment == "yes":
        responses = responses.exclude(comment="")
    elif filters.comment == "no":
        responses = responses.filter(comment="")
    if filters.score in SCORE_BANDS:
        in_band = Answer.objects.filter(item_key__in=rating_item_keys(), value__in=SCORE_BANDS[filters.score][1])
        responses = responses.filter(pk__in=in_band.values("response_id"))
    return responses.order_by("-completed_at", "-pk")


def band_of(rating: str | None) -> str:
    """promoter, passive or detractor ("" without a rating)."""
    return next((band for band, (_, values) in SCORE_BANDS.items() if rating in values), "") if rating else ""


def ratings_of(responses: list[Response]) -> dict[int, str]:
    """Each listed response's 0-10 rating, in one query for the page."""
    answers = Answer.objects.filter(response__in=responses, item_key__in=rating_item_keys()).values_list("response_id", "value")
    return {response_id: value for response_id, value in answers}
