"""Input and output schemas of callbacks, complaints, customer reminders and care tasks."""

import marshmallow as ma

from server.care.models import CALLBACK_STATUSES
from server.care.models import COMPLAINT_CATEGORIES
from server.care.models import COMPLAINT_CHANNELS
from server.care.models import REMINDER_KINDS
from server.care.models import SCORES
from server.care.models import TASK_STATUSES
from server.core.schemas import Day
from server.core.schemas import Id
from server.core.schemas import PageArgs

SCORE = ma.validate.Range(min=1, max=5, error="A score is a whole number from 1 to 5.")
TEXT = ma.validate.Length(max=4000)
NOTE = ma.validate.Length(min=1, max=4000, error="Write 1 to 4000 characters.")


class StrictBoolean(ma.fields.Boolean):
    """JSON true or false only: not 1, "yes" or "on", which a form would send and an agent's app never does."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def _score():
    return ma.fields.Integer(strict=True, allow_none=True, load_default=None, validate=SCORE)


# ---------------------------------------------------------------- callbacks


class CallbackListArgs(PageArgs):
    status = ma.fields.String(
        validate=ma.validate.OneOf(("due", "waiting", "overdue", "done", *CALLBACK_STATUSES)),
        metadata={
            "description": "due: may be tried now; waiting: retried later; overdue: open past the overdue period; "
            "done: reached or unreachable; open, reached, unreachable: that status"
        },
    )
    provider_code = ma.fields.String(validate=ma.validate.Length(min=1, max=32))
    job_id = Id()


class CallbackArgs(ma.Schema):
    job_id = Id(required=True, strict=True)


class CallbackComplaintArgs(ma.Schema):
    category = ma.fields.String(required=True, validate=ma.validate.OneOf(COMPLAINT_CATEGORIES))
    description = ma.fields.String(load_default="", validate=TEXT)


class CallbackAttemptArgs(ma.Schema):
    reached = StrictBoolean(required=True)
    timeliness = _score()
    attitude = _score()
    quality = _score()
    comments = ma.fields.String(load_default="", validate=TEXT)
    complaint = ma.fields.Nested(
        CallbackComplaintArgs,
        allow_none=True,
        load_default=None,
        metadata={"description": "The customer complains: a complaint is opened whatever the scores"},
    )

    @ma.validates_schema
    def scores_only_when_reached(self, data, **kwargs):
        given = [name for name in SCORES if data.get(name) is not None]
        if data.get("reached"):
            missing = {name: ["A reached customer gives all three scores."] for name in SCORES if name not in given}
            if missing:
                raise ma.ValidationError(missing)
            return
        errors = {name: ["Only a reached customer gives scores."] for name in given}
        if data.get("complaint") is not None:
            errors["complaint"] = ["Only a reached customer complains on a callback."]
        if errors:
            raise ma.ValidationError(errors)


class CallbackAttemptSchema(ma.Schema):
    id = ma.fields.Integer()
    agent = ma.fields.Function(lambda attempt: attempt.agent.username)
    at = ma.fields.DateTime()
    reached = ma.fields.Boolean()
    timeliness = ma.fields.Integer(allow_none=True)
    attitude = ma.fields.Integer(allow_none=True)
    quality = ma.fields.Integer(allow_none=True)
    comments = ma.fields.String()


class CallbackSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String()
    overdue = ma.fields.Boolean(dump_only=True)
    job_id = ma.fields.Integer()
    job_number = ma.fields.Function(lambda callback: callback.job.number)
    job_type = ma.fields.String()
    job_completed_at = ma.fields.DateTime()
    customer_id = ma.fields.Integer(allow_none=True)
    customer_name = ma.fields.Function(lambda callback: callback.job.request.customer_name)
    customer_phone = ma.fields.String(
        dump_only=True, metadata={"description": "Masked to its last four digits for provider staff"}
    )
    due_at = ma.fields.DateTime()
    next_attempt_at = ma.fields.DateTime()
    attempts = ma.fields.Integer()
    last_attempt_at = ma.fields.DateTime(allow_none=True)
    reminded_at = ma.fields.DateTime(allow_none=True)
    closed_at = ma.fields.DateTime(allow_none=True)
    closed_by_id = ma.fields.Integer(allow_none=True)
    timeliness = ma.fields.Integer(allow_none=True)
    attitude = ma.fields.Integer(allow_none=True)
    quality = ma.fields.Integer(allow_none=True)
    comments = ma.fields.String()
    complaint_id = ma.fields.Function(lambda callback: callback.complaint.id if callback.complaint else None)
    province_id = ma.fields.Integer(allow_none=True)
    region_id = ma.fields.Integer()
    provider_id = ma.fields.Integer(allow_none=True)
    provider_code = ma.fields.Function(lambda callback: callback.provider.code if callback.provider else None)
    technician_id = ma.fields.Integer(allow_none=True)
    product_id = ma.fields.Integer(allow_none=True)
    product_category = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class CallbackDetailSchema(CallbackSchema):
    history = ma.fields.List(
        ma.fields.Nested(CallbackAttemptSchema), metadata={"description": "Every attempt, oldest first"}
    )


# ---------------------------------------------------------------- complaints


class ComplaintArgs(ma.Schema):
    channel = ma.fields.String(required=True, validate=ma.validate.OneOf(COMPLAINT_CHANNELS))
    category = ma.fields.String(required=True, validate=ma.validate.OneOf(COMPLAINT_CATEGORIES))
    description = ma.fields.String(required=True, validate=NOTE)
    job_id = Id(strict=True, allow_none=True, load_default=None)
    provider_code = ma.fields.String(validate=ma.validate.Length(min=1, max=32))
    technician_id = Id(strict=True, allow_none=True, load_default=None)
    model = ma.fields.String(validate=ma.validate.Length(min=1, max=64), metadata={"description": "Product model"})
    customer_id = Id(strict=True, allow_none=True, load_default=None)
    serial = ma.fields.String(validate=ma.validate.Length(max=64))
    region_code = ma.fields.String(
        validate=ma.validate.Length(min=1, max=32), metadata={"description": "Where, when there is no job"}
    )


class ComplaintListArgs(PageArgs):
    status = ma.fields.String(validate=ma.validate.OneOf(("open", "overdue", "closed")))
    repeat = ma.fields.Boolean(
        metadata={"description": "Only complaints of a customer or unit with another within COMPLAINT_REPEAT_DAYS"}
    )
    provider_code = ma.fields.String(validate=ma.validate.Length(min=1, max=32))
    category = ma.fields.String(validate=ma.validate.OneOf(COMPLAINT_CATEGORIES))
    job_id = Id()


class ComplaintAssignArgs(ma.Schema):
    user_id = Id(required=True, strict=True)


class ComplaintNoteArgs(ma.Schema):
    note = ma.fields.String(required=True, validate=NOTE)


class ComplaintCloseArgs(ma.Schema):
    resolution = ma.fields.String(required=True, validate=NOTE)
    customer_confirmed = StrictBoolean(
        required=True, metadata={"description": "Must be true: the customer confirmed the resolution"}
    )
    upheld = StrictBoolean(
        load_default=False,
        metadata={"description": "Found to be the provider's fault: a COMPLAINT_DEDUCTION on its next statement"},
    )


class ComplaintEventSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    actor = ma.fields.Function(lambda event: event.actor.username if event.actor else None)
    at = ma.fields.DateTime()
    note = ma.fields.String()
    data = ma.fields.Raw(allow_none=True)


class ComplaintSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    status = ma.fields.String()
    overdue = ma.fields.Boolean(dump_only=True)
    repeat = ma.fields.Boolean()
    channel = ma.fields.String()
    category = ma.fields.String()
    description = ma.fields.String()
    job_id = ma.fields.Integer(allow_none=True)
    job_number = ma.fields.Function(lambda complaint: complaint.job.number if complaint.job else None)
    callback_id = ma.fields.Integer(allow_none=True)
    customer_id = ma.fields.Integer(allow_none=True)
    serial = ma.fields.String()
    province_id = ma.fields.Integer(allow_none=True)
    region_id = ma.fields.Integer(allow_none=True)
    provider_id = ma.fields.Integer(allow_none=True)
    provider_code = ma.fields.Function(lambda complaint: complaint.provider.code if complaint.provider else None)
    technician_id = ma.fields.Integer(allow_none=True)
    product_id = ma.fields.Integer(allow_none=True)
    product_category = ma.fields.String(allow_none=True)
    assignee_id = ma.fields.Integer(allow_none=True)
    created_by_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()
    due_at = ma.fields.DateTime()
    closed_at = ma.fields.DateTime(allow_none=True)
    closed_by_id = ma.fields.Integer(allow_none=True)
    resolution = ma.fields.String()
    customer_confirmed = ma.fields.Boolean()
    upheld = ma.fields.Boolean(metadata={"description": "Held against its provider at close-out"})


class ComplaintDetailSchema(ComplaintSchema):
    events = ma.fields.List(
        ma.fields.Nested(ComplaintEventSchema), metadata={"description": "Its history, oldest first"}
    )


# ---------------------------------------------------------------- reminders and care tasks


class ReminderArgs(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(REMINDER_KINDS))
    due_on = Day(required=True, metadata={"description": "The day it falls due (local calendar)"})
    note = ma.fields.String(load_default="", validate=TEXT)
    serial = ma.fields.String(load_default="", validate=ma.validate.Length(max=64))


class ReminderSchema(ma.Schema):
    id = ma.fields.Integer()
    customer_id = ma.fields.Integer()
    kind = ma.fields.String()
    due_on = ma.fields.Date()
    note = ma.fields.String()
    serial = ma.fields.String()
    status = ma.fields.Function(
        lambda reminder: "raised" if reminder.raised_at else "scheduled",
        metadata={"description": "scheduled, or raised: a care task was made of it"},
    )
    raised_at = ma.fields.DateTime(allow_none=True)
    created_by_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()


class CareTaskListArgs(PageArgs):
    status = ma.fields.String(validate=ma.validate.OneOf(TASK_STATUSES))
    kind = ma.fields.String(validate=ma.validate.OneOf(REMINDER_KINDS))


class CareTaskDoneArgs(ma.Schema):
    note = ma.fields.String(load_default="", validate=TEXT)


class CareTaskSchema(ma.Schema):
    id = ma.fields.Integer()
    reminder_id = ma.fields.Integer()
    customer_id = ma.fields.Integer()
    customer_name = ma.fields.Function(lambda task: task.customer.name)
    customer_phone = ma.fields.Function(lambda task: task.customer.phone)
    kind = ma.fields.String()
    due_on = ma.fields.Date()
    note = ma.fields.Function(lambda task: task.reminder.note)
    serial = ma.fields.Function(lambda task: task.reminder.serial)
    status = ma.fields.String()
    created_at = ma.fields.DateTime()
    done_at = ma.fields.DateTime(allow_none=True)
    done_by_id = ma.fields.Integer(allow_none=True)
    done_note = ma.fields.String()
