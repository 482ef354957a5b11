"""The import upload form (/events/import/): what to fill, with which mapping, which file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from careloop.events.importing.tables import CONTACTS
from careloop.events.models import EventTable
from careloop.events.uploads import FHIR, shipped_mappings

TABLE_CHOICES = [*EventTable.choices, (CONTACTS, "Patient contacts"), (FHIR, "FHIR R4 NDJSON (one .ndjson file)")]
DATA_SUFFIXES = {"fhir": (".ndjson", ".json")}
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
MAPPING_MAX_BYTES = 256 * 1024  # a mapping is a few dozen lines of YAML


class ImportUploadForm(forms.Form):
    table = forms.ChoiceField(choices=TABLE_CHOICES, label="What the file holds")
    shipped_mapping = forms.ChoiceField(required=False, label="Column mapping shipped with careloop")
    mapping = forms.FileField(required=False, label="…or your own mapping (YAML)")
    file = forms.FileField(label="File (CSV, .xlsx, or FHIR .ndjson)")
    quarantine = forms.BooleanField(
        required=False, label="Import the good rows and give me the bad ones in a file to fix (quarantine)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["shipped_mapping"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "(none: the file uses careloop's column names)"), *((m, m) for m in shipped_mappings())]

    def clean_file(self) -> UploadedFile[bytes]:
        data: UploadedFile[bytes] = self.cleaned_data["file"]
        limit = int(settings.MAX_UPLOAD_MB) * 1024 * 1024
        if data.size is not None and data.size > limit:
            raise forms.ValidationError(
                f"The file is {data.size / 1024 / 1024:,.0f} MB; the limit is {settings.MAX_UPLOAD_MB} MB "
                "(CARELOOP_MAX_UPLOAD_MB). Import larger files with `careloop import`.")
        if not data.size:
            raise forms.ValidationError("The file is empty.")
        return data

    def clean_mapping(self) -> UploadedFile[bytes] | None:
        mapping: UploadedFile[bytes] | None = self.cleaned_data.get("mapping")
        if mapping is not None and (mapping.size or 0) > MAPPING_MAX_BYTES:
            raise forms.ValidationError("A mapping is a short YAML file; this one is over 256 KB.")
        return mapping

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        table, data = cleaned.get("table"), cleaned.get("file")
        if table and data is not None:
            allowed = DATA_SUFFIXES.get(table, TABLE_SUFFIXES)
            name = (data.name or "").lower()
            if not name.endswith(allowed):
                self.add_error("file", f"Expected a file ending in {', '.join(allowed)} for {table}.")
        if table == FHIR and (cleaned.get("mapping") or cleaned.get("shipped_mapping")):
            self.add_error("shipped_mapping", "FHIR resources are read as FHIR R4 defines them: no mapping.")
        if cleaned.get("mapping") and cleaned.get("shipped_mapping"):
            self.add_error("mapping", "Choose a shipped mapping or upload one, not both.")
        return cleaned
