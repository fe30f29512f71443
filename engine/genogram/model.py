"""The F7 ``family_network`` document, validated and normalised for drawing (domain.md §8).

:func:`parse` turns the stored JSON into frozen records: vocabulary it does not know falls back to a neutral
value, free text becomes one line of XML-safe text, and relationships and ecomap links are sorted so nothing
downstream depends on input order. A missing or duplicate person id, a list that is not a list, or a
relationship or ecomap link naming an unknown person raises :class:`ValueError` naming the problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

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

_XML_ILLEGAL = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Person:
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
class Relationship:
    type: str
    from_id: str
    to_id: str
    quality: str


@dataclass(frozen=True, order=True)
class EcoLink:
    person_id: str
    service: str
    strength: str


@dataclass(frozen=True)
class Network:
    people: dict[str, Person]
    relationships: tuple[Relationship, ...]
    ecomap: tuple[EcoLink, ...]
    addresses: dict[str, str]
    case_id: str


_Linked = TypeVar("_Linked", Relationship, EcoLink)
_ParseLinked = Callable[[int, Mapping[str, Any], Mapping[str, Person]], _Linked]


def xml_safe(value: str) -> str:
    """``value`` without the characters XML cannot carry."""
    return _XML_ILLEGAL.sub("", value)


def _text(value: object) -> str:
    """A user-supplied value as one line of XML-safe text ('' for None)."""
    if value is None:
        return ""
    return _SPACES.sub(" ", xml_safe(str(value))).strip()


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


def _parse_person(index: int, raw: Mapping[str, Any]) -> Person:
    pid = _ident(raw.get("id"))
    if not pid:
        raise ValueError(f"people[{index}] has no id")
    knows = raw.get("knows_the_worries")
    return Person(
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


def _parse_people(items: list[Mapping[str, Any]]) -> dict[str, Person]:
    people: dict[str, Person] = {}
    for index, raw in enumerate(items):
        person = _parse_person(index, raw)
        if person.id in people:
            raise ValueError(f"duplicate person id {person.id!r} in people")
        people[person.id] = person
    return people


def _known_id(raw: Mapping[str, Any], key: str, where: str, people: Mapping[str, Person]) -> str:
    pid = _ident(raw.get(key))
    if not pid:
        raise ValueError(f"{where} has no {key}")
    if pid not in people:
        raise ValueError(f"{where} refers to unknown person id {pid!r} ({key})")
    return pid


def _parse_relationship(index: int, raw: Mapping[str, Any], people: Mapping[str, Person]) -> Relationship:
    kind = _choice(raw.get("type"), RELATIONSHIP_TYPES, "other")
    where = f"relationships[{index}] ({kind})"
    from_id = _known_id(raw, "from_id", where, people)
    to_id = _known_id(raw, "to_id", where, people)
    if from_id == to_id:
        raise ValueError(f"{where} links person id {from_id!r} to itself")
    quality = _choice(raw.get("quality"), QUALITIES, "")
    return Relationship(type=kind, from_id=from_id, to_id=to_id, quality=quality)


def _parse_link(index: int, raw: Mapping[str, Any], people: Mapping[str, Person]) -> EcoLink:
    pid = _known_id(raw, "person_id", f"ecomap_links[{index}]", people)
    service = _text(raw.get("service")) or "(service not recorded)"
    return EcoLink(person_id=pid, service=service, strength=_choice(raw.get("strength"), STRENGTHS, ""))


def _parse_linked(
    network: Mapping[str, Any], key: str, people: Mapping[str, Person], parse_one: _ParseLinked[_Linked]
) -> tuple[_Linked, ...]:
    return tuple(sorted(parse_one(index, raw, people) for index, raw in enumerate(_items(network, key))))


def _parse_addresses(items: list[Mapping[str, Any]]) -> dict[str, str]:
    addresses: dict[str, str] = {}
    for raw in items:
        hid = _ident(raw.get("id"))
        if hid and hid not in addresses:
            addresses[hid] = _text(raw.get("address"))
    return addresses


def parse(network: Mapping[str, Any]) -> Network:
    """Validate and normalise an F7 family network; raises ValueError naming the first problem found."""
    if not isinstance(network, Mapping):
        raise ValueError("a family network must be an object")
    people = _parse_people(_items(network, "people"))
    return Network(
        people=people,
        relationships=_parse_linked(network, "relationships", people, _parse_relationship),
        ecomap=_parse_linked(network, "ecomap_links", people, _parse_link),
        addresses=_parse_addresses(_items(network, "households")),
        case_id=_text(network.get("case_id")),
    )
