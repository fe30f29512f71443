"""Draw the escalation ladder (domain §7) into the diagrams: run by hand, `python tools/ladder.py bpmn/*.bpmn`.

For every user task with a `due` and no boundary timer yet, it adds a non-interrupting timer at that
deadline leading to a level-1 task in the manager's lane; each level-1 task gets a timer at its own
`due` (one working day after the breach) leading to a level-2 task in the `service_manager` lane, and
that one to a level-3 task in the `head_of_service` lane. Items configured as RED go to the head of
service at once (always, or when a condition holds). A task already marked `escalation_level` 1 (a
hand-drawn level 1) gets levels 2 and 3. Each new element gets its shape and edges: a band added at the
bottom of the manager's lane and two lanes at the bottom of the pool, one column per deadline.

The diagrams are the source of truth: run once, then edit deadlines and rungs in the diagram; a task
that already has a boundary timer is left alone, so a second run changes nothing.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
      "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
B, DI, DC, DDI, SPIFF = (f"{{{NS[k]}}}" for k in ("bpmn", "bpmndi", "dc", "di", "spiffworkflow"))
XSI_TYPE = f"{{{NS['xsi']}}}type"

SERVICE, HEAD = "service_manager", "head_of_service"
BAND = 130          # height of a new lane or of the band added to a manager's lane
TASK_W, TASK_H, EVENT, GATEWAY = 100, 80, 36, 50
COLUMN, RED_COLUMN = 220, 400

# Level 1 by process and the late task's lane ("*": any other lane); domain §7, and the groups of §6.
MANAGER = {
    "mash_screening": {"*": "mash_manager"},
    "strategy_discussion": {"*": "team_manager"},
    "cp_conference": {"social_worker": "team_manager", "core_group": "team_manager", "*": "cp_unit"},
    "lado_allegation": {"*": "lado_manager"},
    "cin_assessment": {"*": "team_manager"},
    "cin_plan": {"*": "team_manager"},
    "early_help": {"*": "team_manager"},
}
RED_NOW = {"emergency_response"}  # immediate danger: breach goes to the head of service at once
RED_WHEN = {task: 'rag == "red"' for task in ("partner_check_police", "partner_check_health",
                                               "partner_check_education", "partner_check_other")}
LEVEL_NAMES = {1: "Breach", 2: "Escalated to service manager", 3: "Escalated to head of service"}


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass
class Diagram:
    root: etree._Element
    key: str
    process: etree._Element
    plane: etree._Element
    new_nodes: list[etree._Element] = field(default_factory=list)
    new_flows: list[etree._Element] = field(default_factory=list)
    shapes: list[tuple[str, Box, bool]] = field(default_factory=list)
    edges: list[tuple[str, list[tuple[float, float]]]] = field(default_factory=list)
    lane_of: dict[str, str] = field(default_factory=dict)  # new node id -> lane name
    columns: list[tuple[float, float]] = field(default_factory=list)

    def props(self, element: etree._Element) -> dict[str, str]:
        path = f"{B}extensionElements/{SPIFF}properties/{SPIFF}property"
        return {p.get("name"): p.get("value") for p in element.findall(path)}

    def lane_element(self, name: str) -> etree._Element | None:
        return next((lane for lane in self.process.iter(f"{B}lane") if lane.get("name") == name), None)

    def lane_name_of(self, node_id: str) -> str:
        for lane in self.process.iter(f"{B}lane"):
            if any(ref.text == node_id for ref in lane.findall(f"{B}flowNodeRef")):
                return str(lane.get("name"))
        return self.lane_of[node_id]

    def bounds(self, element_id: str) -> Box:
        for shape in self.plane.findall(f"{DI}BPMNShape"):
            if shape.get("bpmnElement") == element_id:
                b = shape.find(f"{DC}Bounds")
                return Box(*(float(b.get(k)) for k in ("x", "y", "width", "height")))
        for node_id, box, _ in self.shapes:
            if node_id == element_id:
                return box
        raise KeyError(element_id)


# --- geometry: bands and lanes --------------------------------------------------------------------------


def _shift_below(d: Diagram, line: float, dy: float) -> None:
    """Move every shape, label and waypoint at or below `line` down by `dy`; stretch what spans it."""
    for bounds in d.plane.iter(f"{DC}Bounds"):
        y, h = float(bounds.get("y")), float(bounds.get("height"))
        if y >= line:
            bounds.set("y", _num(y + dy))
        elif y + h >= line and bounds.getparent().tag == f"{DI}BPMNShape" and _is_container(d, bounds.getparent()):
            bounds.set("height", _num(h + dy))
    for point in d.plane.iter(f"{DDI}waypoint"):
        if float(point.get("y")) >= line:
            point.set("y", _num(float(point.get("y")) + dy))


def _is_container(d: Diagram, shape: etree._Element) -> bool:
    element = shape.get("bpmnElement")
    return any(e.get("id") == element for e in d.root.iter(f"{B}lane", f"{B}participant"))


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def add_band(d: Diagram, lane_name: str) -> float:
    """Add a band at the bottom of `lane_name`; returns the band's top."""
    lane = d.lane_element(lane_name)
    box = d.bounds(str(lane.get("id")))
    line = box.y + box.h
    _shift_below(d, line, BAND)
    return line


