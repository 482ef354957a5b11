from django.urls import path

from careloop.surveys import invitation_views, views

app_name = "surveys"
urlpatterns = [
    path("", views.instrument_list, name="instruments"),
    path("sms/inbound", invitation_views.sms_inbound, name="sms_inbound"),
    path("visits/<str:visit_id>/qr/", invitation_views.desk_qr, name="desk_qr"),
    path("<slug:instrument_key>/", views.instrument_results, name="results"),
]
