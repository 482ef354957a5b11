"""The demo's governance story (issue 8, "done means"): the committee reviews the real signal the
generator put in the calls (careloop/demo/calls.py: the new receptionist on Monday's appointments
line), an action takes effect mid-period and is recorded on the standard's SPC chart, the manager
picks a moment of the week from the demo's own comments, and the brief of the last complete week is
emailed into the local mailbox (CARELOOP_HOME/mail, as the survey invitations are)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.test.utils import override_settings

from careloop.accounts.models import StaffMember, User
from careloop.demo.calls import new_receptionist_starts
from careloop.demo.context import DemoContext
from careloop.demo.practice import MANAGER_EMAIL
from careloop.demo.survey_sending import FILE_BACKEND, MAILBOX
from careloop.governance.models import (
    EvidenceKind,
    Moment,
    MomentSource,
    OverdueDigest,
    Review,
    StrategicGoal,
)
from careloop.governance.recognition import fill_queue, pick_moment_of_week, week_start_of
from careloop.governance.remeasure import Verdict, remeasure
from careloop.governance.reviews import add_action, add_cause, link_evidence, mark_action_done, process_since
from careloop.journeys.models import Journey, Standard
from careloop.measures.models import Breakdown, ProcessChange, ProcessChangeSource, SignalKind
from careloop.measures.signals import open_signals
from careloop.reports.brief import last_complete_week, week_label
from careloop.reports.models import BriefSending
from careloop.reports.tasks import send_brief

CALLS_STANDARD = "call-answered-30s"
# The committee's fix (two weeks of booking-system training and a buddy on Monday mornings) takes
# effect this many weeks after the new receptionist starts: mid-way through the four months the
# generator gives her (calls.NEW_RECEPTIONIST_MONTHS_BEFORE_END), leaving weeks on both sides.
FIX_WEEKS_AFTER_START = 8

# The practice's strategy as a demo practice would write it (issue 8, item 2's examples).
GOALS = (
    ("Grow new-patient volume", "New patients reach us by phone and online and get an appointment soon.",
     ("call-answered-30s", "call-abandonment", "new-patient-lead-time", "online-booking-easy")),
    ("Keep established patients", "Patients who know us keep choosing us: short waits, clear next steps.",
     ("seen-within-30-min-of-arrival", "next-steps-explained", "net-promoter-score")),
    ("Reduce billing complaints", "Questions about bills are answered quickly and statements make sense.",
     ("billing-first-response", "billing-inquiry-resolved", "statement-clear")),
)


@dataclass
class GovernanceStory:
    review: Review | None = None
    verdict: str = ""
    moment: Moment | None = None
    brief_week: str = ""
    brief_recipients: int = 0
    mailbox: Path = Path()

    def summary(self) -> str:
        if self.review is None:
            return "Governance: no open signal on the calls standard, so no review was started."
        moment = "a moment of the week picked" if self.moment else "no positive comment naming staff to pick"
        return (
            f"Governance: review “{self.review.title}” ({self.verdict}); {moment}; "
            f"brief {self.brief_week} emailed to {self.brief_recipients} people in {self.mailbox}."
        )


def clear_previous_story() -> None:
    """A rebuilt demo tells the story again from scratch (events were replaced under it)."""
    Review.objects.all().delete()
    Moment.objects.all().delete()
    StrategicGoal.objects.all().delete()
    OverdueDigest.objects.all().delete()
    BriefSending.objects.all().delete()
    ProcessChange.objects.filter(source=ProcessChangeSource.GOVERNANCE).delete()


def write_goals(journey: Journey) -> None:
    for order, (title, description, keys) in enumerate(GOALS):
        goal = StrategicGoal.objects.create(title=title, description=description, order=order)
        goal.standards.set(Standard.objects.filter(journey=journey, key__in=keys))


def review_the_calls_signal(standard: Standard, today: date, fix_on: date, committee: User | None) -> Review | None:
    signal = (
        open_signals(standard)
        .filter(kind=SignalKind.SPECIAL_CAUSE, period_kind="week", breakdown=Breakdown.PRACTICE)
        .order_by("first_period")
        .first()
    )
    if signal is None:
        return None
    review = Review.objects.create(
        title="Monday calls wait longer since the appointments line changed",
        problem=(
            "From the week of " + f"{signal.first_period:%d %B %Y}" + " fewer calls are answered within 30 seconds "
            "and more callers hang up, on Mondays, the busiest morning. The weekly SPC chart shows special cause "
            "for concern."
        ),
        standard=standard,
        touchpoint=standard.touchpoint,
        signal=signal,
        remeasure_on=today - timedelta(days=7),
        created_by=committee,
        updated_by=committee,
    )
    link_evidence(review, EvidenceKind.SIGNAL, str(signal.external_id), "The signal that started the review")
    add_cause(
        review,
        "A new receptionist took Monday's first seat on the appointments line without booking-system training",
        "process",
        [
            "Monday callers wait longer than 30 seconds",
            "The first seat is slow to pick up and long on each call",
            "Its receptionist is new and still learning the booking system",
            "Onboarding has no booking-system training before phone duty",
            "The onboarding checklist was written before the booking system changed",
        ],
    )
    owner = standard.touchpoint.owner or StaffMember.objects.filter(is_active=True).first()
    assert owner is not None, "the demo practice has staff"
    training = add_action(review, "Two weeks of booking-system training and a buddy on Monday mornings", owner, fix_on)
    mark_action_done(training, fix_on, committee)
    add_action(review, "Add booking-system training to the onboarding checklist", owner, today - timedelta(days=10))
    return review


def pick_the_moment(week_start: date, manager: User | None) -> Moment | None:
    fill_queue()
    # The most recent positive comment naming staff, as the manager would at Monday's huddle.
    moment = Moment.objects.filter(source=MomentSource.COMMENT, happened_on__lt=week_start + timedelta(days=7)).order_by("-happened_on", "-id").first()
    if moment is None:
        return None
    return pick_moment_of_week(moment, week_start, manager, "Thank you: this is what we are here for.")


def tell_governance_story(ctx_today: date, *, months: int, seed: int, home: Path) -> GovernanceStory:
    story = GovernanceStory()
    journey = Journey.objects.filter(is_active=True).first()
    if journey is None:
        return story
    ctx = DemoContext(seed, ctx_today, months, ZoneInfo(settings.TIME_ZONE), {})
    starts = new_receptionist_starts(ctx)
    fix_on = week_start_of(starts) + timedelta(weeks=FIX_WEEKS_AFTER_START)
    committee = User.objects.filter(role="committee", is_active=True).order_by("id").first()
    manager = User.objects.filter(email=MANAGER_EMAIL).first()
    with transaction.atomic():
        clear_previous_story()
        write_goals(journey)
        standard = Standard.objects.filter(journey=journey, key=CALLS_STANDARD).first()
        if standard is not None:
            story.review = review_the_calls_signal(standard, ctx_today, fix_on, committee)
        week = last_complete_week(ctx_today)
        story.moment = pick_the_moment(week, manager)
    if story.review is not None and story.review.standard is not None:
        since = process_since(story.review)
        judged = remeasure(story.review.standard, fix_on, until=ctx_today, process_since=since)
        story.verdict = Verdict(judged.judgement.verdict).label.lower()
    story.mailbox = home / MAILBOX
    story.mailbox.mkdir(parents=True, exist_ok=True)
    with override_settings(EMAIL_BACKEND=FILE_BACKEND, EMAIL_FILE_PATH=str(story.mailbox)):
        story.brief_recipients = send_brief(week)
    story.brief_week = week_label(week)
    return story
