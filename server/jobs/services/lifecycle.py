"""A job's life: the state machine and the steps that move a job through it.

::

    new → dispatched → accepted → en_route → on_site → completed → closed
                          ↑    ↘_____________↗    ↓
                          └──── waiting_parts ←──┘       (any open state → cancelled)

Each step names the states it starts from; anything else is refused with
409 ``illegal_transition`` and changes nothing. Every step is recorded with
who, when (the server's clock) and, for field steps, the phone's clock. A step
given ``now`` happened at that moment instead: a history replayed after the
fact, as the demo data set's month of work is.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from scanning.serials import normalise_serial
from scanning.serials import valid_serial
from server.core.clock import utcnow
from server.core.locks import serialise_on
from server.core.privacy import last_four
from server.core.privacy import mask_phone
from server.core.reference import invalid
from server.core.roles import ADMIN
from server.core.roles import AGENT
from server.core.roles import DISPATCHER
from server.core.roles import PROVIDER_MANAGER
from server.core.roles import TECHNICIAN
from server.errors import Conflict
from server.errors import Forbidden
from server.errors import InvalidInput
from server.extensions import db
from server.jobs.models import BARCODE_SOURCES
from server.jobs.models import OPEN_STATES
from server.jobs.models import Job
from server.jobs.models import Scan
from server.jobs.models import ServiceRequest
from server.jobs.services import relay
from server.jobs.services.confirmation import confirmation_record
from server.jobs.services.dispatch import ASSIGN_STATES
from server.jobs.services.dispatch import REDISPATCH_STATES
from server.jobs.services.events import record
from server.jobs.services.positions import record_fix
from server.knowledge.services import require_fault_code
from server.notifications.services import notify
from server.users.directory import duty_managers
from server.users.directory import provider_managers
from server.users.models import User

# How far ahead an appointment may be made.
APPOINTMENT_HORIZON = timedelta(days=90)


@dataclass(frozen=True)
class Step:
    name: str
    from_states: tuple[str, ...]
    to_state: str | None  # None: the step records something and leaves the state as it is
    roles: tuple[str, ...]
    field: bool = False  # done on the phone, carrying the device's clock


FIELD = (TECHNICIAN,)
STEPS = {
    step.name: step
    for step in (
        Step("accept", ("dispatched",), "accepted", FIELD, field=True),
        Step("decline", ("dispatched", "accepted"), "dispatched", FIELD, field=True),
        Step(
            "contact",
            ("dispatched", "accepted", "en_route", "on_site", "waiting_parts"),
            None,
            (TECHNICIAN, PROVIDER_MANAGER),
            field=True,
        ),
        Step("depart", ("accepted",), "en_route", FIELD, field=True),
        Step("arrive", ("accepted", "en_route"), "on_site", FIELD, field=True),
        Step("hold_for_parts", ("accepted", "en_route", "on_site"), "waiting_parts", FIELD, field=True),
        Step("parts_arrived", ("waiting_parts",), "accepted", ()),
        # A refused requisition with nothing else on order: the technician decides what next.
        Step("parts_refused", ("waiting_parts",), "accepted", ()),
        Step("scan", ("accepted", "en_route", "on_site", "waiting_parts", "completed"), None, FIELD, field=True),
        Step("use_parts", ("accepted", "en_route", "on_site", "waiting_parts", "completed"), None, FIELD, field=True),
        Step("report_shortage", ("accepted", "en_route", "on_site", "waiting_parts"), None, FIELD, field=True),
        Step("complete", ("on_site",), "completed", FIELD, field=True),
        Step("close", ("completed",), "closed", (DISPATCHER, PROVIDER_MANAGER, ADMIN)),
        Step("cancel", OPEN_STATES, "cancelled", (AGENT, DISPATCHER, ADMIN)),
        Step("escalate", (*OPEN_STATES, "completed"), None, (AGENT, DISPATCHER, ADMIN)),
    )
}


# Steps the parts flow takes by itself (a shortage, a receipt): never offered as a button.
_AUTOMATIC = ("hold_for_parts", "parts_arrived", "parts_refused")


def allowed_actions(job: Job, user: User) -> list[str]:
    """The steps ``user`` may take on ``job`` now (what the app offers as buttons)."""
    actions = []
    if user.role in (ADMIN, DISPATCHER) and job.state in REDISPATCH_STATES:
        actions.append("dispatch")
    if user.role in (ADMIN, DISPATCHER, PROVIDER_MANAGER) and job.provider_id and job.state in ASSIGN_STATES:
        actions.append("assign")
    for step in STEPS.values():
        if step.name in _AUTOMATIC or user.role not in step.roles or job.state not in step.from_states:
            continue
        if user.role == TECHNICIAN and job.technician_id != user.id:
            continue
        if step.name == "accept" and job.technician_id is None:
            continue
        actions.append(step.name)
    return actions


def shown_to(user: User, job: Job) -> Job:
    """``job`` with what its schema shows that hangs on the caller: ``actions``, the steps ``user`` may take on
    it now; the customer's phone as their role may see it (provider staff: its last four digits); and ``call``,
    how to call the customer through the relay."""
    job.actions = allowed_actions(job, user)
    return _shown(job, mask_phone(job.request.customer_phone, user.role))


def shown_on_devices(job: Job) -> Job:
    """``job`` as the devices' feeds carry it, whoever's request changed it: only provider staff pull jobs, so
    the customer's phone is its last four digits, and ``call`` is how to reach the customer instead."""
    return _shown(job, last_four(job.request.customer_phone))


