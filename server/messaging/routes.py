"""API of the outbox for admins: the messages sent (or still to send) to customers' phones."""

from flask.views import MethodView

from server.api import Blueprint
from server.core import roles
from server.core.access import roles_required
from server.core.schemas import page_schema
from server.core.schemas import paginate
from server.messaging import gateway
from server.messaging import schemas

blp = Blueprint("messages", __name__, url_prefix="/api/admin/messages", description="Messages to customers")


@blp.route("")
class Messages(MethodView):
    @roles_required(roles.ADMIN)
    @blp.arguments(schemas.MessageListArgs, location="query")
    @blp.response(200, page_schema(schemas.MessageSchema, "MessagePage"))
    def get(self, args):
        """Messages to customers, newest first, filtered by kind, status (pending, sent, failed) and job number:
        the text sent, to which phone, through which backend, and each delivery's attempts and last error."""
        return gateway.with_job_numbers(paginate(gateway.list_messages(args), args))
