"""Untrusted BPMN XML parsed safely: no DTDs, no entities, no network, a size cap, UTF-8 only."""

from __future__ import annotations

import contextlib
from typing import Any

from lxml import etree

from engine.errors import DiagramInvalid, DiagramProblem

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
MAX_UPLOAD_BYTES = 2 * 1024 * 1024

XXE_PROBLEM = "DOCTYPE and entity declarations are refused (they enable XML external entity attacks)"


def _xml_parser(**options: Any) -> Any:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, **options)


class _DoctypeSeen:
    """A parser target that notes a DOCTYPE, even in a document that then fails to parse."""

    def __init__(self) -> None:
        self.seen = False

    def doctype(self, *_: Any) -> None:
        self.seen = True

    def close(self) -> bool:
        return self.seen


def _declares_doctype(data: bytes) -> bool:
    target = _DoctypeSeen()
    with contextlib.suppress(etree.LxmlError):
        etree.fromstring(data, _xml_parser(target=target))
    return target.seen


def safe_parse(data: bytes, file_name: str) -> Any:
    if len(data) > MAX_UPLOAD_BYTES:
        raise DiagramInvalid(
            [DiagramProblem(f"the file is larger than {MAX_UPLOAD_BYTES} bytes", file_name=file_name)]
        )
    # The byte search refuses before lxml sees the bytes, but misses other encodings (UTF-16): those are
    # caught by the DOCTYPE lxml reports, or, when an entity makes the parse fail, by a second look.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise DiagramInvalid([DiagramProblem(XXE_PROBLEM, file_name=file_name)])
    try:
        root = etree.fromstring(data, _xml_parser())
    except etree.XMLSyntaxError as exc:
        if _declares_doctype(data):
            raise DiagramInvalid([DiagramProblem(XXE_PROBLEM, file_name=file_name)]) from exc
        line = exc.lineno if isinstance(exc.lineno, int) else None
        raise DiagramInvalid(
            [DiagramProblem(f"the file is not well-formed XML: {exc.msg}", line=line, file_name=file_name)]
        ) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise DiagramInvalid([DiagramProblem(XXE_PROBLEM, file_name=file_name)])
    if root.tag != f"{{{BPMN_NS}}}definitions":
        localname = etree.QName(root).localname
        raise DiagramInvalid(
            [DiagramProblem(f"not a BPMN 2.0 document: the root element is {localname}", file_name=file_name)]
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DiagramInvalid(
            [DiagramProblem("the file is not UTF-8 encoded; save it as UTF-8", file_name=file_name)]
        ) from exc
    return root


