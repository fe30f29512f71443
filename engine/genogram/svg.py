"""SVG primitives for the genogram: the palette, strokes, elements, text wrapping and line styles.

Every attribute and text goes through :func:`el`, so it is escaped by ElementTree and stripped of characters
XML cannot carry; numbers are written with at most one decimal.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from engine.genogram.model import xml_safe

INK = "#222222"
GREY = "#666666"
RED = "#c62828"
GREEN = "#1b873f"
HOUSE = "#5b6b7a"
CHAR_WIDTH = 0.6  # average glyph width as a fraction of the font size, used to wrap text

Point = tuple[float, float]


@dataclass(frozen=True)
class Stroke:
    color: str = INK
    width: float = 1.8
    dash: str = ""


def num(value: float) -> str:
    """A coordinate as short text: one decimal at most, no trailing '.0', no '-0'."""
    text = f"{value:.1f}"
    text = text[:-2] if text.endswith(".0") else text
    return "0" if text == "-0" else text


def points(coordinates: Iterable[Point]) -> str:
    """A ``points`` attribute (polyline, polygon)."""
    return " ".join(f"{num(px)},{num(py)}" for px, py in coordinates)


def _attr(value: object) -> str:
    if isinstance(value, float):
        return num(value)
    return xml_safe(str(value))


def el(parent: ET.Element, tag: str, attrs: Mapping[str, object] | None = None, text: str | None = None) -> ET.Element:
    """A child element; attributes that are None or '' are left out."""
    element = ET.SubElement(parent, tag, {k: _attr(v) for k, v in (attrs or {}).items() if v not in (None, "")})
    if text is not None:
        element.text = xml_safe(text)
    return element


def stroke_attrs(stroke: Stroke) -> dict[str, object]:
    return {"fill": "none", "stroke": stroke.color, "stroke-width": stroke.width, "stroke-dasharray": stroke.dash}


def line(parent: ET.Element, a: Point, b: Point, stroke: Stroke) -> ET.Element:
    return el(parent, "line", {"x1": a[0], "y1": a[1], "x2": b[0], "y2": b[1], **stroke_attrs(stroke)})


def path(parent: ET.Element, d: str, stroke: Stroke, extra: Mapping[str, object] | None = None) -> ET.Element:
    return el(parent, "path", {"d": d, **stroke_attrs(stroke), **(extra or {})})


def halo(size: float, fill: str = INK) -> dict[str, object]:
    """Text attributes with a white outline, so a label stays legible where it crosses a line."""
    return {
        "font-size": size,
        "fill": fill,
        "stroke": "#ffffff",
        "stroke-width": 3.0,
        "stroke-linejoin": "round",
        "paint-order": "stroke",
    }


def bold(size: float) -> dict[str, object]:
    """Text attributes of a heading."""
    return {"font-size": size, "font-weight": "bold", "fill": INK}


def label(parent: ET.Element, x: float, y: float, text: str, attrs: Mapping[str, object]) -> ET.Element:
    return el(parent, "text", {"x": x, "y": y, **attrs}, text)


def wrap(text: str, width: float, size: float, max_lines: int = 2) -> list[str]:
    """Split ``text`` into at most ``max_lines`` lines that fit ``width`` px; an ellipsis marks a cut."""
    limit = max(4, int(width / (size * CHAR_WIDTH)))
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        while len(word) > limit:
            lines, current = _push(lines, current), ""
            lines.append(word[: limit - 1] + "-")
            word = word[limit - 1 :]
        if current and len(current) + 1 + len(word) > limit:
            lines, current = _push(lines, current), word
        else:
            current = f"{current} {word}" if current else word
    lines = _push(lines, current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: limit - 1].rstrip(" -") + "…"
    return lines or [""]


def _push(lines: list[str], current: str) -> list[str]:
    return [*lines, current] if current else lines


def unit_vectors(a: Point, b: Point) -> tuple[float, Point, Point]:
    """Length of a→b, the unit vector along it and the unit normal."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy) or 1.0
    u = (dx / length, dy / length)
    return length, u, (-u[1], u[0])


def along(a: Point, u: Point, t: float, n: Point = (0.0, 0.0), s: float = 0.0) -> Point:
    """The point ``t`` along ``u`` and ``s`` along ``n`` from ``a``."""
    return (a[0] + u[0] * t + n[0] * s, a[1] + u[1] * t + n[1] * s)


def _zigzag(parent: ET.Element, a: Point, b: Point, stroke: Stroke) -> None:
    length, u, n = unit_vectors(a, b)
    corners = [a, along(a, u, 4.0)]
    steps = max(2, int((length - 8) / 6))
    for k in range(1, steps):
        corners.append(along(a, u, 4.0 + k * (length - 8) / steps, n, 4.5 if k % 2 else -4.5))
    corners += [along(a, u, length - 4.0), b]
    el(parent, "polyline", {"points": points(corners), **stroke_attrs(stroke)})


def _cut_off(parent: ET.Element, a: Point, b: Point, stroke: Stroke) -> None:
    length, u, n = unit_vectors(a, b)
    gap = min(10.0, length / 3)
    for t, end in ((length / 2 - gap / 2, a), (length / 2 + gap / 2, b)):
        line(parent, end, along(a, u, t), stroke)
        line(parent, along(a, u, t, n, 6.0), along(a, u, t, n, -6.0), Stroke(stroke.color, 1.8))


def styled_segment(parent: ET.Element, a: Point, b: Point, stroke: Stroke, quality: str) -> None:
    """A straight line between a and b drawn for a relationship quality (zig-zag, break, double or plain)."""
    if quality == "conflicted":
        _zigzag(parent, a, b, Stroke(RED, max(stroke.width, 1.6)))
    elif quality == "cut_off":
        _cut_off(parent, a, b, stroke)
    elif quality == "close":
        _, _, n = unit_vectors(a, b)
        for side in (2.4, -2.4):
            line(parent, along(a, (0.0, 0.0), 0, n, side), along(b, (0.0, 0.0), 0, n, side), stroke)
    else:
        line(parent, a, b, stroke)


def slashes(parent: ET.Element, a: Point, b: Point, count: int) -> None:
    """Short diagonal strokes across a partner line: one = separated, two = divorced."""
    length, u, _ = unit_vectors(a, b)
    centre = min(length * 0.3, 26.0)
    for k in range(count):
        px, py = along(a, u, centre + (k - (count - 1) / 2) * 8.0)
        line(parent, (px - 5, py + 8), (px + 5, py - 8), Stroke(INK, 1.8))


def rounded_path(corners: Sequence[Point], radius: float) -> str:
    """A closed path through ``corners`` with rounded corners."""
    parts = []
    count = len(corners)
    for i, (px, py) in enumerate(corners):
        before, after = corners[i - 1], corners[(i + 1) % count]
        len_b, u_b, _ = unit_vectors((px, py), before)
        len_a, u_a, _ = unit_vectors((px, py), after)
        r = min(radius, len_b / 2, len_a / 2)
        start, end = along((px, py), u_b, r), along((px, py), u_a, r)
        parts.append(f"{'M' if i == 0 else 'L'} {num(start[0])} {num(start[1])}")
        parts.append(f"Q {num(px)} {num(py)} {num(end[0])} {num(end[1])}")
    return " ".join(parts) + " Z"
