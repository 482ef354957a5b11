from django.contrib import admin
from django.urls import include, path

from careloop.api import api
from careloop.dashboard import home

admin.site.site_header = "careloop administration"
admin.site.site_title = "careloop"

urlpatterns = [
    path("", home, name="home"),
    path("", include("careloop.accounts.urls")),
    path("journey/", include("careloop.journeys.urls")),
    path("events/", include("careloop.events.urls")),
    path("measures/", include("careloop.measures.urls")),
    path("surveys/", include("careloop.surveys.urls")),
    path("s/", include("careloop.surveys.public_urls")),
    path("feedback/", include("careloop.feedback.urls")),
    path("cases/", include("careloop.recovery.urls")),
    path("governance/", include("careloop.governance.urls")),
    path("brief/", include("careloop.reports.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
