"""Dispatch: suggestions, giving a job to a provider and a technician, duty, SLA policies."""

from flask.views import MethodView

from server.core import roles
from server.core.access import current_user
from server.core.access import roles_required
from server.jobs import schemas
from server.jobs.routes.blueprint import DISPATCHERS
from server.jobs.routes.blueprint import blp
from server.jobs.routes.blueprint import locked_job
from server.jobs.routes.blueprint import shown
from server.jobs.services import dispatch
from server.jobs.services import queries
from server.jobs.services import sla


@blp.route("/jobs/<id:job_id>/suggestions")
class JobSuggestions(MethodView):
    @roles_required(*DISPATCHERS)
    @blp.response(200, schemas.SuggestionSchema(many=True))
    def get(self, job_id):
        """Providers covering the job's region: least open work per technician first, then best SLA record."""
        return dispatch.suggest_providers(queries.job_for(current_user(), job_id))


@blp.route("/jobs/<id:job_id>/dispatch")
class JobDispatch(MethodView):
    @roles_required(*DISPATCHERS)
    @blp.arguments(schemas.DispatchArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """Give the job to a provider that covers its region (or move it to another one).

        With ``version`` (the job's version as the caller saw it), a job that changed since is refused
        with 409 ``job_changed``: a stale screen does not move a job someone else has dispatched.
        """
        return shown(
            dispatch.dispatch(
                locked_job(job_id),
                current_user(),
                args["provider_code"],
                args["note"],
                expected_version=args["version"],
            )
        )


@blp.route("/jobs/<id:job_id>/assign")
class JobAssign(MethodView):
    @roles_required(roles.ADMIN, roles.DISPATCHER, roles.PROVIDER_MANAGER)
    @blp.arguments(schemas.AssignArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """Give the job to a technician of its provider; a previous technician loses it and is told."""
        return shown(dispatch.assign(locked_job(job_id), current_user(), args["technician_id"], args["note"]))


@blp.route("/dispatch/duty")
class Duty(MethodView):
    @roles_required(roles.DISPATCHER)
    @blp.arguments(schemas.DutyArgs)
    @blp.response(200, schemas.DutyArgs)
    def put(self, args):
        """Go on or off duty: a dispatcher on duty receives the escalations of their area."""
        return dispatch.set_duty(current_user(), args["on_duty"])


@blp.route("/admin/sla-policies")
class SlaPolicies(MethodView):
    @roles_required(*DISPATCHERS)
    @blp.response(200, schemas.SlaPolicySchema(many=True))
    def get(self):
        """Deadlines per area class (city, county, remote), in minutes from a job's creation."""
        return sla.policies()


@blp.route("/admin/sla-policies/<area_class>")
class SlaPolicyItem(MethodView):
    @roles_required(roles.ADMIN)
    @blp.arguments(schemas.SlaPolicyArgs)
    @blp.response(200, schemas.SlaPolicySchema)
    def put(self, args, area_class):
        """Set one area class's deadlines; jobs created from now on get them."""
        return sla.set_policy(area_class, args)
