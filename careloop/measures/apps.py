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
    from careloop.measures.tasks import recompute_measurements_after_import

    # No `since`: the importer does not yet report its earliest event time, so every period is
    # recomputed (seconds for a year of a practice; rows that did not change are left untouched).
    recompute_measurements_after_import.enqueue()
