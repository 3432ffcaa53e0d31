"""Who is calling, and what they may do: the checks every route states.

Every endpoint of an API blueprint requires a bearer token unless its view is
marked ``public``; secure is the default, so a forgotten decorator cannot open
an endpoint. Role checks sit on each method with ``roles_required``. Who the
token names is loaded by ``server.users.authentication`` before the view runs.
"""

import functools

from flask import current_app
from flask import g
from flask import request

from server.errors import Forbidden
from server.errors import Unauthorized


def public(view):
    """Mark a view function or MethodView class as open to callers without a token."""
    view.public = True
    return view


def needs_token():
    """Whether this request reaches an API endpoint that is not public."""
    if request.blueprint not in current_app.config["API_BLUEPRINTS"]:
        return False
    view = current_app.view_functions.get(request.endpoint)
    if view is None:
        return False  # no route: the 404/405 handler answers
    if getattr(view, "public", False):
        return False
    view_class = getattr(view, "view_class", None)
    return not (view_class and getattr(view_class, "public", False))


def current_user():
    """The signed-in user of this request (never None inside a protected endpoint)."""
    return g.user


def roles_required(*roles):
    """Allow the decorated view only to users holding one of ``roles``."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user = g.get("user")
            if user is None:
                raise Unauthorized("Sign in first.", code="token_missing")
            if user.role not in roles:
                raise Forbidden(
                    f"A {user.role} may not do this.",
                    code="role_forbidden",
                    details={"allowed_roles": list(roles)},
                )
            return view(*args, **kwargs)

        return wrapper

    return decorator
