"""A wrong instrument file is refused with every problem, each with its line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from careloop.surveys.instrument_file import InstrumentFileError, parse_instrument_text, read_instrument_file
from careloop.surveys.models import InstrumentVersion

GOOD = """\
key: mini
version: 1
languages: [en, es]
title: {en: Mini, es: Mini}
pages:
  - key: first
    title: {en: First, es: Primera}
    items:
      - key: needed
        type: yes_no
        screener: true
        text: {en: Did you need it?, es: ¿Lo necesitó?}
  - key: second
    title: {en: Second, es: Segunda}
    items:
      - key: got-it
        type: never_always
        show_if: {item: needed, in: ['yes']}
        text: {en: Did you get it?, es: ¿Lo consiguió?}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(InstrumentFileError) as raised:
        parse_instrument_text(text, "mini.yaml")
    return str(raised.value).splitlines()


def test_it_reads_a_good_file() -> None:
    spec = parse_instrument_text(GOOD, "mini.yaml")
    assert [item.key for item in spec.items()] == ["needed", "got-it"]
    assert spec.item("got-it") is not None


def test_it_names_the_line_and_field_of_each_problem() -> None:
    text = GOOD.replace("type: never_always", "type: sometimes").replace("{en: Second, es: Segunda}", "{en: Second}")
    found = problems(text)
    assert "mini.yaml line 14, pages[1].title: missing required key 'es'" in found
    assert any(line.startswith("mini.yaml line 17, pages[1].items[0].type: 'sometimes' is not one of:") for line in found)


def test_it_refuses_skip_logic_that_looks_at_the_same_page() -> None:
    text = GOOD.replace(
        "        text: {en: Did you need it?, es: ¿Lo necesitó?}\n",
        "        text: {en: Did you need it?, es: ¿Lo necesitó?}\n      - key: same-page\n        type: yes_no\n"
        "        show_if: {item: needed, in: ['yes']}\n        text: {en: x, es: x}\n",
    )
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith("mini.yaml line 15, pages[0].items[1].show_if.item: 'needed' must be on an earlier page")


def test_it_refuses_a_show_if_answer_the_item_does_not_have() -> None:
    found = problems(GOOD.replace("in: ['yes']", "in: ['maybe']"))
    assert found == ["mini.yaml line 18, pages[1].items[0].show_if.in[0]: 'maybe' is not an answer of 'needed'; its answers: yes, no"]


def test_it_refuses_a_language_without_page_wording() -> None:
    found = problems(GOOD.replace("languages: [en, es]", "languages: [en, es, fr]"))
    assert any("languages[2]: no page wording for language 'fr': add careloop/surveys/wording/fr.yaml" in line for line in found)


def test_it_refuses_a_text_missing_a_language_and_duplicate_item_keys() -> None:
    text = GOOD.replace("{en: Did you get it?, es: ¿Lo consiguió?}", "{en: Did you get it?}").replace("key: got-it", "key: needed")
    found = problems(text)
    assert "mini.yaml line 19, pages[1].items[0].text: missing required key 'es'" in found


def test_it_refuses_a_composite_of_unknown_or_unscored_items() -> None:
    text = GOOD + "composites:\n  - key: c\n    title: {en: C, es: C}\n    items: [got-it, needed, nothing]\n"
    found = problems(text)
    assert "mini.yaml line 23, composites[0].items[1]: item 'needed' has no top box, so it cannot be part of a composite" in found
    assert "mini.yaml line 23, composites[0].items[2]: no item has the key 'nothing'" in found


def test_it_reports_bad_yaml_and_empty_files_and_writes_nothing(tmp_path: Path, db: None) -> None:
    assert problems("key: [unclosed\n")[0].startswith("mini.yaml line 2: not valid YAML")
    assert problems("# only a comment\n") == [
        "mini.yaml line 1: the file is empty; an instrument file starts with `key:` (see docs/surveys.md)"
    ]
    with pytest.raises(InstrumentFileError, match="does not exist"):
        read_instrument_file(tmp_path / "missing.yaml")
    assert InstrumentVersion.objects.count() == 0
