"""API of in-app notifications: the caller's list, its unread badge, marking read."""

from flask.views import MethodView

from server.api import Blueprint
from server.core import roles
from server.core.access import current_user
from server.core.access import roles_required
from server.core.schemas import paginate
from server.notifications import schemas
from server.notifications import services

blp = Blueprint("notifications", __name__, url_prefix="/api/notifications", description="In-app notifications")


@blp.route("")
class Notifications(MethodView):
    @roles_required(*roles.ROLES)
    @blp.arguments(schemas.NotificationListArgs, location="query")
    @blp.response(200, schemas.NotificationPageSchema)
    def get(self, args):
        """The caller's notifications, newest first, with the number unread (the badge)."""
        user = current_user()
        page = services.with_job_numbers(
            paginate(services.notifications_of(user, unread_only=args.get("unread", False)), args)
        )
        return {**page, "unread": services.unread_count(user)}


@blp.route("/<id:notification_id>/read")
class NotificationRead(MethodView):
    @roles_required(*roles.ROLES)
    @blp.response(200, schemas.NotificationSchema)
    def post(self, notification_id):
        """Mark one of the caller's notifications read."""
        return services.mark_read(current_user(), notification_id)


@blp.route("/read-all")
class NotificationsReadAll(MethodView):
    @roles_required(*roles.ROLES)
    @blp.response(200, schemas.ReadAllSchema)
    def post(self):
        """Mark all of the caller's notifications read."""
        return {"marked": services.mark_all_read(current_user())}
