"""The answer pages parse an instrument version once per process (instrument_cache.py): a repeat
needs no read of the definition, a newly published version reaches new links, and a row holding
other content (a restored database) is parsed again."""

from __future__ import annotations

from collections.abc import Iterator
from copy import deepcopy

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from careloop.surveys import instrument_cache
from careloop.surveys.instrument_file import active_instrument_version, load_instrument_spec, spec_of
from careloop.surveys.models import InstrumentVersion
from careloop.surveys.tokens import create_invitation
from tests.surveys.survey_links import survey_link

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    instrument_cache.forget_all()
    yield
    instrument_cache.forget_all()


def _deferred_version(pk: int) -> InstrumentVersion:
    return InstrumentVersion.objects.defer("definition").get(pk=pk)


def test_it_reads_a_definition_once_and_then_serves_it_from_memory() -> None:
    link = survey_link("nps")
    version = _deferred_version(link.invitation.instrument_version.pk)
    with CaptureQueriesContext(connection) as first:
        spec = instrument_cache.answer_spec(version)
    with CaptureQueriesContext(connection) as second:
        again = instrument_cache.answer_spec(version)
    assert len(first.captured_queries) == 1 and len(second.captured_queries) == 0
    assert again is spec and spec.key == "nps" and spec.to_dict() == spec_of(link.invitation.instrument_version).to_dict()


def test_it_shows_a_newly_published_version_to_new_links_and_the_old_one_to_old_links() -> None:
    old_link = survey_link("nps")
    assert "How likely are you" in Client().get(old_link.path()).content.decode()  # version 1 now cached
    active = active_instrument_version("nps")
    assert active is not None
    newer = spec_of(active)
    newer.version = active.version + 1
    newer.pages[0].items[0].text = {"en": "Would you tell a friend about us?", "es": "¿Hablaría de nosotros a un amigo?"}
    load_instrument_spec(newer)
    version = active_instrument_version("nps")
    assert version is not None
    new_link = create_invitation(version, patient_ref="P-NEW")
    assert "Would you tell a friend about us?" in Client().get(new_link.path()).content.decode()
    # A response always gets the wording its link was made with.
    assert "How likely are you" in Client().get(old_link.path()).content.decode()
    assert instrument_cache.cached_versions() == 2


def test_it_parses_again_when_a_row_holds_other_content() -> None:
    link = survey_link("nps")
    row = link.invitation.instrument_version
    assert instrument_cache.answer_spec(_deferred_version(row.pk)).title["en"] == "Would you recommend us?"
    # As after restoring another database into this one: same primary key, other content and hash.
    definition = deepcopy(row.definition)
    definition["title"]["en"] = "Restored title"
    InstrumentVersion.objects.filter(pk=row.pk).update(definition=definition, content_hash="0" * 64)
    assert instrument_cache.answer_spec(_deferred_version(row.pk)).title["en"] == "Restored title"


def test_it_keeps_at_most_its_limit_of_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(instrument_cache, "MAX_ENTRIES", 2)
    links = [survey_link(key) for key in ("nps", "cg-cahps-visit", "touchpoint-pulse")]
    for link in links:
        instrument_cache.answer_spec(_deferred_version(link.invitation.instrument_version.pk))
    assert instrument_cache.cached_versions() == 2