def _shown(job: Job, phone: str) -> Job:
    job.request.shown_phone = phone
    job.call = relay.call_of(job)
    return job


def check_step(job: Job, actor: User | None, name: str) -> Step:
    """Check that ``actor`` may take step ``name`` on ``job`` in its present state; return the step."""
    step = STEPS[name]
    if actor is not None and step.roles and actor.role not in step.roles:
        raise Forbidden(
            f"A {actor.role} may not {name} a job.", code="role_forbidden", details={"allowed_roles": list(step.roles)}
        )
    if job.state not in step.from_states:
        raise Conflict(
            f"Job {job.number} is {job.state}; it cannot be {_PAST.get(name, name)} now.",
            code="illegal_transition",
            details={"state": job.state, "action": name, "allowed_from": list(step.from_states)},
        )
    if actor is not None and actor.role == TECHNICIAN and job.technician_id != actor.id:
        raise Forbidden(f"Job {job.number} is not assigned to you.", code="not_your_job")
    return step


_PAST = {
    "accept": "accepted",
    "decline": "declined",
    "contact": "given a customer contact",
    "depart": "set on the way",
    "arrive": "marked arrived",
    "hold_for_parts": "put on hold for parts",
    "parts_arrived": "released from waiting for parts",
    "parts_refused": "released from waiting for parts",
    "use_parts": "given parts used",
    "report_shortage": "given missing parts",
    "scan": "given a serial scan",
    "complete": "completed",
    "close": "closed",
    "cancel": "cancelled",
    "escalate": "escalated",
}


