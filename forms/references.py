"""Checks JSON Schema cannot express: the ids inside a family network (F7) must name its own people.

A relationship, an ecomap link or a person's household names another entry by its id; a dangling or
repeated id would make the genogram undrawable after the form was accepted. Ids are compared as the
genogram reads them, with surrounding spaces removed. Each finding is `(path, message)`; the caller
turns the path into a JSON pointer. Any part that is not the expected shape is skipped: the schema
has already reported it.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping
from typing import Any

Path = list[str | int]
Finding = tuple[Path, str]


def family_network_problems(network: object, at: Path) -> Iterator[Finding]:
    """Every id in `network` (found at `at` in the submission) that names nobody, or somebody twice."""
    if not isinstance(network, Mapping):
        return
    people = yield from _unique_ids(network, "people", "person", at)
    households = yield from _unique_ids(network, "households", "household", at)
    for index, person in _entries(network, "people"):
        if "household_id" in person:
            yield from _known(person, "household_id", households, "household", [*at, "people", index])
    for index, link in _entries(network, "relationships"):
        where = [*at, "relationships", index]
        yield from _known(link, "from_id", people, "person", where)
        yield from _known(link, "to_id", people, "person", where)
        if _ident(link.get("from_id")) and _ident(link.get("from_id")) == _ident(link.get("to_id")):
            yield [*where, "to_id"], "Select 2 different people for a relationship"
    for index, link in _entries(network, "ecomap_links"):
        yield from _known(link, "person_id", people, "person", [*at, "ecomap_links", index])


def _entries(network: Mapping[str, Any], name: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    items = network.get(name)
    if isinstance(items, list):
        yield from ((index, item) for index, item in enumerate(items) if isinstance(item, Mapping))


def _ident(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _unique_ids(network: Mapping[str, Any], name: str, noun: str, at: Path) -> Generator[Finding, None, set[str]]:
    """Report blank and repeated ids; the generator's return value is the set of ids seen."""
    seen: set[str] = set()
    for index, entry in _entries(network, name):
        if not isinstance(entry.get("id"), str):
            continue
        ident = _ident(entry["id"])
        if not ident:
            yield [*at, name, index, "id"], f"Enter the {noun} ID"
        elif ident in seen:
            yield [*at, name, index, "id"], f"{noun.capitalize()} ID '{ident}' is already used by another {noun}"
        seen.add(ident)
    return seen


def _known(entry: Mapping[str, Any], field: str, ids: set[str], noun: str, where: Path) -> Iterator[Finding]:
    if not isinstance(entry.get(field), str):
        return
    ident = _ident(entry[field])
    if not ident:
        yield [*where, field], f"Enter the {noun} ID"
    elif ident not in ids:
        yield [*where, field], f"There is no {noun} with ID '{ident}' in this family network"
