"""What admins read of the scheduler: its declared tasks and the record of their runs."""

from collections.abc import Mapping
from typing import Any
from typing import TypedDict

from flask import current_app
from sqlalchemy import select

from server.core.schemas import paginate
from server.scheduler.models import SchedulerRun
from server.scheduler.tasks import TASKS


class TaskView(TypedDict):
    id: str
    description: str
    interval_seconds: int  # as this deployment runs it


def list_runs(args: Mapping[str, Any]) -> dict[str, Any]:
    """A page of runs, newest first, filtered by ``task`` and ``outcome``."""
    statement = select(SchedulerRun).order_by(SchedulerRun.id.desc())
    if "task" in args:
        statement = statement.where(SchedulerRun.task == args["task"])
    if "outcome" in args:
        statement = statement.where(SchedulerRun.outcome == args["outcome"])
    page: dict[str, Any] = paginate(statement, args)
    return page


def list_tasks() -> list[TaskView]:
    """Each declared task with the interval this deployment runs it at."""
    return [
        {"id": task.id, "description": task.description, "interval_seconds": current_app.config[task.interval_setting]}
        for task in TASKS
    ]
