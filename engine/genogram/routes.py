"""Where each relationship line runs, worked out before anything is drawn.

Children hang from their parents' couple line (or from a short stub beside a single parent) down to a sibling
bar; relationships between people on one row who are not neighbouring partners run in a bracket above the row.
Bars and brackets that would touch are stacked in lanes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from engine.genogram.layout import SLOT, SYMBOL, Layout, mean
from engine.genogram.model import PARENT_TYPES, PARTNER_TYPES, SIBLING_TYPES, Network, Relationship
from engine.genogram.svg import num

STUB = SLOT / 2 - 14  # a single parent's line goes down this far beside them, clear of their label
BAR_BELOW = 110.0  # first sibling bar, below the parents' centre
BAR_STEP = 12.0
BRACKET_ABOVE = SYMBOL / 2 + 12  # first bracket (siblings, other), above a person's centre
BRACKET_STEP = 10.0
MARKED_QUALITIES = ("conflicted", "cut_off", "close")  # qualities drawn as a line of their own

Origin = tuple[str, ...]  # ("couple", left, right) or ("single", parent)
K = TypeVar("K", bound=Hashable)


@dataclass
class Routes:
    couples: set[frozenset[str]]  # partners drawn next to each other on one row
    origin: dict[Relationship, Origin]
    bar: dict[Origin, float]  # y of the sibling bar under each origin
    brackets: dict[Relationship, float]  # y of the bracket above a row
    bracket_lanes: dict[float, int]  # row y -> how many bracket lanes are stacked above it


def _adjacent_couples(layout: Layout, net: Network) -> set[frozenset[str]]:
    pairs = {
        frozenset((a, b))
        for units in layout.rows.values()
        for unit in units
        for a, b in zip(unit, unit[1:], strict=False)
    }
    linked = {frozenset((r.from_id, r.to_id)) for r in net.relationships if r.type in PARTNER_TYPES}
    return pairs & linked


def _origins(net: Network, layout: Layout, couples: set[frozenset[str]]) -> dict[Relationship, Origin]:
    """Children hang from their parents' couple line when both links are the same kind, else from one parent."""
    by_child: dict[str, list[Relationship]] = defaultdict(list)
    for rel in net.relationships:
        if rel.type in PARENT_TYPES:
            by_child[rel.to_id].append(rel)
    origin: dict[Relationship, Origin] = {}
    for child, all_links in by_child.items():
        # a "child" drawn level with or above its parent (a cycle in the data) gets a direct line instead
        links = [rel for rel in all_links if layout.y[child] > layout.y[rel.from_id]]
        for i, a in enumerate(links):
            for b in links[i + 1 :]:
                pair = frozenset((a.from_id, b.from_id))
                if a.type == b.type and pair in couples and a not in origin and b not in origin:
                    left, right = sorted(pair, key=lambda pid: layout.x[pid])
                    origin[a] = origin[b] = ("couple", left, right)
            origin.setdefault(a, ("single", a.from_id))
    return origin


def _stub_side(parent: str, children: Iterable[str], layout: Layout) -> int:
    """Which side a single parent's line leaves from: -1 left, 1 right, 0 straight down (boxed in by partners)."""
    position, size = layout.index[parent]
    xs = [layout.x[c] for c in children]
    toward = 1 if not xs or mean(xs) >= layout.x[parent] else -1
    free = [side for side, ok in ((-1, position == 0), (1, position == size - 1)) if ok]
    if toward in free:
        return toward
    return free[0] if free else 0


def origin_start(origin: Origin, children: Iterable[str], layout: Layout) -> tuple[str, float]:
    """The path prefix from the parents to where the line turns down, and the x it goes down at."""
    if origin[0] == "couple":
        ox = (layout.x[origin[1]] + layout.x[origin[2]]) / 2
        return f"M {num(ox)} {num(layout.y[origin[1]])}", ox
    parent = origin[1]
    px, py = layout.at(parent)
    side = _stub_side(parent, children, layout)
    if side == 0:
        return f"M {num(px)} {num(py + SYMBOL / 2)}", px
    ox = px + side * STUB
    return f"M {num(px + side * SYMBOL / 2)} {num(py)} H {num(ox)}", ox


