"""The explorer's forms: the filters (a GET form) and the label correction of one comment."""

from __future__ import annotations

from typing import Any

from django import forms

from careloop.feedback.explorer import LANGUAGES, Filters, provider_choices, touchpoint_names
from careloop.feedback.models import Sentiment, Urgency
from careloop.feedback.themes import THEMES

ANY = [("", "Any")]
MAX_SEARCH = 200


class FilterForm(forms.Form):
    q = forms.CharField(label="Search the comments", max_length=MAX_SEARCH, required=False, strip=True)
    touchpoint = forms.ChoiceField(label="Touchpoint", required=False)
    theme = forms.ChoiceField(label="Theme", required=False, choices=ANY + list(THEMES.items()))
    sentiment = forms.TypedChoiceField(
        label="Sentiment", required=False, coerce=int, empty_value=None, choices=ANY + list(Sentiment.choices)
    )
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    provider = forms.ChoiceField(label="Provider", required=False)
    language = forms.ChoiceField(label="Language", required=False, choices=ANY + list(LANGUAGES.items()))
    urgency = forms.ChoiceField(
        label="Urgency",
        required=False,
        choices=ANY
        + [("urgent", "Any urgent"), ("none", "Not urgent")]
        + [(value, label) for value, label in Urgency.choices if value],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["touchpoint"].choices = ANY + sorted(touchpoint_names().items(), key=lambda kv: kv[1])  # type: ignore[attr-defined]
        self.fields["provider"].choices = ANY + provider_choices()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            text=data.get("q") or "",
            touchpoint=data.get("touchpoint") or "",
            theme=data.get("theme") or "",
            sentiment=data.get("sentiment"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            provider=data.get("provider") or "",
            language=data.get("language") or "",
            urgency=data.get("urgency") or "",
        )


class CorrectionForm(forms.Form):
    """Touchpoints and themes (several may apply) and sentiment. It checks what is posted; the explorer
    draws the inputs itself (views.CorrectionControl), for speed."""

    touchpoints = forms.MultipleChoiceField(label="Touchpoints", required=False, widget=forms.CheckboxSelectMultiple)
    themes = forms.MultipleChoiceField(
        label="Themes", required=False, widget=forms.CheckboxSelectMultiple, choices=list(THEMES.items())
    )
    sentiment = forms.TypedChoiceField(label="Sentiment", coerce=int, choices=list(Sentiment.choices))

    def __init__(self, *args: Any, touchpoint_choices: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = touchpoint_choices if touchpoint_choices is not None else list(touchpoint_names().items())
        self.fields["touchpoints"].choices = choices  # type: ignore[attr-defined]

    def clean_themes(self) -> list[str]:
        themes: list[str] = self.cleaned_data.get("themes") or []
        if not themes:
            raise forms.ValidationError("Choose at least one theme (\"Other\" if none fits).")
        return themes
