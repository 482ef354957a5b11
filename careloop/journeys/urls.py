from django.urls import path

from careloop.journeys import views

app_name = "journeys"
urlpatterns = [
    path("", views.journey_map, name="map"),
    path("touchpoints/<slug:key>/", views.touchpoint_detail, name="touchpoint"),
]
