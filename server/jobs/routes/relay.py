"""The call relay's question: whom does a call keyed to a job's extension reach."""

import functools

from flask import request
from flask.views import MethodView

from server.core.access import public
from server.jobs import schemas
from server.jobs.routes.blueprint import blp
from server.jobs.services import relay


def relay_token_required(view):
    """Let in only the relay's adapter, by its ``Authorization: Bearer <CALL_RELAY_TOKEN>``: before the body is
    read, as a role is checked first elsewhere."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        relay.check_token(token.strip() if scheme.lower() == "bearer" else None)
        return view(*args, **kwargs)

    return wrapper


@blp.route("/call-relay")
@public
class CallRelay(MethodView):
    @blp.doc(security=[])
    @relay_token_required
    @blp.arguments(schemas.CallRelayArgs)
    @blp.response(200, schemas.CallRelaySchema)
    @blp.alt_response(
        401, response="UNAUTHORIZED", description="No relay is set up, or not its token: ``relay_unauthorized``"
    )
    @blp.alt_response(404, response="NOT_FOUND", description="No job has this extension: ``extension_unknown``")
    def post(self, args):
        """For the telephony provider's adapter (隐私号): the customer's phone a call keyed to ``extension`` is
        connected to, and the job's number; the call is kept on the job's record (``call_relayed``).

        Not for the app's users: the adapter sends ``Authorization: Bearer <CALL_RELAY_TOKEN>`` (401
        ``relay_unauthorized`` otherwise, and always while ``CALL_RELAY_NUMBER`` or ``CALL_RELAY_TOKEN`` is
        unset). An extension of no job, or with check digits that are not its job's, is a 404
        ``extension_unknown``; a job completed, cancelled or closed, or that no technician holds, a 409
        ``job_closed``. The adapter is trusted to ask only for calls it is carrying; a caller guessing
        extensions from job numbers reaches a customer 1 time in 10,000 (four check digits, keyed by SECRET_KEY).
        """
        return relay.put_through(args["extension"])
