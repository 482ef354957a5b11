"""`careloop import contacts FILE --mapping …`: the contact store's CSV (or .xlsx) rows, read by the same
importer as the event tables (atomic, quarantine, provenance) with three extra checks, and written
through contacts.upsert_contacts() (the store's only door) instead of the event tables' writer.

- email: one address, `name@domain` with a dot in the domain (Django's EmailValidator);
- phone: normalised to E.164 (`+1 (555) 010-2000` → `+15550102000`); a number without a country code
  is refused rather than guessed (a practice near a border sees patients from two countries);
- language: a BCP 47 tag such as en, es or es-MX (what survey instruments are written in).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from careloop.events.contacts import IMPORTED_FIELDS, normal_phone, upsert_contacts
from careloop.events.importing.csv_reader import CsvFile
from careloop.events.importing.mapping import Mapping
from careloop.events.importing.rows import GoodRow, RowReader
from careloop.events.importing.tables import CONTACTS, FieldSpec, TableSpec
from careloop.events.importing.values import BadValue
from careloop.events.importing.writer import UpsertWriter, content_hash

LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")
# ITU-T E.164: at most 15 digits after the country code's plus; the shortest real numbers have 8.
E164_DIGITS = (8, 15)
_email = EmailValidator()


def email_value(read: Callable[[str], Any]) -> Callable[[str], Any]:
    def checked(raw: str) -> Any:
        value = read(raw)
        if value:
            try:
                _email(value)
            except ValidationError:
                raise BadValue("is not an email address; expected one address such as name@example.org") from None
        return value

    return checked


def phone_value(read: Callable[[str], Any]) -> Callable[[str], Any]:
    def checked(raw: str) -> Any:
        value = read(raw)
        if not value:
            return value
        if not value.lstrip().startswith(("+", "00")):
            raise BadValue("has no country code; expected an international number such as +1 555 010 2000")
        number = normal_phone(value.lstrip().removeprefix("00"))
        if not E164_DIGITS[0] <= len(number) - 1 <= E164_DIGITS[1]:
            raise BadValue(f"has {len(number) - 1} digits; expected 8 to 15 after the + (E.164)")
        return number

    return checked


def language_value(read: Callable[[str], Any]) -> Callable[[str], Any]:
    def checked(raw: str) -> Any:
        value = read(raw)
        if value and not LANGUAGE_TAG.match(value):
            raise BadValue("is not a language tag; expected a BCP 47 tag such as en, es or es-MX")
        return value.lower() if value else value

    return checked


CHECKS: dict[str, Callable[[Callable[[str], Any]], Callable[[str], Any]]] = {
    "email": email_value,
    "phone": phone_value,
    "language": language_value,
}


class ContactRowReader(RowReader):
    def _converter(self, spec_field: FieldSpec, mapping: Mapping) -> Callable[[str], Any]:
        read = super()._converter(spec_field, mapping)
        check = CHECKS.get(spec_field.name)
        return check(read) if check is not None else read


class ContactWriter:
    """The event writer's interface (write a batch; count inserted, updated, unchanged) over
    contacts.upsert_contacts()."""

    def __init__(self, spec: TableSpec, import_run_id: int) -> None:
        self.names = spec.field_names
        self.run_id = import_run_id
        self.inserted = self.updated = self.unchanged = 0

    def write(self, rows: Sequence[GoodRow]) -> None:
        records = [dict(zip(self.names, row.values)) for row in rows]
        hashes = [content_hash([r.get(n, "") for n in ("patient_ref", *IMPORTED_FIELDS)]) for r in records]
        counts = upsert_contacts(records, import_run_id=self.run_id, content_hashes=hashes)
        self.inserted += counts.inserted
        self.updated += counts.updated
        self.unchanged += counts.unchanged


def row_reader_for(spec: TableSpec, mapping: Mapping, csv_file: CsvFile) -> RowReader:
    reader = ContactRowReader if spec.table == CONTACTS else RowReader
    return reader(spec, mapping, csv_file)


def writer_for(spec: TableSpec, import_run_id: int) -> UpsertWriter | ContactWriter:
    if spec.table == CONTACTS:
        return ContactWriter(spec, import_run_id)
    return UpsertWriter(spec, import_run_id)
