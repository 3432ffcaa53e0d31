"""Schemas of serial scans."""

import marshmallow as ma
from flask_smorest.fields import Upload

from server.core.schemas import AwareTime
from server.core.schemas import DottedErrors
from server.core.schemas import Id
from server.evidence.models import EVIDENCE_STAGES
from server.installbase.schemas import WarrantySchema
from server.jobs.schemas import position


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


# ---------------------------------------------------------------- evidence photos of a repair

SHA256 = ma.validate.Regexp(r"^[0-9a-f]{64}$", error="Give a SHA-256 in 64 lowercase hex digits.")


class EvidencePhotoArgs(DottedErrors):
    """A photo of the repair taken in the app: the stamped JPEG (uploaded first) and what the phone knew of it."""

    stage = ma.fields.String(required=True, validate=ma.validate.OneOf(EVIDENCE_STAGES))
    sha256 = ma.fields.String(
        required=True,
        validate=SHA256,
        metadata={"description": "The stamped JPEG, uploaded first (PUT /api/sync/blobs/<sha256>)"},
    )
    original_sha256 = ma.fields.String(
        required=True, validate=SHA256, metadata={"description": "The camera's photo before the stamp"}
    )
    exif_taken_at = AwareTime(
        load_default=None,
        allow_none=True,
        metadata={"description": "The original's EXIF DateTimeOriginal, read on the phone"},
    )
    position = position()
    device_time = AwareTime(
        load_default=None, allow_none=True, metadata={"description": "The phone's clock when the photo was taken"}
    )


class EvidencePhotoResultSchema(ma.Schema):
    id = ma.fields.Integer()
    job_id = ma.fields.Integer()
    stage = ma.fields.String()
    sha256 = ma.fields.String()
    original_sha256 = ma.fields.String()
    taken_at = ma.fields.DateTime(allow_none=True)
    exif_taken_at = ma.fields.DateTime(allow_none=True)
    lat = ma.fields.Float(allow_none=True)
    lng = ma.fields.Float(allow_none=True)
    accuracy_m = ma.fields.Float(allow_none=True)
    device_time = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
