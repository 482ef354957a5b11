from django.apps import AppConfig


class JourneysConfig(AppConfig):
    name = "careloop.journeys"
    label = "journeys"
    verbose_name = "Journey, touchpoints and standards"
