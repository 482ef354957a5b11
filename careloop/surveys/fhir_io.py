"""Survey instruments and responses as FHIR R4: Questionnaire and QuestionnaireResponse.

What a FHIR system understands is written in FHIR's own elements: pages are `group` items, questions
are `choice` items with `answerOption` codings (or `text` for free text), skip logic is `enableWhen`,
required is `required`, and the Spanish wording travels in the standard translation extension
(http://hl7.org/fhir/StructureDefinition/translation) on each text. What only careloop needs to score
(top box, worst-to-best order, NPS, screeners, case-mix adjusters, the standards an item feeds,
composites, anonymity choices) travels in extensions under EXTENSION_BASE, so a Questionnaire exported
here and imported back gives the same instrument (tests/surveys/test_fhir_questionnaire.py).

A Questionnaire written elsewhere imports too: `choice` items become single-choice questions, `boolean`
yes/no, `integer` with 0-10 answer options a 0-10 rating, `string`/`text` free text, `display` items
are skipped, and top-level questions outside a group form one page. The result is checked by the same
rules as an instrument file (instrument_file.parse_instrument_text), so a Questionnaire careloop cannot
score is refused with every problem named.

Responses: `response_to_fhir` writes one QuestionnaireResponse (an anonymous response has no subject,
no encounter and times to the day only, as stored). `store_questionnaire_response` takes one in: the
FHIR importer calls it for each resource of a Bulk Data export. It is idempotent: the response's id is a
UUID derived from the resource's identifier (or id), so importing the same file twice changes nothing
and a newer version of a resource updates the answers in place.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from careloop.surveys.answering import derived_scores
from careloop.surveys.instrument_file import (
    FREE_TEXT,
    FREE_TEXT_LIMIT,
    SCALE_OPTIONS,
    SINGLE_CHOICE,
    YES_NO,
    ZERO_TEN,
    InstrumentFileError,
    InstrumentSpec,
    ItemSpec,
    parse_instrument_text,
    spec_of,
)
from careloop.surveys.models import Anonymity, Answer, Audience, InstrumentVersion, Invitation, InvitationChannel, Response
from careloop.surveys.tokens import hash_token

TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
EXTENSION_BASE = "urn:careloop:fhir:"
ANSWER_SYSTEM = "urn:careloop:answer"
RESPONSE_SYSTEM = "urn:careloop:survey-response"
PATIENT_REF_SYSTEM = "urn:careloop:patient-ref"
VISIT_SYSTEM = "urn:careloop:visit"
CANONICAL_BASE = "urn:careloop:instrument:"
# Namespace for response ids made from a foreign identifier: uuid5 is stable, so re-imports match.
RESPONSE_NAMESPACE = uuid.UUID("6c5b2f0e-8f7e-4d5c-9a61-3f0c2b7d9e14")
COMMENT_LINK_ID = "careloop-comment"


class QuestionnaireProblem(ValueError):
    """A Questionnaire careloop cannot take, with every problem (one per line)."""


class ResponseProblem(ValueError):
    """One thing wrong with a QuestionnaireResponse: which field, the value found, what was expected."""

    def __init__(self, field: str, value: str, expected: str) -> None:
        super().__init__(f"{field}: {value!r}; expected {expected}")
        self.field = field
        self.value = value
        self.expected = expected


# --- Questionnaire out ----------------------------------------------------------------------------


def canonical_url(key: str) -> str:
    return f"{CANONICAL_BASE}{key}"


def _ext(name: str, value_type: str, value: Any) -> dict[str, Any]:
    return {"url": EXTENSION_BASE + name, value_type: value}


def _with_translations(texts: Mapping[str, str], element: str) -> dict[str, Any]:
    """`{element: English, _element: {translations}}` for one multilingual text."""
    if not texts:
        return {}
    primary = texts.get("en") or next(iter(texts.values()))
    out: dict[str, Any] = {element: primary}
    others = [
        {"url": TRANSLATION, "extension": [{"url": "lang", "valueCode": code}, {"url": "content", "valueString": text}]}
        for code, text in texts.items()
        if code != "en"
    ]
    if others:
        out["_" + element] = {"extension": others}
    return out


def _texts_ext(name: str, texts: Mapping[str, str]) -> dict[str, Any]:
    """A multilingual text of careloop's own: one sub-extension per language code."""
    return {"url": name, "extension": [{"url": code, "valueString": text} for code, text in texts.items()]}


