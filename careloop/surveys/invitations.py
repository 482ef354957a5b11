"""Who is invited to a survey after a visit, by which channel, in which language and when.

`decide()` holds the rules and touches no database, so each rule is tested by itself; `plan_invitation()`
gathers what it needs (the visit, the patient's contact preferences, earlier invitations), asks it,
and writes the invitation as due work (`send_after`) for `careloop worker` (tasks.py).

Contact details are read only through `contact_for()`, which reads the contact store
(careloop/events/contacts.py). Each read for sending is a system read (no user) and is written to
the audit log there.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from careloop.events.models import Visit, VisitStatus
from careloop.events import contacts
from careloop.surveys.models import InstrumentVersion, Invitation, InvitationChannel, VisitDecision
from careloop.surveys.tokens import TOKEN_BYTES, InvitationError, create_invitation, hash_token

VISIT_INSTRUMENT = "cg-cahps-visit"
# Sent a little after check-out, so the text does not buzz while the patient is still at the desk.
SEND_DELAY = timedelta(hours=2)
# CAHPS asks about "this visit" and recall fades quickly; the CG-CAHPS protocol starts contact
# within weeks, but a practice invites within days, so a late import does not survey old visits.
MAX_VISIT_AGE = timedelta(days=3)
REMINDER_DELAY = timedelta(days=3)
# The channels tried in this order when the patient consented to both: email costs nothing per message.
CHANNEL_ORDER: tuple[str, ...] = (InvitationChannel.EMAIL, InvitationChannel.SMS)
CONTACT_FIELDS = ("email", "phone", "language", "consent")
_TOKEN_SALT = "careloop.surveys.invitation-token"


# --- rules --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuietHours:
    """Local hours in which nothing is sent: from `start` o'clock to `end` o'clock (wrapping past
    midnight when start > end, as in the default 20-9). The US TCPA rule (47 CFR 64.1200(c)(1))
    forbids telephone solicitations before 8 am and after 9 pm local time; 20-9 keeps inside it."""

    start: int
    end: int

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        try:
            start, end = (int(part) for part in text.split("-"))
        except ValueError:
            raise ValueError(f"CARELOOP_SURVEY_QUIET_HOURS must look like 20-9 (from 20:00 to 09:00), not {text!r}") from None
        if not (0 <= start <= 23 and 0 <= end <= 23):
            raise ValueError(f"CARELOOP_SURVEY_QUIET_HOURS hours must be 0 to 23, not {text!r}")
        return cls(start, end)

    def is_quiet(self, local: datetime) -> bool:
        if self.start == self.end:
            return False
        if self.start > self.end:
            return local.hour >= self.start or local.hour < self.end
        return self.start <= local.hour < self.end

    def next_allowed(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """`moment` itself if it is outside the quiet hours, else the end of this quiet spell."""
        local = moment.astimezone(zone)
        if not self.is_quiet(local):
            return moment
        day = local.date() + timedelta(days=1) if self.start > self.end and local.hour >= self.start else local.date()
        return datetime.combine(day, time(self.end), tzinfo=zone)


@dataclass(frozen=True)
class Rules:
    quiet_hours: QuietHours
    min_days_between: int
    zone: ZoneInfo

    @classmethod
    def from_settings(cls) -> Rules:
        return cls(
            QuietHours.parse(str(settings.SURVEY_QUIET_HOURS)),
            int(settings.SURVEY_MIN_DAYS_BETWEEN),
            ZoneInfo(settings.TIME_ZONE),
        )


@dataclass(frozen=True)
class Contact:
    """What sending needs to know about a patient; the shape the contact store will return too."""

    patient_ref: str
    email: str = ""
    phone: str = ""
    language: str = ""
    consent_email: bool = False
    consent_sms: bool = False
    opted_out_at: datetime | None = None

    def may_receive(self, channel: str) -> bool:
        if self.opted_out_at is not None:
            return False
        if channel == InvitationChannel.EMAIL:
            return self.consent_email and bool(self.email)
        if channel == InvitationChannel.SMS:
            return self.consent_sms and bool(self.phone)
        return False


@dataclass(frozen=True)
class Decision:
    """Invite by `channel` at `send_after` in `language`, or not at all (channel None) for `reason`."""

    channel: str | None
    reason: str
    language: str = ""
    send_after: datetime | None = None


def visit_ended_at(visit: Visit) -> datetime:
    return visit.checkout_at or visit.scheduled_start


def decide(
    visit: Visit,
    contact: Contact | None,
    *,
    invited_for_visit: bool,
    last_invited_at: datetime | None,
    languages: Sequence[str],
    rules: Rules,
    now: datetime,
) -> Decision:
    """Whether and how to invite this visit's patient. Pure: everything it needs is passed in."""
    if visit.status != VisitStatus.COMPLETED:
        return Decision(None, f"the visit is {visit.status}: only completed visits are surveyed")
    if invited_for_visit:
        return Decision(None, "this visit already has an invitation")
    if now - visit_ended_at(visit) > MAX_VISIT_AGE:
        return Decision(None, f"the visit ended more than {MAX_VISIT_AGE.days} days ago")
    if contact is None:
        return Decision(None, "no contact details for this patient")
    if contact.opted_out_at is not None:
        return Decision(None, "the patient opted out of surveys")
    if last_invited_at is not None and now - last_invited_at < timedelta(days=rules.min_days_between):
        return Decision(None, f"the patient was invited less than {rules.min_days_between} days ago")
    channel = next((c for c in CHANNEL_ORDER if contact.may_receive(c)), None)
    if channel is None:
        return Decision(None, "no consent to survey by email or text message")
    language = contact.language if contact.language in languages else ""
    earliest = max(now, visit_ended_at(visit) + SEND_DELAY)
    return Decision(channel, "invite", language, rules.quiet_hours.next_allowed(earliest, rules.zone))


