"""API of warranty claims, their audit, monthly settlements and the claims report."""

from flask import Response
from flask.views import MethodView

from server.api import Blueprint
from server.claims import drafts
from server.claims import return_report
from server.claims import schemas
from server.claims import services
from server.claims import statements
from server.core import roles
from server.core.access import current_user
from server.core.access import roles_required
from server.core.downloads import csv_response
from server.core.schemas import PageArgs
from server.core.schemas import page_schema
from server.core.schemas import paginate

blp = Blueprint("claims", __name__, url_prefix="/api", description="Warranty claims, audit and settlement")

_READERS = (roles.ADMIN, roles.AUDITOR, roles.PROVIDER_MANAGER)


class ClaimListArgs(schemas.ClaimListArgs, PageArgs):
    pass


class UnclaimedArgs(schemas.UnclaimedArgs, PageArgs):
    pass


class SettlementListArgs(schemas.SettlementListArgs, PageArgs):
    pass


@blp.route("/claims")
class Claims(MethodView):
    @roles_required(roles.PROVIDER_MANAGER)
    @blp.arguments(schemas.ClaimArgs)
    @blp.response(201, schemas.ClaimSchema)
    def post(self, values):
        """Submit a warranty claim for the caller's provider.

        Every check of the claim runs at once: a claim without flags is
        ``approved``; one with flags waits for an auditor as ``pending_review``,
        each flag saying why.
        """
        return services.submit_claim(current_user(), values)

    @roles_required(*_READERS)
    @blp.arguments(ClaimListArgs, location="query")
    @blp.response(200, page_schema(schemas.ClaimSchema, "ClaimPage"))
    def get(self, args):
        """List claims, newest first: auditors all of them, a provider its own."""
        return paginate(services.list_claims(current_user(), args), args)


@blp.route("/claims/unclaimed")
class UnclaimedJobs(MethodView):
    @roles_required(roles.PROVIDER_MANAGER)
    @blp.arguments(UnclaimedArgs, location="query")
    @blp.response(200, page_schema(schemas.UnclaimedJobSchema, "UnclaimedJobPage"))
    def get(self, args):
        """The provider's finished warranty jobs that no claim names yet, newest first.

        Each carries its claim drafted from the job: the serial last scanned and that scan, the model,
        the day the customer asked (failure) and the day of the repair, the claimable parts fitted,
        the fault code found and the category's standard labour fee.
        """
        page = paginate(drafts.unclaimed_jobs(current_user(), args.get("job_id")), args)
        page["items"] = drafts.drafts(page["items"])
        return page


@blp.route("/claims/<id:claim_id>")
class ClaimItem(MethodView):
    @roles_required(*_READERS)
    @blp.response(200, schemas.ClaimSchema)
    def get(self, claim_id):
        """One claim with its parts, flags and decision."""
        return services.get_claim(current_user(), claim_id)


@blp.route("/claims/<id:claim_id>/decision")
class ClaimDecision(MethodView):
    @roles_required(roles.AUDITOR, roles.ADMIN)
    @blp.arguments(schemas.DecisionArgs)
    @blp.response(200, schemas.ClaimSchema)
    def post(self, args, claim_id):
        """Approve or reject a claim waiting for review (a rejection needs a reason), line by line if need be.

        Approving may still reject its labour (``labor``) or any part line (``lines``), each with a reason: the
        claim then pays its approved lines only. A part line whose old parts have not been accepted at the RDC
        waits for them.
        """
        return services.decide_claim(
            current_user(), claim_id, args["decision"], args["reason"], labor=args["labor"], lines=args["lines"]
        )


@blp.route("/settlements")
class Settlements(MethodView):
    @roles_required(roles.AUDITOR, roles.ADMIN)
    @blp.arguments(schemas.SettlementArgs)
    @blp.response(201, schemas.SettlementSchema)
    def post(self, args):
        """Make a provider's statement for a month: its approved lines not paid yet (claims repaired by the
        month's end) and its deductions arisen by then. One per provider and month (409 ``statement_exists``).
        It is open for disputes for ``DISPUTE_DAYS``, then final."""
        return statements.settle_month(current_user(), args["provider_id"], args["month"])

    @roles_required(*_READERS)
    @blp.arguments(SettlementListArgs, location="query")
    @blp.response(200, page_schema(schemas.SettlementRowSchema, "SettlementPage"))
    def get(self, args):
        """The statements made, newest first: auditors all of them, a provider its own."""
        return paginate(statements.list_settlements(current_user(), args), args)


@blp.route("/settlements/<id:settlement_id>")
class SettlementItem(MethodView):
    @roles_required(*_READERS)
    @blp.response(200, schemas.StatementSchema)
    def get(self, settlement_id):
        """One statement: its figures, the lines it pays (each claim's labour, then its part lines) and the
        deductions it withholds, each with its rule, reason and dispute."""
        return statements.statement_view(statements.get_settlement(current_user(), settlement_id))


@blp.route("/settlements/<id:settlement_id>.csv")
class SettlementCsv(MethodView):
    @roles_required(*_READERS)
    @blp.response(200, content_type="text/csv")
    def get(self, settlement_id):
        """The statement as a CSV download: the lines paid, the deductions, the totals."""
        settlement = statements.get_settlement(current_user(), settlement_id)
        return Response(
            statements.settlement_csv(settlement),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="statement-{settlement.id}-{settlement.month}.csv"'},
        )


