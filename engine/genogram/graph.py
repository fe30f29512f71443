"""The family network as a graph, and the generation each person is drawn in.

:class:`Graph` indexes who is whose parent, partner, sibling and housemate. :func:`generations` (public) and
:func:`assign_generations` put parents above children, partners side by side and siblings level, breaking any
parent/child cycle in the data rather than looping.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.genogram.model import PARENT_TYPES, PARTNER_TYPES, SIBLING_TYPES, Network, Relationship, parse


@dataclass
class Graph:
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


def _empty(ids: Iterable[str]) -> dict[str, list[str]]:
    return {pid: [] for pid in ids}


def _add(mapping: dict[str, list[str]], key: str, value: str) -> None:
    if value not in mapping[key]:
        mapping[key].append(value)
        mapping[key].sort()


def _add_both(mapping: dict[str, list[str]], a: str, b: str) -> None:
    _add(mapping, a, b)
    _add(mapping, b, a)


def _find(parent: dict[str, str], node: str) -> str:
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


def _sibling_groups(ids: list[str], relationships: Iterable[Relationship]) -> list[list[str]]:
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
    kept = _empty(ids)
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


def _housemates(net: Network, ids: list[str]) -> dict[str, list[str]]:
    housemates: dict[str, list[str]] = defaultdict(list)
    for pid in ids:
        if net.people[pid].household_id:
            housemates[net.people[pid].household_id].append(pid)
    return dict(housemates)


def _link(graph: Graph, rel: Relationship) -> None:
    graph.related.update((rel.from_id, rel.to_id))
    if rel.type in PARENT_TYPES:
        _add(graph.all_parents, rel.to_id, rel.from_id)
        _add(graph.all_children, rel.from_id, rel.to_id)
    elif rel.type in PARTNER_TYPES:
        _add_both(graph.partners, rel.from_id, rel.to_id)
    else:
        _add_both(graph.others, rel.from_id, rel.to_id)


def build_graph(net: Network) -> Graph:
    """Index the network's relationships by person (every list sorted by id)."""
    ids = sorted(net.people)
    graph = Graph(
        ids=ids,
        all_parents=_empty(ids),
        all_children=_empty(ids),
        children={},
        parents=_empty(ids),
        topo=[],
        partners=_empty(ids),
        others=_empty(ids),
        sibling_groups=_sibling_groups(ids, net.relationships),
        related=set(),
        housemates=_housemates(net, ids),
    )
    for rel in net.relationships:
        _link(graph, rel)
    graph.children, graph.topo = _drop_cycles(ids, graph.all_children)
    for parent in ids:
        for child in graph.children[parent]:
            _add(graph.parents, child, parent)
    return graph


def _layer(graph: Graph, floors: Mapping[str, int]) -> dict[str, int]:
    """Longest-path layering: a child is at least one generation below each parent, and never above its floor."""
    gen = dict(floors)
    for node in graph.topo:
        for child in graph.children[node]:
            gen[child] = max(gen[child], gen[node] + 1)
    return gen


def _placement(pid: str, household: str, gen: Mapping[str, int], graph: Graph) -> int:
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


def _raise_floors(net: Network, graph: Graph, gen: Mapping[str, int], floors: Mapping[str, int]) -> dict[str, int]:
    new = dict(floors)
    for group in graph.sibling_groups:
        shared = max(gen[m] for m in group)
        for member in group:
            new[member] = max(new[member], shared)
    for pid in graph.ids:
        if not graph.parents[pid]:
            new[pid] = max(new[pid], _placement(pid, net.people[pid].household_id, gen, graph))
    return new


def assign_generations(net: Network, graph: Graph) -> dict[str, int]:
    """Generation (0 = top row) of every person, keyed by person id; see :func:`generations`."""
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
    net = parse(network)
    return assign_generations(net, build_graph(net))
