"""The message gateway: a message to a customer's phone, rendered from its kind's template and kept in the outbox.

``send`` writes the outbox row in the caller's transaction, so a message exists exactly when what decided to
send it was committed. What delivers it is the ``MESSAGE_BACKEND``:

- ``log`` (the default): the outbox row is the delivery; it is ``sent`` at once and admins read it at
  ``GET /api/admin/messages``.
- ``http``: the row waits ``pending``; the scheduler's ``messages.deliver`` task (``deliver_due``) POSTs
  ``{"id", "kind", "to", "body"}`` as JSON to ``MESSAGE_HTTP_URL`` (an SMS provider's adapter, which may use
  ``id`` to drop a message it is given twice after a crash), marks it ``sent`` on a 2xx answer, else tries it
  again later, each wait twice the last, and marks it ``failed`` after ``MESSAGE_MAX_ATTEMPTS``.

Two deliveries running at once never send one message twice: each takes its next message with
``SELECT … FOR UPDATE SKIP LOCKED`` and holds it, locked, until its outcome is committed; the other passes it by.
"""

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import Protocol
from typing import TypedDict

from flask import current_app
from sqlalchemy import Select
from sqlalchemy import column
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import table

from server.core.clock import utcnow
from server.extensions import db
from server.messaging.models import Message

BACKENDS = ("log", "http")

# One Chinese template per kind of message; ``{name}`` is filled from the context ``send`` is given.
TEMPLATES = {
    # The completion code (核销码): the customer gives it to the technician only once the work is done.
    "completion_code": (
        "【三包服务】您的服务工单{job_number}的核销码为{code}。"
        "请在师傅上门完成维修、您确认无误后，再将核销码告诉师傅；请勿提前告知任何人。"
    ),
    # The approval code of a paid repair's quote: giving it to the technician approves the price before the work.
    "quote_code": (
        "【三包服务】您的服务工单{job_number}维修报价合计{total}元，确认码为{code}。"
        "如同意该报价，请将确认码告诉上门师傅；报价如有变更，将另发新的确认码。"
    ),
}

# Every kind of message: those rendered from a template here, and campaigns' messages, rendered by the campaign.
KINDS = (*TEMPLATES, "campaign")

# The longest error kept from a failed attempt: enough to tell a refusal from an outage.
_ERROR_CHARS = 500


class HasId(Protocol):
    id: int


class DeliveryRound(TypedDict):
    sent: int
    retried: int
    failed: int


def render(kind: str, context: Mapping[str, Any]) -> str:
    """The text of a ``kind`` message: its template filled from ``context`` (every name it uses must be there)."""
    try:
        template = TEMPLATES[kind]
    except KeyError:
        raise ValueError(f"no template for messages of kind {kind!r}") from None
    try:
        return template.format_map(context)
    except KeyError as missing:
        raise ValueError(f"a {kind} message needs {missing.args[0]!r} in its context") from None


def send(kind: str, recipient: str, context: Mapping[str, Any], job: HasId | None = None) -> Message:
    """Write a ``kind`` message to ``recipient`` in the outbox of the caller's transaction; the Message.

    Under the ``log`` backend the row is the delivery (``sent`` now); under ``http`` it waits ``pending`` for
    the scheduler, which sends it only once the caller has committed.
    """
    return send_text(kind, recipient, render(kind, context), job)


def send_text(kind: str, recipient: str, body: str, job: HasId | None = None) -> Message:
    """Write a message already rendered (a campaign's, filled for its recipient) to the outbox, as ``send`` does:
    one outbox row per message, delivered the same way."""
    if kind not in KINDS:
        raise ValueError(f"no messages of kind {kind!r}")
    now = utcnow()
    backend = current_app.config["MESSAGE_BACKEND"]
    message = Message(
        kind=kind,
        recipient=recipient,
        body=body,
        job_id=job.id if job is not None else None,
        backend=backend,
        attempts=0,
        last_error="",
        created_at=now,
    )
    if backend == "log":
        message.status, message.sent_at = "sent", now
    else:
        message.status, message.next_attempt_at = "pending", now
    db.session.add(message)
    db.session.flush()
    return message


def send_texts(kind: str, messages: Sequence[tuple[str, str]]) -> list[int]:
    """Write many messages already rendered (a campaign's batch of ``(recipient, body)``) to the outbox in one
    statement: one row per message, as ``send_text`` writes it; their ids, in order."""
    if kind not in KINDS:
        raise ValueError(f"no messages of kind {kind!r}")
    if not messages:
        return []
    now = utcnow()
    backend = current_app.config["MESSAGE_BACKEND"]
    status, sent_at, next_attempt_at = ("sent", now, None) if backend == "log" else ("pending", None, now)
    rows = [
        {
            "kind": kind,
            "recipient": recipient,
            "body": body,
            "job_id": None,
            "backend": backend,
            "status": status,
            "attempts": 0,
            "next_attempt_at": next_attempt_at,
            "last_error": "",
            "created_at": now,
            "sent_at": sent_at,
        }
        for recipient, body in messages
    ]
    outbox = Message.__table__
    written = db.session.execute(insert(outbox).returning(outbox.c.id, sort_by_parameter_order=True), rows)
    return list(written.scalars())


