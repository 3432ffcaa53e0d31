"""API of parts in the field and their supply: usage and shortages on jobs, requisitions, sales orders,
the headquarters plan and purchase orders, provider accounts and the supply-cycle report."""

from flask.views import MethodView

from server.api import Blueprint
from server.core import roles
from server.core.access import current_user
from server.core.access import roles_required
from server.core.downloads import csv_response
from server.core.schemas import PageArgs
from server.core.schemas import page_schema
from server.core.schemas import paginate
from server.errors import Conflict
from server.jobs.services.lifecycle import STEPS
from server.jobs.services.queries import job_for
from server.network import ledger
from server.parts.schemas import StockSchema
from server.parts.services import stock_query
from server.supply import cycle
from server.supply import plan
from server.supply import requisitions
from server.supply import schemas
from server.supply import usage

blp = Blueprint("supply", __name__, url_prefix="/api", description="Parts on jobs, requisitions and parts supply")

JOB_READERS = (roles.ADMIN, roles.AGENT, roles.DISPATCHER, roles.TECHNICIAN, roles.PROVIDER_MANAGER, roles.AUDITOR)
READERS = (roles.ADMIN, roles.PARTS_CLERK, roles.HQ_PLANNER, roles.PROVIDER_MANAGER, roles.TECHNICIAN)
CLERKS = (roles.ADMIN, roles.PARTS_CLERK)
RECEIVERS = (roles.ADMIN, roles.PROVIDER_MANAGER, roles.TECHNICIAN)
PLANNERS = (roles.ADMIN, roles.HQ_PLANNER)
ACCOUNT_READERS = (roles.ADMIN, roles.PROVIDER_MANAGER, roles.PARTS_CLERK, roles.HQ_PLANNER, roles.AUDITOR)
CYCLE_READERS = (roles.ADMIN, roles.HQ_PLANNER, roles.PARTS_CLERK, roles.DISPATCHER, roles.AUDITOR)


class RequisitionListArgs(schemas.RequisitionListArgs, PageArgs):
    pass


class SalesOrderListArgs(schemas.SalesOrderListArgs, PageArgs):
    pass


class PurchaseOrderListArgs(schemas.PurchaseOrderListArgs, PageArgs):
    pass


# ---------------------------------------------------------------- parts on a job


@blp.route("/jobs/<int:job_id>/parts")
class JobParts(MethodView):
    @roles_required(*JOB_READERS)
    @blp.response(200, schemas.JobPartsSchema)
    def get(self, job_id):
        """Parts on one job: those used, and the requisitions for those missing with where they are."""
        return usage.job_parts(job_for(current_user(), job_id))


@blp.route("/jobs/<int:job_id>/parts-used")
class JobPartsUsed(MethodView):
    @roles_required(*STEPS["use_parts"].roles)
    @blp.arguments(schemas.PartLinesArgs)
    @blp.response(201, schemas.PartUsageSchema(many=True))
    def post(self, args, job_id):
        """Record parts fitted (``[{"part_no", "qty"}]``): issued from the provider's stock.

        Never refused because the stock figure is lower (the phone may have been
        offline): the usage is kept, its ``shortfall`` recorded, and the
        provider's managers are told to check the count.
        """
        job = job_for(current_user(), job_id, lock=True)
        return usage.record_usage(job, current_user(), args["parts"], device_time=args["device_time"])


@blp.route("/jobs/<int:job_id>/shortages")
class JobShortages(MethodView):
    @roles_required(*STEPS["report_shortage"].roles)
    @blp.arguments(schemas.PartLinesArgs)
    @blp.response(201, schemas.RequisitionSchema)
    def post(self, args, job_id):
        """Record parts missing (``[{"part_no", "qty"}]``): the job waits for parts and a requisition goes
        to the parts clerk of its province, in one transaction."""
        job = job_for(current_user(), job_id, lock=True)
        return usage.report_shortage(
            job, current_user(), args["parts"], note=args["note"], device_time=args["device_time"]
        )


# ---------------------------------------------------------------- requisitions


