"""journey.yaml: read and check a journey file, load it as a new journey version, export one.

The file is parsed with PyYAML's composer so every value keeps its line: a problem is reported as
"FILE line N, field.path: what is wrong", all problems at once, and nothing is written unless the
whole file is right. docs/journey-file.md describes the format.

Decisions (documented in docs/journey-file.md):
- Loops are legal: follow-up leads back to booking. Instead of forbidding cycles, every touchpoint
  must be reachable from an origin, which catches a mistyped `next` just as well.
- Owners are upserted by key. A staff member who already exists keeps the name, title, email and
  nicknames the practice gave them in the app (the demo and the admin rename people); the file
  only fills fields still blank. Exports show the people as they are now.
- The same content as the active version (compared in canonical form, so comments and spacing do
  not count) is not a new version: `careloop init` can run any number of times.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import models as db_models
from django.db import transaction
from django.db.models import Max
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from careloop.accounts.models import StaffMember
from careloop.journeys import measure_definitions as measures
from careloop.journeys.models import Channel, Direction, Journey, MeasureKind, Standard, Touchpoint
from careloop.journeys.recovery_section import cross_check_recovery, read_recovery, recovery_document

DEFAULT_JOURNEY_PATH = Path(__file__).resolve().with_name("default_journey.yaml")
FILE_HEADER = "# careloop journey file. docs/journey-file.md describes every field.\n"

KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
KEY_MAX_LENGTH = 80
FEELINGS = ("thinks", "feels", "says", "does")
# Never wrap: one line per value keeps hand edits and diffs simple (editors wrap long lines).
LINE_WIDTH = 1_000_000

TOP_KEYS = (("journey", "owners", "touchpoints", "standards"), ("recovery",))
JOURNEY_KEYS = (("name",), ("description",))
OWNER_KEYS = (("key", "name"), ("title", "email", "nicknames"))
TOUCHPOINT_KEYS = (
    ("key", "name", "channel", "owner"),
    ("origin", "next", "description", "example_phrases", "feelings"),
)
STANDARD_KEYS = (
    ("key", "touchpoint", "name", "measure", "goal", "direction", "source"),
    ("threshold", "min_n"),
)
CONDITION_KEYS = (("field",), ("in", "is_set"))


# --- problems ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file} line {self.line}"
        return f"{where}, {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class JourneyFileError(Exception):
    """Everything wrong with a journey file, one problem per line of str()."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.line or 0)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


# --- what a journey file says, independent of the database -------------------------------------


@dataclass
class OwnerSpec:
    key: str
    name: str
    title: str = ""
    email: str = ""
    nicknames: list[str] = field(default_factory=list)


@dataclass
class TouchpointSpec:
    key: str
    name: str
    channel: str
    owner: str
    origin: bool = False
    next: list[str] = field(default_factory=list)
    description: str = ""
    example_phrases: list[str] = field(default_factory=list)
    feelings: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class StandardSpec:
    key: str
    touchpoint: str
    name: str
    measure: dict[str, Any]
    goal: float
    direction: str
    source: str
    threshold: float | None = None
    min_n: int = 10


@dataclass
class JourneySpec:
    name: str
    description: str = ""
    owners: list[OwnerSpec] = field(default_factory=list)
    touchpoints: list[TouchpointSpec] = field(default_factory=list)
    standards: list[StandardSpec] = field(default_factory=list)
    # The optional `recovery:` section as plain data (journeys/recovery_section.py).
    recovery: dict[str, Any] = field(default_factory=dict)


# --- reading ----------------------------------------------------------------------------------


def read_journey_file(path: str | Path) -> JourneySpec:
    """Parse and check a journey file; raise JourneyFileError listing every problem."""
    filename = str(path)
    file = Path(path)
    if not file.exists():
        raise JourneyFileError([Problem(filename, None, "", "the file does not exist")])
    if file.is_dir():
        raise JourneyFileError([Problem(filename, None, "", "this is a folder, not a journey file")])
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise JourneyFileError(
            [Problem(filename, None, "", f"is not UTF-8 text (byte {error.start}); save it as UTF-8")]
        ) from None
    except OSError as error:
        raise JourneyFileError([Problem(filename, None, "", f"cannot be read: {error.strerror}")]) from None
    return parse_journey_text(text, filename)


def parse_journey_text(text: str, filename: str = "journey.yaml") -> JourneySpec:
    root = compose_yaml(text, filename)
    reader = YamlReader(filename)
    spec = reader.journey(root)
    if not reader.problems:
        _cross_check(spec, reader)
    if reader.problems:
        raise JourneyFileError(reader.problems)
    return spec


