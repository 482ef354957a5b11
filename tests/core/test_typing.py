"""The whole tree stays `mypy --strict` clean (configuration in pyproject.toml): a type error is a
test failure, not a warning someone may read."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.backend_neutral  # a static check of the source
def test_it_type_checks_the_package_and_the_tests_strictly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    # No incremental cache: the django-stubs plugin can read a stale one after a model is added.
    report, errors, status = api.run(["--no-incremental", "careloop", "tests"])
    assert status == 0, report + errors
    assert "Success: no issues found" in report
