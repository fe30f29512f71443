"""Behaviour of engine.genogram: the F7 family network drawn as an SVG genogram (domain.md §8 F7).

The SVG is parsed with xml.etree and its structure checked (which shapes, which data attributes, what is above
or inside what), never its pixels.
"""

from __future__ import annotations

import copy
import random
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from engine.genogram import generations, render_genogram

NS = {"svg": "http://www.w3.org/2000/svg"}
SVG = "{http://www.w3.org/2000/svg}"
AS_OF = date(2026, 3, 12)


def person(pid, name, sex=None, **extra):
    record = {"id": pid, "name": name, "role": extra.pop("role", "extended_family"), "in_safety_network": False}
    if sex is not None:
        record["sex"] = sex
    record.update(extra)
    return record


def rel(from_id, to_id, kind, quality=None):
    record = {"from_id": from_id, "to_id": to_id, "type": kind}
    if quality is not None:
        record["quality"] = quality
    return record


# Three generations, a remarried mother, a step child, an adopted cousin, four households and two services.
FAMILY = {
    "case_id": "CSC-2026-0142",
    "people": [
        person("gma", "Margaret Hughes", "f", dob="1952-04-11", deceased=True),
        person("gpa", "George Hughes", "m", dob="1950-09-02", household_id="h3", in_safety_network=True),
        person("nan", "Patricia Walsh", "f", dob="1958-01-20", household_id="h2", in_safety_network=True),
        person("mum", "Sarah Hughes", "f", dob="1990-06-15", household_id="h1", role="parent"),
        person("dad", "Mark Walsh", "m", dob="1988-03-03", household_id="h2", role="parent"),
        person("jason", "Jason Reid", "m", dob="1986-11-30", household_id="h1", role="carer"),
        person("aunt", "Emma Clarke", "f", dob="1987-08-08", household_id="h4", in_safety_network=True),
        person("uncle", "David Clarke", "m", household_id="h4"),
        person("lily", "Lily Walsh", "f", dob="2016-05-02", household_id="h1", role="sibling"),
        person("noah", "Noah Walsh", "m", dob="2019-01-17", household_id="h1", role="sibling"),
        person("ava", "Ava Reid", "f", dob="2025-07-09", household_id="h1", role="sibling"),
        person("tyler", "Tyler Reid", "m", dob="2012-10-21", household_id="h1", role="sibling"),
        person("kai", "Kai Clarke", "other", dob="2010-03-30", household_id="h4"),
        person("bev", "Bev (neighbour)", "f", role="friend", in_safety_network=True),
        person("bump", "Unborn baby", "unknown", dob="2026-08-01", household_id="h1", role="sibling"),
    ],
    "relationships": [
        rel("gpa", "gma", "married", "close"),
        rel("gpa", "mum", "parent_child_bio"),
        rel("gma", "mum", "parent_child_bio"),
        rel("gpa", "aunt", "parent_child_bio"),
        rel("gma", "aunt", "parent_child_bio"),
        rel("nan", "dad", "parent_child_bio", "cut_off"),
        rel("dad", "mum", "divorced", "conflicted"),
        rel("mum", "jason", "partners"),
        rel("aunt", "uncle", "married"),
        rel("dad", "lily", "parent_child_bio"),
        rel("mum", "lily", "parent_child_bio"),
        rel("dad", "noah", "parent_child_bio"),
        rel("mum", "noah", "parent_child_bio"),
        rel("mum", "ava", "parent_child_bio"),
        rel("jason", "ava", "parent_child_bio"),
        rel("jason", "tyler", "parent_child_bio", "conflicted"),
        rel("mum", "tyler", "parent_child_step"),
        rel("aunt", "kai", "parent_child_adoptive"),
        rel("uncle", "kai", "parent_child_adoptive"),
        rel("mum", "bump", "parent_child_bio"),
        rel("jason", "bump", "parent_child_bio"),
        rel("lily", "noah", "siblings", "close"),
        rel("lily", "tyler", "half_siblings"),
        rel("mum", "aunt", "siblings"),
        rel("bev", "mum", "other"),
    ],
    "households": [
        {"id": "h1", "address": "14 Acacia Avenue, Leeds LS6 2AB"},
        {"id": "h2", "address": "Flat 3, 27 Harehills Lane, Leeds LS8 4HR"},
        {"id": "h3", "address": "2 Mill Cottages, Otley LS21 1AA"},
        {"id": "h4", "address": "9 Station Road, Ilkley"},
    ],
    "ecomap_links": [
        {"person_id": "lily", "service": "Oakfield Primary School", "strength": "strong"},
        {"person_id": "jason", "service": "Probation", "strength": "stressful"},
        {"person_id": "mum", "service": "Health visitor"},
    ],
}


