"""The responses list's CSV export /surveys/responses/export.csv: de-identified (no patient reference,
visit or response id; days, not times), comments formula-neutralised, the list's filters, audited."""

from __future__ import annotations

import csv
import io
import re

import pytest

from careloop.accounts.models import AuditEntry
from careloop.surveys.models import Anonymity
from tests.conftest import Cast, client_for
from tests.surveys.answered_responses import answered, at
from tests.surveys.survey_links import survey_link

pytestmark = pytest.mark.django_db


def exported(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_it_exports_responses_without_identity_and_dates_to_the_day(cast: Cast) -> None:
    link = survey_link("cg-cahps-visit")
    response = answered(
        "cg-cahps-visit",
        {"cgcahps-provider-explains": "yes-somewhat", "cgcahps-provider-rating": "9"},
        # 02:30 UTC on 11 January is 21:30 on 10 January in New York, the practice's time zone.
        completed_at=at(2025, 1, 11, hour=2),
        invitation=link.invitation,
        anonymity=Anonymity.CONTACT,
        comment="Call me, please.",
    )
    page = client_for(cast.fran).get("/surveys/responses/export.csv")
    assert page.status_code == 200
    assert page["Content-Type"] == "text/csv; charset=utf-8"
    assert page["Content-Disposition"].startswith('attachment; filename="careloop-responses-')
    text = page.content.decode()
    for identifying in ("P-V-1", "V-1", str(response.external_id), str(link.invitation.external_id)):
        assert identifying not in text
    assert not re.search(r"\d\d:\d\d", text), "no time of day"
    (row,) = exported(text)
    assert row["instrument"] == "cg-cahps-visit" and row["version"] == "1"
    assert row["completed_on"] == "2025-01-10"
    assert row["provider"] == "dr-okafor" and row["anonymity"] == "contact" and row["consent_to_contact"] == "true"
    assert row["cgcahps-provider-explains"] == "yes-somewhat" and row["cgcahps-provider-rating"] == "9"
    assert row["cgcahps-urgent-needed"] == ""
    assert row["comment"] == "Call me, please."
    header = text.splitlines()[0].split(",")
    assert header[:3] == ["instrument", "version", "completed_on"] and header[-1] == "comment"
    assert "patient_ref" not in header and "visit_id" not in header


def test_it_neutralises_comments_a_spreadsheet_would_run(cast: Cast) -> None:
    answered("nps", {"likely-to-recommend": "0"}, completed_at=at(2025, 1, 10), comment="=cmd|' /C calc'!A0")
    answered("nps", {"likely-to-recommend": "5"}, completed_at=at(2025, 1, 11), comment="@SUM(1+1)")
    rows = exported(client_for(cast.maria).get("/surveys/responses/export.csv").content.decode())
    assert sorted(row["comment"] for row in rows) == ["'=cmd|' /C calc'!A0", "'@SUM(1+1)"]


def test_it_applies_the_lists_filters_and_records_the_export(cast: Cast) -> None:
    answered("nps", {"likely-to-recommend": "10"}, completed_at=at(2025, 1, 10), provider="dr-okafor")
    answered("nps", {"likely-to-recommend": "2"}, completed_at=at(2025, 2, 10), provider="np-chen", language="es")
    answered("nps", {"likely-to-recommend": "1"}, completed_at=at(2025, 2, 11), complete=False)
    rows = exported(client_for(cast.maria).get("/surveys/responses/export.csv?score=detractor&language=es").content.decode())
    assert [(row["provider"], row["likely-to-recommend"], row["language"]) for row in rows] == [("np-chen", "2", "es")]
    assert len(exported(client_for(cast.maria).get("/surveys/responses/export.csv").content.decode())) == 2
    entries = list(AuditEntry.objects.order_by("id"))
    assert [(e.user, e.action, e.record_kind, e.record_id, e.fields) for e in entries] == [
        (cast.maria, "export", "survey_responses", "1 responses", []),
        (cast.maria, "export", "survey_responses", "2 responses", []),
    ]


def test_it_refuses_bad_filters_and_people_without_the_right(cast: Cast) -> None:
    answered("nps", {"likely-to-recommend": "10"}, completed_at=at(2025, 1, 10))
    assert client_for(cast.maria).get("/surveys/responses/export.csv?start=2025-02-30").status_code == 400
    for person in (cast.ada, cast.cora, cast.sam):
        assert client_for(person).get("/surveys/responses/export.csv").status_code == 404
    assert not AuditEntry.objects.exists()
