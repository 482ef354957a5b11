from django.urls import path

from careloop.events import views

app_name = "events"
urlpatterns = [
    path("import/", views.import_upload, name="import_upload"),
    # The upload's id in the query, not the path: only its uploader may open it (404 for anyone else).
    path("import/status/", views.import_status, name="import_status"),
    path("import/quarantine/", views.import_quarantine, name="import_quarantine"),
    path("patients/", views.patient_search, name="patient_search"),
    # Before the timeline: <path:…> would take "P-1/contact" as a patient_ref.
    path("patients/<path:patient_ref>/contact/", views.patient_contact, name="patient_contact"),
    # path: some practice systems put "/" in their references (e.g. "2024/00123").
    path("patients/<path:patient_ref>/", views.patient_timeline, name="patient_timeline"),
]