def render(network, **kwargs):
    return ET.fromstring(render_genogram(network, as_of=AS_OF, **kwargs))


def symbols(root):
    return {el.get("data-person-id"): el for el in root.iter() if el.get("class") == "symbol"}


def person_group(root, pid):
    (group,) = [el for el in root.iter(f"{SVG}g") if el.get("class") == "person" and el.get("data-person-id") == pid]
    return group


def centre(el):
    if el.tag == f"{SVG}circle":
        return float(el.get("cx")), float(el.get("cy"))
    if el.tag == f"{SVG}rect":
        return float(el.get("x")) + float(el.get("width")) / 2, float(el.get("y")) + float(el.get("height")) / 2
    points = [tuple(map(float, p.split(","))) for p in el.get("points").split()]
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def bbox(el):
    if el.tag == f"{SVG}polygon":
        points = [tuple(map(float, p.split(","))) for p in el.get("points").split()]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        return min(xs), min(ys), max(xs), max(ys)
    x, y = centre(el)
    half = float(el.get("r")) if el.tag == f"{SVG}circle" else float(el.get("width")) / 2
    return x - half, y - half, x + half, y + half


def relationship_groups(root):
    return [el for el in root.iter(f"{SVG}g") if el.get("class") == "relationship"]


def relationship_group(root, from_id, to_id, kind):
    (group,) = [
        g
        for g in relationship_groups(root)
        if (g.get("data-from"), g.get("data-to"), g.get("data-relationship")) == (from_id, to_id, kind)
    ]
    return group


def drawn(group):
    return [el for el in group if el.tag in (f"{SVG}line", f"{SVG}path", f"{SVG}polyline")]


def households(root):
    return {el.get("data-household-id"): el for el in root.iter() if el.get("class") == "household"}


def outlines(path_d):
    """The closed outlines in a household path (corner control points included, so corners are exact)."""
    shapes = []
    for sub in re.split(r"(?=M)", path_d):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", sub)]
        if "Z" in sub:
            shapes.append(list(zip(numbers[::2], numbers[1::2], strict=True)))
    return shapes


def inside(point, polygon):
    x, y = point
    result = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            result = not result
    return result


def within_household(root, hid, pid):
    shapes = outlines(households(root)[hid].get("d"))
    return any(inside(centre(symbols(root)[pid]), shape) for shape in shapes)


def texts(root):
    return [el.text for el in root.iter(f"{SVG}text")]


# ----------------------------------------------------------------------------------------------------- symbols


def test_each_male_is_drawn_as_exactly_one_square_carrying_his_person_id():
    root = render(FAMILY)
    males = {p["id"] for p in FAMILY["people"] if p.get("sex") == "m"}
    squares = [el for el in root.iter(f"{SVG}rect") if el.get("class") == "symbol" and el.get("data-sex") == "m"]
    assert sorted(el.get("data-person-id") for el in squares) == sorted(males)
    assert all(el.get("width") == el.get("height") and el.get("rx") is None for el in squares)


def test_each_female_is_drawn_as_exactly_one_circle_carrying_her_person_id():
    root = render(FAMILY)
    females = {p["id"] for p in FAMILY["people"] if p.get("sex") == "f"}
    circles = [el for el in root.iter(f"{SVG}circle") if el.get("class") == "symbol"]
    assert sorted(el.get("data-person-id") for el in circles) == sorted(females)


def test_other_gender_is_a_diamond_and_sex_not_recorded_is_a_rounded_square():
    network = {"people": [person("o", "Kai", "other"), person("u", "Baby", "unknown"), person("x", "No sex field")]}
    marks = symbols(render(network))
    assert marks["o"].tag == f"{SVG}polygon" and len(marks["o"].get("points").split()) == 4
    for pid in ("u", "x"):
        assert marks[pid].tag == f"{SVG}rect" and float(marks[pid].get("rx")) > 0
        assert marks[pid].get("data-sex") == "unknown"


