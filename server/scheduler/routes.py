"""API of the scheduler for admins: the declared tasks and the record of their runs."""

from flask.views import MethodView

from server.api import Blueprint
from server.core import roles
from server.core.access import roles_required
from server.core.schemas import page_schema
from server.scheduler import schemas
from server.scheduler import services

blp = Blueprint("scheduling", __name__, url_prefix="/api/admin/scheduler", description="Scheduler runs")


@blp.route("/runs")
class Runs(MethodView):
    @roles_required(roles.ADMIN)
    @blp.arguments(schemas.RunListArgs, location="query")
    @blp.response(200, page_schema(schemas.RunSchema, "SchedulerRunPage"))
    def get(self, args):
        """Scheduler runs, newest first: task, start, end, outcome, what it did, which process acted."""
        return services.list_runs(args)


@blp.route("/tasks")
class Tasks(MethodView):
    @roles_required(roles.ADMIN)
    @blp.response(200, schemas.TaskSchema(many=True))
    def get(self):
        """The recurring tasks the scheduler runs, and how often."""
        return services.list_tasks()
