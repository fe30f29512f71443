"""A person on the genogram: symbol by sex, deceased cross, safety-network ring, age, name, birth date, role.

Square = male, circle = female, diamond = other, rounded square = sex not recorded. The hover title repeats
everything recorded about the person in words.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import date

from engine.genogram.layout import SYMBOL
from engine.genogram.model import Network, Person
from engine.genogram.svg import GREEN, GREY, INK, Point, Stroke, el, halo, label, num, path, points, stroke_attrs, wrap

LABEL_HALF = 60.0  # labels are wrapped to 2 * LABEL_HALF

_SEX_WORD = {"m": "male", "f": "female", "other": "other", "unknown": "sex not recorded"}
_CROSS_REACH = {"m": 0.5, "f": 0.42, "other": 0.36, "unknown": 0.42}


def _parse_date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def uk_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _age_badge(person: Person, today: date) -> str:
    born = _parse_date(person.dob)
    if person.deceased or born is None or born > today:
        return ""
    months = (today.year - born.year) * 12 + today.month - born.month - (1 if today.day < born.day else 0)
    return str(months // 12) if months >= 12 else f"{months}m"


def _dob_line(person: Person, today: date) -> str:
    if not person.dob:
        return ""
    born = _parse_date(person.dob)
    if born is None:
        return f"b. {person.dob}"
    if born > today:
        return f"due {uk_date(born)}"
    return f"b. {uk_date(born)}" + (" · dec." if person.deceased else "")


def _role_text(person: Person) -> str:
    return person.role.replace("_", " ").capitalize()


def _person_tooltip(person: Person, net: Network, today: date) -> str:
    facts = [person.name, _role_text(person), _SEX_WORD[person.sex], _dob_line(person, today)]
    badge = _age_badge(person, today)
    facts.append(f"age {badge}" if badge else "")
    facts.append("deceased" if person.deceased else "")
    if person.household_id:
        facts.append("lives at " + (net.addresses.get(person.household_id) or f"household {person.household_id}"))
    facts.append("in the safety network" if person.in_safety_network else "")
    if person.knows_the_worries is not None:
        facts.append("knows the worries" if person.knows_the_worries else "does not yet know the worries")
    return "; ".join(fact for fact in facts if fact)


def _diamond(cx: float, cy: float, half: float) -> str:
    return points(((cx, cy - half), (cx + half, cy), (cx, cy + half), (cx - half, cy)))


def _shape(parent: ET.Element, sex: str, cx: float, cy: float, size: float, attrs: Mapping[str, object]) -> ET.Element:
    """The genogram symbol for ``sex`` centred on (cx, cy)."""
    half = size / 2
    if sex == "f":
        return el(parent, "circle", {"cx": cx, "cy": cy, "r": half, **attrs})
    if sex == "other":
        return el(parent, "polygon", {"points": _diamond(cx, cy, half * 1.2), **attrs})
    box = {"x": cx - half, "y": cy - half, "width": size, "height": size}
    if sex == "m":
        return el(parent, "rect", {**box, **attrs})
    return el(parent, "rect", {**box, "rx": size * 0.3, **attrs})


def _cross(parent: ET.Element, sex: str, cx: float, cy: float, size: float) -> ET.Element:
    h = size * _CROSS_REACH[sex] + 3
    left, right, top, bottom = num(cx - h), num(cx + h), num(cy - h), num(cy + h)
    d = f"M {left} {top} L {right} {bottom} M {left} {bottom} L {right} {top}"
    return path(parent, d, Stroke(INK, 2.0), {"class": "deceased-cross"})


def symbol(
    parent: ET.Element,
    sex: str,
    at: Point,
    size: float,
    *,
    deceased: bool,
    ring: bool,
    attrs: Mapping[str, object] | None = None,
) -> None:
    """A person's symbol, with the safety-network ring around it and the deceased cross through it."""
    cx, cy = at
    if ring:
        _shape(parent, sex, cx, cy, size + 12, {"class": "safety-ring", **stroke_attrs(Stroke(GREEN, 3.5))})
    _shape(parent, sex, cx, cy, size, {"fill": "#ffffff", "stroke": INK, "stroke-width": 2.0, **(attrs or {})})
    if deceased:
        _cross(parent, sex, cx, cy, size)


def _labels_below(group: ET.Element, person: Person, at: Point, today: date) -> None:
    cx, cy = at
    y = cy + SYMBOL / 2 + (22 if person.in_safety_network else 16)
    for text in wrap(person.name, 2 * LABEL_HALF, 12.5):
        label(group, cx, y, text, {"class": "name", "text-anchor": "middle", "font-weight": "bold", **halo(12.5)})
        y += 14
    for text, css, size, colour, extra in (
        (_dob_line(person, today), "dob", 11.0, INK, {}),
        (_role_text(person), "role", 10.5, GREY, {"font-style": "italic"}),
    ):
        if text:
            label(group, cx, y, text, {"class": css, "text-anchor": "middle", **halo(size, colour), **extra})
            y += 13


def draw_person(layer: ET.Element, person: Person, at: Point, net: Network, today: date) -> None:
    """A person's symbol and labels, in a group carrying their id."""
    group = el(layer, "g", {"class": "person", "data-person-id": person.id})
    el(group, "title", text=_person_tooltip(person, net, today))
    marks = {"class": "symbol", "data-person-id": person.id, "data-sex": person.sex}
    symbol(group, person.sex, at, SYMBOL, deceased=person.deceased, ring=person.in_safety_network, attrs=marks)
    badge = _age_badge(person, today)
    if badge:
        attrs = {"class": "age", "text-anchor": "middle", "font-size": 14.0, "font-weight": "bold"}
        label(group, at[0], at[1] + 5, badge, attrs)
    _labels_below(group, person, at, today)
