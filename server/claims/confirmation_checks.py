"""The claim checks of the customer's confirmation of the visit: NO_CONFIRMATION, CODE_MISMATCH, SIGNATURE_REUSED.

Each looks only at what the claim's job holds (its confirmation columns and its completion's record), so a
visit completed offline and synced later is checked like any other. The rules are pure functions of a
``Confirmation`` (tested without a database); the checks read it from the job and apply them. Every flag
carries its facts (ids, times, the method) for a client to word in the auditor's language.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import and_
from sqlalchemy import or_
from sqlalchemy import select

from server.claims.visit_facts import Confirmation
from server.claims.visit_facts import job_visit
from server.extensions import db
from server.jobs.models import Job

if TYPE_CHECKING:  # checks.py imports this module to list its checks
    from server.claims.checks import ClaimFacts
    from server.claims.checks import Flag


@dataclass(frozen=True)
class EarlierSignature:
    """Another job whose completion used the same signature first."""

    job_id: int
    job_number: str
    completed_at: datetime
    same_file: bool  # the very bytes; False: the same drawing saved again as another file


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _about(job: Confirmation) -> dict[str, Any]:
    return {"job_id": job.job_id, "job_number": job.job_number}


def no_confirmation_flags(job: Confirmation) -> "list[Flag]":
    """NO_CONFIRMATION: no completion, a completion with no confirmation, ``none`` (with its reason), or a code
    typed for a job whose customer was never sent one."""
    if job.completed_at is None:
        message = f"Job {job.job_number} has not been completed: the customer has not confirmed the visit."
        return [("NO_CONFIRMATION", message, {**_about(job), "method": None, "completed": False})]
    if job.method is None:
        message = (
            f"Job {job.job_number} was completed with no customer confirmation at all: "
            "neither the completion code nor a signature."
        )
        return [("NO_CONFIRMATION", message, {**_about(job), "method": None, "completed": True})]
    if job.method == "none":
        message = f"Job {job.job_number} was completed without the customer's confirmation, because: {job.reason}"
        return [("NO_CONFIRMATION", message, {**_about(job), "method": "none", "reason": job.reason})]
    if job.method == "code" and job.code_sent_at is None:
        message = (
            f"A code was typed at the completion of job {job.job_number}, but no completion code was ever sent "
            "to its customer: it confirms nothing."
        )
        return [("NO_CONFIRMATION", message, {**_about(job), "method": "code", "code_sent": False})]
    return []


def code_mismatch_flags(job: Confirmation) -> "list[Flag]":
    """CODE_MISMATCH: the code typed at completion is not the one sent to the customer."""
    if job.method != "code" or job.code_ok is not False:
        return []
    message = (
        f"The code typed at the completion of job {job.job_number} ({job.code_typed}) is not the completion code "
        f"sent to the customer on {_iso(job.code_sent_at)}."
    )
    facts = {**_about(job), "code_typed": job.code_typed, "code_sent_at": _iso(job.code_sent_at)}
    return [("CODE_MISMATCH", message, facts)]


def signature_reused_flags(job: Confirmation, earlier: EarlierSignature | None) -> "list[Flag]":
    """SIGNATURE_REUSED: the signature was used first on ``earlier``, another job (None: it was not). Only the
    later use is flagged: the first job's customer did sign."""
    if job.method != "signature" or earlier is None:
        return []
    how = "the same file" if earlier.same_file else "the same drawing saved again as another file"
    message = (
        f"The signature on job {job.job_number} was used before on job {earlier.job_number}, "
        f"completed on {_iso(earlier.completed_at)} ({how})."
    )
    facts = {
        **_about(job),
        "other_job_id": earlier.job_id,
        "other_job_number": earlier.job_number,
        "other_completed_at": _iso(earlier.completed_at),
        "same_file": earlier.same_file,
        "signature_sha256": job.signature_sha256,
    }
    return [("SIGNATURE_REUSED", message, facts)]


def first_use(job: Confirmation, uses: list[EarlierSignature]) -> EarlierSignature | None:
    """Of other jobs' ``uses`` of the same signature, the first one made before ``job``'s (the job id breaks a
    tie of times), or None: then ``job``'s is the first."""
    assert job.completed_at is not None  # asked only of a completed job
    before = [use for use in uses if (use.completed_at, use.job_id) < (job.completed_at, job.job_id)]
    return min(before, key=lambda use: (use.completed_at, use.job_id), default=None)


# ---------------------------------------------------------------- reading what the job holds


def _confirmation(facts: "ClaimFacts") -> Confirmation | None:
    """The claim's job's confirmation (read once for every visit check, see visit_facts)."""
    read = job_visit(facts)
    return None if read is None else read.confirmation


def other_uses(job: Confirmation) -> list[EarlierSignature]:
    """The other completed jobs whose signature has the same bytes, or the same pixels, as ``job``'s: one read
    through the two hashes' indexes."""
    same = Job.signature_sha256 == job.signature_sha256
    if job.signature_pixels_sha256 is not None:
        same = or_(
            same, and_(Job.signature_pixels_sha256 == job.signature_pixels_sha256, Job.signature_sha256.is_not(None))
        )
    rows = db.session.execute(
        select(Job.id, Job.number, Job.completed_at, Job.signature_sha256).where(
            same, Job.id != job.job_id, Job.completed_at.is_not(None)
        )
    )
    return [
        EarlierSignature(row.id, row.number, row.completed_at, row.signature_sha256 == job.signature_sha256)
        for row in rows
    ]


# ---------------------------------------------------------------- the checks


def no_confirmation(facts: "ClaimFacts") -> "list[Flag]":
    job = _confirmation(facts)
    return no_confirmation_flags(job) if job is not None else []


def code_mismatch(facts: "ClaimFacts") -> "list[Flag]":
    job = _confirmation(facts)
    return code_mismatch_flags(job) if job is not None else []


def signature_reused(facts: "ClaimFacts") -> "list[Flag]":
    job = _confirmation(facts)
    if job is None or job.method != "signature" or job.completed_at is None:
        return []
    return signature_reused_flags(job, first_use(job, other_uses(job)))


CHECKS = (no_confirmation, code_mismatch, signature_reused)
