"""Liveness and database check for load balancers and monitors."""

import logging

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from server.api import Blueprint
from server.core.access import public
from server.errors import Unavailable
from server.extensions import db

log = logging.getLogger(__name__)


class HealthSchema(ma.Schema):
    status = ma.fields.String(metadata={"description": "ok"})


blp = Blueprint("health", __name__, url_prefix="/api/health", description="Service health")


@blp.route("")
@public
class Health(MethodView):
    @blp.doc(security=[])
    @blp.alt_response(200, schema=HealthSchema, description="The app and its database respond", success=True)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE", description="The database does not answer")
    def get(self):
        """Answer ``{"status": "ok"}`` when the app and its database respond.

        A database that does not answer gives 503 with the error envelope.
        """
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            log.warning("health check: database unavailable: %s", exc)
            raise Unavailable("The database does not answer.", code="database_unavailable") from None
        return {"status": "ok"}
