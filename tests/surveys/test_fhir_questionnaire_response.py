"""Survey responses as FHIR R4 QuestionnaireResponses: written as valid FHIR, taken back in idempotently
(an update changes the answers in place), anonymous ones carry no identity, bad ones name the field."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from careloop.surveys.answering import Closing, complete, response_for, save_page
from careloop.surveys.fhir_io import ResponseProblem, response_to_fhir, store_questionnaire_response
from careloop.surveys.instrument_file import spec_of
from careloop.surveys.models import Answer, Invitation, Response
from tests.surveys.survey_links import make_visit, survey_link


def answered(anonymity: str, comment: str = "Quick and kind.") -> Response:
    link = survey_link("nps", visit=make_visit("V-7"))
    response = response_for(link.invitation, "es")
    save_page(response, spec_of(link.invitation.instrument_version), {"likely-to-recommend": "6"}, "es", 1)
    assert complete(link.invitation, response, Closing(anonymity, anonymity == "identified", comment), "es")
    response.refresh_from_db()
    return response


def store(resource: dict[str, Any]) -> None:
    store_questionnaire_response(resource, where="responses.ndjson line 1", import_run_id=None)


def test_it_writes_a_confidential_response_as_valid_fhir_with_its_patient_and_visit(db: None) -> None:
    resource = response_to_fhir(answered("confidential"))
    QuestionnaireResponse.model_validate(resource)
    assert resource["questionnaire"] == "urn:careloop:instrument:nps|1"
    assert resource["status"] == "completed" and resource["language"] == "es"
    assert resource["subject"]["identifier"]["value"] == "P-V-7"
    assert resource["encounter"]["identifier"]["value"] == "V-7"
    assert resource["item"][0]["item"][0] == {
        "linkId": "likely-to-recommend",
        "answer": [{"valueCoding": {"system": "urn:careloop:answer", "code": "6"}}],
    }
    assert resource["item"][-1] == {"linkId": "careloop-comment", "answer": [{"valueString": "Quick and kind."}]}


def test_it_writes_no_identity_for_an_anonymous_response(db: None) -> None:
    resource = response_to_fhir(answered("anonymous"))
    QuestionnaireResponse.model_validate(resource)
    assert "subject" not in resource and "encounter" not in resource
    # Stored to the day only (answering.complete), so exported to the day only.
    assert resource["authored"].split("T")[1].startswith("00:00:00-0")  # midnight in New York


def test_it_takes_a_response_back_in_once_and_updates_it_in_place(db: None) -> None:
    original = answered("confidential")
    resource = response_to_fhir(original)
    Response.objects.all().delete()
    Invitation.objects.all().delete()

    store(resource)
    store(resource)
    assert Response.objects.count() == 1
    back = Response.objects.get()
    assert back.external_id == original.external_id and back.is_complete and back.language == "es"
    assert back.invitation is not None and back.invitation.patient_ref == "P-V-7" and back.invitation.visit_id == "V-7"
    answer = Answer.objects.get(response=back)
    # 6 on 0-10: a detractor, not top box; linear 0-100 score 60 (CAHPS equal steps).
    assert (answer.value, answer.top_box, answer.score_100) == ("6", False, 60.0)

    newer = copy.deepcopy(resource)
    newer["item"][0]["item"][0]["answer"] = [{"valueCoding": {"code": "10"}}]
    store(newer)
    assert Response.objects.count() == 1 and Invitation.objects.count() == 1
    answer = Answer.objects.get(response=back)
    assert (answer.value, answer.top_box, answer.score_100) == ("10", True, 100.0)


def test_it_keeps_an_anonymous_response_unlinked_when_taken_in(db: None) -> None:
    resource = response_to_fhir(answered("anonymous"))
    Response.objects.all().delete()
    store(resource)
    assert Response.objects.get().invitation is None


def _broken(db_resource: dict[str, Any], change: Any) -> dict[str, Any]:
    resource = copy.deepcopy(db_resource)
    change(resource)
    return resource


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        (lambda r: r["item"][0]["item"][0].update(linkId="no-such-item"), "item[0].item[0].linkId", "an item of 'nps'"),
        (lambda r: r["item"][0]["item"][0].update(answer=[{"valueCoding": {"code": "11"}}]), "item[0].item[0].answer[0].valueCoding.code", "one of 0, 1"),
        (lambda r: r.update(authored="2025-03-04T10:15:00"), "authored", "with a time zone"),
        (lambda r: r.update(questionnaire="urn:careloop:instrument:nope|1"), "questionnaire", "a loaded instrument"),
        (lambda r: r.update(status="stopped"), "status", "completed, amended or in-progress"),
        (lambda r: (r.pop("id"), r.pop("identifier")), "id", "an id or an identifier"),
    ],
)
def test_it_names_the_field_the_value_and_what_was_expected(db: None, change: Any, field: str, expected: str) -> None:
    resource = response_to_fhir(answered("confidential"))
    Response.objects.all().delete()
    with pytest.raises(ResponseProblem) as raised:
        store(_broken(resource, change))
    assert raised.value.field == field
    assert expected in raised.value.expected
    assert Response.objects.count() == 0
