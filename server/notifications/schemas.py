"""Schemas of notifications."""

import marshmallow as ma

from server.core.schemas import PageArgs


class NotificationListArgs(PageArgs):
    unread = ma.fields.Boolean(metadata={"description": "Only unread ones"})


class NotificationSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    message = ma.fields.String()
    job_id = ma.fields.Integer(allow_none=True)
    job_number = ma.fields.String(
        allow_none=True, dump_only=True, metadata={"description": "The job's number, in lists"}
    )
    data = ma.fields.Raw(allow_none=True)
    created_at = ma.fields.DateTime()
    read_at = ma.fields.DateTime(allow_none=True)


class NotificationPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(NotificationSchema))
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer()
    pages = ma.fields.Integer()
    unread = ma.fields.Integer(metadata={"description": "Unread notifications in all: the badge"})


class ReadAllSchema(ma.Schema):
    marked = ma.fields.Integer()
