"""Input and output schemas of customers, requests, jobs, dispatch, SLA policies and duty."""

from datetime import timedelta

import marshmallow as ma

from server.cards.schemas import CardBriefSchema
from server.core.clock import utcnow
from server.core.dumping import dumper
from server.core.geo import to_wgs84
from server.core.schemas import AwareTime
from server.core.schemas import Day
from server.core.schemas import DottedErrors
from server.core.schemas import Id
from server.core.schemas import PageArgs
from server.core.schemas import Real
from server.installbase.schemas import WarrantySchema
from server.jobs.models import CHANNELS
from server.jobs.models import CONFIRMATION_METHODS
from server.jobs.models import COORD_SYSTEMS
from server.jobs.models import JOB_STATES
from server.jobs.models import JOB_TYPES
from server.jobs.models import SCAN_SOURCES
from server.jobs.services.queries import ORDERS
from server.knowledge.schemas import FAULT_CODE

PHONE = ma.validate.Regexp(r"^\+?[0-9][0-9 -]{4,30}$", error="Give a phone number: digits, spaces or '-', 5 to 32.")
SERIAL = ma.validate.Length(min=1, max=64, error="A serial has 1 to 64 characters.")
NOTE = ma.validate.Length(max=2000)
REASON = ma.validate.Length(min=1, max=2000, error="Say why, in at most 2000 characters.")


def device_time():
    return AwareTime(
        load_default=None,
        allow_none=True,
        metadata={"description": "The phone's clock when the step was done (ISO 8601 with offset); kept as a fact"},
    )


# How far ahead of the server's clock a phone's fix may be: phones' clocks drift by seconds, a fix dated
# further ahead was not taken when it says.
FIX_TIME_AHEAD = timedelta(minutes=5)


class PositionArgs(ma.Schema):
    """Where the phone was at a step (the browser's Geolocation API, WGS-84), taken offline too."""

    lat = Real(-90, 90, required=True, metadata={"description": "Latitude, degrees, WGS-84"})
    lng = Real(-180, 180, required=True, metadata={"description": "Longitude, degrees, WGS-84"})
    accuracy_m = Real(
        0, 100_000, above_minimum=True, required=True, metadata={"description": "The fix's accuracy radius, metres"}
    )
    fix_time = AwareTime(
        required=True,
        metadata={"description": "When the phone took the fix; at most 5 minutes ahead of the server's clock"},
    )

    @ma.validates("fix_time")
    def not_ahead(self, value, **kwargs):
        if value > utcnow() + FIX_TIME_AHEAD:
            raise ma.ValidationError("The fix is dated more than 5 minutes ahead of the server's clock.")


def position():
    return ma.fields.Nested(
        PositionArgs,
        load_default=None,
        allow_none=True,
        metadata={"description": "Where the phone was at this step (optional): lat, lng, accuracy_m, fix_time"},
    )


# ---------------------------------------------------------------- customers and requests


class CustomerLookupArgs(ma.Schema):
    phone = ma.fields.String(validate=PHONE)
    serial = ma.fields.String(validate=SERIAL)

    @ma.validates_schema
    def one_key(self, data, **kwargs):
        if ("phone" in data) == ("serial" in data):
            raise ma.ValidationError("Give either phone or serial.", "phone")


