"""Escalation when an SLA is missed: the practice manager hears about it, in at most one email digest
per person per hour (issue 7, item 3: "never a flood").

Two steps, both due work for `careloop worker` (tasks.py), both safe to run twice or in two workers:

1. `escalate_overdue_cases`: a case whose `escalate_after` has passed is claimed with a conditional
   UPDATE (`… WHERE escalate_after = <the value read>`; only the worker whose UPDATE changed one row
   goes on), and in the same transaction one EscalationNotice per manager is written. A crash rolls
   both back, so the miss is noticed again on the next run: never lost, never noticed twice.
2. `send_escalation_digests`: each recipient's waiting notices are gathered into the digest for the
   current UTC hour (unique per recipient and hour), which is sent under a lease (`claimed_until`).
   A failed send keeps the digest unsent and tries again after RETRY_DELAY; a worker that dies
   mid-send leaves the lease to run out, and the next worker sends it. Sending and marking sent are
   two steps, so a crash in the moment between them sends that digest again: email cannot be
   part of a database transaction (docs/recovery.md says so).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from careloop.accounts.models import User
from careloop.accounts.roles import Role
from careloop.measures.business_time import practice_zone
from careloop.recovery.models import Case, CaseEvent, EscalationDigest, EscalationNotice, EventKind

BATCH = 200
CLAIM_LEASE = timedelta(minutes=10)
RETRY_DELAY = timedelta(minutes=15)
MAX_ATTEMPTS = 5
FIRST_CONTACT = "first contact"
RESOLUTION = "resolution"


@dataclass
class EscalationReport:
    escalated: int = 0
    notices: int = 0
    digests_sent: int = 0
    digests_failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def manager_emails() -> list[str]:
    return list(User.objects.filter(role=Role.MANAGER, is_active=True).exclude(email="").order_by("email").values_list("email", flat=True))


def missed_deadline(case: Case, due: datetime) -> str:
    if not case.is_incident and case.first_contacted_at is None and due == case.first_contact_due:
        return FIRST_CONTACT
    return RESOLUTION


def escalate_overdue_cases(now: datetime | None = None, report: EscalationReport | None = None) -> EscalationReport:
    moment = now or timezone.now()
    result = report or EscalationReport()
    recipients = manager_emails()
    due_cases = list(Case.objects.filter(escalate_after__lte=moment).select_related("owner").order_by("escalate_after")[:BATCH])
    for case in due_cases:
        due = case.escalate_after
        assert due is not None
        what = missed_deadline(case, due)
        # After a missed first contact, the resolution deadline is still to watch.
        following = case.resolution_due if what == FIRST_CONTACT and case.resolution_due > due else None
        with transaction.atomic():
            claimed = Case.objects.filter(pk=case.pk, escalate_after=due).update(escalate_after=following, escalated_at=moment)
            if claimed != 1:
                continue
            for email in recipients:
                _, created = EscalationNotice.objects.get_or_create(case=case, what=what, due_at=due, recipient=email)
                result.notices += int(created)
            owner = case.owner.name if case.owner else "nobody"
            CaseEvent.objects.create(
                case=case,
                at=moment,
                kind=EventKind.ESCALATED,
                to_status=case.status,
                note=f"{what} was due {_local(due)}; owner {owner}; told {', '.join(recipients) or 'no manager (none has an account)'}",
            )
        result.escalated += 1
    return result


def _local(moment: datetime) -> str:
    return moment.astimezone(practice_zone()).strftime("%a %d %b %Y %H:%M")


def _hour(moment: datetime) -> datetime:
    return moment.astimezone(dt_timezone.utc).replace(minute=0, second=0, microsecond=0)


def gather_digests(moment: datetime) -> None:
    """Attach each recipient's waiting notices to their digest for this hour, unless this hour's
    digest has already gone out (then they wait for the next hour's)."""
    hour = _hour(moment)
    waiting = EscalationNotice.objects.filter(digest__isnull=True).values_list("recipient", flat=True).distinct()
    for recipient in sorted(set(waiting)):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    digest, _ = EscalationDigest.objects.get_or_create(recipient=recipient, hour=hour)
            except IntegrityError:
                digest = EscalationDigest.objects.get(recipient=recipient, hour=hour)
            if digest.sent_at is not None:
                continue
            EscalationNotice.objects.filter(recipient=recipient, digest__isnull=True).update(digest=digest)


def _claim(digest: EscalationDigest, moment: datetime) -> bool:
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=moment)
    return (
        EscalationDigest.objects.filter(free, pk=digest.pk, sent_at__isnull=True).update(
            claimed_until=moment + CLAIM_LEASE, attempts=F("attempts") + 1
        )
        == 1
    )


def digest_text(digest: EscalationDigest) -> tuple[str, str]:
    """Subject and body: what is late and where, never who the patient is (email is not a safe place
    for PHI; the link leads to the audited case page)."""
    notices = list(digest.notices.select_related("case__touchpoint", "case__owner").order_by("due_at", "pk"))
    lines = [
        f"{len(notices)} recovery case deadline{'s' if len(notices) != 1 else ''} missed:",
        "",
    ]
    for notice in notices:
        case = notice.case
        where = case.touchpoint.name if case.touchpoint else "no touchpoint"
        owner = case.owner.name if case.owner else "nobody"
        url = settings.PUBLIC_URL + reverse("recovery:case", args=[case.external_id])
        lines.append(f"- {notice.what} due {_local(notice.due_at)} · {where} · owner {owner} · {case.get_priority_display()} priority")
        lines.append(f"  {url}")
    lines += ["", "One digest per hour at most; see every open case at " + settings.PUBLIC_URL + reverse("recovery:inbox")]
    subject = f"careloop: {len(notices)} recovery deadline{'s' if len(notices) != 1 else ''} missed"
    return subject, "\n".join(lines)


def send_escalation_digests(now: datetime | None = None, report: EscalationReport | None = None) -> EscalationReport:
    moment = now or timezone.now()
    result = report or EscalationReport()
    gather_digests(moment)
    pending = EscalationDigest.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=moment)
    )
    for digest in list(pending.order_by("hour", "pk")[:BATCH]):
        if not digest.notices.exists() or not _claim(digest, moment):
            continue
        subject, body = digest_text(digest)
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [digest.recipient])
        except Exception as error:  # any transport failure: keep it, try again later
            EscalationDigest.objects.filter(pk=digest.pk).update(
                claimed_until=moment + RETRY_DELAY, last_error=f"{type(error).__name__}: {error}"[:300]
            )
            result.digests_failed += 1
            continue
        EscalationDigest.objects.filter(pk=digest.pk).update(sent_at=moment, claimed_until=None, last_error="")
        result.digests_sent += 1
    return result
