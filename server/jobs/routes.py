"""API of the call centre and dispatch: customers, requests, jobs and every step of a job's life."""

from flask.views import MethodView

from server.accounts import models as roles
from server.accounts.access import current_user
from server.accounts.access import roles_required
from server.api import Blueprint
from server.extensions import db
from server.jobs import dispatch
from server.jobs import lifecycle
from server.jobs import schemas
from server.jobs import services
from server.jobs import sla
from server.jobs.lifecycle import STEPS
from server.schemas import page_schema
from server.schemas import paginate

blp = Blueprint("jobs", __name__, url_prefix="/api", description="Customers, service requests, jobs and dispatch")

CALL_CENTRE = (roles.ADMIN, roles.AGENT, roles.DISPATCHER)
JOB_READERS = (roles.ADMIN, roles.AGENT, roles.DISPATCHER, roles.TECHNICIAN, roles.PROVIDER_MANAGER, roles.AUDITOR)
DISPATCHERS = (roles.ADMIN, roles.DISPATCHER)


def _job(job_id):
    """The caller's job, locked for the change about to be made."""
    return dispatch.job_for(current_user(), job_id, lock=True)


@blp.route("/customers")
class Customers(MethodView):
    @roles_required(*CALL_CENTRE)
    @blp.arguments(schemas.CustomerLookupArgs, location="query")
    @blp.response(200, schemas.CustomerViewSchema)
    def get(self, args):
        """Find a customer by phone or by a unit's serial: their units, warranty today and past requests."""
        return services.find_customer(current_user(), phone=args.get("phone"), serial=args.get("serial"))


@blp.route("/requests")
class Requests(MethodView):
    @roles_required(*CALL_CENTRE)
    @blp.arguments(schemas.RequestArgs)
    @blp.response(201, schemas.JobSchema)
    def post(self, values):
        """Record a service request; answer with the job created for it, SLA deadlines set.

        A unit with an open request gets no second one: 409
        ``open_request_exists`` names the open request and its job.
        """
        return services.create_request(current_user(), values)


@blp.route("/requests/<int:request_id>")
class RequestItem(MethodView):
    @roles_required(*CALL_CENTRE)
    @blp.response(200, schemas.RequestWithJobSchema)
    def get(self, request_id):
        """One request and its job."""
        return services.get_request(current_user(), request_id)


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
        return paginate(services.list_jobs(current_user(), args), args)


@blp.route("/jobs/<int:job_id>")
class JobItem(MethodView):
    @roles_required(*JOB_READERS)
    @blp.response(200, schemas.JobSchema)
    def get(self, job_id):
        """One job, with the steps the caller may take on it now."""
        return dispatch.job_for(current_user(), job_id)


@blp.route("/jobs/<int:job_id>/events")
class JobEvents(MethodView):
    @roles_required(*JOB_READERS)
    @blp.response(200, schemas.EventSchema(many=True))
    def get(self, job_id):
        """Everything that happened to the job, oldest first: who, when, and the phone's clock for field steps."""
        return services.job_events(dispatch.job_for(current_user(), job_id))


@blp.route("/jobs/<int:job_id>/suggestions")
class JobSuggestions(MethodView):
    @roles_required(*DISPATCHERS)
    @blp.response(200, schemas.SuggestionSchema(many=True))
    def get(self, job_id):
        """Providers covering the job's region: least open work per technician first, then best SLA record."""
        return dispatch.suggest_providers(dispatch.job_for(current_user(), job_id))


