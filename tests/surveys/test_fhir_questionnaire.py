"""Instruments as FHIR R4 Questionnaires: careloop's own export is valid FHIR and imports back to the
same instrument; a Questionnaire written elsewhere imports with sensible types; bad ones are refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from fhir.resources.R4B.questionnaire import Questionnaire

from careloop.surveys.fhir_io import TRANSLATION, QuestionnaireProblem, questionnaire_from_spec, spec_from_questionnaire
from careloop.surveys.instrument_file import read_instrument_file, shipped_instrument_files
from careloop.surveys.models import InstrumentVersion

SHIPPED = shipped_instrument_files()


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_it_exports_every_shipped_instrument_as_valid_fhir_and_imports_it_back_unchanged(path: Path) -> None:
    spec = read_instrument_file(path)
    resource = questionnaire_from_spec(spec)
    Questionnaire.model_validate(resource)  # full R4 model validation (raises on any invalid element)
    assert spec_from_questionnaire(json.loads(json.dumps(resource))).to_dict() == spec.to_dict()


def _question(resource: dict[str, Any], link_id: str) -> dict[str, Any]:
    for page in resource["item"]:
        for item in page["item"]:
            if item["linkId"] == link_id:
                return item  # type: ignore[no-any-return]
    raise AssertionError(link_id)


def test_it_writes_the_spanish_wording_as_the_standard_translation_extension() -> None:
    resource = questionnaire_from_spec(read_instrument_file(next(p for p in SHIPPED if p.name == "nps.yaml")))
    question = _question(resource, "likely-to-recommend")
    assert question["text"] == "How likely are you to recommend this practice to a friend or family member?"
    translation = question["_text"]["extension"][0]
    assert translation["url"] == TRANSLATION
    assert translation["extension"] == [
        {"url": "lang", "valueCode": "es"},
        {"url": "content", "valueString": "¿Qué tan probable es que recomiende este consultorio a un amigo o familiar?"},
    ]
    assert [o["valueCoding"]["code"] for o in question["answerOption"]] == [str(n) for n in range(11)]
    assert resource["url"] == "urn:careloop:instrument:nps" and resource["version"] == "1"


def test_it_writes_skip_logic_as_enable_when() -> None:
    spec = read_instrument_file(next(p for p in SHIPPED if p.name == "cg-cahps-visit.yaml"))
    conditional = next(item for item in spec.items() if item.show_if)
    question = _question(questionnaire_from_spec(spec), conditional.key)
    assert question["enableBehavior"] == "any"
    assert [c["answerCoding"]["code"] for c in question["enableWhen"]] == conditional.show_if["in"]  # type: ignore[index]
    assert {c["question"] for c in question["enableWhen"]} == {conditional.show_if["item"]}  # type: ignore[index]


FOREIGN = {
    "resourceType": "Questionnaire",
    "url": "https://clinic.example/fhir/Questionnaire/front-desk",
    "name": "front_desk",
    "version": "3",
    "status": "active",
    "title": "Front desk",
    "item": [
        {"linkId": "intro", "type": "display", "text": "Thank you for visiting."},
        {"linkId": "greeted", "type": "boolean", "text": "Were you greeted when you arrived?"},
        {
            "linkId": "wait",
            "type": "choice",
            "text": "How long did you wait?",
            "answerOption": [
                {"valueCoding": {"code": "under-15", "display": "Under 15 minutes"}},
                {"valueCoding": {"code": "over-15", "display": "15 minutes or more"}},
            ],
        },
        {"linkId": "rating", "type": "integer", "text": "Rate us", "answerOption": [{"valueInteger": n} for n in range(11)]},
        {"linkId": "why", "type": "text", "text": "Why?"},
    ],
}


def test_it_imports_a_questionnaire_written_elsewhere_with_types_it_can_score() -> None:
    spec = spec_from_questionnaire(FOREIGN)
    assert (spec.key, spec.version, spec.languages) == ("front-desk", 3, ["en"])
    assert [(item.key, item.type) for item in spec.items()] == [
        ("greeted", "yes_no"),
        ("wait", "single_choice"),
        ("rating", "zero_ten"),
        ("why", "free_text"),
    ]
    items = {item.key: item for item in spec.items()}
    # CAHPS' default top boxes for the built-in scales; an unordered choice has none.
    assert items["greeted"].top_box == ["yes"]
    assert items["rating"].top_box == ["9", "10"]
    assert items["wait"].top_box == [] and items["wait"].options[0].text == {"en": "Under 15 minutes"}


def test_it_refuses_what_it_cannot_score_naming_each_problem() -> None:
    broken = json.loads(json.dumps(FOREIGN))
    broken["item"][2]["answerOption"] = []
    broken["item"][1]["linkId"] = "Not A Key!"
    with pytest.raises(QuestionnaireProblem) as raised:
        spec_from_questionnaire(broken)
    message = str(raised.value)
    assert "pages[0].items[0].key" in message
    assert "pages[0].items[1].options" in message and "needs options" in message
    with pytest.raises(QuestionnaireProblem, match="resourceType is 'Patient'"):
        spec_from_questionnaire({"resourceType": "Patient"})


def test_it_exports_and_loads_questionnaires_from_the_command_line(db: None, tmp_path: Path, capsys: Any) -> None:
    call_command("survey_instruments", "load")
    out = tmp_path / "nps.json"
    call_command("survey_instruments", "export-fhir", "nps", "--output", str(out))
    call_command("survey_instruments", "load-fhir", str(out))
    assert capsys.readouterr().out.strip().endswith("nps v1: unchanged")
    foreign = tmp_path / "front-desk.json"
    foreign.write_text(json.dumps(FOREIGN), encoding="utf-8")
    call_command("survey_instruments", "load-fhir", str(foreign))
    assert InstrumentVersion.objects.get(instrument__key="front-desk").version == 3
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="bad.json: not a JSON file"):
        call_command("survey_instruments", "load-fhir", str(tmp_path / "bad.json"))
    with pytest.raises(CommandError, match="no instrument 'nope'"):
        call_command("survey_instruments", "export-fhir", "nope")
