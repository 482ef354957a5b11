"""tests/conftest.py's rolled_back_after_the_module, which the demo tests use to share one build: the
module's rows are seen by each of its tests, and what one test changes is gone before the next (that
nothing is left once the block ends: tests/core/test_rows_gone_after_the_block.py; that a shared demo build
equals a fresh one: test_it_replaces_the_previous_demo_when_run_again in tests/demo/test_run_demo_command.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from careloop.accounts.models import StaffMember
from tests.conftest import rolled_back_after_the_module


@pytest.fixture(scope="module")
def shared(django_db_setup: Any, django_db_blocker: Any) -> Iterator[StaffMember]:
    with rolled_back_after_the_module(django_db_blocker):
        yield StaffMember.objects.create(key="shared-nurse", name="Shared Nurse")


def test_it_shows_the_modules_rows_to_a_test_that_changes_them(shared: StaffMember, db: Any) -> None:
    assert list(StaffMember.objects.values_list("key", flat=True)) == ["shared-nurse"]
    StaffMember.objects.filter(pk=shared.pk).update(name="Changed by the first test")
    StaffMember.objects.create(key="first-test-only", name="Made by the first test")
    assert StaffMember.objects.count() == 2


def test_it_undoes_what_the_previous_test_changed(shared: StaffMember, db: Any) -> None:
    # Runs after the test above (pytest keeps a file's order): its update and its new row are gone.
    assert list(StaffMember.objects.values_list("key", "name")) == [("shared-nurse", "Shared Nurse")]