class RequestArgs(ma.Schema):
    customer_phone = ma.fields.String(required=True, validate=PHONE)
    customer_name = ma.fields.String(load_default="", validate=ma.validate.Length(max=128))
    address = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))
    region_code = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=32), metadata={"description": "The city or county"}
    )
    serial = ma.fields.String(load_default="", validate=ma.validate.Length(max=64))
    model = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=64))
    fault_description = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=4000))
    channel = ma.fields.String(load_default="phone", validate=ma.validate.OneOf(CHANNELS))
    job_type = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.OneOf(JOB_TYPES),
        metadata={"description": "Default: warranty unless the unit is known to be out of warranty"},
    )
    preferred_start = AwareTime(load_default=None, allow_none=True)
    preferred_end = AwareTime(load_default=None, allow_none=True)
    lat = Real(-90, 90, load_default=None, allow_none=True, metadata={"description": "The address's latitude"})
    lng = Real(-180, 180, load_default=None, allow_none=True, metadata={"description": "The address's longitude"})
    coord_system = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.OneOf(COORD_SYSTEMS),
        metadata={
            "description": "The datum of lat and lng: wgs84 (GPS), gcj02 (AMap, Tencent) or bd09 (Baidu). "
            "All three or none; none: the sale record's, if it has them"
        },
    )

    @ma.validates_schema
    def coordinates_whole(self, data, **kwargs):
        given = [name for name in ("lat", "lng", "coord_system") if data.get(name) is not None]
        if given and len(given) < 3:
            missing = [name for name in ("lat", "lng", "coord_system") if name not in given]
            raise ma.ValidationError(
                {name: ["Give lat, lng and coord_system together, or none of them."] for name in missing}
            )


def _wgs84(lat, lng, system):
    """``{"lat", "lng"}`` in WGS-84 of an address given in ``system``; None when it has no coordinates."""
    if lat is None or lng is None or system is None:
        return None
    lat, lng = to_wgs84(lat, lng, system)
    return {"lat": lat, "lng": lng}


class RequestSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    serial = ma.fields.String()
    model = ma.fields.Function(lambda request: request.product.model if request.product else None)
    # The phone holds no product list: the category lets it find the knowledge base's category-wide entries.
    category = ma.fields.Function(lambda request: request.product.category if request.product else None)
    customer_name = ma.fields.String()
    customer_phone = ma.fields.String()
    address = ma.fields.String()
    region_code = ma.fields.Function(lambda request: request.region.code)
    fault_description = ma.fields.String()
    channel = ma.fields.String()
    preferred_start = ma.fields.DateTime(allow_none=True)
    preferred_end = ma.fields.DateTime(allow_none=True)
    lat = ma.fields.Float(allow_none=True, metadata={"description": "The address's latitude, in coord_system"})
    lng = ma.fields.Float(allow_none=True, metadata={"description": "The address's longitude, in coord_system"})
    coord_system = ma.fields.String(allow_none=True, metadata={"description": "wgs84, gcj02 or bd09"})
    address_wgs84 = ma.fields.Function(
        lambda request: _wgs84(request.lat, request.lng, request.coord_system),
        allow_none=True,
        metadata={"description": "The address's coordinates brought to WGS-84 (as positions are measured): lat, lng"},
    )
    created_at = ma.fields.DateTime()


class JobRequestSchema(RequestSchema):
    """A job's request as the caller may see it: the customer's phone as the service showed it (``shown_to``)."""

    customer_phone = ma.fields.String(
        attribute="shown_phone",
        dump_only=True,
        metadata={
            "description": "In full for the call centre, dispatch and admins; provider staff (and every device's "
            "feed) get its last four digits only, *******5678, and call the customer through the relay (call)"
        },
    )


# ---------------------------------------------------------------- jobs


# The SLA block of a job: each stage's deadline and when it was reached.
_SLA_TIMES = (
    "contact_due_at",
    "arrive_due_at",
    "complete_due_at",
    "contacted_at",
    "arrived_at",
    "completed_at",
)


def _iso(moment):
    return moment.isoformat() if moment is not None else None


