"""Where each person goes: generations become rows, partners sit side by side, households stay together.

People are grouped into units (a chain of partners in one generation), units are ordered along each row by
barycentre sweeps, and units are then placed as near as the spacing allows to the people they link to above
and below. Everything is sorted by id, so the layout is deterministic, and symbols never overlap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from engine.genogram.graph import Graph, assign_generations
from engine.genogram.model import Network, Person
from engine.genogram.svg import Point

# Geometry, in SVG user units (px at 100%).
SYMBOL = 44.0  # side of a square / diameter of a circle
SLOT = 150.0  # horizontal distance between neighbouring people
HOUSE_GAP = 30.0  # extra space between neighbours living in different households
ROW = 240.0  # vertical distance between generations
MARGIN = 24.0
HEADER = 62.0  # heading above the drawing

_SEX_ORDER = {"m": 0, "unknown": 1, "other": 2, "f": 3}

Units = list[list[str]]
_Wish = Callable[[Sequence[str], Graph, Mapping[str, float]], tuple[float, int] | None]


@dataclass
class Layout:
    gen: dict[str, int]
    rows: dict[int, Units]  # generation -> units (partners next to each other), left to right
    x: dict[str, float]
    y: dict[str, float]
    index: dict[str, tuple[int, int]]  # person -> (position in unit, unit size)
    ringed: frozenset[str]  # people in the safety network (their symbol has a ring around it)

    def at(self, pid: str) -> Point:
        """The centre of a person's symbol."""
        return self.x[pid], self.y[pid]


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _chain(members: set[str], graph: Graph, people: Mapping[str, Person]) -> list[str]:
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


def _units(graph: Graph, gen: Mapping[str, int], people: Mapping[str, Person]) -> dict[int, Units]:
    rows: dict[int, Units] = defaultdict(list)
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


def _sweeps(gens: list[int], count: int) -> Iterator[tuple[int, bool]]:
    """``count`` passes down the generations, each but the last followed by one back up; True = going down."""
    for sweep in range(count):
        yield from ((g, True) for g in gens[1:])
        if sweep < count - 1:
            yield from ((g, False) for g in gens[-2::-1])


def _positions(rows: Mapping[int, Units]) -> dict[str, float]:
    pos: dict[str, float] = {}
    for units in rows.values():
        for index, pid in enumerate(pid for unit in units for pid in unit):
            pos[pid] = float(index)
    return pos


def _targets(unit: Sequence[str], neighbours: Mapping[str, list[str]], pos: Mapping[str, float]) -> list[float | None]:
    return [mean([pos[n] for n in neighbours[m]]) if neighbours[m] else None for m in unit]


def _orient(unit: list[str], neighbours: Mapping[str, list[str]], pos: Mapping[str, float]) -> list[str]:
    """Reverse a partner chain when that puts its members nearer the people they link to."""
    targets = [t for t in _targets(unit, neighbours, pos) if t is not None]
    if len(unit) < 2 or len(targets) < 2:
        return unit
    forward = sum(1 for i, a in enumerate(targets) for b in targets[i + 1 :] if a > b)
    backward = sum(1 for i, a in enumerate(targets) for b in targets[i + 1 :] if a < b)
    return unit[::-1] if backward < forward else unit


def _household_of(unit: Sequence[str], people: Mapping[str, Person]) -> str:
    households = sorted(people[m].household_id for m in unit if people[m].household_id)
    return max(households, key=households.count) if households else ""


def _unit_centre(unit: list[str], neighbours: Mapping[str, list[str]], pos: Mapping[str, float], graph: Graph) -> float:
    """Mean position of the people a unit links to above/below; else of its other links; else where it is."""
    for links in (neighbours, graph.others):
        values = [t for t in _targets(unit, links, pos) if t is not None]
        if values:
            return mean(values)
    return mean([pos[m] for m in unit])


