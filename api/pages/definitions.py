"""Process owners' pages: deployed diagrams and their versions (download, read-only viewer), the modeler,
and a diagram checked or deployed through the same engine functions as the API (`check_definition`,
`deploy_definition`). Without JavaScript a .bpmn file is uploaded to check or deploy and problems come
back as a list; the modeler posts its XML to the same routes and asks for JSON, to pin each problem
to its element on the canvas."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from api import context
from api.auth import current_actor
from api.pages import new_diagram
from api.pages.wording import when
from engine import runtime
from engine.definitions import MAX_UPLOAD_BYTES
from engine.errors import DiagramInvalid, DiagramProblem, NotFound
from engine.models import ProcessDefinition
from engine.queries.definitions import get_definition_version, list_definitions

definition_pages = Blueprint("definition_pages", __name__)
NO_FILE = DiagramProblem("Select a BPMN file to upload")


@definition_pages.route("/process-definitions")
def index() -> ResponseReturnValue:
    """Every process with its versions, newest first, and the upload form."""
    return _index()


@definition_pages.route("/process-definitions/check", methods=["POST"])
def check() -> ResponseReturnValue:
    """Run the deploy checks on an uploaded diagram; nothing is stored."""
    upload = _upload()
    if upload is None:
        return _problems([NO_FILE])
    data, file_name = upload
    checked, problems = runtime.check_definition(context.db(), data, file_name, current_actor(),
                                                 request.form.get("key") or None)
    if problems:
        return _problems(problems)
    assert checked is not None
    if _wants_json():
        return jsonify({"ok": True, "key": checked.key, "problems": []})
    return _index(checked_key=checked.key, file_name=file_name)


@definition_pages.route("/process-definitions/deploy", methods=["POST"])
def deploy() -> ResponseReturnValue:
    """Check and store an uploaded diagram as the next version of its process."""
    upload = _upload()
    if upload is None:
        return _problems([NO_FILE])
    data, file_name = upload
    try:
        definition, created = runtime.deploy_definition(context.db(), data, file_name, current_actor(),
                                                        context.now(), key=request.form.get("key") or None)
    except DiagramInvalid as invalid:
        return _problems(invalid.problems)
    target = url_for("definition_pages.version", key=definition.key, version=definition.version,
                     deployed="new" if created else "same")
    if _wants_json():
        return jsonify({"ok": True, "key": definition.key, "version": definition.version, "created": created,
                        "url": target})
    return redirect(target, 303)


@definition_pages.route("/process-definitions/<string:key>/versions/<int32:version>")
def version(key: str, version: int) -> ResponseReturnValue:
    """One version: who deployed it and when, its diagram (read-only), the XML and a link to edit it."""
    with context.db().reading() as session:
        definition = get_definition_version(session, key, version)
        latest = max(d.version for d in list_definitions(session) if d.key == key)
    return render_template("pages/definitions/version.html", definition=definition, latest=latest,
                           deployed_at=when(definition.deployed_at), deployed=request.args.get("deployed"))


@definition_pages.route("/process-definitions/<string:key>/versions/<int32:version>/bpmn")
def bpmn(key: str, version: int) -> ResponseReturnValue:
    """The version's BPMN XML exactly as deployed, as a file to download."""
    with context.db().reading() as session:
        definition = get_definition_version(session, key, version)
    response = Response(definition.bpmn_xml, mimetype="application/xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{key}-v{version}.bpmn"'
    return response


@definition_pages.route("/process-definitions/<string:key>/versions/<int32:version>/modeler")
def modeler(key: str, version: int) -> ResponseReturnValue:
    """The bpmn-js modeler opened on a version, with our properties, "Check" and "Deploy as new version"."""
    with context.db().reading() as session:
        definition = get_definition_version(session, key, version)
    back = url_for("definition_pages.version", key=key, version=version)
    return render_template("pages/definitions/modeler.html", key=key, name=definition.name,
                           caption=f"{key}, from version {version}", back=(back, f"Version {version}"),
                           bpmn_url=url_for("definition_pages.bpmn", key=key, version=version))


@definition_pages.route("/process-definitions/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    """Name a new process (its id and name), then draw it in the modeler from a start event."""
    if request.method == "GET":
        return render_template("pages/definitions/new.html", values={}, errors=[])
    values = {"key": request.form.get("key", "").strip(), "name": request.form.get("name", "").strip()}
    with context.db().reading() as session:
        taken = {d.key for d in list_definitions(session)}
    errors = new_diagram.problems(values["key"], values["name"], taken)
    if errors:
        return render_template("pages/definitions/new.html", values=values, errors=errors), 422
    return redirect(url_for("definition_pages.new_modeler", key=values["key"], name=values["name"]), 303)


@definition_pages.route("/process-definitions/new/modeler")
def new_modeler() -> ResponseReturnValue:
    """The modeler on a blank process (a start event) with the id and name chosen."""
    key, name = request.args.get("key", ""), request.args.get("name", "")
    if new_diagram.problems(key, name, set()):
        return redirect(url_for("definition_pages.new"), 303)
    return render_template("pages/definitions/modeler.html", key=key, name=name, caption="A new process",
                           back=(url_for("definition_pages.new"), "Process ID and name"),
                           bpmn_url=url_for("definition_pages.new_bpmn", key=key, name=name))


@definition_pages.route("/process-definitions/new/diagram.bpmn")
def new_bpmn() -> ResponseReturnValue:
    """The blank diagram the new-process modeler opens: the process, one start event and its shape."""
    key, name = request.args.get("key", ""), request.args.get("name", "")
    if new_diagram.problems(key, name, set()):
        raise NotFound("give a valid process id and name")
    return Response(new_diagram.blank(key, name), mimetype="application/xml")


def _index(*, problems: list[DiagramProblem] | None = None, checked_key: str | None = None,
           file_name: str | None = None, status: int = 200) -> ResponseReturnValue:
    with context.db().reading() as session:
        definitions = list_definitions(session)
    processes = [_process(list(versions)) for _, versions in groupby(definitions, key=lambda d: d.key)]
    file_error = NO_FILE.message if problems == [NO_FILE] else None
    shown = [] if file_error else [_shown(n, p) for n, p in enumerate(problems or [], start=1)]
    errors = [{"href": "#file", "text": file_error}] if file_error else \
        [{"href": f"#problem-{p['n']}", "text": p["summary"]} for p in shown]
    return render_template("pages/definitions/index.html", processes=processes, problems=shown, errors=errors,
                           file_error=file_error, checked_key=checked_key, file_name=file_name), status


def _process(versions: list[ProcessDefinition]) -> dict[str, Any]:
    latest = versions[0]
    return {"key": latest.key, "name": latest.name, "latest": latest,
            "versions": [{"definition": d, "deployed_at": when(d.deployed_at)} for d in versions]}


def _shown(n: int, problem: DiagramProblem) -> dict[str, Any]:
    where = f"{problem.element_id}: " if problem.element_id else ""
    line = f" (line {problem.line})" if problem.line else ""
    return {"n": n, "problem": problem, "summary": f"{where}{problem.message}{line}"}


def _problems(problems: list[DiagramProblem]) -> ResponseReturnValue:
    """422 with each problem: JSON for the modeler (to pin by element id), else the list on the index page."""
    if _wants_json():
        return jsonify({"ok": False, "problems": [p.as_dict() for p in problems]}), 422
    return _index(problems=problems, status=422)


def _upload() -> tuple[bytes, str] | None:
    """The diagram from the file field (the upload form) or the `xml` field (the modeler)."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        return upload.read(MAX_UPLOAD_BYTES + 1), upload.filename
    xml = request.form.get("xml", "")
    if xml.strip():
        return xml.encode("utf-8"), request.form.get("file_name") or "modeler.bpmn"
    return None


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
