"""Admin API of the parts catalogue, warehouses and stock."""

from flask.views import MethodView

from server.api import Blueprint
from server.core import roles
from server.core.access import current_user
from server.core.access import roles_required
from server.core.admin_routes import register_admin_routes
from server.core.schemas import PageArgs
from server.core.schemas import page_schema
from server.core.schemas import paginate
from server.parts import schemas
from server.parts import services

blp = Blueprint("parts", __name__, url_prefix="/api/admin", description="Parts, warehouses and stock")

_STOCK_READERS = (roles.ADMIN, roles.PARTS_CLERK, roles.HQ_PLANNER)

register_admin_routes(blp, services.parts, schemas.PartSchema, read_roles=roles.ROLES)


class StockListArgs(schemas.StockListArgs, PageArgs):
    pass


@blp.route("/warehouses")
class Warehouses(MethodView):
    @roles_required(*_STOCK_READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(schemas.WarehouseSchema, "WarehousePage"))
    def get(self, args):
        """List warehouses: headquarters, each province's RDC and providers' stock rooms.

        A parts clerk sees the stock rooms of their province's providers only.
        """
        return paginate(services.visible_warehouses(current_user()), args)


@blp.route("/stock")
class Stock(MethodView):
    @roles_required(*_STOCK_READERS)
    @blp.arguments(StockListArgs, location="query")
    @blp.response(200, page_schema(schemas.StockSchema, "StockPage"))
    def get(self, args):
        """Stock levels (on hand, reserved, available), by warehouse and part.

        A parts clerk sees the stock rooms of their province's providers only.
        """
        return paginate(services.visible_stock(current_user(), args), args)


@blp.route("/stock/<warehouse>/<part_no>")
class StockItem(MethodView):
    @roles_required(*_STOCK_READERS)
    @blp.response(200, schemas.StockSchema)
    def get(self, warehouse, part_no):
        """One part's stock in one warehouse."""
        return services.find_stock(warehouse, part_no, current_user())

    @roles_required(roles.ADMIN)
    @blp.arguments(schemas.StockChangeArgs)
    @blp.response(200, schemas.StockSchema)
    def patch(self, args, warehouse, part_no):
        """Correct the on-hand quantity after a count; the ledger records the adjustment and its reason."""
        level = services.find_stock(warehouse, part_no)
        services.set_on_hand(level.warehouse, level.part, args["qty"], f"count: {args['reason']}", current_user())
        return level
