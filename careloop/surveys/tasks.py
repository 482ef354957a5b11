"""Survey invitations as due work, run by `careloop worker`.

`plan_recent_visits` turns completed visits into invitations with a `send_after`; `send_due_invitations`
sends those whose time has come, then the one reminder of those not yet answered. Each row is claimed
with a conditional UPDATE (`… WHERE send_after = <the value read>`) and only the worker whose UPDATE
changed exactly one row sends it, so two workers never send the same invitation twice (the pattern of
healthchecks' `sendalerts`). A failed send moves `send_after` forward, so one bad row cannot crash-loop.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import task

from careloop.surveys.instrument_file import active_instrument_version
from careloop.surveys.invitations import REMINDER_DELAY, VISIT_INSTRUMENT, Contact, Rules, contact_for, plan_recent_visits
from careloop.surveys.models import Invitation, InvitationChannel
from careloop.surveys.sending import SendError, send_invitation
from careloop.surveys.sms import SmsProvider, configured_sms_provider
from careloop.task_chains import start_chain

# A claimed row is due again after this if its worker died mid-send.
CLAIM_LEASE = timedelta(minutes=10)
RETRY_DELAY = timedelta(hours=1)
MAX_ATTEMPTS = 3
WORK_EVERY = timedelta(minutes=5)
BATCH = 200


@dataclass
class SendReport:
    sent: int = 0
    reminded: int = 0
    deferred: int = 0
    failed: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _why_not(invitation: Invitation, contact: Contact | None, now: datetime) -> str:
    """Why this invitation must not go out now after all ("" if it may): the patient may have
    opted out or withdrawn consent since it was planned, or it expired while waiting."""
    if invitation.used_at is not None:
        return "already answered"
    if invitation.is_expired(now):
        return "expired before it could be sent"
    if contact is None:
        return "no contact details for this patient"
    if contact.opted_out_at is not None:
        return "the patient opted out"
    if not contact.may_receive(invitation.channel):
        return f"no consent to survey by {invitation.get_channel_display().lower()}"
    return ""


def _claim(invitation: Invitation, column: str, now: datetime) -> bool:
    due = getattr(invitation, column)
    return Invitation.objects.filter(pk=invitation.pk, **{column: due}).update(**{column: now + CLAIM_LEASE}) == 1


def _claim_contact(
    invitation: Invitation, column: str, rules: Rules, now: datetime, report: SendReport, *, keep_reason: bool
) -> Contact | None:
    """Claim a due invitation or reminder (`column` is its due-time column) and return the contact to
    send to, or None when another worker has it, quiet hours defer it, or the patient may no longer be
    contacted (then the due time is cleared; `keep_reason` records why on the invitation)."""
    if not _claim(invitation, column, now):
        report.skipped += 1
        return None
    quiet_until = rules.quiet_hours.next_allowed(now, rules.zone)
    if quiet_until != now:
        # A worker that was down all evening must not catch up at 11 pm.
        Invitation.objects.filter(pk=invitation.pk).update(**{column: quiet_until})
        report.deferred += 1
        return None
    contact = contact_for(invitation.patient_ref)
    reason = _why_not(invitation, contact, now)
    if reason or contact is None:
        cleared: dict[str, object] = {column: None}
        if keep_reason:
            cleared["last_error"] = reason
        Invitation.objects.filter(pk=invitation.pk).update(**cleared)
        report.skipped += 1
        return None
    return contact


def send_one(invitation: Invitation, provider: SmsProvider | None, rules: Rules, now: datetime, report: SendReport) -> None:
    contact = _claim_contact(invitation, "send_after", rules, now, report, keep_reason=True)
    if contact is None:
        return
    attempts = invitation.send_attempts + 1
    try:
        message_id = send_invitation(invitation, contact, provider)
    except SendError as error:
        retry = error.retryable and attempts < MAX_ATTEMPTS
        Invitation.objects.filter(pk=invitation.pk).update(
            send_after=now + RETRY_DELAY * attempts if retry else None, send_attempts=attempts, last_error=str(error)[:300]
        )
        report.failed += 1
        return
    Invitation.objects.filter(pk=invitation.pk).update(
        send_after=None,
        sent_at=now,
        send_attempts=attempts,
        last_error="",
        provider_message_id=message_id,
        reminder_after=rules.quiet_hours.next_allowed(now + REMINDER_DELAY, rules.zone),
    )
    report.sent += 1


def remind_one(invitation: Invitation, provider: SmsProvider | None, rules: Rules, now: datetime, report: SendReport) -> None:
    """The one reminder: tried once; if it fails it is given up, never repeated."""
    contact = _claim_contact(invitation, "reminder_after", rules, now, report, keep_reason=False)
    if contact is None:
        return
    try:
        send_invitation(invitation, contact, provider, reminder=True)
    except SendError as error:
        Invitation.objects.filter(pk=invitation.pk).update(reminder_after=None, last_error=f"reminder: {error}"[:300])
        report.failed += 1
        return
    Invitation.objects.filter(pk=invitation.pk).update(reminder_after=None, reminded_at=now)
    report.reminded += 1


def send_due_invitations(now: datetime | None = None, provider: SmsProvider | None = None, limit: int = BATCH) -> SendReport:
    """Send the invitations and reminders that are due (at most `limit` of each per call)."""
    moment = now or timezone.now()
    sms = provider if provider is not None else configured_sms_provider()
    rules = Rules.from_settings()
    report = SendReport()
    sent_by = [InvitationChannel.EMAIL, InvitationChannel.SMS]
    due = Invitation.objects.filter(send_after__lte=moment, sent_at__isnull=True, channel__in=sent_by).order_by("send_after")
    for invitation in list(due[:limit]):
        send_one(invitation, sms, rules, moment, report)
    reminders = Invitation.objects.filter(reminder_after__lte=moment, reminded_at__isnull=True, channel__in=sent_by).order_by("reminder_after")
    for invitation in list(reminders[:limit]):
        remind_one(invitation, sms, rules, moment, report)
    return report


@task()
def work_survey_invitations() -> dict[str, object]:
    """Plan invitations for recent completed visits, send what is due, then run again in 5 minutes."""
    now = timezone.now()
    version = active_instrument_version(VISIT_INSTRUMENT)
    planned = plan_recent_visits(version, now) if version is not None else {}
    report = send_due_invitations(now)
    work_survey_invitations.using(run_after=now + WORK_EVERY).enqueue()
    return {"planned": planned, **report.as_dict()}


def ensure_invitation_work_scheduled() -> bool:
    """Start the chain unless a run is already waiting or running (True when it started one)."""
    return start_chain(work_survey_invitations)