@blp.route("/jobs/<int:job_id>/dispatch")
class JobDispatch(MethodView):
    @roles_required(*DISPATCHERS)
    @blp.arguments(schemas.DispatchArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """Give the job to a provider that covers its region (or move it to another one)."""
        return dispatch.dispatch(_job(job_id), current_user(), args["provider_code"], args["note"])


@blp.route("/jobs/<int:job_id>/assign")
class JobAssign(MethodView):
    @roles_required(roles.ADMIN, roles.DISPATCHER, roles.PROVIDER_MANAGER)
    @blp.arguments(schemas.AssignArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """Give the job to a technician of its provider; a previous technician loses it and is told."""
        return dispatch.assign(_job(job_id), current_user(), args["technician_id"], args["note"])


@blp.route("/jobs/<int:job_id>/accept")
class JobAccept(MethodView):
    @roles_required(*STEPS["accept"].roles)
    @blp.arguments(schemas.FieldStepArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """The assigned technician accepts the job."""
        return lifecycle.accept(_job(job_id), current_user(), args["device_time"], args["note"])


@blp.route("/jobs/<int:job_id>/decline")
class JobDecline(MethodView):
    @roles_required(*STEPS["decline"].roles)
    @blp.arguments(schemas.DeclineArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """The technician hands the job back to their provider, saying why."""
        return lifecycle.decline(_job(job_id), current_user(), args["reason"], args["device_time"])


@blp.route("/jobs/<int:job_id>/contact")
class JobContact(MethodView):
    @roles_required(*STEPS["contact"].roles)
    @blp.arguments(schemas.ContactArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """Record that the customer was reached, and the appointment made (in the future)."""
        return lifecycle.contact(
            _job(job_id), current_user(), args["appointment_at"], args["note"], args["device_time"]
        )


@blp.route("/jobs/<int:job_id>/depart")
class JobDepart(MethodView):
    @roles_required(*STEPS["depart"].roles)
    @blp.arguments(schemas.FieldStepArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """The technician is on the way."""
        return lifecycle.depart(_job(job_id), current_user(), args["device_time"], args["note"])


@blp.route("/jobs/<int:job_id>/arrive")
class JobArrive(MethodView):
    @roles_required(*STEPS["arrive"].roles)
    @blp.arguments(schemas.FieldStepArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """The technician is at the customer's."""
        return lifecycle.arrive(_job(job_id), current_user(), args["device_time"], args["note"])


@blp.route("/jobs/<int:job_id>/scans")
class JobScans(MethodView):
    @roles_required(*STEPS["scan"].roles)
    @blp.arguments(schemas.ScanArgs)
    @blp.response(201, schemas.ScanSchema)
    def post(self, args, job_id):
        """Record the serial read off the unit: by barcode (camera or photo) or typed.

        A warranty job is closed only with a barcode read.
        """
        return lifecycle.record_scan(
            _job(job_id),
            current_user(),
            args["serial"],
            args["source"],
            symbology=args["symbology"],
            photo_sha256=args["photo_sha256"],
            device_time=args["device_time"],
        )


@blp.route("/jobs/<int:job_id>/complete")
class JobComplete(MethodView):
    @roles_required(*STEPS["complete"].roles)
    @blp.arguments(schemas.CompleteArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """The repair is done: the work summary, who confirmed it for the customer, and the fault code found
        (optional; an unknown or withdrawn code is a 422)."""
        return lifecycle.complete(
            _job(job_id),
            current_user(),
            args["summary"],
            args["confirmed_by"],
            args["device_time"],
            fault_code=args["fault_code"],
        )


@blp.route("/jobs/<int:job_id>/close")
class JobClose(MethodView):
    @roles_required(*STEPS["close"].roles)
    @blp.arguments(schemas.CloseArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """Close-out (核销): needs the completion record and, for warranty jobs, a barcode scan of the serial."""
        return lifecycle.close(_job(job_id), current_user(), args["note"])


@blp.route("/jobs/<int:job_id>/cancel")
class JobCancel(MethodView):
    @roles_required(*STEPS["cancel"].roles)
    @blp.arguments(schemas.ReasonArgs)
    @blp.response(200, schemas.JobSchema)
    def post(self, args, job_id):
        """Cancel an open job, saying why; the provider and technician are told."""
        return lifecycle.cancel(_job(job_id), current_user(), args["reason"])


@blp.route("/jobs/<int:job_id>/escalate")
class JobEscalate(MethodView):
    @roles_required(*STEPS["escalate"].roles)
    @blp.arguments(schemas.ReasonArgs)
    @blp.response(200, schemas.EscalationSchema)
    def post(self, args, job_id):
        """Raise the job to the duty manager: the dispatchers on duty for its area (all of them if none is)."""
        job = _job(job_id)
        managers = lifecycle.escalate(job, current_user(), args["reason"])
        return {"job": job, "escalated_to": managers}


@blp.route("/dispatch/duty")
class Duty(MethodView):
    @roles_required(roles.DISPATCHER)
    @blp.arguments(schemas.DutyArgs)
    @blp.response(200, schemas.DutyArgs)
    def put(self, args):
        """Go on or off duty: a dispatcher on duty receives the escalations of their area."""
        user = current_user()
        user.on_duty = args["on_duty"]
        db.session.flush()
        return {"on_duty": user.on_duty}


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