@blp.route("/settlements/<id:settlement_id>/deductions")
class SettlementDeductions(MethodView):
    @roles_required(roles.AUDITOR, roles.ADMIN)
    @blp.arguments(schemas.DeductionArgs)
    @blp.response(201, schemas.DeductionSchema)
    def post(self, args, settlement_id):
        """Withhold a further amount on an open statement (the MANUAL rule), with its reason."""
        return statements.add_deduction(current_user(), settlement_id, args["amount"], args["reason"])


@blp.route("/settlements/<id:settlement_id>/deductions/<id:deduction_id>/dispute")
class DeductionDispute(MethodView):
    @roles_required(roles.PROVIDER_MANAGER)
    @blp.arguments(schemas.DisputeArgs)
    @blp.response(200, schemas.DeductionSchema)
    def post(self, args, settlement_id, deduction_id):
        """Dispute a deduction of the provider's open statement, within its window, with a reason."""
        return statements.dispute(current_user(), settlement_id, deduction_id, args["reason"])


@blp.route("/settlements/<id:settlement_id>/deductions/<id:deduction_id>/resolution")
class DeductionResolution(MethodView):
    @roles_required(roles.AUDITOR, roles.ADMIN)
    @blp.arguments(schemas.ResolutionArgs)
    @blp.response(200, schemas.DeductionSchema)
    def post(self, args, settlement_id, deduction_id):
        """Uphold a disputed deduction, or reverse it (no longer withheld), with a note."""
        return statements.resolve(current_user(), settlement_id, deduction_id, args["decision"], args["note"])


@blp.route("/settlements/<id:settlement_id>/acceptance")
class SettlementAcceptance(MethodView):
    @roles_required(roles.PROVIDER_MANAGER)
    @blp.response(200, schemas.SettlementRowSchema)
    def post(self, settlement_id):
        """The provider accepts its statement as it stands: no further dispute, ready to be finalised."""
        return statements.accept(current_user(), settlement_id)


@blp.route("/settlements/<id:settlement_id>/finalisation")
class SettlementFinalisation(MethodView):
    @roles_required(roles.AUDITOR, roles.ADMIN)
    @blp.response(200, schemas.SettlementRowSchema)
    def post(self, settlement_id):
        """Make the statement final: its pay credited and its deductions withheld on the provider's account.
        Only with no dispute open, once the window has passed or the provider accepted it."""
        return statements.finalise(current_user(), settlement_id)


@blp.route("/reports/claims")
class ClaimsReport(MethodView):
    @roles_required(roles.ADMIN, roles.AUDITOR, roles.PROVIDER_MANAGER)
    @blp.arguments(schemas.ClaimsReportArgs, location="query")
    @blp.response(200, schemas.ClaimsReportSchema)
    def get(self, args):
        """Claims and amounts by flag, provider and month, and by status: the money held back (claims waiting
        for an auditor) and the money refused (rejected claims). Narrowed by repair ``month`` or days
        ``from`` and ``to``."""
        return services.claims_report(current_user(), args)


@blp.route("/reports/claims.csv")
class ClaimsReportCsv(MethodView):
    @roles_required(roles.ADMIN, roles.AUDITOR, roles.PROVIDER_MANAGER)
    @blp.arguments(schemas.ClaimsReportArgs, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, args):
        """The claims report as CSV: a row per flag, then per status, by provider and month."""
        report = services.claims_report(current_user(), args)
        rows = [
            ("flag", r["flag"], r["provider_code"], r["month"], r["claims"], r["amount"]) for r in report["by_flag"]
        ]
        rows += [
            ("status", r["status"], r["provider_code"], r["month"], r["claims"], r["amount"])
            for r in report["by_status"]
        ]
        rows.append(("held_back", "", "", "", report["held_back_claims"], report["held_back"]))
        rows.append(("rejected", "", "", "", report["rejected_claims"], report["rejected"]))
        header = ("section", "flag_or_status", "provider_code", "month", "claims", "amount")
        span = args.get("month") or "-".join(str(args[key]) for key in ("from", "to") if key in args) or "all"
        return csv_response(f"claims-{span}.csv", header, rows)


_RETURN_REPORT_READERS = (roles.ADMIN, roles.AUDITOR, roles.HQ_PLANNER, roles.PROVIDER_MANAGER, roles.PARTS_CLERK)


@blp.route("/reports/part-returns")
class ReturnsReport(MethodView):
    @roles_required(*_RETURN_REPORT_READERS)
    @blp.arguments(schemas.ReturnsReportArgs, location="query")
    @blp.response(200, schemas.ReturnsReportSchema)
    def get(self, args):
        """Old parts returned on time: per province and provider, of the returns whose deadline falls between
        ``from`` and ``to`` (local days; the last 90 days by default); the money claim lines withhold for their
        old parts now, and the deductions of the period's months by rule. A provider sees its own, a clerk
        their RDC's."""
        return return_report.returns_report(current_user(), args)


@blp.route("/reports/part-returns.csv")
class ReturnsReportCsv(MethodView):
    @roles_required(*_RETURN_REPORT_READERS)
    @blp.arguments(schemas.ReturnsReportArgs, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, args):
        """The returns report as CSV: overall, by province, by provider, withheld and deducted."""
        report = return_report.returns_report(current_user(), args)
        return csv_response(
            f"part-returns-{report['from']}-{report['to']}.csv",
            return_report.CSV_HEADER,
            return_report.csv_rows(report),
        )
