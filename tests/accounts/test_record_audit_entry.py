"""Writing to the audit log with accounts.audit.record()."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from careloop.accounts import audit
from careloop.accounts.models import AuditEntry
from tests.conftest import Cast


def test_it_records_who_read_what_from_where(cast: Cast) -> None:
    request = RequestFactory().get("/events/patients/P-7/", REMOTE_ADDR="192.0.2.9")
    entry = audit.record(cast.maria, "read", "patient_timeline", "P-7", patient_ref="P-7", fields=["visit", "patient_ref", "visit"], request=request)
    assert (entry.user, entry.action, entry.path, entry.ip_address) == (cast.maria, "read", "/events/patients/P-7/", "192.0.2.9")
    assert entry.fields == ["patient_ref", "visit"]


def test_it_rejects_fields_outside_the_allowlist(cast: Cast) -> None:
    with pytest.raises(ValueError, match="diagnosis"):
        audit.record(cast.maria, "read", "patient_timeline", "P-7", fields=["visit", "diagnosis"])
    assert AuditEntry.objects.count() == 0


def test_it_rejects_an_unknown_action(cast: Cast) -> None:
    with pytest.raises(ValueError, match="peek"):
        audit.record(cast.maria, "peek", "patient_timeline", "P-7")
    assert AuditEntry.objects.count() == 0


def test_it_refuses_to_change_or_delete_an_entry(cast: Cast) -> None:
    entry = audit.record(cast.maria, "read", "patient_timeline", "P-7", patient_ref="P-7")
    entry.patient_ref = "P-8"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    assert AuditEntry.objects.get().patient_ref == "P-7"