def _sort_row(
    units: Units,
    neighbours: Mapping[str, list[str]],
    pos: Mapping[str, float],
    graph: Graph,
    people: Mapping[str, Person],
) -> Units:
    """Barycentre ordering; units of one household are kept together, siblings go eldest first."""
    oriented = [_orient(unit, neighbours, pos) for unit in units]
    centres = [_unit_centre(unit, neighbours, pos, graph) for unit in oriented]
    houses = [_household_of(unit, people) for unit in oriented]
    grouped: dict[str, list[float]] = defaultdict(list)
    for house, centre in zip(houses, centres, strict=True):
        grouped[house].append(centre)

    def key(i: int) -> tuple[float, str, float, str, str]:
        group = mean(grouped[houses[i]]) if houses[i] else centres[i]
        eldest = min((people[m].dob for m in oriented[i] if people[m].dob), default="~")
        return (group, houses[i], centres[i], eldest, oriented[i][0])

    return [oriented[i] for i in sorted(range(len(oriented)), key=key)]


def _order_rows(rows: dict[int, Units], graph: Graph, people: Mapping[str, Person]) -> None:
    for g, down in _sweeps(sorted(rows), 5):
        links = graph.all_parents if down else graph.all_children
        rows[g] = _sort_row(rows[g], links, _positions(rows), graph, people)


def _gap(left: str, right: str, people: Mapping[str, Person]) -> float:
    a, b = people[left].household_id, people[right].household_id
    return SLOT + (HOUSE_GAP if a != b and (a or b) else 0.0)


def _offsets(unit: Sequence[str], people: Mapping[str, Person]) -> list[float]:
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
    units: Units, desired: Sequence[float], weights: Sequence[float], people: Mapping[str, Person], x: dict[str, float]
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


def _loose_target(unit: Sequence[str], graph: Graph, x: Mapping[str, float]) -> float:
    """Where a unit with no parent/child links wants to be: near the people it is otherwise linked to."""
    centre = _centre(unit, x)
    wants = [mean([x[o] for o in graph.others[m]]) - (x[m] - centre) for m in unit if graph.others[m]]
    return mean(wants) if wants else centre


def _below_parents(unit: Sequence[str], graph: Graph, x: Mapping[str, float]) -> tuple[float, int] | None:
    """Where a unit wants to be under its parents, and how many links pull it there."""
    centre = _centre(unit, x)
    wants = [mean([x[p] for p in graph.all_parents[m]]) - (x[m] - centre) for m in unit if graph.all_parents[m]]
    return (mean(wants), len(wants)) if wants else None


def _above_children(unit: Sequence[str], graph: Graph, x: Mapping[str, float]) -> tuple[float, int] | None:
    """Where a unit wants to be over its children, and how many links pull it there."""
    shifts = [x[c] - mean([x[p] for p in graph.all_parents[c]]) for m in unit for c in graph.all_children[m]]
    return (_centre(unit, x) + mean(shifts), len(shifts)) if shifts else None


def _row_targets(units: Units, graph: Graph, x: Mapping[str, float], wish: _Wish) -> tuple[list[float], list[float]]:
    desired, weights = [], []
    for unit in units:
        target, pull = wish(unit, graph, x) or (_loose_target(unit, graph, x), 0.3)
        desired.append(target)
        weights.append(float(pull))
    return desired, weights


def _assign_x(rows: dict[int, Units], graph: Graph, people: Mapping[str, Person]) -> dict[str, float]:
    x: dict[str, float] = {}
    for g in sorted(rows):
        _place_row(rows[g], [0.0] * len(rows[g]), [1.0] * len(rows[g]), people, x)
    for g, down in _sweeps(sorted(rows), 9):
        _place_row(rows[g], *_row_targets(rows[g], graph, x, _below_parents if down else _above_children), people, x)
    return x


def lay_out(net: Network, graph: Graph) -> Layout:
    """Generations, row order and positions of everyone in the network."""
    gen = assign_generations(net, graph)
    rows = _units(graph, gen, net.people)
    _order_rows(rows, graph, net.people)
    x = _assign_x(rows, graph, net.people)
    shift = MARGIN + SLOT / 2 - min(x.values())
    top = HEADER + 90.0  # moved by document._plan so the drawing starts just under the heading
    index = {pid: (i, len(unit)) for units in rows.values() for unit in units for i, pid in enumerate(unit)}
    return Layout(
        gen=gen,
        rows=rows,
        x={pid: round(value + shift, 1) for pid, value in x.items()},
        y={pid: top + ROW * g for pid, g in gen.items()},
        index=index,
        ringed=frozenset(pid for pid, person in net.people.items() if person.in_safety_network),
    )