def _lanes(intervals: Iterable[tuple[float, float, K]], gap: float, order: Callable[[K], Any]) -> dict[K, int]:
    """Greedy interval colouring: intervals in the same lane do not touch."""
    ends: list[float] = []
    lanes: dict[K, int] = {}
    for lo, hi, key in sorted(intervals, key=lambda t: (t[0], t[1], order(t[2]))):
        lane = next((i for i, end in enumerate(ends) if end + gap < lo), len(ends))
        if lane == len(ends):
            ends.append(hi)
        ends[lane] = hi
        lanes[key] = lane
    return lanes


def _bars(origin: Mapping[Relationship, Origin], layout: Layout) -> dict[Origin, float]:
    children: dict[Origin, set[str]] = defaultdict(set)
    for rel, key in origin.items():
        children[key].add(rel.to_id)
    by_row: dict[float, list[tuple[float, float, Origin]]] = defaultdict(list)
    for key, kids in children.items():
        _, ox = origin_start(key, kids, layout)
        xs = [ox, *(layout.x[c] for c in kids)]
        by_row[layout.y[key[1]]].append((min(xs), max(xs), key))
    bars: dict[Origin, float] = {}
    for row_y, intervals in by_row.items():
        for key, lane in _lanes(intervals, 8.0, lambda k: k).items():
            bars[key] = row_y + BAR_BELOW + lane * BAR_STEP
    return bars


def implied_siblings(rel: Relationship, routes: Routes) -> Origin | None:
    """The origin two siblings both hang from, when the shared bar already shows they are siblings."""
    if rel.quality in MARKED_QUALITIES:
        return None
    origins_a = {o for r, o in routes.origin.items() if r.to_id == rel.from_id}
    origins_b = {o for r, o in routes.origin.items() if r.to_id == rel.to_id}
    shared = sorted(origins_a & origins_b)
    return shared[0] if shared else None


def _needs_bracket(rel: Relationship, layout: Layout, routes: Routes) -> bool:
    if layout.y[rel.from_id] != layout.y[rel.to_id] or rel.type in PARENT_TYPES:
        return False
    if rel.type in PARTNER_TYPES:
        return frozenset((rel.from_id, rel.to_id)) not in routes.couples
    return rel.type not in SIBLING_TYPES or implied_siblings(rel, routes) is None


def _brackets(net: Network, layout: Layout, routes: Routes) -> tuple[dict[Relationship, float], dict[float, int]]:
    by_row: dict[float, list[tuple[float, float, Relationship]]] = defaultdict(list)
    for rel in net.relationships:
        if _needs_bracket(rel, layout, routes):
            xs = sorted((layout.x[rel.from_id], layout.x[rel.to_id]))
            by_row[layout.y[rel.from_id]].append((xs[0], xs[1], rel))
    brackets: dict[Relationship, float] = {}
    counts: dict[float, int] = {}
    for row_y, intervals in by_row.items():
        lanes = _lanes(intervals, 6.0, lambda r: r)
        for rel, lane in lanes.items():
            brackets[rel] = row_y - BRACKET_ABOVE - lane * BRACKET_STEP
        counts[row_y] = max(lanes.values()) + 1
    return brackets, counts


def route(net: Network, layout: Layout) -> Routes:
    """Couple lines, descent origins, sibling bars and brackets for the current layout."""
    couples = _adjacent_couples(layout, net)
    origin = _origins(net, layout, couples)
    routes = Routes(couples=couples, origin=origin, bar=_bars(origin, layout), brackets={}, bracket_lanes={})
    routes.brackets, routes.bracket_lanes = _brackets(net, layout, routes)
    return routes
