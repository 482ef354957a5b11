"""The forms of working a case and logging a complaint; every field bounded."""

from __future__ import annotations

from typing import Any

from django import forms

from careloop.accounts.models import StaffMember
from careloop.journeys.models import Touchpoint
from careloop.recovery.models import (
    CauseCategory,
    CloseLoopAnswer,
    ContactMethod,
    ContactOutcome,
    FixLevel,
    Priority,
    RecoveryOffered,
)

NOTE_MAX = 500
SAID_MAX = 4000


class ContactForm(forms.Form):
    method = forms.ChoiceField(choices=ContactMethod.choices)
    outcome = forms.ChoiceField(choices=ContactOutcome.choices)
    said = forms.CharField(
        label="What was said", max_length=SAID_MAX, widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the patient told you and what you said or promised.",
    )


class ResolveForm(forms.Form):
    recovery_offered = forms.MultipleChoiceField(
        label="Recovery offered", choices=RecoveryOffered.choices, widget=forms.CheckboxSelectMultiple
    )
    cause_category = forms.ChoiceField(label="Cause category", choices=CauseCategory.choices)
    fix_level = forms.ChoiceField(label="Fix level", choices=FixLevel.choices, widget=forms.RadioSelect)
    note = forms.CharField(max_length=NOTE_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class CloseLoopForm(forms.Form):
    answer = forms.ChoiceField(
        label="Was this resolved for you?", choices=[c for c in CloseLoopAnswer.choices if c[0]], widget=forms.RadioSelect
    )


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=StaffMember.objects.none(), to_field_name="key")
    note = forms.CharField(max_length=NOTE_MAX, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = StaffMember.objects.filter(is_active=True).order_by("name")  # type: ignore[attr-defined]


class ComplaintForm(forms.Form):
    """The quick form at the desk or on the phone."""

    patient_ref = forms.CharField(
        label="Patient reference", max_length=100, required=False,
        help_text="As in the practice system. Leave empty if the person did not say who they are.",
    )
    touchpoint = forms.ModelChoiceField(queryset=Touchpoint.objects.none(), to_field_name="key")
    what_happened = forms.CharField(label="What went wrong", max_length=300)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["touchpoint"].queryset = Touchpoint.objects.filter(journey__is_active=True).order_by("order")  # type: ignore[attr-defined]

    def clean_patient_ref(self) -> str:
        value: str = self.cleaned_data["patient_ref"].strip()
        if any(ch.isspace() for ch in value):
            raise forms.ValidationError("A patient reference has no spaces.")
        return value


THRESHOLD_MAX = 10_000
SLA_DAYS_MAX = 60


class RulesForm(forms.Form):
    """Every rule kind (on or off, touchpoint, threshold, priority) and the clock per priority."""

    def __init__(self, *args: Any, journey: Any, **kwargs: Any) -> None:
        from careloop.journeys.recovery_section import PRIORITIES, RULE_KINDS, THRESHOLD_UNITS
        from careloop.recovery.rule_settings import rules_by_kind, sla_by_priority

        super().__init__(*args, **kwargs)
        touchpoints = [("", "— (by the evidence, else the practice manager)")] + [
            (t.key, t.name) for t in journey.touchpoints.order_by("order")
        ]
        rules = rules_by_kind(journey)
        for kind in RULE_KINDS:
            rule = rules.get(kind, {})
            self.fields[f"{kind}_on"] = forms.BooleanField(required=False, initial=bool(rule), label="On")
            self.fields[f"{kind}_touchpoint"] = forms.ChoiceField(
                choices=touchpoints, required=kind in THRESHOLD_UNITS, initial=rule.get("touchpoint", ""), label="Touchpoint"
            )
            if kind in THRESHOLD_UNITS:
                self.fields[f"{kind}_threshold"] = forms.FloatField(
                    min_value=0.01, max_value=THRESHOLD_MAX, initial=rule.get("threshold"),
                    label=f"Threshold ({THRESHOLD_UNITS[kind].replace('_', ' ')})",
                )
            self.fields[f"{kind}_priority"] = forms.ChoiceField(
                choices=[(p, p.capitalize()) for p in PRIORITIES], initial=rule.get("priority", "normal"), label="Priority"
            )
        clocks = sla_by_priority(journey)
        for priority in PRIORITIES:
            entry = clocks.get(priority, {})
            self.fields[f"sla_{priority}_first_contact"] = forms.IntegerField(
                min_value=0, max_value=SLA_DAYS_MAX, initial=entry.get("first_contact", 1), label="First contact (business days)"
            )
            self.fields[f"sla_{priority}_resolution"] = forms.IntegerField(
                min_value=0, max_value=SLA_DAYS_MAX, initial=entry.get("resolution", 5), label="Resolution (business days)"
            )
        self.kinds = RULE_KINDS
        self.priorities = PRIORITIES

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for priority in self.priorities:
            first, resolution = data.get(f"sla_{priority}_first_contact"), data.get(f"sla_{priority}_resolution")
            if first is not None and resolution is not None and resolution < first:
                self.add_error(f"sla_{priority}_resolution", "Resolution cannot come before first contact.")
        return data

    def rows(self) -> list[dict[str, Any]]:
        """The fields grouped per rule kind and per priority, for a table-like layout."""
        from careloop.recovery.models import Trigger

        return [
            {
                "kind": kind,
                "label": Trigger(kind).label,
                "fields": [self[name] for name in self.fields if name.startswith(f"{kind}_")],
            }
            for kind in self.kinds
        ]

    def clock_rows(self) -> list[dict[str, Any]]:
        return [
            {"priority": p.capitalize(), "fields": [self[f"sla_{p}_first_contact"], self[f"sla_{p}_resolution"]]}
            for p in self.priorities
        ]
