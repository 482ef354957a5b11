from django.urls import path

from careloop.surveys import invitation_views, result_views, views

app_name = "surveys"
urlpatterns = [
    path("", views.instrument_list, name="instruments"),
    path("sms/inbound", invitation_views.sms_inbound, name="sms_inbound"),
    path("visits/<str:visit_id>/qr/", invitation_views.desk_qr, name="desk_qr"),
    # Before <slug:instrument_key>/: "responses" would otherwise be read as an instrument key.
    path("responses/", result_views.response_list, name="responses"),
    path("responses/export.csv", result_views.response_export, name="responses_export"),
    path("responses/<uuid:response_id>/", result_views.response_detail, name="response"),
    path("<slug:instrument_key>/", views.instrument_results, name="results"),
]
