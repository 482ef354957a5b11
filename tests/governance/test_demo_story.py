"""The demo's governance story (issue 8, "done means"): a review started from the real signal in the
generated calls, its action done mid-period and recorded on the SPC chart, a moment of the week with
recognised staff, and the brief of the last demo week as page, PDF and email in the local mailbox."""

from __future__ import annotations

import io
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from careloop.demo.calls import NEW_RECEPTIONIST_MONTHS_BEFORE_END
from careloop.demo.clinic_calendar import months_before
from careloop.demo.governance_story import FIX_WEEKS_AFTER_START
from careloop.governance.models import ActionStatus, Moment, MomentStatus, Review, StrategicGoal
from careloop.governance.recognition import week_start_of
from careloop.measures.models import ProcessChange
from careloop.reports.brief import build_brief
from careloop.reports.pdf import brief_pdf
from tests.conftest import Cast, client_for

TODAY = date(2025, 6, 2)
# The last complete week before Monday 2 June 2025: 26 May (ISO 2025-W22).
LAST_WEEK = date(2025, 5, 26)


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> Path:
    settings.HOME = tmp_path
    call_command("demo", "--no-serve", "--months", "6", "--seed", "42", "--today", TODAY.isoformat(), stdout=StringIO())
    return tmp_path


def test_it_tells_the_governance_story_in_the_demo(db: Any, demo: Path, cast: Cast) -> None:
    review = Review.objects.get()
    assert review.signal is not None and review.signal.standard.key == "call-answered-30s"
    assert review.signal.first_period >= months_before(TODAY, NEW_RECEPTIONIST_MONTHS_BEFORE_END) - timedelta(days=6)
    fix_on = week_start_of(months_before(TODAY, NEW_RECEPTIONIST_MONTHS_BEFORE_END)) + timedelta(weeks=FIX_WEEKS_AFTER_START)
    done = review.actions.get(status=ActionStatus.DONE)
    change = ProcessChange.objects.get(source="governance")
    assert (done.done_on, change.changed_on, change.standard) == (fix_on, fix_on, review.standard)
    assert review.signal.first_period < fix_on < TODAY
    assert review.causes.count() == 1 and len(review.causes.get().whys) == 5
    assert StrategicGoal.objects.count() == 3
    page = client_for(cast.cora).get(f"/governance/reviews/{review.external_id}/").content.decode()
    assert "SPC verdict: Improved" in page

    moment = Moment.objects.get(status=MomentStatus.PICKED)
    assert moment.week_start == LAST_WEEK and moment.recognitions.exists()

    brief = build_brief(LAST_WEEK)
    assert brief.moment == moment and brief.recognised
    reader = PdfReader(io.BytesIO(brief_pdf(brief)))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    # The print stylesheet sets headings in capitals.
    assert "2025-W22" in text and "MOMENT OF THE WEEK" in text and "Thank you:" in text
    [log] = [p for p in (demo / "mail").glob("*.log") if "Weekly brief 2025-W22" in p.read_text(errors="replace")]
    assert "careloop-brief-2025-W22.pdf" in log.read_text(errors="replace")