def add_lane(d: Diagram, lane_name: str) -> float:
    """Add an empty lane at the bottom of the pool (if missing); returns its top."""
    if d.lane_element(lane_name) is not None:
        box = d.bounds(str(d.lane_element(lane_name).get("id")))
        return box.y + box.h - BAND
    lane_set = d.process.find(f"{B}laneSet")
    lane = etree.SubElement(lane_set, f"{B}lane", id=f"lane_{lane_name}", name=lane_name)
    lanes = [s for s in d.plane.findall(f"{DI}BPMNShape") if s.get("bpmnElement", "").startswith("lane_")]
    last = max((d.bounds(s.get("bpmnElement")) for s in lanes), key=lambda b: b.y)
    top = last.y + last.h
    pool = d.plane.find(f"{DI}BPMNShape[@bpmnElement='Participant_{d.key}']/{DC}Bounds")
    pool.set("height", _num(float(pool.get("height")) + BAND))
    shape = etree.Element(f"{DI}BPMNShape", id=f"{lane.get('id')}_di", bpmnElement=str(lane.get("id")),
                          isHorizontal="true")
    etree.SubElement(shape, f"{DC}Bounds", x=_num(last.x), y=_num(top), width=_num(last.w), height=str(BAND))
    lanes[-1].addnext(shape)
    return top


def allocate(d: Diagram, desired: float, width: float) -> float:
    x = max(desired, 200.0)
    for start, end in sorted(d.columns):
        if x < end and start < x + width:
            x = end
    d.columns.append((x, x + width))
    return x


def widen(d: Diagram) -> None:
    right = max((box.x + box.w for _, box, _ in d.shapes), default=0) + 60
    for shape in d.plane.findall(f"{DI}BPMNShape"):
        if _is_container(d, shape):
            b = shape.find(f"{DC}Bounds")
            if float(b.get("x")) + float(b.get("width")) < right:
                b.set("width", _num(right - float(b.get("x"))))


# --- elements -------------------------------------------------------------------------------------------


def _properties(parent: etree._Element, values: dict[str, str]) -> None:
    ext = etree.SubElement(parent, f"{B}extensionElements")
    props = etree.SubElement(ext, f"{SPIFF}properties")
    for name, value in values.items():
        etree.SubElement(props, f"{SPIFF}property", name=name, value=value)


def _flow(d: Diagram, flow_id: str, source: str, target: str, condition: str | None = None,
          name: str | None = None) -> None:
    flow = etree.Element(f"{B}sequenceFlow", id=flow_id, sourceRef=source, targetRef=target)
    if name:
        flow.set("name", name)
    if condition:
        expr = etree.SubElement(flow, f"{B}conditionExpression")
        expr.set(XSI_TYPE, "bpmn:tFormalExpression")
        expr.text = condition
    d.new_flows.append(flow)
    for element in [*d.process, *d.new_nodes]:
        if element.get("id") == source:
            _link(element, "outgoing", flow_id)
        if element.get("id") == target:
            _link(element, "incoming", flow_id)