def _move(
    job: Job,
    actor: User | None,
    name: str,
    *,
    device_time: datetime | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> str:
    step = check_step(job, actor, name)
    previous = job.state
    if step.to_state is not None:
        job.state = step.to_state
    record(job, name, actor, from_state=previous, device_time=device_time, note=note, data=data, at=now)
    return previous


def accept(
    job: Job, actor: User, device_time: datetime | None = None, note: str = "", now: datetime | None = None
) -> Job:
    """The assigned technician takes the job on."""
    _move(job, actor, "accept", device_time=device_time, note=note, now=now)
    db.session.flush()
    return job


def decline(job: Job, actor: User, reason: str, device_time: datetime | None = None) -> Job:
    """The technician hands the job back to their provider, saying why; the provider's managers are told."""
    if not reason.strip():
        raise invalid("reason", "say why the job is declined")
    _move(job, actor, "decline", device_time=device_time, note=reason)
    job.technician = None
    notify(
        provider_managers(job.provider_id),
        "job_declined",
        f"{actor.display_name or actor.username} declined job {job.number}: {reason[:200]}",
        job=job,
        data={"technician_id": actor.id},
    )
    db.session.flush()
    return job


def contact(
    job: Job,
    actor: User,
    appointment_at: datetime | None = None,
    note: str = "",
    device_time: datetime | None = None,
    now: datetime | None = None,
    reached: bool = True,
) -> Job:
    """Record a call to the customer: reached, with the appointment made (ahead of the call), or not reached.

    Only a call that reached the customer counts for the contact SLA. A call
    made on the phone counts at the phone's clock (see ``phone_moment``): a
    technician who called at nine and had no signal until noon called at nine.
    An unanswered call is kept on the record, and leaves the SLA waiting.
    """
    now = now or utcnow()
    called = phone_moment(job, device_time, now)
    if not reached and appointment_at is not None:
        raise invalid("appointment_at", "an appointment needs the customer reached")
    if appointment_at is not None:
        if appointment_at <= called:
            raise InvalidInput(
                "appointment_at: the appointment is in the past",
                code="appointment_in_past",
                details={"fields": {"appointment_at": ["the appointment is in the past"]}},
            )
        if appointment_at > called + APPOINTMENT_HORIZON:
            raise InvalidInput(
                "appointment_at: an appointment is made at most 90 days ahead",
                code="appointment_too_far",
                details={"fields": {"appointment_at": ["an appointment is made at most 90 days ahead"]}},
            )
    data: dict[str, Any] = {"appointment_at": appointment_at.isoformat() if appointment_at else None}
    if not reached:
        data["reached"] = False
    _move(job, actor, "contact", device_time=device_time, note=note, data=data, now=now)
    if reached and job.contacted_at is None:
        job.contacted_at = called
    if appointment_at is not None:
        job.appointment_at = appointment_at
    db.session.flush()
    return job


def phone_moment(job: Job, device_time: datetime | None, now: datetime) -> datetime:
    """When a step done on the phone happened: the phone's clock if it is believable, else the server's.

    Believable is between the job's creation and now: a step synced hours
    after it was done offline keeps its hour, while a phone whose clock runs
    ahead, or lies about the past, gains nothing by it.
    """
    if device_time is not None and job.created_at <= device_time <= now:
        return device_time
    return now


def depart(
    job: Job, actor: User, device_time: datetime | None = None, note: str = "", now: datetime | None = None
) -> Job:
    """The technician is on the way."""
    _move(job, actor, "depart", device_time=device_time, note=note, now=now)
    db.session.flush()
    return job


def arrive(
    job: Job,
    actor: User,
    device_time: datetime | None = None,
    note: str = "",
    now: datetime | None = None,
    position: Mapping[str, Any] | None = None,
) -> Job:
    """The technician is at the customer's; the first arrival is what the SLA counts. ``position``: where the
    phone was (PositionArgs), kept as a fix of the visit."""
    now = now or utcnow()
    _move(job, actor, "arrive", device_time=device_time, note=note, now=now)
    if job.arrived_at is None:
        job.arrived_at = now
    db.session.flush()
    record_fix(job, "arrive", position)
    return job


def hold_for_parts(
    job: Job, actor: User, note: str = "", device_time: datetime | None = None, data: dict[str, Any] | None = None
) -> Job:
    """The job cannot go on until missing parts arrive (the parts flow raises the requisition)."""
    _move(job, actor, "hold_for_parts", device_time=device_time, note=note, data=data)
    db.session.flush()
    return job


def record_parts_used(
    job: Job,
    actor: User,
    parts: list[dict[str, Any]],
    device_time: datetime | None = None,
    sales_order: str | None = None,
) -> Job:
    """Note on the job's record the parts the technician fitted, and the order they came on if they arrived
    for this job (the stock side is the parts domain's)."""
    data: dict[str, Any] = {"parts": parts}
    if sales_order is not None:
        data["sales_order"] = sales_order
    _move(job, actor, "use_parts", device_time=device_time, data=data)
    return job


def record_shortage(
    job: Job,
    actor: User,
    requisition_number: str,
    parts: list[dict[str, Any]],
    note: str = "",
    device_time: datetime | None = None,
    now: datetime | None = None,
) -> Job:
    """Parts are missing: the job waits for them (it may be waiting for others already)."""
    check_step(job, actor, "report_shortage")
    data = {"requisition": requisition_number, "parts": parts}
    name = "report_shortage" if job.state == "waiting_parts" else "hold_for_parts"
    _move(job, actor, name, device_time=device_time, note=note, data=data, now=now)
    db.session.flush()
    return job


def parts_arrived(job: Job, note: str = "", now: datetime | None = None) -> Job:
    """Every missing part has arrived: the technician goes back to the customer."""
    _move(job, None, "parts_arrived", note=note, now=now)
    if job.technician is not None:
        notify(
            [job.technician], "parts_arrived", f"The parts for job {job.number} have arrived; book a visit.", job=job
        )
    db.session.flush()
    return job


def parts_refused(job: Job, reason: str) -> Job:
    """The clerk refused the parts and nothing else is on order: the job goes back to the technician."""
    _move(job, None, "parts_refused", note=reason)
    if job.technician is not None:
        notify(
            [job.technician],
            "parts_refused",
            f"The parts for job {job.number} were refused: {reason[:200]}",
            job=job,
        )
    db.session.flush()
    return job


def record_scan(
    job: Job,
    actor: User,
    serial: str,
    source: str,
    symbology: str = "",
    photo_sha256: str | None = None,
    device_time: datetime | None = None,
    now: datetime | None = None,
) -> Scan:
    """Keep a serial read off the unit. A request recorded without a serial learns it here."""
    now = now or utcnow()
    serial = normalise_serial(serial)
    if not valid_serial(serial):
        raise invalid("serial", "a serial has 1 to 64 characters and no spaces")
    check_step(job, actor, "scan")
    scan = Scan(
        job_id=job.id,
        serial=serial,
        symbology=symbology or "",
        source=source,
        photo_sha256=photo_sha256,
        created_by_id=actor.id,
        created_at=now,
        device_time=device_time,
    )
    db.session.add(scan)
    request = job.request
    data: dict[str, Any] = {"serial": serial, "source": source}
    if photo_sha256 is not None:
        data["photo_sha256"] = photo_sha256  # the job's record shows the photo beside the serial
    if not request.serial:
        _learn_serial(job, serial, data)
    data["matches_request"] = request.serial == serial
    db.session.flush()
    data["scan_id"] = scan.id
    record(job, "scan", actor, from_state=job.state, device_time=device_time, data=data, at=now)
    db.session.flush()
    return scan


def _learn_serial(job: Job, serial: str, data: dict[str, Any]) -> None:
    """A request recorded without a serial takes the scanned one, and from then on holds the unit open.

    If another open request holds the unit already, the scan is kept all the
    same (it is what the technician saw) and the event names the other request.
    """
    serialise_on(f"serial:{serial}")
    job.request.serial = serial
    holder = db.session.scalar(select(ServiceRequest).where(ServiceRequest.open_serial == serial))
    if holder is None:
        job.request.open_serial = serial
    else:
        data["open_request_elsewhere"] = holder.number


def complete(
    job: Job,
    actor: User,
    summary: str,
    confirmed_by: str,
    device_time: datetime | None = None,
    now: datetime | None = None,
    fault_code: str | None = None,
    confirmation: dict[str, Any] | None = None,
    position: Mapping[str, Any] | None = None,
    unpaid_reason: str | None = None,
) -> Job:
    """The repair is done: what was done, who confirmed it for the customer, the fault code found (an
    active defect entry's, or none) and the customer's ``confirmation`` (see ``confirmation_record``).

    A wrong completion code is never refused: it is kept as typed, ``confirmation_code_ok`` false, and the
    claim is flagged. A signature's blob is checked before this (server.evidence.signatures). ``position``:
    where the phone was, kept as a fix of the visit. ``unpaid_reason``: why the charges are left unpaid, kept
    on the completion's event."""
    now = now or utcnow()
    if not summary.strip():
        raise invalid("summary", "describe the work done")
    if not confirmed_by.strip():
        raise invalid("confirmed_by", "name who confirmed the work for the customer")
    if fault_code is not None:
        require_fault_code(fault_code)
    columns, confirmed = confirmation_record(job, confirmation, summary.strip())
    # The whole completion on its event: the job's record shows what was recorded, and when, at this step.
    data = {
        "confirmed_by": confirmed_by.strip(),
        "summary": summary.strip(),
        "fault_code": fault_code,
        "confirmation": confirmed,
    }
    if unpaid_reason is not None and unpaid_reason.strip():
        # Why a paid job's charges were left unpaid (server.charges lets it complete so): on its record.
        data["unpaid_reason"] = unpaid_reason.strip()
    _move(job, actor, "complete", device_time=device_time, data=data, now=now)
    job.completed_at = now
    job.completion_summary = summary.strip()
    job.confirmed_by = confirmed_by.strip()
    job.fault_code = fault_code
    for name, value in columns.items():
        setattr(job, name, value)
    db.session.flush()
    record_fix(job, "complete", position)
    return job


def close(job: Job, actor: User, note: str = "", now: datetime | None = None) -> Job:
    """Close-out (核销): a completed job with its completion record and, for warranty work, a barcode scan.

    Closing frees the unit for a new request.
    """
    now = now or utcnow()
    check_step(job, actor, "close")
    missing = []
    if job.completed_at is None or not job.completion_summary:
        missing.append("completion record")
    if job.job_type == "warranty" and not _has_barcode_scan(job):
        missing.append("serial scan")
    if missing:
        raise Conflict(
            f"Job {job.number} cannot be closed without its {' and '.join(missing)}.",
            code="close_out_incomplete",
            details={"missing": missing},
        )
    _move(job, actor, "close", note=note, now=now)
    job.closed_at = now
    job.request.open_serial = None
    db.session.flush()
    return job


def _has_barcode_scan(job: Job) -> bool:
    return (
        db.session.scalar(select(Scan.id).where(Scan.job_id == job.id, Scan.source.in_(BARCODE_SOURCES)).limit(1))
        is not None
    )


def cancel(job: Job, actor: User, reason: str, now: datetime | None = None) -> Job:
    """Cancel an open job, saying why; whoever held it is told, and the unit is free for a new request."""
    if not reason.strip():
        raise invalid("reason", "say why the job is cancelled")
    _move(job, actor, "cancel", note=reason, now=now)
    job.cancel_reason = reason.strip()
    job.request.open_serial = None
    notify(
        [*provider_managers(job.provider_id), job.technician],
        "job_cancelled",
        f"Job {job.number} was cancelled: {reason[:200]}",
        job=job,
    )
    db.session.flush()
    return job


def escalate(job: Job, actor: User, reason: str, now: datetime | None = None) -> list[User]:
    """Raise the job to the duty manager (the dispatchers on duty for its area); they are notified."""
    now = now or utcnow()
    if not reason.strip():
        raise invalid("reason", "say why the job is escalated")
    managers = duty_managers(job.province_id)
    _move(job, actor, "escalate", note=reason, data={"to": [user.id for user in managers]}, now=now)
    job.escalated_at = now
    notify(
        managers,
        "job_escalated",
        f"Job {job.number} was escalated by {actor.display_name or actor.username}: {reason[:200]}",
        job=job,
        data={"by": actor.id, "reason": reason[:500]},
    )
    db.session.flush()
    return managers
