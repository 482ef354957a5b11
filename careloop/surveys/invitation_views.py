"""Pages around invitations: the opt-out link (public: the token is the key), the SMS provider's
webhook (STOP replies and delivery receipts; a shared secret is the key), and the check-out desk's
QR code (staff, permission-checked and audited)."""

from __future__ import annotations

import hmac
import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from careloop.accounts import audit
from careloop.accounts.access import require_permission
from careloop.accounts.roles import CAN_VIEW_PATIENT_EVENTS
from careloop.events.models import Visit
from careloop.surveys.instrument_file import active_instrument_version
from careloop.surveys.invitations import VISIT_INSTRUMENT, desk_invitation, opt_out, opt_out_phone
from careloop.surveys.languages import choose_language, wording
from careloop.surveys.models import Invitation, OptOutVia
from careloop.surveys.qr import qr_svg
from careloop.surveys.sending import survey_link
from careloop.surveys.tokens import InvitationError, find_invitation

OPT_OUT_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Stop survey invitations",
        "ask": "We will not send you surveys any more, by email or text message. This does not change your care or any other message from the practice.",
        "button": "Stop survey invitations",
        "done_title": "You will not get more surveys",
        "done": "Done: we will not send you survey invitations any more. Thank you for letting us know.",
        "unknown_title": "This link does not work",
        "unknown": "Please check that you copied the whole link from the message.",
    },
    "es": {
        "title": "Dejar de recibir encuestas",
        "ask": "No le enviaremos más encuestas, ni por correo electrónico ni por mensaje de texto. Esto no cambia su atención ni otros mensajes del consultorio.",
        "button": "Dejar de recibir encuestas",
        "done_title": "No recibirá más encuestas",
        "done": "Listo: no le enviaremos más invitaciones a encuestas. Gracias por avisarnos.",
        "unknown_title": "Este enlace no funciona",
        "unknown": "Compruebe que copió el enlace completo del mensaje.",
    },
}
# Carrier opt-out keywords (CTIA Messaging Principles and Best Practices, 2023: STOP, STOPALL,
# UNSUBSCRIBE, CANCEL, END, QUIT), and their Spanish counterparts.
STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "alto", "parar", "cancelar", "baja"})
SECRET_HEADER = "X-Careloop-Secret"


# --- public: opting out -------------------------------------------------------------------------


def _opt_out_page(request: HttpRequest, invitation: Invitation | None, state: str, status: int = 200) -> HttpResponse:
    offered = list(invitation.instrument_version.languages) if invitation else list(OPT_OUT_WORDS)
    preferred = invitation.language if invitation else ""
    language = choose_language(request.GET.get("lang"), preferred, request.headers.get("Accept-Language", ""), offered)
    own = OPT_OUT_WORDS.get(language, OPT_OUT_WORDS["en"])
    titles = {"ask": own["title"], "done": own["done_title"], "unknown": own["unknown_title"]}
    context: dict[str, Any] = {"words": wording(language), "language": language, "switch": [], "own": own, "state": state, "title": titles[state]}
    return render(request, "surveys/opt_out.html", context, status=status)


@require_http_methods(["GET", "POST"])
def opt_out_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (mail scanners open links, so opening alone changes nothing); POST opts out at once."""
    invitation = find_invitation(token)
    if invitation is None or not invitation.patient_ref:
        return _opt_out_page(request, None, "unknown", 404)
    if request.method == "POST":
        opt_out(invitation.patient_ref, OptOutVia.LINK)
        return _opt_out_page(request, invitation, "done")
    return _opt_out_page(request, invitation, "ask")


# --- the SMS provider's webhook -----------------------------------------------------------------


def _secret_ok(request: HttpRequest) -> bool:
    expected = str(settings.SMS_INBOUND_SECRET)
    sent = request.headers.get(SECRET_HEADER, "")
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


@csrf_exempt  # called by the SMS provider, not a browser: the shared secret replaces the CSRF token
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """`{"from": "+1555…", "text": "STOP"}`: a reply (a stop word opts the number out at once), or
    `{"message_id": "…", "status": "delivered"}`: a delivery receipt."""
    if not str(settings.SMS_INBOUND_SECRET):
        raise Http404
    if not _secret_ok(request):
        return JsonResponse({"error": f"wrong or missing {SECRET_HEADER} header"}, status=403)
    try:
        data = json.loads(request.body)
    except ValueError:
        return JsonResponse({"error": "the body must be JSON"}, status=400)
    if not isinstance(data, dict):
        return JsonResponse({"error": "the body must be a JSON object"}, status=400)
    if "message_id" in data:
        delivered = 0
        if str(data.get("status", "")).lower() == "delivered":
            delivered = Invitation.objects.filter(
                provider_message_id=str(data["message_id"]), provider_message_id__gt="", delivered_at__isnull=True
            ).update(delivered_at=timezone.now())
        return JsonResponse({"delivered": delivered})
    words = str(data.get("text", "")).strip().lower().split()
    is_stop = bool(words) and words[0].strip(".!") in STOP_WORDS
    opted_out = opt_out_phone(str(data.get("from", ""))) if is_stop else 0
    return JsonResponse({"opted_out": opted_out})


# --- staff: the check-out desk's QR code --------------------------------------------------------


@require_permission(CAN_VIEW_PATIENT_EVENTS)
@require_GET
def desk_qr(request: HttpRequest, visit_id: str) -> HttpResponse:
    visit = Visit.objects.filter(visit_id=visit_id).first()
    if visit is None:
        raise Http404
    version = active_instrument_version(VISIT_INSTRUMENT)
    context: dict[str, Any] = {"visit": visit, "problem": "", "svg": "", "link": ""}
    with transaction.atomic():
        audit.record(request.user, "read", "survey_invitation", visit.visit_id, patient_ref=visit.patient_ref, fields=["visit"], request=request)  # type: ignore[arg-type]
        if version is None:
            context["problem"] = "The visit survey is not loaded yet: careloop manage survey_instruments load."
        else:
            try:
                invitation = desk_invitation(visit, version)
                if invitation.used_at is not None or invitation.is_expired():
                    raise InvitationError("its survey link has already been answered or has expired")
                link = survey_link(invitation)
            except InvitationError as error:
                context["problem"] = f"No survey for this visit: {error}."
            else:
                # segno's own markup of the link (paths only, nothing from a person): safe to inline.
                context.update(link=link, svg=mark_safe(qr_svg(link)))  # noqa: S308
    return render(request, "surveys/desk_qr.html", context)
