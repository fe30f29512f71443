"""Relationship lines: partnerships, descent lines, sibling and other links, each in its own titled group.

Married is solid, partners dashed, separated one slash, divorced two; step, adoptive and foster descent is
dashed, dotted and dash-dotted with a small label; quality is drawn as a zig-zag (conflicted), a break
(cut off) or a double line (close), for a parent and child as a separate line between the two.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from engine.genogram.layout import SYMBOL, Layout
from engine.genogram.model import PARENT_TYPES, PARTNER_TYPES, SIBLING_TYPES, Network, Relationship
from engine.genogram.routes import MARKED_QUALITIES, Routes, implied_siblings, origin_start
from engine.genogram.svg import (
    GREY,
    INK,
    Point,
    Stroke,
    along,
    el,
    halo,
    label,
    line,
    num,
    path,
    slashes,
    styled_segment,
    unit_vectors,
)

PARENT_STROKE = {
    "bio": Stroke(INK, 1.8),
    "step": Stroke(INK, 1.8, "7 4"),
    "adopted": Stroke(INK, 1.8, "2 3"),
    "foster": Stroke(INK, 1.8, "9 3 2 3"),
}
PARTNER_STROKE = {
    "married": Stroke(INK, 2.0),
    "partners": Stroke(INK, 2.0, "8 5"),
    "separated": Stroke(INK, 2.0),
    "divorced": Stroke(INK, 2.0),
}
OTHER_STROKE = {
    "siblings": Stroke(INK, 1.6),
    "half_siblings": Stroke(INK, 1.6, "5 3"),
    "other": Stroke(GREY, 1.6, "2 3"),
}
_TYPE_ORDER = {kind: i for i, kind in enumerate((*PARTNER_TYPES, *PARENT_TYPES, *SIBLING_TYPES, "other"))}


def small_label(group: ET.Element, at: Point, text: str, anchor: str = "start") -> None:
    attrs = {"class": "link-label", "text-anchor": anchor, "font-style": "italic", **halo(10.0, GREY)}
    label(group, at[0], at[1], text, attrs)


def _midpoint(a: Point, b: Point) -> Point:
    return (a[0] + b[0]) / 2, (a[1] + b[1]) / 2


def _edge_points(a: Point, b: Point, inset: float = SYMBOL / 2 + 4) -> tuple[Point, Point]:
    """The segment between two symbol centres, trimmed so it starts and ends at the symbols' edges."""
    length, u, _ = unit_vectors(a, b)
    inset = min(inset, length / 3)
    return along(a, u, inset), along(a, u, length - inset)


def _ends(rel: Relationship, layout: Layout) -> tuple[Point, Point]:
    """Both people's centres, left (or upper) first."""
    a, b = sorted((layout.at(rel.from_id), layout.at(rel.to_id)))
    return a, b


def _connector(
    group: ET.Element, rel: Relationship, layout: Layout, routes: Routes, stroke: Stroke
) -> tuple[Point, Point]:
    """Join two people: straight between neighbouring partners, a bracket above a row, else a direct line."""
    a, b = _ends(rel, layout)
    if rel in routes.brackets:
        top = routes.brackets[rel]
        start, end = (a[0], top), (b[0], top)
        line(group, (a[0], a[1] - SYMBOL / 2), start, stroke)
        line(group, (b[0], b[1] - SYMBOL / 2), end, stroke)
    elif a[1] == b[1]:
        start, end = (a[0] + SYMBOL / 2, a[1]), (b[0] - SYMBOL / 2, b[1])
    else:
        start, end = _edge_points(a, b)
    styled_segment(group, start, end, stroke, rel.quality)
    return start, end


def _draw_partner(group: ET.Element, rel: Relationship, layout: Layout, routes: Routes) -> None:
    start, end = _connector(group, rel, layout, routes, PARTNER_STROKE[rel.type])
    marks = {"separated": 1, "divorced": 2}.get(rel.type, 0)
    if marks:
        slashes(group, start, end, marks)


def _emotional_ends(parent: Point, child_top: Point) -> tuple[Point, Point]:
    """A parent-child quality line: from the side of the parent facing the child (so it misses the parent's
    label) to just above the child."""
    dx = child_top[0] - parent[0]
    if abs(dx) <= SYMBOL:
        start = (parent[0], parent[1] + SYMBOL / 2 + 4)
    else:
        start = (parent[0] + math.copysign(SYMBOL / 2 + 4, dx), parent[1])
    return start, (child_top[0], child_top[1] - 4)


