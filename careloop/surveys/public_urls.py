"""The patient's answer pages: public, at short addresses that fit in a text message."""

from django.urls import path

from careloop.surveys import views

app_name = "answer"
urlpatterns = [
    path("<str:token>/", views.answer, name="page"),
    path("<str:token>/thanks/", views.thanks, name="thanks"),
]
