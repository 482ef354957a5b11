"""The journey map in real headless Chromium: it renders cleanly under the strict CSP, every
touchpoint is a visible, non-overlapping, clickable and keyboard-reachable box, and a screenshot
shows the state colours. No pixel-exact baseline: Chromium versions render text differently."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from careloop.journeys.map_layout import NODE_WIDTH
from careloop.journeys.models import Journey, Touchpoint
from careloop.journeys.standard_status import LOOKS, State
from tests.conftest import Cast
from tests.journeys.map_sample import TOUCHPOINTS, build_sample_journey

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
README_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "journey-map.png"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_map(page_as: Any, live_server: Any, cast: Cast) -> tuple[Any, list[str]]:
    page = page_as(cast.maria)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in {"error", "warning"} else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(f"{live_server.url}/journey/")
    page.wait_for_load_state("networkidle")
    return page, problems


def _hex_to_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _count_near(image: Image.Image, colour: str, tolerance: int = 6) -> int:
    target = _hex_to_rgb(colour)
    total = 0
    for count, pixel in image.getcolors(maxcolors=1 << 24) or []:
        assert isinstance(pixel, tuple)
        if all(abs(int(c) - t) <= tolerance for c, t in zip(pixel[:3], target)):
            total += count
    return total


def test_it_draws_every_touchpoint_inside_the_map_without_overlap_or_console_errors(
    page_as: Any, live_server: Any, cast: Cast
) -> None:
    build_sample_journey()
    page, problems = _open_map(page_as, live_server, cast)

    svg = page.locator("svg.map-svg").bounding_box()
    nodes = page.locator("svg.map-svg a.node")
    assert nodes.count() == len(TOUCHPOINTS)
    boxes = []
    for i in range(nodes.count()):
        node = nodes.nth(i)
        assert node.is_visible()
        box = node.locator("rect.node-box").bounding_box()
        boxes.append((node.get_attribute("data-key"), box))
        assert svg["x"] <= box["x"] and box["x"] + box["width"] <= svg["x"] + svg["width"] + 0.5
        assert svg["y"] <= box["y"] and box["y"] + box["height"] <= svg["y"] + svg["height"] + 0.5
    for i, (key_a, a) in enumerate(boxes):
        for key_b, b in boxes[i + 1 :]:
            overlap_x = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
            overlap_y = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
            assert overlap_x <= 0 or overlap_y <= 0, f"{key_a} overlaps {key_b}"
    # Every arrow of the sample is drawn, and the two loops from follow-up as dashed back-edges.
    assert page.locator("svg.map-svg path.edge").count() == 14
    back = {(p.get_attribute("data-source"), p.get_attribute("data-target")) for p in page.locator("path.edge-back").all()}
    assert back == {("follow-up", "phone-call"), ("follow-up", "online-booking")}
    assert problems == []


def test_it_opens_the_touchpoint_page_when_a_box_is_clicked(page_as: Any, live_server: Any, cast: Cast) -> None:
    build_sample_journey()
    page, problems = _open_map(page_as, live_server, cast)
    page.locator('a.node[data-key="waiting-room"]').click()
    page.wait_for_url(f"{live_server.url}/journey/touchpoints/waiting-room/")
    assert page.locator("h1").inner_text() == "Waiting room"
    assert "arrival → roomed, minutes" in page.locator("table.standards").inner_text()
    assert problems == []


def test_it_reaches_the_touchpoint_links_with_the_tab_key(page_as: Any, live_server: Any, cast: Cast) -> None:
    build_sample_journey()
    page, _ = _open_map(page_as, live_server, cast)
    reached: list[str] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        key = page.evaluate("document.activeElement && document.activeElement.getAttribute('data-key')")
        if key:
            reached.append(key)
    assert set(reached) == {t[0] for t in TOUCHPOINTS}
    # The focused box's accessible name says what it is, its owner and its state.
    page.locator('a.node[data-key="check-in"]').focus()
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label == "Check-in: In person; owner Dana Reyes; No data yet"


def test_it_takes_a_screenshot_showing_the_state_colours(page_as: Any, live_server: Any, cast: Cast) -> None:
    build_sample_journey()
    page, problems = _open_map(page_as, live_server, cast)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "journey-map.png"
    page.screenshot(path=str(path), full_page=True)

    image = Image.open(path).convert("RGB")
    assert image.width >= 1000 and image.height >= 500
    assert len(image.getcolors(maxcolors=1 << 24) or []) > 50, "the screenshot is (nearly) blank"
    # Every touchpoint has no data yet: its band colour covers much more than the legend swatch.
    no_data = _count_near(image, LOOKS[State.NO_DATA].fill, tolerance=2)
    band_pixels = 196 * 20 * 0.5  # at least half of one box's band, after scaling to the page width
    assert no_data > band_pixels * Touchpoint.objects.count() * 0.5
    # The legend shows the other three states' colours, and they appear nowhere else on the map.
    for state in (State.MET, State.NOT_MET):
        assert 200 <= _count_near(image, LOOKS[state].fill) < 2000, state
    assert problems == []


def test_it_draws_the_default_journey_legibly_and_can_refresh_the_readme_screenshot(
    page_as: Any, live_server: Any, cast: Cast, default_journey: Journey
) -> None:
    """What a practice sees after `careloop init`. Wide enough to show the map at its natural size;
    CARELOOP_UPDATE_SCREENSHOTS=1 copies the picture to docs/img for the README."""
    page, problems = _open_map(page_as, live_server, cast)
    width = float(page.locator("svg.map-svg").get_attribute("width"))
    page.set_viewport_size({"width": int(width) + 80, "height": 1000})
    page.reload()
    page.wait_for_load_state("networkidle")
    svg = page.locator("svg.map-svg").bounding_box()
    assert abs(svg["width"] - width) < 1  # drawn at its natural size: text at its designed size
    boxes = [n.locator("rect.node-box").bounding_box() for n in page.locator("a.node").all()]
    assert len(boxes) == default_journey.touchpoints.count()
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"] or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
    # No name runs out of its box: each text line ends inside the box it belongs to.
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('a.node')].filter(node => {
            const box = node.querySelector('rect.node-box').getBoundingClientRect();
            return [...node.querySelectorAll('text')].some(t => t.getBoundingClientRect().right > box.right - 4);
        }).map(node => node.dataset.key)"""
    )
    assert overflowing == []
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "journey-map-default.png"
    page.screenshot(path=str(path), full_page=True)
    image = Image.open(path).convert("RGB")
    assert _count_near(image, LOOKS[State.NO_DATA].fill, tolerance=2) > NODE_WIDTH * 20 * len(boxes) * 0.8
    assert problems == []
    if os.environ.get("CARELOOP_UPDATE_SCREENSHOTS") == "1":
        README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, README_SCREENSHOT)


def test_it_prints_the_default_journey_on_one_landscape_page(
    page_as: Any, live_server: Any, cast: Cast, default_journey: Journey
) -> None:
    page, _ = _open_map(page_as, live_server, cast)
    page.emulate_media(media="print")
    assert page.locator("header.topbar").is_hidden()
    assert page.locator("section.touchpoint-list").is_hidden()
    assert page.locator("svg.map-svg").is_visible()
    pdf = page.pdf(landscape=True, format="A4")
    # Each page of a PDF is one "/Type /Page" object ("/Type /Pages" is the page tree).
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
