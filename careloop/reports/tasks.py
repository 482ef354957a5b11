"""The weekly brief emailed to staff on CARELOOP_BRIEF_WEEKDAY (default Monday) morning, in the
practice's time zone. A chain of one Django Task: each run sends the brief of the week just over
and schedules the next; BriefSending (unique per week) makes a second run send nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from careloop.accounts.models import User
from careloop.measures.business_time import practice_zone
from careloop.measures.series import today_in_practice
from careloop.reports.brief import THUMBNAIL_WEEKS, build_brief, last_complete_week
from careloop.reports.models import BriefSending
from careloop.reports.pdf import brief_pdf
from careloop.task_chains import start_chain

# Before the morning huddle.
BRIEF_AT = time(7, 0)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def brief_weekday() -> int:
    raw = str(getattr(settings, "BRIEF_WEEKDAY", "monday")).strip().lower()
    if raw.isdigit() and int(raw) < 7:
        return int(raw)
    if raw in WEEKDAYS:
        return WEEKDAYS.index(raw)
    raise ValueError(f"CARELOOP_BRIEF_WEEKDAY must be a weekday name or 0 (Monday) to 6 (Sunday), not {raw!r}")


def next_brief_run(now: datetime) -> datetime:
    local = now.astimezone(practice_zone())
    days_ahead = (brief_weekday() - local.weekday()) % 7
    run = datetime.combine(local.date() + timedelta(days=days_ahead), BRIEF_AT, tzinfo=practice_zone())
    return run if run > local else run + timedelta(days=7)


def staff_recipients() -> list[str]:
    return sorted(
        User.objects.filter(is_active=True).exclude(email="").exclude(role="").values_list("email", flat=True)
    )


def send_brief(week_start: date) -> int:
    """Email the week's brief (text, HTML and the one-page PDF) to every active user; 0 when it
    was already sent."""
    brief = build_brief(week_start)
    recipients = staff_recipients()
    try:
        with transaction.atomic():
            BriefSending.objects.create(week_start=week_start, recipients=len(recipients))
            context = {"brief": brief, "thumbnail_weeks": THUMBNAIL_WEEKS, "public_url": settings.PUBLIC_URL}
            message = EmailMultiAlternatives(
                subject=f"Weekly brief {brief.week}: {brief.practice}",
                body=render_to_string("reports/brief_email.txt", context),
                to=[settings.DEFAULT_FROM_EMAIL],
                # Blind copies: staff do not need each other's addresses.
                bcc=recipients,
            )
            message.attach_alternative(render_to_string("reports/brief_print.html", context), "text/html")
            message.attach(f"careloop-brief-{brief.week}.pdf", brief_pdf(brief), "application/pdf")
            message.send()
    except IntegrityError:
        return 0
    return len(recipients)


@task()
def send_weekly_brief() -> dict[str, object]:
    week = last_complete_week(today_in_practice())
    sent = send_brief(week)
    send_weekly_brief.using(run_after=next_brief_run(timezone.now())).enqueue()
    return {"week": week.isoformat(), "recipients": sent}


def ensure_brief_scheduled() -> bool:
    return start_chain(send_weekly_brief, run_after=next_brief_run(timezone.now()))