class TechnicianSchema(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    display_name = ma.fields.String()


def _masked(phone):
    """A customer's phone as anyone but the call centre may see it: the last four digits."""
    return "*" * max(0, len(phone) - 4) + phone[-4:] if phone else None


class FixSchema(ma.Schema):
    step = ma.fields.String()
    lat = ma.fields.Float()
    lng = ma.fields.Float()
    accuracy_m = ma.fields.Float()
    fix_time = ma.fields.DateTime()


class VisitSchema(ma.Schema):
    """The proof of a visit: the customer's confirmation, the phone's positions, the code sent to the customer."""

    confirmation = ma.fields.Method("dump_confirmation", allow_none=True)
    fixes = ma.fields.List(ma.fields.Nested(FixSchema))
    completion_code_sent_at = ma.fields.DateTime(allow_none=True)
    completion_code_sent_to = ma.fields.Function(
        lambda job: _masked(job.request.customer_phone) if job.completion_code_sent_at else None,
        metadata={"description": "The phone the completion code went to, its last four digits"},
    )

    def dump_confirmation(self, job):
        if job.confirmation_method is None and job.completed_at is None:
            return None
        return {
            "method": job.confirmation_method,
            "code_ok": job.confirmation_code_ok,
            "reason": job.confirmation_reason,
            "signature_sha256": job.signature_sha256,
        }


class CallSchema(ma.Schema):
    number = ma.fields.String(metadata={"description": "The relay's number (隐私号): dial it"})
    extension = ma.fields.String(metadata={"description": "Then the job's extension, keyed as tones once it answers"})


class EvidencePhotoSchema(ma.Schema):
    stage = ma.fields.String()
    sha256 = ma.fields.String()
    taken_at = ma.fields.DateTime(allow_none=True)
    lat = ma.fields.Float(allow_none=True)
    lng = ma.fields.Float(allow_none=True)


class JobSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    state = ma.fields.String()
    job_type = ma.fields.String()
    card_number = ma.fields.String(
        allow_none=True, metadata={"description": "The service card a warranty job out of factory warranty relies on"}
    )
    region_code = ma.fields.Function(lambda job: job.region.code)
    region_name = ma.fields.Function(lambda job: job.region.name)
    area_class = ma.fields.Function(lambda job: job.region.area_class)
    provider_code = ma.fields.Function(lambda job: job.provider.code if job.provider else None)
    # The call centre tells the customer who is coming: the company by its name, not its code.
    provider_name = ma.fields.Function(lambda job: job.provider.name if job.provider else None)
    technician = ma.fields.Nested(TechnicianSchema, allow_none=True)
    request = ma.fields.Nested(JobRequestSchema)
    call = ma.fields.Nested(
        CallSchema,
        allow_none=True,
        dump_only=True,
        metadata={
            "description": "How to call the customer without their number: dial the relay's number, pause, key the "
            "extension (tel:<number>,<extension>). Null when no relay is set up, or once the job has ended or "
            "while no technician holds it (the relay would not put the call through)"
        },
    )
    appointment_at = ma.fields.DateTime(allow_none=True)
    sla = ma.fields.Method(
        "dump_sla",
        metadata={"description": "Deadlines and times reached per stage, and the stages overdue now (overdue)"},
    )
    escalated_at = ma.fields.DateTime(allow_none=True)
    completion_summary = ma.fields.String()
    confirmed_by = ma.fields.String()
    fault_code = ma.fields.String(allow_none=True)
    cancel_reason = ma.fields.String()
    closed_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    version = ma.fields.Integer()
    visit = ma.fields.Function(
        lambda job: _visit(job),
        metadata={
            "description": "The proof of the visit: confirmation (method, code_ok, reason, signature_sha256), fixes, "
            "completion_code_sent_at and completion_code_sent_to"
        },
    )
    photos = ma.fields.List(ma.fields.Nested(EvidencePhotoSchema), attribute="evidence_photos")
    actions = ma.fields.List(
        ma.fields.String(), dump_only=True, metadata={"description": "The steps the caller may take now"}
    )

    def dump_sla(self, job):
        # Built by hand: a nested schema per job is a third of a page's serialising time.
        sla = {key: _iso(getattr(job, key)) for key in _SLA_TIMES}
        sla["overdue"] = job.overdue_stages(utcnow())
        return sla


# Compiled (server/core/dumping.py): every job of a device's first pull carries one.
_visit = dumper(VisitSchema())


class JobListArgs(PageArgs):
    state = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(JOB_STATES)), load_default=list)
    created_from = Day(metadata={"description": "Created on or after this day (local time)"})
    created_to = Day(metadata={"description": "Created on or before this day (local time)"})
    appointment_on = Day(metadata={"description": "Appointment on this day (local time)"})
    provider_code = ma.fields.String(validate=ma.validate.Length(min=1, max=32))
    technician_id = Id()
    unassigned = ma.fields.Boolean(
        metadata={"description": "true: only jobs no technician holds (new, or with a provider still to assign)"}
    )
    province_code = ma.fields.String(
        validate=ma.validate.Length(min=1, max=32), metadata={"description": "Only jobs in this province"}
    )
    overdue = ma.fields.Boolean(metadata={"description": "Only jobs with a stage marked overdue"})
    order = ma.fields.String(
        validate=ma.validate.OneOf(ORDERS),
        metadata={
            "description": "newest (default); urgent: late or escalated first, then the nearest SLA deadline; "
            "due (the next SLA deadline), created, number, each with '-' for the other way"
        },
    )

    @ma.validates_schema
    def range_in_order(self, data, **kwargs):
        if "created_from" in data and "created_to" in data and data["created_to"] < data["created_from"]:
            raise ma.ValidationError("The range ends before it starts.", "created_to")


class EventSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    from_state = ma.fields.String(allow_none=True)
    to_state = ma.fields.String(allow_none=True)
    actor = ma.fields.Function(lambda event: event.actor.username if event.actor else None)
    actor_name = ma.fields.Function(
        lambda event: (event.actor.display_name or event.actor.username) if event.actor else None,
        metadata={"description": "Who, as people know them: the display name, else the username; null: the system"},
    )
    at = ma.fields.DateTime()
    device_time = ma.fields.DateTime(allow_none=True)
    note = ma.fields.String()
    data = ma.fields.Raw(allow_none=True)


class SuggestionSchema(ma.Schema):
    provider_code = ma.fields.String()
    provider_name = ma.fields.String()
    technicians = ma.fields.Integer()
    open_jobs = ma.fields.Integer()
    load_per_technician = ma.fields.Float(allow_none=True)
    completed_recently = ma.fields.Integer()
    sla_rate = ma.fields.Float(allow_none=True)


# ---------------------------------------------------------------- steps


class DispatchArgs(ma.Schema):
    provider_code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    note = ma.fields.String(load_default="", validate=NOTE)
    version = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=ma.validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "The job's version the caller saw: a job changed since is refused (409 job_changed)"},
    )


class AssignArgs(ma.Schema):
    technician_id = Id(required=True, strict=True)
    note = ma.fields.String(load_default="", validate=NOTE)


class FieldStepArgs(ma.Schema):
    device_time = device_time()
    note = ma.fields.String(load_default="", validate=NOTE)


class ArriveArgs(FieldStepArgs, DottedErrors):
    """Arrival at the customer's: a field step with the phone's position at the door."""

    position = position()


class DeclineArgs(ma.Schema):
    reason = ma.fields.String(required=True, validate=REASON)
    device_time = device_time()


class ContactArgs(ma.Schema):
    reached = ma.fields.Boolean(
        load_default=True,
        metadata={"description": "False for a call that did not reach the customer: kept, not counted for the SLA"},
    )
    appointment_at = AwareTime(load_default=None, allow_none=True)
    note = ma.fields.String(load_default="", validate=NOTE)
    device_time = device_time()


# The field each confirmation method needs; the others' fields are refused beside it.
_CONFIRMATION_FIELDS = {"code": "code", "signature": "signature_sha256", "none": "reason"}


