from django.urls import path

from careloop.events import views

app_name = "events"
urlpatterns = [
    path("patients/", views.patient_search, name="patient_search"),
    # path: some practice systems put "/" in their references (e.g. "2024/00123").
    path("patients/<path:patient_ref>/", views.patient_timeline, name="patient_timeline"),
]