@blp.route("/requisitions")
class Requisitions(MethodView):
    @roles_required(*READERS)
    @blp.arguments(RequisitionListArgs, location="query")
    @blp.response(200, page_schema(schemas.RequisitionSchema, "RequisitionPage"))
    def get(self, args):
        """Requisitions, oldest first: a clerk's province, a provider's own, a technician's jobs'.

        Filter by ``status`` (repeatable: pending, approved, rejected, received), ``job_id``, ``province``.
        """
        return paginate(requisitions.list_requisitions(current_user(), args), args)


@blp.route("/requisitions/<int:requisition_id>")
class RequisitionItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, schemas.RequisitionSchema)
    def get(self, requisition_id):
        """One requisition, each line with the RDC's free stock beside it."""
        return requisitions.with_stock(requisitions.requisition_for(current_user(), requisition_id))


@blp.route("/requisitions/<int:requisition_id>/approve")
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


@blp.route("/requisitions/<int:requisition_id>/reject")
class RequisitionReject(MethodView):
    @roles_required(*CLERKS)
    @blp.arguments(schemas.RejectArgs)
    @blp.response(200, schemas.RequisitionSchema)
    def post(self, args, requisition_id):
        """Reject with a reason; the technician is told, and a job waiting for nothing else goes back to them."""
        return requisitions.reject(current_user(), requisition_id, args["reason"])


# ---------------------------------------------------------------- sales orders


@blp.route("/sales-orders")
class SalesOrders(MethodView):
    @roles_required(*READERS)
    @blp.arguments(SalesOrderListArgs, location="query")
    @blp.response(200, page_schema(schemas.SalesOrderSchema, "SalesOrderPage"))
    def get(self, args):
        """Parts sales orders, oldest first; filter by ``status`` (created, shipped, received) or requisition."""
        return paginate(requisitions.list_sales_orders(current_user(), args), args)


@blp.route("/sales-orders/<int:order_id>")
class SalesOrderItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, schemas.SalesOrderSchema)
    def get(self, order_id):
        """One sales order."""
        return requisitions.sales_order_for(current_user(), order_id)


@blp.route("/sales-orders/<int:order_id>/ship")
class SalesOrderShip(MethodView):
    @roles_required(*CLERKS)
    @blp.response(200, schemas.SalesOrderSchema)
    def post(self, order_id):
        """The RDC sends the parts: they leave its stock; the technician sees them on the way."""
        return requisitions.ship(current_user(), order_id)


@blp.route("/sales-orders/<int:order_id>/receive")
class SalesOrderReceive(MethodView):
    @roles_required(*RECEIVERS)
    @blp.response(200, schemas.SalesOrderSchema)
    def post(self, order_id):
        """The provider has the parts: into its stock, the shortage closed, the job back to its technician
        when nothing else is missing. A second receipt is 409 ``already_received``."""
        return requisitions.receive(current_user(), order_id)


# ---------------------------------------------------------------- headquarters plan


@blp.route("/parts-plan")
class PartsPlan(MethodView):
    @roles_required(*PLANNERS)
    @blp.response(200, schemas.PlanSchema)
    def get(self):
        """The headquarters parts plan by part: waiting to be ordered, on order, oldest need."""
        return {"items": plan.plan_summary()}


@blp.route("/purchase-orders")
class PurchaseOrders(MethodView):
    @roles_required(*PLANNERS)
    @blp.arguments(PurchaseOrderListArgs, location="query")
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
        order, sent = plan.roll_up(current_user())
        if order is None and not sent:
            raise Conflict("The parts plan has nothing left to order.", code="nothing_to_order")
        return {"purchase_order": order, "sales_orders": sent}, 201 if order is not None else 200


@blp.route("/purchase-orders/<int:order_id>")
class PurchaseOrderItem(MethodView):
    @roles_required(*PLANNERS)
    @blp.response(200, schemas.PurchaseOrderSchema)
    def get(self, order_id):
        """One purchase order."""
        return plan.purchase_order(order_id)


