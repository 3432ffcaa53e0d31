"""API of opt-outs (退订): the phones care campaigns leave alone, and the SMS provider's replies that add to them."""

import functools

from flask import request
from flask.views import MethodView

from server.api import Blueprint
from server.core import roles
from server.core.access import current_user
from server.core.access import public
from server.core.access import roles_required
from server.core.schemas import page_schema
from server.core.schemas import paginate
from server.messaging import optouts
from server.messaging import schemas

blp = Blueprint("opt_outs", __name__, url_prefix="/api", description="Opt-outs from care messages")

# Who records that a customer asked, on the phone, for no more messages.
RECORDERS = (roles.AGENT, roles.SUPERVISOR, roles.ADMIN)
KEEPERS = (roles.SUPERVISOR, roles.ADMIN)


@blp.route("/opt-outs")
class OptOuts(MethodView):
    @roles_required(*KEEPERS)
    @blp.arguments(schemas.OptOutListArgs, location="query")
    @blp.response(200, page_schema(schemas.OptOutSchema, "OptOutPage"))
    def get(self, args):
        """The opted-out phones, newest first, with where each opt-out came from (reply, agent, admin)."""
        return paginate(optouts.list_opt_outs(args), args)

    @roles_required(*RECORDERS)
    @blp.arguments(schemas.OptOutArgs)
    @blp.response(200, schemas.OptOutSchema)
    def post(self, args):
        """A customer asked on the phone for no more care messages: their phone is opted out (source ``agent``,
        or ``admin`` for an admin). Opting out a phone already out keeps its first record."""
        source = "admin" if current_user().role == roles.ADMIN else "agent"
        return optouts.opt_out(args["phone"], source)[0]


@blp.route("/opt-outs/<string:phone>")
class OptOutItem(MethodView):
    @roles_required(*KEEPERS)
    @blp.response(204)
    def delete(self, phone):
        """The customer opts back in: campaigns planned from now on may reach them again
        (404 ``opt_out_not_found`` when the phone is not opted out)."""
        optouts.opt_back_in(phone)


def inbound_token_required(view):
    """Let in only the SMS provider's adapter, by its ``X-Message-Token``: before the body is read."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        optouts.check_inbound_token(request.headers.get("X-Message-Token"))
        return view(*args, **kwargs)

    return wrapper


@blp.route("/messages/inbound")
@public
class InboundMessage(MethodView):
    @blp.doc(security=[])
    @inbound_token_required
    @blp.arguments(schemas.InboundMessageArgs)
    @blp.response(200, schemas.InboundResultSchema)
    @blp.alt_response(401, response="UNAUTHORIZED", description="No token set up, or not its token")
    def post(self, args):
        """For the SMS provider's adapter: a customer's reply to a message. ``TD``, ``T``, ``N`` or ``退订`` opts
        the phone out of care campaigns (source ``reply``); any other text is acknowledged and dropped.

        Not for the app's users: the adapter sends ``X-Message-Token: <MESSAGE_INBOUND_TOKEN>`` (401
        ``inbound_unauthorized`` otherwise, and always while the setting is unset)."""
        return optouts.receive_reply(args["sender"], args["text"])
