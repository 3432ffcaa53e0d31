"""The sync API the app talks to: push ops, pull changes, upload and check photo blobs."""

from flask import request
from flask.views import MethodView

from server.api import Blueprint
from server.api import body_limit
from server.core import roles
from server.core.access import current_user
from server.core.access import roles_required
from server.core.schemas import PageArgs
from server.core.schemas import page_schema
from server.core.schemas import paginate
from server.devicesync import blobs
from server.devicesync import pull
from server.devicesync import push
from server.devicesync import schemas

blp = Blueprint("sync", __name__, url_prefix="/api/sync", description="Offline sync: push ops, pull changes, blobs")

# Who works offline: the field, and the provider and clerk desks the app also serves.
DEVICES = (roles.TECHNICIAN, roles.PROVIDER_MANAGER, roles.PARTS_CLERK)


# A request body of raw bytes, in the OpenAPI document.
BYTES = {"type": "string", "format": "binary"}


class OpsArgs(schemas.OpsArgs, PageArgs):
    pass


@blp.route("/push")
class Push(MethodView):
    @roles_required(*DEVICES)
    @body_limit("SYNC_PUSH_MAX_BYTES")
    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": schemas.PushBodySchema}}})
    @blp.alt_response(200, schema=schemas.PushAnswerSchema, description="A result per op", success=True)
    def post(self):
        """Apply a device's ops in seq order, once each: ``{"client_id", "schema_version", "ops": [...]}``.

        Each op: ``op_id`` (UUID), ``seq`` (1, 2, 3… per device), ``type``,
        ``entity_id`` (the job), ``payload``, ``client_time``. The answer has a
        result per op (``applied``, ``duplicate``, ``rejected``, ``conflict``,
        with ``code`` and ``message``) and ``acked_seq``; a gap stops there.
        """
        return push.push(current_user(), request.get_json(silent=True))


@blp.route("/pull")
class Pull(MethodView):
    @roles_required(*DEVICES)
    @blp.arguments(schemas.PullArgs, location="query")
    @blp.alt_response(200, schema=schemas.PullAnswerSchema, description="The next changes", success=True)
    def get(self, args):
        """The next changes of the caller's feeds: ``{"changes", "cursor", "has_more", "acked_seq", "reset"}``,
        and the whole fee guide the phone quotes from offline (``fees``, ``travel_fees``). A job carries its
        latest ``quote`` (or null) and its ``payments``.

        Without ``cursor`` (or when the server cannot continue from it: ``reset``),
        a snapshot of everything the caller may hold comes first.
        """
        return pull.pull(current_user(), args["cursor"], args["limit"], args["client_id"])


@blp.route("/blobs/<sha256>")
class Blob(MethodView):
    @roles_required(*DEVICES)
    @blp.alt_response(200, description="The server holds these bytes", success=True)
    def head(self, sha256):
        """200 when the server holds these bytes and you sent them (skip the upload) or may see a scan citing
        them; else 404, the same whether the bytes are missing or someone else's."""
        blobs.known(current_user(), sha256)
        return "", 200

    @roles_required(*DEVICES)
    @body_limit("SCAN_MAX_BYTES")
    @blp.doc(requestBody={"required": True, "content": {"application/octet-stream": {"schema": BYTES}}})
    @blp.alt_response(201, schema=schemas.BlobStoredSchema, description="Stored", success=True)
    @blp.alt_response(200, schema=schemas.BlobStoredSchema, description="Known already", success=True)
    def put(self, sha256):
        """Upload a label photo's raw bytes under their SHA-256: 201 new to you, 200 sent by you before.

        A JPEG, PNG or WebP photo within the scan's pixel limits (``SCAN_MAX_PIXELS``,
        ``SCAN_MAX_SIDE``); 422 when the bytes do not match their name (``hash_mismatch``),
        are empty (``image_empty``), are no such photo (``not_an_image``) or are too large
        (``image_too_large``).
        """
        data = request.get_data(cache=False)
        new = blobs.store(current_user(), sha256, data)
        return {"sha256": sha256, "size": len(data), "stored": new}, 201 if new else 200


@blp.route("/ops")
class Ops(MethodView):
    @roles_required(roles.ADMIN, roles.DISPATCHER, roles.PROVIDER_MANAGER)
    @blp.arguments(OpsArgs, location="query")
    @blp.response(200, page_schema(schemas.PushedOpSchema, "PushedOpPage"))
    def get(self, args):
        """Ops devices pushed on the caller's jobs, newest first, with their payloads: filter by ``result``
        (rejected, conflict: what the technician did that the server could not apply) and ``job_id``."""
        return paginate(push.pushed_ops(current_user(), args), args)
