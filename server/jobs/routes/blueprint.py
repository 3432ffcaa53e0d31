"""The jobs blueprint, the role groups its routes name, and the two helpers every step route uses."""

from server.api import Blueprint
from server.core import roles
from server.core.access import current_user
from server.core.schemas import each_shown
from server.jobs.services import lifecycle
from server.jobs.services import queries

blp = Blueprint("jobs", __name__, url_prefix="/api", description="Customers, service requests, jobs and dispatch")

CALL_CENTRE = (roles.ADMIN, roles.AGENT, roles.DISPATCHER)
JOB_READERS = (roles.ADMIN, roles.AGENT, roles.DISPATCHER, roles.TECHNICIAN, roles.PROVIDER_MANAGER, roles.AUDITOR)
DISPATCHERS = (roles.ADMIN, roles.DISPATCHER)


def locked_job(job_id):
    """The caller's job, locked for the change about to be made."""
    return queries.job_for(current_user(), job_id, lock=True)


def shown(job):
    """The job as the caller sees it: with the steps they may take on it now."""
    return lifecycle.shown_to(current_user(), job)


def shown_page(page):
    """A page of jobs, each as the caller sees it."""
    return each_shown(page, shown)
