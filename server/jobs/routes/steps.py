"""The steps of a job's life, each by whom the step table allows.

Completion (``/api/jobs/<id>/complete``) is server.evidence's route: a signature cited there is a blob that
domain holds.
"""

from flask.views import MethodView

from server.core.access import current_user
from server.core.access import roles_required
from server.jobs import schemas
from server.jobs.routes.blueprint import blp
from server.jobs.routes.blueprint import locked_job
from server.jobs.routes.blueprint import shown
from server.jobs.services import lifecycle
from server.jobs.services.lifecycle import STEPS


@blp.route("/jobs/<id:job_id>/accept")
class JobAccept(MethodView):
    @roles_required(*STEPS["accept"].roles)
    @blp.arguments(schemas.FieldStepArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """The assigned technician accepts the job."""
        return shown(lifecycle.accept(locked_job(job_id), current_user(), args["device_time"], args["note"]))


@blp.route("/jobs/<id:job_id>/decline")
class JobDecline(MethodView):
    @roles_required(*STEPS["decline"].roles)
    @blp.arguments(schemas.DeclineArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """The technician hands the job back to their provider, saying why."""
        return shown(lifecycle.decline(locked_job(job_id), current_user(), args["reason"], args["device_time"]))


@blp.route("/jobs/<id:job_id>/contact")
class JobContact(MethodView):
    @roles_required(*STEPS["contact"].roles)
    @blp.arguments(schemas.ContactArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """Record a call to the customer: reached, with the appointment made (after the call), or not reached
        (``reached: false``, kept on the record and not counted for the SLA). A call made on the phone
        counts at the phone's clock when that lies between the job's creation and now.

        422 ``appointment_in_past`` or ``appointment_too_far`` (over 90 days) for a bad appointment."""
        return shown(
            lifecycle.contact(
                locked_job(job_id),
                current_user(),
                args["appointment_at"],
                args["note"],
                args["device_time"],
                reached=args["reached"],
            )
        )


@blp.route("/jobs/<id:job_id>/depart")
class JobDepart(MethodView):
    @roles_required(*STEPS["depart"].roles)
    @blp.arguments(schemas.FieldStepArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """The technician is on the way."""
        return shown(lifecycle.depart(locked_job(job_id), current_user(), args["device_time"], args["note"]))


@blp.route("/jobs/<id:job_id>/arrive")
class JobArrive(MethodView):
    @roles_required(*STEPS["arrive"].roles)
    @blp.arguments(schemas.ArriveArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """The technician is at the customer's, with the phone's position if it had one (``position``: lat, lng,
        accuracy_m, fix_time; a bad value is a 422 naming e.g. ``position.lat``)."""
        return shown(
            lifecycle.arrive(
                locked_job(job_id), current_user(), args["device_time"], args["note"], position=args["position"]
            )
        )


@blp.route("/jobs/<id:job_id>/close")
class JobClose(MethodView):
    @roles_required(*STEPS["close"].roles)
    @blp.arguments(schemas.CloseArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """Close-out (核销): needs the completion record and, for warranty jobs, a barcode scan of the serial."""
        return shown(lifecycle.close(locked_job(job_id), current_user(), args["note"]))


@blp.route("/jobs/<id:job_id>/cancel")
class JobCancel(MethodView):
    @roles_required(*STEPS["cancel"].roles)
    @blp.arguments(schemas.ReasonArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """Cancel an open job, saying why; the provider and technician are told."""
        return shown(lifecycle.cancel(locked_job(job_id), current_user(), args["reason"]))


@blp.route("/jobs/<id:job_id>/escalate")
class JobEscalate(MethodView):
    @roles_required(*STEPS["escalate"].roles)
    @blp.arguments(schemas.ReasonArgs)
    @blp.response(200, schemas.EscalationSchema)
    def post(self, args, job_id):
        """Raise the job to the duty manager: the dispatchers on duty for its area (all of them if none is)."""
        job = locked_job(job_id)
        managers = lifecycle.escalate(job, current_user(), args["reason"])
        return {"job": shown(job), "escalated_to": managers}
