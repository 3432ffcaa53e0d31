"""Admin API of regions and providers."""

from server.api import Blueprint
from server.core import roles
from server.core.admin_routes import register_admin_routes
from server.network import schemas
from server.network import services

blp = Blueprint("network", __name__, url_prefix="/api/admin", description="Regions and service providers")

# Regions and providers are looked up by everyone who dispatches or routes work.
# Supervisors pick the provinces a care campaign goes to.
_READERS = (
    roles.ADMIN,
    roles.AGENT,
    roles.DISPATCHER,
    roles.PARTS_CLERK,
    roles.HQ_PLANNER,
    roles.AUDITOR,
    roles.SUPERVISOR,
)

register_admin_routes(blp, services.regions, schemas.RegionSchema, read_roles=_READERS)
register_admin_routes(blp, services.providers, schemas.ProviderSchema, read_roles=_READERS)