@blp.route("/purchase-orders/<int:order_id>/receive")
class PurchaseOrderReceive(MethodView):
    @roles_required(*PLANNERS)
    @blp.arguments(schemas.ReceiptArgs)
    @blp.response(200, schemas.PurchaseOrderSchema)
    def post(self, args, order_id):
        """Goods in at HQ, then on to the RDCs waiting for them, oldest requisition first, as sales orders.

        Every line arrives in full unless ``lines`` gives the quantity counted.
        """
        quantities = {line["part_no"]: line["qty"] for line in args["lines"]}
        return plan.receive_purchase_order(current_user(), order_id, quantities)


# ---------------------------------------------------------------- provider account and stock


@blp.route("/providers/<int:provider_id>/account")
class ProviderAccount(MethodView):
    @roles_required(*ACCOUNT_READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, schemas.AccountSchema)
    def get(self, args, provider_id):
        """Deposit, credit limit, credit used and the ledger of debits and credits, newest first."""
        provider = ledger.provider_for(current_user(), provider_id)
        return ledger.view(provider, paginate(ledger.entries(provider.id), args))


@blp.route("/providers/<int:provider_id>/account/deposits")
class ProviderDeposits(MethodView):
    @roles_required(roles.ADMIN)
    @blp.arguments(schemas.DepositArgs)
    @blp.response(201, schemas.AccountSchema)
    def post(self, args, provider_id):
        """Record a deposit payment: it repays credit in use first, the rest adds to the deposit."""
        provider = ledger.pay_in(current_user(), provider_id, args["amount"], args["reference"])
        return ledger.view(provider, paginate(ledger.entries(provider.id), {"per_page": 10}))


@blp.route("/providers/<int:provider_id>/stock")
class ProviderStock(MethodView):
    @roles_required(roles.ADMIN, roles.PROVIDER_MANAGER, roles.TECHNICIAN, roles.PARTS_CLERK)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(StockSchema, "ProviderStockPage"))
    def get(self, args, provider_id):
        """The provider's own stock room: on hand by part (negative where usage outran the count)."""
        provider = ledger.provider_for(current_user(), provider_id)
        return paginate(stock_query({"warehouse": f"PROV-{provider.code}"}), args)


@blp.route("/providers/<int:provider_id>/discrepancies")
class ProviderDiscrepancies(MethodView):
    @roles_required(roles.ADMIN, roles.PROVIDER_MANAGER)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(schemas.PartUsageSchema, "DiscrepancyPage"))
    def get(self, args, provider_id):
        """Usages recorded beyond what the stock showed, newest first: counts to check."""
        provider = ledger.provider_for(current_user(), provider_id)
        return paginate(usage.discrepancies(provider), args)


# ---------------------------------------------------------------- supply cycle


@blp.route("/reports/parts-cycle")
class PartsCycle(MethodView):
    @roles_required(*CYCLE_READERS)
    @blp.arguments(schemas.CycleArgs, location="query")
    @blp.response(200, schemas.CycleReportSchema)
    def get(self, args):
        """Days from requisition to parts received: mean, median, 90th percentile, by province and by path
        (RDC or HQ), with the mean of each stage. Requisitions received between ``from`` and ``to``
        (local days; the last 90 days by default)."""
        return cycle.parts_cycle(current_user(), args)


@blp.route("/reports/parts-cycle.csv")
class PartsCycleCsv(MethodView):
    @roles_required(*CYCLE_READERS)
    @blp.arguments(schemas.CycleArgs, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, args):
        """The supply-cycle report as CSV: overall, then by province, by path and the mean days of each stage."""
        report = cycle.parts_cycle(current_user(), args)
        figures = ("requisitions", "mean_days", "median_days", "p90_days")
        rows = [("overall", "", *(report["overall"][f] for f in figures))]
        rows += [("province", r["province_code"], *(r[f] for f in figures)) for r in report["by_province"]]
        rows += [("path", r["path"], *(r[f] for f in figures)) for r in report["by_path"]]
        rows += [("stage", r["stage"], "", r["mean_days"], "", "") for r in report["stages"]]
        header = ("section", "key", *figures)
        return csv_response(f"parts-cycle-{report['from']}-{report['to']}.csv", header, rows)
