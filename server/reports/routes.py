"""API of the service reports: JSON for the dashboard, and each one as a CSV download."""

from flask.views import MethodView

from server.api import Blueprint
from server.core import roles
from server.core.access import current_user
from server.core.access import roles_required
from server.core.downloads import csv_response
from server.reports import fault_codes
from server.reports import schemas
from server.reports import services
from server.reports import trends
from server.reports import volume
from server.supply.routes.blueprint import CYCLE_READERS

blp = Blueprint("reports", __name__, url_prefix="/api/reports", description="Service reports")

READERS = (roles.ADMIN, roles.AUDITOR, roles.DISPATCHER, roles.PROVIDER_MANAGER)
# The readers of the claims report (kept by the claims domain), for its trend.
CLAIM_READERS = (roles.ADMIN, roles.AUDITOR, roles.PROVIDER_MANAGER)
# Request volume is for staffing the call centre and dispatch: headquarters, dispatchers, call-centre supervisors.
VOLUME_READERS = (roles.ADMIN, roles.AUDITOR, roles.DISPATCHER, roles.SUPERVISOR)


def every_row(args):
    """A download has every group, not the page of worst ones the dashboard shows."""
    return {**args, "limit": None}


def csv_download(name, report, columns):
    """A report's rows, then its total, as a CSV download named after the report, its level and range."""
    header = ["level", "code", "name", *columns]
    rows = [*report["rows"], {"level": "total", **report["total"]}]
    filename = f"{name}-{report['level']}-{report['from']}-{report['to']}.csv"
    return csv_response(filename, header, ([row.get(name) for name in header] for row in rows))


@blp.route("/complaints")
class ComplaintRate(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.LevelArgs, location="query")
    @blp.response(200, schemas.ComplaintRateSchema)
    def get(self, args):
        """Complaints per 100 finished jobs by province, provider or technician, with open, overdue and repeat
        complaints. Drill down: ``level=provider&province=…``, then ``level=technician&provider_code=…``."""
        return services.complaint_rate(current_user(), args)


@blp.route("/complaints.csv")
class ComplaintRateCsv(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.LevelArgs, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, args):
        """The complaint-rate report as CSV: its rows, then the total."""
        return csv_download(
            "complaints", services.complaint_rate(current_user(), every_row(args)), schemas.COMPLAINT_FIELDS
        )


@blp.route("/satisfaction")
class Satisfaction(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.LevelArgs, location="query")
    @blp.response(200, schemas.SatisfactionSchema)
    def get(self, args):
        """Callbacks done in the range: customers reached, the mean of each score (1-5) and the low scores."""
        return services.satisfaction(current_user(), args)


@blp.route("/satisfaction.csv")
class SatisfactionCsv(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.LevelArgs, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, args):
        """The satisfaction report as CSV: its rows, then the total."""
        return csv_download(
            "satisfaction", services.satisfaction(current_user(), every_row(args)), schemas.SATISFACTION_FIELDS
        )


@blp.route("/sla")
class SlaCompliance(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.LevelArgs, location="query")
    @blp.response(200, schemas.SlaSchema)
    def get(self, args):
        """SLA compliance of the jobs opened in the range: per stage, deadlines counted and met."""
        return services.sla(current_user(), args)


@blp.route("/sla.csv")
class SlaComplianceCsv(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.LevelArgs, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, args):
        """The SLA report as CSV: its rows, then the total."""
        return csv_download("sla", services.sla(current_user(), every_row(args)), schemas.SLA_FIELDS)


@blp.route("/workload")
class Workload(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.WorkloadArgs, location="query")
    @blp.response(200, schemas.WorkloadSchema)
    def get(self, args):
        """Finished jobs per technician by region and product line, and the technicians that load needs."""
        return services.workload(current_user(), args)


@blp.route("/workload.csv")
class WorkloadCsv(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.WorkloadArgs, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, args):
        """The workload report as CSV: its rows, then the total."""
        return csv_download("workload", services.workload(current_user(), every_row(args)), schemas.WORKLOAD_FIELDS)


