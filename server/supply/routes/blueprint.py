"""The supply blueprint and the role groups its routes name."""

from server.api import Blueprint
from server.core import roles

blp = Blueprint("supply", __name__, url_prefix="/api", description="Parts on jobs, requisitions and parts supply")

JOB_READERS = (roles.ADMIN, roles.AGENT, roles.DISPATCHER, roles.TECHNICIAN, roles.PROVIDER_MANAGER, roles.AUDITOR)
READERS = (roles.ADMIN, roles.PARTS_CLERK, roles.HQ_PLANNER, roles.PROVIDER_MANAGER, roles.TECHNICIAN)
CLERKS = (roles.ADMIN, roles.PARTS_CLERK)
RECEIVERS = (roles.ADMIN, roles.PROVIDER_MANAGER, roles.TECHNICIAN)
PLANNERS = (roles.ADMIN, roles.HQ_PLANNER)
ACCOUNT_READERS = (roles.ADMIN, roles.PROVIDER_MANAGER, roles.PARTS_CLERK, roles.HQ_PLANNER, roles.AUDITOR)
CYCLE_READERS = (roles.ADMIN, roles.HQ_PLANNER, roles.PARTS_CLERK, roles.DISPATCHER, roles.AUDITOR)
