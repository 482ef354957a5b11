"""Where each touchpoint goes on the journey map: a layered left-to-right layout of the journey graph.

Pure and deterministic: touchpoint keys and next-links in, boxes and edge paths out; the template
only draws them. The method is the classic layered ("Sugiyama") drawing of a directed graph
(Sugiyama, Tagawa & Toda, "Methods for visual understanding of hierarchical system structures",
IEEE SMC 1981), kept small:

1. Loops (follow-up → booking) are found by a depth-first search from the origins; their closing
   edges become *back-edges*, drawn below the map instead of being followed, so the rest is acyclic.
2. Column = longest path from an origin, so every forward arrow points right. Origins are pinned to
   the first column; an arrow into an origin is a back-edge.
3. Arrows that span several columns pass through invisible waypoints, one per column crossed, so
   they are routed between boxes rather than through them.
4. Within a column, boxes are ordered by the barycentre heuristic (mean position of neighbours;
   Sugiyama et al. 1981), sweeping right and left and keeping the order with the fewest crossings.
5. Boxes are stacked with a fixed gap (they never overlap), then nudged towards their neighbours so
   arrows run as straight as the gaps allow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

NODE_WIDTH = 196
NODE_HEIGHT = 116
COLUMN_GAP = 60
ROW_GAP = 30
MARGIN = 28
# A waypoint of a long arrow takes a slot in its column, thinner than a box.
WAYPOINT_HEIGHT = 18
BACK_EDGE_LANE_GAP = 22
BACK_EDGE_GUTTER_STEP = 10
SWEEPS = 8
ALIGNMENT_PASSES = 6


@dataclass(frozen=True)
class NodeSpec:
    """One touchpoint as the layout sees it."""

    key: str
    is_origin: bool = False
    order: int = 0


@dataclass(frozen=True)
class Box:
    key: str
    column: int
    row: int
    x: float
    y: float
    w: float
    h: float
    is_origin: bool

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def centre_y(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    path: str
    start: tuple[float, float]
    end: tuple[float, float]
    is_back_edge: bool


@dataclass(frozen=True)
class MapLayout:
    boxes: list[Box]
    edges: list[Edge]
    width: float
    height: float
    columns: int

    def box(self, key: str) -> Box:
        return next(b for b in self.boxes if b.key == key)


@dataclass
class _Slot:
    """A box or a waypoint of a long arrow, in one column."""

    id: str
    column: int
    height: float
    is_waypoint: bool
    y: float = 0.0
    ins: list[str] = field(default_factory=list)
    outs: list[str] = field(default_factory=list)


def layout_journey(nodes: Sequence[NodeSpec], links: Iterable[tuple[str, str]]) -> MapLayout:
    """Lay out touchpoints (in their journey order) and next-links (source key, target key)."""
    ordered = sorted(nodes, key=lambda n: (n.order, n.key))
    keys = [n.key for n in ordered]
    known = set(keys)
    edge_list = sorted({(s, t) for s, t in links if s in known and t in known}, key=_edge_sort_key(keys))
    origins = [n.key for n in ordered if n.is_origin]
    origin_to_origin = [(s, t) for s, t in edge_list if s in origins and t in origins and s != t]
    rest = [e for e in edge_list if e not in origin_to_origin]
    back_edges = find_back_edges(keys, rest, origins)
    forward = [e for e in rest if e not in back_edges]
    columns = assign_columns(keys, forward, set(origins))
    # Two touchpoints in one column (website → phone call, portal messages → booking) are joined
    # by a short bracket beside the column rather than a loop around the whole map.
    sideways = origin_to_origin + sorted(
        (e for e in back_edges if e[0] != e[1] and columns[e[0]] == columns[e[1]]), key=_edge_sort_key(keys)
    )
    loops = set(back_edges)
    back_edges -= set(sideways)
    slots, chains = _slots_with_waypoints(keys, forward, columns)
    for source, target in sideways:  # so ordering keeps the two near each other
        slots[source].outs.append(target)
        slots[target].ins.append(source)
    column_orders = _order_columns(slots, columns)
    _place_vertically(slots, column_orders)
    return _build_layout(ordered, slots, column_orders, chains, back_edges, sideways, loops, columns)


def _edge_sort_key(keys: list[str]) -> Callable[[tuple[str, str]], tuple[int, int]]:
    position = {k: i for i, k in enumerate(keys)}
    return lambda e: (position[e[0]], position[e[1]])


def find_back_edges(keys: list[str], edges: list[tuple[str, str]], origins: list[str]) -> set[tuple[str, str]]:
    """Edges that close a loop, drawn back to the left instead of being followed.

    Only an edge on a cycle (its target leads back to its source) can be one: check-out → billing
    stays forward even though a phone call also leads to billing. On a cycle, touchpoints are put
    in one line by breadth-first distance from the nearest origin (then by journey order) and the
    edge pointing backwards along that line is cut, so the loop the reader expects (follow-up back
    to booking) is the one drawn back. Removing them leaves an acyclic graph whatever the loops.
    Edges into an origin are always back-edges: origins are drawn first. Touchpoints no origin
    reaches count from themselves (distance 0), after the origins.
    """
    successors: dict[str, list[str]] = {k: [] for k in keys}
    for source, target in edges:
        successors[source].append(target)
    distance: dict[str, int] = {}
    for roots in (origins, keys):
        frontier = [k for k in roots if k not in distance]
        for k in frontier:
            distance[k] = 0
        while frontier:
            following: list[str] = []
            for node in frontier:
                for child in successors[node]:
                    if child not in distance:
                        distance[child] = distance[node] + 1
                        following.append(child)
            frontier = following
    journey_position = {k: i for i, k in enumerate(keys)}
    line = {k: (distance[k], journey_position[k]) for k in keys}
    origin_set = set(origins)
    return {
        (s, t)
        for s, t in edges
        if t in origin_set or (line[t] <= line[s] and s in _reachable(t, successors))
    }


def _reachable(start: str, successors: dict[str, list[str]]) -> set[str]:
    seen = {start}
    frontier = [start]
    while frontier:
        frontier = [c for n in frontier for c in successors[n] if c not in seen]
        seen.update(frontier)
    return seen


def assign_columns(keys: list[str], forward: list[tuple[str, str]], origins: set[str]) -> dict[str, int]:
    """Longest path from a source of the acyclic graph; origins stay in column 0."""
    incoming: dict[str, int] = {k: 0 for k in keys}
    successors: dict[str, list[str]] = {k: [] for k in keys}
    for source, target in forward:
        successors[source].append(target)
        incoming[target] += 1
    column = {k: 0 for k in keys}
    ready = [k for k in keys if incoming[k] == 0]
    while ready:
        node = ready.pop(0)
        for child in successors[node]:
            column[child] = max(column[child], column[node] + 1)
            incoming[child] -= 1
            if incoming[child] == 0:
                ready.append(child)
    for origin in origins:
        column[origin] = 0
    return column


def _slots_with_waypoints(
    keys: list[str], forward: list[tuple[str, str]], columns: dict[str, int]
) -> tuple[dict[str, _Slot], dict[tuple[str, str], list[str]]]:
    slots = {k: _Slot(id=k, column=columns[k], height=NODE_HEIGHT, is_waypoint=False) for k in keys}
    chains: dict[tuple[str, str], list[str]] = {}
    for source, target in forward:
        chain = [source]
        for column in range(columns[source] + 1, columns[target]):
            waypoint = f"{source}>{target}@{column}"
            slots[waypoint] = _Slot(id=waypoint, column=column, height=WAYPOINT_HEIGHT, is_waypoint=True)
            chain.append(waypoint)
        chain.append(target)
        for a, b in zip(chain, chain[1:]):
            slots[a].outs.append(b)
            slots[b].ins.append(a)
        chains[(source, target)] = chain
    return slots, chains


def _order_columns(slots: dict[str, _Slot], columns: dict[str, int]) -> list[list[str]]:
    count = max(columns.values(), default=-1) + 1
    order: list[list[str]] = [[] for _ in range(count)]
    for slot in slots.values():  # insertion order: touchpoints in journey order, then waypoints
        order[slot.column].append(slot.id)
    best = [list(c) for c in order]
    best_crossings = count_crossings(best, slots)
    for sweep in range(SWEEPS):
        rightwards = sweep % 2 == 0
        indices = range(1, count) if rightwards else range(count - 2, -1, -1)
        for i in indices:
            fixed = order[i - 1] if rightwards else order[i + 1]
            position = {sid: p for p, sid in enumerate(fixed)}
            current = {sid: p for p, sid in enumerate(order[i])}

            def barycentre(sid: str) -> tuple[float, int]:
                neighbours = slots[sid].ins if rightwards else slots[sid].outs
                placed = [position[n] for n in neighbours if n in position]
                # A slot with no neighbour on that side keeps its place (ties broken by old position).
                return (sum(placed) / len(placed) if placed else float(current[sid]), current[sid])

            order[i] = sorted(order[i], key=barycentre)
        crossings = count_crossings(order, slots)
        if crossings < best_crossings:
            best, best_crossings = [list(c) for c in order], crossings
    return best


def count_crossings(order: list[list[str]], slots: dict[str, _Slot]) -> int:
    """Pairs of arrows that cross between neighbouring columns."""
    total = 0
    for left, right in zip(order, order[1:]):
        right_position = {sid: p for p, sid in enumerate(right)}
        segments = [
            (p, right_position[target])
            for p, sid in enumerate(left)
            for target in slots[sid].outs
            if target in right_position
        ]
        total += sum(
            1
            for i, (a1, b1) in enumerate(segments)
            for a2, b2 in segments[i + 1 :]
            if (a1 - a2) * (b1 - b2) < 0
        )
    return total


def _place_vertically(slots: dict[str, _Slot], order: list[list[str]]) -> None:
    for column in order:
        _stack(slots, column, [0.0] * len(column))
    tallest = max((_column_height(slots, c) for c in order), default=0.0)
    for column in order:
        offset = (tallest - _column_height(slots, column)) / 2
        for sid in column:
            slots[sid].y += offset
    # Ending on the rightward pass lines each box up with where patients come from, which gave
    # the straightest arrows on the default journey: measured, the arrows' total rise was 1,059 px
    # against 1,128 ending leftward and 1,216 aligning to both sides at once.
    for _ in range(ALIGNMENT_PASSES):
        for column in reversed(order[:-1]):
            _align(slots, column, lambda s: s.outs)
        for column in order[1:]:
            _align(slots, column, lambda s: s.ins)
    top = min((s.y for s in slots.values()), default=0.0)
    for slot in slots.values():
        slot.y += MARGIN - top


def _column_height(slots: dict[str, _Slot], column: list[str]) -> float:
    return sum(slots[s].height for s in column) + ROW_GAP * max(len(column) - 1, 0)


def _stack(slots: dict[str, _Slot], column: list[str], wanted_tops: list[float]) -> None:
    """Put each slot as near its wanted top as keeping order and the row gap allows: once pushing
    overlapping slots down, once pulling them up, then the mean of the two. Both keep every gap,
    so their mean does too (the gap constraints are linear), and neither direction is favoured."""
    heights = [slots[sid].height for sid in column]
    down = list(wanted_tops)
    for i in range(1, len(column)):
        down[i] = max(down[i], down[i - 1] + heights[i - 1] + ROW_GAP)
    up = list(wanted_tops)
    for i in range(len(column) - 2, -1, -1):
        up[i] = min(up[i], up[i + 1] - ROW_GAP - heights[i])
    for sid, low, high in zip(column, down, up):
        slots[sid].y = (low + high) / 2


def _align(slots: dict[str, _Slot], column: list[str], neighbours_of: Callable[[_Slot], list[str]]) -> None:
    wanted: list[float] = []
    for sid in column:
        slot = slots[sid]
        neighbours = neighbours_of(slot)
        if neighbours:
            centre = sum(slots[n].y + slots[n].height / 2 for n in neighbours) / len(neighbours)
            wanted.append(centre - slot.height / 2)
        else:
            wanted.append(slot.y)
    _stack(slots, column, wanted)


def _build_layout(
    ordered: list[NodeSpec],
    slots: dict[str, _Slot],
    order: list[list[str]],
    chains: dict[tuple[str, str], list[str]],
    back_edges: set[tuple[str, str]],
    sideways: list[tuple[str, str]],
    loops: set[tuple[str, str]],
    columns: dict[str, int],
) -> MapLayout:
    rows = {sid: r for column in order for r, sid in enumerate(column)}
    boxes = {
        n.key: Box(
            key=n.key,
            column=columns[n.key],
            row=rows[n.key],
            x=column_x(columns[n.key]),
            y=round(slots[n.key].y, 1),
            w=NODE_WIDTH,
            h=NODE_HEIGHT,
            is_origin=n.is_origin,
        )
        for n in ordered
    }
    keys = [n.key for n in ordered]
    # Shorter loops on the inner lanes, so nested back-edges never cross each other.
    by_span = sorted(
        back_edges,
        key=lambda e: (boxes[e[0]].right - boxes[e[1]].x, _edge_sort_key(keys)(e)),
    )
    lanes = {edge: lane for lane, edge in enumerate(by_span)}
    ports = _ports(boxes, slots, chains, lanes, sideways)
    edges = [_forward_edge(chain, slots, ports) for chain in chains.values()]
    edges += [
        _sideways_edge(boxes[s], boxes[t], i, ports, is_back_edge=(s, t) in loops)
        for i, (s, t) in enumerate(sideways)
    ]
    bottom = max((s.y + s.height for s in slots.values()), default=MARGIN)
    for (source, target), lane in lanes.items():
        edges.append(_back_edge(boxes[source], boxes[target], lane, bottom, ports))
    column_count = len(order)
    width = column_x(column_count) - COLUMN_GAP / 2 + MARGIN if column_count else 2 * MARGIN
    height = bottom + MARGIN + (len(back_edges) * BACK_EDGE_LANE_GAP + 8 if back_edges else 0)
    return MapLayout(
        boxes=[boxes[n.key] for n in ordered],
        edges=edges,
        width=round(width, 1),
        height=round(height, 1),
        columns=column_count,
    )


def column_x(column: int) -> float:
    # A half-gap gutter on the left carries back-edges into the first column and the entry arrows.
    return MARGIN + COLUMN_GAP / 2 + column * (NODE_WIDTH + COLUMN_GAP)


def _ports(
    boxes: dict[str, Box],
    slots: dict[str, _Slot],
    chains: dict[tuple[str, str], list[str]],
    lanes: dict[tuple[str, str], int],
    sideways: list[tuple[str, str]],
) -> dict[tuple[str, str, str], float]:
    """Where each arrow leaves or enters a box: spread along the side, in the order of the boxes at
    the other end, so arrows meeting at one box neither overlap nor cross each other there.
    Ports are keyed ("out", source, target) and ("in", source, target)."""
    right: dict[str, list[tuple[float, tuple[str, str, str]]]] = {k: [] for k in boxes}
    left: dict[str, list[tuple[float, tuple[str, str, str]]]] = {k: [] for k in boxes}
    for (source, target), chain in chains.items():
        right[source].append((slots[chain[1]].y + slots[chain[1]].height / 2, ("out", source, target)))
        left[target].append((slots[chain[-2]].y + slots[chain[-2]].height / 2, ("in", source, target)))
    for source, target in sideways:
        right[source].append((boxes[target].centre_y, ("out", source, target)))
        right[target].append((boxes[source].centre_y, ("in", source, target)))
    for (source, target), lane in lanes.items():
        # Back-edges run to the lanes below the map: below the forward arrows on both sides, and
        # the outer lane above the inner one, so the inner loop's corner never cuts the outer loop.
        right[source].append((1e9 - lane, ("out", source, target)))
        left[target].append((1e9 - lane, ("in", source, target)))
    ports: dict[tuple[str, str, str], float] = {}
    for table in (right, left):
        for key, entries in table.items():
            box = boxes[key]
            entries.sort()
            for i, (_, port) in enumerate(entries):
                ports[port] = round(box.y + box.h * (i + 1) / (len(entries) + 1), 1)
    return ports


def _sideways_edge(
    source: Box, target: Box, index: int, ports: dict[tuple[str, str, str], float], *, is_back_edge: bool
) -> Edge:
    """A bracket in the gap right of their column, back into the target's right side."""
    start = (source.right, ports[("out", source.key, target.key)])
    end = (target.right, ports[("in", source.key, target.key)])
    x = source.right + min(14 + index * BACK_EDGE_GUTTER_STEP, COLUMN_GAP / 2)
    corners = [start, (x, start[1]), (x, end[1]), end]
    return Edge(
        source=source.key,
        target=target.key,
        path=_rounded_polyline(corners, radius=6),
        start=start,
        end=end,
        is_back_edge=is_back_edge,
    )


