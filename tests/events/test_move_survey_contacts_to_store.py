"""Upgrading moves every SurveyContact (the survey side's stand-in) into the contact store and loses
nothing; downgrading brings them back (Django's MigrationExecutor, as Django's own migration tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("surveys", "0002_invitation_sending"), ("events", "0003_patient_contact_store")]
AFTER = [("surveys", "0003_survey_contacts_to_contact_store")]
OPTED_OUT = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_it_moves_every_survey_contact_into_the_contact_store_and_back() -> None:
    old = migrate(BEFORE)
    SurveyContact = old.get_model("surveys", "SurveyContact")
    PatientContact = old.get_model("events", "PatientContact")
    SurveyContact.objects.create(patient_ref="P-1", email="ana@example.test", language="es", consent_email=True)
    SurveyContact.objects.create(patient_ref="P-2", phone="+15550100002", consent_sms=True, opted_out_at=OPTED_OUT,
                                 opted_out_via="sms-stop")
    # Already in the store (a FHIR Patient imported first): the survey side's preferences win, the name stays.
    PatientContact.objects.create(patient_ref="P-2", given_name="Bo", phone="+15550199999")
    try:
        new = migrate(AFTER)
        rows = {c.patient_ref: c for c in new.get_model("events", "PatientContact").objects.all()}
        assert sorted(rows) == ["P-1", "P-2"]
        assert (rows["P-1"].email, rows["P-1"].language, rows["P-1"].consent_email, rows["P-1"].consent_sms) == (
            "ana@example.test", "es", True, False)
        assert (rows["P-2"].given_name, rows["P-2"].phone, rows["P-2"].consent_sms) == ("Bo", "+15550100002", True)
        assert (rows["P-2"].opted_out_at, rows["P-2"].opted_out_via) == (OPTED_OUT, "sms-stop")
        with pytest.raises(LookupError):
            new.get_model("surveys", "SurveyContact")

        back = migrate(BEFORE)
        restored = {c.patient_ref: c for c in back.get_model("surveys", "SurveyContact").objects.all()}
        assert sorted(restored) == ["P-1", "P-2"]
        assert (restored["P-2"].opted_out_at, restored["P-2"].opted_out_via) == (OPTED_OUT, "sms-stop")
        assert restored["P-1"].email == "ana@example.test"
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