# --- contact preferences ------------------------------------------------------------------------


def contact_for(patient_ref: str) -> Contact | None:
    """The patient's contact preferences, read for sending from the contact store (a system read, audited)."""
    row = contacts.contact_for_sending(patient_ref, purpose="survey-invitation")
    if row is None:
        return None
    return Contact(
        patient_ref=row.patient_ref,
        email=row.email,
        phone=row.phone,
        language=row.language,
        consent_email=row.consent_email,
        consent_sms=row.consent_sms,
        opted_out_at=row.opted_out_at,
    )


def opt_out(patient_ref: str, via: str, now: datetime | None = None) -> bool:
    """Opt the patient out of surveys at once: recorded in the contact store (kept even when no
    contact existed, so they are never invited later) and in the audit log, and every invitation
    not yet sent or reminded is stopped. False when they had already opted out."""
    moment = now or timezone.now()
    with transaction.atomic():
        changed = contacts.record_opt_out(patient_ref, via, moment)
        Invitation.objects.filter(patient_ref=patient_ref).filter(
            Q(send_after__isnull=False) | Q(reminder_after__isnull=False)
        ).update(send_after=None, reminder_after=None, last_error="the patient opted out")
    return changed


normal_phone = contacts.normal_phone


def opt_out_phone(phone: str, now: datetime | None = None) -> int:
    """A STOP reply from this number: every patient with it is opted out. Returns how many were."""
    return sum(opt_out(ref, "sms-stop", now) for ref in contacts.patient_refs_for_phone(phone))


