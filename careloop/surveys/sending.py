"""Sending one invitation (or its one reminder) by email or text message.

Email goes through Django's email backend (CARELOOP_EMAIL_BACKEND: SMTP in production, the console
for the demo), as plain text with an HTML alternative; texts go through an `sms.SmsProvider`.
Both carry the survey link and an opt-out link (email: also a List-Unsubscribe header, RFC 2369).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from careloop.surveys.invitations import Contact, invitation_token
from careloop.surveys.models import Invitation, InvitationChannel
from careloop.surveys.sms import SmsError, SmsProvider

# The message around the link, per language; a language not here is written in English.
MESSAGE_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "subject": "How was your visit? A short survey",
        "reminder_subject": "Reminder: how was your visit?",
        "greeting": "Thank you for visiting us.",
        "ask": "Would you tell us how it went? The survey takes about 3 minutes, and your answers help us improve.",
        "reminder_ask": "A few days ago we asked how your visit went. The survey is still open, and takes about 3 minutes.",
        "button": "Answer the survey",
        "privacy": "The link is for you only and works once. Do not reply to this message for medical questions: call the practice, or 911 in an emergency.",
        "opt_out": "Do not want surveys from us? Stop them here:",
        "sms": "How was your visit? A 3-minute survey: {link} Reply STOP to opt out.",
        "sms_reminder": "Reminder: how was your visit? {link} Reply STOP to opt out.",
    },
    "es": {
        "subject": "¿Cómo fue su visita? Una encuesta breve",
        "reminder_subject": "Recordatorio: ¿cómo fue su visita?",
        "greeting": "Gracias por visitarnos.",
        "ask": "¿Nos cuenta cómo le fue? La encuesta dura unos 3 minutos y sus respuestas nos ayudan a mejorar.",
        "reminder_ask": "Hace unos días le preguntamos cómo fue su visita. La encuesta sigue abierta y dura unos 3 minutos.",
        "button": "Responder la encuesta",
        "privacy": "El enlace es solo para usted y funciona una vez. No responda a este mensaje con preguntas médicas: llame al consultorio, o al 911 en una emergencia.",
        "opt_out": "¿No desea recibir encuestas? Puede dejar de recibirlas aquí:",
        "sms": "¿Cómo fue su visita? Encuesta de 3 minutos: {link} Responda STOP para no recibir más.",
        "sms_reminder": "Recordatorio: ¿cómo fue su visita? {link} Responda STOP para no recibir más.",
    },
}


class SendError(Exception):
    """An invitation could not be sent; `retryable` says whether a later try may work."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def words_for(language: str) -> dict[str, str]:
    return MESSAGE_WORDS.get(language, MESSAGE_WORDS["en"])


def survey_link(invitation: Invitation) -> str:
    return f"{settings.PUBLIC_URL}/s/{invitation_token(invitation)}/"


def opt_out_link(invitation: Invitation) -> str:
    return f"{survey_link(invitation)}opt-out/"


def email_message(invitation: Invitation, contact: Contact, *, reminder: bool) -> EmailMultiAlternatives:
    language = invitation.language or contact.language
    words = words_for(language)
    context: dict[str, Any] = {
        "words": words,
        "language": language if language in MESSAGE_WORDS else "en",
        "link": survey_link(invitation),
        "opt_out_link": opt_out_link(invitation),
        "ask": words["reminder_ask" if reminder else "ask"],
    }
    message = EmailMultiAlternatives(
        subject=words["reminder_subject" if reminder else "subject"],
        body=render_to_string("surveys/email/invitation.txt", context),
        to=[contact.email],
        headers={"List-Unsubscribe": f"<{context['opt_out_link']}>"},
    )
    message.attach_alternative(render_to_string("surveys/email/invitation.html", context), "text/html")
    return message


def sms_body(invitation: Invitation, contact: Contact, *, reminder: bool) -> str:
    words = words_for(invitation.language or contact.language)
    return words["sms_reminder" if reminder else "sms"].format(link=survey_link(invitation))


def send_invitation(invitation: Invitation, contact: Contact, provider: SmsProvider | None, *, reminder: bool = False) -> str:
    """Send by the invitation's channel; returns the SMS provider's message id ("" for email)."""
    if invitation.channel == InvitationChannel.EMAIL:
        try:
            email_message(invitation, contact, reminder=reminder).send()
        except OSError as error:  # smtplib's errors are OSErrors: the server or the network
            raise SendError(f"the email server refused or failed: {error}", retryable=True) from None
        return ""
    if invitation.channel == InvitationChannel.SMS:
        if provider is None:
            raise SendError("text messages are not set up (CARELOOP_SMS_PROVIDER_URL is empty)", retryable=True)
        try:
            return provider.send(contact.phone, sms_body(invitation, contact, reminder=reminder))
        except SmsError as error:
            raise SendError(str(error), retryable=error.retryable) from None
    raise SendError(f"invitations by {invitation.channel} are not sent, they are handed out", retryable=False)
