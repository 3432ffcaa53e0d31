"""The parts supply cycle report."""

from flask.views import MethodView

from server.core.access import current_user
from server.core.access import roles_required
from server.core.downloads import csv_response
from server.supply import schemas
from server.supply.routes.blueprint import CYCLE_READERS
from server.supply.routes.blueprint import blp
from server.supply.services import cycle


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
        return csv_response(cycle.file_name(report), cycle.CSV_HEADER, cycle.csv_rows(report))
