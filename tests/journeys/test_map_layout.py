"""The journey map's layout: a pure function from touchpoints and next-links to boxes and arrows."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from careloop.journeys.map_layout import (
    COLUMN_GAP,
    NODE_HEIGHT,
    NODE_WIDTH,
    Box,
    MapLayout,
    NodeSpec,
    count_crossings,
    find_back_edges,
    layout_journey,
    wrap_words,
)
from tests.journeys.map_sample import LINKS, TOUCHPOINTS

SAMPLE_NODES = [NodeSpec(key, is_origin, i) for i, (key, _, _, is_origin, _) in enumerate(TOUCHPOINTS)]


def _sample() -> MapLayout:
    return layout_journey(SAMPLE_NODES, LINKS)


def _overlap(a: Box, b: Box) -> bool:
    return a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom


def _path_end(path: str) -> tuple[float, float]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path)]
    return numbers[-2], numbers[-1]


def _path_start(path: str) -> tuple[float, float]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path)]
    return numbers[0], numbers[1]


def test_it_puts_origins_in_the_first_column_and_every_forward_arrow_rightwards() -> None:
    layout = _sample()
    columns = {b.key: b.column for b in layout.boxes}
    assert {k for k, c in columns.items() if c == 0} == {"phone-call", "website", "referral-in"}
    # Longest path from an origin, worked by hand: phone call → (waypoint) → check-in, because
    # website → online booking → check-in is two steps.
    assert columns == {
        "phone-call": 0,
        "website": 0,
        "referral-in": 0,
        "online-booking": 1,
        "check-in": 2,
        "waiting-room": 3,
        "visit": 4,
        "check-out": 5,
        "referral-out": 6,
        "billing": 6,
        "follow-up": 7,
    }
    assert layout.columns == 8


def test_it_never_overlaps_two_boxes() -> None:
    layout = _sample()
    for i, a in enumerate(layout.boxes):
        for b in layout.boxes[i + 1 :]:
            assert not _overlap(a, b), (a.key, b.key)


def test_it_keeps_every_box_and_arrow_inside_the_drawing() -> None:
    layout = _sample()
    for box in layout.boxes:
        assert 0 <= box.x and box.right <= layout.width and 0 <= box.y and box.bottom <= layout.height
    for edge in layout.edges:
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", edge.path)]
        xs, ys = numbers[0::2], numbers[1::2]
        assert min(xs) >= 0 and max(xs) <= layout.width, edge
        assert min(ys) >= 0 and max(ys) <= layout.height, edge


def test_it_starts_each_arrow_on_its_source_and_ends_it_on_its_target() -> None:
    layout = _sample()
    assert sorted((e.source, e.target) for e in layout.edges) == sorted(LINKS)
    for edge in layout.edges:
        source, target = layout.box(edge.source), layout.box(edge.target)
        assert _path_start(edge.path) == edge.start
        assert _path_end(edge.path) == edge.end
        # Out of the source's right side, into the target's left side (or right side for a
        # bracket within one column), at a height inside the box.
        assert edge.start[0] == source.right and source.y < edge.start[1] < source.bottom
        assert edge.end[0] in (target.x, target.right) and target.y < edge.end[1] < target.bottom


def test_it_draws_loops_as_back_edges_below_the_map() -> None:
    layout = _sample()
    back = {(e.source, e.target) for e in layout.edges if e.is_back_edge}
    assert back == {("follow-up", "phone-call"), ("follow-up", "online-booking")}
    lowest_box = max(b.bottom for b in layout.boxes)
    lanes = []
    for edge in layout.edges:
        if edge.is_back_edge:
            ys = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", edge.path)][1::2]
            assert max(ys) > lowest_box  # it runs below every box, not through them
            lanes.append(max(ys))
    assert len(set(lanes)) == 2  # each loop has its own lane


def test_it_joins_two_origins_with_a_bracket_beside_the_first_column() -> None:
    layout = _sample()
    edge = next(e for e in layout.edges if (e.source, e.target) == ("referral-in", "phone-call"))
    assert not edge.is_back_edge
    source, target = layout.box("referral-in"), layout.box("phone-call")
    assert edge.end == (target.right, edge.end[1])
    xs = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", edge.path)][0::2]
    assert source.right < max(xs) <= source.right + COLUMN_GAP / 2


def test_it_finds_back_edges_only_on_cycles() -> None:
    keys = ["a", "b", "c", "d"]
    # a → b → c → b is a loop; a → d and c → d are not, though d is closer to a than c is.
    edges = [("a", "b"), ("b", "c"), ("c", "b"), ("a", "d"), ("c", "d")]
    assert find_back_edges(keys, edges, ["a"]) == {("c", "b")}


def test_it_survives_a_self_loop_and_a_cycle_without_an_origin() -> None:
    nodes = [NodeSpec("a", True, 0), NodeSpec("b", False, 1), NodeSpec("x", False, 2), NodeSpec("y", False, 3)]
    layout = layout_journey(nodes, [("a", "b"), ("b", "b"), ("x", "y"), ("y", "x")])
    assert {(e.source, e.target) for e in layout.edges if e.is_back_edge} == {("b", "b"), ("y", "x")}
    assert {b.key: b.column for b in layout.boxes} == {"a": 0, "b": 1, "x": 0, "y": 1}


def test_it_orders_columns_to_avoid_crossings() -> None:
    # Two parallel lanes given in a crossing order: a1 → b2, a2 → b1 can be drawn without a cross.
    nodes = [NodeSpec("a1", True, 0), NodeSpec("a2", True, 1), NodeSpec("b1", False, 2), NodeSpec("b2", False, 3)]
    layout = layout_journey(nodes, [("a1", "b2"), ("a2", "b1")])
    rows = {b.key: b.row for b in layout.boxes}
    assert (rows["a1"] < rows["a2"]) == (rows["b2"] < rows["b1"])


def test_it_counts_crossings_between_neighbouring_columns() -> None:
    from careloop.journeys.map_layout import _Slot

    slots = {k: _Slot(id=k, column=0 if k.startswith("a") else 1, height=1, is_waypoint=False) for k in ("a1", "a2", "b1", "b2")}
    slots["a1"].outs, slots["a2"].outs = ["b2"], ["b1"]
    assert count_crossings([["a1", "a2"], ["b1", "b2"]], slots) == 1
    assert count_crossings([["a1", "a2"], ["b2", "b1"]], slots) == 0


def test_it_routes_long_arrows_between_boxes_through_waypoints() -> None:
    layout = _sample()
    edge = next(e for e in layout.edges if (e.source, e.target) == ("phone-call", "check-in"))
    # One straight run across column 1 (where online booking is), clear of its box.
    run = re.search(r"L (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)", edge.path)
    assert run is not None
    y = float(run.group(2))
    booking = layout.box("online-booking")
    assert not (booking.y <= y <= booking.bottom)


def test_it_is_deterministic_whatever_order_the_links_come_in() -> None:
    first = _sample()
    second = layout_journey(list(reversed(SAMPLE_NODES)), list(reversed(LINKS)))
    assert first == second


def test_it_lays_out_an_empty_journey() -> None:
    layout = layout_journey([], [])
    assert layout.boxes == [] and layout.edges == [] and layout.columns == 0


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=12).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.booleans(), min_size=n, max_size=n),
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n),
        )
    )
)
def test_it_never_overlaps_boxes_or_loses_an_arrow_on_any_graph(graph: tuple[int, list[bool], list[tuple[int, int]]]) -> None:
    n, origin_flags, pairs = graph
    nodes = [NodeSpec(f"t{i}", origin_flags[i], i) for i in range(n)]
    links = {(f"t{a}", f"t{b}") for a, b in pairs}
    layout = layout_journey(nodes, links)
    assert len(layout.boxes) == n
    assert {(e.source, e.target) for e in layout.edges} == links
    for i, a in enumerate(layout.boxes):
        assert (a.w, a.h) == (NODE_WIDTH, NODE_HEIGHT)
        assert not a.is_origin or a.column == 0
        for b in layout.boxes[i + 1 :]:
            assert not _overlap(a, b)
    for edge in layout.edges:
        if not edge.is_back_edge and layout.box(edge.source).column != layout.box(edge.target).column:
            assert layout.box(edge.source).column < layout.box(edge.target).column


def test_it_wraps_a_long_name_on_two_lines_with_an_ellipsis_when_it_does_not_fit() -> None:
    assert wrap_words("Reminders and confirmation", 17, 2) == ["Reminders and", "confirmation"]
    assert wrap_words("Check-in", 17, 2) == ["Check-in"]
    assert wrap_words("Referral to a specialist clinic elsewhere", 17, 2) == ["Referral to a", "specialist clini…"]  # at most 17 characters with the ellipsis
    assert wrap_words("Supercalifragilisticexpialidocious", 10, 2) == ["Supercali…"]