class ConfirmationArgs(ma.Schema):
    """How the customer confirmed the work: the code sent to their phone, a signature, or none and why."""

    method = ma.fields.String(required=True, validate=ma.validate.OneOf(CONFIRMATION_METHODS))
    code = ma.fields.String(
        # The length too: "$" lets a trailing newline through.
        validate=[
            ma.validate.Length(equal=6, error="The completion code is six digits."),
            ma.validate.Regexp(r"^[0-9]{6}$", error="The completion code is six digits."),
        ],
        metadata={
            "description": "method code: the six digits the customer read out (a wrong one is kept, and "
            "flagged on the claim)"
        },
    )
    signature_sha256 = ma.fields.String(
        validate=[
            ma.validate.Length(equal=64, error="Give the signature PNG's SHA-256: 64 hex digits."),
            ma.validate.Regexp(r"^[0-9a-f]{64}$", error="Give the signature PNG's SHA-256: 64 hex digits."),
        ],
        metadata={"description": "method signature: the PNG uploaded first through PUT /api/sync/blobs/<sha256>"},
    )
    reason = ma.fields.String(
        validate=REASON, metadata={"description": "method none: why the customer could not confirm"}
    )

    @ma.validates_schema
    def fields_of_method(self, data, **kwargs):
        method = data.get("method")
        if method not in _CONFIRMATION_FIELDS:
            return
        needed = _CONFIRMATION_FIELDS[method]
        if needed not in data:
            raise ma.ValidationError(f"Method {method} needs {needed}.", needed)
        if needed == "reason" and not data["reason"].strip():
            raise ma.ValidationError("Say why the customer could not confirm.", "reason")
        for name in _CONFIRMATION_FIELDS.values():
            if name != needed and name in data:
                raise ma.ValidationError(f"Method {method} takes no {name}.", name)


class CompleteArgs(DottedErrors):
    summary = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=4000))
    confirmed_by = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=128),
        metadata={"description": "Who confirmed the work for the customer"},
    )
    fault_code = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=FAULT_CODE,
        metadata={"description": "The fault found: an active defect entry's code in the knowledge base"},
    )
    confirmation = ma.fields.Nested(
        ConfirmationArgs,
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The customer's confirmation: {method: code, code}, {method: signature, "
            "signature_sha256} or {method: none, reason}; absent (an older app) is kept as no confirmation"
        },
    )
    device_time = device_time()
    position = position()
    unpaid_reason = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=2000),
        metadata={
            "description": "Why a paid job is completed with its approved quote not fully paid, or its quote not "
            "approved; kept on the job's record"
        },
    )


class ScanArgs(ma.Schema):
    serial = ma.fields.String(required=True, validate=SERIAL)
    source = ma.fields.String(required=True, validate=ma.validate.OneOf(SCAN_SOURCES))
    symbology = ma.fields.String(load_default="", validate=ma.validate.Length(max=32))
    photo_sha256 = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Regexp(r"^[0-9a-f]{64}$", error="Give 64 hex digits.")
    )
    device_time = device_time()


class ScanSchema(ma.Schema):
    id = ma.fields.Integer()
    job_id = ma.fields.Integer()
    serial = ma.fields.String()
    source = ma.fields.String()
    symbology = ma.fields.String()
    photo_sha256 = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    device_time = ma.fields.DateTime(allow_none=True)


class ReasonArgs(ma.Schema):
    reason = ma.fields.String(required=True, validate=REASON)


class CloseArgs(ma.Schema):
    note = ma.fields.String(load_default="", validate=NOTE)


class EscalationSchema(ma.Schema):
    job = ma.fields.Nested(JobSchema)
    escalated_to = ma.fields.List(ma.fields.Nested(TechnicianSchema))


# ---------------------------------------------------------------- SLA policies and duty


class SlaPolicyArgs(ma.Schema):
    contact_minutes = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=60 * 24 * 90))
    arrive_minutes = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=60 * 24 * 90))
    complete_minutes = ma.fields.Integer(
        required=True, strict=True, validate=ma.validate.Range(min=1, max=60 * 24 * 90)
    )


