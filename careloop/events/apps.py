from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "careloop.events"
    label = "events"
    verbose_name = "Operational events"
