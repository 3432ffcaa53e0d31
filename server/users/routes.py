"""Sign-in and the admin API of users."""

from flask.views import MethodView

from server.api import Blueprint
from server.api import ErrorSchema
from server.core.access import current_user
from server.core.access import public
from server.core.admin_routes import register_admin_routes
from server.users import schemas
from server.users import services
from server.users.throttling import client_address

blp = Blueprint("accounts", __name__, url_prefix="/api", description="Sign-in and users")


@blp.route("/auth/token")
@public
class Token(MethodView):
    @blp.doc(security=[])
    @blp.arguments(schemas.TokenArgs)
    @blp.response(200, schemas.TokenSchema)
    @blp.alt_response(401, response="UNAUTHORIZED", description="Wrong username or password")
    @blp.alt_response(
        429,
        schema=ErrorSchema,
        description="Too many failed sign-ins: ``too_many_attempts``; ``details.retry_after`` in seconds",
        headers={"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer", "minimum": 1}}},
    )
    def post(self, args):
        """Exchange a username and password for a bearer access token.

        Send the token as ``Authorization: Bearer <token>`` on every other call.
        Wrong credentials get 401 ``invalid_credentials`` whichever half was wrong.

        Failed sign-ins slow down the next ones, answered 429 ``too_many_attempts`` with ``Retry-After``
        (seconds): from one address, once ``SIGN_IN_RATE_LIMIT`` failures of any usernames are reached
        (10 a minute, 100 an hour by default); for one username from one address, after five failures,
        waiting 1 s, doubling up to 15 minutes (by default). A success forgets that username's failures
        from that address; other addresses are never held up.
        """
        token, expires_in, user = services.sign_in(args["username"], args["password"], client_address())
        return {"access_token": token, "token_type": "Bearer", "expires_in": expires_in, "user": user}


@blp.route("/auth/me")
class Me(MethodView):
    @blp.response(200, schemas.UserSchema)
    def get(self):
        """The signed-in user: role, provider and region."""
        return current_user()


register_admin_routes(blp, services.users, schemas.UserSchema, path_prefix="/admin")
