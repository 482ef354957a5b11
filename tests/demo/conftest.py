"""Fixtures of the demo's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def home(settings: Any, tmp_path: Path) -> Path:
    """A workspace of the test's own, no demo ever built in it (settings.HOME)."""
    settings.HOME = tmp_path
    return tmp_path
