"""Genogram rendering for the F7 ``family_network`` form (domain.md §8).

The family network is stored as a graph (people, relationships, households, ecomap links) and is never stored
as a drawing; this module draws it on demand as an SVG genogram a social worker will recognise:

* people: square = male (``m``), circle = female (``f``), diamond = other, rounded square = sex not recorded;
  an X through the symbol = deceased; a green ring = in the safety network; age (years, or months under one)
  inside the symbol, name, date of birth and role underneath;
* generations: parents above children. Generations come from the ``parent_child_*`` relationships
  (``from_id`` is the parent, ``to_id`` the child), see :func:`generations`;
* partnerships: a horizontal line between partners (married solid, partners dashed, separated one slash,
  divorced two slashes); children hang from the middle of their parents' line, or from a short stub beside a
  single parent; step, adoptive and foster links are dashed, dotted and dash-dotted, with a small label;
* relationship quality: conflicted = red zig-zag, cut off = a break with two bars, close = a double line
  (for a parent and child the quality is drawn as a separate line between the two, as on emotional genograms);
* households: a dashed rounded boundary around the people sharing a ``household_id``, labelled with the address;
* ecomap links: listed in a side box (service, person and strength); a key at the bottom explains everything.

The layout is deterministic (everything is sorted by id, never by input order) and symbols never overlap.
Partial documents (missing optional fields) are drawn; a relationship or ecomap link naming an unknown person
raises :class:`ValueError` naming that id. Stdlib only; every user-supplied string goes through ElementTree,
so it is escaped, and characters XML cannot carry are dropped.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

__all__ = ["generations", "render_genogram"]

SVG_NS = "http://www.w3.org/2000/svg"

PARTNER_TYPES = ("married", "partners", "separated", "divorced")
PARENT_TYPES = {
    "parent_child_bio": "bio",
    "parent_child_step": "step",
    "parent_child_adoptive": "adopted",
    "parent_child_foster": "foster",
}
SIBLING_TYPES = ("siblings", "half_siblings")
RELATIONSHIP_TYPES = frozenset((*PARTNER_TYPES, *PARENT_TYPES, *SIBLING_TYPES, "other"))
QUALITIES = frozenset(("close", "conflicted", "cut_off", "unknown"))
SEXES = frozenset(("f", "m", "other", "unknown"))
STRENGTHS = frozenset(("strong", "weak", "stressful"))

# Geometry, in SVG user units (px at 100%).
SYMBOL = 44.0  # side of a square / diameter of a circle
SLOT = 150.0  # horizontal distance between neighbouring people
HOUSE_GAP = 30.0  # extra space between neighbours living in different households
ROW = 240.0  # vertical distance between generations
MARGIN = 24.0
HEADER = 62.0  # heading above the drawing
LABEL_HALF = 60.0  # labels are wrapped to 2 * LABEL_HALF
STUB = SLOT / 2 - 14  # a single parent's line goes down this far beside them, clear of their label
BOX_HALF = SLOT / 2 - 4  # household boundary, horizontally from the outermost member's centre
BOX_BELOW = 96.0  # household boundary, below a member's centre
BAR_BELOW = 110.0  # first sibling bar, below the parents' centre
BAR_STEP = 12.0
BRACKET_ABOVE = SYMBOL / 2 + 12  # first bracket (siblings, other), above a person's centre
BRACKET_STEP = 10.0
STEP_SHIFT = 9.0  # see _step
SNAP = 30.0  # see _snap
ECOMAP_WIDTH = 280.0
LEGEND_COLUMN = 200.0
FONT = "Arial, Helvetica, 'Liberation Sans', 'DejaVu Sans', sans-serif"
CHAR_WIDTH = 0.6  # average glyph width as a fraction of the font size, used to wrap text

INK = "#222222"
GREY = "#666666"
RED = "#c62828"
GREEN = "#1b873f"
HOUSE = "#5b6b7a"

_XML_ILLEGAL = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SPACES = re.compile(r"\s+")

K = TypeVar("K", bound=Hashable)


# --------------------------------------------------------------------------------------------------------
# Parsing and validation
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Person:
    id: str
    name: str
    sex: str
    dob: str
    deceased: bool
    household_id: str
    role: str
    in_safety_network: bool
    knows_the_worries: bool | None


@dataclass(frozen=True, order=True)
class _Relationship:
    type: str
    from_id: str
    to_id: str
    quality: str


@dataclass(frozen=True, order=True)
class _EcoLink:
    person_id: str
    service: str
    strength: str


@dataclass(frozen=True)
class _Network:
    people: dict[str, _Person]
    relationships: tuple[_Relationship, ...]
    ecomap: tuple[_EcoLink, ...]
    addresses: dict[str, str]
    case_id: str


def _xml_safe(value: str) -> str:
    return _XML_ILLEGAL.sub("", value)


def _text(value: object) -> str:
    """A user-supplied value as one line of XML-safe text ('' for None)."""
    if value is None:
        return ""
    return _SPACES.sub(" ", _xml_safe(str(value))).strip()


def _ident(value: object) -> str:
    if value is None or isinstance(value, bool):
        return ""
    return str(value).strip()


def _items(network: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = network.get(key)
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise ValueError(f"family network field {key!r} must be a list")
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise ValueError(f"{key}[{index}] must be an object")
    return list(value)


def _choice(value: object, allowed: frozenset[str], default: str) -> str:
    text = _text(value).lower()
    return text if text in allowed else default


def _parse_person(index: int, raw: Mapping[str, Any]) -> _Person:
    pid = _ident(raw.get("id"))
    if not pid:
        raise ValueError(f"people[{index}] has no id")
    knows = raw.get("knows_the_worries")
    return _Person(
        id=pid,
        name=_text(raw.get("name")) or "(name not recorded)",
        sex=_choice(raw.get("sex"), SEXES, "unknown"),
        dob=_text(raw.get("dob")),
        deceased=raw.get("deceased") is True,
        household_id=_ident(raw.get("household_id")),
        role=_text(raw.get("role")),
        in_safety_network=raw.get("in_safety_network") is True,
        knows_the_worries=knows if isinstance(knows, bool) else None,
    )


def _parse_people(items: list[Mapping[str, Any]]) -> dict[str, _Person]:
    people: dict[str, _Person] = {}
    for index, raw in enumerate(items):
        person = _parse_person(index, raw)
        if person.id in people:
            raise ValueError(f"duplicate person id {person.id!r} in people")
        people[person.id] = person
    return people


def _known_id(raw: Mapping[str, Any], key: str, where: str, people: Mapping[str, _Person]) -> str:
    pid = _ident(raw.get(key))
    if not pid:
        raise ValueError(f"{where} has no {key}")
    if pid not in people:
        raise ValueError(f"{where} refers to unknown person id {pid!r} ({key})")
    return pid


def _parse_relationship(index: int, raw: Mapping[str, Any], people: Mapping[str, _Person]) -> _Relationship:
    kind = _choice(raw.get("type"), RELATIONSHIP_TYPES, "other")
    where = f"relationships[{index}] ({kind})"
    from_id = _known_id(raw, "from_id", where, people)
    to_id = _known_id(raw, "to_id", where, people)
    if from_id == to_id:
        raise ValueError(f"{where} links person id {from_id!r} to itself")
    quality = _choice(raw.get("quality"), QUALITIES, "")
    return _Relationship(type=kind, from_id=from_id, to_id=to_id, quality=quality)


def _parse_link(index: int, raw: Mapping[str, Any], people: Mapping[str, _Person]) -> _EcoLink:
    pid = _known_id(raw, "person_id", f"ecomap_links[{index}]", people)
    service = _text(raw.get("service")) or "(service not recorded)"
    return _EcoLink(person_id=pid, service=service, strength=_choice(raw.get("strength"), STRENGTHS, ""))


def _parse_addresses(items: list[Mapping[str, Any]]) -> dict[str, str]:
    addresses: dict[str, str] = {}
    for raw in items:
        hid = _ident(raw.get("id"))
        if hid and hid not in addresses:
            addresses[hid] = _text(raw.get("address"))
    return addresses


def _parse(network: Mapping[str, Any]) -> _Network:
    if not isinstance(network, Mapping):
        raise ValueError("a family network must be an object")
    people = _parse_people(_items(network, "people"))
    relationships = tuple(
        sorted(_parse_relationship(i, raw, people) for i, raw in enumerate(_items(network, "relationships")))
    )
    links = tuple(sorted(_parse_link(i, raw, people) for i, raw in enumerate(_items(network, "ecomap_links"))))
    return _Network(
        people=people,
        relationships=relationships,
        ecomap=links,
        addresses=_parse_addresses(_items(network, "households")),
        case_id=_text(network.get("case_id")),
    )


# --------------------------------------------------------------------------------------------------------
# Generations
# --------------------------------------------------------------------------------------------------------


@dataclass
class _Graph:
    ids: list[str]
    all_parents: dict[str, list[str]]  # child -> parents, every parent_child_* link
    all_children: dict[str, list[str]]  # parent -> children, every parent_child_* link
    children: dict[str, list[str]]  # parent -> children, links closing a cycle dropped
    parents: dict[str, list[str]]  # child -> parents, links closing a cycle dropped
    topo: list[str]  # parents before children
    partners: dict[str, list[str]]
    others: dict[str, list[str]]  # sibling and "other" links, both ways
    sibling_groups: list[list[str]]
    related: set[str]  # people with at least one relationship
    housemates: dict[str, list[str]]


def _add(mapping: dict[str, list[str]], key: str, value: str) -> None:
    if value not in mapping[key]:
        mapping[key].append(value)
        mapping[key].sort()


def _find(parent: dict[str, str], node: str) -> str:
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


def _sibling_groups(ids: list[str], relationships: Iterable[_Relationship]) -> list[list[str]]:
    parent = {pid: pid for pid in ids}
    for rel in relationships:
        if rel.type in SIBLING_TYPES:
            a, b = sorted((_find(parent, rel.from_id), _find(parent, rel.to_id)))
            parent[b] = a
    groups: dict[str, list[str]] = defaultdict(list)
    for pid in ids:
        groups[_find(parent, pid)].append(pid)
    return [members for _, members in sorted(groups.items()) if len(members) > 1]


def _drop_cycles(ids: list[str], children: dict[str, list[str]]) -> tuple[dict[str, list[str]], list[str]]:
    """Depth-first search in id order; links back to a person still on the stack would close a cycle."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = finished
    kept: dict[str, list[str]] = {pid: [] for pid in ids}
    finished: list[str] = []
    for root in ids:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(children[root]))]
        while stack:
            node, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                state[node] = 2
                finished.append(node)
                stack.pop()
            elif state.get(child) != 1:
                kept[node].append(child)
                if child not in state:
                    state[child] = 1
                    stack.append((child, iter(children[child])))
    return kept, finished[::-1]


