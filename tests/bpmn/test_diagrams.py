"""Structural checks for every BPMN diagram in ``bpmn/``.

Each diagram must be executable by SpiffWorkflow and must carry complete diagram interchange (DI) so that it
opens cleanly in bpmn-js / Camunda Modeler: shapes for the pool, every lane and every flow node, edges with
waypoints for every sequence flow, and flow nodes drawn inside the lane that owns them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
DIAGRAMS = sorted(BPMN_DIR.glob("*.bpmn"))

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
FLOW_NODE_TAGS = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "task",
    "userTask",
    "manualTask",
    "serviceTask",
    "scriptTask",
    "businessRuleTask",
    "sendTask",
    "receiveTask",
    "callActivity",
    "subProcess",
    "transaction",
    "exclusiveGateway",
    "inclusiveGateway",
    "parallelGateway",
    "eventBasedGateway",
    "complexGateway",
}
CONTAINER_TAGS = {"process", "subProcess", "transaction"}
BOX_ATTRIBUTES = ("x", "y", "width", "height")
PROPERTY_PATH = "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    def contains(self, other: Box) -> bool:
        return (
            self.x <= other.x
            and self.y <= other.y
            and other.x + other.width <= self.x + self.width
            and other.y + other.height <= self.y + self.height
        )

    def overlaps(self, other: Box) -> bool:
        return (
            self.x < other.x + other.width
            and other.x < self.x + self.width
            and self.y < other.y + other.height
            and other.y < self.y + self.height
        )

    def has_on_border(self, px: float, py: float, tolerance: float = 1.0) -> bool:
        inside_x = self.x - tolerance <= px <= self.x + self.width + tolerance
        inside_y = self.y - tolerance <= py <= self.y + self.height + tolerance
        on_vertical = min(abs(px - self.x), abs(px - self.x - self.width)) <= tolerance
        on_horizontal = min(abs(py - self.y), abs(py - self.y - self.height)) <= tolerance
        return inside_x and inside_y and (on_vertical or on_horizontal)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


@cache
def _tree(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


def _flow_nodes(root: etree._Element) -> list[etree._Element]:
    return [
        el
        for el in root.iter(f"{{{NS['bpmn']}}}*")
        if _local(el) in FLOW_NODE_TAGS and _local(el.getparent()) in CONTAINER_TAGS
    ]


def _lanes(root: etree._Element) -> list[etree._Element]:
    return root.findall(".//bpmn:lane", NS)


def _lane_refs(root: etree._Element) -> dict[str, list[etree._Element]]:
    """Flow node id -> the lanes whose flowNodeRef lists it."""
    refs: dict[str, list[etree._Element]] = {}
    for lane in _lanes(root):
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            refs.setdefault((ref.text or "").strip(), []).append(lane)
    return refs


def _lanes_owning(node: etree._Element, refs: dict[str, list[etree._Element]]) -> list[etree._Element]:
    """Lanes of a flow node; nodes inside a sub-process belong to the sub-process's lane."""
    current: etree._Element | None = node
    while current is not None and _local(current) != "process":
        if current.get("id") in refs:
            return refs[current.get("id")]
        current = current.getparent()
    return []


def _shape_bounds(root: etree._Element) -> dict[str, Box]:
    bounds: dict[str, Box] = {}
    for shape in root.iterfind(".//bpmndi:BPMNShape", NS):
        box = shape.find("dc:Bounds", NS)
        if box is not None:
            bounds[shape.get("bpmnElement")] = Box(*(float(box.get(k)) for k in BOX_ATTRIBUTES))
    return bounds


def _edge_waypoints(root: etree._Element) -> dict[str, list[tuple[float, float]]]:
    return {
        edge.get("bpmnElement"): [
            (float(wp.get("x")), float(wp.get("y"))) for wp in edge.findall("di:waypoint", NS)
        ]
        for edge in root.iterfind(".//bpmndi:BPMNEdge", NS)
    }


def _properties(element: etree._Element) -> dict[str, str]:
    return {prop.get("name"): prop.get("value") for prop in element.findall(PROPERTY_PATH, NS)}


def _attached(first: etree._Element, second: etree._Element) -> bool:
    """True when one of the two is a boundary event attached to the other."""
    return first.get("attachedToRef") == second.get("id") or second.get("attachedToRef") == first.get("id")


def _has_lanes(root: etree._Element) -> bool:
    return bool(_lanes(root))


diagram = pytest.mark.parametrize("path", DIAGRAMS, ids=[p.name for p in DIAGRAMS])


def test_the_bpmn_directory_contains_at_least_one_diagram():
    assert DIAGRAMS, f"no .bpmn files found in {BPMN_DIR}"


@diagram
def test_diagram_passes_schema_validation_and_spiff_parsing(path: Path):
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(path))
    process_ids = [p.get("id") for p in _tree(path).findall("bpmn:process", NS)]
    assert process_ids, "diagram defines no bpmn:process"
    for process_id in process_ids:
        spec = parser.get_spec(process_id)
        assert spec.name == process_id


@diagram
def test_every_flow_node_has_a_shape_with_bounds(path: Path):
    root = _tree(path)
    bounds = _shape_bounds(root)
    missing = [node.get("id") for node in _flow_nodes(root) if node.get("id") not in bounds]
    assert not missing, f"flow nodes without a BPMNShape/dc:Bounds: {missing}"


