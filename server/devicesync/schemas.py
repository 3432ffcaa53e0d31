"""Input and output schemas of the sync API (the push body is read by ``sync.ops``)."""

import marshmallow as ma

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
    entity_id = ma.fields.String(allow_none=True)
    user = ma.fields.Function(lambda op: op.user.username)
    client_id = ma.fields.String()
    seq = ma.fields.Integer()
    payload = ma.fields.Raw()
    client_time = ma.fields.DateTime(allow_none=True)
    received_at = ma.fields.DateTime()
    result = ma.fields.String()
    code = ma.fields.String()
    message = ma.fields.String()
