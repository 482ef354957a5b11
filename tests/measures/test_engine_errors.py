"""What goes wrong is said in one sentence naming the standard and the field, never a stack trace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from careloop.measures.engine import AnalyticsUnavailable, open_analytics
from careloop.measures.models import Measurement
from careloop.measures.recompute import recompute_measurements
from tests.measures.engine_events import five_visits_three_within_fifteen_minutes, local, make_standard, rooming_standard

AS_OF = local("2025-04-15 12:00")


def test_it_names_the_standard_and_the_field_that_does_not_exist(db: Any) -> None:
    definition = {"table": "visits", "start": "arrived_at", "end": "roomed_at_typo", "unit": "minutes"}
    make_standard("arrival-to-rooming", "duration", definition, threshold=15)
    rooming = make_standard("still-measured", "duration", definition | {"end": "roomed_at"}, threshold=15)
    five_visits_three_within_fifteen_minutes()
    report = recompute_measurements(as_of=AS_OF)
    assert report.errors == [
        "Standard 'arrival-to-rooming': measure.end names the field 'roomed_at_typo', which the visits table does not have."
    ]
    # One broken standard does not stop the others.
    assert Measurement.objects.filter(standard=rooming).count() > 0


def test_it_names_a_where_field_and_a_missing_table(db: Any) -> None:
    make_standard(
        "bad-where", "rate", {"table": "visits", "condition": {"field": "status", "in": ["no-show"]}, "where": {"colour": ["red"]}}
    )
    make_standard("bad-table", "rate", {"table": "faxes", "condition": {"field": "status", "in": ["sent"]}})
    report = recompute_measurements(as_of=AS_OF)
    assert "Standard 'bad-where': measure.where.colour names the field 'colour', which the visits table does not have." in report.errors
    assert any(e.startswith("Standard 'bad-table': the analytics database (the app's") and "no table 'faxes'" in e for e in report.errors)


def test_it_refuses_a_duckdb_url_without_a_file(tmp_path: Path) -> None:
    with pytest.raises(AnalyticsUnavailable, match=r"no DuckDB file at .*missing\.duckdb"):
        open_analytics(f"duckdb://{tmp_path}/missing.duckdb")
    assert not (tmp_path / "missing.duckdb").exists()


def test_it_says_an_unreachable_postgres_url_in_one_sentence_without_the_password() -> None:
    with pytest.raises(AnalyticsUnavailable) as raised:
        open_analytics("postgresql://analyst:s3cret@127.0.0.1:1/warehouse?connect_timeout=2")
    message = str(raised.value)
    assert message.startswith("CARELOOP_ANALYTICS_URL (postgresql://analyst:***@127.0.0.1:1/warehouse")
    assert "could not be opened" in message and "s3cret" not in message and "\n" not in message


def test_it_refuses_an_unknown_kind_of_url() -> None:
    with pytest.raises(AnalyticsUnavailable, match=r"CARELOOP_ANALYTICS_URL \(nosuchengine://x\)"):
        open_analytics("nosuchengine://x")


def test_it_names_the_standard_when_the_warehouse_lacks_a_table(db: Any, tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    rooming_standard()
    report = recompute_measurements(as_of=AS_OF, analytics_url=f"duckdb://{path}")
    assert report.errors == [
        f"Standard 'arrival-to-rooming': the analytics database (duckdb://{path}) has no table 'visits'; "
        "load the canonical visits table there (docs/measures.md)."
    ]


def test_it_reads_the_analytics_url_from_the_environment(db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARELOOP_ANALYTICS_URL", f"duckdb://{tmp_path}/nothing-here.duckdb")
    rooming_standard()
    with pytest.raises(AnalyticsUnavailable, match="no DuckDB file"):
        recompute_measurements(as_of=AS_OF)