@diagram
def test_every_participant_and_lane_has_a_horizontal_shape_with_bounds(path: Path):
    root = _tree(path)
    bounds = _shape_bounds(root)
    shapes = {s.get("bpmnElement"): s for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    elements = root.findall(".//bpmn:participant", NS) + _lanes(root)
    missing = [el.get("id") for el in elements if el.get("id") not in bounds]
    assert not missing, f"participants/lanes without a BPMNShape/dc:Bounds: {missing}"
    vertical = [el.get("id") for el in elements if shapes[el.get("id")].get("isHorizontal") != "true"]
    assert not vertical, f"participants/lanes not drawn as horizontal swimlanes: {vertical}"


@diagram
def test_every_sequence_flow_has_an_edge_with_at_least_two_waypoints(path: Path):
    root = _tree(path)
    waypoints = _edge_waypoints(root)
    bad = [
        flow.get("id")
        for flow in root.iterfind(".//bpmn:sequenceFlow", NS)
        if len(waypoints.get(flow.get("id"), [])) < 2
    ]
    assert not bad, f"sequence flows without a BPMNEdge of >= 2 waypoints: {bad}"


@diagram
def test_every_lane_has_a_non_empty_name(path: Path):
    unnamed = [lane.get("id") for lane in _lanes(_tree(path)) if not (lane.get("name") or "").strip()]
    assert not unnamed, f"lanes without a name (the name is the user group): {unnamed}"


@diagram
def test_every_flow_node_is_in_exactly_one_lane(path: Path):
    root = _tree(path)
    if not _has_lanes(root):
        pytest.skip("diagram has no lanes")
    refs = _lane_refs(root)
    bad = {
        node.get("id"): [lane.get("id") for lane in _lanes_owning(node, refs)]
        for node in _flow_nodes(root)
        if len(_lanes_owning(node, refs)) != 1 and not _spans_lanes(node, refs)
    }
    assert not bad, f"flow nodes not in exactly one lane: {bad}"


def _spans_lanes(node: etree._Element, refs: dict[str, list[etree._Element]]) -> bool:
    """An event sub-process in no lane whose own nodes each are in one (it spans them, e.g. MASH's immediate
    danger: the manager's emergency response and the head of service at once); SpiffWorkflow gives the nodes
    of a sub-process the sub-process's lane when it has one, so such a sub-process must have none."""
    inner = [el for el in node if _local(el) in FLOW_NODE_TAGS]
    return (node.get("triggeredByEvent") == "true" and node.get("id") not in refs and bool(inner)
            and all(len(refs.get(el.get("id"), [])) == 1 for el in inner))


@diagram
def test_every_flow_node_shape_lies_within_its_lanes_bounds(path: Path):
    root = _tree(path)
    bounds = _shape_bounds(root)
    refs = _lane_refs(root)
    outside = [
        (node.get("id"), lane.get("id"))
        for node in _flow_nodes(root)
        if _local(node.getparent()) == "process" and node.get("id") in bounds
        for lane in _lanes_owning(node, refs)
        if lane.get("id") in bounds and not bounds[lane.get("id")].contains(bounds[node.get("id")])
    ]
    assert not outside, f"flow node shapes outside their lane: {outside}"


@diagram
def test_every_boundary_event_sits_on_the_border_of_its_task(path: Path):
    root = _tree(path)
    bounds = _shape_bounds(root)
    off_border = []
    for event in root.iterfind(".//bpmn:boundaryEvent", NS):
        event_box, host_box = bounds.get(event.get("id")), bounds.get(event.get("attachedToRef"))
        if event_box is None or host_box is None:
            off_border.append(event.get("id"))
            continue
        centre = (event_box.x + event_box.width / 2, event_box.y + event_box.height / 2)
        if not host_box.has_on_border(*centre):
            off_border.append(event.get("id"))
    assert not off_border, f"boundary events not centred on their task's border: {off_border}"


@diagram
def test_flow_node_shapes_in_the_same_container_do_not_overlap(path: Path):
    root = _tree(path)
    bounds = _shape_bounds(root)
    nodes = [n for n in _flow_nodes(root) if n.get("id") in bounds]
    overlapping = []
    for i, first in enumerate(nodes):
        for second in nodes[i + 1 :]:
            same_container = first.getparent() is second.getparent()
            if (
                same_container
                and not _attached(first, second)
                and bounds[first.get("id")].overlaps(bounds[second.get("id")])
            ):
                overlapping.append((first.get("id"), second.get("id")))
    assert not overlapping, f"overlapping flow node shapes: {overlapping}"


@diagram
def test_every_user_task_is_in_a_lane_and_has_a_form_property(path: Path):
    root = _tree(path)
    refs = _lane_refs(root)
    problems = []
    for task in root.iterfind(".//bpmn:userTask", NS):
        if not _lanes_owning(task, refs):
            problems.append(f"{task.get('id')}: not in a lane")
        if not (_properties(task).get("form") or "").strip():
            problems.append(f"{task.get('id')}: no 'form' property")
    assert not problems, "; ".join(problems)
