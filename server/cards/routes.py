"""API of service cards (服务卡): extended warranties and service contracts."""

from flask.views import MethodView

from server.api import Blueprint
from server.cards import schemas
from server.cards import services
from server.core import roles
from server.core.access import current_user
from server.core.access import roles_required
from server.core.clock import local_today

blp = Blueprint("cards", __name__, url_prefix="/api", description="Service cards: extended warranties and contracts")

# Who reads cards: the call centre and dispatch, the auditors, admins, and the providers' managers (phones masked).
READERS = (roles.AGENT, roles.DISPATCHER, roles.AUDITOR, roles.ADMIN, roles.PROVIDER_MANAGER)


@blp.route("/cards")
class Cards(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.CardSearchArgs, location="query")
    @blp.response(200, schemas.CardListSchema)
    def get(self, args):
        """The cards a phone may use, the cards of a unit, or the card of a number (at least one of them;
        every one given must hold), latest ending first, each with ``valid_today``."""
        return {"items": services.search_cards(current_user().role, args)}

    @roles_required(roles.ADMIN)
    @blp.arguments(schemas.CardArgs)
    @blp.response(201, schemas.CardSchema)
    def post(self, values):
        """Record a card. 422 naming the field: it ends before it starts, it has no unit or no user, a parts
        card lists no known part (or a whole-unit card lists some), a unit is on another card whose period
        overlaps (``details.card_number`` names it); 409 ``card_exists`` when the number is taken."""
        card = services.create_card(values)
        return services.card_view(card, current_user().role, local_today())


@blp.route("/cards/<number>")
class CardItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, schemas.CardSchema)
    def get(self, number):
        """One card by its number."""
        return services.card_view(services.get_card(number), current_user().role, local_today())

    @roles_required(roles.ADMIN)
    @blp.arguments(schemas.CardBodyArgs)
    @blp.response(200, schemas.CardSchema)
    def put(self, values, number):
        """Replace a card's type, coverage, period, units, users and parts, under the rules of a new card."""
        card = services.update_card(services.get_card(number), values)
        return services.card_view(card, current_user().role, local_today())

    @roles_required(roles.ADMIN)
    @blp.response(204)
    def delete(self, number):
        """Remove a card; the jobs and claims that cited it keep its number."""
        services.delete_card(services.get_card(number))
