from django.urls import path

from careloop.surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.instrument_list, name="instruments"),
    path("<slug:instrument_key>/", views.instrument_results, name="results"),
]
