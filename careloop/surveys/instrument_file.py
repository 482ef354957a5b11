"""Survey instrument files: read and check one, load it as an instrument version, find the shipped ones.

Same house rules as journey files (journeys/journey_file.py, whose YAML reader this module reuses): every
problem is reported as "FILE line N, field.path: what is wrong", all problems at once, and nothing is
written unless the whole file is right. docs/surveys.md describes the format.

Decisions (documented in docs/surveys.md):
- The file's `version` is the version: the same content again is not a new version (loading is
  idempotent); different content under a version already loaded is refused (raise `version`), so a
  stored response always points at the wording its patient saw.
- `show_if` may only refer to an item on an earlier page: the answer page works without JavaScript,
  so a question cannot appear or disappear on the page where its condition is being answered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max
from yaml.nodes import Node, ScalarNode

from careloop.journeys.journey_file import JourneyFileError, Problem, compose_yaml, did_you_mean, YamlReader
from careloop.surveys.languages import available_languages
from careloop.surveys.models import Anonymity, Audience, Instrument, InstrumentVersion

INSTRUMENTS_DIR = Path(__file__).resolve().with_name("instruments")

# Answer types. Built-in scales list their option codes in the order shown to the patient; the
# CAHPS scales are shown as CAHPS prints them (CG-CAHPS 2.0 Visit Survey).
YES_NO = "yes_no"
YES_DEFINITELY = "yes_definitely"
NEVER_ALWAYS = "never_always"
ZERO_TEN = "zero_ten"
SINGLE_CHOICE = "single_choice"
FREE_TEXT = "free_text"
ANSWER_TYPES = (YES_NO, YES_DEFINITELY, NEVER_ALWAYS, ZERO_TEN, SINGLE_CHOICE, FREE_TEXT)
SCALE_OPTIONS: dict[str, tuple[str, ...]] = {
    YES_NO: ("yes", "no"),
    YES_DEFINITELY: ("yes-definitely", "yes-somewhat", "no"),
    NEVER_ALWAYS: ("never", "sometimes", "usually", "always"),
    ZERO_TEN: tuple(str(n) for n in range(11)),
}
# Worst to best, for the 0-100 linear score (CAHPS: lowest response 0, highest 100, equal steps).
SCALE_WORST_TO_BEST: dict[str, tuple[str, ...]] = {
    YES_NO: ("no", "yes"),
    YES_DEFINITELY: ("no", "yes-somewhat", "yes-definitely"),
    NEVER_ALWAYS: SCALE_OPTIONS[NEVER_ALWAYS],
    ZERO_TEN: SCALE_OPTIONS[ZERO_TEN],
}
# Top box by CAHPS convention: "Yes", "Yes, definitely", "Always", 9-10 on a 0-10 rating.
DEFAULT_TOP_BOX: dict[str, tuple[str, ...]] = {
    YES_NO: ("yes",),
    YES_DEFINITELY: ("yes-definitely",),
    NEVER_ALWAYS: ("always",),
    ZERO_TEN: ("9", "10"),
}
ORDERINGS = ("best_first", "worst_first")
# CAHPS' standard case-mix adjusters (docs/scoring.md).
CASE_MIX_ADJUSTERS = ("age", "education", "general_health", "mental_health")
FREE_TEXT_LIMIT = 2000

TOP_KEYS = (
    ("key", "version", "title", "languages", "pages"),
    ("audience", "intro", "source", "composites", "comment", "anonymity"),
)
PAGE_KEYS = (("key", "title", "items"), ())
ITEM_KEYS = (
    ("key", "type", "text"),
    (
        "options", "top_box", "ordered", "show_if", "required", "screener", "touchpoint", "standards", "case_mix", "hint", "nps",
    ),
)
OPTION_KEYS = (("code", "text"), ())
SHOW_IF_KEYS = (("item", "in"), ())
COMPOSITE_KEYS = (("key", "title", "items"), ())


class InstrumentFileError(JourneyFileError):
    """Everything wrong with an instrument file, one problem per line of str()."""


# --- what an instrument file says ---------------------------------------------------------------


@dataclass
class OptionSpec:
    code: str
    text: dict[str, str] = field(default_factory=dict)


@dataclass
class ItemSpec:
    key: str
    type: str
    text: dict[str, str]
    options: list[OptionSpec] = field(default_factory=list)
    top_box: list[str] = field(default_factory=list)
    # Codes worst to best when the item has a 0-100 linear score; empty when it has none.
    worst_to_best: list[str] = field(default_factory=list)
    show_if: dict[str, Any] | None = None
    required: bool = False
    screener: bool = False
    touchpoint: str = ""
    standards: list[str] = field(default_factory=list)
    case_mix: str = ""
    hint: dict[str, str] = field(default_factory=dict)
    # A likelihood-to-recommend question, also scored as a Net Promoter Score.
    nps: bool = False

    @property
    def codes(self) -> list[str]:
        return [o.code for o in self.options]

    @property
    def is_scored(self) -> bool:
        return bool(self.top_box or self.worst_to_best) and not self.screener and not self.case_mix


@dataclass
class PageSpec:
    key: str
    title: dict[str, str]
    items: list[ItemSpec]


@dataclass
class CompositeSpec:
    key: str
    title: dict[str, str]
    items: list[str]


@dataclass
class InstrumentSpec:
    key: str
    version: int
    title: dict[str, str]
    languages: list[str]
    pages: list[PageSpec]
    audience: str = Audience.PATIENT
    intro: dict[str, str] = field(default_factory=dict)
    source: str = ""
    composites: list[CompositeSpec] = field(default_factory=list)
    comment: dict[str, str] = field(default_factory=dict)
    anonymity: list[str] = field(default_factory=lambda: list(Anonymity.values))

    def items(self) -> list[ItemSpec]:
        return [item for page in self.pages for item in page.items]

    def item(self, key: str) -> ItemSpec | None:
        return next((item for item in self.items() if item.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InstrumentSpec:
        pages = [
            PageSpec(
                key=page["key"],
                title=page["title"],
                items=[
                    ItemSpec(**{**item, "options": [OptionSpec(**option) for option in item["options"]]})
                    for item in page["items"]
                ],
            )
            for page in data["pages"]
        ]
        composites = [CompositeSpec(**composite) for composite in data.get("composites", [])]
        return cls(**{**data, "pages": pages, "composites": composites})


def spec_of(version: InstrumentVersion) -> InstrumentSpec:
    return InstrumentSpec.from_dict(version.definition)


# --- reading ------------------------------------------------------------------------------------


def read_instrument_file(path: str | Path) -> InstrumentSpec:
    """Parse and check an instrument file; raise InstrumentFileError listing every problem."""
    filename = str(path)
    file = Path(path)
    if not file.is_file():
        what = "is a folder, not an instrument file" if file.is_dir() else "does not exist"
        raise InstrumentFileError([Problem(filename, None, "", f"the file {what}")])
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InstrumentFileError(
            [Problem(filename, None, "", f"is not UTF-8 text (byte {error.start}); save it as UTF-8")]
        ) from None
    return parse_instrument_text(text, filename)


def parse_instrument_text(text: str, filename: str = "instrument.yaml") -> InstrumentSpec:
    if not text.strip() or all(line.lstrip().startswith("#") for line in text.splitlines() if line.strip()):
        raise InstrumentFileError(
            [Problem(filename, 1, "", "the file is empty; an instrument file starts with `key:` (see docs/surveys.md)")]
        )
    try:
        root = compose_yaml(text, filename)
    except JourneyFileError as error:
        raise InstrumentFileError(error.problems) from None
    reader = _InstrumentReader(filename)
    spec = reader.instrument(root)
    if not reader.problems:
        reader.cross_check(spec)
    if reader.problems:
        raise InstrumentFileError(reader.problems)
    return spec


class _InstrumentReader(YamlReader):
    """The journey file's line-keeping YAML reader, taught the shape of an instrument."""

    languages: list[str]

    def instrument(self, root: Node) -> InstrumentSpec:
        top = self.mapping(root, "", TOP_KEYS)
        self.languages = self.language_list(top.get("languages"), "languages")
        version = self.integer(top.get("version"), "version", minimum=1)
        audience = self.choice(top["audience"], "audience", Audience.values) if "audience" in top else Audience.PATIENT
        anonymity = self.key_list(top["anonymity"], "anonymity") if "anonymity" in top else list(Anonymity.values)
        for index, mode in enumerate(anonymity):
            if mode not in Anonymity.values:
                self.problem_at(f"anonymity[{index}]", f"{mode!r} is not one of: {', '.join(Anonymity.values)}")
        if "anonymity" in top and not anonymity:
            self.problem(top["anonymity"], "anonymity", "offer at least one anonymity choice")
        return InstrumentSpec(
            key=self.key(top.get("key"), "key"),
            version=version or 0,
            title=self.texts(top.get("title"), "title"),
            languages=self.languages,
            audience=audience,
            intro=self.texts(top.get("intro"), "intro"),
            source=self.text(top.get("source"), "source", required=False),
            pages=[self.page(n, f"pages[{i}]") for i, n in enumerate(self.items(top.get("pages"), "pages"))],
            composites=[
                self.composite(n, f"composites[{i}]") for i, n in enumerate(self.items(top.get("composites"), "composites"))
            ],
            comment=self.texts(top.get("comment"), "comment"),
            anonymity=[mode for mode in anonymity if mode in Anonymity.values],
        )

    def language_list(self, node: Node | None, path: str) -> list[str]:
        codes = self.key_list(node, path)
        known = available_languages()
        for index, code in enumerate(codes):
            if code not in known:
                self.problem_at(
                    f"{path}[{index}]",
                    f"no page wording for language {code!r}: add careloop/surveys/wording/{code}.yaml "
                    f"(copy en.yaml and translate it); languages with wording: {', '.join(known)}",
                )
        if node is not None and not codes:
            self.problem(node, path, "list at least one language, e.g. [en, es]")
        if codes and "en" not in codes:
            self.problem(node, path, "English (en) is required: it is the wording shown when no other language fits")
        return [code for code in codes if code in known]

    def texts(self, node: Node | None, path: str) -> dict[str, str]:
        """One text per language of the instrument: `{en: ..., es: ...}`."""
        if node is None:
            return {}
        if isinstance(node, ScalarNode) and not node.tag.endswith(":null"):
            self.problem(
                node, path, "give the text in every language of the instrument, e.g. `en: ...` and `es: ...`"
            )
            return {}
        fields = self.mapping(node, path, (tuple(self.languages), ()))
        return {code: self.text(fields.get(code), f"{path}.{code}") for code in self.languages if code in fields}

    def page(self, node: Node, path: str) -> PageSpec:
        fields = self.mapping(node, path, PAGE_KEYS)
        items = [self.item(n, f"{path}.items[{i}]") for i, n in enumerate(self.items(fields.get("items"), f"{path}.items"))]
        if "items" in fields and not items and not self.problems_at(f"{path}.items"):
            self.problem(fields["items"], f"{path}.items", "a page needs at least one item")
        return PageSpec(key=self.key(fields.get("key"), f"{path}.key"), title=self.texts(fields.get("title"), f"{path}.title"), items=items)

    def item(self, node: Node, path: str) -> ItemSpec:
        fields = self.mapping(node, path, ITEM_KEYS)
        answer_type = self.choice(fields.get("type"), f"{path}.type", ANSWER_TYPES)
        item = ItemSpec(
            key=self.key(fields.get("key"), f"{path}.key"),
            type=answer_type,
            text=self.texts(fields.get("text"), f"{path}.text"),
            required=self.boolean(fields.get("required"), f"{path}.required"),
            screener=self.boolean(fields.get("screener"), f"{path}.screener"),
            touchpoint=self.key(fields["touchpoint"], f"{path}.touchpoint") if "touchpoint" in fields else "",
            standards=self.key_list(fields.get("standards"), f"{path}.standards"),
            hint=self.texts(fields.get("hint"), f"{path}.hint"),
            nps=self.boolean(fields.get("nps"), f"{path}.nps"),
        )
        if item.nps and answer_type and answer_type != ZERO_TEN:
            self.problem(fields["nps"], f"{path}.nps", "only a zero_ten item can be scored as a Net Promoter Score")
        if answer_type:
            self.answers(item, fields, path)
        if "show_if" in fields:
            item.show_if = self.show_if(fields["show_if"], f"{path}.show_if")
        return item

    def answers(self, item: ItemSpec, fields: dict[str, Node], path: str) -> None:
        """Options, top box, linear order and case-mix role, by answer type."""
        if item.type == SINGLE_CHOICE:
            item.options = [self.option(n, f"{path}.options[{i}]") for i, n in enumerate(self.items(fields.get("options"), f"{path}.options"))]
            if not item.options and not self.problems_at(f"{path}.options"):
                self.problem(fields.get("options", fields.get("type")), f"{path}.options", "a single_choice item needs options")
            self.unique_codes(item, path)
            ordered = self.choice(fields["ordered"], f"{path}.ordered", ORDERINGS) if "ordered" in fields else ""
            if ordered:
                item.worst_to_best = item.codes[::-1] if ordered == "best_first" else item.codes
        else:
            for name in ("options", "ordered"):
                if name in fields:
                    self.problem(fields[name], f"{path}.{name}", f"only a single_choice item has {name}; {item.type} has its own")
            item.options = [OptionSpec(code) for code in SCALE_OPTIONS.get(item.type, ())]
            item.worst_to_best = list(SCALE_WORST_TO_BEST.get(item.type, ()))
        item.top_box = self.top_box(item, fields.get("top_box"), f"{path}.top_box")
        if item.screener:
            # A screener routes the patient; it is not a rating of the practice.
            item.top_box, item.worst_to_best = [], []
        if "case_mix" in fields:
            item.case_mix = self.choice(fields["case_mix"], f"{path}.case_mix", CASE_MIX_ADJUSTERS)
            if item.case_mix and not (item.type == SINGLE_CHOICE and item.worst_to_best):
                self.problem(
                    fields["case_mix"],
                    f"{path}.case_mix",
                    "a case-mix adjuster is a single_choice item with `ordered:` (its answers become 1, 2, 3, ...)",
                )
            item.top_box = []

    def option(self, node: Node, path: str) -> OptionSpec:
        fields = self.mapping(node, path, OPTION_KEYS)
        return OptionSpec(code=self.key(fields.get("code"), f"{path}.code"), text=self.texts(fields.get("text"), f"{path}.text"))

    def unique_codes(self, item: ItemSpec, path: str) -> None:
        seen: set[str] = set()
        for index, code in enumerate(item.codes):
            if code and code in seen:
                self.problem_at(f"{path}.options[{index}].code", f"code {code!r} is used twice in this item")
            seen.add(code)

    def top_box(self, item: ItemSpec, node: Node | None, path: str) -> list[str]:
        if node is None:
            return list(DEFAULT_TOP_BOX.get(item.type, ()))
        if item.type == FREE_TEXT:
            self.problem(node, path, "a free_text item has no top box")
            return []
        codes = [str(n.value) for n in self.items(node, path) if isinstance(n, ScalarNode)]
        for index, code in enumerate(codes):
            if code not in item.codes:
                self.problem_at(f"{path}[{index}]", f"{code!r} is not an answer of this item; its answers: {', '.join(item.codes)}")
        return [code for code in codes if code in item.codes]

    def show_if(self, node: Node, path: str) -> dict[str, Any] | None:
        fields = self.mapping(node, path, SHOW_IF_KEYS)
        if not fields:
            return None
        values = [str(n.value) for n in self.items(fields.get("in"), f"{path}.in") if isinstance(n, ScalarNode)]
        if "in" in fields and not values:
            self.problem(fields["in"], f"{path}.in", "list at least one answer code")
        return {"item": self.key(fields.get("item"), f"{path}.item"), "in": values}

    def composite(self, node: Node, path: str) -> CompositeSpec:
        fields = self.mapping(node, path, COMPOSITE_KEYS)
        return CompositeSpec(
            key=self.key(fields.get("key"), f"{path}.key"),
            title=self.texts(fields.get("title"), f"{path}.title"),
            items=self.key_list(fields.get("items"), f"{path}.items"),
        )

    # --- references between parts of the file ---

    def cross_check(self, spec: InstrumentSpec) -> None:
        if not spec.pages:
            self.problem_at("pages", "an instrument needs at least one page")
        self.unique(("pages", [p.key for p in spec.pages]))
        page_of: dict[str, int] = {}
        for page_index, page in enumerate(spec.pages):
            for item_index, item in enumerate(page.items):
                path = f"pages[{page_index}].items[{item_index}]"
                if item.key in page_of:
                    self.problem_at(f"{path}.key", f"item key {item.key!r} is already used on page {page_of[item.key] + 1}")
                page_of.setdefault(item.key, page_index)
                self.check_item_texts(spec, item, path)
                if item.show_if:
                    self.check_show_if(spec, item.show_if, page_index, page_of, f"{path}.show_if")
        adjusters: dict[str, str] = {}
        for item in spec.items():
            if item.case_mix and item.case_mix in adjusters:
                self.problem_at("pages", f"items {adjusters[item.case_mix]!r} and {item.key!r} are both the {item.case_mix} adjuster")
            if item.case_mix:
                adjusters.setdefault(item.case_mix, item.key)
        self.unique(("composites", [c.key for c in spec.composites]))
        for index, composite in enumerate(spec.composites):
            for position, key in enumerate(composite.items):
                found = spec.item(key)
                where = f"composites[{index}].items[{position}]"
                if found is None:
                    self.problem_at(where, f"no item has the key {key!r}{did_you_mean(key, list(page_of))}")
                elif not found.top_box:
                    self.problem_at(where, f"item {key!r} has no top box, so it cannot be part of a composite")

    def check_item_texts(self, spec: InstrumentSpec, item: ItemSpec, path: str) -> None:
        for index, option in enumerate(item.options):
            if item.type == SINGLE_CHOICE and not option.text:
                self.problem_at(f"{path}.options[{index}]", "an option needs its text in every language")

    def check_show_if(
        self, spec: InstrumentSpec, show_if: dict[str, Any], page_index: int, page_of: dict[str, int], path: str
    ) -> None:
        target_key = show_if["item"]
        target = spec.item(target_key)
        if target is None:
            self.problem_at(f"{path}.item", f"no item has the key {target_key!r}{did_you_mean(target_key, [i.key for i in spec.items()])}")
            return
        if target_key not in page_of or page_of[target_key] >= page_index:
            self.problem_at(
                f"{path}.item",
                f"{target_key!r} must be on an earlier page: the page works without JavaScript, so a question "
                "cannot appear on the page where its condition is answered",
            )
        for index, code in enumerate(show_if["in"]):
            if code not in target.codes:
                self.problem_at(f"{path}.in[{index}]", f"{code!r} is not an answer of {target_key!r}; its answers: {', '.join(target.codes)}")

    def unique(self, section_keys: tuple[str, Sequence[str]]) -> None:
        section, keys = section_keys
        first: dict[str, int] = {}
        for index, key in enumerate(keys):
            if key and key in first:
                self.problem_at(f"{section}[{index}].key", f"duplicate key {key!r} (first used by {section}[{first[key]}])")
            first.setdefault(key, index)