def _link(element: etree._Element, kind: str, flow_id: str) -> None:
    link = etree.Element(f"{B}{kind}")
    link.text = flow_id
    existing = element.findall(f"{B}{kind}")
    if existing:
        existing[-1].addnext(link)
    elif kind == "incoming":
        _after_header(element).addnext(link) if _after_header(element) is not None else element.insert(0, link)
    else:
        anchor = element.findall(f"{B}incoming") or [_after_header(element)]
        if anchor[-1] is not None:
            anchor[-1].addnext(link)
        else:
            element.insert(0, link)


def _after_header(element: etree._Element) -> etree._Element | None:
    header = [c for c in element if c.tag in (f"{B}documentation", f"{B}extensionElements")]
    return header[-1] if header else None


def _node(d: Diagram, tag: str, node_id: str, name: str, lane: str, box: Box, **attrs: str) -> etree._Element:
    node = etree.Element(f"{B}{tag}", id=node_id, name=name, **attrs)
    d.new_nodes.append(node)
    d.lane_of[node_id] = lane
    d.shapes.append((node_id, box, tag == "exclusiveGateway"))
    return node


def later(base: str, days: int) -> str:
    """`base` plus `days` working days, folding `add_working_days(x, n)` into one call."""
    match = re.fullmatch(r"add_working_days\((.*), (\d+)\)", base)
    if match:
        return f"add_working_days({match.group(1)}, {int(match.group(2)) + days})"
    return base if days == 0 else f"add_working_days({base}, {days})"


def timer(d: Diagram, host: str, timer_id: str, name: str, when: str, rule: str, level: int, below: bool) -> None:
    host_box = d.bounds(host)
    y = host_box.y + host_box.h - EVENT / 2 if below else host_box.y - EVENT / 2
    box = Box(host_box.x + 70 - EVENT / 2, y, EVENT, EVENT)
    node = _node(d, "boundaryEvent", timer_id, name, d.lane_name_of(host), box, cancelActivity="false",
                 attachedToRef=host)
    _properties(node, {"rule": rule, "escalation_level": str(level)})
    definition = etree.SubElement(node, f"{B}timerEventDefinition", id=f"TimerEventDefinition_{timer_id}")
    time_date = etree.SubElement(definition, f"{B}timeDate")
    time_date.set(XSI_TYPE, "bpmn:tFormalExpression")
    time_date.text = when


def escalation_task(d: Diagram, task_id: str, level: int, of: str, of_name: str, due: str, rule: str,
                    lane: str, box: Box) -> None:
    name = f"{LEVEL_NAMES[level]}: {of_name}"
    node = _node(d, "userTask", task_id, name, lane, box)
    doc = etree.SubElement(node, f"{B}documentation")
    doc.text = (f"Level {level} of the escalation ladder (domain §7) for '{of_name}' ({rule}): record why it is late, "
                "the action agreed and whether it goes higher. Escalation never changes the late task's due date.")
    _properties(node, {"form": "overdue_review", "due": due, "due_rule": rule, "escalation_level": str(level),
                       "escalation_of": of})
    end_box = Box(box.x + TASK_W + 40, box.cy - EVENT / 2, EVENT, EVENT)
    _node(d, "endEvent", f"{task_id}_done", f"{LEVEL_NAMES[level]} reviewed", lane, end_box)
    _flow(d, f"flow_{task_id}_done", task_id, f"{task_id}_done")
    d.edges.append((f"flow_{task_id}_done", [(box.x + TASK_W, box.cy), (end_box.x, end_box.cy)]))


def route(source: Box, target: Box, from_timer: bool = True) -> list[tuple[float, float]]:
    """Orthogonal waypoints from a timer (its bottom or top) to the top or bottom centre of the target."""
    down = target.y > source.y
    start = (source.cx, source.y + source.h if down else source.y)
    end = (target.cx, target.y if down else target.y + target.h)
    if start[0] == end[0]:
        return [start, end]
    mid = end[1] - 15 if down else end[1] + 15
    return [start, (start[0], mid), (end[0], mid), end]