def test_every_person_appears_once_whatever_their_sex():
    root = render(FAMILY)
    assert sorted(symbols(root)) == sorted(p["id"] for p in FAMILY["people"])
    assert len([el for el in root.iter() if el.get("class") == "symbol"]) == len(FAMILY["people"])


def test_a_deceased_person_has_a_cross_through_their_symbol_and_the_living_do_not():
    root = render(FAMILY)
    crosses = [el for el in person_group(root, "gma") if el.get("class") == "deceased-cross"]
    assert len(crosses) == 1
    x1, y1, x2, y2 = bbox(symbols(root)["gma"])
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", crosses[0].get("d"))]
    assert min(numbers[::2]) <= x1 + 10 and max(numbers[::2]) >= x2 - 10  # reaches across the symbol
    assert min(numbers[1::2]) <= y1 + 10 and max(numbers[1::2]) >= y2 - 10
    assert not [el for el in person_group(root, "mum") if el.get("class") == "deceased-cross"]


def test_people_in_the_safety_network_have_a_green_ring_around_their_symbol():
    root = render(FAMILY)
    for p in FAMILY["people"]:
        rings = [el for el in person_group(root, p["id"]) if el.get("class") == "safety-ring"]
        assert len(rings) == (1 if p["in_safety_network"] else 0), p["id"]
        if rings:
            assert rings[0].get("stroke").lower() == "#1b873f"
            ring, mark = bbox(rings[0]), bbox(symbols(root)[p["id"]])
            assert ring[0] < mark[0] and ring[2] > mark[2]  # around the symbol, not on it


def test_name_age_and_date_of_birth_are_written_under_the_symbol():
    root = render(FAMILY)
    group = person_group(root, "lily")
    _, _, _, bottom = bbox(symbols(root)["lily"])
    labels = {el.get("class"): el for el in group.iter(f"{SVG}text")}
    assert labels["name"].text == "Lily Walsh" and float(labels["name"].get("y")) > bottom
    assert labels["dob"].text == "b. 02/05/2016" and float(labels["dob"].get("y")) > float(labels["name"].get("y"))
    assert labels["age"].text == "9"
    assert person_group(root, "ava").find("svg:text[@class='age']", NS).text == "8m"
    assert person_group(root, "bump").find("svg:text[@class='dob']", NS).text == "due 01/08/2026"


# ----------------------------------------------------------------------------------------------- relationships


def test_every_relationship_has_its_own_line_naming_from_and_to():
    root = render(FAMILY)
    found = sorted(
        (g.get("data-from"), g.get("data-to"), g.get("data-relationship")) for g in relationship_groups(root)
    )
    assert found == sorted((r["from_id"], r["to_id"], r["type"]) for r in FAMILY["relationships"])
    assert all(drawn(g) for g in relationship_groups(root))


def test_partners_are_joined_by_a_horizontal_line_between_their_symbols():
    root = render(FAMILY)
    (line,) = drawn(relationship_group(root, "aunt", "uncle", "married"))
    assert line.tag == f"{SVG}line" and line.get("y1") == line.get("y2")
    assert line.get("stroke-dasharray") is None  # married: solid
    ends = sorted((float(line.get("x1")), float(line.get("x2"))))
    aunt, uncle = bbox(symbols(root)["aunt"]), bbox(symbols(root)["uncle"])
    left, right = sorted((aunt, uncle))
    assert left[2] <= ends[0] < ends[1] <= right[0]


def test_unmarried_partners_are_dashed_separated_has_one_slash_and_divorced_two():
    network = {
        "people": [
            person(p, p.title(), "m" if p[0] == "m" else "f") for p in ("m1", "f1", "m2", "f2", "m3", "f3", "m4", "f4")
        ],
        "relationships": [
            rel("m1", "f1", "married"),
            rel("m2", "f2", "partners"),
            rel("m3", "f3", "separated"),
            rel("m4", "f4", "divorced"),
        ],
    }
    root = render(network)

    def slashes(group):
        return [el for el in drawn(group) if el.get("y1") != el.get("y2")]

    assert [
        len(slashes(relationship_group(root, f"m{i}", f"f{i}", kind)))
        for i, kind in enumerate(("married", "partners", "separated", "divorced"), start=1)
    ] == [0, 0, 1, 2]
    assert drawn(relationship_group(root, "m2", "f2", "partners"))[0].get("stroke-dasharray")
    assert not drawn(relationship_group(root, "m1", "f1", "married"))[0].get("stroke-dasharray")


