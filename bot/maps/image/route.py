"""A map image's edges: where each support and attack runs between two boxes, and how it is drawn."""

from __future__ import annotations

import itertools
import math

from PIL import ImageDraw

from bot.debates.model import DebateMap, Link
from bot.maps.image.layout import BOX_HEIGHT, BOX_WIDTH, LEVEL_GAP, SIBLING_GAP, Box, Drawing, Frame, box_frame

SUPPORT_COLOUR = (46, 125, 50)
ATTACK_COLOUR = (198, 40, 40)
# A plain reply (responds_to): it answers without supporting or attacking, so it is drawn neutral.
REPLY_COLOUR = (120, 120, 120)
EDGE_WIDTH = 2
DASH, DASH_GAP = 9, 6

Point = tuple[float, float]
# A line kept this far from boxes it passes, so that it never seems to end at one.
CLEARANCE = 5.0
BEND_COST = 60.0


def route_edges(debate_map: DebateMap, drawing: Drawing) -> list[tuple[str, list[Point]]]:
    """Return (relation, path) for every support, attack and plain reply between two drawn arguments.

    An answer's edge leaves its top and enters the bottom of the argument it answers (or the facing sides, on one
    level). Edges into or out of one side of a box are spread along it in the order of their other ends, so that
    arrowheads do not pile up. An edge that would pass under another box (an answer to a second argument, drawn
    elsewhere) runs round the boxes through the gaps between them instead.
    """
    boxes = drawing.boxes
    plan: list[tuple[Link, str, str]] = []
    entries: dict[tuple[int, str], list[tuple[float, int]]] = {}
    exits: dict[tuple[int, str], list[tuple[float, int]]] = {}
    for link in debate_map.relations:
        source, target = boxes.get(link.source_id), boxes.get(link.target_id)
        if source is None or target is None:
            continue
        if source.y != target.y:
            exit_side, entry_side = ("top", "bottom") if source.y > target.y else ("bottom", "top")
        else:
            exit_side, entry_side = ("left", "right") if source.x > target.x else ("right", "left")
        entries.setdefault((link.target_id, entry_side), []).append((source.x, link.id))
        exits.setdefault((link.source_id, exit_side), []).append((target.x, link.id))
        plan.append((link, exit_side, entry_side))
    slots: dict[int, float] = {}
    for found in entries.values():
        for rank, (_, link_id) in enumerate(sorted(found)):
            slots[link_id] = (rank + 1) / (len(found) + 1)
    starts: dict[int, float] = {}
    for found in exits.values():
        for rank, (_, link_id) in enumerate(sorted(found)):
            starts[link_id] = 0.5 + 0.5 * ((rank + 1) / (len(found) + 1) - 0.5)
    frames = {argument_id: box_frame(box) for argument_id, box in boxes.items()}
    obstacles = [*drawing.headings]
    edges = []
    for link, exit_side, entry_side in plan:
        source, target = boxes[link.source_id], boxes[link.target_id]
        end = _anchor(target, entry_side, slots[link.id])
        path = [_anchor(source, exit_side, starts[link.id]), end]
        in_the_way = obstacles + [f for i, f in frames.items() if i not in (link.source_id, link.target_id)]
        if _crossings(path, in_the_way):
            path = _detour(source, target, end if entry_side == "bottom" else None, in_the_way, drawing)
        edges.append((link.relation, path))
    return edges


def _detour(source: Box, target: Box, entry: Point | None, frames: list[Frame], drawing: Drawing) -> list[Point]:
    """Return the cheapest path of straight runs between two boxes through the gaps between the boxes in the way.

    The path leaves the source's top or bottom into the gap between levels, runs along it to a clear vertical lane
    (a gap between boxes, or beside them all), along the lane to the gap next to the target, and into the target.
    Of the paths that cross no box the shortest with fewest bends wins; if every path crosses one, the fewest.
    """
    half_gap = LEVEL_GAP / 2
    lanes = {source.x, target.x}
    for left, _, right, _ in [*frames, box_frame(source), box_frame(target)]:
        lanes.update((left - SIBLING_GAP / 2, right + SIBLING_GAP / 2))
    lanes = {x for x in lanes if 2 * CLEARANCE <= x <= drawing.width - 2 * CLEARANCE}
    best: tuple[tuple[int, float], list[Point]] | None = None
    toward = 1 if target.x >= source.x else -1
    for exit_side in ("top", "bottom"):
        start = _anchor(source, exit_side, 0.5 + 0.3 * toward)
        y1 = start[1] - half_gap if exit_side == "top" else start[1] + half_gap
        for entry_side in ("bottom", "top"):
            end = entry if entry is not None and entry_side == "bottom" else _anchor(target, entry_side, 0.5)
            y2 = end[1] + half_gap if entry_side == "bottom" else end[1] - half_gap
            if abs(y1 - y2) < 1:
                candidates = [[start, (start[0], y1), (end[0], y1), end]]
            else:
                candidates = [[start, (start[0], y1), (x, y1), (x, y2), (end[0], y2), end] for x in sorted(lanes)]
            for path in candidates:
                path = _simplify(path)
                cost = (
                    _crossings(path, frames),
                    sum(math.dist(p, q) for p, q in itertools.pairwise(path)) + BEND_COST * (len(path) - 2),
                )
                if best is None or cost < best[0]:
                    best = (cost, path)
    assert best is not None
    return best[1]


