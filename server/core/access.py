"""Who is calling, and what they may do: the checks every route states.

Every endpoint of an API blueprint requires a bearer token unless its view is
marked ``public``; secure is the default, so a forgotten decorator cannot open
an endpoint. Role checks sit on each method with ``roles_required``. Who the
token names is loaded by ``server.users.authentication`` before the view runs.
"""

import functools
from collections.abc import Callable
from typing import Any
from typing import ParamSpec
from typing import TypeVar

from flask import current_app
from flask import g
from flask import request

from server.errors import Forbidden
from server.errors import Unauthorized

# A view function, or a MethodView class (also called to make its view).
ViewT = TypeVar("ViewT", bound=Callable[..., Any])
P = ParamSpec("P")
R = TypeVar("R")


def public(view: ViewT) -> ViewT:
    """Mark a view function or MethodView class as open to callers without a token."""
    # A flag on the function or class itself, read back with getattr by needs_token.
    view.public = True  # type: ignore[attr-defined]
    return view


def needs_token() -> bool:
    """Whether this request reaches an API endpoint that is not public."""
    if request.blueprint not in current_app.config["API_BLUEPRINTS"]:
        return False
    endpoint = request.endpoint
    view = current_app.view_functions.get(endpoint) if endpoint is not None else None
    if view is None:
        return False  # no route: the 404/405 handler answers
    if getattr(view, "public", False):
        return False
    view_class = getattr(view, "view_class", None)
    return not (view_class and getattr(view_class, "public", False))


def current_user() -> Any:
    """The signed-in user of this request (never None inside a protected endpoint).

    A ``server.users.models.User``, which the core cannot name: users stand above it.
    """
    return g.user


def roles_required(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Allow the decorated view only to users holding one of ``roles``."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
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
