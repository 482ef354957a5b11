"""The patient's answer pages: public, at short addresses that fit in a text message."""

from django.urls import path

from careloop.surveys import invitation_views, views

app_name = "answer"
urlpatterns = [
    path("<str:token>/", views.answer, name="page"),
    path("<str:token>/thanks/", views.thanks, name="thanks"),
    path("<str:token>/opt-out/", invitation_views.opt_out_link, name="opt_out"),
]
