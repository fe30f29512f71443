"""One walk of a workflow's task tree that answers what several `get_tasks` queries would.

SpiffWorkflow's `get_tasks(state=…)` walks the tree once per query and, depending on the state
asked for, does not descend below some tasks (for READY or WAITING, not below predicted tasks; for
COMPLETED, not below unfinished ones). `walk_tasks` visits every task once, depth first in the
same order, and says for each whether those two queries would have reached it, so one walk gives
exactly their answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState


def walk_tasks(workflow: BpmnWorkflow) -> Iterator[tuple[Any, bool, bool]]:
    """(task, reached by a query for a definite state, reached by a query for a finished state)."""
    subprocesses = workflow.subprocesses
    stack: list[tuple[Any, bool, bool]] = [(workflow.task_tree, True, True)]
    while stack:
        task, definite, finished = stack.pop()
        yield task, definite, finished
        subprocess = subprocesses.get(task.id)
        if subprocess is not None:
            below = [subprocess.task_tree, *task.children]
        elif task._children:
            below = task.children
            definite = definite and task.state >= TaskState.FUTURE
            finished = finished and task.state >= TaskState.COMPLETED
        else:
            continue
        stack.extend((child, definite, finished) for child in reversed(below))
