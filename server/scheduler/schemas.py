"""Schemas of the scheduler's admin endpoints."""

import marshmallow as ma

from server.core.schemas import PageArgs
from server.scheduler.models import RUN_OUTCOMES


class RunListArgs(PageArgs):
    task = ma.fields.String(validate=ma.validate.Length(min=1, max=64))
    outcome = ma.fields.String(validate=ma.validate.OneOf(RUN_OUTCOMES))


class RunSchema(ma.Schema):
    id = ma.fields.Integer()
    task = ma.fields.String()
    started_at = ma.fields.DateTime()
    finished_at = ma.fields.DateTime(allow_none=True)
    outcome = ma.fields.String()
    detail = ma.fields.String()
    worker = ma.fields.String()


class TaskSchema(ma.Schema):
    id = ma.fields.String()
    description = ma.fields.String()
    interval_seconds = ma.fields.Integer()
