"""A committee member works a review: start it from a signal, link evidence, record a cause and an
action, mark the action done (a process change on the standard); who may edit, who may only read."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail

from careloop.accounts.models import StaffMember
from careloop.governance.models import Action, ActionStatus, Cause, EvidenceKind, Review
from careloop.governance.reviews import ReviewError, add_action, link_evidence, mark_action_done
from careloop.governance.tasks import send_overdue_digests
from careloop.measures.models import ProcessChange, Signal, SignalKind, SignalRule
from tests.conftest import Cast, client_for
from tests.governance.helpers import FIRST_MONDAY, standard, weeks


def _signal(std: Any) -> Signal:
    return Signal.objects.create(
        standard=std, period_kind="week", kind=SignalKind.SPECIAL_CAUSE, rule=SignalRule.RUN,
        first_period=FIRST_MONDAY, triggered_period=FIRST_MONDAY, last_period=FIRST_MONDAY,
    )


def test_it_starts_a_review_from_a_signal_and_links_the_signal(cast: Cast) -> None:
    std = standard()
    signal = _signal(std)
    client = client_for(cast.cora)
    page = client.get(f"/governance/reviews/new/?signal={signal.external_id}")
    assert page.status_code == 200 and std.name in page.content.decode()
    response = client.post(
        f"/governance/reviews/new/?signal={signal.external_id}",
        {"title": "Monday calls", "problem": "Calls wait on Mondays.", "standard": std.pk, "remeasure_on": "2025-06-02"},
    )
    review = Review.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/governance/reviews/{review.external_id}/"
    assert (review.signal, review.standard, review.created_by) == (signal, std, cast.cora)
    assert list(review.evidence.values_list("kind", "ref")) == [(EvidenceKind.SIGNAL, str(signal.external_id))]


def test_it_records_causes_and_actions_through_the_page(cast: Cast) -> None:
    review = Review.objects.create(title="Billing", problem="Statements confuse patients.")
    owner = StaffMember.objects.get(key="bill-billing")
    client = client_for(cast.cora)
    url = f"/governance/reviews/{review.external_id}/"
    client.post(url, {"form": "cause", "statement": "Statement shows codes, not words", "category": "communication",
                      "why1": "Patients call to ask", "why2": "They cannot read the codes", "why3": "Template from 2009"})
    client.post(url, {"form": "action", "description": "Rewrite the statement", "owner": owner.pk, "due_on": "2025-03-01"})
    cause = Cause.objects.get()
    assert (cause.category, cause.whys) == ("communication", ["Patients call to ask", "They cannot read the codes", "Template from 2009"])
    assert Action.objects.get().owner == owner
    page = client.get(url).content.decode()
    assert "Statement shows codes, not words" in page and "Rewrite the statement" in page
    client.post(url, {"form": "close"})
    review.refresh_from_db()
    assert review.status == "closed"


def test_it_refuses_bad_input_with_a_clear_message(cast: Cast) -> None:
    review = Review.objects.create(title="X", problem="Y")
    client = client_for(cast.cora)
    url = f"/governance/reviews/{review.external_id}/"
    response = client.post(url, {"form": "evidence", "kind": "case", "ref": "not-a-uuid"}, follow=True)
    assert "linked by its id" in response.content.decode()
    response = client.post(url, {"form": "evidence", "kind": "signal", "ref": str(uuid.uuid4())}, follow=True)
    assert "No signal has the id" in response.content.decode()
    response = client.post(url, {"form": "action", "description": "", "owner": "", "due_on": "soon"}, follow=True)
    assert "due_on" in response.content.decode()
    assert not review.evidence.exists() and not review.actions.exists()


def test_it_lets_everyone_with_aggregates_read_but_only_the_committee_edit(cast: Cast) -> None:
    review = Review.objects.create(title="Read me", problem="Y")
    url = f"/governance/reviews/{review.external_id}/"
    assert client_for(cast.sam).get(url).status_code == 200
    assert "Add the cause" not in client_for(cast.sam).get(url).content.decode()
    assert client_for(cast.sam).post(url, {"form": "cause", "statement": "S", "category": "people"}).status_code == 404
    assert client_for(cast.maria).post(url, {"form": "cause", "statement": "S", "category": "people"}).status_code == 404
    assert not Cause.objects.exists()
    assert client_for(cast.sam).get("/governance/reviews/new/").status_code == 404
    assert client_for(cast.cora).get(f"/governance/reviews/{uuid.uuid4()}/").status_code == 404


def test_it_records_a_process_change_on_the_standard_when_an_action_is_done(cast: Cast) -> None:
    std = standard()
    review = Review.objects.create(title="Monday calls", problem="P", standard=std)
    action = add_action(review, "Second receptionist on Mondays", StaffMember.objects.get(key="fran-frontdesk"), date(2025, 3, 1))
    client_for(cast.cora).post(
        f"/governance/reviews/{review.external_id}/", {"form": "done", "action": str(action.external_id), "done_on": "2025-02-17"}
    )
    action.refresh_from_db()
    change = ProcessChange.objects.get()
    assert (action.status, action.done_on, action.process_change) == (ActionStatus.DONE, date(2025, 2, 17), change)
    assert (change.standard, change.changed_on, change.source, change.recorded_by) == (std, date(2025, 2, 17), "governance", cast.cora)
    with pytest.raises(ReviewError, match="already done"):
        mark_action_done(action, date(2025, 2, 18), cast.cora)
    assert ProcessChange.objects.count() == 1


def test_it_shows_the_spc_verdict_from_the_remeasure_date(cast: Cast) -> None:
    std = standard()
    weeks(std, [80, 82, 78, 81, 79, 80, 92, 93, 91])
    done_on = FIRST_MONDAY + timedelta(weeks=6)
    review = Review.objects.create(title="Monday calls", problem="P", standard=std, remeasure_on=date(2025, 3, 10))
    action = add_action(review, "Second receptionist", StaffMember.objects.get(key="fran-frontdesk"), done_on)
    mark_action_done(action, done_on, cast.cora)
    page = client_for(cast.sam).get(f"/governance/reviews/{review.external_id}/").content.decode()
    assert "SPC verdict: Improved" in page
    assert "6 weeks before the change" in page and "3 weeks after" in page
    assert "<svg" in page


def test_it_sends_one_overdue_digest_per_owner_per_day(cast: Cast) -> None:
    review = Review.objects.create(title="R", problem="P")
    fran = StaffMember.objects.get(key="fran-frontdesk")
    bill = StaffMember.objects.get(key="bill-billing")
    add_action(review, "First late thing", fran, date(2025, 3, 1))
    add_action(review, "Second late thing", fran, date(2025, 3, 2))
    add_action(review, "Not due yet", bill, date(2025, 3, 20))
    assert send_overdue_digests(date(2025, 3, 5)) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["fran@practice.test"] and "2 governance actions overdue" in message.subject
    assert "First late thing" in message.body and "Second late thing" in message.body and "Not due yet" not in message.body
    assert send_overdue_digests(date(2025, 3, 5)) == 0
    assert send_overdue_digests(date(2025, 3, 6)) == 1 and len(mail.outbox) == 2


def test_it_links_only_evidence_that_exists(cast: Cast) -> None:
    review = Review.objects.create(title="R", problem="P")
    signal = _signal(standard())
    link_evidence(review, "signal", str(signal.external_id))
    link_evidence(review, "signal", str(signal.external_id))
    assert review.evidence.count() == 1
    with pytest.raises(ReviewError, match="No measurement has the id 999"):
        link_evidence(review, "measurement", "999")
