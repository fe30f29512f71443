"""Household boundaries: a dashed rounded outline around the people who share a ``household_id``.

A household spanning several rows is one staircase outline where the rows overlap, and separate outlines
joined by a dashed link where they do not; the address is written inside the top, clear of any brackets.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engine.genogram.graph import Graph
from engine.genogram.layout import SLOT, SYMBOL, Layout
from engine.genogram.model import Network
from engine.genogram.routes import BRACKET_STEP, Routes
from engine.genogram.svg import HOUSE, Point, Stroke, el, halo, label, num, path, rounded_path, wrap

BOX_HALF = SLOT / 2 - 4  # household boundary, horizontally from the outermost member's centre
BOX_BELOW = 96.0  # household boundary, below a member's centre
STEP_SHIFT = 9.0  # see _step
SNAP = 30.0  # see _snap

Box = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass(frozen=True)
class HouseholdPlan:
    id: str
    address: str
    lines: list[str]  # the address, wrapped to the top row's width
    boxes: list[Box]


def _household_boxes(members: Sequence[str], layout: Layout, pad_top: float) -> list[Box]:
    """One box per row the household has members in, top to bottom."""
    rows: dict[float, list[float]] = defaultdict(list)
    for pid in members:
        rows[layout.y[pid]].append(layout.x[pid])
    boxes = []
    for y, xs in sorted(rows.items()):
        boxes.append((min(xs) - BOX_HALF, y - SYMBOL / 2 - pad_top, max(xs) + BOX_HALF, y + BOX_BELOW))
    return boxes


def _step(outer_upper: float, outer_lower: float, middle: float) -> float:
    """Where one side of an outline steps between rows: below the middle where it widens, above where it
    narrows, so two households' outlines meeting between the same rows never touch."""
    return middle + (STEP_SHIFT if outer_lower > outer_upper else -STEP_SHIFT)


def _snap(boxes: Sequence[Box]) -> list[Box]:
    """Line up the sides of neighbouring rows that nearly line up, so an outline has no tiny jogs."""
    snapped = [list(box) for box in boxes]
    for _ in range(2):
        for upper, lower in zip(snapped, snapped[1:], strict=False):
            if abs(upper[0] - lower[0]) < SNAP:
                upper[0] = lower[0] = min(upper[0], lower[0])
            if abs(upper[2] - lower[2]) < SNAP:
                upper[2] = lower[2] = max(upper[2], lower[2])
    return [(b[0], b[1], b[2], b[3]) for b in snapped]


def _staircase(boxes: Sequence[Box]) -> list[Point]:
    """The outline of boxes stacked top to bottom whose x ranges overlap, as one polygon."""
    boxes = _snap(boxes)
    right: list[Point] = [(boxes[0][2], boxes[0][1])]
    left: list[Point] = [(boxes[0][0], boxes[0][1])]
    for upper, lower in zip(boxes, boxes[1:], strict=False):
        middle = (upper[3] + lower[1]) / 2
        step_r, step_l = _step(upper[2], lower[2], middle), _step(-upper[0], -lower[0], middle)
        right += [(upper[2], step_r), (lower[2], step_r)]
        left += [(upper[0], step_l), (lower[0], step_l)]
    right.append((boxes[-1][2], boxes[-1][3]))
    left.append((boxes[-1][0], boxes[-1][3]))
    return _simplify(left[:1] + right + left[:0:-1])


def _simplify(corners: list[Point]) -> list[Point]:
    """Drop repeated points and points in the middle of a straight edge."""
    kept: list[Point] = []
    for point in corners:
        if not kept or point != kept[-1]:
            kept.append(point)
    if len(kept) > 1 and kept[0] == kept[-1]:
        kept.pop()
    result = []
    for i, (px, py) in enumerate(kept):
        (ax, ay), (bx, by) = kept[i - 1], kept[(i + 1) % len(kept)]
        if (ax == px == bx) or (ay == py == by):
            continue
        result.append((px, py))
    return result


def _household_path(boxes: Sequence[Box]) -> str:
    """Overlapping rows become one outline; rows that do not overlap are joined by a dashed link."""
    runs: list[list[Box]] = [[boxes[0]]]
    for box in boxes[1:]:
        prev = runs[-1][-1]
        if min(prev[2], box[2]) - max(prev[0], box[0]) > 24:
            runs[-1].append(box)
        else:
            runs.append([box])
    parts = [rounded_path(_staircase(run), 12.0) for run in runs]
    for upper, lower in zip(runs, runs[1:], strict=False):
        a, b = upper[-1], lower[0]
        parts.append(f"M {num((a[0] + a[2]) / 2)} {num(a[3])} L {num((b[0] + b[2]) / 2)} {num(b[1])}")
    return " ".join(parts)


def plan_households(net: Network, graph: Graph, layout: Layout, routes: Routes) -> list[HouseholdPlan]:
    """Where each household boundary goes: the address at the top, clear of any brackets above the symbols."""
    plans = []
    for hid, members in sorted(graph.housemates.items()):
        address = net.addresses.get(hid) or f"Household {hid}"
        top_y = min(layout.y[m] for m in members)
        top_row = [layout.x[pid] for pid in members if layout.y[pid] == top_y]
        lines = wrap(address, max(top_row) - min(top_row) + 2 * BOX_HALF - 20, 11.0, 3)
        lanes = routes.bracket_lanes.get(top_y, 0)
        pad_top = 14.0 + 13.0 * len(lines) + (lanes * BRACKET_STEP + 8 if lanes else 0.0)
        plans.append(HouseholdPlan(hid, address, lines, _household_boxes(members, layout, pad_top)))
    return plans


def draw_households(layer: ET.Element, labels: ET.Element, plans: Iterable[HouseholdPlan]) -> None:
    """The boundaries into ``layer`` and their address labels into ``labels`` (drawn above the lines)."""
    for plan in plans:
        attrs = {"class": "household", "data-household-id": plan.id, "stroke-linejoin": "round"}
        boundary = path(layer, _household_path(plan.boxes), Stroke(HOUSE, 1.5, "7 5"), attrs)
        el(boundary, "title", text=f"Household: {plan.address}")
        for i, text in enumerate(plan.lines):
            position = (plan.boxes[0][0] + 10, plan.boxes[0][1] + 15 + 13 * i)
            css = {"class": "household-label", "data-household-id": plan.id, "font-style": "italic"}
            label(labels, *position, text, {**css, **halo(11.0, HOUSE)})
