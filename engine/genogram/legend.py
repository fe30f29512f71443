"""The boxes around the genogram: the ecomap (services and supports, beside it) and the key (below it)."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable

from engine.genogram.model import EcoLink, Network
from engine.genogram.people import symbol
from engine.genogram.relationships import OTHER_STROKE, PARENT_STROKE, PARTNER_STROKE, small_label
from engine.genogram.svg import (
    GREY,
    HOUSE,
    INK,
    RED,
    Stroke,
    bold,
    el,
    label,
    num,
    path,
    slashes,
    stroke_attrs,
    styled_segment,
    wrap,
)

ECOMAP_WIDTH = 280.0
LEGEND_COLUMN = 200.0

_STRENGTH_STROKE = {
    "strong": Stroke(INK, 3.5),
    "weak": Stroke(INK, 1.5, "5 4"),
    "stressful": Stroke(RED, 1.6),
    "": Stroke(GREY, 1.2),
}

LegendSample = Callable[[ET.Element, float, float], None]


def _panel(layer: ET.Element, css: str, box: tuple[float, float, float, float], colours: tuple[str, str]) -> ET.Element:
    """A rounded box in a group of its own; ``box`` is left, top, width, height and ``colours`` fill, stroke."""
    left, top, width, height = box
    group = el(layer, "g", {"class": css})
    fill, stroke = colours
    el(
        group,
        "rect",
        {"x": left, "y": top, "width": width, "height": height, "rx": 8.0, "fill": fill, "stroke": stroke},
    )
    return group


def ecomap_height(net: Network) -> float:
    return 40.0 + 34.0 * len(net.ecomap)


def _ecomap_item(box: ET.Element, link: EcoLink, net: Network, left: float, y: float) -> None:
    attrs = {
        "class": "ecomap-link",
        "data-person-id": link.person_id,
        "data-service": link.service,
        "data-strength": link.strength,
    }
    item = el(box, "g", attrs)
    quality = "conflicted" if link.strength == "stressful" else ""
    styled_segment(item, (left + 12, y - 4), (left + 46, y - 4), _STRENGTH_STROKE[link.strength], quality)
    service = wrap(link.service, ECOMAP_WIDTH - 72, 11.5, 1)[0]
    label(item, left + 56, y - 4, service, {"font-size": 11.5, "fill": INK})
    detail = f"{net.people[link.person_id].name} · {link.strength or 'strength not recorded'}"
    label(item, left + 56, y + 10, wrap(detail, ECOMAP_WIDTH - 72, 10.0, 1)[0], {"font-size": 10.0, "fill": GREY})


def draw_ecomap(layer: ET.Element, net: Network, left: float, top: float) -> None:
    """The ecomap links as a list beside the genogram, by person name."""
    box = _panel(layer, "ecomap", (left, top, ECOMAP_WIDTH, ecomap_height(net)), ("#f7f9fb", HOUSE))
    label(box, left + 12, top + 22, "Ecomap: services and supports", bold(12.5))
    y = top + 46
    for link in sorted(net.ecomap, key=lambda e: (net.people[e.person_id].name, e.person_id, e.service, e.strength)):
        _ecomap_item(box, link, net, left, y)
        y += 34


def _symbol_sample(sex: str, *, deceased: bool = False, ring: bool = False) -> LegendSample:
    def draw(parent: ET.Element, x: float, y: float) -> None:
        symbol(parent, sex, (x + 18, y), 18.0, deceased=deceased, ring=ring)

    return draw


def _line_sample(stroke: Stroke, quality: str = "", marks: int = 0, text: str = "") -> LegendSample:
    def draw(parent: ET.Element, x: float, y: float) -> None:
        styled_segment(parent, (x, y), (x + 38, y), stroke, quality)
        if marks:
            slashes(parent, (x + 8, y), (x + 38, y), marks)
        if text:
            small_label(parent, (x + 19, y - 5), text, "middle")

    return draw


def _house_sample(parent: ET.Element, x: float, y: float) -> None:
    box = {"x": x, "y": y - 9, "width": 38.0, "height": 18.0, "rx": 5.0}
    el(parent, "rect", {**box, **stroke_attrs(Stroke(HOUSE, 1.5, "5 3"))})


def _bracket_sample(parent: ET.Element, x: float, y: float) -> None:
    path(parent, f"M {num(x + 4)} {num(y + 9)} V {num(y - 5)} H {num(x + 34)} V {num(y + 9)}", OTHER_STROKE["siblings"])


def _age_sample(parent: ET.Element, x: float, y: float) -> None:
    symbol(parent, "f", (x + 18, y), 18.0, deceased=False, ring=False)
    label(parent, x + 18, y + 3.5, "9", {"text-anchor": "middle", "font-size": 10.0, "font-weight": "bold"})


_LEGEND: tuple[tuple[str, LegendSample], ...] = (
    ("Male", _symbol_sample("m")),
    ("Female", _symbol_sample("f")),
    ("Other gender", _symbol_sample("other")),
    ("Sex not recorded", _symbol_sample("unknown")),
    ("Deceased", _symbol_sample("m", deceased=True)),
    ("In the safety network", _symbol_sample("f", ring=True)),
    ("Age inside (m = months)", _age_sample),
    ("Household (address)", _house_sample),
    ("Married", _line_sample(PARTNER_STROKE["married"])),
    ("Partners", _line_sample(PARTNER_STROKE["partners"])),
    ("Separated", _line_sample(PARTNER_STROKE["separated"], marks=1)),
    ("Divorced", _line_sample(PARTNER_STROKE["divorced"], marks=2)),
    ("Birth child", _line_sample(PARENT_STROKE["bio"])),
    ("Step child", _line_sample(PARENT_STROKE["step"], text="step")),
    ("Adopted child", _line_sample(PARENT_STROKE["adopted"], text="adopted")),
    ("Foster child", _line_sample(PARENT_STROKE["foster"], text="foster")),
    ("Siblings (half: dashed)", _bracket_sample),
    ("Other relationship", _line_sample(OTHER_STROKE["other"])),
    ("Close", _line_sample(Stroke(INK, 1.4), "close")),
    ("Conflicted", _line_sample(Stroke(INK, 1.6), "conflicted")),
    ("Cut off", _line_sample(Stroke(INK, 1.6), "cut_off")),
    ("Service: strong", _line_sample(_STRENGTH_STROKE["strong"])),
    ("Service: weak", _line_sample(_STRENGTH_STROKE["weak"])),
    ("Service: stressful", _line_sample(_STRENGTH_STROKE["stressful"], "conflicted")),
)


def _legend_rows(width: float) -> int:
    return math.ceil(len(_LEGEND) / max(1, int(width // LEGEND_COLUMN)))


def legend_height(width: float) -> float:
    """The height of the key drawn ``width`` wide."""
    return 38.0 + _legend_rows(width) * 28.0


def draw_legend(layer: ET.Element, left: float, top: float, width: float) -> None:
    """The key, in as many columns as fit ``width``."""
    rows = _legend_rows(width)
    group = _panel(layer, "legend", (left, top, width, legend_height(width)), ("#fbfbfb", "#bbbbbb"))
    label(group, left + 12, top + 20, "Key", bold(12.5))
    for i, (text, sample) in enumerate(_LEGEND):
        x = left + 14 + (i // rows) * LEGEND_COLUMN
        y = top + 44 + (i % rows) * 28
        item = el(group, "g", {"class": "legend-item"})
        sample(item, x, y)
        label(item, x + 50, y + 4, text, {"font-size": 11.0, "fill": INK})
