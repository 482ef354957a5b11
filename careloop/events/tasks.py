"""Background work of the events app (Django's Tasks API, database backend, run by `careloop worker`)."""

from __future__ import annotations

from django_tasks import task

from careloop.events.uploads import claim, run_upload


@task()
def import_uploaded_file(upload_id: str) -> str:
    """Import a file uploaded on /events/import/ (once, even if enqueued twice); returns its status."""
    upload = claim(upload_id)
    if upload is None:
        return "already taken"
    return run_upload(upload).status
