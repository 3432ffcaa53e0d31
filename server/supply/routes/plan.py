"""The headquarters parts plan (备件计划) and its purchase orders."""

from flask.views import MethodView

from server.core.access import current_user
from server.core.access import roles_required
from server.core.schemas import page_schema
from server.core.schemas import paginate
from server.supply import schemas
from server.supply.routes.blueprint import PLANNERS
from server.supply.routes.blueprint import blp
from server.supply.services import plan


@blp.route("/parts-plan")
class PartsPlan(MethodView):
    @roles_required(*PLANNERS)
    @blp.response(200, schemas.PlanSchema)
    def get(self):
        """The headquarters parts plan by part: waiting to be ordered, on order, oldest need."""
        return plan.plan_view()


@blp.route("/parts-plan/requisitions")
class PartsPlanRequisitions(MethodView):
    @roles_required(*PLANNERS)
    @blp.arguments(schemas.PlanNeedArgs, location="query")
    @blp.response(200, page_schema(schemas.PlanNeedSchema, "PlanNeedPage"))
    def get(self, args):
        """The requisitions waiting on headquarters, one row per part, oldest first (the order parts go out in).

        Filter by ``part_no`` (repeatable).
        """
        return paginate(plan.waiting_lines(args.get("part_no", ())), args)


@blp.route("/purchase-orders")
class PurchaseOrders(MethodView):
    @roles_required(*PLANNERS)
    @blp.arguments(schemas.PurchaseOrderListArgs, location="query")
    @blp.response(200, page_schema(schemas.PurchaseOrderSchema, "PurchaseOrderPage"))
    def get(self, args):
        """Purchase orders, newest first; filter by ``status`` (ordered, received)."""
        return paginate(plan.list_purchase_orders(args), args)

    @roles_required(*PLANNERS)
    @blp.response(201, schemas.RollUpSchema)
    @blp.alt_response(200, schema=schemas.RollUpSchema, description="HQ stock filled every need; nothing ordered")
    def post(self):
        """Roll the plan up now (the scheduler does it daily): fill from HQ stock, order the rest.

        201 with the purchase order raised; 200 when HQ stock filled every
        need; 409 ``nothing_to_order`` when nothing waits beyond what is on order.
        """
        result = plan.roll_up_now(current_user())
        return result, 201 if result["purchase_order"] is not None else 200


@blp.route("/purchase-orders/<id:order_id>")
class PurchaseOrderItem(MethodView):
    @roles_required(*PLANNERS)
    @blp.response(200, schemas.PurchaseOrderSchema)
    def get(self, order_id):
        """One purchase order."""
        return plan.purchase_order(order_id)


@blp.route("/purchase-orders/<id:order_id>/requisitions")
class PurchaseOrderRequisitions(MethodView):
    @roles_required(*PLANNERS)
    @blp.response(200, schemas.OrderNeedsSchema)
    def get(self, order_id):
        """The requisitions this order serves if it arrives in full now, oldest first, with how many parts each
        gets (``on_receipt``) and how many more lines wait for the same parts (``beyond``); none once received."""
        return plan.order_needs(order_id)


@blp.route("/purchase-orders/<id:order_id>/receive")
class PurchaseOrderReceive(MethodView):
    @roles_required(*PLANNERS)
    @blp.arguments(schemas.ReceiptArgs)
    @blp.response(200, schemas.PurchaseOrderSchema)
    def post(self, args, order_id):
        """Goods in at HQ, then on to the RDCs waiting for them, oldest requisition first, as sales orders.

        Every line arrives in full unless ``lines`` gives the quantity counted.
        """
        return plan.receive_purchase_order(current_user(), order_id, args["lines"])
