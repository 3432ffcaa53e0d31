"""The call relay (隐私号): the technician calls the customer through the telephony provider's hotline, and the
customer's number never reaches the technician's phone.

The app dials ``CALL_RELAY_NUMBER``, pauses, and keys the job's extension as tones; the provider's adapter asks
``POST /api/call-relay`` whom that extension reaches, and connects the call to the customer of the job while it
is open and a technician holds it. An extension needs no column: the job's id, then four check digits from an
HMAC-SHA256 of the id under SECRET_KEY. An extension made up from a job's id reaches its customer 1 time in
10,000, and a digit keyed wrong reaches nobody rather than another job's customer.
"""

import hashlib
import hmac
import re
from datetime import datetime
from typing import TypedDict

from flask import current_app

from server.api import MAX_ID
from server.errors import Conflict
from server.errors import NotFound
from server.errors import Unauthorized
from server.extensions import db
from server.jobs.models import OPEN_STATES
from server.jobs.models import Job
from server.jobs.services.events import record

CHECK_DIGITS = 4
# A job's id (1 to MAX_ID: ten digits at most, no leading zero), then its check digits; ASCII digits only.
_EXTENSION = re.compile(rf"[1-9][0-9]{{0,{len(str(MAX_ID)) - 1}}}[0-9]{{{CHECK_DIGITS}}}")


class Call(TypedDict):
    number: str  # the relay's number
    extension: str  # the job's extension, keyed once the relay answers


class Connection(TypedDict):
    connect_to: str  # the customer's phone, in full: for the telephony provider only
    job_number: str


def relay_extension(key: str, job_id: int) -> str:
    """Job ``job_id``'s extension on the relay: its id, then four check digits keyed by ``key`` (SECRET_KEY)."""
    digest = hmac.new(key.encode(), f"call-relay:{job_id}".encode(), hashlib.sha256).digest()
    check = int.from_bytes(digest[:8], "big") % 10**CHECK_DIGITS
    return f"{job_id}{check:0{CHECK_DIGITS}d}"


def job_of_extension(key: str, extension: str) -> int | None:
    """The id of the job whose extension ``extension`` is, or None: not digits, too short or too long, an id no
    job can have, or check digits that are not the id's."""
    if not _EXTENSION.fullmatch(extension):
        return None
    job_id = int(extension[:-CHECK_DIGITS])
    if job_id > MAX_ID or not hmac.compare_digest(relay_extension(key, job_id), extension):
        return None
    return job_id


def configured() -> bool:
    """Whether there is a relay: its number to dial and the token its adapter calls with are both set."""
    return bool(current_app.config["CALL_RELAY_NUMBER"]) and bool(current_app.config["CALL_RELAY_TOKEN"])


def reachable(job: Job) -> bool:
    """Whether the relay puts a call on ``job`` through: the job is open and a technician holds it."""
    return job.state in OPEN_STATES and job.technician_id is not None


def call_of(job: Job) -> Call | None:
    """How the app calls ``job``'s customer: the relay's number and the job's extension; None without a relay,
    or when the relay would put no call through on the job (ended, or no technician holds it yet)."""
    if not configured() or not reachable(job):
        return None
    return {
        "number": str(current_app.config["CALL_RELAY_NUMBER"]),
        "extension": relay_extension(_key(), job.id),
    }


def check_token(given: str | None) -> None:
    """Let in only the telephony provider's adapter: ``given`` must be CALL_RELAY_TOKEN, compared in constant
    time. Anything else, and anything at all while there is no relay, is 401 ``relay_unauthorized``."""
    token = current_app.config["CALL_RELAY_TOKEN"]
    if not configured() or not given or not hmac.compare_digest(given.encode(), str(token).encode()):
        raise Unauthorized(
            "Send 'Authorization: Bearer <the relay's token>'; calls are put through only for the relay.",
            code="relay_unauthorized",
        )


def put_through(extension: str, now: datetime | None = None) -> Connection:
    """Whom a call keyed to ``extension`` reaches: the customer of its job, the call kept on the job's record
    (``call_relayed``, without the number). 404 ``extension_unknown`` for an extension of no job, 409
    ``job_closed`` for a job that has ended or that no technician holds."""
    job_id = job_of_extension(_key(), extension)
    job = db.session.get(Job, job_id) if job_id is not None else None
    if job is None:
        raise NotFound("No job has this extension.", code="extension_unknown")
    if not reachable(job):
        said = f"is {job.state}" if job.state not in OPEN_STATES else "has no technician"
        raise Conflict(
            f"Job {job.number} {said}: the relay puts calls through only on an open job a technician holds.",
            code="job_closed",
            details={"state": job.state},
        )
    record(job, "call_relayed", None, from_state=job.state, at=now)
    db.session.flush()
    return {"connect_to": job.request.customer_phone, "job_number": job.number}


def _key() -> str:
    return str(current_app.config["SECRET_KEY"])
