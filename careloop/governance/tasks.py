"""Overdue governance actions remind their owners: one digest per owner per day, never one email
per action (issue 8: "a digest, not a flood"). Run daily by `careloop worker`."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from careloop.accounts.models import StaffMember
from careloop.governance.models import OPEN_ACTION_STATUSES, Action, OverdueDigest
from careloop.measures.business_time import practice_zone
from careloop.measures.series import today_in_practice
from careloop.task_chains import start_chain

# Early morning in the practice, so the digest is waiting when the day starts.
DIGEST_AT = time(7, 0)


def overdue_by_owner(today: date) -> dict[StaffMember, list[Action]]:
    grouped: dict[StaffMember, list[Action]] = defaultdict(list)
    for action in Action.objects.filter(status__in=OPEN_ACTION_STATUSES, due_on__lt=today).select_related("owner", "review"):
        grouped[action.owner].append(action)
    return grouped


def send_overdue_digests(today: date) -> int:
    """One email per owner with overdue actions and an email address; the OverdueDigest row
    (unique per owner and day) is written first, so a second run the same day sends nothing."""
    sent = 0
    for owner, actions in overdue_by_owner(today).items():
        if not owner.email:
            continue
        try:
            with transaction.atomic():
                OverdueDigest.objects.create(owner=owner, sent_on=today, actions=len(actions))
                body = render_to_string(
                    "governance/overdue_digest.txt",
                    {"owner": owner, "actions": actions, "today": today, "public_url": settings.PUBLIC_URL},
                )
                subject = f"careloop: {len(actions)} governance action{'s' if len(actions) != 1 else ''} overdue"
                send_mail(subject, body, None, [owner.email])
        except IntegrityError:
            continue
        sent += 1
    return sent


def next_digest_run(now: datetime) -> datetime:
    local = now.astimezone(practice_zone())
    run = datetime.combine(local.date(), DIGEST_AT, tzinfo=practice_zone())
    return run if run > local else datetime.combine(local.date() + timedelta(days=1), DIGEST_AT, tzinfo=practice_zone())


@task()
def send_overdue_action_digests() -> dict[str, int]:
    sent = send_overdue_digests(today_in_practice())
    send_overdue_action_digests.using(run_after=next_digest_run(timezone.now())).enqueue()
    return {"sent": sent}


def ensure_digest_scheduled() -> bool:
    return start_chain(send_overdue_action_digests, run_after=next_digest_run(timezone.now()))
