"""URLs of the surveys app, including the public answer pages (the token is the key)."""

from __future__ import annotations

from tests.accounts.url_rules.kinds import ApiRule

# A well-formed survey token (32 URL-safe characters) for the walk's one invitation.
SURVEY_TOKEN = "walk-real-token-0000000000000000"
# The walk's one complete response (/surveys/responses/<uuid:response_id>/).
RESPONSE_ID = "6f1c1a52-3f4e-4f0e-9a43-0c8f6a1d2b7e"

API_RULES: dict[str, ApiRule] = {}

PUBLIC_RULES: dict[str, tuple[int, int]] = {
    # Survey answer pages: the token is the key, no sign-in. A guessed token gets the friendly 404.
    "s/<str:token>/": (200, 200),
    "s/<str:token>/thanks/": (302, 302),  # not answered yet: back to the survey
    "s/<str:token>/opt-out/": (200, 200),  # asks first; only the POST opts out
    # The SMS provider's webhook: POST only, with a shared secret instead of a sign-in.
    "surveys/sms/inbound": (405, 405),
}

REAL_AND_GUESSED: dict[str, tuple[str, str]] = {
    "token": (SURVEY_TOKEN, "walk-guessed-token-0000000000000"),
    "instrument_key": ("nps", "no-such-instrument"),
    "response_id": (RESPONSE_ID, "00000000-0000-4000-8000-000000000000"),
}


def seed() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from careloop.surveys.instrument_file import load_instrument_file, shipped_instrument_files
    from careloop.surveys.models import Answer, Invitation, Response
    from careloop.surveys.tokens import hash_token

    version = load_instrument_file(next(p for p in shipped_instrument_files() if p.name == "nps.yaml"))
    Invitation.objects.create(
        token_hash=hash_token(SURVEY_TOKEN),
        instrument_version=version,
        patient_ref="P-1001",
        expires_at=timezone.now() + timedelta(days=1),
    )
    response = Response.objects.create(
        external_id=RESPONSE_ID,
        instrument_version=version,
        language="en",
        provider="dr-okafor",
        comment="Friendly front desk.",
        completed_at=timezone.now(),
        is_complete=True,
    )
    Answer.objects.create(response=response, item_key="likely-to-recommend", value="9", top_box=True, score_100=90.0)
