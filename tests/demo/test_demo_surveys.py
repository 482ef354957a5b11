"""The demo's patients answer surveys the way a practice's do: checked on rows generated in memory
(visits, then survey invitations and responses). That the survey standards have measurements after
`careloop demo`: tests/demo/test_run_demo_command.py, on the build its tests share."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import models

from careloop.demo.build import part_random
from careloop.demo.context import DemoContext
from careloop.demo.practice import PROVIDERS, STAFF
from careloop.demo.survey_comments import URGENT
from careloop.demo.survey_responses import generate_survey_responses
from careloop.demo.visits import generate_visits
from careloop.events.models import Visit
from careloop.surveys.models import Anonymity, Answer, Invitation, Response

TODAY = date(2025, 3, 3)
MONTHS = 6
SEED = 7
ZONE = ZoneInfo(settings.TIME_ZONE)


def build_rows(seed: int) -> tuple[dict[str, Visit], list[models.Model]]:
    ctx = DemoContext(seed, TODAY, MONTHS, ZONE)
    visits = generate_visits(part_random(seed, "visits"), ctx)
    ctx.rows["visits"] = list(visits)
    return {v.visit_id: v for v in visits}, generate_survey_responses(part_random(seed, "surveys"), ctx)


@pytest.fixture(scope="module")
def demo() -> tuple[dict[str, Visit], list[models.Model]]:
    return build_rows(SEED)


def pairs(rows: list[models.Model]) -> Iterator[tuple[Invitation, Response | None, dict[str, Answer]]]:
    """Each invitation with its response and answers (rows come as invitation, response, answers…),
    so anonymous responses, cut loose from their invitation, can still be checked against the visit."""
    current: list[Any] = []
    for row in [*rows, None]:
        if isinstance(row, Invitation) or row is None:
            if current:
                invitation, response = current[0], current[1] if len(current) > 1 else None
                yield invitation, response, {a.item_key: a for a in current[2:]}
            current = [row]
        else:
            current.append(row)


def wait_minutes(visit: Visit) -> float:
    assert visit.provider_in_at and visit.arrived_at
    return (visit.provider_in_at - max(visit.arrived_at, visit.scheduled_start)).total_seconds() / 60


def late_minutes(visit: Visit) -> float:
    assert visit.provider_in_at
    return (visit.provider_in_at - visit.scheduled_start).total_seconds() / 60


def top_box_share(answers: list[Answer]) -> float:
    flags = [a.top_box for a in answers if a.top_box is not None]
    assert len(flags) >= 20, "too few answers to compare"
    return sum(flags) / len(flags)


def answers_to(demo: tuple[dict[str, Visit], list[models.Model]], item: str) -> list[tuple[Visit, Answer]]:
    visits, rows = demo
    return [
        (visits[invitation.visit_id], answers[item])
        for invitation, response, answers in pairs(rows)
        if response is not None and response.is_complete and item in answers
    ]


def test_it_scores_office_staff_lower_after_long_waits(demo: tuple[dict[str, Visit], list[models.Model]]) -> None:
    answered = answers_to(demo, "cgcahps-office-helpful")
    long = [a for v, a in answered if wait_minutes(v) > 30]
    short = [a for v, a in answered if wait_minutes(v) <= 15]
    assert top_box_share(long) < top_box_share(short) - 0.15, (top_box_share(long), top_box_share(short))


def test_it_has_more_detractors_after_long_waits(demo: tuple[dict[str, Visit], list[models.Model]]) -> None:
    answered = answers_to(demo, "likely-to-recommend")
    def detractors(group: list[Answer]) -> float:
        assert len(group) >= 20
        return sum(int(a.value) <= 6 for a in group) / len(group)
    long = [a for v, a in answered if wait_minutes(v) > 30]
    short = [a for v, a in answered if wait_minutes(v) <= 15]
    assert detractors(long) > detractors(short) + 0.1, (detractors(long), detractors(short))


def test_it_scores_enough_time_lower_when_the_provider_ran_late(demo: tuple[dict[str, Visit], list[models.Model]]) -> None:
    answered = answers_to(demo, "cgcahps-provider-time")
    late = [a for v, a in answered if late_minutes(v) > 35]
    on_time = [a for v, a in answered if late_minutes(v) <= 10]
    assert top_box_share(late) < top_box_share(on_time) - 0.1, (top_box_share(late), top_box_share(on_time))


def test_it_answers_in_spanish_for_about_a_fifth_of_patients(demo: tuple[dict[str, Visit], list[models.Model]]) -> None:
    _, rows = demo
    by_patient: dict[str, set[str]] = {}
    for invitation in (r for r in rows if isinstance(r, Invitation)):
        by_patient.setdefault(invitation.patient_ref, set()).add(invitation.language)
    assert all(len(languages) == 1 for languages in by_patient.values())
    spanish = sum("es" in languages for languages in by_patient.values()) / len(by_patient)
    assert 0.15 <= spanish <= 0.25
    responses = [r for r in rows if isinstance(r, Response)]
    assert {r.language for r in responses} == {"en", "es"}


def test_it_responds_at_different_rates_by_channel(demo: tuple[dict[str, Visit], list[models.Model]]) -> None:
    _, rows = demo
    sent: dict[str, list[bool]] = {}
    for invitation, response, _ in pairs(rows):
        sent.setdefault(invitation.channel, []).append(response is not None)
    rate = {channel: sum(flags) / len(flags) for channel, flags in sent.items()}
    # Invitations of the last day or two cannot have been answered yet, so rates sit a little low.
    assert 0.13 <= rate["email"] <= 0.25 and 0.24 <= rate["sms"] <= 0.35 and rate["qr"] < 0.13, rate


def test_it_keeps_partial_responses_and_anonymity_as_the_answer_page_does(
    demo: tuple[dict[str, Visit], list[models.Model]],
) -> None:
    _, rows = demo
    responses = [r for _, r, _ in pairs(rows) if r is not None]
    partial = [r for r in responses if not r.is_complete]
    assert 0.02 <= len(partial) / len(responses) <= 0.08
    assert all(r.completed_at is None and not r.comment for r in partial)
    complete = [r for r in responses if r.is_complete]
    anonymous = [r for r in complete if r.anonymity == Anonymity.ANONYMOUS]
    assert anonymous and all(r.invitation is None for r in anonymous)
    assert all(r.completed_at and r.completed_at.astimezone(ZONE).time() == time(0, 0) for r in anonymous)
    contact = [r for r in complete if r.anonymity == Anonymity.CONTACT]
    assert contact and all(r.consent_to_contact for r in contact)
    assert not any(r.consent_to_contact for r in complete if r.anonymity != Anonymity.CONTACT)


def test_it_asks_for_contact_mostly_among_detractors(demo: tuple[dict[str, Visit], list[models.Model]]) -> None:
    answered = [(r, a) for _, r, a in pairs(demo[1]) if r is not None and r.is_complete and "likely-to-recommend" in a]
    def contact_share(group: list[Response]) -> float:
        return sum(r.anonymity == Anonymity.CONTACT for r in group) / len(group)
    detractors = [r for r, a in answered if int(a["likely-to-recommend"].value) <= 6]
    promoters = [r for r, a in answered if int(a["likely-to-recommend"].value) >= 9]
    assert contact_share(detractors) > 0.25 and contact_share(promoters) < 0.08


def test_it_writes_comments_naming_staff_in_both_languages(demo: tuple[dict[str, Visit], list[models.Model]]) -> None:
    _, rows = demo
    comments = [r for r in rows if isinstance(r, Response) and r.comment]
    assert {r.language for r in comments} == {"en", "es"}
    nicknames = {n for person in (*STAFF, *PROVIDERS) for n in person.nicknames}
    naming = [r.comment for r in comments if any(n in r.comment for n in nicknames)]
    assert len(naming) >= 10 and len({c for c in naming}) >= 10
    urgent = {text for texts in URGENT.values() for text in texts}
    assert sum(r.comment in urgent for r in comments) <= 0.02 * len(comments)


def test_it_makes_the_same_surveys_from_the_same_seed(demo: tuple[dict[str, Visit], list[models.Model]]) -> None:
    def fingerprint(rows: list[models.Model]) -> list[tuple[Any, ...]]:
        # Tokens are fresh secrets at every build (only their hash is stored): everything else repeats.
        out: list[tuple[Any, ...]] = []
        for invitation, response, answers in pairs(rows):
            out.append((invitation.visit_id, invitation.channel, invitation.language, invitation.created_at, invitation.used_at))
            if response is not None:
                out.append((response.anonymity, response.completed_at, response.comment, response.page))
                out.append(tuple(sorted((k, a.value) for k, a in answers.items())))
        return out

    _, again = build_rows(SEED)
    assert fingerprint(again) == fingerprint(demo[1])
    _, other = build_rows(SEED + 1)
    assert fingerprint(other) != fingerprint(demo[1])
