"""The customer's confirmation of a visit: the completion code (核销码) sent at dispatch, and what the technician
brings back at completion (the code the customer read out, a signature, or none with a reason).

The code lives only on the customer's phone and in the technician's ear: the server keeps a keyed digest
(HMAC-SHA256 under SECRET_KEY, over the job's id and the code), so neither the database nor the phone can
give it away, and a hash of six digits without the key is of no use to anyone (a million guesses is a
second's work). The code is checked on the server at completion; a wrong one is never refused (a completion
made offline cannot be asked again), it is kept as typed and the claim is flagged.
"""

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

from flask import current_app

from server.core.clock import utcnow
from server.jobs.models import Job
from server.messaging import gateway
from server.messaging.models import Message

CODE_DIGITS = 6


def new_code() -> str:
    """Six random digits, from the operating system's secure source."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(key: str, job_id: int, code: str) -> str:
    """The keyed digest of ``code`` for job ``job_id``: bound to the job, so one job's digest says nothing of
    another's code."""
    return hmac.new(key.encode(), f"completion-code:{job_id}:{code}".encode(), hashlib.sha256).hexdigest()


def code_matches(key: str, job_id: int, code: str, digest: str) -> bool:
    """Whether ``code`` is the one whose digest is ``digest``, compared in constant time."""
    return hmac.compare_digest(code_digest(key, job_id, code), digest)


def issue_completion_code(job: Job, now: datetime | None = None) -> Message | None:
    """Make the job's completion code and send it to the customer's phone, once: the first time a provider
    takes the job on. A job handed on keeps its code (the customer holds it already); None then."""
    if job.completion_code_digest is not None:
        return None
    code = new_code()
    job.completion_code_digest = code_digest(current_app.config["SECRET_KEY"], job.id, code)
    message = gateway.send(
        "completion_code", job.request.customer_phone, {"job_number": job.number, "code": code}, job=job
    )
    job.completion_code_sent_at = now or utcnow()
    return message


def signed_summary_digest(summary: str) -> str:
    """The SHA-256 of the completion summary as stored: what the customer signed under."""
    return hashlib.sha256(summary.encode("utf-8")).hexdigest()


def confirmation_record(job: Job, confirmation: dict[str, Any] | None, summary: str) -> tuple[dict[str, Any], dict]:
    """``(columns, facts)`` of a completion's ``confirmation`` (as CompleteArgs loads it; None: the app sent
    none): the job's columns to set, and the facts its completion event keeps (the method and what it
    showed, never a code or its digest).

    A code is checked against the digest made at dispatch; a job dispatched before codes were sent has none,
    and its code is neither right nor wrong (``code_ok`` None). ``summary`` is the summary as stored.
    A signature may carry ``signature_pixels_sha256``, the hash of its decoded pixels, kept on the job (indexed,
    for the reuse check) and on the event.
    """
    columns: dict[str, Any] = {
        "confirmation_method": None,
        "confirmation_code": "",
        "confirmation_code_ok": None,
        "signature_sha256": None,
        "signature_pixels_sha256": None,
        "signed_summary_sha256": None,
        "confirmation_reason": "",
    }
    if confirmation is None:
        return columns, {"method": None}
    method = confirmation["method"]
    columns["confirmation_method"] = method
    facts: dict[str, Any] = {"method": method}
    if method == "code":
        code = confirmation["code"]
        digest = job.completion_code_digest
        ok = code_matches(current_app.config["SECRET_KEY"], job.id, code, digest) if digest else None
        columns["confirmation_code"], columns["confirmation_code_ok"] = code, ok
        facts.update(code_ok=ok, code_sent=digest is not None)
    elif method == "signature":
        columns["signature_sha256"] = confirmation["signature_sha256"]
        columns["signature_pixels_sha256"] = confirmation.get("signature_pixels_sha256")
        columns["signed_summary_sha256"] = signed_summary_digest(summary)
        facts.update(
            signature_sha256=confirmation["signature_sha256"],
            signature_pixels_sha256=confirmation.get("signature_pixels_sha256"),
            signed_summary_sha256=columns["signed_summary_sha256"],
        )
    else:
        columns["confirmation_reason"] = confirmation["reason"].strip()
        facts["reason"] = columns["confirmation_reason"]
    return columns, facts