def _build_graph(net: _Network) -> _Graph:
    ids = sorted(net.people)
    all_parents: dict[str, list[str]] = {pid: [] for pid in ids}
    all_children: dict[str, list[str]] = {pid: [] for pid in ids}
    partners: dict[str, list[str]] = {pid: [] for pid in ids}
    others: dict[str, list[str]] = {pid: [] for pid in ids}
    related: set[str] = set()
    for rel in net.relationships:
        related.update((rel.from_id, rel.to_id))
        if rel.type in PARENT_TYPES:
            _add(all_parents, rel.to_id, rel.from_id)
            _add(all_children, rel.from_id, rel.to_id)
        elif rel.type in PARTNER_TYPES:
            _add(partners, rel.from_id, rel.to_id)
            _add(partners, rel.to_id, rel.from_id)
        else:
            _add(others, rel.from_id, rel.to_id)
            _add(others, rel.to_id, rel.from_id)
    children, topo = _drop_cycles(ids, all_children)
    parents: dict[str, list[str]] = {pid: [] for pid in ids}
    for parent in ids:
        for child in children[parent]:
            _add(parents, child, parent)
    housemates: dict[str, list[str]] = defaultdict(list)
    for pid in ids:
        if net.people[pid].household_id:
            housemates[net.people[pid].household_id].append(pid)
    return _Graph(
        ids=ids,
        all_parents=all_parents,
        all_children=all_children,
        children=children,
        parents=parents,
        topo=topo,
        partners=partners,
        others=others,
        sibling_groups=_sibling_groups(ids, net.relationships),
        related=related,
        housemates=dict(housemates),
    )


def _layer(graph: _Graph, floors: Mapping[str, int]) -> dict[str, int]:
    """Longest-path layering: a child is at least one generation below each parent, and never above its floor."""
    gen = dict(floors)
    for node in graph.topo:
        for child in graph.children[node]:
            gen[child] = max(gen[child], gen[node] + 1)
    return gen


def _placement(pid: str, household: str, gen: Mapping[str, int], graph: _Graph) -> int:
    """Where a person without parent links belongs: beside a partner, above their own children, else row 0.

    Someone with neither (a friend, a neighbour) is drawn level with the people they are linked to, and someone
    with no relationships at all (a lodger) level with the people they live with.
    """
    candidates = [gen[other] for other in graph.partners[pid]]
    if graph.children[pid]:
        candidates.append(min(gen[child] for child in graph.children[pid]) - 1)
    if not candidates:
        candidates = [gen[other] for other in graph.others[pid]]
    if pid not in graph.related:
        candidates.extend(gen[m] for m in graph.housemates.get(household, []) if m in graph.related)
    return max(candidates, default=0)


def _raise_floors(net: _Network, graph: _Graph, gen: Mapping[str, int], floors: Mapping[str, int]) -> dict[str, int]:
    new = dict(floors)
    for group in graph.sibling_groups:
        shared = max(gen[m] for m in group)
        for member in group:
            new[member] = max(new[member], shared)
    for pid in graph.ids:
        if not graph.parents[pid]:
            new[pid] = max(new[pid], _placement(pid, net.people[pid].household_id, gen, graph))
    return new


def _generations(net: _Network, graph: _Graph) -> dict[str, int]:
    floors = {pid: 0 for pid in graph.ids}
    gen = _layer(graph, floors)
    for _ in range(len(graph.ids) + 1):  # floors only rise; the bound stops contradictory data looping
        new = _raise_floors(net, graph, gen, floors)
        if new == floors:
            break
        floors = new
        gen = _layer(graph, floors)
    return gen


def generations(network: Mapping[str, Any]) -> dict[str, int]:
    """Generation (0 = top row) of every person in an F7 family network, keyed by person id.

    Parents are above children: a child is one generation below its lowest parent (``parent_child_bio``,
    ``_step``, ``_adoptive`` and ``_foster`` all count; ``from_id`` is the parent). People without parent links
    are roots at generation 0, unless they have a partner (then they sit beside the partner) or children (then
    they sit just above them); someone with no relationships at all sits with their household. Siblings and
    half-siblings share a generation. A link that would close a parent/child cycle is ignored.
    Raises ValueError for an invalid document (for example a relationship naming an unknown person id).
    """
    net = _parse(network)
    graph = _build_graph(net)
    return _generations(net, graph)


# --------------------------------------------------------------------------------------------------------
# Layout: units (partner chains) per generation, ordering, x positions
# --------------------------------------------------------------------------------------------------------


@dataclass
class _Layout:
    gen: dict[str, int]
    rows: dict[int, list[list[str]]]  # generation -> units (partners next to each other), left to right
    x: dict[str, float]
    y: dict[str, float]
    index: dict[str, tuple[int, int]]  # person -> (position in unit, unit size)
    ringed: frozenset[str]  # people in the safety network (their symbol has a ring around it)