def retry_delay(attempts: int, first_seconds: int, max_seconds: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: ``first_seconds``, doubling, at most
    ``max_seconds``."""
    seconds = first_seconds * 2 ** min(max(attempts - 1, 0), 32)
    return timedelta(seconds=min(seconds, max_seconds))


def _post(url: str, payload: dict[str, Any], timeout: float) -> str | None:
    """POST ``payload`` as JSON to ``url``; None when the answer is a 2xx, else what went wrong."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code} {error.reason}"
    except (urllib.error.URLError, OSError) as error:
        return f"{type(error).__name__}: {error}"
    return None if 200 <= status < 300 else f"HTTP {status}"


def _next_due(now: datetime) -> Message | None:
    # SKIP LOCKED: a message another delivery holds is being sent; this one goes on to the next.
    return db.session.scalar(
        select(Message)
        .where(Message.status == "pending", Message.next_attempt_at <= now)
        .order_by(Message.next_attempt_at, Message.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def deliver_due(now: datetime | None = None, limit: int = 500) -> DeliveryRound:
    """Send the pending messages due by ``now`` (at most ``limit``) through the HTTP backend, one at a time.

    Each message is held locked from the moment it is taken until its outcome is committed: sent (a 2xx
    answer), due again after a wait, or failed after ``MESSAGE_MAX_ATTEMPTS``. Commits as it goes.
    """
    config = current_app.config
    now = now or utcnow()
    done: DeliveryRound = {"sent": 0, "retried": 0, "failed": 0}
    for _ in range(limit):
        message = _next_due(now)
        if message is None:
            break
        payload = {"id": message.id, "kind": message.kind, "to": message.recipient, "body": message.body}
        error = _post(config["MESSAGE_HTTP_URL"], payload, config["MESSAGE_HTTP_TIMEOUT_SECONDS"])
        message.attempts += 1
        if error is None:
            message.status, message.sent_at, message.last_error = "sent", utcnow(), ""
            done["sent"] += 1
        elif message.attempts >= config["MESSAGE_MAX_ATTEMPTS"]:
            message.status, message.last_error = "failed", error[:_ERROR_CHARS]
            done["failed"] += 1
        else:
            wait = retry_delay(message.attempts, config["MESSAGE_RETRY_SECONDS"], config["MESSAGE_RETRY_MAX_SECONDS"])
            message.next_attempt_at, message.last_error = now + wait, error[:_ERROR_CHARS]
            done["retried"] += 1
        db.session.commit()
    return done


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse, at start, settings the gateway could not work with."""
    backend = config["MESSAGE_BACKEND"]
    if backend not in BACKENDS:
        raise RuntimeError(f"MESSAGE_BACKEND must be 'log' or 'http', not {backend!r}")
    url = config["MESSAGE_HTTP_URL"]
    if backend == "http" and not url.startswith(("http://", "https://")):
        raise RuntimeError(f"MESSAGE_BACKEND http needs MESSAGE_HTTP_URL, an http:// or https:// URL, not {url!r}")
    for key in ("MESSAGE_MAX_ATTEMPTS", "MESSAGE_HTTP_TIMEOUT_SECONDS", "MESSAGE_RETRY_SECONDS"):
        if config[key] < 1:
            raise RuntimeError(f"{key} must be 1 or more, not {config[key]}")
    if config["MESSAGE_RETRY_MAX_SECONDS"] < config["MESSAGE_RETRY_SECONDS"]:
        raise RuntimeError("MESSAGE_RETRY_MAX_SECONDS must be at least MESSAGE_RETRY_SECONDS")


# The jobs table as far as the outbox needs it (the number people know a job by), without importing the jobs
# domain, which sits above this one.
_JOBS = table("jobs", column("id"), column("number"))


def list_messages(args: Mapping[str, Any]) -> Select[Any]:
    """The outbox, newest first, filtered by ``kind``, ``status`` and ``job_number``."""
    statement = select(Message).order_by(Message.created_at.desc(), Message.id.desc())
    if "kind" in args:
        statement = statement.where(Message.kind == args["kind"])
    if "status" in args:
        statement = statement.where(Message.status == args["status"])
    if "job_number" in args:
        statement = statement.where(Message.job_id.in_(select(_JOBS.c.id).where(_JOBS.c.number == args["job_number"])))
    return statement


def with_job_numbers(page: dict[str, Any]) -> dict[str, Any]:
    """``page`` of messages with each one's ``job_number`` (None for a message about no job)."""
    ids = {item.job_id for item in page["items"] if item.job_id is not None}
    numbers = (
        dict(db.session.execute(select(_JOBS.c.id, _JOBS.c.number).where(_JOBS.c.id.in_(ids))).all()) if ids else {}
    )
    return {**page, "items": [{**_fields(item), "job_number": numbers.get(item.job_id)} for item in page["items"]]}


_SHOWN = (
    "id",
    "kind",
    "recipient",
    "body",
    "job_id",
    "backend",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "created_at",
    "sent_at",
)


def _fields(message: Message) -> dict[str, Any]:
    return {name: getattr(message, name) for name in _SHOWN}
