"""Survey instruments as versioned data, invitations (single-use links), responses and answers.

An instrument's questions live in its YAML file (careloop/surveys/instruments/, docs/surveys.md); loading
a file stores its checked definition in an InstrumentVersion, which never changes afterwards, so a
response always points at the exact wording the patient saw.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils import timezone


class Audience(models.TextChoices):
    PATIENT = "patient", "Patients"
    STAFF = "staff", "Staff"


class Instrument(models.Model):
    """A survey, by its stable key (`cg-cahps-visit`, `nps`, …), which journey standards name."""

    key = models.SlugField(max_length=80, unique=True)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.PATIENT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key

    def active_version(self) -> InstrumentVersion | None:
        return self.versions.filter(is_active=True).first()


class InstrumentVersion(models.Model):
    """One version of an instrument's definition, as loaded from its file. Immutable once loaded."""

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    is_active = models.BooleanField(default=False)
    # The checked definition (pages, items, texts per language); instrument_file.InstrumentSpec reads it.
    definition = models.JSONField()
    languages = models.JSONField(default=list)
    content_hash = models.CharField(max_length=64)
    source_file = models.CharField(max_length=500, blank=True)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["instrument", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "version"], name="instrument_version_unique"),
            models.UniqueConstraint(
                fields=["instrument"], condition=models.Q(is_active=True), name="one_active_instrument_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.key} v{self.version}"

    def title(self, language: str) -> str:
        titles: dict[str, str] = self.definition.get("title", {})
        return titles.get(language) or titles.get("en", self.instrument.key)


class InvitationChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    QR = "qr", "QR code (kiosk or printed)"
    LINK = "link", "Link given by hand"


class Invitation(models.Model):
    """A single-use link to one instrument, for one visit (or one patient, or one staff pulse).

    Only a SHA-256 of the token is stored: a leaked database copy does not reveal live links
    (OWASP "Forgot Password" and session guidance: store password-equivalent tokens hashed).
    The token itself carries 192 bits from `secrets` (tokens.py).
    """

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True)
    instrument_version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="invitations")
    visit_id = models.CharField(max_length=100, blank=True, db_index=True)
    patient_ref = models.CharField(max_length=100, blank=True, db_index=True)
    # A touchpoint pulse asks only the items about this touchpoint (blank: every item).
    touchpoint = models.CharField(max_length=80, blank=True)
    # Copied from the visit when the invitation is made, for breakdowns that survive anonymity.
    provider = models.CharField(max_length=80, blank=True)
    location = models.CharField(max_length=80, blank=True)
    visit_type = models.CharField(max_length=20, blank=True)
    channel = models.CharField(max_length=10, choices=InvitationChannel.choices, default=InvitationChannel.LINK)
    # The patient's preferred language if known (blank: the browser's Accept-Language decides).
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Due work (docs/surveys.md, "Invitations"): `careloop worker` sends rows whose send_after has
    # passed and sent_at is empty, claiming each with a conditional UPDATE; a failed send moves
    # send_after forward; None means nothing left to do (sent, given up, or the patient opted out).
    send_after = models.DateTimeField(null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    reminder_after = models.DateTimeField(null=True, blank=True, db_index=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # Tracking: delivered (an SMS provider's receipt; email gives none), opened (answer page first shown).
    provider_message_id = models.CharField(max_length=100, blank=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation {self.external_id}"

    def is_expired(self, now: Any = None) -> bool:
        return (now or timezone.now()) >= self.expires_at


class OptOutVia(models.TextChoices):
    SMS_STOP = "sms-stop", "STOP reply to a text message"
    LINK = "link", "Opt-out link"


class VisitDecision(models.Model):
    """Whether a completed visit was invited, decided once per visit (invitations.plan_invitation):
    the unique visit_id stops two workers inviting the same visit, the worker does not read the
    same contact preferences again every few minutes, and an operator can see why a visit got no
    survey."""

    visit_id = models.CharField(max_length=100, unique=True)
    invited = models.BooleanField()
    reason = models.CharField(max_length=200)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.reason}"


class Anonymity(models.TextChoices):
    """What the patient chose on the last page (docs/surveys.md, "Anonymity")."""

    ANONYMOUS = "anonymous", "Anonymous"
    CONFIDENTIAL = "confidential", "Confidential"
    CONTACT = "contact", "Identified: contact me about this"


class Response(models.Model):
    """A patient's (or staff member's) answers to one invitation; `comment` is its free text.

    While the survey is in progress the response is linked to its invitation (so a patient who stops
    halfway can come back). An anonymous response is cut loose on completion: the link to the
    invitation (and so to the visit and patient) is removed and its times are kept to the day only.
    """

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    instrument_version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="responses")
    language = models.CharField(max_length=10)
    touchpoint = models.CharField(max_length=80, blank=True)
    provider = models.CharField(max_length=80, blank=True)
    location = models.CharField(max_length=80, blank=True)
    visit_type = models.CharField(max_length=20, blank=True)
    anonymity = models.CharField(max_length=20, choices=Anonymity.choices, default=Anonymity.CONFIDENTIAL)
    consent_to_contact = models.BooleanField(default=False)
    comment = models.TextField(blank=True)
    # Index of the furthest page reached, so a patient who comes back resumes there.
    page = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    is_complete = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"response {self.external_id}"


class Answer(models.Model):
    """One item's answer. `top_box` and `score_100` are derived when the answer is saved, from the
    immutable instrument version, so measures can average columns instead of re-reading definitions."""

    # No index of their own: one_answer_per_item (response, item_key) serves lookups by response and
    # answer_item_response (item_key, response) lookups by item, as the leading column of each. Every
    # answer saved on the busiest page updated two more indexes (three on PostgreSQL, whose SlugField
    # index has a LIKE twin) that no query used.
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers", db_index=False)
    item_key = models.SlugField(max_length=80, db_index=False)
    value = models.TextField()
    # None when the item is not scored that way (free text, an unordered choice, a screener).
    top_box = models.BooleanField(null=True)
    score_100 = models.FloatField(null=True)

    class Meta:
        ordering = ["response", "id"]
        constraints = [models.UniqueConstraint(fields=["response", "item_key"], name="one_answer_per_item")]
        indexes = [models.Index(fields=["item_key", "response"], name="answer_item_response")]

    def __str__(self) -> str:
        return f"{self.item_key}={self.value}"
