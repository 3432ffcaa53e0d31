"""Customers, service requests and the jobs they open."""

from flask.views import MethodView

from server.core.access import current_user
from server.core.access import roles_required
from server.jobs import schemas
from server.jobs.routes.blueprint import CALL_CENTRE
from server.jobs.routes.blueprint import blp
from server.jobs.routes.blueprint import shown
from server.jobs.services import requests


@blp.route("/customers")
class Customers(MethodView):
    @roles_required(*CALL_CENTRE)
    @blp.arguments(schemas.CustomerLookupArgs, location="query")
    @blp.response(200, schemas.CustomerViewSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="No customer, unit or request matches")
    def get(self, args):
        """Find a customer by phone or by a unit's serial: their units, warranty today and past requests."""
        return requests.find_customer(current_user(), phone=args.get("phone"), serial=args.get("serial"))


@blp.route("/requests")
class Requests(MethodView):
    @roles_required(*CALL_CENTRE)
    @blp.arguments(schemas.RequestArgs)
    @blp.response(201, schemas.JobSchema)
    def post(self, values):
        """Record a service request; answer with the job created for it, SLA deadlines set.

        A unit with an open request gets no second one: 409
        ``open_request_exists`` names the open request and its job.
        """
        return shown(requests.create_request(current_user(), values))


@blp.route("/requests/<id:request_id>")
class RequestItem(MethodView):
    @roles_required(*CALL_CENTRE)
    @blp.response(200, schemas.RequestWithJobSchema)
    def get(self, request_id):
        """One request and its job."""
        return requests.get_request(current_user(), request_id)