def compose_yaml(text: str, filename: str) -> Node:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.YAMLError:
        # libyaml's messages are terser; the pure-Python parser says which character is wrong.
        root = _compose_for_message(text, filename)
    if root is None:
        raise JourneyFileError(
            [Problem(filename, 1, "", "the file is empty; a journey file starts with `journey:` (see docs/journey-file.md)")]
        )
    return root


def _compose_for_message(text: str, filename: str) -> Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or "could not be read"
        hint = " (indent with spaces, never tabs)" if "\\t" in problem or "\t" in problem else ""
        context = f" {error.context}:" if error.context else ""
        raise JourneyFileError([Problem(filename, line, "", f"not valid YAML:{context} {problem}{hint}")]) from None
    except yaml.YAMLError as error:
        raise JourneyFileError([Problem(filename, None, "", f"not valid YAML: {error}")]) from None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def did_you_mean(word: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a set of `key: value` lines"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag.endswith(":null"):
        return "nothing"
    return repr(node.value)


class YamlReader:
    """Walks the composed YAML, turning nodes into a JourneySpec and noting every problem with
    its line. `lines` remembers the line of each field path for the cross-checks."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []
        self.lines: dict[str, int] = {}
        self._constructor = yaml.constructor.SafeConstructor()

    def problem(self, node: Node | None, path: str, message: str) -> None:
        self.problems.append(Problem(self.filename, _line(node) if node is not None else None, path, message))

    def problem_at(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.filename, self.lines.get(path), path, message))

    # --- shapes ---

    def mapping(self, node: Node, path: str, keys: tuple[tuple[str, ...], tuple[str, ...]]) -> dict[str, Node]:
        required, optional = keys
        allowed = required + optional
        self.lines[path] = _line(node)
        if not isinstance(node, MappingNode):
            self.problem(node, path or "(top)", f"expected `key: value` lines, found {_describe(node)}")
            return {}
        found: dict[str, Node] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.problem(key_node, path or "(top)", "a key must be a plain word")
                continue
            key = str(key_node.value)
            key_path = _join(path, key)
            if key in first_line:
                self.problem(key_node, key_path, f"duplicate key {key!r} (first on line {first_line[key]})")
                continue
            first_line[key] = _line(key_node)
            if key not in allowed:
                self.problem(
                    key_node,
                    key_path,
                    f"unknown key {key!r}{did_you_mean(key, allowed)}; expected one of: {', '.join(allowed)}",
                )
                continue
            found[key] = value_node
            self.lines[key_path] = _line(value_node)
        for key in required:
            if key not in first_line:
                self.problem(node, path or "(top)", f"missing required key {key!r}")
        return found

    def items(self, node: Node | None, path: str) -> list[Node]:
        if node is None or (isinstance(node, ScalarNode) and node.tag.endswith(":null")):
            return []
        if not isinstance(node, SequenceNode):
            self.problem(node, path, f"expected a list (lines starting with `- `), found {_describe(node)}")
            return []
        for index, item in enumerate(node.value):
            self.lines[f"{path}[{index}]"] = _line(item)
        return list(node.value)

    def value(self, node: Node) -> Any:
        return self._constructor.construct_object(node, deep=True)

    # --- scalars ---

    def text(self, node: Node | None, path: str, *, required: bool = True) -> str:
        if node is None:
            return ""
        if not isinstance(node, ScalarNode):
            self.problem(node, path, f"expected text, found {_describe(node)}")
            return ""
        if node.tag.endswith(":null") or str(node.value).strip() == "":
            if required:
                self.problem(node, path, "is empty")
            return ""
        return str(node.value)

    def key(self, node: Node | None, path: str) -> str:
        value = self.text(node, path)
        if value and (not KEY_PATTERN.match(value) or len(value) > KEY_MAX_LENGTH):
            self.problem(
                node,
                path,
                f"{value!r} is not a valid key: use lower-case letters, digits and hyphens (e.g. phone-call), "
                f"at most {KEY_MAX_LENGTH} characters",
            )
            return ""
        return value

    def choice(self, node: Node | None, path: str, choices: Sequence[str]) -> str:
        value = self.text(node, path)
        if value and value not in choices:
            self.problem(node, path, f"{value!r} is not one of: {', '.join(choices)}{did_you_mean(value, choices)}")
            return ""
        return value

    def boolean(self, node: Node | None, path: str, default: bool = False) -> bool:
        if node is None:
            return default
        value = self.value(node) if isinstance(node, ScalarNode) else None
        if not isinstance(value, bool):
            self.problem(node, path, f"expected true or false, found {_describe(node)}")
            return default
        return value

    def number(self, node: Node | None, path: str) -> float | None:
        if node is None:
            return None
        value = self.value(node) if isinstance(node, ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(node, path, f"expected a number, found {_describe(node)}")
            return None
        if value != value or value in (float("inf"), float("-inf")):
            self.problem(node, path, "expected a finite number")
            return None
        return value

    def integer(self, node: Node | None, path: str, *, minimum: int) -> int | None:
        if node is None:
            return None
        value = self.value(node) if isinstance(node, ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(node, path, f"expected a whole number, found {_describe(node)}")
            return None
        if value < minimum:
            self.problem(node, path, f"must be at least {minimum}, not {value}")
            return None
        return value

    def text_list(self, node: Node | None, path: str) -> list[str]:
        return [text for i, item in enumerate(self.items(node, path)) if (text := self.text(item, f"{path}[{i}]"))]

    def key_list(self, node: Node | None, path: str) -> list[str]:
        return [key for i, item in enumerate(self.items(node, path)) if (key := self.key(item, f"{path}[{i}]"))]

    # --- the journey ---

    def journey(self, root: Node) -> JourneySpec:
        top = self.mapping(root, "", TOP_KEYS)
        head = self.mapping(top["journey"], "journey", JOURNEY_KEYS) if "journey" in top else {}
        spec = JourneySpec(
            name=self.text(head.get("name"), "journey.name"),
            description=self.text(head.get("description"), "journey.description", required=False),
        )
        spec.owners = [self.owner(n, f"owners[{i}]") for i, n in enumerate(self.items(top.get("owners"), "owners"))]
        spec.touchpoints = [
            self.touchpoint(n, f"touchpoints[{i}]") for i, n in enumerate(self.items(top.get("touchpoints"), "touchpoints"))
        ]
        spec.standards = [
            self.standard(n, f"standards[{i}]") for i, n in enumerate(self.items(top.get("standards"), "standards"))
        ]
        spec.recovery = read_recovery(self, top.get("recovery"))
        for section in ("owners", "touchpoints"):
            if section in top and not getattr(spec, section):
                self.problem(top[section], section, f"a journey needs at least one entry in {section}")
        return spec

    def owner(self, node: Node, path: str) -> OwnerSpec:
        fields = self.mapping(node, path, OWNER_KEYS)
        return OwnerSpec(
            key=self.key(fields.get("key"), f"{path}.key"),
            name=self.text(fields.get("name"), f"{path}.name"),
            title=self.text(fields.get("title"), f"{path}.title", required=False),
            email=self.email(fields.get("email"), f"{path}.email"),
            nicknames=self.text_list(fields.get("nicknames"), f"{path}.nicknames"),
        )

    def email(self, node: Node | None, path: str) -> str:
        value = self.text(node, path, required=False)
        if value and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", value):
            self.problem(node, path, f"{value!r} is not an email address")
            return ""
        return value

    def touchpoint(self, node: Node, path: str) -> TouchpointSpec:
        fields = self.mapping(node, path, TOUCHPOINT_KEYS)
        return TouchpointSpec(
            key=self.key(fields.get("key"), f"{path}.key"),
            name=self.text(fields.get("name"), f"{path}.name"),
            channel=self.choice(fields.get("channel"), f"{path}.channel", Channel.values),
            owner=self.key(fields.get("owner"), f"{path}.owner"),
            origin=self.boolean(fields.get("origin"), f"{path}.origin"),
            next=self.key_list(fields.get("next"), f"{path}.next"),
            description=self.text(fields.get("description"), f"{path}.description", required=False),
            example_phrases=self.text_list(fields.get("example_phrases"), f"{path}.example_phrases"),
            feelings=self.feelings(fields.get("feelings"), f"{path}.feelings"),
        )

    def feelings(self, node: Node | None, path: str) -> dict[str, list[str]]:
        if node is None:
            return {}
        fields = self.mapping(node, path, ((), FEELINGS))
        return {name: self.text_list(fields[name], f"{path}.{name}") for name in FEELINGS if name in fields}

    def standard(self, node: Node, path: str) -> StandardSpec:
        fields = self.mapping(node, path, STANDARD_KEYS)
        key = self.key(fields.get("key"), f"{path}.key")
        measure = self.measure(fields["measure"], f"{path}.measure", key) if "measure" in fields else {}
        kind = measure.get("kind", "")
        threshold = self.number(fields.get("threshold"), f"{path}.threshold")
        goal = self.number(fields.get("goal"), f"{path}.goal")
        direction = self.choice(fields.get("direction"), f"{path}.direction", Direction.values)
        min_n = self.integer(fields.get("min_n"), f"{path}.min_n", minimum=1)
        self.check_threshold(kind, threshold, fields.get("threshold"), fields.get("measure"), path)
        self.check_goal(kind, measure.get("score"), goal, fields.get("goal"), f"{path}.goal")
        self.check_direction(kind, direction, fields.get("direction"), f"{path}.direction", measure.get("metric", ""))
        return StandardSpec(
            key=key,
            touchpoint=self.key(fields.get("touchpoint"), f"{path}.touchpoint"),
            name=self.text(fields.get("name"), f"{path}.name"),
            measure=measure,
            threshold=threshold,
            goal=goal if goal is not None else 0.0,
            direction=direction,
            source=self.text(fields.get("source"), f"{path}.source"),
            min_n=min_n if min_n is not None else int(settings.MIN_N_DEFAULT),
        )

    def check_threshold(
        self, kind: str, threshold: float | None, node: Node | None, measure_node: Node | None, path: str
    ) -> None:
        if not kind:
            return
        if kind in measures.KINDS_WITH_THRESHOLD:
            if node is None:
                self.problem(measure_node, f"{path}.threshold", f"a {kind} standard needs a threshold (in its unit)")
            elif threshold is not None and threshold <= 0:
                self.problem(node, f"{path}.threshold", f"must be more than 0, not {threshold}")
        elif node is not None:
            self.problem(
                node, f"{path}.threshold", f"a {kind} standard has no threshold for one event; put the target in goal"
            )

    def check_goal(self, kind: str, score: str | None, goal: float | None, node: Node | None, path: str) -> None:
        if not kind or goal is None:
            return
        low, high, what = measures.goal_range(kind, score)
        if not low <= goal <= high:
            self.problem(node, path, f"goal {goal} is {what} and must be between {low:g} and {high:g}")

    def check_direction(self, kind: str, direction: str, node: Node | None, path: str, metric: str = "") -> None:
        # These kinds measure the share of events that met the promise: more is always better.
        if kind in ("duration", "access", "audit") and direction == Direction.LOWER_IS_BETTER:
            self.problem(
                node,
                path,
                f"a {kind} standard measures the share of events meeting it, so its direction is higher_is_better",
            )
        # A recovery metric has one sensible direction: a reopen rate going up is never good news.
        if kind == "recovery" and metric in measures.RECOVERY_METRICS and direction:
            expected, what = measures.RECOVERY_METRICS[metric]
            if direction != expected:
                self.problem(node, path, f"metric {metric} counts {what}, so its direction is {expected}")

    # --- measures ---

    def measure(self, node: Node, path: str, standard: str) -> dict[str, Any]:
        if not isinstance(node, MappingNode):
            self.problem(node, path, f"expected `key: value` lines starting with kind, found {_describe(node)}")
            return {}
        kind_node = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == "kind"), None)
        if kind_node is None:
            self.problem(node, path, f"missing required key 'kind' (one of: {', '.join(MeasureKind.values)})")
            return {}
        kind = self.choice(kind_node, f"{path}.kind", MeasureKind.values)
        if not kind:
            return {}
        fields = self.mapping(node, path, measures.MEASURE_KEYS[kind])
        reader = getattr(self, f"{kind}_measure")
        definition: dict[str, Any] = reader(fields, path, standard)
        return {"kind": kind, **definition}

    def duration_measure(self, fields: dict[str, Node], path: str, standard: str) -> dict[str, Any]:
        table = self.choice(fields.get("table"), f"{path}.table", list(measures.EVENT_TABLES))
        start = self.timestamp(table, fields.get("start"), f"{path}.start", standard)
        end = self.timestamp(table, fields.get("end"), f"{path}.end", standard)
        if start and start == end:
            self.problem(fields.get("end"), f"{path}.end", f"standard {standard!r}: start and end are the same field")
        definition: dict[str, Any] = {
            "table": table,
            "start": start,
            "end": end,
            "unit": self.choice(fields.get("unit"), f"{path}.unit", measures.DURATION_UNITS),
            "missing_end": self.choice(fields["missing_end"], f"{path}.missing_end", measures.MISSING_END)
            if "missing_end" in fields
            else "fail",
        }
        return definition | self.where(table, fields.get("where"), f"{path}.where", standard)

    def rate_measure(self, fields: dict[str, Node], path: str, standard: str) -> dict[str, Any]:
        table = self.choice(fields.get("table"), f"{path}.table", list(measures.EVENT_TABLES))
        condition = self.condition(table, fields.get("condition"), f"{path}.condition", standard)
        return {"table": table, "condition": condition} | self.where(table, fields.get("where"), f"{path}.where", standard)

    def survey_measure(self, fields: dict[str, Node], path: str, standard: str) -> dict[str, Any]:
        items = self.key_list(fields.get("items"), f"{path}.items")
        score = self.choice(fields.get("score"), f"{path}.score", measures.SURVEY_SCORES)
        if "items" in fields and not items and not self.problems_at(f"{path}.items"):
            self.problem(fields["items"], f"{path}.items", "name at least one survey item")
        if score == "nps" and len(items) > 1:
            self.problem(fields["items"], f"{path}.items", "an NPS is scored on one 0-10 item, not a composite")
        return {"instrument": self.key(fields.get("instrument"), f"{path}.instrument"), "items": items, "score": score}

    def audit_measure(self, fields: dict[str, Node], path: str, standard: str) -> dict[str, Any]:
        return {
            "checklist": self.key(fields.get("checklist"), f"{path}.checklist"),
            "question": self.text(fields.get("question"), f"{path}.question"),
        }

    def access_measure(self, fields: dict[str, Node], path: str, standard: str) -> dict[str, Any]:
        rank = self.integer(fields.get("rank"), f"{path}.rank", minimum=1)
        if rank is not None and rank not in measures.ACCESS_RANKS:
            self.problem(fields.get("rank"), f"{path}.rank", "slot snapshots keep the next 3 slots: rank is 1, 2 or 3")
        return {
            "visit_type": self.choice(fields.get("visit_type"), f"{path}.visit_type", measures.VISIT_TYPES),
            "rank": rank,
            "unit": self.choice(fields.get("unit"), f"{path}.unit", measures.ACCESS_UNITS),
        }

    def recovery_measure(self, fields: dict[str, Node], path: str, standard: str) -> dict[str, Any]:
        metric = self.choice(fields.get("metric"), f"{path}.metric", list(measures.RECOVERY_METRICS))
        scope = self.choice(fields["scope"], f"{path}.scope", measures.RECOVERY_SCOPES) if "scope" in fields else "touchpoint"
        return {"metric": metric, "scope": scope}

    def problems_at(self, path: str) -> bool:
        return any(p.path.startswith(path) for p in self.problems)

    def event_field(self, table: str, node: Node | None, path: str, standard: str) -> Any:
        name = self.text(node, path)
        if not name or not table:
            return None
        found = measures.event_field(table, name)
        if found is None:
            names = measures.field_names(table)
            self.problem(
                node,
                path,
                f"standard {standard!r}: {table} has no field {name!r}{did_you_mean(name, names)}; "
                f"its fields: {', '.join(names)}",
            )
        return found

    def timestamp(self, table: str, node: Node | None, path: str, standard: str) -> str:
        found = self.event_field(table, node, path, standard)
        if found is None:
            return ""
        if not isinstance(found, db_models.DateTimeField):
            self.problem(
                node,
                path,
                f"standard {standard!r}: {table}.{found.name} is not a timestamp; a duration runs between "
                f"two of: {', '.join(measures.timestamp_names(table))}",
            )
            return ""
        return str(found.name)

    def field_values(self, found: Any, node: Node, path: str, standard: str) -> list[Any]:
        raw = self.items(node, path) if isinstance(node, SequenceNode) else [node]
        values: list[Any] = []
        for index, item in enumerate(raw):
            item_path = f"{path}[{index}]" if isinstance(node, SequenceNode) else path
            value = self.value(item) if isinstance(item, ScalarNode) else None
            why = measures.value_problem(found, value) if value is not None else "expected a value"
            if why:
                self.problem(item, item_path, f"standard {standard!r}: {why}")
            else:
                values.append(value)
        if not raw:
            self.problem(node, path, "list at least one value")
        return values

    def where(self, table: str, node: Node | None, path: str, standard: str) -> dict[str, Any]:
        if node is None:
            return {}
        if not isinstance(node, MappingNode):
            self.problem(node, path, f"expected `field: [values]` lines, found {_describe(node)}")
            return {}
        where: dict[str, list[Any]] = {}
        for key_node, value_node in node.value:
            name = str(key_node.value)
            field_path = _join(path, name)
            if name in where:
                self.problem(key_node, field_path, f"duplicate field {name!r}")
                continue
            found = self.event_field(table, key_node, field_path, standard)
            if found is not None:
                where[name] = self.field_values(found, value_node, field_path, standard)
        return {"where": where} if where else {}

    def condition(self, table: str, node: Node | None, path: str, standard: str) -> dict[str, Any]:
        if node is None:
            return {}
        fields = self.mapping(node, path, CONDITION_KEYS)
        found = self.event_field(table, fields.get("field"), f"{path}.field", standard)
        operators = [name for name in ("in", "is_set") if name in fields]
        if len(operators) != 1:
            self.problem(node, path, "give exactly one of `in: [values]` or `is_set: true/false`")
            return {}
        if found is None:
            return {}
        if "in" in fields:
            return {"field": found.name, "in": self.field_values(found, fields["in"], f"{path}.in", standard)}
        if not found.null:
            self.problem(
                fields["is_set"],
                f"{path}.is_set",
                f"standard {standard!r}: {table}.{found.name} always has a value; is_set needs a field that can be empty",
            )
        return {"field": found.name, "is_set": self.boolean(fields["is_set"], f"{path}.is_set")}


def _cross_check(spec: JourneySpec, reader: YamlReader) -> None:
    """References between sections: unique keys, owners, next, touchpoints, origins, reachability."""
    owner_keys = _unique_keys(reader, "owners", [o.key for o in spec.owners])
    touchpoint_keys = _unique_keys(reader, "touchpoints", [t.key for t in spec.touchpoints])
    _unique_keys(reader, "standards", [s.key for s in spec.standards])
    checklists = [s.measure.get("checklist", "") for s in spec.standards]
    seen: dict[str, int] = {}
    for index, checklist in enumerate(checklists):
        if checklist and checklist in seen:
            reader.problem_at(
                f"standards[{index}].measure.checklist",
                f"checklist {checklist!r} is already measured by standards[{seen[checklist]}]",
            )
        seen.setdefault(checklist, index)

    for index, touchpoint in enumerate(spec.touchpoints):
        path = f"touchpoints[{index}]"
        if touchpoint.owner and touchpoint.owner not in owner_keys:
            reader.problem_at(
                f"{path}.owner",
                f"owner {touchpoint.owner!r} is not listed under owners{did_you_mean(touchpoint.owner, owner_keys)}",
            )
        for position, target in enumerate(touchpoint.next):
            target_path = f"{path}.next[{position}]"
            if target == touchpoint.key:
                reader.problem_at(target_path, f"touchpoint {target!r} cannot lead to itself")
            elif target not in touchpoint_keys:
                reader.problem_at(
                    target_path, f"no touchpoint has the key {target!r}{did_you_mean(target, touchpoint_keys)}"
                )
            elif touchpoint.next.index(target) != position:
                reader.problem_at(target_path, f"{target!r} is listed twice")

    for index, standard in enumerate(spec.standards):
        if standard.touchpoint and standard.touchpoint not in touchpoint_keys:
            reader.problem_at(
                f"standards[{index}].touchpoint",
                f"no touchpoint has the key {standard.touchpoint!r}{did_you_mean(standard.touchpoint, touchpoint_keys)}",
            )

    cross_check_recovery(reader, spec.recovery, touchpoint_keys)

    origins = [t.key for t in spec.touchpoints if t.origin]
    if spec.touchpoints and not origins:
        reader.problem_at(
            "touchpoints", "no touchpoint is an origin: mark where patients enter the journey with `origin: true`"
        )
    elif not reader.problems:
        _check_reachable(spec, reader, origins)


def _unique_keys(reader: YamlReader, section: str, keys: list[str]) -> list[str]:
    first: dict[str, int] = {}
    for index, key in enumerate(keys):
        if not key:
            continue
        if key in first:
            first_line = reader.lines.get(f"{section}[{first[key]}]")
            reader.problem_at(f"{section}[{index}].key", f"duplicate key {key!r} (first used on line {first_line})")
        else:
            first[key] = index
    return list(first)


def _check_reachable(spec: JourneySpec, reader: YamlReader, origins: list[str]) -> None:
    # Loops (follow-up back to booking) are legal; a touchpoint no origin leads to is not.
    following = {t.key: t.next for t in spec.touchpoints}
    reached = set(origins)
    frontier = list(origins)
    while frontier:
        for target in following[frontier.pop()]:
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    for index, touchpoint in enumerate(spec.touchpoints):
        if touchpoint.key not in reached:
            reader.problem_at(
                f"touchpoints[{index}].key",
                f"touchpoint {touchpoint.key!r} cannot be reached from any origin: list it in another "
                "touchpoint's `next`, or mark it `origin: true`",
            )


# --- the canonical form -----------------------------------------------------------------------


class FlowList(list[Any]):
    """A short list written on one line: `next: [check-in, visit]`."""


class _CanonicalDumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as people write YAML by hand.
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_flow_list(dumper: yaml.SafeDumper, data: FlowList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


def _represent_text(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_CanonicalDumper.add_representer(FlowList, _represent_flow_list)
_CanonicalDumper.add_representer(str, _represent_text)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def canonical_measure(definition: dict[str, Any]) -> dict[str, Any]:
    """A measure definition with keys in documented order, `where` fields sorted by name (so the
    form is the same on PostgreSQL, whose jsonb does not keep key order), short lists on one line."""
    kind = definition["kind"]
    result: dict[str, Any] = {}
    for key in measures.canonical_order(kind):
        if key not in definition:
            continue
        value = definition[key]
        if key == "where":
            if value:
                result[key] = {name: FlowList(value[name]) for name in sorted(value)}
        elif key == "condition":
            result[key] = {
                name: FlowList(value[name]) if name == "in" else value[name]
                for name in ("field", "in", "is_set")
                if name in value
            }
        elif key == "items":
            result[key] = FlowList(value)
        else:
            result[key] = value
    return result


def _owner_document(owner: OwnerSpec) -> dict[str, Any]:
    document: dict[str, Any] = {"key": owner.key, "name": owner.name}
    if owner.title:
        document["title"] = owner.title
    if owner.email:
        document["email"] = owner.email
    if owner.nicknames:
        document["nicknames"] = FlowList(owner.nicknames)
    return document


def _touchpoint_document(touchpoint: TouchpointSpec, order: dict[str, int]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "key": touchpoint.key,
        "name": touchpoint.name,
        "channel": touchpoint.channel,
        "origin": touchpoint.origin,
        "owner": touchpoint.owner,
    }
    if touchpoint.next:
        document["next"] = FlowList(sorted(touchpoint.next, key=lambda key: order.get(key, len(order))))
    if touchpoint.description:
        document["description"] = touchpoint.description
    if touchpoint.example_phrases:
        document["example_phrases"] = list(touchpoint.example_phrases)
    feelings = {name: list(touchpoint.feelings[name]) for name in FEELINGS if touchpoint.feelings.get(name)}
    if feelings:
        document["feelings"] = feelings
    return document


def _standard_document(standard: StandardSpec) -> dict[str, Any]:
    document: dict[str, Any] = {
        "key": standard.key,
        "touchpoint": standard.touchpoint,
        "name": standard.name,
        "measure": canonical_measure(standard.measure),
    }
    if standard.threshold is not None:
        document["threshold"] = _number(standard.threshold)
    document["goal"] = _number(standard.goal)
    document["direction"] = standard.direction
    document["min_n"] = standard.min_n
    document["source"] = standard.source
    return document


def render_journey(spec: JourneySpec) -> str:
    """The canonical text of a journey: fixed key order, `next` in touchpoint order, no empty
    optional fields. The default template is written in exactly this form."""
    order = {t.key: i for i, t in enumerate(spec.touchpoints)}
    head: dict[str, Any] = {"name": spec.name}
    if spec.description:
        head["description"] = spec.description
    document = {
        "journey": head,
        "owners": [_owner_document(o) for o in spec.owners],
        "touchpoints": [_touchpoint_document(t, order) for t in spec.touchpoints],
        "standards": [_standard_document(s) for s in spec.standards],
    }
    if spec.recovery:
        document["recovery"] = recovery_document(spec.recovery)
    body = yaml.dump(
        document, Dumper=_CanonicalDumper, sort_keys=False, allow_unicode=True, width=LINE_WIDTH, default_flow_style=False
    )
    return FILE_HEADER + body


def content_hash(spec: JourneySpec) -> str:
    return hashlib.sha256(render_journey(spec).encode("utf-8")).hexdigest()


# --- the database -----------------------------------------------------------------------------


def load_journey_file(path: str | Path) -> Journey:
    """Load a journey file as the new active journey version, or return the active version when
    its content is the same. All or nothing: a bad file raises JourneyFileError and writes nothing."""
    spec = read_journey_file(path)
    return load_journey_spec(spec, source_file=str(path))


def load_journey_spec(spec: JourneySpec, source_file: str = "") -> Journey:
    digest = content_hash(spec)
    with transaction.atomic():
        active = Journey.objects.select_for_update().filter(is_active=True).first()
        if active is not None and active.content_hash == digest:
            return active
        return _create_version(spec, digest, source_file)


def _create_version(spec: JourneySpec, digest: str, source_file: str) -> Journey:
    latest = Journey.objects.aggregate(latest=Max("version"))["latest"] or 0
    Journey.objects.filter(is_active=True).update(is_active=False)
    journey = Journey.objects.create(
        name=spec.name,
        description=spec.description,
        version=latest + 1,
        is_active=True,
        source_file=source_file,
        content_hash=digest,
        owner_keys=[o.key for o in spec.owners],
        recovery=recovery_document(spec.recovery),
    )
    staff = _upsert_owners(spec.owners)
    touchpoints = {
        t.key: Touchpoint.objects.create(
            journey=journey,
            key=t.key,
            name=t.name,
            channel=t.channel,
            is_origin=t.origin,
            order=index,
            owner=staff[t.owner],
            description=t.description,
            example_phrases=list(t.example_phrases),
            feelings={name: list(t.feelings[name]) for name in FEELINGS if t.feelings.get(name)},
        )
        for index, t in enumerate(spec.touchpoints)
    }
    links = [
        Touchpoint.next.through(from_touchpoint=touchpoints[t.key], to_touchpoint=touchpoints[target])
        for t in spec.touchpoints
        for target in t.next
    ]
    Touchpoint.next.through.objects.bulk_create(links)
    Standard.objects.bulk_create(
        [_standard_row(journey, touchpoints[s.touchpoint], s, index) for index, s in enumerate(spec.standards)]
    )
    return journey


def _standard_row(journey: Journey, touchpoint: Touchpoint, spec: StandardSpec, order: int) -> Standard:
    definition = canonical_measure(spec.measure)
    unit = str(definition.get("unit", "")) if spec.measure["kind"] in measures.KINDS_WITH_THRESHOLD else ""
    return Standard(
        journey=journey,
        touchpoint=touchpoint,
        key=spec.key,
        name=spec.name,
        kind=spec.measure["kind"],
        definition=definition,
        threshold=spec.threshold,
        threshold_unit=unit,
        goal=spec.goal,
        direction=spec.direction,
        source=spec.source,
        min_n=spec.min_n,
        order=order,
    )


def _upsert_owners(owners: list[OwnerSpec]) -> dict[str, StaffMember]:
    existing = StaffMember.objects.in_bulk([o.key for o in owners], field_name="key")
    staff: dict[str, StaffMember] = {}
    for owner in owners:
        member = existing.get(owner.key)
        if member is None:
            member = StaffMember.objects.create(
                key=owner.key, name=owner.name, title=owner.title, email=owner.email, nicknames=list(owner.nicknames)
            )
        else:
            _fill_blanks(member, owner)
        staff[owner.key] = member
    return staff


def _fill_blanks(member: StaffMember, owner: OwnerSpec) -> None:
    changed = []
    for name in ("name", "title", "email", "nicknames"):
        if not getattr(member, name) and getattr(owner, name):
            setattr(member, name, getattr(owner, name))
            changed.append(name)
    if changed:
        member.save(update_fields=changed)


def journey_spec_from_db(journey: Journey) -> JourneySpec:
    touchpoints = list(journey.touchpoints.select_related("owner").prefetch_related("next").order_by("order", "key"))
    keys = list(journey.owner_keys) + [t.owner.key for t in touchpoints if t.owner and t.owner.key not in journey.owner_keys]
    people = StaffMember.objects.in_bulk(keys, field_name="key")
    return JourneySpec(
        name=journey.name,
        description=journey.description,
        owners=[
            OwnerSpec(key=p.key, name=p.name, title=p.title, email=p.email, nicknames=list(p.nicknames))
            for key in dict.fromkeys(keys)
            if (p := people.get(key)) is not None
        ],
        touchpoints=[
            TouchpointSpec(
                key=t.key,
                name=t.name,
                channel=t.channel,
                owner=t.owner.key if t.owner else "",
                origin=t.is_origin,
                next=[n.key for n in t.next.all()],
                description=t.description,
                example_phrases=list(t.example_phrases),
                feelings=dict(t.feelings),
            )
            for t in touchpoints
        ],
        standards=[
            StandardSpec(
                key=s.key,
                touchpoint=s.touchpoint.key,
                name=s.name,
                measure=dict(s.definition),
                threshold=s.threshold,
                goal=s.goal,
                direction=s.direction,
                source=s.source,
                min_n=s.min_n,
            )
            for s in journey.standards.select_related("touchpoint").order_by("order", "key")
        ],
        recovery=recovery_document(journey.recovery),
    )


def export_journey(journey: Journey) -> str:
    """The journey as a journey file in canonical form; loading it gives the same journey."""
    return render_journey(journey_spec_from_db(journey))


def active_journey() -> Journey | None:
    return Journey.objects.filter(is_active=True).first()
