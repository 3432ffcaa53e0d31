"""Input and output schemas of knowledge-base entries, fault codes and the fault-code statistics."""

import marshmallow as ma

from server.core.schemas import CodeList
from server.core.schemas import PageArgs
from server.knowledge.models import ARTICLE_TYPES

# The one format of a fault code: claims, jobs and entries all take it.
FAULT_CODE = ma.validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$", error="Use 1-32 letters, digits or '_.-'.")
TEXT = ma.validate.Length(max=10_000)


def fault_code_field(description="A defect entry's fault code", **kwargs):
    return ma.fields.String(validate=FAULT_CODE, metadata={"description": description}, **kwargs)


class ArticleArgs(ma.Schema):
    type = ma.fields.String(required=True, validate=ma.validate.OneOf(ARTICLE_TYPES))
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    symptom = ma.fields.String(load_default="", validate=TEXT)
    cause = ma.fields.String(load_default="", validate=TEXT)
    fix = ma.fields.String(load_default="", validate=TEXT)
    fault_code = fault_code_field("Required of a defect; an FAQ has none", load_default=None, allow_none=True)
    models = CodeList(load_default=list, metadata={"description": "Product models the entry concerns"})
    categories = CodeList(load_default=list, metadata={"description": "Whole product categories it concerns"})
    parts = CodeList(load_default=list, metadata={"description": "Part numbers the fix needs"})


class ArticlePatchArgs(ma.Schema):
    type = ma.fields.String(validate=ma.validate.OneOf(ARTICLE_TYPES))
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    symptom = ma.fields.String(validate=TEXT)
    cause = ma.fields.String(validate=TEXT)
    fix = ma.fields.String(validate=TEXT)
    fault_code = fault_code_field(allow_none=True)
    models = CodeList()
    categories = CodeList()
    parts = CodeList()
    active = ma.fields.Boolean(metadata={"description": "false withdraws the entry; true brings it back"})
    version = ma.fields.Integer(
        strict=True, metadata={"description": "The version the edit is based on; another one now is a 409"}
    )


class ArticleListArgs(PageArgs):
    q = ma.fields.String(
        validate=ma.validate.Length(max=200),
        metadata={"description": "Words that must all appear in title, symptom, cause, fix or fault code"},
    )
    type = ma.fields.String(validate=ma.validate.OneOf(ARTICLE_TYPES))
    model = ma.fields.String(
        validate=ma.validate.Length(min=1, max=64),
        metadata={"description": "Entries listing this model or its category"},
    )
    active = ma.fields.Boolean(metadata={"description": "Admins only: withdrawn entries with false"})


class ArticleSchema(ma.Schema):
    id = ma.fields.Integer()
    type = ma.fields.String()
    title = ma.fields.String()
    symptom = ma.fields.String()
    cause = ma.fields.String()
    fix = ma.fields.String()
    fault_code = ma.fields.String(allow_none=True)
    models = ma.fields.List(ma.fields.String())
    categories = ma.fields.List(ma.fields.String())
    parts = ma.fields.Method("dump_parts", metadata={"description": "The parts the fix needs: part_no and name"})
    active = ma.fields.Boolean()
    updated_at = ma.fields.DateTime()
    version = ma.fields.Integer()

    def dump_parts(self, article):
        return [{"part_no": part.part_no, "name": part.name} for part in article.parts]


class FaultCodeSchema(ma.Schema):
    fault_code = ma.fields.String()
    title = ma.fields.String()
    models = ma.fields.List(ma.fields.String())
    categories = ma.fields.List(ma.fields.String())


class FaultCodeListArgs(ma.Schema):
    model = ma.fields.String(
        validate=ma.validate.Length(min=1, max=64), metadata={"description": "Codes of this model or its category"}
    )


class FaultCodeListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(FaultCodeSchema))
