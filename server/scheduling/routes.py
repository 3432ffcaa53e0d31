"""API of the scheduler for admins: the declared tasks and the record of their runs."""

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import select

from server.accounts import models as roles
from server.accounts.access import roles_required
from server.api import Blueprint
from server.scheduling.models import RUN_OUTCOMES
from server.scheduling.models import SchedulerRun
from server.schemas import PageArgs
from server.schemas import page_schema
from server.schemas import paginate

blp = Blueprint("scheduling", __name__, url_prefix="/api/admin/scheduler", description="Scheduler runs")


class RunListArgs(PageArgs):
    task = ma.fields.String(validate=ma.validate.Length(min=1, max=64))
    outcome = ma.fields.String(validate=ma.validate.OneOf(RUN_OUTCOMES))


class RunSchema(ma.Schema):
    id = ma.fields.Integer()
    task = ma.fields.String()
    started_at = ma.fields.DateTime()
    finished_at = ma.fields.DateTime(allow_none=True)
    outcome = ma.fields.String()
    detail = ma.fields.String()
    worker = ma.fields.String()


class TaskSchema(ma.Schema):
    id = ma.fields.String()
    description = ma.fields.String()
    interval_seconds = ma.fields.Integer()


@blp.route("/runs")
class Runs(MethodView):
    @roles_required(roles.ADMIN)
    @blp.arguments(RunListArgs, location="query")
    @blp.response(200, page_schema(RunSchema, "SchedulerRunPage"))
    def get(self, args):
        """Scheduler runs, newest first: task, start, end, outcome, what it did, which process acted."""
        statement = select(SchedulerRun).order_by(SchedulerRun.id.desc())
        if "task" in args:
            statement = statement.where(SchedulerRun.task == args["task"])
        if "outcome" in args:
            statement = statement.where(SchedulerRun.outcome == args["outcome"])
        return paginate(statement, args)


@blp.route("/tasks")
class Tasks(MethodView):
    @roles_required(roles.ADMIN)
    @blp.response(200, TaskSchema(many=True))
    def get(self):
        """The recurring tasks the scheduler runs, and how often."""
        from flask import current_app

        from server.scheduler import TASKS

        return [
            {"id": t.id, "description": t.description, "interval_seconds": current_app.config[t.interval_setting]}
            for t in TASKS
        ]
