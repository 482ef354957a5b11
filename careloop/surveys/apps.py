from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "careloop.surveys"
    label = "surveys"
    verbose_name = "Surveys: instruments, invitations, responses"
