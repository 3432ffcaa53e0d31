"""The API of charges: the fee guide, a job's quote, approval, payments and completion, receipts, remittances
and charge statistics."""

from flask.views import MethodView

from server.api import Blueprint
from server.charges import guide
from server.charges import quotes
from server.charges import reconciliation
from server.charges import schemas
from server.charges import statistics
from server.core import roles
from server.core.access import current_user
from server.core.access import public
from server.core.access import roles_required
from server.core.admin_routes import register_admin_routes
from server.core.downloads import csv_response
from server.core.schemas import page_schema
from server.core.schemas import paginate
from server.jobs import schemas as job_schemas
from server.jobs.services.lifecycle import STEPS
from server.jobs.services.lifecycle import shown_to
from server.jobs.services.queries import job_for

blp = Blueprint("charges", __name__, url_prefix="/api", description="Charges of paid repairs")

# Who reads a job's charges: whoever may see the job among these roles.
READERS = (roles.ADMIN, roles.AGENT, roles.DISPATCHER, roles.TECHNICIAN, roles.PROVIDER_MANAGER, roles.AUDITOR)
REPORT_READERS = (roles.ADMIN, roles.AUDITOR, roles.PROVIDER_MANAGER)
REMITTANCE_READERS = (roles.ADMIN, roles.AUDITOR, roles.PROVIDER_MANAGER)

register_admin_routes(blp, guide.fees, schemas.FeeItemSchema, read_roles=roles.ROLES, path_prefix="/admin")
register_admin_routes(blp, guide.travel_fees, schemas.TravelFeeSchema, read_roles=roles.ROLES, path_prefix="/admin")


@blp.route("/jobs/<id:job_id>/charges")
class JobCharges(MethodView):
    @roles_required(*READERS)
    @blp.response(200, schemas.JobChargesSchema)
    def get(self, job_id):
        """A job's charges: its type and area class, its latest quote (null if none) and every version, newest
        first, its payments, what was paid and what of the approved quote is still owed."""
        return quotes.job_charges(job_for(current_user(), job_id))


@blp.route("/jobs/<id:job_id>/quotes")
class JobQuotes(MethodView):
    @roles_required(roles.TECHNICIAN)
    @blp.arguments(schemas.QuoteArgs)
    @blp.response(201, schemas.QuoteSchema)
    def post(self, args, job_id):
        """A new version of the quote of a paid job (the job's technician; as the ``quote.save`` op): lines of
        ``labour`` (``fee_code``), ``part`` (``part_code``) and ``travel``, each with ``quantity`` and
        ``unit_price_cents``, and ``discount_cents``. The version before is superseded and the customer is sent
        an approval code. 409 ``not_a_paid_job``; 422 naming ``lines.<i>.unit_price_cents`` (negative),
        ``lines.<i>.fee_code`` / ``part_code`` (unknown, or not the job's category or model) or ``discount_cents``
        (above the lines' sum)."""
        user = current_user()
        return quotes.quote_data(quotes.save(job_for(user, job_id, lock=True), user, args))


@blp.route("/jobs/<id:job_id>/quotes/approve")
class JobQuoteApproval(MethodView):
    @roles_required(roles.TECHNICIAN)
    @blp.arguments(schemas.ApproveArgs)
    @blp.response(200, schemas.QuoteSchema)
    def post(self, args, job_id):
        """The customer approves quote ``ref`` (as the ``quote.approve`` op): ``method: signature`` with
        ``signature_sha256`` (a PNG uploaded first) or ``method: code`` with the ``code`` sent to them (422
        ``wrong_code`` naming ``code``). 409 ``quote_superseded`` for a replaced version; approving again
        changes nothing."""
        user = current_user()
        return quotes.quote_data(quotes.approve(job_for(user, job_id, lock=True), user, args))


@blp.route("/jobs/<id:job_id>/payments")
class JobPayments(MethodView):
    @roles_required(roles.TECHNICIAN)
    @blp.arguments(schemas.PaymentArgs)
    @blp.response(201, schemas.PaymentSchema)
    def post(self, args, job_id):
        """Money collected against the approved quote ``quote_ref`` (as the ``payment.record`` op): ``method``
        cash or qr (``reference`` required), ``amount_cents``, and the ``receipt_number`` the phone made from
        ``ref``. 422 naming ``amount_cents`` above what is owed; the same ``ref`` again records nothing more."""
        user = current_user()
        payment = quotes.record_payment(job_for(user, job_id, lock=True), user, args)
        return quotes.payment_data(payment, args["quote_ref"])