def test_children_hang_from_the_middle_of_their_parents_line():
    root = render(FAMILY)
    for child in ("lily", "noah"):
        for parent in ("dad", "mum"):
            (descent,) = drawn(relationship_group(root, parent, child, "parent_child_bio"))
            start = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", descent.get("d"))[:2]]
            mum_x, dad_x = centre(symbols(root)["mum"])[0], centre(symbols(root)["dad"])[0]
            assert start == [pytest.approx((mum_x + dad_x) / 2), pytest.approx(centre(symbols(root)["mum"])[1])]
            assert descent.get("d").rstrip().endswith(f"{bbox(symbols(root)[child])[1]:g}")  # ends on the child


def test_step_adoptive_and_foster_links_are_dashed_or_dotted_and_labelled():
    network = {
        "people": [
            person("p", "Parent", "f"),
            person("s", "Step", "m"),
            person("a", "Adopted", "f"),
            person("f", "Foster", "m"),
            person("b", "Birth", "f"),
        ],
        "relationships": [
            rel("p", "s", "parent_child_step"),
            rel("p", "a", "parent_child_adoptive"),
            rel("p", "f", "parent_child_foster"),
            rel("p", "b", "parent_child_bio"),
        ],
    }
    root = render(network)
    patterns = set()
    for child, kind, label in (("s", "step", "step"), ("a", "adoptive", "adopted"), ("f", "foster", "foster")):
        group = relationship_group(root, "p", child, f"parent_child_{kind}")
        assert drawn(group)[0].get("stroke-dasharray"), kind
        patterns.add(drawn(group)[0].get("stroke-dasharray"))
        assert [el.text for el in group.iter(f"{SVG}text")] == [label]
    assert len(patterns) == 3  # each kind has its own pattern
    birth = relationship_group(root, "p", "b", "parent_child_bio")
    assert not drawn(birth)[0].get("stroke-dasharray") and not list(birth.iter(f"{SVG}text"))


def test_a_conflicted_relationship_is_a_red_zigzag():
    root = render(FAMILY)
    for args in (("dad", "mum", "divorced"), ("jason", "tyler", "parent_child_bio")):
        zigzags = [el for el in drawn(relationship_group(root, *args)) if el.tag == f"{SVG}polyline"]
        assert zigzags and zigzags[0].get("stroke").lower() == "#c62828", args
        assert len(zigzags[0].get("points").split()) > 6


def test_a_cut_off_relationship_is_drawn_with_a_break():
    root = render(FAMILY)
    group = relationship_group(root, "nan", "dad", "parent_child_bio")
    lines = [el for el in drawn(group) if el.tag == f"{SVG}line"]
    assert len(lines) == 4  # two halves with a gap, and a bar across each side of the gap
    assert group.get("data-quality") == "cut_off"


def test_a_close_relationship_is_a_double_line():
    root = render(FAMILY)
    lines = drawn(relationship_group(root, "gpa", "gma", "married"))
    assert len(lines) == 2 and {el.get("y1") for el in lines} != {lines[0].get("y1")}


# ------------------------------------------------------------------------------------------------ generations


def test_grandparents_are_above_parents_who_are_above_children():
    root = render(FAMILY)
    marks = symbols(root)
    y = {pid: centre(el)[1] for pid, el in marks.items()}
    assert y["gpa"] < y["mum"] < y["lily"]
    assert y["nan"] < y["dad"] < y["noah"]
    assert y["gpa"] == y["gma"] == y["nan"]
    assert y["lily"] == y["noah"] == y["ava"] == y["tyler"] == y["kai"] == y["bump"]


