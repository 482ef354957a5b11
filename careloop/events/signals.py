"""Signals the events app sends. Later stages of the loop (measures) listen, because events may not
import them: dependencies point one way, events ← measures."""

from django.dispatch import Signal

# Sent after an import's rows are committed, with `table` and `import_run_id`.
events_imported = Signal()