class SlaPolicySchema(ma.Schema):
    area_class = ma.fields.String()
    contact_minutes = ma.fields.Integer()
    arrive_minutes = ma.fields.Integer()
    complete_minutes = ma.fields.Integer()
    default = ma.fields.Boolean()


class DutyArgs(ma.Schema):
    on_duty = ma.fields.Boolean(required=True)


class CustomerSchema(ma.Schema):
    id = ma.fields.Integer(allow_none=True, metadata={"description": "For the customer's care reminders"})
    phone = ma.fields.String()
    name = ma.fields.String()
    address = ma.fields.String()
    region_code = ma.fields.String(allow_none=True)


class CustomerUnitSchema(ma.Schema):
    serial = ma.fields.String()
    model = ma.fields.String(allow_none=True)
    category = ma.fields.String(allow_none=True)
    sale_date = ma.fields.Date(allow_none=True)
    in_install_base = ma.fields.Boolean()
    warranty = ma.fields.Nested(WarrantySchema, allow_none=True)
    card = ma.fields.Nested(
        CardBriefSchema,
        allow_none=True,
        metadata={"description": "The valid service card covering the unit for the looked-up phone, or null"},
    )
    cards = ma.fields.List(ma.fields.Nested(CardBriefSchema), metadata={"description": "Every such card"})


class JobSummarySchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    state = ma.fields.String()
    job_type = ma.fields.String()
    provider_code = ma.fields.Function(lambda job: job.provider.code if job.provider else None)
    provider_name = ma.fields.Function(lambda job: job.provider.name if job.provider else None)
    created_at = ma.fields.DateTime()
    closed_at = ma.fields.DateTime(allow_none=True)


class RequestWithJobSchema(ma.Schema):
    request = ma.fields.Nested(RequestSchema)
    job = ma.fields.Nested(JobSummarySchema, allow_none=True)


class CustomerViewSchema(ma.Schema):
    customer = ma.fields.Nested(CustomerSchema)
    units = ma.fields.List(ma.fields.Nested(CustomerUnitSchema))
    requests = ma.fields.List(ma.fields.Nested(RequestWithJobSchema))


# ---------------------------------------------------------------- a provider's team


class TechnicianLoadSchema(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    display_name = ma.fields.String()
    active = ma.fields.Boolean(metadata={"description": "False: disabled, shown while still holding open jobs"})
    open_jobs = ma.fields.Integer(metadata={"description": "Their jobs open now"})
    assigned_today = ma.fields.Integer(metadata={"description": "Their jobs given to them today"})
    appointments_today = ma.fields.Integer(metadata={"description": "Their visits booked for today"})
    completed_today = ma.fields.Integer(metadata={"description": "Their jobs completed today"})


class TeamSchema(ma.Schema):
    provider_code = ma.fields.String()
    provider_name = ma.fields.String()
    day = ma.fields.Date(metadata={"description": "The local day the figures are of"})
    technicians = ma.fields.List(ma.fields.Nested(TechnicianLoadSchema))


# ---------------------------------------------------------------- the call relay


def _extension(value):
    # Not a Regexp: its "$" lets a trailing newline through, and str.isdigit alone takes other scripts' digits.
    if not (1 <= len(value) <= 32 and value.isascii() and value.isdigit()):
        raise ma.ValidationError("Give the extension the caller keyed: 1 to 32 digits.")


class CallRelayArgs(ma.Schema):
    extension = ma.fields.String(
        required=True,
        validate=_extension,
        metadata={"description": "The digits the caller keyed after the relay's number: a job's extension"},
    )


class CallRelaySchema(ma.Schema):
    connect_to = ma.fields.String(metadata={"description": "The customer's phone, in full: connect the call to it"})
    job_number = ma.fields.String(metadata={"description": "The job the call is about"})
