"""The recovery rules and SLA clocks changed from the UI: the change is written the only way a journey
changes, as a new journey version whose file is checked like any other (journey_file.py), so the journey
file, its export and the page can never disagree, and earlier versions keep what they promised.

A rule switched on or a threshold changed here gets a `source` saying who set it and when (the journey
file requires one for every threshold); SLA entries for one touchpoint stay as the file set them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from careloop.accounts.models import User
from careloop.journeys.journey_file import journey_spec_from_db, load_journey_spec, parse_journey_text, render_journey
from careloop.journeys.models import Journey
from careloop.journeys.recovery_section import PRIORITIES, RULE_KINDS, THRESHOLD_UNITS


def rules_by_kind(journey: Journey) -> dict[str, dict[str, Any]]:
    return {rule["kind"]: rule for rule in journey.recovery.get("rules", [])}


def sla_by_priority(journey: Journey) -> dict[str, dict[str, Any]]:
    return {e["priority"]: e for e in journey.recovery.get("sla", []) if "priority" in e and "touchpoint" not in e}


def _who(user: User, today: date) -> str:
    return f"Practice-set on the recovery rules page by {user.email} on {today.isoformat()}."


def section_from_form(journey: Journey, data: dict[str, Any], user: User, today: date) -> dict[str, Any]:
    """The new `recovery:` section: the form's rules and per-priority clocks, the rest kept."""
    old_rules = rules_by_kind(journey)
    rules = []
    for kind in RULE_KINDS:
        if not data[f"{kind}_on"]:
            continue
        rule: dict[str, Any] = {"kind": kind}
        if data.get(f"{kind}_touchpoint"):
            rule["touchpoint"] = data[f"{kind}_touchpoint"]
        old = old_rules.get(kind, {})
        if kind in THRESHOLD_UNITS:
            threshold = data[f"{kind}_threshold"]
            rule["threshold"] = int(threshold) if float(threshold).is_integer() else threshold
        rule["priority"] = data[f"{kind}_priority"]
        same = old and old.get("threshold") == rule.get("threshold")
        rule["source"] = old["source"] if same and old.get("source") else _who(user, today)
        rules.append(rule)
    old_sla = sla_by_priority(journey)
    sla = []
    for priority in PRIORITIES:
        first, resolution = data[f"sla_{priority}_first_contact"], data[f"sla_{priority}_resolution"]
        old = old_sla.get(priority, {})
        same = old.get("first_contact") == first and old.get("resolution") == resolution
        sla.append(
            {
                "priority": priority,
                "first_contact": first,
                "resolution": resolution,
                "source": old["source"] if same and old.get("source") else _who(user, today),
            }
        )
    sla += [e for e in journey.recovery.get("sla", []) if "touchpoint" in e]
    return {"rules": rules, "sla": sla}


def save_recovery_section(journey: Journey, section: dict[str, Any]) -> Journey:
    """Load the journey with this section as a new version; raises JourneyFileError (with what is wrong)
    when the result would not be a valid journey file."""
    spec = journey_spec_from_db(journey)
    spec.recovery = section
    # Checked exactly as a file would be, so the page cannot store what `careloop init` would refuse.
    checked = parse_journey_text(render_journey(spec), "recovery rules")
    return load_journey_spec(checked, source_file="recovery rules page")
