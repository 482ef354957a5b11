from __future__ import annotations

from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "careloop.measures"
    label = "measures"
    verbose_name = "Measurements"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The journey map colours touchpoints from measurements; journeys may not import measures
        # (dependencies point journeys ← measures), so the engine registers itself there.
        from careloop.journeys.standard_status import register_status_provider
        from careloop.measures.status import touchpoint_states_from_measurements

        register_status_provider(touchpoint_states_from_measurements)
        # New events change the measurements: recompute in the background after each import.
        from careloop.events.signals import events_imported

        events_imported.connect(enqueue_recompute_after_import, dispatch_uid="measures-recompute-after-import")


def enqueue_recompute_after_import(sender: object, **kwargs: object) -> None:
    from datetime import datetime

    from careloop.measures.tasks import recompute_measurements_after_import

    # The importer reports the earliest event time it inserted or changed: only periods from there on
    # are recomputed. Without it (nothing changed, or an older importer), every period is.
    earliest = kwargs.get("earliest")
    since = earliest.isoformat() if isinstance(earliest, datetime) else None
    recompute_measurements_after_import.enqueue(since=since)
