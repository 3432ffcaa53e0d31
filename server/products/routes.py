"""Admin API of products and warranty policies."""

from server.api import Blueprint
from server.core import roles
from server.core.admin_routes import register_admin_routes
from server.products import schemas
from server.products import services

blp = Blueprint("products", __name__, url_prefix="/api/admin", description="Products and warranty policies")

# Everyone who handles a unit looks its model and its warranty up.
_READERS = roles.ROLES

register_admin_routes(blp, services.products, schemas.ProductSchema, read_roles=_READERS)
register_admin_routes(blp, services.policies, schemas.PolicySchema, read_roles=_READERS)