def test_generations_come_from_every_kind_of_parent_link():
    assert generations(FAMILY) == {
        "gma": 0, "gpa": 0, "nan": 0,
        "mum": 1, "dad": 1, "jason": 1, "aunt": 1, "uncle": 1, "bev": 1,
        "lily": 2, "noah": 2, "ava": 2, "tyler": 2, "kai": 2, "bump": 2,
    }  # fmt: skip
    chain = {
        "people": [person(p, p) for p in "abcde"],
        "relationships": [
            rel("a", "b", "parent_child_step"),
            rel("b", "c", "parent_child_adoptive"),
            rel("c", "d", "parent_child_foster"),
            rel("d", "e", "parent_child_bio"),
        ],
    }
    assert generations(chain) == {"a": 0, "b": 1, "c": 2, "d": 3, "e": 4}


def test_a_partner_without_parents_shares_their_partners_generation():
    network = {
        "people": [person("g", "Gran"), person("m", "Mum"), person("d", "Dad"), person("c", "Child")],
        "relationships": [rel("g", "m", "parent_child_bio"), rel("d", "m", "married")],
    }
    assert generations(network) == {"g": 0, "m": 1, "d": 1, "c": 0}


def test_a_parent_without_parents_sits_just_above_their_child():
    network = {
        "people": [person("g", "Gran"), person("m", "Mum"), person("d", "Dad"), person("c", "Child")],
        "relationships": [
            rel("g", "m", "parent_child_bio"),
            rel("m", "c", "parent_child_bio"),
            rel("d", "c", "parent_child_bio"),
        ],
    }
    assert generations(network) == {"g": 0, "m": 1, "d": 1, "c": 2}


def test_siblings_and_half_siblings_share_a_generation():
    network = {
        "people": [person(p, p) for p in ("gran", "mum", "kid", "sib", "half")],
        "relationships": [
            rel("gran", "mum", "parent_child_bio"),
            rel("mum", "kid", "parent_child_bio"),
            rel("sib", "kid", "siblings"),
            rel("kid", "half", "half_siblings"),
        ],
    }
    gens = generations(network)
    assert gens["kid"] == gens["sib"] == gens["half"] == 2


def test_people_without_any_parent_or_partner_link_are_roots_at_generation_zero():
    network = {"people": [person("a", "A"), person("b", "B")], "relationships": [rel("a", "b", "parent_child_bio")]}
    assert generations(network) == {"a": 0, "b": 1}
    assert generations({"people": [person("x", "Alone")]}) == {"x": 0}


def test_a_friend_sits_level_with_the_person_they_are_linked_to_and_a_lodger_with_their_household():
    network = {
        "people": [
            person("gran", "Gran"),
            person("mum", "Mum", household_id="h"),
            person("friend", "Friend", role="friend"),
            person("lodger", "Lodger", role="friend", household_id="h"),
        ],
        "relationships": [rel("gran", "mum", "parent_child_bio"), rel("friend", "mum", "other")],
    }
    assert generations(network) == {"gran": 0, "mum": 1, "friend": 1, "lodger": 1}


def test_a_parent_child_cycle_is_broken_rather_than_looping():
    network = {
        "people": [person(p, p.upper(), "f") for p in "abc"],
        "relationships": [
            rel("a", "b", "parent_child_bio"),
            rel("b", "c", "parent_child_bio"),
            rel("c", "a", "parent_child_bio"),
            rel("a", "c", "married"),
            rel("b", "a", "siblings"),
        ],
    }
    gens = generations(network)
    assert set(gens) == {"a", "b", "c"} and all(isinstance(g, int) for g in gens.values())
    root = render(network)
    assert len(relationship_groups(root)) == 5


# ------------------------------------------------------------------------------------------------- households


def test_each_household_has_one_dashed_boundary_around_exactly_its_members():
    root = render(FAMILY)
    boundaries = households(root)
    assert sorted(boundaries) == ["h1", "h2", "h3", "h4"]
    assert all(el.get("stroke-dasharray") for el in boundaries.values())
    for p in FAMILY["people"]:
        for hid in boundaries:
            assert within_household(root, hid, p["id"]) == (p.get("household_id") == hid), (hid, p["id"])


def test_a_household_boundary_is_labelled_with_its_address():
    root = render(FAMILY)
    labels = [el for el in root.iter(f"{SVG}text") if el.get("class") == "household-label"]
    h3 = " ".join(el.text for el in labels if el.get("data-household-id") == "h3")
    assert h3 == "2 Mill Cottages, Otley LS21 1AA"
    assert households(root)["h1"].find("svg:title", NS).text == "Household: 14 Acacia Avenue, Leeds LS6 2AB"


