"""The cross-backend comparison on Spark (pyspark in local mode, through Ibis' pyspark backend): the
same practice, written to Parquet, read by Spark, measured by the engine, equal to the pure-Python
reference. Spark is optional (the extra careloop[spark], and Java 17): run with CARELOOP_TEST_SPARK=1,
e.g. `CARELOOP_TEST_SPARK=1 pytest -n0 -m spark tests/measures/test_cross_backend_spark.py`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from careloop.journeys.models import Journey
from careloop.measures.warehouse import copy_events_to_parquet
from tests.measures.cross_backend_events import AS_OF, EventRows
from tests.measures.reference import Rules, measure
from tests.measures.test_cross_backend import FEDERAL_2025, NEW_YORK, assert_same, measured_on, practice, specs

__all__ = ["practice"]

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(os.environ.get("CARELOOP_TEST_SPARK") != "1", reason="Spark runs only with CARELOOP_TEST_SPARK=1"),
]
# One core and two shuffle partitions: a test-sized job, not a cluster's defaults (200 partitions).
SPARK_OPTIONS = "spark.master=local[1]&spark.ui.enabled=false&spark.sql.shuffle.partitions=2"


def test_it_gives_the_reference_numbers_on_spark(practice: EventRows, default_journey: Journey, tmp_path: Path) -> None:
    reference = measure(specs(default_journey), practice.tables, Rules(NEW_YORK, AS_OF, FEDERAL_2025))
    copy_events_to_parquet(tmp_path / "parquet")
    assert_same(measured_on(f"pyspark+parquet://{tmp_path}/parquet?{SPARK_OPTIONS}"), reference, "Spark")
