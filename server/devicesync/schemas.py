"""Input and output schemas of the sync API (the push body is read by ``sync.ops``)."""

import marshmallow as ma

from server.core.schemas import AwareTime
from server.core.schemas import Id


class PullArgs(ma.Schema):
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=4096))
    limit = ma.fields.Integer(load_default=500, validate=ma.validate.Range(min=1, max=1000))
    client_id = ma.fields.String(
        load_default=None, validate=ma.validate.Length(max=64), metadata={"description": "For acked_seq"}
    )


class OpsArgs(ma.Schema):
    result = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(("applied", "rejected", "conflict"))))
    job_id = Id()


class PushedOpSchema(ma.Schema):
    op_id = ma.fields.String()
    type = ma.fields.String()
    job_id = ma.fields.Integer(allow_none=True)
    job_number = ma.fields.Function(
        lambda op: op.job.number if op.job else None, metadata={"description": "The job as people know it"}
    )
    entity_id = ma.fields.String(allow_none=True)
    user = ma.fields.Function(lambda op: op.user.username)
    user_name = ma.fields.Function(
        lambda op: op.user.display_name or op.user.username, metadata={"description": "Who did it, by name"}
    )
    client_id = ma.fields.String()
    seq = ma.fields.Integer()
    payload = ma.fields.Raw()
    client_time = ma.fields.DateTime(allow_none=True)
    received_at = ma.fields.DateTime()
    result = ma.fields.String()
    code = ma.fields.String()
    message = ma.fields.String()


# What the push and pull exchange, for the OpenAPI document only: ``sync.ops`` reads the push body (a bad op
# is refused alone, not the whole push) and the answers are written as they are, without a schema's cost.


class PushOpSchema(ma.Schema):
    op_id = ma.fields.UUID(required=True)
    seq = ma.fields.Integer(
        required=True, validate=ma.validate.Range(min=1), metadata={"description": "1, 2, 3… per device"}
    )
    type = ma.fields.String(
        required=True,
        metadata={"description": "job.accept, job.arrive, parts.used, scan.add, quote.save, payment.record…"},
    )
    entity_id = ma.fields.Raw(allow_none=True, metadata={"description": "The job's id, as a string or a number"})
    payload = ma.fields.Dict(allow_none=True)
    client_time = AwareTime(allow_none=True, metadata={"description": "The phone's clock when it was done"})


class PushBodySchema(ma.Schema):
    client_id = ma.fields.String(
        required=True, validate=ma.validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$"), metadata={"description": "The device"}
    )
    schema_version = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1))
    ops = ma.fields.List(ma.fields.Nested(PushOpSchema), required=True)


class OpResultSchema(ma.Schema):
    op_id = ma.fields.String()
    seq = ma.fields.Integer()
    result = ma.fields.String(metadata={"description": "applied, duplicate, rejected or conflict"})
    code = ma.fields.String()
    message = ma.fields.String()
    stored_result = ma.fields.String(metadata={"description": "On a duplicate: what the op had come to"})


class PushAnswerSchema(ma.Schema):
    results = ma.fields.List(ma.fields.Nested(OpResultSchema))
    acked_seq = ma.fields.Integer(metadata={"description": "The last seq the server has taken from this device"})


class ChangeSchema(ma.Schema):
    entity = ma.fields.String(metadata={"description": "job, part, requisition or article"})
    id = ma.fields.String()
    op = ma.fields.String(metadata={"description": "put or remove"})
    version = ma.fields.Integer()
    data = ma.fields.Dict(allow_none=True)


class PullAnswerSchema(ma.Schema):
    changes = ma.fields.List(ma.fields.Nested(ChangeSchema))
    cursor = ma.fields.String()
    has_more = ma.fields.Boolean()
    acked_seq = ma.fields.Integer()
    reset = ma.fields.Boolean(metadata={"description": "A snapshot starts: drop what the device holds first"})
    fees = ma.fields.List(
        ma.fields.Dict(),
        metadata={"description": "The fee guide's labour, whole: code, category, repair_type, name, labour_cents"},
    )
    travel_fees = ma.fields.List(
        ma.fields.Dict(), metadata={"description": "The fee guide's travel fees, whole: area_class, fee_cents"}
    )


class BlobStoredSchema(ma.Schema):
    sha256 = ma.fields.String()
    size = ma.fields.Integer()
    stored = ma.fields.Boolean(metadata={"description": "True when these bytes were new"})
