"""Schemas of serial scans."""

import marshmallow as ma
from flask_smorest.fields import Upload

from server.core.schemas import Id
from server.installbase.schemas import WarrantySchema


class ScanUploadArgs(ma.Schema):
    """The multipart form of a scan: the photo and, beside it, what it was taken for."""

    image = Upload(required=True, metadata={"description": "The label photo (JPEG, PNG, WebP, ...)"})
    job_id = Id(load_default=None, allow_none=True, metadata={"description": "The job scanned for"})
    typed_serial = ma.fields.String(
        load_default="", validate=ma.validate.Length(max=64), metadata={"description": "The serial typed, if any"}
    )


class BarcodeSchema(ma.Schema):
    text = ma.fields.String()
    symbology = ma.fields.String()


class ScanFlagSchema(ma.Schema):
    code = ma.fields.String()
    message = ma.fields.String()


class InstallBaseSchema(ma.Schema):
    serial = ma.fields.String()
    model = ma.fields.String()
    sale_date = ma.fields.String()
    province = ma.fields.String(allow_none=True)
    city = ma.fields.String(allow_none=True)


class ScanResultSchema(ma.Schema):
    id = ma.fields.Integer()
    job_id = ma.fields.Integer(allow_none=True)
    barcodes = ma.fields.List(ma.fields.Nested(BarcodeSchema))
    serial = ma.fields.String(allow_none=True)
    serial_source = ma.fields.String(allow_none=True, metadata={"description": "serial_format or install_base"})
    reason = ma.fields.String(metadata={"description": "Why this serial, or why none"})
    typed_serial = ma.fields.String(allow_none=True)
    install_base = ma.fields.Nested(InstallBaseSchema, allow_none=True)
    warranty = ma.fields.Nested(WarrantySchema, allow_none=True)
    photo_sha256 = ma.fields.String(allow_none=True)
    flags = ma.fields.List(ma.fields.Nested(ScanFlagSchema))
    created_at = ma.fields.DateTime()