def _draw_direct_parent_link(group: ET.Element, rel: Relationship, layout: Layout) -> None:
    """A parent link that cannot hang down (the data has a parent/child cycle): a straight line between them."""
    kind = PARENT_TYPES[rel.type]
    a, b = _edge_points(layout.at(rel.from_id), layout.at(rel.to_id))
    styled_segment(group, a, b, PARENT_STROKE[kind], rel.quality)
    mx, my = _midpoint(a, b)
    small_label(group, (mx + 5, my - 4), f"parent ({kind})")


def _draw_parent_child(group: ET.Element, rel: Relationship, layout: Layout, routes: Routes) -> None:
    if rel not in routes.origin:
        _draw_direct_parent_link(group, rel, layout)
        return
    origin = routes.origin[rel]
    kids = sorted(r.to_id for r, o in routes.origin.items() if o == origin)
    prefix, _ = origin_start(origin, kids, layout)
    bar = routes.bar[origin]
    cx, cy = layout.at(rel.to_id)
    top = cy - SYMBOL / 2 - (6 if rel.to_id in layout.ringed else 0)
    kind = PARENT_TYPES[rel.type]
    path(group, f"{prefix} V {num(bar)} H {num(cx)} V {num(top)}", PARENT_STROKE[kind], {"class": "descent"})
    if kind != "bio" and (origin[0] == "single" or rel.from_id == origin[1]):
        small_label(group, (cx + 5, (bar + top) / 2 + 4), kind)
    if rel.quality in MARKED_QUALITIES:
        styled_segment(group, *_emotional_ends(layout.at(rel.from_id), (cx, top)), Stroke(INK, 1.6), rel.quality)


def _draw_sibling(group: ET.Element, rel: Relationship, layout: Layout, routes: Routes) -> None:
    shared = implied_siblings(rel, routes)
    if shared is None or rel in routes.brackets:
        start, end = _connector(group, rel, layout, routes, OTHER_STROKE[rel.type])
        if rel.type == "half_siblings":
            mx, my = _midpoint(start, end)
            small_label(group, (mx, my - 4), "half", "middle")
        return
    # Already shown by the shared sibling bar: trace that bar so the relationship still has its own line.
    (ax, ay), (bx, by) = _ends(rel, layout)
    bar = routes.bar[shared]
    d = f"M {num(ax)} {num(ay - SYMBOL / 2)} V {num(bar)} H {num(bx)} V {num(by - SYMBOL / 2)}"
    path(group, d, OTHER_STROKE[rel.type], {"class": "sibling-bar"})


def _relationship_title(rel: Relationship, net: Network) -> str:
    a, b = net.people[rel.from_id].name, net.people[rel.to_id].name
    if rel.type in PARENT_TYPES:
        text = f"{a} is a parent ({PARENT_TYPES[rel.type]}) of {b}"
    else:
        text = f"{a} and {b}: {rel.type.replace('_', ' ')}"
    return text + (f" ({rel.quality.replace('_', ' ')})" if rel.quality else "")


def _draw_relationship(group: ET.Element, rel: Relationship, layout: Layout, routes: Routes) -> None:
    if rel.type in PARTNER_TYPES:
        _draw_partner(group, rel, layout, routes)
    elif rel.type in PARENT_TYPES:
        _draw_parent_child(group, rel, layout, routes)
    elif rel.type in SIBLING_TYPES:
        _draw_sibling(group, rel, layout, routes)
    else:
        _connector(group, rel, layout, routes, OTHER_STROKE["other"])


def draw_relationships(layer: ET.Element, net: Network, layout: Layout, routes: Routes) -> None:
    """Every relationship, partnerships first, each in a group naming its type, people and quality."""
    for rel in sorted(net.relationships, key=lambda r: (_TYPE_ORDER[r.type], r.from_id, r.to_id, r.quality)):
        attrs = {
            "class": "relationship",
            "data-relationship": rel.type,
            "data-from": rel.from_id,
            "data-to": rel.to_id,
            "data-quality": rel.quality,
        }
        group = el(layer, "g", attrs)
        el(group, "title", text=_relationship_title(rel, net))
        _draw_relationship(group, rel, layout, routes)