# --- tokens and planning ------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    """The invitation's token, derived again whenever it is needed (the email, the reminder, the QR
    code) as HMAC-SHA256(SECRET_KEY, external_id), cut to 192 bits. The database still holds only
    SHA-256(token): a copy of it reveals no link without the secret key as well."""
    digest = salted_hmac(_TOKEN_SALT, str(invitation.external_id), algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:TOKEN_BYTES]).decode("ascii")


def new_visit_invitation(version: InstrumentVersion, visit: Visit, channel: str, language: str, send_after: datetime | None, now: datetime) -> Invitation:
    made = create_invitation(version, visit=visit, channel=channel, language=language, now=now)
    invitation = made.invitation
    invitation.token_hash = hash_token(invitation_token(invitation))
    invitation.send_after = send_after
    invitation.save(update_fields=["token_hash", "send_after"])
    return invitation


def last_invited_at(patient_ref: str) -> datetime | None:
    latest: datetime | None = Invitation.objects.filter(patient_ref=patient_ref).aggregate(at=Max("created_at"))["at"]
    return latest


def plan_invitation(visit: Visit, version: InstrumentVersion, now: datetime | None = None, rules: Rules | None = None) -> Decision:
    """Decide for one visit and, if it is to be invited, write the invitation as due work."""
    moment = now or timezone.now()
    try:
        with transaction.atomic():
            # Claimed first: a second worker deciding the same visit fails here and does nothing.
            claim = VisitDecision.objects.create(visit_id=visit.visit_id, invited=False, reason="deciding", decided_at=moment)
            invited = Invitation.objects.filter(visit_id=visit.visit_id).exists()
            contact = None if invited or visit.status != VisitStatus.COMPLETED else contact_for(visit.patient_ref)
            decision = decide(
                visit,
                contact,
                invited_for_visit=invited,
                last_invited_at=last_invited_at(visit.patient_ref),
                languages=list(version.languages),
                rules=rules or Rules.from_settings(),
                now=moment,
            )
            if decision.channel is not None:
                new_visit_invitation(version, visit, decision.channel, decision.language, decision.send_after, moment)
            claim.invited, claim.reason = decision.channel is not None, decision.reason
            claim.save(update_fields=["invited", "reason"])
    except IntegrityError:
        return Decision(None, "this visit was already decided")
    return decision


def recent_undecided_visits(now: datetime) -> list[Visit]:
    """Completed visits of the last days not yet decided (nor invited some other way, by a QR code)."""
    decided = VisitDecision.objects.values("visit_id")
    invited = Invitation.objects.exclude(visit_id="").values("visit_id")
    recent = Q(checkout_at__gte=now - MAX_VISIT_AGE) | Q(checkout_at__isnull=True, scheduled_start__gte=now - MAX_VISIT_AGE)
    return list(
        Visit.objects.filter(recent, status=VisitStatus.COMPLETED, scheduled_start__lte=now)
        .exclude(visit_id__in=decided)
        .exclude(visit_id__in=invited)
        .order_by("scheduled_start")
    )


def plan_recent_visits(version: InstrumentVersion, now: datetime | None = None) -> dict[str, int]:
    """Decide every completed visit of the last days not decided yet, once each.
    Returns how many were invited and how many were not, by reason."""
    moment = now or timezone.now()
    rules = Rules.from_settings()
    counts: dict[str, int] = {}
    for visit in recent_undecided_visits(moment):
        decision = plan_invitation(visit, version, moment, rules)
        counts[decision.reason] = counts.get(decision.reason, 0) + 1
    return counts


def desk_invitation(visit: Visit, version: InstrumentVersion, now: datetime | None = None) -> Invitation:
    """The visit's invitation for the check-out desk's QR code: the one already made for the visit
    (one token per visit, whatever the channel), else a new QR invitation, which the patient
    chooses to scan, so channel consent does not apply; an opt-out and the N-day rule still do."""
    moment = now or timezone.now()
    if visit.status != VisitStatus.COMPLETED:
        raise InvitationError(f"visit {visit.visit_id} is {visit.get_status_display().lower()}: only completed visits are surveyed")
    with transaction.atomic():
        existing = Invitation.objects.filter(visit_id=visit.visit_id).order_by("created_at").first()
        if existing is not None:
            return existing
        opted_out = contacts.has_opted_out(visit.patient_ref)
        if opted_out:
            raise InvitationError("this patient opted out of surveys")
        last = last_invited_at(visit.patient_ref)
        days = int(settings.SURVEY_MIN_DAYS_BETWEEN)
        if last is not None and moment - last < timedelta(days=days):
            raise InvitationError(f"this patient was invited less than {days} days ago")
        return new_visit_invitation(version, visit, InvitationChannel.QR, "", None, moment)


# --- tracking -----------------------------------------------------------------------------------


def note_opened(invitation: Invitation) -> None:
    """The answer page was shown for the first time. Mail scanners and link previews open links
    too, so "opened" is an upper bound on people who looked; "answered" is the figure to trust."""
    if invitation.opened_at is None:
        Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=timezone.now())


@dataclass(frozen=True)
class ChannelCounts:
    """One channel's funnel. `delivered` is None for channels that report no delivery (email:
    SMTP's acceptance is not delivery; QR and hand-given links are not sent at all)."""

    channel: str
    invited: int
    sent: int
    delivered: int | None
    opened: int
    answered: int

    @property
    def response_rate(self) -> float | None:
        """Answered / reached: sent for email and SMS, invited for QR codes and links handed out."""
        reached = self.sent if self.channel in CHANNEL_ORDER else self.invited
        return self.answered / reached if reached else None


def channel_counts(since: datetime | None = None, until: datetime | None = None) -> list[ChannelCounts]:
    """Invited, sent, delivered, opened and answered per channel, for invitations created in
    [since, until). Aggregates only: no patient is named."""
    rows = Invitation.objects.all()
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    totals: dict[str, dict[str, int]] = {
        str(row["channel"]): {key: int(str(value)) for key, value in row.items() if key != "channel"}
        for row in rows.values("channel").annotate(
            invited=Count("id"),
            sent=Count("sent_at"),
            delivered=Count("delivered_at"),
            opened=Count("opened_at"),
            answered=Count("used_at"),
        )
    }
    counts = []
    for channel in InvitationChannel.values:
        row = totals.get(channel, {})
        counts.append(
            ChannelCounts(
                channel=channel,
                invited=row.get("invited", 0),
                sent=row.get("sent", 0),
                delivered=row.get("delivered", 0) if channel == InvitationChannel.SMS else None,
                opened=row.get("opened", 0),
                answered=row.get("answered", 0),
            )
        )
    return counts