def test_a_household_without_an_address_is_labelled_with_its_id():
    network = {"people": [person("a", "A", household_id="h9"), person("b", "B", household_id="h9")]}
    root = render(network)
    assert [el.text for el in root.iter(f"{SVG}text") if el.get("class") == "household-label"] == ["Household h9"]
    assert within_household(root, "h9", "a") and within_household(root, "h9", "b")


# ------------------------------------------------------------------------------------------- layout and output


def test_symbols_never_overlap():
    for network in (FAMILY, big_family(3), big_family(11)):
        boxes = [bbox(el) for el in symbols(render(network)).values()]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert a[2] + 20 <= b[0] or b[2] + 20 <= a[0] or a[3] + 20 <= b[1] or b[3] + 20 <= a[1], (a, b)


def test_the_drawing_does_not_depend_on_the_order_of_the_input():
    expected = render_genogram(FAMILY, as_of=AS_OF)
    for seed in range(3):
        shuffled = copy.deepcopy(FAMILY)
        for key in ("people", "relationships", "households", "ecomap_links"):
            random.Random(seed).shuffle(shuffled[key])
        assert render_genogram(shuffled, as_of=AS_OF) == expected


def test_the_document_is_a_sized_svg_with_a_title_and_a_key():
    text = render_genogram(FAMILY, as_of=AS_OF)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}" and width > 600 and height > 400
    assert root.find("svg:title", NS).text == "Genogram: family network for case CSC-2026-0142"
    legend = [el for el in root.iter(f"{SVG}g") if el.get("class") == "legend"]
    assert len(legend) == 1
    legend_texts = [el.text for el in legend[0].iter(f"{SVG}text")]
    for word in ("Male", "Female", "Deceased", "In the safety network", "Married", "Divorced", "Conflicted", "Cut off"):
        assert word in legend_texts
    legend_top = min(float(el.get("y")) for el in legend[0].iter(f"{SVG}rect"))
    assert all(bbox(el)[3] < legend_top for el in symbols(root).values())  # the key is at the bottom


def test_the_drawing_starts_below_the_heading_whatever_sticks_out_above_the_first_row():
    for network in (FAMILY, big_family(2), {"people": [person("a", "A", household_id="h")]}):
        root = render(network)
        heading_bottom = max(float(el.get("y")) for el in root.findall("svg:text", NS))
        tops = [bbox(el)[1] for el in symbols(root).values()]
        tops += [min(y for _, y in shape) for el in households(root).values() for shape in outlines(el.get("d"))]
        tops += [float(el.get("y")) - 12 for el in root.iter(f"{SVG}text") if el.get("class") == "household-label"]
        assert min(tops) > heading_bottom


def test_ecomap_links_are_listed_in_a_side_box_with_service_and_strength():
    root = render(FAMILY)
    links = [el for el in root.iter(f"{SVG}g") if el.get("class") == "ecomap-link"]
    assert sorted((el.get("data-person-id"), el.get("data-service"), el.get("data-strength")) for el in links) == [
        ("jason", "Probation", "stressful"),
        ("lily", "Oakfield Primary School", "strong"),
        ("mum", "Health visitor", None),
    ]
    assert "Lily Walsh · strong" in texts(root)
    right_of_people = max(bbox(el)[2] for el in symbols(root).values())
    assert all(float(el.find("svg:text", NS).get("x")) > right_of_people for el in links)


def test_names_are_escaped_and_rendered_as_text():
    nasty = '<script>alert("x")</script> & Sons'
    network = {
        "people": [person("a", nasty, "m", household_id="h"), person("b", "<b>Jo</b> & Al", "f")],
        "households": [{"id": "h", "address": "1 <Main> St & Co"}],
        "relationships": [rel("a", "b", "married")],
        "ecomap_links": [{"person_id": "a", "service": "<i>GP</i> & co", "strength": "weak"}],
    }
    text = render_genogram(network, as_of=AS_OF)
    assert "<script" not in text and "<b>" not in text and "<i>" not in text and "<Main>" not in text
    assert "&lt;script&gt;" in text and "&amp; Sons" in text
    root = ET.fromstring(text)
    assert person_group(root, "a").find("svg:title", NS).text.startswith(nasty + ";")
    assert [el.text for el in person_group(root, "b").iter(f"{SVG}text") if el.get("class") == "name"] == [
        "<b>Jo</b> & Al"
    ]
    assert "1 <Main> St & Co" in texts(root)
    assert "<i>GP</i> & co" in texts(root)