def _option_texts(item: ItemSpec, code: str) -> dict[str, str]:
    option = next((o for o in item.options if o.code == code), None)
    return dict(option.text) if option is not None else {}


def _answer_option(item: ItemSpec, code: str) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": ANSWER_SYSTEM, "code": code}
    texts = _option_texts(item, code)
    coding.update(_with_translations(texts, "display") if texts else {"display": code})
    return {"valueCoding": coding}


def _item_extensions(item: ItemSpec) -> list[dict[str, Any]]:
    extensions = [_ext("answer-type", "valueCode", item.type)]
    extensions += [_ext("top-box", "valueCode", code) for code in item.top_box]
    extensions += [_ext("worst-to-best", "valueCode", code) for code in item.worst_to_best]
    for flag in ("screener", "nps"):
        if getattr(item, flag):
            extensions.append(_ext(flag, "valueBoolean", True))
    if item.touchpoint:
        extensions.append(_ext("touchpoint", "valueCode", item.touchpoint))
    extensions += [_ext("standard", "valueCode", key) for key in item.standards]
    if item.case_mix:
        extensions.append(_ext("case-mix", "valueCode", item.case_mix))
    if item.hint:
        extensions.append(_texts_ext(EXTENSION_BASE + "hint", item.hint))
    return extensions


def _question(item: ItemSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"linkId": item.key, **_with_translations(item.text, "text")}
    out["type"] = "text" if item.type == FREE_TEXT else "choice"
    out["required"] = item.required
    out["extension"] = _item_extensions(item)
    if item.show_if:
        out["enableWhen"] = [
            {"question": item.show_if["item"], "operator": "=", "answerCoding": {"system": ANSWER_SYSTEM, "code": code}}
            for code in item.show_if["in"]
        ]
        out["enableBehavior"] = "any"
    if item.type == FREE_TEXT:
        out["maxLength"] = FREE_TEXT_LIMIT
    else:
        out["answerOption"] = [_answer_option(item, code) for code in item.codes]
    return out


def questionnaire_from_spec(spec: InstrumentSpec) -> dict[str, Any]:
    extensions = [_ext("anonymity", "valueCode", mode) for mode in spec.anonymity]
    extensions += [_ext("language", "valueCode", code) for code in spec.languages]
    for composite in spec.composites:
        parts = [{"url": "key", "valueCode": composite.key}]
        parts += [{"url": "item", "valueCode": key} for key in composite.items]
        parts.append(_texts_ext("title", composite.title))
        extensions.append({"url": EXTENSION_BASE + "composite", "extension": parts})
    if spec.comment:
        extensions.append(_texts_ext(EXTENSION_BASE + "comment", spec.comment))
    if spec.intro:
        extensions.append(_texts_ext(EXTENSION_BASE + "intro", spec.intro))
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": f"{spec.key}-v{spec.version}",
        "url": canonical_url(spec.key),
        "version": str(spec.version),
        "name": spec.key.replace("-", "_"),
        "status": "active",
        "language": "en",
        "subjectType": ["Practitioner" if spec.audience == Audience.STAFF else "Patient"],
        "extension": extensions,
        **_with_translations(spec.title, "title"),
    }
    if spec.source:
        resource["purpose"] = spec.source
    resource["item"] = [
        {"linkId": page.key, "type": "group", **_with_translations(page.title, "text"), "item": [_question(i) for i in page.items]}
        for page in spec.pages
    ]
    return resource


