"""The recognition queue, the moment of the week, and each staff member's kind words: never with
patient identity."""

from __future__ import annotations

from datetime import date, datetime, timezone

from careloop.accounts.models import StaffMember
from careloop.feedback.models import CommentAnalysis
from careloop.feedback.redaction import redact
from careloop.governance.models import Moment, MomentSource, MomentStatus, Recognition
from careloop.governance.recognition import add_moment, fill_queue, pick_moment_of_week
from tests.conftest import Cast, client_for
from tests.feedback.explorer_cases import analysed_comment

KIND = "Fran at the front desk was so kind to me. My name is Jane Doe, call me on 555-201-7788."


def _comment(text: str, sentiment: int, mentions: list[str]) -> CommentAnalysis:
    analysis = analysed_comment(text, when=datetime(2025, 3, 4, 15, tzinfo=timezone.utc), touchpoints=["check-in"],
                                themes=["staff_attitude"], sentiment=sentiment)
    analysis.staff_mentions = mentions
    analysis.redacted_text = redact(text, keep=["Fran Frontdesk", "Fran"])
    analysis.save()
    return analysis


def test_it_queues_positive_comments_that_name_staff_once(cast: Cast) -> None:
    kind = _comment(KIND, 5, ["fran-frontdesk"])
    _comment("Fran was rude and I waited an hour.", 1, ["fran-frontdesk"])
    _comment("Lovely practice, thank you.", 5, [])
    assert fill_queue() == 1
    assert fill_queue() == 0
    moment = Moment.objects.get()
    assert (moment.source, moment.comment_analysis, moment.happened_on) == (MomentSource.COMMENT, kind, date(2025, 3, 4))
    assert list(moment.staff.values_list("key", flat=True)) == ["fran-frontdesk"]
    assert "Fran" in moment.text and "Jane" not in moment.text and "555" not in moment.text


def test_it_redacts_a_moment_a_manager_adds_by_hand(cast: Cast) -> None:
    sam = StaffMember.objects.get(key="sam-staff")
    response = client_for(cast.maria).post(
        "/governance/recognition/new/",
        {"text": "Mr John Smith told me Sam Staff carried his bags to the car.", "staff": [sam.pk], "happened_on": "2025-03-05"},
    )
    assert response.status_code == 302
    moment = Moment.objects.get()
    assert "Sam Staff" in moment.text and "John" not in moment.text and "Smith" not in moment.text
    assert client_for(cast.maria).post("/governance/recognition/new/", {"text": "", "staff": [], "happened_on": "x"}).status_code == 200
    assert Moment.objects.count() == 1


def test_it_picks_the_moment_of_the_week_and_recognises_the_staff_named(cast: Cast) -> None:
    _comment(KIND, 5, ["fran-frontdesk"])
    fill_queue()
    moment = Moment.objects.get()
    response = client_for(cast.maria).post(
        "/governance/recognition/", {"moment": str(moment.external_id), "week_start": "2025-03-03", "message": "Thank you, Fran!"}
    )
    assert response.status_code == 302
    moment.refresh_from_db()
    assert (moment.status, moment.week_start) == (MomentStatus.PICKED, date(2025, 3, 3))
    recognition = Recognition.objects.get()
    assert (recognition.staff_member.key, recognition.message, recognition.recognised_by) == ("fran-frontdesk", "Thank you, Fran!", cast.maria)
    # Not a Monday: refused, nothing changes.
    client_for(cast.maria).post("/governance/recognition/", {"moment": str(moment.external_id), "week_start": "2025-03-04"})
    assert Recognition.objects.count() == 1


def test_it_puts_the_previous_pick_of_the_week_back_in_the_queue(cast: Cast) -> None:
    fran = StaffMember.objects.get(key="fran-frontdesk")
    first = add_moment("Fran stayed late to help.", [fran], date(2025, 3, 4), cast.maria)
    second = add_moment("Fran found a wheelchair in minutes.", [fran], date(2025, 3, 5), cast.maria)
    pick_moment_of_week(first, date(2025, 3, 3), cast.maria)
    pick_moment_of_week(second, date(2025, 3, 3), cast.maria)
    first.refresh_from_db()
    assert (first.status, first.week_start) == (MomentStatus.QUEUED, None)
    assert Moment.objects.get(week_start=date(2025, 3, 3)) == second


def test_it_shows_kind_words_to_the_staff_member_and_their_manager_only(cast: Cast) -> None:
    _comment(KIND, 5, ["fran-frontdesk"])
    fill_queue()
    pick_moment_of_week(Moment.objects.get(), date(2025, 3, 3), cast.maria)
    fran = StaffMember.objects.get(key="fran-frontdesk")
    own = client_for(cast.fran).get("/governance/kind-words/").content.decode()
    assert "so kind to me" in own and "Jane" not in own and "555" not in own
    assert "so kind to me" not in client_for(cast.sam).get("/governance/kind-words/").content.decode()
    managers = client_for(cast.maria).get(f"/governance/staff/{fran.external_id}/")
    assert managers.status_code == 200 and "so kind to me" in managers.content.decode()
    assert client_for(cast.sam).get(f"/governance/staff/{fran.external_id}/").status_code == 404
    assert client_for(cast.cora).get("/governance/recognition/").status_code == 404
