"""Moments and recognition (issue 8, item 3): the queue, the moment of the week, kind words.

Every moment's text is free of patient identity: a comment's `redacted_text` (feedback/redaction.py,
keeping the names of the staff it credits), or a manager's words run through the same redaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.db import transaction
from django.db.models import QuerySet

from careloop.accounts.models import StaffMember, User
from careloop.feedback.redaction import redact
from careloop.governance.models import Moment, MomentSource, MomentStatus, Recognition
from careloop.measures.business_time import practice_zone
from careloop.measures.periods import local_date

# Sentiment 4 (positive) and 5 (very positive) on feedback's 1-5 scale (feedback/models.py Sentiment).
POSITIVE_FROM = 4
TEXT_MAX = 2000


class RecognitionError(ValueError):
    """Something recognition cannot take, said in one sentence."""


def week_start_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def staff_names(members: Sequence[StaffMember]) -> list[str]:
    names: list[str] = []
    for member in members:
        names.append(member.name)
        names.extend(str(n) for n in member.nicknames or [])
    return names


def queue_positive_comments() -> int:
    """Positive comments naming staff become moments (once each)."""
    from careloop.feedback.models import CommentAnalysis

    added = 0
    candidates = (
        CommentAnalysis.objects.filter(moment__isnull=True)
        .exclude(staff_mentions=[])
        .select_related("response")
        .prefetch_related("corrections")
    )
    zone = practice_zone()
    for analysis in candidates:
        if int(analysis.effective_labels()["sentiment"]) < POSITIVE_FROM or not analysis.staff_mentions:
            continue
        members = list(StaffMember.objects.filter(key__in=analysis.staff_mentions))
        if not members or not analysis.redacted_text.strip():
            continue
        when = analysis.response.completed_at or analysis.analysed_at
        moment = Moment.objects.create(
            source=MomentSource.COMMENT,
            text=analysis.redacted_text[:TEXT_MAX],
            comment_analysis=analysis,
            happened_on=local_date(when, zone),
        )
        moment.staff.set(members)
        added += 1
    return added


def queue_recovered_cases() -> int:
    """Cases whose patient said "yes, it was resolved for me" become moments for the case owner."""
    from careloop.recovery.models import Case, CloseLoopAnswer

    added = 0
    zone = practice_zone()
    for case in Case.objects.filter(close_loop_answer=CloseLoopAnswer.YES, moment__isnull=True, owner__isnull=False).select_related("owner", "touchpoint"):
        assert case.owner is not None
        where = f" at {case.touchpoint.name}" if case.touchpoint else ""
        text = redact(
            f"A patient's problem{where} was put right, and the patient told us it was resolved for them. "
            f"What went wrong: {case.summary}",
            keep=staff_names([case.owner]),
        )
        moment = Moment.objects.create(
            source=MomentSource.CASE,
            text=text[:TEXT_MAX],
            case=case,
            touchpoint=case.touchpoint,
            happened_on=local_date(case.resolved_at or case.opened_at, zone),
        )
        moment.staff.set([case.owner])
        added += 1
    return added


def fill_queue() -> int:
    return queue_positive_comments() + queue_recovered_cases()


def add_moment(text: str, staff: Sequence[StaffMember], happened_on: date, user: User | None) -> Moment:
    text = text.strip()
    if not text:
        raise RecognitionError("Write what happened: the words or the story worth sharing.")
    if len(text) > TEXT_MAX:
        raise RecognitionError(f"Keep a moment under {TEXT_MAX} characters.")
    if not staff:
        raise RecognitionError("Name at least one staff member the moment is about.")
    moment = Moment.objects.create(
        source=MomentSource.MANUAL, text=redact(text, keep=staff_names(staff)), happened_on=happened_on, added_by=user
    )
    moment.staff.set(staff)
    return moment


def queued_moments() -> QuerySet[Moment]:
    return Moment.objects.filter(status=MomentStatus.QUEUED).prefetch_related("staff")


def moment_of_week(week_start: date) -> Moment | None:
    return Moment.objects.filter(week_start=week_start).prefetch_related("staff", "recognitions__staff_member").first()


def pick_moment_of_week(moment: Moment, week_start: date, user: User | None, message: str = "") -> Moment:
    """The moment of the week, and a recognition for each staff member it names. One per week: a
    new pick puts the week's previous moment back in the queue."""
    if week_start.weekday() != 0:
        raise RecognitionError("A week starts on a Monday.")
    with transaction.atomic():
        Moment.objects.filter(week_start=week_start).exclude(pk=moment.pk).update(week_start=None, status=MomentStatus.QUEUED)
        Moment.objects.filter(pk=moment.pk).update(week_start=week_start, status=MomentStatus.PICKED)
        for member in moment.staff.all():
            Recognition.objects.get_or_create(
                moment=moment, staff_member=member, defaults={"recognised_by": user, "message": message.strip()[:300]}
            )
    moment.refresh_from_db()
    return moment


def set_aside(moment: Moment) -> None:
    Moment.objects.filter(pk=moment.pk, status=MomentStatus.QUEUED).update(status=MomentStatus.SET_ASIDE)


def kind_words_for(member: StaffMember) -> QuerySet[Recognition]:
    return Recognition.objects.filter(staff_member=member).select_related("moment").order_by("-recognised_at")


def may_see_kind_words(user: User, member: StaffMember, can_manage: bool) -> bool:
    """A staff member's own page, or a manager's (CAN_MANAGE_RECOGNITION)."""
    return can_manage or (member.user_id is not None and member.user_id == user.pk)