def test_characters_xml_cannot_carry_are_dropped():
    root = render({"people": [person("a", "Ann\x00\x0b\x1f Lee", "f")]})
    assert [el.text for el in root.iter(f"{SVG}text") if el.get("class") == "name"] == ["Ann Lee"]


def test_an_empty_network_is_a_small_valid_svg():
    for network in ({}, {"people": [], "relationships": [], "households": [], "ecomap_links": []}):
        root = render(network)
        assert root.tag == f"{SVG}svg" and root.find("svg:title", NS) is not None
        assert float(root.get("width")) <= 600 and float(root.get("height")) <= 200
        assert not symbols(root)


def test_a_partial_network_missing_optional_fields_is_drawn():
    network = {
        "people": [
            {"id": "a", "name": "A", "role": "parent", "in_safety_network": False},
            {"id": "b", "name": "B", "role": "parent", "in_safety_network": True, "dob": "not a date"},
            {"id": 3, "name": "C", "role": "sibling", "in_safety_network": False, "household_id": "missing"},
        ],
        "relationships": [
            {"from_id": "a", "to_id": "b", "type": "partners"},
            {"from_id": "a", "to_id": 3, "type": "parent_child_bio"},
        ],
    }
    root = render(network)
    assert sorted(symbols(root)) == ["3", "a", "b"]
    assert "b. not a date" in texts(root)
    assert len(relationship_groups(root)) == 2


@pytest.mark.parametrize(
    ("network", "named"),
    [
        ({"people": [person("a", "A")], "relationships": [rel("a", "ghost", "married")]}, "ghost"),
        ({"people": [person("a", "A")], "relationships": [rel("nobody", "a", "parent_child_bio")]}, "nobody"),
        ({"people": [person("a", "A")], "ecomap_links": [{"person_id": "p404", "service": "GP"}]}, "p404"),
        ({"people": [person("a", "A"), person("a", "Again")]}, "'a'"),
        ({"people": [{"name": "No id"}]}, "people[0]"),
        ({"people": [person("a", "A")], "relationships": [rel("a", "a", "siblings")]}, "'a'"),
    ],
)
def test_an_invalid_network_raises_value_error_naming_the_problem(network, named):
    for function in (render_genogram, generations):
        with pytest.raises(ValueError, match=re.escape(named)):
            function(network)


def big_family(children_per_couple):
    """Four generations, with remarriages: a stress test for overlaps."""
    people = [person("g1", "Grandad", "m", household_id="hg"), person("g2", "Grandma", "f", household_id="hg")]
    relationships = [rel("g1", "g2", "married")]
    for i in range(3):
        kid, spouse, ex = f"k{i}", f"s{i}", f"x{i}"
        people += [
            person(kid, f"Kid {i}", "mf"[i % 2], household_id=f"hk{i}"),
            person(spouse, f"Spouse {i}", "fm"[i % 2], household_id=f"hk{i}"),
        ]
        people.append(person(ex, f"Ex {i}", "fm"[i % 2]))
        relationships += [rel("g1", kid, "parent_child_bio"), rel("g2", kid, "parent_child_bio")]
        relationships += [rel(kid, spouse, "married"), rel(kid, ex, "divorced")]
        for j in range(children_per_couple):
            grandchild = f"c{i}{j}"
            people.append(
                person(grandchild, f"Grandchild {i}.{j} with a long name", "mf"[j % 2], household_id=f"hk{i}")
            )
            parent = spouse if j % 3 else ex
            relationships += [rel(kid, grandchild, "parent_child_bio"), rel(parent, grandchild, "parent_child_bio")]
            if j == 0:
                people.append(person(f"gg{i}", f"Great-grandchild {i}", "unknown"))
                relationships.append(rel(grandchild, f"gg{i}", "parent_child_foster"))
    return {"people": people, "relationships": relationships}
