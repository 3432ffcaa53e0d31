"""A provider's parts account, stock room and count discrepancies."""

from flask.views import MethodView

from server.core import roles
from server.core.access import current_user
from server.core.access import roles_required
from server.core.schemas import PageArgs
from server.core.schemas import page_schema
from server.core.schemas import paginate
from server.network import ledger
from server.parts.schemas import StockSchema
from server.supply import schemas
from server.supply.routes.blueprint import ACCOUNT_READERS
from server.supply.routes.blueprint import blp
from server.supply.services import usage


@blp.route("/providers/<id:provider_id>/account")
class ProviderAccount(MethodView):
    @roles_required(*ACCOUNT_READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, schemas.AccountSchema)
    def get(self, args, provider_id):
        """Deposit, credit limit, credit used and the ledger of debits and credits, newest first.

        Provider managers read their own provider's, a parts clerk those of their province's providers;
        another provider is 404 ``provider_not_found``, as one that does not exist.
        """
        return ledger.account_view(current_user(), provider_id, args)


@blp.route("/providers/<id:provider_id>/account/deposits")
class ProviderDeposits(MethodView):
    @roles_required(roles.ADMIN)
    @blp.arguments(schemas.DepositArgs)
    @blp.response(201, schemas.AccountSchema)
    def post(self, args, provider_id):
        """Record a deposit payment: it repays credit in use first, the rest adds to the deposit."""
        return ledger.pay_in(current_user(), provider_id, args["amount"], args["reference"])


@blp.route("/providers/<id:provider_id>/stock")
class ProviderStock(MethodView):
    @roles_required(roles.ADMIN, roles.PROVIDER_MANAGER, roles.TECHNICIAN, roles.PARTS_CLERK)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(StockSchema, "ProviderStockPage"))
    def get(self, args, provider_id):
        """The provider's own stock room: on hand by part (negative where usage outran the count).

        Provider staff read their own provider's, a parts clerk those of their province's providers.
        """
        return paginate(usage.provider_stock(current_user(), provider_id), args)


@blp.route("/providers/<id:provider_id>/discrepancies")
class ProviderDiscrepancies(MethodView):
    @roles_required(roles.ADMIN, roles.PROVIDER_MANAGER)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(schemas.PartUsageSchema, "DiscrepancyPage"))
    def get(self, args, provider_id):
        """Usages recorded beyond what the stock showed, newest first: counts to check."""
        return paginate(usage.discrepancies(ledger.provider_for(current_user(), provider_id)), args)
