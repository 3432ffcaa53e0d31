"""Parts on a job: those fitted and those missing."""

from flask.views import MethodView

from server.core.access import current_user
from server.core.access import roles_required
from server.jobs.services.lifecycle import STEPS
from server.jobs.services.queries import job_for
from server.supply import schemas
from server.supply.routes.blueprint import JOB_READERS
from server.supply.routes.blueprint import blp
from server.supply.services import usage


@blp.route("/jobs/<id:job_id>/parts")
class JobParts(MethodView):
    @roles_required(*JOB_READERS)
    @blp.response(200, schemas.JobPartsSchema)
    def get(self, job_id):
        """Parts on one job: those used, and the requisitions for those missing with where they are."""
        return usage.job_parts(job_for(current_user(), job_id))


@blp.route("/jobs/<id:job_id>/parts-used")
class JobPartsUsed(MethodView):
    @roles_required(*STEPS["use_parts"].roles)
    @blp.arguments(schemas.UsageArgs)
    @blp.response(201, schemas.PartUsageSchema(many=True))
    def post(self, args, job_id):
        """Record parts fitted (``[{"part_no", "qty"}]``): issued from the provider's stock.

        Never refused because the stock figure is lower (the phone may have been
        offline): the usage is kept, its ``shortfall`` recorded, and the
        provider's managers are told to check the count. With ``sales_order_id``
        the parts arrived for this job on that order: 409 ``parts_not_received``
        before its receipt, ``more_than_arrived`` past what it brought.
        """
        job = job_for(current_user(), job_id, lock=True)
        return usage.record_usage(
            job, current_user(), args["parts"], device_time=args["device_time"], sales_order_id=args["sales_order_id"]
        )


@blp.route("/jobs/<id:job_id>/shortages")
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
