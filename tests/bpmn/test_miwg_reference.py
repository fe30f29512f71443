"""The deploy check against the 21 OMG BPMN MIWG reference diagrams: each is accepted or refused with
clear reasons, and no diagram makes the check crash. The diagrams live outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from engine.db import Database
from engine.definitions import BPMN_NS, check_diagram
from engine.errors import DiagramInvalid
from engine.models import Group

MIWG_DIR = Path(__file__).resolve().parents[3] / "shared" / "bpmn-miwg-reference"
if not MIWG_DIR.is_dir():
    pytest.skip("shared/bpmn-miwg-reference is absent", allow_module_level=True)

NO_EXECUTABLE_PROCESS = 'no executable process: set isExecutable="true" on the process to deploy'
SERVICE_TASK = "A Service Task must have an operator"
NO_SUBPROCESS_START = "Exactly one start event is required in a SubWorkflow Task; found 0"

EXPECTED: dict[str, tuple[str, str | None]] = {
    "A.1.0.bpmn": ("refused", NO_EXECUTABLE_PROCESS),
    "A.2.0.bpmn": ("refused", NO_EXECUTABLE_PROCESS),
    "A.2.1.bpmn": ("refused", NO_EXECUTABLE_PROCESS),
    "A.3.0.bpmn": ("refused", NO_EXECUTABLE_PROCESS),
    "A.4.0.bpmn": ("refused", NO_EXECUTABLE_PROCESS),
    "A.4.1.bpmn": ("refused", NO_EXECUTABLE_PROCESS),
    "B.1.0.bpmn": ("refused", "Data Store with name Data Store Reference has no implementation"),
    "B.2.0.bpmn": ("refused", "Data Store with name Data Store Reference has no implementation"),
    "C.1.0.bpmn": ("refused", SERVICE_TASK),
    "C.1.1.bpmn": ("refused", "Data Store with name Financial Accounting System has no implementation"),
    "C.2.0.bpmn": ("refused", NO_EXECUTABLE_PROCESS),
    "C.3.0.bpmn": ("refused", NO_SUBPROCESS_START),
    "C.4.0.bpmn": ("refused", "Data Store with name Employee Details has no implementation"),
    "C.5.0.bpmn": ("refused", "Data Store with name Bank System has no implementation"),
    "C.6.0.bpmn": ("refused", "Cannot resolve dataInputAssociation sourceRef"),
    "C.7.0.bpmn": ("refused", "Cannot resolve dataOutputAssociation targetRef"),
    "C.8.0.bpmn": ("refused", NO_EXECUTABLE_PROCESS),
    "C.8.1.bpmn": ("refused", SERVICE_TASK),
    "C.9.0.bpmn": ("refused", SERVICE_TASK),
    "C.9.1.bpmn": ("refused", "cycle timers are not supported: draw a loop back through a timeDate timer"),
    "C.9.2.bpmn": ("refused", "A multiinstance task must specify a cardinality or a loop input data reference"),
}
MAX_MESSAGE_CHARS = 300
UNREADABLE = re.compile(r"<Element |at 0x[0-9a-f]+|\{https?://|Traceback|\.\.$|\s$")


@pytest.fixture
def groups(db: Database) -> list[str]:
    with db.reading() as session:
        return list(session.scalars(select(Group.name)))


def is_clear_sentence(message: str) -> bool:
    return (
        len(message.split()) >= 3
        and len(message) <= MAX_MESSAGE_CHARS
        and message[0].isalnum()
        and "\n" not in message
        and not UNREADABLE.search(message)
    )


def test_the_shared_folder_holds_the_21_reference_diagrams() -> None:
    assert sorted(p.name for p in MIWG_DIR.glob("*.bpmn")) == sorted(EXPECTED)


@pytest.mark.parametrize(
    ("file_name", "outcome", "first_reason"),
    [(name, outcome, reason) for name, (outcome, reason) in EXPECTED.items()],
    ids=[f"{name.removesuffix('.bpmn')}-{outcome}" for name, (outcome, _) in EXPECTED.items()],
)
def test_a_reference_diagram_is_accepted_or_refused_with_clear_reasons_and_never_crashes(
    groups: list[str], file_name: str, outcome: str, first_reason: str | None
) -> None:
    data = (MIWG_DIR / file_name).read_bytes()

    try:
        checked = check_diagram(data, file_name, groups, key=None)
    except DiagramInvalid as refused:
        problems = refused.problems
        assert (outcome, problems[0].message) == ("refused", first_reason)
        unclear = [p.message for p in problems if not is_clear_sentence(p.message)]
        assert unclear == []
        assert all(p.file_name == file_name for p in problems)
    else:
        assert outcome == "accepted"
        assert checked.key


def _made_executable(file_name: str) -> bytes:
    return (MIWG_DIR / file_name).read_bytes().replace(b'isExecutable="false"', b'isExecutable="true"')


def _process_ids(file_name: str) -> list[str]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(_made_executable(file_name), parser)
    return [process.get("id") for process in root.iter(f"{{{BPMN_NS}}}process")]


EVERY_PROCESS = [(name, key) for name in EXPECTED for key in _process_ids(name)]
EVERY_PROCESS_IDS = [f"{name.removesuffix('.bpmn')}:{key}" for name, key in EVERY_PROCESS]


@pytest.mark.parametrize(("file_name", "key"), EVERY_PROCESS, ids=EVERY_PROCESS_IDS)
def test_every_process_of_a_reference_diagram_made_executable_is_checked_without_crashing(
    groups: list[str], file_name: str, key: str
) -> None:
    try:
        checked = check_diagram(_made_executable(file_name), file_name, groups, key=key)
    except DiagramInvalid as refused:
        unclear = [p.message for p in refused.problems if not is_clear_sentence(p.message)]
        assert refused.problems and unclear == []
    else:
        assert checked.key == key
