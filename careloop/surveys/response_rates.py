"""Response rates per channel: of the invitations made in a period, how many were sent, delivered,
opened and answered, and the response rate with its Wilson 95 % interval.

The rate's denominator is the invitations that reached someone: sent, for email and text messages;
made, for QR codes and links handed out, which are "sent" the moment they are shown (the AAPOR
response-rate idea: completed over eligible contacted; AAPOR Standard Definitions, 10th ed., 2023).
Answered counts only reached invitations, so the rate can never exceed 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from careloop.surveys import scoring
from careloop.surveys.invitations import CHANNEL_ORDER
from careloop.surveys.models import Instrument, Invitation, InvitationChannel


@dataclass(frozen=True)
class ChannelRate:
    channel: str
    label: str
    invited: int
    sent: int
    # Only text messages have delivery receipts; None for the other channels.
    delivered: int | None
    opened: int
    answered: int
    rate: scoring.Score

    @property
    def reached(self) -> int:
        return self.rate.n


def share(successes: int, n: int, *, min_n: int) -> scoring.Score:
    """A share with its Wilson interval, suppressed below min_n like every figure on a staff page."""
    if n == 0 or n < min_n:
        return scoring.Score(n=n, value=None, low=None, high=None, suppressed=True)
    low, high = scoring.wilson_interval(successes, n)
    return scoring.Score(n=n, value=successes / n, low=low, high=high, suppressed=False, count=successes)


def channel_rates(
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    instrument: Instrument | None = None,
    min_n: int = scoring.DEFAULT_MIN_N,
) -> list[ChannelRate]:
    """One line per channel (email, text message, QR code, link), for invitations made in [since, until)."""
    rows = Invitation.objects.all()
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    if instrument is not None:
        rows = rows.filter(instrument_version__instrument=instrument)
    sent = Q(sent_at__isnull=False)
    answered = Q(used_at__isnull=False)
    totals: dict[str, dict[str, int]] = {
        str(row["channel"]): {key: int(str(value)) for key, value in row.items() if key != "channel"}
        for row in rows.values("channel").annotate(
            invited=Count("id"),
            sent=Count("id", filter=sent),
            delivered=Count("id", filter=Q(delivered_at__isnull=False)),
            opened=Count("id", filter=Q(opened_at__isnull=False)),
            answered_all=Count("id", filter=answered),
            answered_sent=Count("id", filter=answered & sent),
        )
    }
    lines = []
    for channel, label in InvitationChannel.choices:
        row = totals.get(channel, {})
        invited, sent_count = row.get("invited", 0), row.get("sent", 0)
        is_sent_channel = channel in CHANNEL_ORDER
        reached = sent_count if is_sent_channel else invited
        answered_count = row.get("answered_sent" if is_sent_channel else "answered_all", 0)
        lines.append(
            ChannelRate(
                channel=channel,
                label=str(label),
                invited=invited,
                sent=sent_count,
                delivered=row.get("delivered", 0) if channel == InvitationChannel.SMS else None,
                opened=int(row.get("opened", 0)),
                answered=answered_count,
                rate=share(answered_count, reached, min_n=min_n),
            )
        )
    return lines


def used_channels(rates: list[ChannelRate]) -> list[ChannelRate]:
    """The channels with any invitation, so a practice without text messages sees no empty line."""
    return [rate for rate in rates if rate.invited]
