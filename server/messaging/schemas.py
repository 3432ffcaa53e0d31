"""Schemas of the outbox of messages to customers."""

import marshmallow as ma

from server.core.schemas import PageArgs
from server.messaging.gateway import KINDS
from server.messaging.models import MESSAGE_STATUSES


class MessageListArgs(PageArgs):
    kind = ma.fields.String(validate=ma.validate.OneOf(KINDS))
    status = ma.fields.String(validate=ma.validate.OneOf(MESSAGE_STATUSES))
    job_number = ma.fields.String(
        validate=ma.validate.Length(min=1, max=32), metadata={"description": "Only messages about this job"}
    )


class MessageSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    recipient = ma.fields.String(metadata={"description": "The customer's phone number"})
    body = ma.fields.String()
    job_id = ma.fields.Integer(allow_none=True)
    job_number = ma.fields.String(allow_none=True)
    backend = ma.fields.String(metadata={"description": "log: the outbox is the delivery; http: posted to the adapter"})
    status = ma.fields.String(metadata={"description": "pending, sent or failed (out of attempts)"})
    attempts = ma.fields.Integer(metadata={"description": "Deliveries tried over HTTP"})
    next_attempt_at = ma.fields.DateTime(allow_none=True)
    last_error = ma.fields.String(metadata={"description": "What went wrong at the last failed attempt"})
    created_at = ma.fields.DateTime()
    sent_at = ma.fields.DateTime(allow_none=True)


class OptOutArgs(ma.Schema):
    phone = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(r"^\+?[0-9][0-9 -]{4,30}$", error="Give a phone number: 5 to 32 digits."),
        metadata={"description": "The customer's phone number"},
    )


class OptOutListArgs(PageArgs):
    phone = ma.fields.String(
        validate=ma.validate.Length(min=1, max=32), metadata={"description": "Only phones containing these digits"}
    )


class OptOutSchema(ma.Schema):
    id = ma.fields.Integer()
    phone = ma.fields.String()
    source = ma.fields.String(metadata={"description": "reply (the customer replied TD), agent or admin"})
    created_at = ma.fields.DateTime()


class InboundMessageArgs(ma.Schema):
    sender = ma.fields.String(
        data_key="from",
        required=True,
        validate=ma.validate.Length(min=1, max=32),
        metadata={"description": "The phone the reply came from"},
    )
    text = ma.fields.String(required=True, validate=ma.validate.Length(max=1000))


class InboundResultSchema(ma.Schema):
    opted_out = ma.fields.Boolean(metadata={"description": "The reply was an opt-out word (TD, T, N, 退订)"})
