"""tests/conftest.py's rolled_back_after_the_module leaves nothing behind once its block ends: the next
module starts from the same empty database (tests/core/test_rows_kept_for_a_module.py checks the rest)."""

from __future__ import annotations

from typing import Any

from django.db import connection

from careloop.accounts.models import StaffMember
from tests.conftest import rolled_back_after_the_module


def test_it_leaves_nothing_once_the_block_ends(django_db_setup: Any, django_db_blocker: Any) -> None:
    # Alone in its file, so no module's block is open: this one is the outermost transaction, as a
    # module's is.
    assert not connection.in_atomic_block
    with rolled_back_after_the_module(django_db_blocker):
        StaffMember.objects.create(key="gone-after", name="Gone After")
        assert StaffMember.objects.filter(key="gone-after").exists()
    with django_db_blocker.unblock():
        assert not StaffMember.objects.filter(key="gone-after").exists()
