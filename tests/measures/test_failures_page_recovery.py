"""The failures page of a recovery standard: the cases that counted against it, each linking to the
case page, without patient identity and so without an audit entry; the standard page's owner
breakdown names each owner and links to that owner's cases.

Cases and hand counts: tests/recovery/test_measure_recovery_standards.py (the eight cases). Fran's
first contacts in the week of 13 January 2025: 5 of the six with a patient (case 7 is at the waiting
room, also hers): cases 2, 6 and 8 missed.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from careloop.accounts.models import AuditEntry, StaffMember
from careloop.journeys.models import Journey, Standard
from careloop.measures.models import Measurement
from careloop.measures.recompute import recompute_measurements
from careloop.recovery.models import Case
from tests.conftest import Cast, client_for
from tests.recovery.test_measure_recovery_standards import AS_OF, WEEK, eight_cases, recovery_standard

__all__ = ["eight_cases"]  # the fixture, shared with the counting tests

QUERY = {"kind": "week", "period": WEEK.isoformat()}


@pytest.fixture
def first_contact(eight_cases: dict[int, Case]) -> Standard:
    standard = recovery_standard(Journey.objects.get(is_active=True), "first-contact", "first_contact_within_sla")
    assert recompute_measurements(as_of=AS_OF).errors == []
    return standard


def _failures_page(cast: Cast, standard: Standard, **extra: str) -> Any:
    return client_for(cast.maria).get(reverse("measures:failures", args=[standard.key]), QUERY | extra)


def _case_links(html: str) -> list[str]:
    return re.findall(r'href="/cases/([0-9a-f-]{36})/"', html)


def test_it_lists_the_cases_that_counted_against_the_standard(first_contact: Standard, eight_cases: dict[int, Case], cast: Cast) -> None:
    before = AuditEntry.objects.count()
    response = _failures_page(cast, first_contact)
    html = response.content.decode()
    assert response.status_code == 200
    assert "3 cases opened in 2025-W03" in html
    expected = sorted(str(eight_cases[n].external_id) for n in (2, 6, 8))
    assert sorted(_case_links(html)) == expected
    row = Measurement.objects.get(standard=first_contact, period_kind="week", period_start=WEEK, breakdown="")
    assert len(_case_links(html)) == row.n - row.n_met
    assert "no first contact by its deadline" in html and "Fran Frontdesk" in html
    # No patient identity on the page (patient refs, the case's one-line summary), so no audit entry.
    assert "P-2" not in html and "P-8" not in html and "Kept waiting at the desk" not in html
    assert AuditEntry.objects.count() == before


def test_it_links_each_case_to_a_case_page_that_opens(first_contact: Standard, cast: Cast) -> None:
    link = _case_links(_failures_page(cast, first_contact).content.decode())[0]
    assert client_for(cast.maria).get(f"/cases/{link}/").status_code == 200


def test_it_filters_the_list_to_one_owner(first_contact: Standard, eight_cases: dict[int, Case], cast: Cast) -> None:
    in_time = recovery_standard(Journey.objects.get(is_active=True), "resolved-in-time", "resolved_within_sla")
    assert recompute_measurements(as_of=AS_OF).errors == []
    for owner, numbers in {"fran-frontdesk": (2, 8), "maria-manager": ()}.items():
        response = _failures_page(cast, in_time, by="owner", value=owner)
        assert response.status_code == 200
        assert sorted(_case_links(response.content.decode())) == sorted(str(eight_cases[n].external_id) for n in numbers)
        row = Measurement.objects.get(standard=in_time, period_kind="week", period_start=WEEK, breakdown="owner", breakdown_value=owner)
        assert row.n - row.n_met == len(numbers)
    assert "(Owner Maria Manager)" in _failures_page(cast, in_time, by="owner", value="maria-manager").content.decode()


@pytest.mark.parametrize(
    "extra",
    [{"by": "provider", "value": "dr-okafor"}, {"by": "owner", "value": ""}, {"by": "owner", "value": "x" * 81}, {"by": "", "value": "fran-frontdesk"}],
)
def test_it_answers_a_bad_breakdown_with_a_clear_400(first_contact: Standard, cast: Cast, extra: dict[str, str]) -> None:
    response = _failures_page(cast, first_contact, **extra)
    assert response.status_code == 400
    assert "not one this standard is measured by" in response.content.decode()


def test_an_owner_without_cases_gets_an_empty_list_not_an_error(first_contact: Standard, cast: Cast) -> None:
    response = _failures_page(cast, first_contact, by="owner", value="no-such-owner")
    assert response.status_code == 200 and "0 cases opened in 2025-W03" in response.content.decode()


def test_the_standard_page_names_each_owner_and_links_to_their_cases(first_contact: Standard, cast: Cast) -> None:
    html = client_for(cast.maria).get(reverse("measures:standard", args=[first_contact.key]), {"kind": "week"}).content.decode()
    link = f'{reverse("measures:failures", args=[first_contact.key])}?kind=week&amp;period=2025-01-13&amp;by=owner&amp;value=fran-frontdesk'
    assert f'<a href="{link}">Fran Frontdesk</a>' in html
    assert ">fran-frontdesk<" not in html


def test_the_owner_name_is_escaped(first_contact: Standard, cast: Cast) -> None:
    StaffMember.objects.filter(key="fran-frontdesk").update(name="<b>Fran</b> & co")
    html = client_for(cast.maria).get(reverse("measures:standard", args=[first_contact.key]), {"kind": "week"}).content.decode()
    assert "&lt;b&gt;Fran&lt;/b&gt; &amp; co</a>" in html and "<b>Fran</b>" not in html
    failures = _failures_page(cast, first_contact, by="owner", value="fran-frontdesk").content.decode()
    assert "(Owner &lt;b&gt;Fran&lt;/b&gt; &amp; co)" in failures and "<b>Fran</b>" not in failures