_SEX_ORDER = {"m": 0, "unknown": 1, "other": 2, "f": 3}


def _chain(members: set[str], graph: _Graph, people: Mapping[str, _Person]) -> list[str]:
    """Order a group of partners so each is next to a partner: start at an end, men first, then walk."""
    degree = {m: sum(1 for p in graph.partners[m] if p in members) for m in members}
    start = min(members, key=lambda m: (degree[m], _SEX_ORDER[people[m].sex], m))
    order: list[str] = []
    stack = [start]
    while stack:
        node = stack.pop()
        if node in order:
            continue
        order.append(node)
        stack.extend(sorted((p for p in graph.partners[node] if p in members and p not in order), reverse=True))
    return order


def _units(graph: _Graph, gen: Mapping[str, int], people: Mapping[str, _Person]) -> dict[int, list[list[str]]]:
    rows: dict[int, list[list[str]]] = defaultdict(list)
    seen: set[str] = set()
    for pid in graph.ids:
        if pid in seen:
            continue
        members, todo = {pid}, [pid]
        while todo:
            for other in graph.partners[todo.pop()]:
                if other not in members and gen[other] == gen[pid]:
                    members.add(other)
                    todo.append(other)
        seen |= members
        rows[gen[pid]].append(_chain(members, graph, people))
    return dict(rows)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _positions(rows: Mapping[int, list[list[str]]]) -> dict[str, float]:
    pos: dict[str, float] = {}
    for units in rows.values():
        for index, pid in enumerate(pid for unit in units for pid in unit):
            pos[pid] = float(index)
    return pos


def _targets(unit: Sequence[str], neighbours: Mapping[str, list[str]], pos: Mapping[str, float]) -> list[float | None]:
    return [_mean([pos[n] for n in neighbours[m]]) if neighbours[m] else None for m in unit]


def _orient(unit: list[str], neighbours: Mapping[str, list[str]], pos: Mapping[str, float]) -> list[str]:
    """Reverse a partner chain when that puts its members nearer the people they link to."""
    targets = [t for t in _targets(unit, neighbours, pos) if t is not None]
    if len(unit) < 2 or len(targets) < 2:
        return unit
    forward = sum(1 for i, a in enumerate(targets) for b in targets[i + 1 :] if a > b)
    backward = sum(1 for i, a in enumerate(targets) for b in targets[i + 1 :] if a < b)
    return unit[::-1] if backward < forward else unit


def _household_of(unit: Sequence[str], people: Mapping[str, _Person]) -> str:
    households = sorted(people[m].household_id for m in unit if people[m].household_id)
    return max(households, key=households.count) if households else ""


def _unit_centre(
    unit: list[str], neighbours: Mapping[str, list[str]], pos: Mapping[str, float], graph: _Graph
) -> float:
    """Mean position of the people a unit links to above/below; else of its other links; else where it is."""
    for links in (neighbours, graph.others):
        values = [t for t in _targets(unit, links, pos) if t is not None]
        if values:
            return _mean(values)
    return _mean([pos[m] for m in unit])


def _sort_row(
    units: list[list[str]],
    neighbours: Mapping[str, list[str]],
    pos: Mapping[str, float],
    graph: _Graph,
    people: Mapping[str, _Person],
) -> list[list[str]]:
    """Barycentre ordering; units of one household are kept together, siblings go eldest first."""
    oriented = [_orient(unit, neighbours, pos) for unit in units]
    centres = [_unit_centre(unit, neighbours, pos, graph) for unit in oriented]
    houses = [_household_of(unit, people) for unit in oriented]
    grouped: dict[str, list[float]] = defaultdict(list)
    for house, centre in zip(houses, centres, strict=True):
        grouped[house].append(centre)

    def key(i: int) -> tuple[float, str, float, str, str]:
        group = _mean(grouped[houses[i]]) if houses[i] else centres[i]
        eldest = min((people[m].dob for m in oriented[i] if people[m].dob), default="~")
        return (group, houses[i], centres[i], eldest, oriented[i][0])

    return [oriented[i] for i in sorted(range(len(oriented)), key=key)]


def _order_rows(rows: dict[int, list[list[str]]], graph: _Graph, people: Mapping[str, _Person]) -> None:
    gens = sorted(rows)
    for sweep in range(5):
        for g in gens[1:]:
            rows[g] = _sort_row(rows[g], graph.all_parents, _positions(rows), graph, people)
        if sweep < 4:
            for g in gens[-2::-1]:
                rows[g] = _sort_row(rows[g], graph.all_children, _positions(rows), graph, people)


def _gap(left: str, right: str, people: Mapping[str, _Person]) -> float:
    a, b = people[left].household_id, people[right].household_id
    return SLOT + (HOUSE_GAP if a != b and (a or b) else 0.0)


def _offsets(unit: Sequence[str], people: Mapping[str, _Person]) -> list[float]:
    offsets = [0.0]
    for left, right in zip(unit, unit[1:], strict=False):
        offsets.append(offsets[-1] + _gap(left, right, people))
    half = offsets[-1] / 2
    return [offset - half for offset in offsets]