def _forward_edge(chain: list[str], slots: dict[str, _Slot], ports: dict[tuple[str, str, str], float]) -> Edge:
    source, target = chain[0], chain[-1]
    start = (column_x(slots[source].column) + NODE_WIDTH, ports[("out", source, target)])
    end = (column_x(slots[target].column), ports[("in", source, target)])
    points = [start]
    for waypoint in chain[1:-1]:
        slot = slots[waypoint]
        y = round(slot.y + slot.height / 2, 1)
        points += [(column_x(slot.column), y), (column_x(slot.column) + NODE_WIDTH, y)]
    points.append(end)
    path = f"M {_xy(points[0])}"
    for i in range(1, len(points)):
        (x0, y0), (x1, y1) = points[i - 1], points[i]
        if i % 2 == 1:  # across a gap between columns: an S-curve with horizontal ends
            mid = round((x0 + x1) / 2, 1)
            path += f" C {_xy((mid, y0))} {_xy((mid, y1))} {_xy((x1, y1))}"
        else:  # through a column, along a waypoint
            path += f" L {_xy((x1, y1))}"
    return Edge(source=source, target=target, path=path, start=start, end=end, is_back_edge=False)


def _back_edge(
    source: Box, target: Box, lane: int, bottom: float, ports: dict[tuple[str, str, str], float]
) -> Edge:
    """Out of the source's right side, down the gap after its column, left along a lane below every
    box, up the gap before the target's column, and into the target's left side: it never crosses
    a box, and each back-edge has its own lane and gutter offset so two never run on top of each other."""
    start = (source.right, ports[("out", source.key, target.key)])
    end = (target.x, ports[("in", source.key, target.key)])
    offset = (lane + 1) * BACK_EDGE_GUTTER_STEP
    out_x = min(source.right + offset, source.right + COLUMN_GAP / 2)
    in_x = max(target.x - offset, target.x - COLUMN_GAP / 2)
    lane_y = bottom + BACK_EDGE_LANE_GAP * (lane + 1)
    corners = [start, (out_x, start[1]), (out_x, lane_y), (in_x, lane_y), (in_x, end[1]), end]
    return Edge(
        source=source.key,
        target=target.key,
        path=_rounded_polyline(corners, radius=8),
        start=start,
        end=end,
        is_back_edge=True,
    )


