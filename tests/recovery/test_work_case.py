"""Working a case through its pages: contact, resolve, reopen, close without contact, reassign, the
patient's answer. For each: it works, it rejects bad input and wrong methods, it checks access."""

from __future__ import annotations

import re

import pytest

from careloop.accounts.models import AuditEntry
from careloop.events.models import PatientContact
from careloop.recovery.models import Case, CaseEvent, Status
from tests.conftest import Cast, client_for
from tests.recovery.cases import make_case, make_journey


@pytest.fixture
def case(cast: Cast) -> Case:
    make_journey()
    PatientContact.objects.create(
        patient_ref="P-1001", given_name="Rosa", family_name="Diaz", phone="+15550102000", consent_contact=True
    )
    return make_case()


def url(case: Case, action: str = "") -> str:
    return f"/cases/{case.external_id}/{action + '/' if action else ''}"


def test_it_shows_the_case_with_contact_details_and_audits_both_reads(cast: Cast, case: Case) -> None:
    response = client_for(cast.fran).get(url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kept waiting at the desk" in html and "Rosa" in html and "+15550102000" in html
    assert "Hear" in html and "Diagnose" in html
    kinds = sorted(AuditEntry.objects.filter(patient_ref="P-1001").values_list("record_kind", flat=True))
    assert kinds == ["case", "contact:recovery-case"]


def test_it_hides_cases_from_roles_that_do_not_work_them(cast: Cast, case: Case) -> None:
    for person in (cast.sam, cast.cora, cast.ada):
        assert client_for(person).get(url(case)).status_code == 404
        assert client_for(person).post(url(case, "contact"), {"method": "phone"}).status_code == 404
    assert not AuditEntry.objects.exists()
    assert client_for(None).get(url(case))["Location"].startswith("/login/")


def test_it_answers_404_for_a_case_that_does_not_exist(cast: Cast, case: Case) -> None:
    assert client_for(cast.maria).get("/cases/00000000-0000-4000-8000-000000000000/").status_code == 404


def test_it_walks_a_case_from_contact_to_resolution_and_the_patients_answer(cast: Cast, case: Case) -> None:
    client = client_for(cast.fran)
    response = client.post(url(case, "contact"), {"method": "phone", "outcome": "reached", "said": "Apologised; rebooked."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CONTACTED and case.first_contacted_at is not None
    # The resolution deadline is the next one to watch.
    assert case.escalate_after == case.resolution_due
    response = client.post(
        url(case, "resolve"),
        {"recovery_offered": ["apology", "rebooking"], "cause_category": "process", "fix_level": "process", "note": "Desk rota"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.cause_category, case.fix_level, case.recovery_offered) == (
        Status.RESOLVED, "process", "process", ["apology", "rebooking"]
    )
    assert case.escalate_after is None
    page = client.get(url(case)).content.decode()
    assert "<dd>Apology, Rebooking</dd>" in page and "<dd>Process · The process needs changing</dd>" in page
    assert client.post(url(case, "answer"), {"answer": "yes"}).status_code == 302
    case.refresh_from_db()
    assert case.close_loop_answer == "yes"
    assert list(case.history.values_list("kind", flat=True)) == ["opened", "contacted", "resolved", "close_loop"]


def test_it_keeps_the_first_contact_clock_running_when_nobody_answered(cast: Cast, case: Case) -> None:
    client_for(cast.fran).post(url(case, "contact"), {"method": "phone", "outcome": "no_answer", "said": "Rang twice."})
    case.refresh_from_db()
    assert case.status == Status.NEW and case.first_contacted_at is None
    assert case.contacts.count() == 1 and case.escalate_after == case.first_contact_due


def test_it_refuses_to_resolve_before_anyone_reached_the_patient(cast: Cast, case: Case) -> None:
    response = client_for(cast.fran).post(
        url(case, "resolve"), {"recovery_offered": ["apology"], "cause_category": "people", "fix_level": "this_patient"}
    )
    assert response.status_code == 400
    assert "Log the contact with the patient first" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_it_rejects_bad_input_with_field_errors(cast: Cast, case: Case) -> None:
    client = client_for(cast.fran)
    response = client.post(url(case, "contact"), {"method": "pigeon", "outcome": "reached", "said": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a valid choice" in html and "This field is required" in html
    assert client.post(url(case, "contact"), {"method": "phone", "outcome": "reached", "said": "x" * 4001}).status_code == 400
    assert client.post(url(case, "resolve"), {"cause_category": "gremlins"}).status_code == 400
    assert client.delete(url(case, "contact")).status_code == 405
    assert client.post(url(case)).status_code == 405
    assert case.contacts.count() == 0


def test_it_reopens_a_resolved_case_and_counts_it(cast: Cast, case: Case) -> None:
    client = client_for(cast.maria)
    client.post(url(case, "contact"), {"method": "phone", "outcome": "reached", "said": "Spoke."})
    client.post(url(case, "resolve"), {"recovery_offered": ["explanation"], "cause_category": "communication", "fix_level": "this_patient"})
    assert client.post(url(case, "reopen"), {"reason": "Patient called back: not fixed"}).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.reopen_count, case.resolved_at) == (Status.REOPENED, 1, None)
    assert case.escalate_after == case.resolution_due
    # An open case cannot be reopened again.
    assert client.post(url(case, "reopen"), {"reason": "again"}).status_code == 400


def test_it_closes_without_contact_with_a_reason(cast: Cast, case: Case) -> None:
    client = client_for(cast.fran)
    assert client.post(url(case, "close"), {"reason": ""}).status_code == 400
    assert client.post(url(case, "close"), {"reason": "Three calls, no answer, letter sent"}).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.closed_reason, case.escalate_after) == (
        Status.CLOSED_WITHOUT_CONTACT, "Three calls, no answer, letter sent", None
    )


def test_it_reassigns_a_case_to_another_owner(cast: Cast, case: Case) -> None:
    client = client_for(cast.maria)
    assert client.post(url(case, "reassign"), {"owner": "bill-billing", "note": "It was a billing question"}).status_code == 302
    case.refresh_from_db()
    assert case.owner is not None and case.owner.key == "bill-billing"
    event = CaseEvent.objects.get(case=case, kind="reassigned")
    assert event.note == "from Fran Frontdesk to Bill Billing. It was a billing question"
    assert client.post(url(case, "reassign"), {"owner": "bill-billing"}).status_code == 400
    assert client.post(url(case, "reassign"), {"owner": "nobody-here"}).status_code == 400


def test_it_lists_my_cases_first_sorted_by_due_time_with_overdue_marked(cast: Cast, case: Case) -> None:
    from django.utils import timezone

    billing = make_case("P-2", episode="visit:V-2", touchpoint="billing")
    fresh = make_case("P-3", episode="visit:V-3", opened_at=timezone.now())
    client = client_for(cast.fran)
    html = client.get("/cases/").content.decode()
    # Fran owns check-in, not billing: her two cases, the one overdue since 2025 first and marked.
    order = re.findall(r'href="/cases/([0-9a-f-]{36})/"', html)
    assert order == [str(case.external_id), str(fresh.external_id)]
    assert html.count('<tr class="overdue">') == 1 and "overdue</strong>" in html
    everyone = re.findall(r'href="/cases/([0-9a-f-]{36})/"', client.get("/cases/?show=all").content.decode())
    # Same due time (both opened in 2025 at the same moment): then by when they were made.
    assert everyone == [str(case.external_id), str(billing.external_id), str(fresh.external_id)]
    overdue = re.findall(r'href="/cases/([0-9a-f-]{36})/"', client.get("/cases/?show=overdue").content.decode())
    assert overdue == [str(case.external_id), str(billing.external_id)]
    # Patient references are not shown in the list.
    assert "P-1001" not in html