def _isotonic(values: Sequence[float], weights: Sequence[float]) -> list[float]:
    """Pool-adjacent-violators: the non-decreasing sequence nearest (weighted least squares) to ``values``."""
    blocks: list[tuple[float, float, int]] = []
    for value, weight in zip(values, weights, strict=True):
        blocks.append((value, weight, 1))
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, n2 = blocks.pop()
            v1, w1, n1 = blocks.pop()
            blocks.append(((v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, n1 + n2))
    return [value for value, _, count in blocks for _ in range(count)]


def _place_row(
    units: list[list[str]],
    desired: Sequence[float],
    weights: Sequence[float],
    people: Mapping[str, _Person],
    x: dict[str, float],
) -> None:
    """Put unit centres as near their desired x as the order and the minimum spacing allow."""
    offsets = [_offsets(unit, people) for unit in units]
    shifts = [0.0]
    for k in range(1, len(units)):
        sep = offsets[k - 1][-1] - offsets[k][0] + _gap(units[k - 1][-1], units[k][0], people)
        shifts.append(shifts[-1] + sep)
    fitted = _isotonic([d - s for d, s in zip(desired, shifts, strict=True)], weights)
    for unit, offs, z, shift in zip(units, offsets, fitted, shifts, strict=True):
        for pid, offset in zip(unit, offs, strict=True):
            x[pid] = z + shift + offset


def _centre(unit: Sequence[str], x: Mapping[str, float]) -> float:
    return (x[unit[0]] + x[unit[-1]]) / 2


def _loose_target(unit: Sequence[str], graph: _Graph, x: Mapping[str, float]) -> float:
    """Where a unit with no parent/child links wants to be: near the people it is otherwise linked to."""
    centre = _centre(unit, x)
    wants = [_mean([x[o] for o in graph.others[m]]) - (x[m] - centre) for m in unit if graph.others[m]]
    return _mean(wants) if wants else centre


def _down_targets(units: list[list[str]], graph: _Graph, x: Mapping[str, float]) -> tuple[list[float], list[float]]:
    desired, weights = [], []
    for unit in units:
        centre = _centre(unit, x)
        wants = [_mean([x[p] for p in graph.all_parents[m]]) - (x[m] - centre) for m in unit if graph.all_parents[m]]
        desired.append(_mean(wants) if wants else _loose_target(unit, graph, x))
        weights.append(float(len(wants)) if wants else 0.3)
    return desired, weights


def _up_targets(units: list[list[str]], graph: _Graph, x: Mapping[str, float]) -> tuple[list[float], list[float]]:
    desired, weights = [], []
    for unit in units:
        shifts = [x[c] - _mean([x[p] for p in graph.all_parents[c]]) for m in unit for c in graph.all_children[m]]
        desired.append(_centre(unit, x) + _mean(shifts) if shifts else _loose_target(unit, graph, x))
        weights.append(float(len(shifts)) if shifts else 0.3)
    return desired, weights


def _assign_x(rows: dict[int, list[list[str]]], graph: _Graph, people: Mapping[str, _Person]) -> dict[str, float]:
    x: dict[str, float] = {}
    gens = sorted(rows)
    for g in gens:
        _place_row(rows[g], [0.0] * len(rows[g]), [1.0] * len(rows[g]), people, x)
    for sweep in range(9):
        for g in gens[1:]:
            _place_row(rows[g], *_down_targets(rows[g], graph, x), people, x)
        if sweep < 8:
            for g in gens[-2::-1]:
                _place_row(rows[g], *_up_targets(rows[g], graph, x), people, x)
    return x


def _layout(net: _Network, graph: _Graph) -> _Layout:
    gen = _generations(net, graph)
    rows = _units(graph, gen, net.people)
    _order_rows(rows, graph, net.people)
    x = _assign_x(rows, graph, net.people)
    shift = MARGIN + SLOT / 2 - min(x.values())
    top = HEADER + 90.0  # moved by _plan so the drawing starts just under the heading
    index = {pid: (i, len(unit)) for units in rows.values() for unit in units for i, pid in enumerate(unit)}
    return _Layout(
        gen=gen,
        rows=rows,
        x={pid: round(value + shift, 1) for pid, value in x.items()},
        y={pid: top + ROW * g for pid, g in gen.items()},
        index=index,
        ringed=frozenset(pid for pid, person in net.people.items() if person.in_safety_network),
    )


# --------------------------------------------------------------------------------------------------------
# SVG primitives
# --------------------------------------------------------------------------------------------------------

Point = tuple[float, float]


@dataclass(frozen=True)
class _Stroke:
    color: str = INK
    width: float = 1.8
    dash: str = ""


def _n(value: float) -> str:
    text = f"{value:.1f}"
    text = text[:-2] if text.endswith(".0") else text
    return "0" if text == "-0" else text


def _attr(value: object) -> str:
    if isinstance(value, float):
        return _n(value)
    return _xml_safe(str(value))


def _el(parent: ET.Element, tag: str, attrs: Mapping[str, object] | None = None, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _attr(v) for k, v in (attrs or {}).items() if v not in (None, "")})
    if text is not None:
        element.text = _xml_safe(text)
    return element


def _stroke_attrs(stroke: _Stroke) -> dict[str, object]:
    return {"fill": "none", "stroke": stroke.color, "stroke-width": stroke.width, "stroke-dasharray": stroke.dash}


def _line(parent: ET.Element, a: Point, b: Point, stroke: _Stroke) -> ET.Element:
    return _el(parent, "line", {"x1": a[0], "y1": a[1], "x2": b[0], "y2": b[1], **_stroke_attrs(stroke)})


def _path(parent: ET.Element, d: str, stroke: _Stroke, extra: Mapping[str, object] | None = None) -> ET.Element:
    return _el(parent, "path", {"d": d, **_stroke_attrs(stroke), **(extra or {})})


def _halo(size: float, fill: str = INK) -> dict[str, object]:
    return {
        "font-size": size,
        "fill": fill,
        "stroke": "#ffffff",
        "stroke-width": 3.0,
        "stroke-linejoin": "round",
        "paint-order": "stroke",
    }


def _label(parent: ET.Element, x: float, y: float, text: str, attrs: Mapping[str, object]) -> ET.Element:
    return _el(parent, "text", {"x": x, "y": y, **attrs}, text)


def _wrap(text: str, width: float, size: float, max_lines: int = 2) -> list[str]:
    """Split ``text`` into at most ``max_lines`` lines that fit ``width`` px; an ellipsis marks a cut."""
    limit = max(4, int(width / (size * CHAR_WIDTH)))
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        while len(word) > limit:  # a single very long word is broken
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


def _unit_vectors(a: Point, b: Point) -> tuple[float, Point, Point]:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy) or 1.0
    u = (dx / length, dy / length)
    return length, u, (-u[1], u[0])


def _along(a: Point, u: Point, t: float, n: Point = (0.0, 0.0), s: float = 0.0) -> Point:
    return (a[0] + u[0] * t + n[0] * s, a[1] + u[1] * t + n[1] * s)


def _zigzag(parent: ET.Element, a: Point, b: Point, stroke: _Stroke) -> None:
    length, u, n = _unit_vectors(a, b)
    points = [a, _along(a, u, 4.0)]
    steps = max(2, int((length - 8) / 6))
    for k in range(1, steps):
        points.append(_along(a, u, 4.0 + k * (length - 8) / steps, n, 4.5 if k % 2 else -4.5))
    points += [_along(a, u, length - 4.0), b]
    _el(parent, "polyline", {"points": " ".join(f"{_n(px)},{_n(py)}" for px, py in points), **_stroke_attrs(stroke)})


def _cut_off(parent: ET.Element, a: Point, b: Point, stroke: _Stroke) -> None:
    length, u, n = _unit_vectors(a, b)
    gap = min(10.0, length / 3)
    for t, end in ((length / 2 - gap / 2, a), (length / 2 + gap / 2, b)):
        _line(parent, end, _along(a, u, t), stroke)
        _line(parent, _along(a, u, t, n, 6.0), _along(a, u, t, n, -6.0), _Stroke(stroke.color, 1.8))


def _styled_segment(parent: ET.Element, a: Point, b: Point, stroke: _Stroke, quality: str) -> None:
    """A straight line between a and b drawn for a relationship quality (zig-zag, break, double or plain)."""
    if quality == "conflicted":
        _zigzag(parent, a, b, _Stroke(RED, max(stroke.width, 1.6)))
    elif quality == "cut_off":
        _cut_off(parent, a, b, stroke)
    elif quality == "close":
        _, _, n = _unit_vectors(a, b)
        for side in (2.4, -2.4):
            _line(parent, _along(a, (0.0, 0.0), 0, n, side), _along(b, (0.0, 0.0), 0, n, side), stroke)
    else:
        _line(parent, a, b, stroke)


def _slashes(parent: ET.Element, a: Point, b: Point, count: int) -> None:
    """Short diagonal strokes across a partner line: one = separated, two = divorced."""
    length, u, _ = _unit_vectors(a, b)
    centre = min(length * 0.3, 26.0)
    for k in range(count):
        px, py = _along(a, u, centre + (k - (count - 1) / 2) * 8.0)
        _line(parent, (px - 5, py + 8), (px + 5, py - 8), _Stroke(INK, 1.8))


def _rounded_path(points: Sequence[Point], radius: float) -> str:
    """A closed path through ``points`` with rounded corners."""
    parts = []
    count = len(points)
    for i, (px, py) in enumerate(points):
        before, after = points[i - 1], points[(i + 1) % count]
        len_b, u_b, _ = _unit_vectors((px, py), before)
        len_a, u_a, _ = _unit_vectors((px, py), after)
        r = min(radius, len_b / 2, len_a / 2)
        start, end = _along((px, py), u_b, r), _along((px, py), u_a, r)
        parts.append(f"{'M' if i == 0 else 'L'} {_n(start[0])} {_n(start[1])}")
        parts.append(f"Q {_n(px)} {_n(py)} {_n(end[0])} {_n(end[1])}")
    return " ".join(parts) + " Z"


# --------------------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------------------


