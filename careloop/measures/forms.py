"""Forms of the measures pages: every field validated, with limits."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms

from careloop.measures.models import SignalStatus
from careloop.measures.process_changes import DESCRIPTION_MAX

NOTE_MAX = 2000


class ProcessChangeForm(forms.Form):
    changed_on = forms.DateField(
        label="Changed on", help_text="The first day the process worked the new way (YYYY-MM-DD).",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    description = forms.CharField(
        label="What changed", max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="E.g. a second receptionist answers the phone on Monday mornings.",
    )

    def clean_changed_on(self) -> date:
        value: date = self.cleaned_data["changed_on"]
        # A change is recorded when it happens or after; a date far in the future is a typo.
        if value > date.today() + timedelta(days=366):
            raise forms.ValidationError("That date is more than a year away: a change is recorded when it takes effect.")
        if value < date(2000, 1, 1):
            raise forms.ValidationError("That date is before 2000: check the year.")
        return value

    def clean_description(self) -> str:
        text = str(self.cleaned_data["description"]).strip()
        if not text:
            raise forms.ValidationError("Describe the change.")
        return text


class SignalStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="New status",
        choices=[(SignalStatus.ACKNOWLEDGED, "Acknowledged: someone is looking into it"), (SignalStatus.CLOSED, "Closed")],
    )
    note = forms.CharField(
        label="Note", max_length=NOTE_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when closing: what was found, or what was done.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("status") == SignalStatus.CLOSED and not str(cleaned.get("note", "")).strip():
            self.add_error("note", "Say why the signal is closed: what was found, or what was done.")
        return cleaned
