"""Reading the audit log in the Django admin: the admin role only, and read-only for everyone."""

from __future__ import annotations

import pytest

from careloop.accounts import audit
from careloop.accounts.models import AuditEntry
from tests.conftest import Cast, client_for

LIST = "/admin/accounts/auditentry/"


@pytest.fixture
def entry(cast: Cast) -> AuditEntry:
    return audit.record(cast.fran, "read", "patient_timeline", "P-4242", patient_ref="P-4242", fields=["visit"])


def test_it_lists_entries_for_the_admin_role(cast: Cast, entry: AuditEntry) -> None:
    response = client_for(cast.ada).get(LIST)
    assert response.status_code == 200
    assert b"P-4242" in response.content
    assert b"Fran Frontdesk" in response.content


def test_it_shows_one_entry_without_a_save_button(cast: Cast, entry: AuditEntry) -> None:
    response = client_for(cast.ada).get(f"{LIST}{entry.pk}/change/")
    assert response.status_code == 200
    assert b"P-4242" in response.content
    assert b'name="_save"' not in response.content


@pytest.mark.parametrize("name", ["maria", "fran", "bill", "cora", "sam"])
def test_it_sends_every_other_role_to_the_admin_sign_in(cast: Cast, entry: AuditEntry, name: str) -> None:
    client = client_for(cast.all()[name])
    for path in (LIST, f"{LIST}{entry.pk}/change/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    assert b"P-4242" not in client.get(LIST, follow=True).content


def test_it_lets_nobody_add_change_or_delete_entries(cast: Cast, entry: AuditEntry) -> None:
    client = client_for(cast.ada)
    assert client.get(f"{LIST}add/").status_code == 403
    assert client.post(f"{LIST}add/", {"action": "read", "record_kind": "x", "record_id": "y"}).status_code == 403
    assert client.post(f"{LIST}{entry.pk}/change/", {"patient_ref": "P-0"}).status_code == 403
    assert client.get(f"{LIST}{entry.pk}/delete/").status_code == 403
    assert client.post(f"{LIST}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = client.post(LIST, {"action": "delete_selected", "_selected_action": [entry.pk]})
    assert bulk.status_code in (200, 302)
    assert list(AuditEntry.objects.values_list("patient_ref", flat=True)) == ["P-4242"]


def test_it_lets_a_superuser_not_change_entries_either(cast: Cast, entry: AuditEntry) -> None:
    cast.ada.is_superuser = True
    cast.ada.save()
    client = client_for(cast.ada)
    assert client.post(f"{LIST}{entry.pk}/change/", {"patient_ref": "P-0"}).status_code == 403
    assert client.post(f"{LIST}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get().patient_ref == "P-4242"