# --- chains ---------------------------------------------------------------------------------------------


def deadline_chain(d: Diagram, task: etree._Element, bands: dict[str, float], tops: dict[str, float]) -> None:
    tid, props = str(task.get("id")), d.props(task)
    due, rule, name = props["due"], props.get("due_rule", ""), str(task.get("name"))
    host = d.bounds(tid)
    manager = MANAGER[d.key].get(d.lane_name_of(tid), MANAGER[d.key]["*"])
    if tid in RED_NOW:
        x = allocate(d, host.x, COLUMN)
        red = Box(x, tops[HEAD] + 25, TASK_W, TASK_H)
        timer(d, tid, f"breach_{tid}", f"{rule} deadline passed", due, rule, 3, red.y > host.y)
        escalation_task(d, f"escalate3_{tid}", 3, tid, name, later(due, 1), rule, HEAD, red)
        _flow(d, f"flow_breach_{tid}", f"breach_{tid}", f"escalate3_{tid}")
        d.edges.append((f"flow_breach_{tid}", route(d.bounds(f"breach_{tid}"), red)))
        return
    condition = RED_WHEN.get(tid)
    x = allocate(d, host.x, RED_COLUMN if condition else COLUMN)
    band = bands[manager]
    first = Box(x + (200 if condition else 0), band + 25, TASK_W, TASK_H)
    timer(d, tid, f"breach_{tid}", f"{rule} deadline passed", due, rule, 1, band > host.y)
    entry = f"escalate1_{tid}"
    if condition:
        gw_box = Box(x + 25, band + 40, GATEWAY, GATEWAY)
        gateway = _node(d, "exclusiveGateway", f"breach_red_{tid}", "RED item?", manager, gw_box,
                        default=f"flow_breach_not_red_{tid}")
        red = Box(x, tops[HEAD] + 25, TASK_W, TASK_H)
        escalation_task(d, f"escalate_red_{tid}", 3, tid, name, later(due, 1), rule, HEAD, red)
        _flow(d, f"flow_breach_red_{tid}", gateway.get("id"), f"escalate_red_{tid}", condition, "RED")
        d.edges.append((f"flow_breach_red_{tid}", route(gw_box, red)))
        entry = str(gateway.get("id"))
        entry_box = gw_box
    else:
        entry_box = first
    escalation_task(d, f"escalate1_{tid}", 1, tid, name, later(due, 1), rule, manager, first)
    _flow(d, f"flow_breach_{tid}", f"breach_{tid}", entry)
    d.edges.append((f"flow_breach_{tid}", route(d.bounds(f"breach_{tid}"), entry_box)))
    if condition:
        _flow(d, f"flow_breach_not_red_{tid}", f"breach_red_{tid}", f"escalate1_{tid}", name="Not RED")
        d.edges.append((f"flow_breach_not_red_{tid}", [(gw_box.x + GATEWAY, gw_box.cy), (first.x, first.cy)]))
    upper_chain(d, f"escalate1_{tid}", tid, name, due, rule, first.x, tops, offset=1)


def upper_chain(d: Diagram, level1: str, of: str, of_name: str, base: str, rule: str, x: float,
                tops: dict[str, float], offset: int) -> None:
    """Levels 2 and 3 above `level1`, whose own deadline is `base` + `offset` working days."""
    below = level1
    for level, lane in ((2, SERVICE), (3, HEAD)):
        when = later(base, offset + level - 2)
        box = Box(x, tops[lane] + 25, TASK_W, TASK_H)
        timer(d, below, f"escalate{level}_timer_{of}", f"Level {level - 1} not done in time", when, rule, level,
              box.y > d.bounds(below).y)
        escalation_task(d, f"escalate{level}_{of}", level, of, of_name,
                        later(base, offset + level - 1), rule, lane, box)
        _flow(d, f"flow_escalate{level}_{of}", f"escalate{level}_timer_{of}", f"escalate{level}_{of}")
        d.edges.append((f"flow_escalate{level}_{of}", route(d.bounds(f"escalate{level}_timer_{of}"), box)))
        below = f"escalate{level}_{of}"


