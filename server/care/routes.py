"""API of customer care: callbacks, complaints, customers' reminders and the care tasks they become.

Agents and admins work them; dispatchers (of their province) read callbacks and
complaints, provider managers those about their own provider, read-only.
"""

from flask.views import MethodView

from server.api import Blueprint
from server.care import schemas
from server.care.services import callbacks
from server.care.services import complaints
from server.care.services import reminders
from server.care.services.scope import READERS
from server.care.services.scope import WORKERS
from server.core import roles
from server.core.access import current_user
from server.core.access import roles_required
from server.core.schemas import each_shown
from server.core.schemas import page_schema
from server.core.schemas import paginate

blp = Blueprint("care", __name__, url_prefix="/api", description="Callbacks, complaints and customer care")

# Reminders and care tasks are the call centre's, like the customer lookup.
CARE_READERS = (roles.ADMIN, roles.AGENT, roles.DISPATCHER)


# ---------------------------------------------------------------- callbacks


def _callback(callback):
    return callbacks.shown_to(current_user(), callback)


def _complaint(complaint):
    return complaints.shown_to(current_user(), complaint)


@blp.route("/callbacks")
class Callbacks(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.CallbackListArgs, location="query")
    @blp.response(200, page_schema(schemas.CallbackSchema, "CallbackPage"))
    def get(self, args):
        """The caller's callbacks, oldest due first.

        ``status``: ``due`` (may be tried now), ``waiting`` (retried later),
        ``overdue`` (open past ``CALLBACK_OVERDUE_DAYS``), ``done`` (reached or
        unreachable), or one status. Filter by provider and job.
        """
        return each_shown(paginate(callbacks.list_callbacks(current_user(), args), args), _callback)

    @roles_required(*WORKERS)
    @blp.arguments(schemas.CallbackArgs)
    @blp.response(201, schemas.CallbackDetailSchema)
    def post(self, args):
        """Open a completed job's callback now, before the scheduler would.

        409 ``job_not_completed`` for a job not completed; 409 ``callback_exists`` (with its id) when it has one.
        """
        return _callback(callbacks.open_callback(current_user(), args["job_id"]))


@blp.route("/callbacks/<id:callback_id>")
class CallbackItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, schemas.CallbackDetailSchema)
    def get(self, callback_id):
        """One callback with every attempt made."""
        return _callback(callbacks.callback_for(current_user(), callback_id))


@blp.route("/callbacks/<id:callback_id>/attempts")
class CallbackAttempts(MethodView):
    @roles_required(*WORKERS)
    @blp.arguments(schemas.CallbackAttemptArgs)
    @blp.response(201, schemas.CallbackDetailSchema)
    def post(self, args, callback_id):
        """Record a try: not reached (retried later, closed as unreachable after the last try), or reached with
        the three scores 1–5 and comments. A low score or the customer's complaint opens a complaint."""
        callback = callbacks.callback_for(current_user(), callback_id, lock=True)
        return _callback(callbacks.record_attempt(callback, current_user(), args))


# ---------------------------------------------------------------- complaints


@blp.route("/complaints")
class Complaints(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.ComplaintListArgs, location="query")
    @blp.response(200, page_schema(schemas.ComplaintSchema, "ComplaintPage"))
    def get(self, args):
        """The caller's complaints: ``open`` and ``overdue`` most urgent first, otherwise newest first.

        ``repeat=true``: complaints of a customer or unit with another one within ``COMPLAINT_REPEAT_DAYS``.
        """
        return each_shown(paginate(complaints.list_complaints(current_user(), args), args), _complaint)

    @roles_required(*WORKERS)
    @blp.arguments(schemas.ComplaintArgs)
    @blp.response(201, schemas.ComplaintDetailSchema)
    def post(self, values):
        """Record a complaint against a job and/or a provider, technician or product model."""
        return _complaint(complaints.open_complaint(current_user(), values))


@blp.route("/complaints/<id:complaint_id>")
class ComplaintItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, schemas.ComplaintDetailSchema)
    def get(self, complaint_id):
        """One complaint with its history."""
        return _complaint(complaints.complaint_for(current_user(), complaint_id))


@blp.route("/complaints/<id:complaint_id>/assign")
class ComplaintAssign(MethodView):
    @roles_required(*WORKERS)
    @blp.arguments(schemas.ComplaintAssignArgs)
    @blp.response(200, schemas.ComplaintDetailSchema)
    def post(self, args, complaint_id):
        """Give an open complaint to an agent or admin to handle; they are told."""
        complaint = complaints.complaint_for(current_user(), complaint_id, lock=True)
        return _complaint(complaints.assign(complaint, current_user(), args["user_id"]))


@blp.route("/complaints/<id:complaint_id>/notes")
class ComplaintNotes(MethodView):
    @roles_required(*WORKERS)
    @blp.arguments(schemas.ComplaintNoteArgs)
    @blp.response(201, schemas.ComplaintDetailSchema)
    def post(self, args, complaint_id):
        """Add a note to an open complaint's history: what was done or said."""
        complaint = complaints.complaint_for(current_user(), complaint_id, lock=True)
        return _complaint(complaints.add_note(complaint, current_user(), args["note"]))


@blp.route("/complaints/<id:complaint_id>/close")
class ComplaintClose(MethodView):
    @roles_required(*WORKERS)
    @blp.arguments(schemas.ComplaintCloseArgs)
    @blp.response(200, schemas.ComplaintDetailSchema)
    def post(self, args, complaint_id):
        """Close out a complaint with its resolution once the customer confirms it; closing again is 409."""
        complaint = complaints.complaint_for(current_user(), complaint_id, lock=True)
        return _complaint(
            complaints.close(
                complaint, current_user(), args["resolution"], args["customer_confirmed"], upheld=args["upheld"]
            )
        )


# ---------------------------------------------------------------- reminders and care tasks


@blp.route("/customers/<id:customer_id>/reminders")
class CustomerReminders(MethodView):
    @roles_required(*CARE_READERS)
    @blp.response(200, schemas.ReminderSchema(many=True))
    def get(self, customer_id):
        """A customer's reminders, soonest first, and whether each has become a care task.

        A dispatcher with a province reads those of the customers recorded in it; another is 404
        ``customer_not_found``, as one that does not exist.
        """
        return reminders.reminders_of(current_user(), customer_id)

    @roles_required(*WORKERS)
    @blp.arguments(schemas.ReminderArgs)
    @blp.response(201, schemas.ReminderSchema)
    def post(self, args, customer_id):
        """Set a reminder on a customer for a day: the scheduler makes it a care task when it falls due."""
        return reminders.create_reminder(current_user(), customer_id, args)


@blp.route("/care-tasks")
class CareTasks(MethodView):
    @roles_required(*CARE_READERS)
    @blp.arguments(schemas.CareTaskListArgs, location="query")
    @blp.response(200, page_schema(schemas.CareTaskSchema, "CareTaskPage"))
    def get(self, args):
        """The agents' care tasks, oldest due first, by status and kind.

        A dispatcher with a province sees those of the customers recorded in it.
        """
        return paginate(reminders.care_tasks(current_user(), args), args)


@blp.route("/care-tasks/<id:task_id>/done")
class CareTaskDone(MethodView):
    @roles_required(*WORKERS)
    @blp.arguments(schemas.CareTaskDoneArgs)
    @blp.response(200, schemas.CareTaskSchema)
    def post(self, args, task_id):
        """Mark a care task done, with a note; doing it again is 409."""
        return reminders.complete_task(reminders.task_or_404(task_id, lock=True), current_user(), args["note"])
