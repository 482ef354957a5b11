"""Response rates per channel (careloop.surveys.response_rates): invited, sent, delivered, opened and
answered, and the rate with its Wilson interval, for a period and an instrument; on the results page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from careloop.surveys.instrument_file import active_instrument_version, load_shipped_instruments
from careloop.surveys.models import Invitation, InvitationChannel
from careloop.surveys.response_rates import ChannelRate, channel_rates, used_channels
from careloop.surveys.tokens import create_invitation
from tests.conftest import Cast, client_for
from tests.surveys.answered_responses import at

pytestmark = pytest.mark.django_db

MADE = at(2025, 2, 3)


def invite(
    channel: str, count: int, *, sent: int = 0, delivered: int = 0, opened: int = 0, answered: int = 0,
    instrument: str = "nps", made: datetime = MADE,
) -> None:
    """`count` invitations; the first `sent` sent, the first `delivered`/`opened`/`answered` of those."""
    load_shipped_instruments()
    version = active_instrument_version(instrument)
    assert version is not None
    for n in range(count):
        invitation = create_invitation(version, patient_ref=f"P-{channel}-{instrument}-{made.date()}-{n}", channel=channel, now=made)
        later = made + timedelta(hours=1)
        Invitation.objects.filter(pk=invitation.invitation.pk).update(
            sent_at=later if n < sent else None,
            delivered_at=later if n < delivered else None,
            opened_at=later if n < opened else None,
            used_at=later if n < answered else None,
        )


def rate_of(channel: str, **options: Any) -> ChannelRate:
    return next(rate for rate in channel_rates(**options) if rate.channel == channel)


def test_it_counts_each_channel_and_gives_the_rate_with_a_wilson_interval() -> None:
    invite(InvitationChannel.EMAIL, 18, sent=18, opened=6, answered=5)
    invite(InvitationChannel.SMS, 10, sent=10, delivered=8, opened=4, answered=3)
    rates = {rate.channel: rate for rate in used_channels(channel_rates())}
    assert list(rates) == ["email", "sms"]
    email = rates["email"]
    assert (email.invited, email.sent, email.delivered, email.opened, email.answered) == (18, 18, None, 6, 5)
    # 5 of 18 = 27.8 %. Wilson: centre (0.2778 + 3.8415/36) / (1 + 3.8415/18) = 0.3169; half
    # 1.96 x sqrt(0.2778 x 0.7222 / 18 + 3.8415/1296) / 1.2134 = 0.1919: 12.50 %-50.87 %.
    assert email.rate.value == pytest.approx(5 / 18)
    assert email.rate.low == pytest.approx(0.1250, abs=5e-4) and email.rate.high == pytest.approx(0.5087, abs=5e-4)
    sms = rates["sms"]
    assert (sms.invited, sms.sent, sms.delivered, sms.answered, sms.reached) == (10, 10, 8, 3, 10)
    assert sms.rate.value == pytest.approx(0.3)


def test_it_counts_only_answers_to_invitations_that_reached_someone() -> None:
    # 12 emails made, 10 sent, 4 answered of those; 2 never sent (the patient opted out) yet one
    # was answered from a link shown at the desk: not an email response.
    invite(InvitationChannel.EMAIL, 10, sent=10, answered=4)
    load_shipped_instruments()
    version = active_instrument_version("nps")
    assert version is not None
    for n in range(2):
        made = create_invitation(version, patient_ref=f"P-unsent-{n}", channel=InvitationChannel.EMAIL, now=MADE)
        if n == 0:
            Invitation.objects.filter(pk=made.invitation.pk).update(used_at=MADE + timedelta(hours=2))
    email = rate_of("email")
    assert (email.invited, email.sent, email.answered, email.reached) == (12, 10, 4, 10)
    assert email.rate.value == pytest.approx(0.4)


def test_it_counts_qr_codes_over_those_made_and_suppresses_small_numbers() -> None:
    invite(InvitationChannel.QR, 4, answered=1)
    qr = rate_of("qr")
    assert (qr.invited, qr.sent, qr.answered, qr.reached) == (4, 0, 1, 4)
    assert qr.rate.suppressed and qr.rate.value is None
    assert rate_of("qr", min_n=1).rate.value == pytest.approx(0.25)


def test_it_limits_counts_to_a_period_and_an_instrument() -> None:
    invite(InvitationChannel.EMAIL, 10, sent=10, answered=2)
    invite(InvitationChannel.EMAIL, 10, sent=10, answered=10, made=at(2025, 3, 3))
    invite(InvitationChannel.EMAIL, 10, sent=10, answered=0, instrument="cg-cahps-visit")
    february = rate_of("email", since=at(2025, 2, 1, 0), until=at(2025, 3, 1, 0))
    assert (february.invited, february.answered) == (20, 2)
    load_shipped_instruments()
    nps = active_instrument_version("nps")
    assert nps is not None
    only_nps = rate_of("email", instrument=nps.instrument)
    assert (only_nps.invited, only_nps.answered) == (20, 12)


def test_it_shows_the_rates_on_the_results_page(cast: Cast) -> None:
    invite(InvitationChannel.SMS, 10, sent=10, delivered=8, opened=4, answered=3)
    html = client_for(cast.sam).get("/surveys/nps/").content.decode()
    # 3 of 10 = 30 %; Wilson 10.8 %-60.3 %.
    assert (
        '<th scope="row">Text message</th>\n    <td class="num">10</td>\n    <td class="num">10</td>\n'
        '    <td class="num">8</td>\n    <td class="num">4</td>\n    <td class="num">3</td>\n'
        '    <td class="num">30 % <span class="muted">(11–60), n=10</span></td>'
    ) in html
    assert "No invitations in this period." in client_for(cast.sam).get("/surveys/nps/?start=2026-01-01").content.decode()