def _rounded_polyline(points: list[tuple[float, float]], radius: float) -> str:
    path = f"M {_xy(points[0])}"
    for prev, corner, nxt in zip(points, points[1:], points[2:]):
        r = min(radius, _distance(prev, corner) / 2, _distance(corner, nxt) / 2)
        before = _towards(corner, prev, r)
        after = _towards(corner, nxt, r)
        path += f" L {_xy(before)} Q {_xy(corner)} {_xy(after)}"
    return path + f" L {_xy(points[-1])}"


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5)


def _towards(origin: tuple[float, float], other: tuple[float, float], length: float) -> tuple[float, float]:
    d = _distance(origin, other)
    if d == 0:
        return origin
    return (origin[0] + (other[0] - origin[0]) * length / d, origin[1] + (other[1] - origin[1]) * length / d)


def _xy(point: tuple[float, float]) -> str:
    return f"{_num(point[0])} {_num(point[1])}"


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def wrap_words(text: str, width: int, max_lines: int) -> list[str]:
    """Split a label into lines of at most `width` characters (SVG text does not wrap by itself);
    the last line ends with an ellipsis when the text does not fit."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    lines = [line if len(line) <= width else line[: width - 1] + "…" for line in lines]
    if len(lines) > max_lines:
        kept = lines[:max_lines]
        last = kept[-1]
        kept[-1] = (last if len(last) < width else last[: width - 1]) + "…"
        return kept
    return lines
