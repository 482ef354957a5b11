"""Loading survey instrument files: the shipped instruments, versions, and the link to journey standards."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from careloop.journeys.journey_file import DEFAULT_JOURNEY_PATH, read_journey_file
from careloop.surveys.instrument_file import (
    InstrumentFileError,
    load_instrument_file,
    load_shipped_instruments,
    read_instrument_file,
    shipped_instrument_files,
    spec_of,
)
from careloop.surveys.languages import available_languages
from careloop.surveys.models import InstrumentVersion

pytestmark = pytest.mark.django_db


def test_it_loads_the_four_shipped_instruments_once() -> None:
    first = load_shipped_instruments()
    assert sorted(v.instrument.key for v in first) == ["cg-cahps-visit", "nps", "staff-pulse", "touchpoint-pulse"]
    assert all(v.is_active and v.version == 1 and v.languages == ["en", "es"] for v in first)
    again = load_shipped_instruments()
    assert [v.pk for v in again] == [v.pk for v in first]
    assert InstrumentVersion.objects.count() == 4


def test_it_stores_a_definition_that_reads_back_the_same() -> None:
    path = next(p for p in shipped_instrument_files() if p.name == "cg-cahps-visit.yaml")
    version = load_instrument_file(path)
    assert spec_of(version) == read_instrument_file(path)


def test_it_writes_every_instrument_in_every_language_it_lists() -> None:
    for path in shipped_instrument_files():
        spec = read_instrument_file(path)
        assert set(spec.languages) == set(available_languages()) == {"en", "es"}
        for item in spec.items():
            assert set(item.text) == {"en", "es"}, item.key
            assert all(set(o.text) == {"en", "es"} for o in item.options if o.text), item.key


def test_it_provides_every_item_the_default_journeys_survey_standards_name() -> None:
    journey = read_journey_file(DEFAULT_JOURNEY_PATH)
    specs = {spec.key: spec for spec in (read_instrument_file(p) for p in shipped_instrument_files())}
    survey_standards = [s for s in journey.standards if s.measure["kind"] == "survey"]
    assert len(survey_standards) == 9
    for standard in survey_standards:
        spec = specs[standard.measure["instrument"]]
        for key in standard.measure["items"]:
            item = spec.item(key)
            assert item is not None, f"{standard.key}: {key}"
            assert item.is_scored and item.top_box, f"{standard.key}: {key}"
            # The item names the standard it serves, and the standard names the item: both ways agree.
            assert standard.key in item.standards, f"{key} should list {standard.key}"
    named = {(k, i.key, s) for k, spec in specs.items() for i in spec.items() for s in i.standards}
    expected = {(s.measure["instrument"], key, s.key) for s in survey_standards for key in s.measure["items"]}
    assert named == expected


def test_it_uses_the_cahps_top_boxes() -> None:
    spec = read_instrument_file(next(p for p in shipped_instrument_files() if p.name == "cg-cahps-visit.yaml"))
    top = {item.key: item.top_box for item in spec.items()}
    assert top["cgcahps-appointment-routine"] == ["always"]
    assert top["cgcahps-provider-explains"] == ["yes-definitely"]
    assert top["cgcahps-test-results"] == ["yes"]
    assert top["cgcahps-provider-rating"] == ["9", "10"]
    assert top["cgcahps-urgent-needed"] == []  # a screener
    assert sorted(item.case_mix for item in spec.items() if item.case_mix) == ["age", "education", "general_health", "mental_health"]


def test_it_refuses_new_content_under_a_version_already_loaded(tmp_path: Path) -> None:
    original = next(p for p in shipped_instrument_files() if p.name == "nps.yaml")
    load_instrument_file(original)
    changed = tmp_path / "nps.yaml"
    changed.write_text(original.read_text(encoding="utf-8").replace("One question,", "Just one question,"), encoding="utf-8")
    with pytest.raises(InstrumentFileError, match="version 1 of 'nps' is already loaded with different content"):
        load_instrument_file(changed)
    changed.write_text(changed.read_text(encoding="utf-8").replace("version: 1", "version: 2"), encoding="utf-8")
    second = load_instrument_file(changed)
    assert second.version == 2 and second.is_active
    assert InstrumentVersion.objects.filter(instrument__key="nps", is_active=True).get() == second
    newer = tmp_path / "newer.yaml"
    newer.write_text(changed.read_text(encoding="utf-8").replace("version: 2", "version: 4"), encoding="utf-8")
    load_instrument_file(newer)
    # Version 3 was never loaded, but it would come after 4: refused.
    older = tmp_path / "older.yaml"
    older.write_text(changed.read_text(encoding="utf-8").replace("version: 2", "version: 3"), encoding="utf-8")
    with pytest.raises(InstrumentFileError, match="'nps' is already at version 4; a new version must be higher"):
        load_instrument_file(older)


def test_it_lists_and_loads_instruments_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("survey_instruments", "load")
    call_command("survey_instruments", "load")
    call_command("survey_instruments", "list")
    out = capsys.readouterr().out
    assert out.count(": loaded") == 4 and out.count(": unchanged") == 4
    assert "nps                  v1   active en, es" in out