def questionnaire_to_fhir(version: InstrumentVersion) -> dict[str, Any]:
    return questionnaire_from_spec(spec_of(version))


# --- Questionnaire in -----------------------------------------------------------------------------


def _translations(element: Any, primary: str | None) -> dict[str, str]:
    texts: dict[str, str] = {"en": primary} if primary else {}
    if isinstance(element, dict):
        for ext in element.get("extension", []) or []:
            if not isinstance(ext, dict) or ext.get("url") != TRANSLATION:
                continue
            parts = {p.get("url"): p for p in ext.get("extension", []) if isinstance(p, dict)}
            lang = parts.get("lang", {}).get("valueCode")
            content = parts.get("content", {}).get("valueString")
            if isinstance(lang, str) and isinstance(content, str):
                texts[lang] = content
    return texts


def _texts_of(node: Mapping[str, Any], element: str) -> dict[str, str]:
    primary = node.get(element)
    return _translations(node.get("_" + element), primary if isinstance(primary, str) else None)


def _ours(node: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    return [e for e in node.get("extension", []) or [] if isinstance(e, dict) and e.get("url") == EXTENSION_BASE + name]


def _codes(node: Mapping[str, Any], name: str) -> list[str]:
    return [str(e.get("valueCode")) for e in _ours(node, name) if e.get("valueCode") is not None]


def _one_code(node: Mapping[str, Any], name: str) -> str:
    codes = _codes(node, name)
    return codes[0] if codes else ""


def _flag(node: Mapping[str, Any], name: str) -> bool:
    return any(e.get("valueBoolean") is True for e in _ours(node, name))


def _sub_texts(extension: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(part["url"]): part["valueString"]
        for part in extension.get("extension", []) or []
        if isinstance(part, dict) and isinstance(part.get("url"), str) and isinstance(part.get("valueString"), str)
    }


def _ext_texts(node: Mapping[str, Any], name: str) -> dict[str, str]:
    found = _ours(node, name)
    return _sub_texts(found[0]) if found else {}


def _option_code(option: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    if "valueCoding" in option and isinstance(option["valueCoding"], dict):
        coding = option["valueCoding"]
        return str(coding.get("code", "")), _texts_of(coding, "display")
    for kind in ("valueString", "valueInteger"):
        if kind in option:
            return str(option[kind]), {"en": str(option[kind])}
    return "", {}


def _foreign_type(question: Mapping[str, Any], codes: list[str]) -> str:
    fhir_type = question.get("type")
    if fhir_type in ("string", "text"):
        return FREE_TEXT
    if fhir_type == "boolean":
        return YES_NO
    if codes == list(SCALE_OPTIONS[ZERO_TEN]):
        return ZERO_TEN
    return SINGLE_CHOICE


def _item_dict(question: Mapping[str, Any]) -> dict[str, Any]:
    options = [_option_code(o) for o in question.get("answerOption", []) or [] if isinstance(o, dict)]
    codes = [code for code, _ in options]
    answer_type = _one_code(question, "answer-type") or _foreign_type(question, codes)
    item: dict[str, Any] = {"key": question.get("linkId"), "type": answer_type, "text": _texts_of(question, "text")}
    ours = bool(_codes(question, "answer-type"))
    if answer_type == SINGLE_CHOICE:
        item["options"] = [{"code": code, "text": texts} for code, texts in options]
        worst_to_best = _codes(question, "worst-to-best")
        if worst_to_best:
            item["ordered"] = "worst_first" if worst_to_best == codes else "best_first"
    # Built-in scales (yes/no, never-always, 0-10...) carry their own codes and wording, so only a
    # single-choice item lists options. An item careloop exported says its top box exactly (even
    # none); a foreign one gets the scale's CAHPS default.
    top_box = _codes(question, "top-box")
    if answer_type != FREE_TEXT and (top_box or ours):
        item["top_box"] = top_box
    if question.get("required") is True:
        item["required"] = True
    for flag in ("screener", "nps"):
        if _flag(question, flag):
            item[flag] = True
    if touchpoint := _one_code(question, "touchpoint"):
        item["touchpoint"] = touchpoint
    if standards := _codes(question, "standard"):
        item["standards"] = standards
    if case_mix := _one_code(question, "case-mix"):
        item["case_mix"] = case_mix
    if hint := _ext_texts(question, "hint"):
        item["hint"] = hint
    conditions = [c for c in question.get("enableWhen", []) or [] if isinstance(c, dict)]
    if conditions:
        shown_for = [str((c.get("answerCoding") or {}).get("code", c.get("answerString", ""))) for c in conditions]
        item["show_if"] = {"item": conditions[0].get("question"), "in": shown_for}
    return item


def _pages(resource: Mapping[str, Any]) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    loose: list[dict[str, Any]] = []
    for node in resource.get("item", []) or []:
        if not isinstance(node, dict) or node.get("type") == "display":
            continue
        if node.get("type") == "group":
            questions = [q for q in node.get("item", []) or [] if isinstance(q, dict) and q.get("type") not in ("display", "group")]
            pages.append({"key": node.get("linkId"), "title": _texts_of(node, "text"), "items": [_item_dict(q) for q in questions]})
        else:
            loose.append(_item_dict(node))
    if loose:
        pages.insert(0, {"key": "questions", "title": _texts_of(resource, "title"), "items": loose})
    return pages


def _instrument_key(resource: Mapping[str, Any]) -> str:
    url = str(resource.get("url") or "")
    if url.startswith(CANONICAL_BASE):
        return url.removeprefix(CANONICAL_BASE)
    name = str(resource.get("name") or resource.get("id") or "")
    return name.lower().replace("_", "-")


def spec_from_questionnaire(resource: Mapping[str, Any], filename: str = "Questionnaire") -> InstrumentSpec:
    """The instrument a Questionnaire describes, checked by the instrument file's rules."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "Questionnaire":
        found = resource.get("resourceType") if isinstance(resource, dict) else type(resource).__name__
        raise QuestionnaireProblem(f"{filename}: resourceType is {found!r}; expected 'Questionnaire'")
    version = str(resource.get("version") or "1")
    languages = _codes(resource, "language") or ["en"]
    data: dict[str, Any] = {
        "key": _instrument_key(resource),
        "version": int(version) if version.isdigit() else version,
        "audience": str(Audience.STAFF if "Practitioner" in (resource.get("subjectType") or []) else Audience.PATIENT),
        "languages": languages,
        "title": _texts_of(resource, "title") or {"en": _instrument_key(resource)},
        "pages": _pages(resource),
    }
    if intro := _ext_texts(resource, "intro"):
        data["intro"] = intro
    if isinstance(resource.get("purpose"), str):
        data["source"] = resource["purpose"]
    if comment := _ext_texts(resource, "comment"):
        data["comment"] = comment
    if anonymity := _codes(resource, "anonymity"):
        data["anonymity"] = anonymity
    composites = []
    for ext in _ours(resource, "composite"):
        parts = [p for p in ext.get("extension", []) if isinstance(p, dict)]
        key = next((str(p.get("valueCode")) for p in parts if p.get("url") == "key"), "")
        items = [str(p.get("valueCode")) for p in parts if p.get("url") == "item"]
        title = next((_sub_texts(p) for p in parts if p.get("url") == "title"), {})
        composites.append({"key": key, "title": title, "items": items})
    if composites:
        data["composites"] = composites
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    try:
        return parse_instrument_text(text, filename)
    except InstrumentFileError as error:
        # Paths are the instrument's (pages[i].items[j]: group i, question j); line numbers would
        # point into the converted text, not the JSON, so they are left out.
        raise QuestionnaireProblem("\n".join(f"{filename}, {p.path}: {p.message}" for p in error.problems)) from None


def read_questionnaire_file(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except OSError as error:
        raise QuestionnaireProblem(f"{path}: cannot be read: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise QuestionnaireProblem(f"{path}: not a JSON file: {error}") from None
    if not isinstance(data, dict):
        raise QuestionnaireProblem(f"{path}: a Questionnaire is one JSON object")
    return data


# --- QuestionnaireResponse out --------------------------------------------------------------------


def _answer_value(item: ItemSpec | None, value: str) -> dict[str, Any]:
    if item is None or item.type == FREE_TEXT:
        return {"valueString": value}
    coding: dict[str, Any] = {"system": ANSWER_SYSTEM, "code": value}
    texts = _option_texts(item, value)
    if texts.get("en"):
        coding["display"] = texts["en"]
    return {"valueCoding": coding}


def response_to_fhir(response: Response) -> dict[str, Any]:
    spec = spec_of(response.instrument_version)
    answers = dict(response.answers.values_list("item_key", "value"))
    version = response.instrument_version
    authored = response.completed_at or response.started_at
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.external_id),
        "identifier": {"system": RESPONSE_SYSTEM, "value": str(response.external_id)},
        "questionnaire": f"{canonical_url(version.instrument.key)}|{version.version}",
        "status": "completed" if response.is_complete else "in-progress",
        # In the practice's time zone: an anonymous response's day-only time reads as midnight there.
        "authored": timezone.localtime(authored).isoformat(),
        "language": response.language,
        "extension": [
            _ext("anonymity", "valueCode", response.anonymity),
            _ext("consent-to-contact", "valueBoolean", response.consent_to_contact),
            *[_ext(name, "valueCode", value) for name in ("touchpoint", "provider", "location", "visit-type")
              if (value := getattr(response, name.replace("-", "_")))],
        ],
    }
    invitation = response.invitation
    if invitation is not None and response.anonymity != Anonymity.ANONYMOUS:
        if invitation.patient_ref:
            resource["subject"] = {"identifier": {"system": PATIENT_REF_SYSTEM, "value": invitation.patient_ref}}
        if invitation.visit_id:
            resource["encounter"] = {"identifier": {"system": VISIT_SYSTEM, "value": invitation.visit_id}}
    groups = []
    for page in spec.pages:
        answered = [
            {"linkId": item.key, "answer": [_answer_value(item, answers[item.key])]} for item in page.items if item.key in answers
        ]
        if answered:
            groups.append({"linkId": page.key, "item": answered})
    if response.comment:
        groups.append({"linkId": COMMENT_LINK_ID, "answer": [{"valueString": response.comment}]})
    resource["item"] = groups
    return resource


# --- QuestionnaireResponse in ---------------------------------------------------------------------


def _response_uuid(resource: Mapping[str, Any]) -> uuid.UUID:
    identifier = resource.get("identifier")
    if isinstance(identifier, list):
        identifier = identifier[0] if identifier else None
    if isinstance(identifier, dict) and isinstance(identifier.get("value"), str) and identifier["value"]:
        value, system = identifier["value"], str(identifier.get("system", ""))
    elif isinstance(resource.get("id"), str) and resource["id"]:
        value, system = resource["id"], ""
    else:
        raise ResponseProblem("id", "", "an id or an identifier, so that importing the file again finds the same response")
    if system in (RESPONSE_SYSTEM, ""):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    return uuid.uuid5(RESPONSE_NAMESPACE, f"{system}|{value}")


def _instrument_version_for(canonical: Any) -> InstrumentVersion:
    if not isinstance(canonical, str) or not canonical:
        raise ResponseProblem("questionnaire", str(canonical or ""), f"a canonical URL such as {CANONICAL_BASE}nps|1")
    url, _, version = canonical.partition("|")
    key = url.removeprefix(CANONICAL_BASE) if url.startswith(CANONICAL_BASE) else url.rstrip("/").rsplit("/", 1)[-1]
    versions = InstrumentVersion.objects.select_related("instrument").filter(instrument__key=key)
    found = versions.filter(version=int(version)).first() if version.isdigit() else versions.filter(is_active=True).first()
    if found is None:
        known = ", ".join(sorted(set(InstrumentVersion.objects.values_list("instrument__key", flat=True)))) or "none loaded"
        raise ResponseProblem("questionnaire", canonical, f"a loaded instrument and version (instruments: {known})")
    return found


def _walk_answers(nodes: Iterable[Any], path: str) -> Iterable[tuple[str, str, Any]]:
    for index, node in enumerate(nodes):
        if not isinstance(node, dict):
            raise ResponseProblem(f"{path}[{index}]", str(node)[:60], "an item object")
        here = f"{path}[{index}]"
        for a_index, answer in enumerate(node.get("answer", []) or []):
            yield str(node.get("linkId", "")), f"{here}.answer[{a_index}]", answer
        yield from _walk_answers(node.get("item", []) or [], f"{here}.item")


def _answer_code(item: ItemSpec, answer: Any, where: str) -> str:
    if not isinstance(answer, dict):
        raise ResponseProblem(where, str(answer)[:60], "an answer object")
    if item.type == FREE_TEXT:
        text = answer.get("valueString")
        if not isinstance(text, str) or len(text) > FREE_TEXT_LIMIT:
            raise ResponseProblem(f"{where}.valueString", str(text)[:60], f"text of at most {FREE_TEXT_LIMIT} characters")
        return text
    if isinstance(answer.get("valueCoding"), dict):
        code = str(answer["valueCoding"].get("code", ""))
    elif "valueInteger" in answer:
        code = str(answer["valueInteger"])
    elif "valueBoolean" in answer and item.type == YES_NO:
        code = "yes" if answer["valueBoolean"] is True else "no"
    else:
        code = str(answer.get("valueString", ""))
    if code not in item.codes:
        raise ResponseProblem(f"{where}.valueCoding.code", code, f"one of {', '.join(item.codes)} (item {item.key!r})")
    return code


def _read_answers(spec: InstrumentSpec, resource: Mapping[str, Any]) -> tuple[dict[str, str], str]:
    answers: dict[str, str] = {}
    comment = ""
    for link_id, where, answer in _walk_answers(resource.get("item", []) or [], "item"):
        if link_id == COMMENT_LINK_ID:
            comment = _answer_code(ItemSpec(key=COMMENT_LINK_ID, type=FREE_TEXT, text={}), answer, where)
            continue
        item = spec.item(link_id)
        if item is None:
            raise ResponseProblem(f"{where.rsplit('.answer', 1)[0]}.linkId", link_id, f"an item of {spec.key!r} v{spec.version}")
        if link_id in answers:
            raise ResponseProblem(where, link_id, "one answer per item")
        answers[link_id] = _answer_code(item, answer, where)
    return answers, comment


def _authored(resource: Mapping[str, Any]) -> datetime:
    raw = resource.get("authored")
    moment = parse_datetime(raw) if isinstance(raw, str) else None
    if moment is None or timezone.is_naive(moment):
        raise ResponseProblem("authored", str(raw or ""), "a date-time with a time zone, e.g. 2025-03-04T10:15:00-05:00")
    return moment


def _extension_code(resource: Mapping[str, Any], name: str) -> str:
    return _one_code(resource, name)


def _identity(resource: Mapping[str, Any], name: str) -> str:
    reference = resource.get(name)
    if not isinstance(reference, dict):
        return ""
    identifier = reference.get("identifier")
    if isinstance(identifier, dict) and isinstance(identifier.get("value"), str):
        return str(identifier["value"])
    ref = reference.get("reference")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else ""


def store_questionnaire_response(resource: dict[str, Any], *, where: str, import_run_id: int | None) -> None:
    """Store (or update in place) the survey response a QuestionnaireResponse describes.

    `where` names the resource in the caller's report (file and line); problems raise ResponseProblem.
    Nothing is written unless the whole resource is right. `import_run_id` is accepted for the
    importer's provenance; responses keep no import run of their own yet (the import run's report
    counts them)."""
    del where, import_run_id
    if resource.get("resourceType") != "QuestionnaireResponse":
        raise ResponseProblem("resourceType", str(resource.get("resourceType", "")), "'QuestionnaireResponse'")
    external_id = _response_uuid(resource)
    version = _instrument_version_for(resource.get("questionnaire"))
    spec = spec_of(version)
    status = resource.get("status")
    if status not in ("completed", "in-progress", "amended"):
        raise ResponseProblem("status", str(status or ""), "completed, amended or in-progress")
    authored = _authored(resource)
    answers, comment = _read_answers(spec, resource)
    anonymity = _extension_code(resource, "anonymity") or (Anonymity.CONFIDENTIAL if resource.get("subject") else Anonymity.ANONYMOUS)
    if anonymity not in Anonymity.values:
        raise ResponseProblem("extension(anonymity)", anonymity, ", ".join(Anonymity.values))
    language = resource.get("language") if isinstance(resource.get("language"), str) else "en"
    patient_ref = "" if anonymity == Anonymity.ANONYMOUS else _identity(resource, "subject")
    visit_id = "" if anonymity == Anonymity.ANONYMOUS else _identity(resource, "encounter")
    context = {name.replace("-", "_"): _extension_code(resource, name) for name in ("touchpoint", "provider", "location", "visit-type")}
    consent = any(e.get("valueBoolean") is True for e in _ours(resource, "consent-to-contact")) and bool(patient_ref)
    with transaction.atomic():
        response = Response.objects.select_for_update().filter(external_id=external_id).first()
        fields = {
            "instrument_version": version,
            "language": str(language)[:10],
            "anonymity": anonymity,
            "consent_to_contact": consent,
            "comment": comment,
            "is_complete": status != "in-progress",
            "completed_at": authored if status != "in-progress" else None,
            **context,
        }
        if response is None:
            response = Response.objects.create(external_id=external_id, started_at=authored, **fields)
        else:
            for name, value in fields.items():
                setattr(response, name, value)
            response.save()
        _link_identity(response, version, patient_ref, visit_id, authored, context)
        response.answers.exclude(item_key__in=list(answers)).delete()
        for key, value in answers.items():
            item = spec.item(key)
            assert item is not None
            top, score = derived_scores(item, value)
            Answer.objects.update_or_create(response=response, item_key=key, defaults={"value": value, "top_box": top, "score_100": score})


def _link_identity(
    response: Response, version: InstrumentVersion, patient_ref: str, visit_id: str, authored: datetime, context: dict[str, str]
) -> None:
    """Identity lives on the invitation (models.Response). A response from another system had its
    invitation there; it gets a used one here, whose token is random and never sent, so no link opens it."""
    if not patient_ref and not visit_id:
        if response.invitation_id is not None:
            response.invitation = None
            response.save(update_fields=["invitation"])
        return
    invitation = response.invitation
    if invitation is None:
        invitation = Invitation.objects.create(
            token_hash=hash_token(secrets.token_urlsafe(24)),
            instrument_version=version,
            channel=InvitationChannel.LINK,
            expires_at=authored,
            used_at=authored,
            created_at=authored,
        )
        response.invitation = invitation
        response.save(update_fields=["invitation"])
    invitation.patient_ref = patient_ref
    invitation.visit_id = visit_id
    invitation.provider = context["provider"]
    invitation.location = context["location"]
    invitation.visit_type = context["visit_type"]
    invitation.touchpoint = context["touchpoint"]
    invitation.save(update_fields=["patient_ref", "visit_id", "provider", "location", "visit_type", "touchpoint"])