# --- the database -------------------------------------------------------------------------------


def content_hash(spec: InstrumentSpec) -> str:
    canonical = json.dumps(spec.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_instrument_file(path: str | Path) -> InstrumentVersion:
    """Load an instrument file as its version (made the active one), or return the version already
    loaded with the same content. All or nothing: a bad file raises InstrumentFileError."""
    spec = read_instrument_file(path)
    return load_instrument_spec(spec, source_file=str(path))


def load_instrument_spec(spec: InstrumentSpec, source_file: str = "") -> InstrumentVersion:
    digest = content_hash(spec)
    filename = source_file or f"{spec.key}.yaml"
    with transaction.atomic():
        instrument, _ = Instrument.objects.select_for_update().get_or_create(
            key=spec.key, defaults={"audience": spec.audience}
        )
        existing = instrument.versions.filter(version=spec.version).first()
        if existing is not None:
            if existing.content_hash == digest:
                return existing
            raise InstrumentFileError(
                [
                    Problem(
                        filename,
                        None,
                        "version",
                        f"version {spec.version} of {spec.key!r} is already loaded with different content: "
                        "raise `version` so past responses keep the wording they were given",
                    )
                ]
            )
        latest = instrument.versions.aggregate(latest=Max("version"))["latest"] or 0
        if spec.version < latest:
            raise InstrumentFileError(
                [Problem(filename, None, "version", f"{spec.key!r} is already at version {latest}; a new version must be higher")]
            )
        instrument.versions.filter(is_active=True).update(is_active=False)
        if instrument.audience != spec.audience:
            instrument.audience = spec.audience
            instrument.save(update_fields=["audience"])
        return InstrumentVersion.objects.create(
            instrument=instrument,
            version=spec.version,
            is_active=True,
            definition=spec.to_dict(),
            languages=list(spec.languages),
            content_hash=digest,
            source_file=source_file,
        )


def shipped_instrument_files() -> list[Path]:
    return sorted(INSTRUMENTS_DIR.glob("*.yaml"))


def load_shipped_instruments() -> list[InstrumentVersion]:
    """Load every instrument shipped with careloop (idempotent: unchanged files add nothing)."""
    return [load_instrument_file(path) for path in shipped_instrument_files()]


def active_instrument_version(key: str) -> InstrumentVersion | None:
    return InstrumentVersion.objects.select_related("instrument").filter(instrument__key=key, is_active=True).first()