def _simplify(path: list[Point]) -> list[Point]:
    """Drop repeated points and points in the middle of a straight run."""
    points: list[Point] = []
    for point in path:
        if points and math.dist(points[-1], point) < 0.5:
            continue
        if len(points) >= 2:
            (xa, ya), (xb, yb) = points[-2], points[-1]
            if abs((xb - xa) * (point[1] - yb) - (yb - ya) * (point[0] - xb)) < 0.5:
                points[-1] = point
                continue
        points.append(point)
    return points


def _crossings(path: list[Point], frames: list[Frame]) -> int:
    """Return how many boxes a path of straight runs passes over or comes within CLEARANCE of."""
    crossed = 0
    for left, top, right, bottom in frames:
        box = (left - CLEARANCE, top - CLEARANCE, right + CLEARANCE, bottom + CLEARANCE)
        if any(_segment_hits(p, q, box) for p, q in itertools.pairwise(path)):
            crossed += 1
    return crossed


def _segment_hits(p: Point, q: Point, box: Frame) -> bool:
    """Return whether the segment from p to q meets a rectangle (Liang and Barsky's clipping)."""
    left, top, right, bottom = box
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for edge_p, edge_q in ((-dx, p[0] - left), (dx, right - p[0]), (-dy, p[1] - top), (dy, bottom - p[1])):
        if edge_p == 0:
            if edge_q < 0:
                return False
            continue
        t = edge_q / edge_p
        if edge_p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def _anchor(box: Box, side: str, fraction: float) -> Point:
    """Return the point a fraction of the way along one side of a box, keeping clear of its rounded corners."""
    left, top, right, bottom = box_frame(box)
    if side in ("top", "bottom"):
        return (left + 20 + (BOX_WIDTH - 40) * fraction, top if side == "top" else bottom)
    return (left if side == "left" else right, top + 20 + (BOX_HEIGHT - 40) * fraction)


def paint_edge(draw: ImageDraw.ImageDraw, relation: str, path: list[Point]) -> None:
    """Draw a support (solid, filled arrowhead), an attack (dashed, a bar across its end) or a plain reply (grey)."""
    (xa, ya), (x1, y1) = path[-2], path[-1]
    length = math.hypot(x1 - xa, y1 - ya) or 1.0
    ux, uy = (x1 - xa) / length, (y1 - ya) / length
    px, py = -uy, ux
    if relation == "responds_to":
        # Thin and grey, with an open arrowhead: a reply that says neither yes nor no.
        head = 11.0
        base = (x1 - ux * head, y1 - uy * head)
        draw.line([*_trim(path, 2.0)], fill=REPLY_COLOUR, width=EDGE_WIDTH - 1, joint="curve")
        for wing in (1, -1):
            draw.line((x1, y1, base[0] + wing * px * 6, base[1] + wing * py * 6), fill=REPLY_COLOUR, width=EDGE_WIDTH)
        return
    if relation == "supports":
        head = 13.0
        base = (x1 - ux * head, y1 - uy * head)
        draw.line([*_trim(path, head)], fill=SUPPORT_COLOUR, width=EDGE_WIDTH, joint="curve")
        draw.polygon(
            [(x1, y1), (base[0] + px * 6.5, base[1] + py * 6.5), (base[0] - px * 6.5, base[1] - py * 6.5)],
            fill=SUPPORT_COLOUR,
        )
        return
    # The bar stands clear of the box, so that it does not merge with a double border.
    for dash in _dashes(_trim(path, 6.0)):
        draw.line(dash, fill=ATTACK_COLOUR, width=EDGE_WIDTH, joint="curve")
    bar = (x1 - ux * 6, y1 - uy * 6)
    draw.line(
        (bar[0] + px * 9, bar[1] + py * 9, bar[0] - px * 9, bar[1] - py * 9), fill=ATTACK_COLOUR, width=EDGE_WIDTH + 1
    )


def _trim(path: list[Point], cut: float) -> list[Point]:
    """Return the path shortened by `cut` pixels at its end, to leave room for a head."""
    points = list(path)
    while len(points) > 1:
        (xa, ya), (xb, yb) = points[-2], points[-1]
        length = math.hypot(xb - xa, yb - ya)
        if length > cut:
            points[-1] = (xb - (xb - xa) * cut / length, yb - (yb - ya) * cut / length)
            return points
        cut -= length
        points.pop()
    return points + points


def _dashes(path: list[Point]) -> list[list[Point]]:
    """Split a path into dashes of DASH pixels with gaps of DASH_GAP, carrying the pattern across its bends."""
    dashes: list[list[Point]] = []
    current: list[Point] = [path[0]]
    drawing, left = True, float(DASH)
    for (xa, ya), (xb, yb) in itertools.pairwise(path):
        length = math.hypot(xb - xa, yb - ya)
        done = 0.0
        while length - done > left:
            done += left
            point = (xa + (xb - xa) * done / length, ya + (yb - ya) * done / length)
            if drawing:
                dashes.append([*current, point])
            current = [point]
            drawing, left = not drawing, float(DASH if not drawing else DASH_GAP)
        left -= length - done
        if drawing:
            current.append((xb, yb))
        else:
            current = [(xb, yb)]
    if drawing and len(current) > 1:
        dashes.append(current)
    return dashes
