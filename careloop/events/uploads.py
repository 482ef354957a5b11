"""Imports uploaded on /events/import/: the file is kept under CARELOOP_HOME/imports/<id>/ (mode 600, the
folder 700: patient data), then a background task (tasks.py) runs the same import functions as
`careloop import` (importer.import_file, fhir_importer.import_fhir) and stores their report.

Progress is written to a small JSON file beside the upload, not to the database: the import holds its
transaction open until the end, and a row written inside it would not be seen (and on SQLite could
not be written from elsewhere) until then.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from careloop.accounts import audit
from careloop.accounts.models import User
from careloop.events.importing.fhir_importer import import_fhir
from careloop.events.importing.importer import ImportOptions, import_file
from careloop.events.importing.report import ImportFileError
from careloop.events.models import ImportUpload

FHIR = "fhir"
MAPPINGS_DIR = Path(__file__).with_name("mappings")
PROGRESS_FILE = "progress.json"
# Writing the progress file more often than this costs more than it tells anyone.
PROGRESS_EVERY_SECONDS = 0.5
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def uploads_root() -> Path:
    return Path(settings.HOME) / "imports"


def shipped_mappings() -> list[str]:
    return sorted(p.name for p in MAPPINGS_DIR.glob("*.yaml"))


def safe_name(name: str) -> str:
    """A file name that cannot leave its folder or start hidden (`../../x` → `x`)."""
    base = SAFE_NAME.sub("_", Path(name).name).lstrip("._") or "upload"
    return base[-120:]


def _private_folder(upload_id: str) -> Path:
    root = uploads_root()
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    folder = root / upload_id
    folder.mkdir(mode=0o700)
    return folder


def _save(uploaded: UploadedFile[bytes], path: Path) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)


def create_upload(user: User, table: str, data: UploadedFile[bytes], *, shipped_mapping: str = "",
                  mapping: UploadedFile[bytes] | None = None, quarantine: bool = False) -> ImportUpload:
    """Keep the files and record the upload (the caller enqueues the import)."""
    upload = ImportUpload(user=user, table=table, file_name=(data.name or "upload")[:255], quarantine=quarantine)
    folder = _private_folder(str(upload.external_id))
    stored = folder / safe_name(data.name or "upload")
    _save(data, stored)
    upload.stored_path = str(stored)
    if mapping is not None:
        mapping_path = folder / f"mapping-{safe_name(mapping.name or 'mapping.yaml')}"
        _save(mapping, mapping_path)
        upload.mapping_name, upload.mapping_path = (mapping.name or "mapping.yaml")[:255], str(mapping_path)
    elif shipped_mapping:
        if shipped_mapping not in shipped_mappings():
            raise ValueError(f"no shipped mapping {shipped_mapping!r}")
        upload.mapping_name, upload.mapping_path = shipped_mapping, str(MAPPINGS_DIR / shipped_mapping)
    upload.save()
    return upload


@dataclass
class ProgressFile:
    path: Path
    started: float
    last_written: float = 0.0

    def __call__(self, done: int, total: int, rows: int) -> None:
        now = time.monotonic()
        if now - self.last_written < PROGRESS_EVERY_SECONDS and done < total:
            return
        self.last_written = now
        elapsed = now - self.started
        figures = {"bytes_done": done, "bytes_total": total, "rows": rows,
                   "rows_per_second": round(rows / elapsed) if elapsed > 0 else 0}
        partial = self.path.with_suffix(".part")
        partial.write_text(json.dumps(figures), encoding="utf-8")
        partial.replace(self.path)


def read_progress(upload: ImportUpload) -> dict[str, Any]:
    path = Path(upload.stored_path).parent / PROGRESS_FILE
    try:
        figures: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"bytes_done": 0, "bytes_total": 0, "rows": 0, "rows_per_second": 0}
    total = figures.get("bytes_total") or 0
    figures["percent"] = round(100 * figures.get("bytes_done", 0) / total) if total else 0
    return figures


def claim(upload_id: str) -> ImportUpload | None:
    """Waiting → running, exactly once (two workers never run the same upload)."""
    changed = ImportUpload.objects.filter(external_id=upload_id, status=ImportUpload.Status.WAITING).update(
        status=ImportUpload.Status.RUNNING)
    return ImportUpload.objects.get(external_id=upload_id) if changed == 1 else None


def run_upload(upload: ImportUpload) -> ImportUpload:
    """The import itself, through the same functions as `careloop import`."""
    folder = Path(upload.stored_path).parent
    stored = Path(upload.stored_path)
    quarantine_name = (f"{stored.name.removesuffix('.ndjson')}.rejected.ndjson" if upload.table == FHIR
                       else f"{stored.stem}.rejected.csv")
    options = ImportOptions(quarantine=upload.quarantine, quarantine_path=folder / quarantine_name, user=upload.user,
                            on_progress=ProgressFile(folder / PROGRESS_FILE, time.monotonic()))
    try:
        if upload.table == FHIR:
            fhir_report = import_fhir(stored, options)
            upload.report, upload.quarantine_file = fhir_report.as_json(), fhir_report.quarantine_file
        else:
            report = import_file(upload.table, stored, upload.mapping_path or None, options)
            upload.report, upload.quarantine_file = report.as_json(), report.quarantine_file
        upload.status = ImportUpload.Status.DONE
    except ImportFileError as error:
        upload.problems = [str(p) for p in error.problems]
        upload.status = ImportUpload.Status.FAILED
    upload.finished_at = timezone.now()
    upload.save(update_fields=["report", "quarantine_file", "problems", "status", "finished_at"])
    return upload


def get_own_upload_or_404(user: User, upload_id: str) -> ImportUpload:
    """The uploader's own upload; 404 alike for someone else's and for one that does not exist."""
    try:
        return ImportUpload.objects.get(external_id=upload_id, user=user)
    except (ImportUpload.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def record_quarantine_download(user: User, upload: ImportUpload) -> Path:
    """The quarantine file's path, with the read written to the audit log (it holds patient rows)."""
    path = Path(upload.quarantine_file)
    if not upload.quarantine_file or not path.is_file():
        raise Http404
    with transaction.atomic():
        audit.record(user, "export", "import_quarantine", str(upload.external_id), fields=["patient_ref"])
    return path
