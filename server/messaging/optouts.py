"""Opt-outs (退订): phones whose owners asked for no more care messages, by reply, on the phone, or through an admin.

A customer replies ``TD`` (or ``T``, ``N``, ``退订``) to any message; the SMS provider's adapter posts the reply to
``POST /api/messages/inbound`` with the shared ``MESSAGE_INBOUND_TOKEN``. Campaigns never plan nor send to an
opted-out phone.
"""

import hmac
from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import Select
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server.core.clock import utcnow
from server.errors import NotFound
from server.errors import Unauthorized
from server.extensions import db
from server.messaging.models import OptOut

# The replies that opt a phone out, compared after trimming and in upper case.
OPT_OUT_WORDS = frozenset({"TD", "T", "N", "退订"})


def normalise_phone(phone: str) -> str:
    """The phone as sale records keep it: digits (and a leading +) only, spaces and dashes dropped, and a
    mainland mobile number without the country code an SMS provider may put before it (+86, 0086, 86)."""
    kept = "".join(ch for ch in phone.strip() if ch.isdigit() or ch == "+")
    for prefix in ("+86", "0086", "86"):
        rest = kept[len(prefix) :]
        if kept.startswith(prefix) and len(rest) == 11 and rest.startswith("1"):
            return rest
    return kept


def opt_out(phone: str, source: str) -> tuple[OptOut, bool]:
    """Opt ``phone`` out (once: a second time keeps the first record); ``(the opt-out, whether it is new)``.

    Inserted with ON CONFLICT DO NOTHING, so two replies at once make one row and neither fails.
    """
    phone = normalise_phone(phone)
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    added = db.session.execute(
        insert(OptOut)
        .values(phone=phone, source=source, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["phone"])
        .returning(OptOut.id)
    ).scalar()
    found = db.session.scalars(
        select(OptOut).where(OptOut.phone == phone).execution_options(populate_existing=True)
    ).one()
    return found, added is not None


def opt_back_in(phone: str) -> None:
    """The customer wants care messages again: their opt-out is removed (404 when there is none)."""
    found = db.session.scalar(select(OptOut).where(OptOut.phone == normalise_phone(phone)))
    if found is None:
        raise NotFound(f"{phone} has not opted out.", code="opt_out_not_found")
    db.session.delete(found)
    db.session.flush()


def list_opt_outs(args: Mapping[str, Any]) -> Select[Any]:
    """The opted-out phones, newest first; ``phone`` narrows to phones containing it."""
    statement = select(OptOut).order_by(OptOut.created_at.desc(), OptOut.id.desc())
    if args.get("phone"):
        statement = statement.where(OptOut.phone.contains(normalise_phone(args["phone"]), autoescape=True))
    return statement


def check_inbound_token(given: str | None) -> None:
    """Let in only the SMS provider's adapter: ``given`` must be MESSAGE_INBOUND_TOKEN, compared in constant time;
    refused always while the setting is unset."""
    token = current_app.config["MESSAGE_INBOUND_TOKEN"]
    if not token or not given or not hmac.compare_digest(given.encode(), str(token).encode()):
        raise Unauthorized("Only the SMS provider's adapter posts replies.", code="inbound_unauthorized")


def receive_reply(sender: str, text: str) -> dict[str, Any]:
    """A customer's reply: an opt-out word opts ``sender`` out; anything else is only acknowledged."""
    if text.strip().upper() not in OPT_OUT_WORDS:
        return {"opted_out": False}
    opt_out(sender, "reply")
    return {"opted_out": True}
