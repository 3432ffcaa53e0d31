"""API of serial scans: a label photo in; the barcodes, the serial, the unit and the flags out.

Also the scan a phone records on a job (``/api/jobs/<id>/scans``): it cites a
photo by its hash, and which photos it may cite is this domain's rule. The job's
completion (``/api/jobs/<id>/complete``), which may cite the customer's signature
(a PNG held here the same way), is served by server.charges: its charges decide too.
"""

from flask import Response
from flask.views import MethodView

from server.api import Blueprint
from server.api import body_limit
from server.core import roles
from server.core.access import current_user
from server.core.access import roles_required
from server.evidence import schemas
from server.evidence import services
from server.evidence import visit_photos
from server.jobs import schemas as job_schemas
from server.jobs.services.lifecycle import STEPS
from server.jobs.services.queries import job_for

blp = Blueprint("scans", __name__, url_prefix="/api", description="Serial scans from label photos")

SCANNERS = (roles.TECHNICIAN, roles.PROVIDER_MANAGER, roles.ADMIN)
READERS = (roles.ADMIN, roles.AUDITOR, roles.DISPATCHER, roles.AGENT, roles.TECHNICIAN, roles.PROVIDER_MANAGER)


@blp.route("/scans")
class Scans(MethodView):
    @roles_required(*SCANNERS)
    @body_limit("SCAN_MAX_BYTES")
    @blp.arguments(schemas.ScanUploadArgs, location="multipart")
    @blp.response(201, schemas.ScanResultSchema)
    def post(self, form):
        """Read a label photo: every barcode, the serial chosen (and why), the unit, its warranty, the flags.

        Multipart: ``image``, optional ``job_id`` and ``typed_serial``. The photo
        is kept as evidence, content-addressed. Flags: NO_SERIAL, UNKNOWN_SERIAL,
        SCAN_MISMATCH (typed serial differs), PHOTO_REUSED (the same photograph,
        even re-encoded, resized or cropped, backs another job).
        """
        upload = form["image"]
        return services.scan_photo(
            current_user(), upload.read(), job_id=form["job_id"], typed_serial=form["typed_serial"]
        )


@blp.route("/scans/<id:scan_id>")
class ScanItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, schemas.ScanResultSchema)
    def get(self, scan_id):
        """One scan as it was answered."""
        return services.scan_view(services.scan_for(current_user(), scan_id))


@blp.route("/scans/<id:scan_id>/photo")
class ScanPhoto(MethodView):
    @roles_required(*READERS)
    @blp.response(200, content_type="image/*")
    def get(self, scan_id):
        """The evidence photo of a scan, to those who may see its job.

        Typed by its own bytes (JPEG, PNG, WebP...); bytes of no image kind come as an attachment.
        """
        return _served(services.photo_of(current_user(), scan_id))


def _served(photo):
    return Response(
        photo["data"],
        mimetype=photo["content_type"],
        headers={
            "Cache-Control": "private, max-age=86400",
            "Content-Disposition": f'{photo["disposition"]}; filename="{photo["filename"]}"',
        },
    )


@blp.route("/jobs/<id:job_id>/photos/<sha256>")
class JobPhoto(MethodView):
    @roles_required(*READERS)
    @blp.response(200, content_type="image/*")
    @blp.doc(tags=["jobs"])
    def get(self, job_id, sha256):
        """One evidence photo of the job (the stamped JPEG), to those who may see the job; 404 for a photo
        that is not this job's."""
        return _served(services.job_image(current_user(), job_id, sha256))


@blp.route("/jobs/<id:job_id>/signature")
class JobSignature(MethodView):
    @roles_required(*READERS)
    @blp.response(200, content_type="image/*")
    @blp.doc(tags=["jobs"])
    def get(self, job_id):
        """The customer's signature on the job's completion (a PNG), to those who may see the job; 404 when the
        completion was confirmed otherwise."""
        return _served(services.job_image(current_user(), job_id))


@blp.route("/jobs/<id:job_id>/scans")
class JobScans(MethodView):
    @roles_required(*STEPS["scan"].roles)
    @blp.arguments(job_schemas.ScanArgs)
    @blp.response(201, job_schemas.ScanSchema)
    @blp.doc(tags=["jobs"])
    def post(self, args, job_id):
        """Record the serial read off the unit: by barcode (camera or photo) or typed.

        A warranty job is closed only with a barcode read. ``photo_sha256`` names
        a label photo uploaded first (``PUT /api/sync/blobs/<sha256>``) by the
        technician, or one their provider holds; any other is a 422 ``unknown_photo``.
        """
        return services.record_field_scan(
            job_for(current_user(), job_id, lock=True),
            current_user(),
            args["serial"],
            args["source"],
            symbology=args["symbology"],
            photo_sha256=args["photo_sha256"],
            device_time=args["device_time"],
        )


@blp.route("/jobs/<id:job_id>/photos")
class JobPhotos(MethodView):
    @roles_required(roles.TECHNICIAN, roles.PROVIDER_MANAGER)
    @blp.arguments(schemas.EvidencePhotoArgs)
    @blp.response(201, schemas.EvidencePhotoResultSchema)
    @blp.doc(tags=["jobs"])
    def post(self, args, job_id):
        """Keep a before or after photo of the repair: the stamped JPEG, uploaded first (``PUT
        /api/sync/blobs/<sha256>``) by the caller, named by its SHA-256 with its original's.

        By the job's technician or its provider's staff, while the job is open or completed (409
        ``illegal_transition`` after). ``taken_at`` is the earliest capture time the original's EXIF
        (``exif_taken_at``) or the file's own EXIF gives, else ``device_time``. The same photo sent again is
        kept once. 422 naming ``sha256`` for a photo the caller did not upload (``unknown_photo``) or one that
        is no JPEG; naming ``stage``, ``position.lat``... for bad fields.
        """
        return visit_photos.add_photo(
            job_for(current_user(), job_id, lock=True),
            current_user(),
            args["stage"],
            args["sha256"],
            args["original_sha256"],
            exif_taken_at=args["exif_taken_at"],
            position=args["position"],
            device_time=args["device_time"],
        )