@blp.route("/jobs/<id:job_id>/complete")
class JobComplete(MethodView):
    @roles_required(*STEPS["complete"].roles)
    @blp.arguments(job_schemas.CompleteArgs)
    @blp.response(200, job_schemas.JobSchema)
    @blp.doc(tags=["jobs"])
    def post(self, args, job_id):
        """The repair is done: the work summary, who confirmed it for the customer, the fault code found
        (optional; an unknown or withdrawn code is a 422) and the customer's ``confirmation``.

        ``confirmation`` is ``{"method": "code", "code": "six digits"}`` (the completion code sent to the
        customer at dispatch: a wrong one is kept, ``code_ok`` false, never refused), ``{"method":
        "signature", "signature_sha256"}`` (a PNG the technician uploaded first through
        ``PUT /api/sync/blobs/<sha256>``; 422 ``unknown_signature``, ``signature_not_png`` or
        ``signature_empty`` naming ``confirmation.signature_sha256`` otherwise) or ``{"method": "none",
        "reason"}``. Without it (an older app) the completion is kept with no confirmation, and the claim
        flagged. A code that is not six digits is a 422 naming ``confirmation.code``. ``position``: where the
        phone was (lat, lng, accuracy_m, fix_time, as at arrival; a bad value is a 422 naming ``position.lat``...).

        A paid job whose latest quote is approved and not fully paid is a 409 ``payment_missing``, and one whose
        quote waits for approval a 409 ``quote_not_approved``, unless ``unpaid_reason`` says why (kept on the
        job's record).
        """
        user = current_user()
        job = quotes.complete(
            job_for(user, job_id, lock=True),
            user,
            args["summary"],
            args["confirmed_by"],
            args["device_time"],
            fault_code=args["fault_code"],
            confirmation=args["confirmation"],
            position=args["position"],
            unpaid_reason=args["unpaid_reason"],
        )
        return shown_to(user, job)


@blp.route("/receipts/<receipt_number>")
@public
class Receipt(MethodView):
    @blp.doc(security=[])
    @blp.response(200, schemas.ReceiptSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="No such receipt: ``receipt_not_found``")
    def get(self, receipt_number):
        """A receipt as the customer checks it, without signing in: amount, method, when, the job's number masked
        to its last four characters, the provider. 404 ``receipt_not_found`` for any other number."""
        return quotes.receipt(receipt_number[:16])


@blp.route("/charges/remittances")
class Remittances(MethodView):
    @roles_required(*REMITTANCE_READERS)
    @blp.arguments(schemas.RemittanceListArgs, location="query")
    @blp.response(200, page_schema(schemas.RemittanceSchema, "RemittancePage"))
    def get(self, args):
        """Charges remitted to headquarters, newest first: a provider's manager their own provider's, auditors
        and admins every provider's (``provider_code``, ``month`` narrow it)."""
        return paginate(reconciliation.list_remittances(current_user(), args), args)

    @roles_required(roles.PROVIDER_MANAGER)
    @blp.arguments(schemas.RemittanceArgs)
    @blp.response(201, schemas.RemittanceSchema)
    def post(self, args):
        """The provider's manager records charges paid over to headquarters for ``month``: ``amount_cents`` and
        the transfer's ``reference``. The month's statement counts it against what the provider owes."""
        return reconciliation.record_remittance(current_user(), args)


@blp.route("/reports/charges")
class ChargeReport(MethodView):
    @roles_required(*REPORT_READERS)
    @blp.arguments(schemas.ChargeReportArgs, location="query")
    @blp.response(200, schemas.ChargeReportSchema)
    def get(self, args):
        """Paid repairs quoted in the range (``from``, ``to``: local days), by ``group`` (category, province,
        provider or technician): jobs, quoted, the guide's prices, discounts given (guide less quoted), paid and
        still owed, in cents, with totals. A provider's manager reads their own provider's."""
        return statistics.charges_report(current_user(), args)


@blp.route("/reports/charges.csv")
class ChargeReportCsv(MethodView):
    @roles_required(*REPORT_READERS)
    @blp.arguments(schemas.ChargeReportArgs, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, args):
        """The charge statistics as CSV: its rows, then the totals."""
        report = statistics.charges_report(current_user(), args)
        rows = [*report["rows"], {**report["totals"], "key": "total"}]
        filename = f"charges-{report['group']}-{report['from']}-{report['to']}.csv"
        return csv_response(filename, statistics.COLUMNS, ([row[name] for name in statistics.COLUMNS] for row in rows))
