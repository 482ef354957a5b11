from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from careloop.accounts.access import require_permission
from careloop.accounts.roles import CAN_IMPORT_DATA, CAN_SEARCH_PATIENTS, CAN_VIEW_CONTACTS, CAN_VIEW_PATIENT_EVENTS
from careloop.events.access import find_patient_or_none, get_patient_timeline_or_404
from careloop.events.contacts import get_contact_or_404
from careloop.events.forms import ImportUploadForm
from careloop.events.models import ImportUpload
from careloop.events.tasks import import_uploaded_file
from careloop.events.uploads import create_upload, get_own_upload_or_404, read_progress, record_quarantine_download


@require_permission(CAN_VIEW_PATIENT_EVENTS)
@require_GET
def patient_timeline(request: HttpRequest, patient_ref: str) -> HttpResponse:
    timeline = get_patient_timeline_or_404(request.user, patient_ref, request)  # type: ignore[arg-type]
    context = {"timeline": timeline, "entries": timeline.entries(), "time_zone": timezone.get_current_timezone_name()}
    return render(request, "events/patient_timeline.html", context)


@require_permission(CAN_SEARCH_PATIENTS)
@require_GET
def patient_search(request: HttpRequest) -> HttpResponse:
    ref = request.GET.get("ref", "")
    if ref.strip():
        found = find_patient_or_none(request.user, ref, request)  # type: ignore[arg-type]
        if found is not None:
            return redirect("events:patient_timeline", patient_ref=found)
    return render(request, "events/patient_search.html", {"ref": ref, "searched": bool(ref.strip())})


@require_permission(CAN_VIEW_CONTACTS)
@require_GET
def patient_contact(request: HttpRequest, patient_ref: str) -> HttpResponse:
    contact = get_contact_or_404(request.user, patient_ref, purpose="contact-card", request=request)  # type: ignore[arg-type]
    return render(request, "events/patient_contact.html", {"contact": contact, "time_zone": timezone.get_current_timezone_name()})


RECENT_UPLOADS = 10


def _recent_uploads(request: HttpRequest) -> list[ImportUpload]:
    return list(ImportUpload.objects.filter(user=request.user.pk)[:RECENT_UPLOADS])


@require_permission(CAN_IMPORT_DATA)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = create_upload(request.user, data["table"], data["file"], shipped_mapping=data["shipped_mapping"],  # type: ignore[arg-type]
                               mapping=data["mapping"], quarantine=data["quarantine"])
        import_uploaded_file.enqueue(str(upload.external_id))
        return redirect(f"{reverse('events:import_status')}?upload={upload.external_id}")
    context = {"form": form, "uploads": _recent_uploads(request), "max_mb": settings.MAX_UPLOAD_MB}
    return render(request, "events/import_upload.html", context)


@require_permission(CAN_IMPORT_DATA)
@require_GET
def import_status(request: HttpRequest) -> HttpResponse:
    """One upload's progress and report (its uploader only), or without ?upload= the uploader's list.
    htmx asks again every second for the progress part until the import is finished."""
    upload_id = request.GET.get("upload", "")
    if not upload_id:
        return render(request, "events/import_list.html", {"uploads": _recent_uploads(request)})
    upload = get_own_upload_or_404(request.user, upload_id)  # type: ignore[arg-type]
    context = {"upload": upload, "progress": read_progress(upload), "report": upload.report}
    template = "events/import_progress.html" if request.htmx else "events/import_status.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_permission(CAN_IMPORT_DATA)
@require_GET
def import_quarantine(request: HttpRequest) -> HttpResponse:
    """The bad rows of one upload, to fix and upload again: its uploader only, audited."""
    upload_id = request.GET.get("upload", "")
    if not upload_id:
        return render(request, "events/import_list.html", {"uploads": _recent_uploads(request)})
    upload = get_own_upload_or_404(request.user, upload_id)  # type: ignore[arg-type]
    path = record_quarantine_download(request.user, upload)  # type: ignore[arg-type]
    # Read whole: a quarantine file holds only the bad rows, and require_permission wraps plain responses.
    response = HttpResponse(path.read_bytes(), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, path.name)
    return response