# --- writing --------------------------------------------------------------------------------------------


def _commit(d: Diagram) -> None:
    last_node = [c for c in d.process if c.tag != f"{B}sequenceFlow"][-1]
    for node in reversed(d.new_nodes):
        last_node.addnext(node)
    for flow in d.new_flows:
        d.process.append(flow)
    for node_id, lane in d.lane_of.items():
        ref = etree.SubElement(d.lane_element(lane), f"{B}flowNodeRef")
        ref.text = node_id
    anchor = [s for s in d.plane.findall(f"{DI}BPMNShape")][-1]
    for node_id, box, marker in reversed(d.shapes):
        shape = etree.Element(f"{DI}BPMNShape", id=f"{node_id}_di", bpmnElement=node_id)
        if marker:
            shape.set("isMarkerVisible", "true")
        etree.SubElement(shape, f"{DC}Bounds", x=_num(box.x), y=_num(box.y), width=_num(box.w), height=_num(box.h))
        anchor.addnext(shape)
    for flow_id, points in d.edges:
        edge = etree.SubElement(d.plane, f"{DI}BPMNEdge", id=f"{flow_id}_di", bpmnElement=flow_id)
        for px, py in points:
            etree.SubElement(edge, f"{DDI}waypoint", x=_num(px), y=_num(py))


def ladder(path: Path) -> int:
    root = etree.parse(str(path), etree.XMLParser(remove_blank_text=True)).getroot()
    process = root.find(f"{B}process")
    d = Diagram(root, str(process.get("id")), process, root.find(f"{DI}BPMNDiagram/{DI}BPMNPlane"))
    timed = {e.get("attachedToRef") for e in process.iter(f"{B}boundaryEvent")}
    tasks = [t for t in process.iter(f"{B}userTask") if t.get("id") not in timed]
    deadlines = [t for t in tasks if d.props(t).get("due") and not d.props(t).get("escalation_level")]
    level1 = [t for t in tasks if d.props(t).get("escalation_level") == "1"]
    if not deadlines and not level1:
        return 0
    managers = {MANAGER[d.key].get(d.lane_name_of(str(t.get("id"))), MANAGER[d.key]["*"])
                for t in deadlines if t.get("id") not in RED_NOW}
    bands = {}
    for lane in sorted(managers, key=lambda n: -d.bounds(str(d.lane_element(n).get("id"))).y):
        bands[lane] = add_band(d, lane)
    for lane in sorted(managers, key=lambda n: -d.bounds(str(d.lane_element(n).get("id"))).y):
        bands[lane] = d.bounds(str(d.lane_element(lane).get("id"))).y + d.bounds(
            str(d.lane_element(lane).get("id"))).h - BAND
    tops = {SERVICE: add_lane(d, SERVICE)}
    tops[HEAD] = add_lane(d, HEAD)
    for task in sorted(deadlines, key=lambda t: d.bounds(str(t.get("id"))).x):
        deadline_chain(d, task, bands, tops)
    for task in level1:
        tid, props = str(task.get("id")), d.props(task)
        x = allocate(d, d.bounds(tid).x, COLUMN)
        upper_chain(d, tid, tid, str(task.get("name")), props["due"], props.get("due_rule", ""), x, tops, offset=0)
    widen(d)
    _commit(d)
    write(root, path)
    return len(d.new_nodes)


def _single_quoted(match: re.Match[str]) -> str:
    value = match.group(2)
    if "'" in value:
        return match.group(0)
    return f"{match.group(1)}='{value.replace('&quot;', chr(34))}'"


def write(root: etree._Element, path: Path) -> None:
    """Two-space indent, `<x />` empty tags and single quotes around a value with double quotes in it, as the
    diagrams were written by hand, so a regenerated file differs from the last one only where it changed."""
    etree.indent(root, space="  ")
    text = etree.tostring(root, encoding="unicode")
    text = re.sub(r"(?<! )/>", " />", text)
    text = re.sub(r'([\w:]+)="([^"]*&quot;[^"]*)"', _single_quoted, text)
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n")


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}: {ladder(Path(name))} elements added")  # noqa: T201
