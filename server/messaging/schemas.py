"""Schemas of the outbox of messages to customers."""

import marshmallow as ma

from server.core.schemas import PageArgs
from server.messaging.gateway import TEMPLATES
from server.messaging.models import MESSAGE_STATUSES


class MessageListArgs(PageArgs):
    kind = ma.fields.String(validate=ma.validate.OneOf(tuple(TEMPLATES)))
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
