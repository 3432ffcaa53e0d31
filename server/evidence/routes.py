"""API of serial scans: a label photo in; the barcodes, the serial, the unit and the flags out."""

from flask import Response
from flask.views import MethodView

from server.api import Blueprint
from server.api import body_limit
from server.core import roles
from server.core.access import current_user
from server.core.access import roles_required
from server.evidence import schemas
from server.evidence import services

blp = Blueprint("scans", __name__, url_prefix="/api/scans", description="Serial scans from label photos")

SCANNERS = (roles.TECHNICIAN, roles.PROVIDER_MANAGER, roles.ADMIN)
READERS = (roles.ADMIN, roles.AUDITOR, roles.DISPATCHER, roles.AGENT, roles.TECHNICIAN, roles.PROVIDER_MANAGER)


@blp.route("")
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
            current_user(), upload.read(), upload.mimetype, job_id=form["job_id"], typed_serial=form["typed_serial"]
        )


@blp.route("/<id:scan_id>")
class ScanItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, schemas.ScanResultSchema)
    def get(self, scan_id):
        """One scan as it was answered."""
        return services.scan_view(services.scan_for(current_user(), scan_id))


@blp.route("/<id:scan_id>/photo")
class ScanPhoto(MethodView):
    @roles_required(*READERS)
    @blp.response(200, content_type="image/*")
    def get(self, scan_id):
        """The evidence photo of a scan, to those who may see its job."""
        data, content_type = services.photo_of(current_user(), scan_id)
        return Response(data, mimetype=content_type, headers={"Cache-Control": "private, max-age=86400"})
