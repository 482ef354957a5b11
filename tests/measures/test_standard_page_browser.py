"""The standard page's SPC chart in real headless Chromium: it renders under the strict CSP with
no console errors, and a screenshot shows the concern colour exactly where the concern point is
(and not where the common-cause points are). No pixel-exact baseline: fonts differ by version."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from careloop.measures.models import Measurement
from careloop.measures.spc_chart import POINT_LOOKS
from tests.conftest import Cast
from tests.measures.engine_events import rooming_standard

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CONCERN = POINT_LOOKS["special_cause_concern"].colour
COMMON = POINT_LOOKS["common_cause"].colour

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _pixels_near(image: Image.Image, colour: str, tolerance: int = 12) -> int:
    target = _rgb(colour)
    total = 0
    for count, pixel in image.getcolors(maxcolors=1 << 24) or []:
        assert isinstance(pixel, tuple)
        if all(abs(int(c) - t) <= tolerance for c, t in zip(pixel[:3], target)):
            total += count
    return total


def test_it_draws_the_concern_point_in_orange_where_it_is(page_as: Any, live_server: Any, cast: Cast) -> None:
    standard = rooming_standard(min_n=5)
    # 16 weeks alternating 72 % and 88 % (no run, no trend) and, in the middle, a week at 10 %:
    # far below the lower limit (Laney p': p = 645/850, sigma_z = 2.3, lower limit 0.36), a concern.
    shares = [36, 44] * 8
    shares.insert(8, 5)
    monday = date(2025, 1, 6)
    for week, met in enumerate(shares):
        start = monday + timedelta(weeks=week)
        Measurement.objects.create(
            standard=standard, period_kind="week", period_start=start, period_end=start + timedelta(days=7),
            n=50, n_met=met, share=met / 50, goal_met=met / 50 >= standard.goal,
        )
    page = page_as(cast.maria)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in {"error", "warning"} else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(f"{live_server.url}/measures/standards/arrival-to-rooming/")
    page.wait_for_load_state("networkidle")
    assert problems == []

    concern = page.locator("svg.spc-chart .point.special_cause_concern")
    assert concern.count() == 1
    assert page.locator("svg.spc-chart .point.common_cause").count() == 16
    box = concern.bounding_box()
    common_box = page.locator("svg.spc-chart .point.common_cause").first.bounding_box()

    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "spc-chart.png"
    page.screenshot(path=str(path), full_page=True)
    image = Image.open(path).convert("RGB")
    scroll = page.evaluate("window.scrollY")

    def crop(b: dict[str, float]) -> Image.Image:
        left, top = int(b["x"]) - 2, int(b["y"] + scroll) - 2
        return image.crop((left, top, left + int(b["width"]) + 4, top + int(b["height"]) + 4))

    at_concern = crop(box)
    # A diamond fills half its bounding box, less its white outline and anti-aliased edges.
    assert _pixels_near(at_concern, CONCERN) > 0.15 * box["width"] * box["height"]
    assert _pixels_near(crop(common_box), CONCERN) == 0
    assert _pixels_near(crop(common_box), COMMON) > 0.15 * common_box["width"] * common_box["height"]
    # The text alternative is on the page too.
    assert "Special cause: concern (outside limits)" in page.locator("table.values").inner_text()
