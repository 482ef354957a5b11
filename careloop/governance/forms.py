from __future__ import annotations

from typing import Any

from django import forms

from careloop.accounts.models import StaffMember
from careloop.governance.models import EvidenceKind, FishboneCategory
from careloop.journeys.models import Standard, Touchpoint


class ReviewForm(forms.Form):
    title = forms.CharField(max_length=200)
    problem = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    standard = forms.ModelChoiceField(queryset=Standard.objects.filter(journey__is_active=True), required=False)
    touchpoint = forms.ModelChoiceField(queryset=Touchpoint.objects.filter(journey__is_active=True), required=False)
    remeasure_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(choices=EvidenceKind.choices)
    ref = forms.CharField(max_length=100, label="Id")
    note = forms.CharField(max_length=300, required=False)


class CauseForm(forms.Form):
    statement = forms.CharField(max_length=300, label="Root cause")
    category = forms.ChoiceField(choices=FishboneCategory.choices, label="Fishbone category")
    why1 = forms.CharField(max_length=300, required=False, label="Why? (1)")
    why2 = forms.CharField(max_length=300, required=False, label="Why? (2)")
    why3 = forms.CharField(max_length=300, required=False, label="Why? (3)")
    why4 = forms.CharField(max_length=300, required=False, label="Why? (4)")
    why5 = forms.CharField(max_length=300, required=False, label="Why? (5)")

    def whys(self) -> list[str]:
        return [self.cleaned_data[f"why{i}"] for i in range(1, 6)]


class ActionForm(forms.Form):
    description = forms.CharField(max_length=300)
    owner = forms.ModelChoiceField(queryset=StaffMember.objects.filter(is_active=True))
    due_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class ActionDoneForm(forms.Form):
    done_on = forms.DateField(label="Took effect on", widget=forms.DateInput(attrs={"type": "date"}))


class GoalForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    standards = forms.ModelMultipleChoiceField(queryset=Standard.objects.filter(journey__is_active=True), required=False)
    touchpoints = forms.ModelMultipleChoiceField(queryset=Touchpoint.objects.filter(journey__is_active=True), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("standards") and not data.get("touchpoints"):
            raise forms.ValidationError("Link the goal to at least one standard or touchpoint.")
        return data


class MomentForm(forms.Form):
    text = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label="What happened")
    staff = forms.ModelMultipleChoiceField(queryset=StaffMember.objects.filter(is_active=True))
    happened_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class PickForm(forms.Form):
    week_start = forms.DateField(label="Week starting (Monday)", widget=forms.DateInput(attrs={"type": "date"}))
    message = forms.CharField(max_length=300, required=False, label="A word of thanks")

    def clean_week_start(self) -> Any:
        value = self.cleaned_data["week_start"]
        if value.weekday() != 0:
            raise forms.ValidationError("Choose the Monday the week starts on.")
        return value
