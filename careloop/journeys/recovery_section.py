"""The journey file's optional `recovery:` section: the rules that open service-recovery cases and the
SLA clocks per touchpoint and priority (docs/journey-file.md, "recovery"; docs/recovery.md).

The journeys app only reads, checks and writes the section; careloop.recovery acts on it. Journeys sits
upstream of recovery on the loop (DESIGN.md), so the section's vocabulary lives here, as plain data.

Canonical form (what export writes): rules in file order with keys kind, touchpoint, threshold,
priority, source; SLA entries with keys touchpoint, priority, first_contact, resolution, source.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from yaml.nodes import Node

if TYPE_CHECKING:
    from careloop.journeys.journey_file import YamlReader

PRIORITIES = ("high", "normal", "low")
# Breach rules compare one event with a threshold, in the unit named here (docs/recovery.md).
THRESHOLD_UNITS = {
    "long_wait": "minutes",
    "referral_open": "days",
    "billing_unanswered": "business_days",
}
RULE_KINDS = ("detractor", "bottom_box", "urgent_comment", *THRESHOLD_UNITS)
SECTION_KEYS = ((), ("rules", "sla"))
RULE_KEYS = (("kind",), ("touchpoint", "threshold", "priority", "source"))
SLA_KEYS = (("first_contact", "resolution", "source"), ("touchpoint", "priority"))


def read_recovery(reader: YamlReader, node: Node | None) -> dict[str, Any]:
    """The section as plain data ({} when absent); problems go to the reader with their lines."""
    if node is None:
        return {}
    fields = reader.mapping(node, "recovery", SECTION_KEYS)
    section: dict[str, Any] = {}
    if "rules" in fields:
        section["rules"] = [_rule(reader, n, f"recovery.rules[{i}]") for i, n in enumerate(reader.items(fields["rules"], "recovery.rules"))]
    if "sla" in fields:
        section["sla"] = [_sla(reader, n, f"recovery.sla[{i}]") for i, n in enumerate(reader.items(fields["sla"], "recovery.sla"))]
    return section


def _rule(reader: YamlReader, node: Node, path: str) -> dict[str, Any]:
    fields = reader.mapping(node, path, RULE_KEYS)
    kind = reader.choice(fields.get("kind"), f"{path}.kind", RULE_KINDS)
    rule: dict[str, Any] = {"kind": kind}
    if "touchpoint" in fields:
        rule["touchpoint"] = reader.key(fields["touchpoint"], f"{path}.touchpoint")
    elif kind in THRESHOLD_UNITS:
        reader.problem(node, f"{path}.touchpoint", f"a {kind} rule needs the touchpoint whose owner gets the case")
    threshold = reader.number(fields.get("threshold"), f"{path}.threshold")
    if kind in THRESHOLD_UNITS:
        if "threshold" not in fields:
            reader.problem(node, f"{path}.threshold", f"a {kind} rule needs a threshold in {THRESHOLD_UNITS[kind]}")
        elif threshold is not None and threshold <= 0:
            reader.problem(fields["threshold"], f"{path}.threshold", f"must be more than 0, not {threshold:g}")
        elif threshold is not None:
            rule["threshold"] = int(threshold) if float(threshold).is_integer() else threshold
        if "source" not in fields:
            reader.problem(node, f"{path}.source", "say where the threshold comes from (a published source, or the practice's own choice)")
    elif kind and "threshold" in fields:
        reader.problem(fields["threshold"], f"{path}.threshold", f"a {kind} rule has no threshold")
    rule["priority"] = reader.choice(fields["priority"], f"{path}.priority", PRIORITIES) if "priority" in fields else "normal"
    if "source" in fields:
        rule["source"] = reader.text(fields["source"], f"{path}.source")
    return rule


def _sla(reader: YamlReader, node: Node, path: str) -> dict[str, Any]:
    fields = reader.mapping(node, path, SLA_KEYS)
    entry: dict[str, Any] = {}
    if "touchpoint" in fields:
        entry["touchpoint"] = reader.key(fields["touchpoint"], f"{path}.touchpoint")
    if "priority" in fields:
        entry["priority"] = reader.choice(fields["priority"], f"{path}.priority", PRIORITIES)
    first = reader.integer(fields.get("first_contact"), f"{path}.first_contact", minimum=0)
    resolution = reader.integer(fields.get("resolution"), f"{path}.resolution", minimum=0)
    if first is not None and resolution is not None and resolution < first:
        reader.problem(
            fields["resolution"], f"{path}.resolution", f"resolution ({resolution} business days) cannot come before first contact ({first})"
        )
    entry["first_contact"] = first if first is not None else 0
    entry["resolution"] = resolution if resolution is not None else 0
    entry["source"] = reader.text(fields.get("source"), f"{path}.source")
    return entry


def cross_check_recovery(reader: YamlReader, section: dict[str, Any], touchpoint_keys: list[str]) -> None:
    from careloop.journeys.journey_file import did_you_mean

    for name in ("rules", "sla"):
        for index, entry in enumerate(section.get(name, [])):
            key = entry.get("touchpoint")
            if key and key not in touchpoint_keys:
                reader.problem_at(
                    f"recovery.{name}[{index}].touchpoint", f"no touchpoint has the key {key!r}{did_you_mean(key, touchpoint_keys)}"
                )
    seen: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(section.get("sla", [])):
        scope = (entry.get("touchpoint", ""), entry.get("priority", ""))
        if scope in seen:
            reader.problem_at(f"recovery.sla[{index}]", f"the same touchpoint and priority as recovery.sla[{seen[scope]}]")
        seen.setdefault(scope, index)


def recovery_document(section: dict[str, Any]) -> dict[str, Any]:
    """The section in canonical key order (PostgreSQL's jsonb does not keep the order it was given)."""
    document: dict[str, Any] = {}
    if section.get("rules"):
        document["rules"] = [
            {key: rule[key] for key in ("kind", "touchpoint", "threshold", "priority", "source") if key in rule}
            for rule in section["rules"]
        ]
    if section.get("sla"):
        document["sla"] = [
            {key: entry[key] for key in ("touchpoint", "priority", "first_contact", "resolution", "source") if key in entry}
            for entry in section["sla"]
        ]
    return document
