"""API of a unit's view: the lookup by serial that agents, auditors and provider staff share."""

from flask.views import MethodView
from werkzeug.routing import PathConverter

from server.api import Blueprint
from server.core import roles
from server.core.access import current_user
from server.core.access import roles_required
from server.units import schemas
from server.units import services

blp = Blueprint("units", __name__, url_prefix="/api/install-base", description="A unit by its serial")


class SerialConverter(PathConverter):
    """A serial in a path: it may hold a '/' (every serial the import takes can be looked up), but it is
    never the import's own address, so ``/api/install-base/import`` answers for the import alone (its
    ``Allow`` header, a GET's 405). The serial IMPORT is looked up in capitals, as serials are stored."""

    regex = r"(?!import$)[^/].*?"


CONVERTERS = {"serial": (SerialConverter, {"type": "string", "minLength": 1})}


@blp.route("/<serial:serial>")
class Unit(MethodView):
    @roles_required(*roles.ROLES)
    @blp.response(200, schemas.UnitSchema)
    def get(self, serial):
        """A sold unit: its sale record, warranty status today, and its claims and jobs.

        Provider staff see their own provider's claims and jobs, and the
        customer's phone masked to its last four digits. A provincial
        dispatcher or parts clerk sees the claims and jobs of their province,
        and the phone masked when the unit was sold in another province.
        """
        return services.unit_view(current_user(), serial)
