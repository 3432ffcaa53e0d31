"""Requisitions (申购单) and the RDC sales orders that fill them."""

from flask.views import MethodView

from server.core.access import current_user
from server.core.access import roles_required
from server.core.schemas import page_schema
from server.core.schemas import paginate
from server.supply import schemas
from server.supply.routes.blueprint import CLERKS
from server.supply.routes.blueprint import READERS
from server.supply.routes.blueprint import RECEIVERS
from server.supply.routes.blueprint import blp
from server.supply.services import requisitions


@blp.route("/requisitions")
class Requisitions(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.RequisitionListArgs, location="query")
    @blp.response(200, page_schema(schemas.RequisitionSchema, "RequisitionPage"))
    def get(self, args):
        """Requisitions, oldest first: a clerk's province, a provider's own, a technician's jobs'.

        Filter by ``status`` (repeatable: pending, approved, rejected, received), ``job_id``, ``province``.
        """
        return paginate(requisitions.list_requisitions(current_user(), args), args)


@blp.route("/requisitions/<id:requisition_id>")
class RequisitionItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, schemas.RequisitionSchema)
    def get(self, requisition_id):
        """One requisition, each line with the RDC's free stock beside it."""
        return requisitions.with_stock(requisitions.requisition_for(current_user(), requisition_id))


@blp.route("/requisitions/<id:requisition_id>/approve")
class RequisitionApprove(MethodView):
    @roles_required(*CLERKS)
    @blp.arguments(schemas.ApprovalArgs)
    @blp.response(200, schemas.RequisitionSchema)
    def post(self, args, requisition_id):
        """Approve: what the RDC has free becomes a sales order (stock reserved), the rest joins the HQ plan.

        The provider pays from its deposit, then its credit; 409
        ``insufficient_funds`` says by how much they fall short. 409
        ``already_decided`` for a requisition approved or rejected before.
        """
        return requisitions.approve(current_user(), requisition_id, note=args["note"])


@blp.route("/requisitions/<id:requisition_id>/reject")
class RequisitionReject(MethodView):
    @roles_required(*CLERKS)
    @blp.arguments(schemas.RejectArgs)
    @blp.response(200, schemas.RequisitionSchema)
    def post(self, args, requisition_id):
        """Reject with a reason; the technician is told, and a job waiting for nothing else goes back to them."""
        return requisitions.reject(current_user(), requisition_id, args["reason"])


@blp.route("/sales-orders")
class SalesOrders(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.SalesOrderListArgs, location="query")
    @blp.response(200, page_schema(schemas.SalesOrderSchema, "SalesOrderPage"))
    def get(self, args):
        """Parts sales orders, oldest first; filter by ``status`` (created, shipped, received) or requisition."""
        return paginate(requisitions.list_sales_orders(current_user(), args), args)


@blp.route("/sales-orders/<id:order_id>")
class SalesOrderItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, schemas.SalesOrderSchema)
    def get(self, order_id):
        """One sales order."""
        return requisitions.sales_order_for(current_user(), order_id)


@blp.route("/sales-orders/<id:order_id>/ship")
class SalesOrderShip(MethodView):
    @roles_required(*CLERKS)
    @blp.response(200, schemas.SalesOrderSchema)
    def post(self, order_id):
        """The RDC sends the parts: they leave its stock; the technician sees them on the way."""
        return requisitions.ship(current_user(), order_id)


@blp.route("/sales-orders/<id:order_id>/receive")
class SalesOrderReceive(MethodView):
    @roles_required(*RECEIVERS)
    @blp.response(200, schemas.SalesOrderSchema)
    def post(self, order_id):
        """The provider has the parts: into its stock, the shortage closed, the job back to its technician
        when nothing else is missing. A second receipt is 409 ``already_received``."""
        return requisitions.receive(current_user(), order_id)
