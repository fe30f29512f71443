"""The SVG document: heading, the genogram's layers, the ecomap beside it and the key below it.

:func:`render_genogram` (public) parses the network, lays it out, routes the lines, then moves the drawing so
whatever sticks out highest sits just under the heading, and sizes the canvas to fit.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from engine.genogram.graph import Graph, build_graph
from engine.genogram.households import BOX_BELOW, HouseholdPlan, draw_households, plan_households
from engine.genogram.layout import HEADER, MARGIN, SLOT, SYMBOL, Layout, lay_out
from engine.genogram.legend import ECOMAP_WIDTH, LEGEND_COLUMN, draw_ecomap, draw_legend, ecomap_height, legend_height
from engine.genogram.model import Network, parse
from engine.genogram.people import draw_person, uk_date
from engine.genogram.relationships import draw_relationships
from engine.genogram.routes import Routes, route
from engine.genogram.svg import GREY, bold, el, label, num

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "Arial, Helvetica, 'Liberation Sans', 'DejaVu Sans', sans-serif"
_LAYERS = ("households", "relationships", "people", "labels")


@dataclass(frozen=True)
class _Canvas:
    width: float
    height: float
    ecomap_left: float
    legend_top: float
    legend_width: float


def _svg_root(width: float, height: float, title: str, description: str) -> ET.Element:
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "version": "1.1",
            "width": num(width),
            "height": num(height),
            "viewBox": f"0 0 {num(width)} {num(height)}",
            "font-family": FONT,
            "role": "img",
        },
    )
    el(root, "title", text=title)
    el(root, "desc", text=description)
    el(root, "rect", {"x": 0.0, "y": 0.0, "width": width, "height": height, "fill": "#ffffff"})
    return root


def _serialise(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _title(net: Network) -> str:
    return "Genogram: family network" + (f" for case {net.case_id}" if net.case_id else "")


def _heading(root: ET.Element, net: Network, today: date) -> None:
    label(root, MARGIN, 34.0, _title(net), bold(18.0))
    note = f"Ages as at {uk_date(today)}. Drawn from the family network record; the record, not this drawing, is kept."
    label(root, MARGIN, 52.0, note, {"font-size": 11.0, "fill": GREY})


def _empty_svg(net: Network) -> str:
    root = _svg_root(460.0, 110.0, _title(net), "No people are recorded in this family network.")
    label(root, MARGIN, 40.0, _title(net), bold(16.0))
    label(root, MARGIN, 70.0, "No people are recorded in this family network yet.", {"font-size": 12.0, "fill": GREY})
    return _serialise(root)


def _description(net: Network) -> str:
    return (
        f"Genogram of {len(net.people)} people, {len(net.relationships)} relationships, "
        f"{len({p.household_id for p in net.people.values() if p.household_id})} households "
        f"and {len(net.ecomap)} ecomap links."
    )


def render_genogram(network: Mapping[str, Any], *, as_of: date | None = None) -> str:
    """Draw an F7 family network as an SVG genogram (a complete UTF-8 SVG document, as text).

    ``as_of`` is the date ages are worked out at (default: today). Raises ValueError when the document is
    invalid, e.g. a relationship or ecomap link naming a person id that is not in ``people``.
    """
    net = parse(network)
    today = as_of or date.today()
    if not net.people:
        return _empty_svg(net)
    graph = build_graph(net)
    return _draw(net, graph, lay_out(net, graph), today)


def _route_and_plan(net: Network, graph: Graph, layout: Layout) -> tuple[Routes, list[HouseholdPlan]]:
    routes = route(net, layout)
    return routes, plan_households(net, graph, layout, routes)


def _plan(net: Network, graph: Graph, layout: Layout) -> tuple[Routes, list[HouseholdPlan]]:
    """Route the lines and place the household boundaries, first moving the drawing down (or up) so that
    whatever sticks out highest above the first row sits just under the heading."""
    routes, plans = _route_and_plan(net, graph, layout)
    tops = [min(layout.y.values()) - SYMBOL / 2 - 10, *(plan.boxes[0][1] for plan in plans)]
    tops += [y - 16 for y in routes.brackets.values()]
    shift = HEADER + 12 - min(tops)
    if abs(shift) > 0.05:
        layout.y = {pid: y + shift for pid, y in layout.y.items()}
        routes, plans = _route_and_plan(net, graph, layout)
    return routes, plans


def _canvas(net: Network, layout: Layout) -> _Canvas:
    right = max(layout.x.values()) + SLOT / 2
    bottom = max(layout.y.values()) + BOX_BELOW + 8
    side = right + 20
    side_bottom = HEADER + 8 + ecomap_height(net) if net.ecomap else 0.0
    content_right = side + ECOMAP_WIDTH if net.ecomap else right
    width = max(content_right + MARGIN, 4 * LEGEND_COLUMN + 2 * MARGIN)
    legend_top = max(bottom, side_bottom) + 24
    legend_width = width - 2 * MARGIN
    height = legend_top + legend_height(legend_width) + MARGIN
    return _Canvas(width, height, side, legend_top, legend_width)


def _draw(net: Network, graph: Graph, layout: Layout, today: date) -> str:
    routes, plans = _plan(net, graph, layout)
    canvas = _canvas(net, layout)
    root = _svg_root(canvas.width, canvas.height, _title(net), _description(net))
    _heading(root, net, today)
    layers = {name: el(root, "g", {"class": name}) for name in _LAYERS}
    draw_households(layers["households"], layers["labels"], plans)
    draw_relationships(layers["relationships"], net, layout, routes)
    for pid in graph.ids:
        draw_person(layers["people"], net.people[pid], layout.at(pid), net, today)
    if net.ecomap:
        draw_ecomap(root, net, canvas.ecomap_left, HEADER + 8)
    draw_legend(root, MARGIN, canvas.legend_top, canvas.legend_width)
    return _serialise(root)
