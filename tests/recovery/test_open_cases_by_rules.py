"""The rules that open cases: who gets one, who does not, and once only (per person and episode)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from careloop.events.models import BillingInquiry, Referral, Visit
from careloop.feedback.models import CommentAnalysis
from careloop.recovery.models import Case, EvidenceKind, Priority, Trigger
from careloop.feedback.signals import comments_analysed
from careloop.recovery.rules import open_cases_by_rules, open_cases_for_analyses
from careloop.surveys.instrument_file import active_instrument_version, load_shipped_instruments
from careloop.surveys.models import Anonymity, Invitation, Response
from tests.conftest import Cast
from tests.recovery.cases import NEW_YORK, UTC, make_journey
from tests.surveys.answered_responses import answered

# Wednesday 15 January 2025, 17:00 UTC (noon in New York); the rules look back 14 days from here.
NOW = datetime(2025, 1, 15, 17, 0, tzinfo=UTC)
DAY_BEFORE = NOW - timedelta(days=1)


@pytest.fixture
def practice(cast: Cast) -> Cast:
    make_journey()
    load_shipped_instruments()
    return cast


def invitation(patient_ref: str, visit_id: str, instrument: str = "nps") -> Invitation:
    version = active_instrument_version(instrument)
    assert version is not None
    return Invitation.objects.create(
        token_hash=f"hash-{patient_ref}-{visit_id}-{instrument}",
        instrument_version=version,
        visit_id=visit_id,
        patient_ref=patient_ref,
        expires_at=NOW + timedelta(days=30),
    )


def nps_response(rating: int, *, patient_ref: str = "P-1", visit_id: str = "V-1", anonymity: str = Anonymity.CONTACT) -> Response:
    link = invitation(patient_ref, visit_id) if anonymity != Anonymity.ANONYMOUS else None
    return answered(
        "nps", {"likely-to-recommend": str(rating)}, completed_at=DAY_BEFORE, anonymity=anonymity, invitation=link
    )


def visit(visit_id: str, patient_ref: str, *, waited: int | None, roomed_only: bool = False, arrived: datetime = DAY_BEFORE) -> Visit:
    seen = arrived + timedelta(minutes=waited) if waited is not None else None
    return Visit.objects.create(
        visit_id=visit_id,
        patient_ref=patient_ref,
        provider="dr-okafor",
        location="main-street",
        visit_type="established",
        booking_channel="phone",
        scheduled_start=arrived,
        arrived_at=arrived,
        roomed_at=seen if roomed_only else None,
        provider_in_at=None if roomed_only else seen,
        status="completed",
    )


def test_it_opens_a_case_for_a_detractor_who_asked_to_be_contacted(practice: Cast) -> None:
    response = nps_response(6)
    report = open_cases_by_rules(NOW)
    case = Case.objects.get()
    assert (report.opened, case.trigger, case.patient_ref, case.dedupe_key) == (1, Trigger.DETRACTOR, "P-1", "P-1:visit:V-1")
    assert case.summary == "Detractor: scored 6 out of 10 for recommending the practice"
    # The detractor rule names no touchpoint: the practice manager owns it.
    assert case.touchpoint is None and case.owner is not None and case.owner.key == "maria-manager"
    evidence = case.evidence.get()
    assert (evidence.kind, evidence.ref) == (EvidenceKind.RESPONSE, str(response.external_id))
    # The rule ran Wednesday 15 Jan at noon in New York. 1 business day: Thursday → due Friday 17 Jan 00:00 EST; 5: Wednesday 22 → due Thursday 23 Jan 00:00 EST.
    assert case.first_contact_due == datetime(2025, 1, 17, 0, 0, tzinfo=NEW_YORK)
    assert case.resolution_due == datetime(2025, 1, 23, 0, 0, tzinfo=NEW_YORK)
    assert case.escalate_after == case.first_contact_due


@pytest.mark.parametrize("rating", [7, 9, 10])
def test_it_opens_nothing_for_passives_and_promoters(practice: Cast, rating: int) -> None:
    nps_response(rating)
    assert open_cases_by_rules(NOW).opened == 0


@pytest.mark.parametrize("anonymity", [Anonymity.CONFIDENTIAL, Anonymity.ANONYMOUS])
def test_it_never_opens_an_outreach_case_for_a_patient_who_did_not_ask(practice: Cast, anonymity: str) -> None:
    nps_response(0, anonymity=anonymity)
    assert open_cases_by_rules(NOW).opened == 0
    assert not Case.objects.exists()


def test_it_opens_a_case_for_a_bottom_box_answer_at_the_rule_touchpoint(practice: Cast) -> None:
    link = invitation("P-2", "V-2", "cg-cahps-visit")
    answered(
        "cg-cahps-visit",
        {"cgcahps-office-helpful": "no", "cgcahps-office-courteous": "yes-definitely"},
        completed_at=DAY_BEFORE,
        anonymity=Anonymity.CONTACT,
        invitation=link,
    )
    open_cases_by_rules(NOW)
    case = Case.objects.get()
    assert case.trigger == Trigger.BOTTOM_BOX
    assert case.touchpoint is not None and case.touchpoint.key == "check-in"
    assert case.owner is not None and case.owner.key == "fran-frontdesk"
    assert case.evidence.get().detail == "cgcahps-office-helpful=no"


def test_it_opens_a_case_when_the_wait_is_over_the_threshold_only(practice: Cast) -> None:
    visit("V-61", "P-61", waited=61)
    visit("V-60", "P-60", waited=60)
    # No provider-in time recorded: the wait runs to being roomed.
    visit("V-R", "P-R", waited=75, roomed_only=True)
    open_cases_by_rules(NOW)
    cases = {c.patient_ref: c for c in Case.objects.all()}
    assert sorted(cases) == ["P-61", "P-R"]
    assert cases["P-61"].summary == "Waited 61 minutes to see the provider (the rule: over 60)"
    assert cases["P-R"].touchpoint is not None and cases["P-R"].touchpoint.key == "waiting-room"


def test_it_ignores_waits_older_than_the_lookback(practice: Cast) -> None:
    visit("V-OLD", "P-OLD", waited=120, arrived=NOW - timedelta(days=15))
    assert open_cases_by_rules(NOW).opened == 0


def test_it_opens_a_case_for_a_referral_open_over_30_days(practice: Cast) -> None:
    for ref, days in (("R-31", 31), ("R-29", 29)):
        Referral.objects.create(
            referral_id=ref, patient_ref=f"P-{ref}", specialty="Cardiology", sent_at=NOW - timedelta(days=days), status="sent"
        )
    Referral.objects.create(
        referral_id="R-DONE", patient_ref="P-DONE", specialty="Cardiology", sent_at=NOW - timedelta(days=40),
        closed_at=NOW - timedelta(days=2), status="closed",
    )
    open_cases_by_rules(NOW)
    case = Case.objects.get()
    assert (case.dedupe_key, case.trigger) == ("P-R-31:referral:R-31", Trigger.REFERRAL_OPEN)
    assert case.summary == "Referral to Cardiology open for 31 days (the rule: over 30)"


def test_it_counts_business_days_for_an_unanswered_billing_inquiry(practice: Cast) -> None:
    # NOW is Wednesday 15 Jan. Opened Tuesday 7 Jan: 6 business days after (8, 9, 10, 13, 14, 15): a case.
    # Opened Wednesday 8 Jan: 5 business days (9, 10, 13, 14, 15): not yet.
    BillingInquiry.objects.create(inquiry_id="B-6", patient_ref="P-B6", opened_at=datetime(2025, 1, 7, 15, tzinfo=UTC), category="statement")
    BillingInquiry.objects.create(inquiry_id="B-5", patient_ref="P-B5", opened_at=datetime(2025, 1, 8, 15, tzinfo=UTC), category="statement")
    open_cases_by_rules(NOW)
    case = Case.objects.get()
    assert case.patient_ref == "P-B6"
    assert case.owner is not None and case.owner.key == "bill-billing"
    # Billing's own terms: resolution within 10 business days (16,17,20,21,22,23,24,27,28,29 Jan).
    assert case.resolution_due == datetime(2025, 1, 30, 0, 0, tzinfo=NEW_YORK)


def test_it_opens_each_case_once_when_the_rules_run_twice(practice: Cast) -> None:
    nps_response(3)
    visit("V-9", "P-9", waited=90)
    first = open_cases_by_rules(NOW)
    second = open_cases_by_rules(NOW + timedelta(minutes=5))
    assert (first.opened, second.opened, second.found) == (2, 0, 2)
    assert Case.objects.count() == 2
    assert all(c.evidence.count() == 1 and c.history.count() == 1 for c in Case.objects.all())


def test_it_joins_a_detractor_and_a_long_wait_of_the_same_visit_into_one_case(practice: Cast) -> None:
    nps_response(2, patient_ref="P-1", visit_id="V-1")
    visit("V-1", "P-1", waited=95)
    open_cases_by_rules(NOW)
    case = Case.objects.get()
    assert sorted(case.evidence.values_list("trigger", flat=True)) == ["detractor", "long_wait"]


def analysis(response: Response, urgency: str) -> CommentAnalysis:
    return CommentAnalysis.objects.create(
        response=response, urgency=urgency, touchpoints=["waiting-room"], model_name="test", analysed_at=DAY_BEFORE,
        redacted_text="[redacted] fainted in the waiting room and nobody came",
    )


def test_it_turns_an_anonymous_urgent_comment_into_an_incident_without_identity(practice: Cast) -> None:
    response = nps_response(8, anonymity=Anonymity.ANONYMOUS)
    found = analysis(response, "safety")
    open_cases_by_rules(NOW)
    case = Case.objects.get()
    assert case.is_incident and case.patient_ref == "" and case.priority == Priority.HIGH
    assert case.dedupe_key == f"incident:comment:{found.external_id}"
    assert case.owner is not None and case.owner.key == "maria-manager"
    assert "P-" not in case.summary + case.dedupe_key


def test_it_raises_an_identified_case_to_high_priority_for_an_urgent_comment(practice: Cast) -> None:
    response = nps_response(4)
    open_cases_by_rules(NOW - timedelta(hours=1))
    normal = Case.objects.get()
    assert normal.priority == Priority.NORMAL
    # The urgent flag comes later, through comment analysis' signal: same person and visit, one case.
    urgent = analysis(response, "threat")
    comments_analysed.send(sender=CommentAnalysis, analysis_ids=[urgent.pk], urgent_ids=[urgent.pk])
    case = Case.objects.get()
    assert case.priority == Priority.HIGH
    assert sorted(case.evidence.values_list("kind", flat=True)) == ["comment", "response"]
    # High priority: first contact the same business day (Wednesday) → due Thursday 16 Jan 00:00 EST.
    assert case.first_contact_due == datetime(2025, 1, 16, 0, 0, tzinfo=NEW_YORK)
    assert case.escalate_after == case.first_contact_due


def test_it_opens_an_incident_at_once_when_comment_analysis_flags_it(practice: Cast) -> None:
    response = nps_response(9, anonymity=Anonymity.CONFIDENTIAL)
    quiet, urgent = analysis(response, ""), None
    assert open_cases_for_analyses([quiet]) == 0
    other = nps_response(9, patient_ref="P-2", visit_id="V-2", anonymity=Anonymity.CONFIDENTIAL)
    urgent = analysis(other, "abuse")
    comments_analysed.send(sender=CommentAnalysis, analysis_ids=[quiet.pk, urgent.pk], urgent_ids=[urgent.pk])
    case = Case.objects.get()
    # Confidential is not "contact me": an incident, without the patient reference the response has.
    assert case.is_incident and case.patient_ref == "" and case.summary == "Incident from a comment, no consent to contact: abuse"
