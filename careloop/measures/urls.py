from django.urls import path

from careloop.measures import views

app_name = "measures"
urlpatterns = [
    path("standards/<slug:standard_key>/", views.standard_detail, name="standard"),
    path("standards/<slug:standard_key>/failures/", views.standard_failures, name="failures"),
    path("standards/<slug:standard_key>/changes/", views.record_change, name="record_change"),
    path("signals/", views.signal_list, name="signals"),
    path("signals/<uuid:signal_id>/", views.signal_status, name="signal"),
    path("mine/", views.my_scorecard, name="mine"),
    path("owners/<slug:owner_key>/", views.owner_scorecard, name="owner"),
]
