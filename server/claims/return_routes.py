"""API of old parts coming back (旧件返还): the returns owed, their shipments and the RDC's inspection."""

from flask.views import MethodView

from server.api import Blueprint
from server.claims import returns as claim_returns
from server.core import roles
from server.core.access import current_user
from server.core.access import roles_required
from server.core.downloads import csv_response
from server.core.schemas import PageArgs
from server.core.schemas import page_schema
from server.core.schemas import paginate
from server.supply import schemas
from server.supply.services import returns

blp = Blueprint("part_returns", __name__, url_prefix="/api/part-returns", description="Old parts returned to the RDC")

_READERS = (roles.ADMIN, roles.AUDITOR, roles.PROVIDER_MANAGER, roles.PARTS_CLERK)


class ReturnListArgs(schemas.ReturnListArgs, PageArgs):
    pass


class ShipmentListArgs(schemas.ShipmentListArgs, PageArgs):
    pass


@blp.route("")
class PartReturns(MethodView):
    @roles_required(*_READERS)
    @blp.arguments(ReturnListArgs, location="query")
    @blp.response(200, page_schema(schemas.PartReturnSchema, "PartReturnPage"))
    def get(self, args):
        """The old parts owed to an RDC, the soonest due first: a provider's own, a clerk's RDC's, all for
        auditors. ``status=overdue``: still on their way past their deadline."""
        return paginate(returns.list_returns(current_user(), args), args)


@blp.route("/<id:return_id>")
class PartReturnItem(MethodView):
    @roles_required(*_READERS)
    @blp.response(200, schemas.PartReturnSchema)
    def get(self, return_id):
        """One part return."""
        return returns.get_return(current_user(), return_id)


@blp.route("/<id:return_id>/inspection")
class PartReturnInspection(MethodView):
    @roles_required(roles.PARTS_CLERK, roles.ADMIN)
    @blp.arguments(schemas.InspectionArgs)
    @blp.response(200, schemas.PartReturnSchema)
    def post(self, args, return_id):
        """The RDC's finding on a received old part, once: ``accepted`` releases the claim line it stands behind
        (its serial, scanned, must be the one the technician recorded: 409 ``old_serial_mismatch``);
        ``wrong_part``, ``not_faulty`` or ``missing`` reject it, flag its claim and deduct the penalty."""
        return claim_returns.inspect(current_user(), return_id, args["result"], args["note"], args["old_serial"])


@blp.route("/shipments")
class ReturnShipments(MethodView):
    @roles_required(roles.PROVIDER_MANAGER)
    @blp.arguments(schemas.ShipArgs)
    @blp.response(201, schemas.ShipmentDetailSchema)
    def post(self, args):
        """Pack owed old parts of the caller's provider into one shipment to their RDC."""
        return returns.ship(current_user(), args["lines"], args["tracking"])

    @roles_required(*_READERS)
    @blp.arguments(ShipmentListArgs, location="query")
    @blp.response(200, page_schema(schemas.ShipmentSchema, "ReturnShipmentPage"))
    def get(self, args):
        """Return shipments, the latest first: a provider's own, those to a clerk's RDC, all for auditors."""
        return paginate(returns.list_shipments(current_user(), args), args)


@blp.route("/shipments/<id:shipment_id>")
class ReturnShipmentItem(MethodView):
    @roles_required(*_READERS)
    @blp.response(200, schemas.ShipmentDetailSchema)
    def get(self, shipment_id):
        """One shipment with its lines."""
        return returns.get_shipment(current_user(), shipment_id)


@blp.route("/shipments/<id:shipment_id>.csv")
class ReturnShipmentCsv(MethodView):
    @roles_required(*_READERS)
    @blp.response(200, content_type="text/csv")
    def get(self, shipment_id):
        """The shipment's packing list as CSV: one row per old part."""
        shipment = returns.get_shipment(current_user(), shipment_id)
        header, rows = returns.packing_list(shipment)
        return csv_response(f"packing-list-{shipment.number}.csv", header, rows)


@blp.route("/shipments/<id:shipment_id>/receipt")
class ReturnShipmentReceipt(MethodView):
    @roles_required(roles.PARTS_CLERK, roles.ADMIN)
    @blp.response(200, schemas.ShipmentDetailSchema)
    def post(self, shipment_id):
        """The RDC's clerk confirms the shipment arrived: its parts wait for inspection."""
        shipment, _ = returns.receive(current_user(), shipment_id)
        return shipment
