"""The caller's jobs: the list, one job, its history."""

from flask.views import MethodView

from server.core.access import current_user
from server.core.access import roles_required
from server.core.schemas import page_schema
from server.core.schemas import paginate
from server.jobs import schemas
from server.jobs.routes.blueprint import JOB_READERS
from server.jobs.routes.blueprint import blp
from server.jobs.routes.blueprint import shown
from server.jobs.routes.blueprint import shown_page
from server.jobs.services import queries


@blp.route("/jobs")
class Jobs(MethodView):
    @roles_required(*JOB_READERS)
    @blp.arguments(schemas.JobListArgs, location="query")
    @blp.response(200, page_schema(schemas.JobSchema, "JobPage"))
    def get(self, args):
        """The caller's jobs, newest first: a technician's own, a provider's, a dispatcher's province, or all.

        Filter by ``state`` (repeatable), creation days, appointment day (local
        time), provider, technician, and whether a stage was marked overdue.
        """
        return shown_page(paginate(queries.list_jobs(current_user(), args), args))


@blp.route("/jobs/<id:job_id>")
class JobItem(MethodView):
    @roles_required(*JOB_READERS)
    @blp.response(200, schemas.JobSchema)
    def get(self, job_id):
        """One job, with the steps the caller may take on it now."""
        return shown(queries.job_for(current_user(), job_id))


@blp.route("/jobs/<id:job_id>/events")
class JobEvents(MethodView):
    @roles_required(*JOB_READERS)
    @blp.response(200, schemas.EventSchema(many=True))
    def get(self, job_id):
        """Everything that happened to the job, oldest first: who, when, and the phone's clock for field steps."""
        return queries.job_events(queries.job_for(current_user(), job_id))