@blp.route("/complaints/trend")
class ComplaintTrend(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.TrendArgs, location="query")
    @blp.response(200, schemas.ComplaintTrendSchema)
    def get(self, args):
        """Finished jobs, complaints and complaints per 100 jobs per day or week of the range (every period,
        zeros included); the same slice and filters as the report."""
        return trends.complaints_trend(current_user(), args)


@blp.route("/satisfaction/trend")
class SatisfactionTrend(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.TrendArgs, location="query")
    @blp.response(200, schemas.SatisfactionTrendSchema)
    def get(self, args):
        """Callbacks done per day or week: customers reached, the mean of each score and the low scores."""
        return trends.satisfaction_trend(current_user(), args)


@blp.route("/sla/trend")
class SlaTrend(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.TrendArgs, location="query")
    @blp.response(200, schemas.SlaTrendSchema)
    def get(self, args):
        """SLA compliance of the jobs opened in each day or week of the range, per stage and overall."""
        return trends.sla_trend(current_user(), args)


@blp.route("/workload/trend")
class WorkloadTrend(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.WorkloadTrendArgs, location="query")
    @blp.response(200, schemas.WorkloadTrendSchema)
    def get(self, args):
        """Jobs finished, the technicians who finished them and the jobs per technician a day, per day or
        week of the range."""
        return trends.workload_trend(current_user(), args)


@blp.route("/claims/trend")
class ClaimsTrend(MethodView):
    @roles_required(*CLAIM_READERS)
    @blp.arguments(schemas.ClaimsTrendArgs, location="query")
    @blp.response(200, schemas.ClaimsTrendSchema)
    def get(self, args):
        """Claims and their money per repair day or week: claimed, held back (waiting for an auditor) and
        rejected."""
        return trends.claims_trend(current_user(), args)


@blp.route("/parts-cycle/trend")
class PartsCycleTrend(MethodView):
    @roles_required(*CYCLE_READERS)
    @blp.arguments(schemas.CycleTrendArgs, location="query")
    @blp.response(200, schemas.CycleTrendSchema)
    def get(self, args):
        """Requisitions whose parts arrived per day or week, and their mean days from shortage to arrival."""
        return trends.parts_cycle_trend(current_user(), args)


@blp.route("/fault-codes")
class FaultCodeReport(MethodView):
    @roles_required(*fault_codes.READERS)
    @blp.arguments(schemas.FaultCodeReportArgs, location="query")
    @blp.response(200, schemas.FaultCodeReportSchema)
    def get(self, args):
        """The most frequent fault codes per model and month (``by=year`` for years), from completed jobs
        and claims not rejected; ``total`` counts a repair on both once. Defaults to the last twelve months."""
        return fault_codes.fault_code_report(current_user(), args)


@blp.route("/fault-codes.csv")
class FaultCodeReportCsv(MethodView):
    @roles_required(*fault_codes.READERS)
    @blp.arguments(schemas.FaultCodeReportArgs, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, args):
        """The fault-code statistics as a CSV download."""
        report = fault_codes.fault_code_report(current_user(), args)
        return csv_response(
            fault_codes.file_name(report), fault_codes.FAULT_CODE_COLUMNS, fault_codes.fault_code_rows(report)
        )


@blp.route("/request-volume")
class RequestVolume(MethodView):
    @roles_required(*VOLUME_READERS)
    @blp.arguments(schemas.VolumeArgs, location="query")
    @blp.response(200, schemas.VolumeSchema)
    def get(self, args):
        """When requests come in, for staffing: by local weekday and hour, by ISO week beside the same week a year
        earlier, by province and by product line. The last 12 weeks by default; a year at most."""
        return volume.request_volume(current_user(), args)


@blp.route("/request-volume.csv")
class RequestVolumeCsv(MethodView):
    @roles_required(*VOLUME_READERS)
    @blp.arguments(schemas.VolumeArgs, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, args):
        """The request volume as a CSV download: a row per week beside last year's, then a row per weekday with
        its 24 hours."""
        report = volume.request_volume(current_user(), args)
        header, rows = volume.csv_rows(report)
        return csv_response(f"request-volume-{report['from']:%Y%m%d}-{report['to']:%Y%m%d}.csv", header, rows)
