"""Schemas of the import endpoints."""

import marshmallow as ma
from flask_smorest.fields import Upload


class ImportFileArgs(ma.Schema):
    file = Upload(required=True, metadata={"description": "CSV file, UTF-8, header row"})


class RejectionSchema(ma.Schema):
    line = ma.fields.Integer()
    error = ma.fields.String()


class ImportResultSchema(ma.Schema):
    inserted = ma.fields.Integer()
    updated = ma.fields.Integer()
    unchanged = ma.fields.Integer()
    rejected = ma.fields.List(ma.fields.Nested(RejectionSchema))
