"""A provider's team: its technicians and their load today, for whoever gives them jobs."""

from flask.views import MethodView

from server.core import roles
from server.core.access import current_user
from server.core.access import roles_required
from server.jobs import schemas
from server.jobs.routes.blueprint import blp
from server.jobs.services import team


@blp.route("/providers/<id:provider_id>/technicians")
class ProviderTechnicians(MethodView):
    @roles_required(roles.ADMIN, roles.PROVIDER_MANAGER)
    @blp.response(200, schemas.TeamSchema)
    def get(self, provider_id):
        """The provider's technicians with their load today (local day), least loaded first.

        Active technicians, and disabled ones still holding open jobs. Provider managers read their own
        provider's; another provider is 404 ``provider_not_found``, as one that does not exist.
        """
        return team.provider_team(current_user(), provider_id)
