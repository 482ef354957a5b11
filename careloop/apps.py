from django.apps import AppConfig


class CareloopConfig(AppConfig):
    """The project package itself: site-wide templates, static files, and the
    `serve` and `worker` commands that belong to no single stage of the loop."""

    name = "careloop"
    verbose_name = "careloop"

    def ready(self) -> None:
        from careloop import checks  # noqa: F401  (registers system checks)
