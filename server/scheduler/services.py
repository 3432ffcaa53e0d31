"""What admins read of the scheduler: its declared tasks and the record of their runs."""

from flask import current_app
from sqlalchemy import select

from server.core.schemas import paginate
from server.scheduler.models import SchedulerRun
from server.scheduler.tasks import TASKS


def list_runs(args):
    """A page of runs, newest first, filtered by ``task`` and ``outcome``."""
    statement = select(SchedulerRun).order_by(SchedulerRun.id.desc())
    if "task" in args:
        statement = statement.where(SchedulerRun.task == args["task"])
    if "outcome" in args:
        statement = statement.where(SchedulerRun.outcome == args["outcome"])
    return paginate(statement, args)


def list_tasks():
    """Each declared task with the interval this deployment runs it at."""
    return [
        {"id": task.id, "description": task.description, "interval_seconds": current_app.config[task.interval_setting]}
        for task in TASKS
    ]