def _parse_date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def _uk(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _age_badge(person: _Person, today: date) -> str:
    born = _parse_date(person.dob)
    if person.deceased or born is None or born > today:
        return ""
    months = (today.year - born.year) * 12 + today.month - born.month - (1 if today.day < born.day else 0)
    return str(months // 12) if months >= 12 else f"{months}m"


def _dob_line(person: _Person, today: date) -> str:
    if not person.dob:
        return ""
    born = _parse_date(person.dob)
    if born is None:
        return f"b. {person.dob}"
    if born > today:
        return f"due {_uk(born)}"
    return f"b. {_uk(born)}" + (" · dec." if person.deceased else "")


def _role_text(person: _Person) -> str:
    return person.role.replace("_", " ").capitalize()


_SEX_WORD = {"m": "male", "f": "female", "other": "other", "unknown": "sex not recorded"}


def _person_tooltip(person: _Person, net: _Network, today: date) -> str:
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
    return " ".join(
        f"{_n(px)},{_n(py)}" for px, py in ((cx, cy - half), (cx + half, cy), (cx, cy + half), (cx - half, cy))
    )


def _shape(parent: ET.Element, sex: str, cx: float, cy: float, size: float, attrs: Mapping[str, object]) -> ET.Element:
    """The genogram symbol for ``sex`` centred on (cx, cy)."""
    half = size / 2
    if sex == "f":
        return _el(parent, "circle", {"cx": cx, "cy": cy, "r": half, **attrs})
    if sex == "other":
        return _el(parent, "polygon", {"points": _diamond(cx, cy, half * 1.2), **attrs})
    box = {"x": cx - half, "y": cy - half, "width": size, "height": size}
    if sex == "m":
        return _el(parent, "rect", {**box, **attrs})
    return _el(parent, "rect", {**box, "rx": size * 0.3, **attrs})


_CROSS_REACH = {"m": 0.5, "f": 0.42, "other": 0.36, "unknown": 0.42}


def _cross(parent: ET.Element, sex: str, cx: float, cy: float, size: float) -> ET.Element:
    h = size * _CROSS_REACH[sex] + 3
    left, right, top, bottom = _n(cx - h), _n(cx + h), _n(cy - h), _n(cy + h)
    d = f"M {left} {top} L {right} {bottom} M {left} {bottom} L {right} {top}"
    return _path(parent, d, _Stroke(INK, 2.0), {"class": "deceased-cross"})


def _symbol(
    parent: ET.Element, sex: str, cx: float, cy: float, size: float, *, deceased: bool, ring: bool
) -> ET.Element:
    if ring:
        _shape(parent, sex, cx, cy, size + 12, {"class": "safety-ring", **_stroke_attrs(_Stroke(GREEN, 3.5))})
    shape = _shape(parent, sex, cx, cy, size, {"fill": "#ffffff", "stroke": INK, "stroke-width": 2.0})
    if deceased:
        _cross(parent, sex, cx, cy, size)
    return shape


def _draw_person(layer: ET.Element, person: _Person, at: Point, net: _Network, today: date) -> None:
    cx, cy = at
    group = _el(layer, "g", {"class": "person", "data-person-id": person.id})
    _el(group, "title", text=_person_tooltip(person, net, today))
    shape = _symbol(group, person.sex, cx, cy, SYMBOL, deceased=person.deceased, ring=person.in_safety_network)
    for key, value in (("class", "symbol"), ("data-person-id", person.id), ("data-sex", person.sex)):
        shape.set(key, _attr(value))
    badge = _age_badge(person, today)
    if badge:
        _label(
            group,
            cx,
            cy + 5,
            badge,
            {"class": "age", "text-anchor": "middle", "font-size": 14.0, "font-weight": "bold"},
        )
    y = cy + SYMBOL / 2 + (22 if person.in_safety_network else 16)
    for line in _wrap(person.name, 2 * LABEL_HALF, 12.5):
        _label(group, cx, y, line, {"class": "name", "text-anchor": "middle", "font-weight": "bold", **_halo(12.5)})
        y += 14
    for text, css, size, colour in (
        (_dob_line(person, today), "dob", 11.0, INK),
        (_role_text(person), "role", 10.5, GREY),
    ):
        if text:
            attrs = {"class": css, "text-anchor": "middle", **_halo(size, colour)}
            _label(group, cx, y, text, {**attrs, "font-style": "italic"} if css == "role" else attrs)
            y += 13


# --------------------------------------------------------------------------------------------------------
# Routing: where each relationship line runs
# --------------------------------------------------------------------------------------------------------

Origin = tuple[str, ...]  # ("couple", left, right) or ("single", parent)


@dataclass
class _Routes:
    couples: set[frozenset[str]]  # partners drawn next to each other on one row
    origin: dict[_Relationship, Origin]
    bar: dict[Origin, float]  # y of the sibling bar under each origin
    brackets: dict[_Relationship, float]  # y of the bracket above a row
    bracket_lanes: dict[float, int]  # row y -> how many bracket lanes are stacked above it


def _adjacent_couples(layout: _Layout, net: _Network) -> set[frozenset[str]]:
    pairs = {
        frozenset((a, b))
        for units in layout.rows.values()
        for unit in units
        for a, b in zip(unit, unit[1:], strict=False)
    }
    linked = {frozenset((r.from_id, r.to_id)) for r in net.relationships if r.type in PARTNER_TYPES}
    return pairs & linked


def _origins(net: _Network, layout: _Layout, couples: set[frozenset[str]]) -> dict[_Relationship, Origin]:
    """Children hang from their parents' couple line when both links are the same kind, else from one parent."""
    by_child: dict[str, list[_Relationship]] = defaultdict(list)
    for rel in net.relationships:
        if rel.type in PARENT_TYPES:
            by_child[rel.to_id].append(rel)
    origin: dict[_Relationship, Origin] = {}
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


def _stub_side(parent: str, children: Iterable[str], layout: _Layout) -> int:
    """Which side a single parent's line leaves from: -1 left, 1 right, 0 straight down (boxed in by partners)."""
    position, size = layout.index[parent]
    xs = [layout.x[c] for c in children]
    toward = 1 if not xs or _mean(xs) >= layout.x[parent] else -1
    free = [side for side, ok in ((-1, position == 0), (1, position == size - 1)) if ok]
    if toward in free:
        return toward
    return free[0] if free else 0


def _origin_start(origin: Origin, children: Iterable[str], layout: _Layout) -> tuple[str, float]:
    """The path prefix from the parents to where the line turns down, and the x it goes down at."""
    if origin[0] == "couple":
        ox = (layout.x[origin[1]] + layout.x[origin[2]]) / 2
        return f"M {_n(ox)} {_n(layout.y[origin[1]])}", ox
    parent = origin[1]
    px, py = layout.x[parent], layout.y[parent]
    side = _stub_side(parent, children, layout)
    if side == 0:
        return f"M {_n(px)} {_n(py + SYMBOL / 2)}", px
    ox = px + side * STUB
    return f"M {_n(px + side * SYMBOL / 2)} {_n(py)} H {_n(ox)}", ox


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


def _origin_row(origin: Origin, layout: _Layout) -> float:
    return layout.y[origin[1]]


def _bars(origin: Mapping[_Relationship, Origin], layout: _Layout) -> dict[Origin, float]:
    children: dict[Origin, set[str]] = defaultdict(set)
    for rel, key in origin.items():
        children[key].add(rel.to_id)
    by_row: dict[float, list[tuple[float, float, Origin]]] = defaultdict(list)
    for key, kids in children.items():
        _, ox = _origin_start(key, kids, layout)
        xs = [ox, *(layout.x[c] for c in kids)]
        by_row[_origin_row(key, layout)].append((min(xs), max(xs), key))
    bars: dict[Origin, float] = {}
    for row_y, intervals in by_row.items():
        for key, lane in _lanes(intervals, 8.0, lambda k: k).items():
            bars[key] = row_y + BAR_BELOW + lane * BAR_STEP
    return bars


def _implied_siblings(rel: _Relationship, routes: _Routes) -> Origin | None:
    """The origin two siblings both hang from, when the shared bar already shows they are siblings."""
    if rel.quality in ("conflicted", "cut_off", "close"):
        return None
    origins_a = {o for r, o in routes.origin.items() if r.to_id == rel.from_id}
    origins_b = {o for r, o in routes.origin.items() if r.to_id == rel.to_id}
    shared = sorted(origins_a & origins_b)
    return shared[0] if shared else None


def _needs_bracket(rel: _Relationship, layout: _Layout, routes: _Routes) -> bool:
    if layout.y[rel.from_id] != layout.y[rel.to_id] or rel.type in PARENT_TYPES:
        return False
    if rel.type in PARTNER_TYPES:
        return frozenset((rel.from_id, rel.to_id)) not in routes.couples
    return rel.type not in SIBLING_TYPES or _implied_siblings(rel, routes) is None


def _brackets(net: _Network, layout: _Layout, routes: _Routes) -> tuple[dict[_Relationship, float], dict[float, int]]:
    by_row: dict[float, list[tuple[float, float, _Relationship]]] = defaultdict(list)
    for rel in net.relationships:
        if _needs_bracket(rel, layout, routes):
            xs = sorted((layout.x[rel.from_id], layout.x[rel.to_id]))
            by_row[layout.y[rel.from_id]].append((xs[0], xs[1], rel))
    brackets: dict[_Relationship, float] = {}
    counts: dict[float, int] = {}
    for row_y, intervals in by_row.items():
        lanes = _lanes(intervals, 6.0, lambda r: r)
        for rel, lane in lanes.items():
            brackets[rel] = row_y - BRACKET_ABOVE - lane * BRACKET_STEP
        counts[row_y] = max(lanes.values()) + 1
    return brackets, counts


def _routes(net: _Network, layout: _Layout) -> _Routes:
    couples = _adjacent_couples(layout, net)
    origin = _origins(net, layout, couples)
    routes = _Routes(couples=couples, origin=origin, bar=_bars(origin, layout), brackets={}, bracket_lanes={})
    routes.brackets, routes.bracket_lanes = _brackets(net, layout, routes)
    return routes


# --------------------------------------------------------------------------------------------------------
# Relationship lines
# --------------------------------------------------------------------------------------------------------

_PARENT_STROKE = {
    "bio": _Stroke(INK, 1.8),
    "step": _Stroke(INK, 1.8, "7 4"),
    "adopted": _Stroke(INK, 1.8, "2 3"),
    "foster": _Stroke(INK, 1.8, "9 3 2 3"),
}
_PARTNER_STROKE = {
    "married": _Stroke(INK, 2.0),
    "partners": _Stroke(INK, 2.0, "8 5"),
    "separated": _Stroke(INK, 2.0),
    "divorced": _Stroke(INK, 2.0),
}
_OTHER_STROKE = {
    "siblings": _Stroke(INK, 1.6),
    "half_siblings": _Stroke(INK, 1.6, "5 3"),
    "other": _Stroke(GREY, 1.6, "2 3"),
}


def _edge_points(a: Point, b: Point, inset: float = SYMBOL / 2 + 4) -> tuple[Point, Point]:
    """The segment between two symbol centres, trimmed so it starts and ends at the symbols' edges."""
    length, u, _ = _unit_vectors(a, b)
    inset = min(inset, length / 3)
    return _along(a, u, inset), _along(a, u, length - inset)


def _at(pid: str, layout: _Layout) -> Point:
    return layout.x[pid], layout.y[pid]


def _connector(
    group: ET.Element, rel: _Relationship, layout: _Layout, routes: _Routes, stroke: _Stroke
) -> tuple[Point, Point]:
    """Join two people: straight between neighbouring partners, a bracket above a row, else a direct line."""
    a, b = sorted((_at(rel.from_id, layout), _at(rel.to_id, layout)))
    if rel in routes.brackets:
        top = routes.brackets[rel]
        start, end = (a[0], top), (b[0], top)
        _line(group, (a[0], a[1] - SYMBOL / 2), start, stroke)
        _line(group, (b[0], b[1] - SYMBOL / 2), end, stroke)
    elif a[1] == b[1]:
        start, end = (a[0] + SYMBOL / 2, a[1]), (b[0] - SYMBOL / 2, b[1])
    else:
        start, end = _edge_points(a, b)
    _styled_segment(group, start, end, stroke, rel.quality)
    return start, end


def _draw_partner(group: ET.Element, rel: _Relationship, layout: _Layout, routes: _Routes) -> None:
    start, end = _connector(group, rel, layout, routes, _PARTNER_STROKE[rel.type])
    marks = {"separated": 1, "divorced": 2}.get(rel.type, 0)
    if marks:
        _slashes(group, start, end, marks)


def _small_label(group: ET.Element, at: Point, text: str, anchor: str = "start") -> None:
    attrs = {"class": "link-label", "text-anchor": anchor, "font-style": "italic", **_halo(10.0, GREY)}
    _label(group, at[0], at[1], text, attrs)


def _draw_parent_child(group: ET.Element, rel: _Relationship, layout: _Layout, routes: _Routes) -> None:
    if rel not in routes.origin:
        _draw_direct_parent_link(group, rel, layout)
        return
    origin = routes.origin[rel]
    kids = sorted(r.to_id for r, o in routes.origin.items() if o == origin)
    prefix, _ = _origin_start(origin, kids, layout)
    bar = routes.bar[origin]
    cx, cy = _at(rel.to_id, layout)
    top = cy - SYMBOL / 2 - (6 if rel.to_id in layout.ringed else 0)
    kind = PARENT_TYPES[rel.type]
    _path(group, f"{prefix} V {_n(bar)} H {_n(cx)} V {_n(top)}", _PARENT_STROKE[kind], {"class": "descent"})
    if kind != "bio" and (origin[0] == "single" or rel.from_id == origin[1]):
        _small_label(group, (cx + 5, (bar + top) / 2 + 4), kind)
    if rel.quality in ("conflicted", "cut_off", "close"):
        _styled_segment(group, *_emotional_ends(_at(rel.from_id, layout), (cx, top)), _Stroke(INK, 1.6), rel.quality)


def _draw_direct_parent_link(group: ET.Element, rel: _Relationship, layout: _Layout) -> None:
    """A parent link that cannot hang down (the data has a parent/child cycle): a straight line between them."""
    kind = PARENT_TYPES[rel.type]
    a, b = _edge_points(_at(rel.from_id, layout), _at(rel.to_id, layout))
    _styled_segment(group, a, b, _PARENT_STROKE[kind], rel.quality)
    _small_label(group, ((a[0] + b[0]) / 2 + 5, (a[1] + b[1]) / 2 - 4), f"parent ({kind})")


def _emotional_ends(parent: Point, child_top: Point) -> tuple[Point, Point]:
    """A parent-child quality line: from the side of the parent facing the child (so it misses the parent's
    label) to just above the child."""
    dx = child_top[0] - parent[0]
    if abs(dx) <= SYMBOL:
        start = (parent[0], parent[1] + SYMBOL / 2 + 4)
    else:
        start = (parent[0] + math.copysign(SYMBOL / 2 + 4, dx), parent[1])
    return start, (child_top[0], child_top[1] - 4)


def _draw_sibling(group: ET.Element, rel: _Relationship, layout: _Layout, routes: _Routes) -> None:
    shared = _implied_siblings(rel, routes)
    if shared is None or rel in routes.brackets:
        start, end = _connector(group, rel, layout, routes, _OTHER_STROKE[rel.type])
        if rel.type == "half_siblings":
            _small_label(group, ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 - 4), "half", "middle")
        return
    # Already shown by the shared sibling bar: trace that bar so the relationship still has its own line.
    (ax, ay), (bx, by) = sorted((_at(rel.from_id, layout), _at(rel.to_id, layout)))
    bar = routes.bar[shared]
    d = f"M {_n(ax)} {_n(ay - SYMBOL / 2)} V {_n(bar)} H {_n(bx)} V {_n(by - SYMBOL / 2)}"
    _path(group, d, _OTHER_STROKE[rel.type], {"class": "sibling-bar"})


def _relationship_title(rel: _Relationship, net: _Network) -> str:
    a, b = net.people[rel.from_id].name, net.people[rel.to_id].name
    if rel.type in PARENT_TYPES:
        text = f"{a} is a parent ({PARENT_TYPES[rel.type]}) of {b}"
    else:
        text = f"{a} and {b}: {rel.type.replace('_', ' ')}"
    return text + (f" ({rel.quality.replace('_', ' ')})" if rel.quality else "")


_TYPE_ORDER = {kind: i for i, kind in enumerate((*PARTNER_TYPES, *PARENT_TYPES, *SIBLING_TYPES, "other"))}


def _draw_relationships(layer: ET.Element, net: _Network, layout: _Layout, routes: _Routes) -> None:
    for rel in sorted(net.relationships, key=lambda r: (_TYPE_ORDER[r.type], r.from_id, r.to_id, r.quality)):
        attrs = {
            "class": "relationship",
            "data-relationship": rel.type,
            "data-from": rel.from_id,
            "data-to": rel.to_id,
            "data-quality": rel.quality,
        }
        group = _el(layer, "g", attrs)
        _el(group, "title", text=_relationship_title(rel, net))
        if rel.type in PARTNER_TYPES:
            _draw_partner(group, rel, layout, routes)
        elif rel.type in PARENT_TYPES:
            _draw_parent_child(group, rel, layout, routes)
        elif rel.type in SIBLING_TYPES:
            _draw_sibling(group, rel, layout, routes)
        else:
            _connector(group, rel, layout, routes, _OTHER_STROKE["other"])


# --------------------------------------------------------------------------------------------------------
# Households
# --------------------------------------------------------------------------------------------------------

Box = tuple[float, float, float, float]  # left, top, right, bottom


def _household_boxes(members: Sequence[str], layout: _Layout, pad_top: float) -> list[Box]:
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


def _simplify(points: list[Point]) -> list[Point]:
    """Drop repeated points and points in the middle of a straight edge."""
    kept: list[Point] = []
    for point in points:
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
    parts = [_rounded_path(_staircase(run), 12.0) for run in runs]
    for upper, lower in zip(runs, runs[1:], strict=False):
        a, b = upper[-1], lower[0]
        parts.append(f"M {_n((a[0] + a[2]) / 2)} {_n(a[3])} L {_n((b[0] + b[2]) / 2)} {_n(b[1])}")
    return " ".join(parts)


@dataclass(frozen=True)
class _HouseholdPlan:
    id: str
    address: str
    lines: list[str]  # the address, wrapped to the top row's width
    boxes: list[Box]


def _household_plans(net: _Network, graph: _Graph, layout: _Layout, routes: _Routes) -> list[_HouseholdPlan]:
    """Where each household boundary goes: the address at the top, clear of any brackets above the symbols."""
    plans = []
    for hid, members in sorted(graph.housemates.items()):
        address = net.addresses.get(hid) or f"Household {hid}"
        top_y = min(layout.y[m] for m in members)
        top_row = [layout.x[pid] for pid in members if layout.y[pid] == top_y]
        lines = _wrap(address, max(top_row) - min(top_row) + 2 * BOX_HALF - 20, 11.0, 3)
        lanes = routes.bracket_lanes.get(top_y, 0)
        pad_top = 14.0 + 13.0 * len(lines) + (lanes * BRACKET_STEP + 8 if lanes else 0.0)
        plans.append(_HouseholdPlan(hid, address, lines, _household_boxes(members, layout, pad_top)))
    return plans


def _draw_households(layer: ET.Element, labels: ET.Element, plans: Iterable[_HouseholdPlan]) -> None:
    for plan in plans:
        attrs = {"class": "household", "data-household-id": plan.id, "stroke-linejoin": "round"}
        boundary = _path(layer, _household_path(plan.boxes), _Stroke(HOUSE, 1.5, "7 5"), attrs)
        _el(boundary, "title", text=f"Household: {plan.address}")
        for i, line in enumerate(plan.lines):
            position = (plan.boxes[0][0] + 10, plan.boxes[0][1] + 15 + 13 * i)
            css = {"class": "household-label", "data-household-id": plan.id, "font-style": "italic"}
            _label(labels, *position, line, {**css, **_halo(11.0, HOUSE)})


# --------------------------------------------------------------------------------------------------------
# Ecomap box, legend, document
# --------------------------------------------------------------------------------------------------------

_STRENGTH_STROKE = {
    "strong": _Stroke(INK, 3.5),
    "weak": _Stroke(INK, 1.5, "5 4"),
    "stressful": _Stroke(RED, 1.6),
    "": _Stroke(GREY, 1.2),
}


def _strength_sample(parent: ET.Element, a: Point, b: Point, strength: str) -> None:
    quality = "conflicted" if strength == "stressful" else ""
    _styled_segment(parent, a, b, _STRENGTH_STROKE[strength], quality)


def _ecomap_height(net: _Network) -> float:
    return 40.0 + 34.0 * len(net.ecomap)


def _draw_ecomap(layer: ET.Element, net: _Network, left: float, top: float) -> float:
    """The ecomap links as a list beside the genogram; returns the box's bottom."""
    height = _ecomap_height(net)
    box = _el(layer, "g", {"class": "ecomap"})
    _el(
        box,
        "rect",
        {"x": left, "y": top, "width": ECOMAP_WIDTH, "height": height, "rx": 8.0, "fill": "#f7f9fb", "stroke": HOUSE},
    )
    _label(
        box,
        left + 12,
        top + 22,
        "Ecomap: services and supports",
        {"font-size": 12.5, "font-weight": "bold", "fill": INK},
    )
    y = top + 46
    for link in sorted(net.ecomap, key=lambda e: (net.people[e.person_id].name, e.person_id, e.service, e.strength)):
        item = _el(
            box,
            "g",
            {
                "class": "ecomap-link",
                "data-person-id": link.person_id,
                "data-service": link.service,
                "data-strength": link.strength,
            },
        )
        _strength_sample(item, (left + 12, y - 4), (left + 46, y - 4), link.strength)
        service = _wrap(link.service, ECOMAP_WIDTH - 72, 11.5, 1)[0]
        _label(item, left + 56, y - 4, service, {"font-size": 11.5, "fill": INK})
        detail = f"{net.people[link.person_id].name} · {link.strength or 'strength not recorded'}"
        _label(item, left + 56, y + 10, _wrap(detail, ECOMAP_WIDTH - 72, 10.0, 1)[0], {"font-size": 10.0, "fill": GREY})
        y += 34
    return top + height


LegendSample = Callable[[ET.Element, float, float], None]


def _symbol_sample(sex: str, *, deceased: bool = False, ring: bool = False) -> LegendSample:
    def draw(parent: ET.Element, x: float, y: float) -> None:
        _symbol(parent, sex, x + 18, y, 18.0, deceased=deceased, ring=ring)

    return draw


def _line_sample(stroke: _Stroke, quality: str = "", slashes: int = 0, label: str = "") -> LegendSample:
    def draw(parent: ET.Element, x: float, y: float) -> None:
        _styled_segment(parent, (x, y), (x + 38, y), stroke, quality)
        if slashes:
            _slashes(parent, (x + 8, y), (x + 38, y), slashes)
        if label:
            _small_label(parent, (x + 19, y - 5), label, "middle")

    return draw


def _house_sample(parent: ET.Element, x: float, y: float) -> None:
    _el(
        parent,
        "rect",
        {"x": x, "y": y - 9, "width": 38.0, "height": 18.0, "rx": 5.0, **_stroke_attrs(_Stroke(HOUSE, 1.5, "5 3"))},
    )


def _bracket_sample(parent: ET.Element, x: float, y: float) -> None:
    _path(parent, f"M {_n(x + 4)} {_n(y + 9)} V {_n(y - 5)} H {_n(x + 34)} V {_n(y + 9)}", _OTHER_STROKE["siblings"])


def _age_sample(parent: ET.Element, x: float, y: float) -> None:
    _symbol(parent, "f", x + 18, y, 18.0, deceased=False, ring=False)
    _label(parent, x + 18, y + 3.5, "9", {"text-anchor": "middle", "font-size": 10.0, "font-weight": "bold"})


_LEGEND: tuple[tuple[str, LegendSample], ...] = (
    ("Male", _symbol_sample("m")),
    ("Female", _symbol_sample("f")),
    ("Other gender", _symbol_sample("other")),
    ("Sex not recorded", _symbol_sample("unknown")),
    ("Deceased", _symbol_sample("m", deceased=True)),
    ("In the safety network", _symbol_sample("f", ring=True)),
    ("Age inside (m = months)", _age_sample),
    ("Household (address)", _house_sample),
    ("Married", _line_sample(_PARTNER_STROKE["married"])),
    ("Partners", _line_sample(_PARTNER_STROKE["partners"])),
    ("Separated", _line_sample(_PARTNER_STROKE["separated"], slashes=1)),
    ("Divorced", _line_sample(_PARTNER_STROKE["divorced"], slashes=2)),
    ("Birth child", _line_sample(_PARENT_STROKE["bio"])),
    ("Step child", _line_sample(_PARENT_STROKE["step"], label="step")),
    ("Adopted child", _line_sample(_PARENT_STROKE["adopted"], label="adopted")),
    ("Foster child", _line_sample(_PARENT_STROKE["foster"], label="foster")),
    ("Siblings (half: dashed)", _bracket_sample),
    ("Other relationship", _line_sample(_OTHER_STROKE["other"])),
    ("Close", _line_sample(_Stroke(INK, 1.4), "close")),
    ("Conflicted", _line_sample(_Stroke(INK, 1.6), "conflicted")),
    ("Cut off", _line_sample(_Stroke(INK, 1.6), "cut_off")),
    ("Service: strong", _line_sample(_STRENGTH_STROKE["strong"])),
    ("Service: weak", _line_sample(_STRENGTH_STROKE["weak"])),
    ("Service: stressful", _line_sample(_STRENGTH_STROKE["stressful"], "conflicted")),
)


def _draw_legend(layer: ET.Element, left: float, top: float, width: float) -> float:
    """The key, in as many columns as fit ``width``; returns its bottom."""
    columns = max(1, int(width // LEGEND_COLUMN))
    rows = math.ceil(len(_LEGEND) / columns)
    height = 38.0 + rows * 28.0
    group = _el(layer, "g", {"class": "legend"})
    _el(
        group,
        "rect",
        {"x": left, "y": top, "width": width, "height": height, "rx": 8.0, "fill": "#fbfbfb", "stroke": "#bbbbbb"},
    )
    _label(group, left + 12, top + 20, "Key", {"font-size": 12.5, "font-weight": "bold", "fill": INK})
    for i, (text, sample) in enumerate(_LEGEND):
        x = left + 14 + (i // rows) * LEGEND_COLUMN
        y = top + 44 + (i % rows) * 28
        item = _el(group, "g", {"class": "legend-item"})
        sample(item, x, y)
        _label(item, x + 50, y + 4, text, {"font-size": 11.0, "fill": INK})
    return top + height


def _svg_root(width: float, height: float, title: str, description: str) -> ET.Element:
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "version": "1.1",
            "width": _n(width),
            "height": _n(height),
            "viewBox": f"0 0 {_n(width)} {_n(height)}",
            "font-family": FONT,
            "role": "img",
        },
    )
    _el(root, "title", text=title)
    _el(root, "desc", text=description)
    _el(root, "rect", {"x": 0.0, "y": 0.0, "width": width, "height": height, "fill": "#ffffff"})
    return root


def _serialise(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _title(net: _Network) -> str:
    return "Genogram: family network" + (f" for case {net.case_id}" if net.case_id else "")


def _heading(root: ET.Element, net: _Network, today: date) -> None:
    _label(root, MARGIN, 34.0, _title(net), {"font-size": 18.0, "font-weight": "bold", "fill": INK})
    note = f"Ages as at {_uk(today)}. Drawn from the family network record; the record, not this drawing, is kept."
    _label(root, MARGIN, 52.0, note, {"font-size": 11.0, "fill": GREY})


def _empty_svg(net: _Network) -> str:
    root = _svg_root(460.0, 110.0, _title(net), "No people are recorded in this family network.")
    _label(root, MARGIN, 40.0, _title(net), {"font-size": 16.0, "font-weight": "bold", "fill": INK})
    _label(root, MARGIN, 70.0, "No people are recorded in this family network yet.", {"font-size": 12.0, "fill": GREY})
    return _serialise(root)


def _description(net: _Network) -> str:
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
    net = _parse(network)
    today = as_of or date.today()
    if not net.people:
        return _empty_svg(net)
    graph = _build_graph(net)
    return _draw(net, graph, _layout(net, graph), today)


def _plan(net: _Network, graph: _Graph, layout: _Layout) -> tuple[_Routes, list[_HouseholdPlan]]:
    """Route the lines and place the household boundaries, first moving the drawing down (or up) so that
    whatever sticks out highest above the first row sits just under the heading."""
    routes = _routes(net, layout)
    plans = _household_plans(net, graph, layout, routes)
    tops = [min(layout.y.values()) - SYMBOL / 2 - 10, *(plan.boxes[0][1] for plan in plans)]
    tops += [y - 16 for y in routes.brackets.values()]
    shift = HEADER + 12 - min(tops)
    if abs(shift) > 0.05:
        layout.y = {pid: y + shift for pid, y in layout.y.items()}
        routes = _routes(net, layout)
        plans = _household_plans(net, graph, layout, routes)
    return routes, plans


def _draw(net: _Network, graph: _Graph, layout: _Layout, today: date) -> str:
    routes, plans = _plan(net, graph, layout)
    right = max(layout.x.values()) + SLOT / 2
    bottom = max(layout.y.values()) + BOX_BELOW + 8
    side = right + 20
    side_bottom = HEADER + 8 + _ecomap_height(net) if net.ecomap else 0.0
    content_right = side + ECOMAP_WIDTH if net.ecomap else right
    width = max(content_right + MARGIN, 4 * LEGEND_COLUMN + 2 * MARGIN)
    legend_top = max(bottom, side_bottom) + 24
    columns_width = width - 2 * MARGIN
    rows = math.ceil(len(_LEGEND) / max(1, int(columns_width // LEGEND_COLUMN)))
    height = legend_top + 38 + rows * 28 + MARGIN
    root = _svg_root(width, height, _title(net), _description(net))
    _heading(root, net, today)
    layers = {name: _el(root, "g", {"class": name}) for name in ("households", "relationships", "people", "labels")}
    _draw_households(layers["households"], layers["labels"], plans)
    _draw_relationships(layers["relationships"], net, layout, routes)
    for pid in graph.ids:
        _draw_person(layers["people"], net.people[pid], _at(pid, layout), net, today)
    if net.ecomap:
        _draw_ecomap(root, net, side, HEADER + 8)
    _draw_legend(root, MARGIN, legend_top, columns_width)
    return _serialise(root)
