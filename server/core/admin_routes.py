"""Admin list, read, create and edit endpoints of a reference kind.

Each kind (regions, providers, products, …) gets the same four operations under
``/api/admin/<kind>``; the rules live in the kind (server.core.reference), so these
views only parse, call and answer.
"""

from flask.views import MethodView
from sqlalchemy import select

from server.core.access import current_user
from server.core.access import roles_required
from server.core.roles import ADMIN
from server.core.schemas import PageArgs
from server.core.schemas import each_shown
from server.core.schemas import page_schema
from server.core.schemas import paginate
from server.errors import NotFound


def _list_args_schema(kind):
    fields = dict(PageArgs._declared_fields)
    if kind.list_args is not None:
        fields.update(kind.list_args._declared_fields)
    return PageArgs.from_dict(fields, name=f"{kind.model.__name__}ListArgs")


def get_or_404(kind, key_value, reader=None):
    """The row of ``kind`` keyed ``key_value``; 404 also when ``reader`` may not see it (the same answer)."""
    obj = kind.find(key_value)
    if obj is None or (reader is not None and not kind.may_see(reader, obj)):
        raise NotFound(f"There is no {kind.label} {key_value}.")
    return obj


def register_admin_routes(blp, kind, out_schema, read_roles=(ADMIN,), path_prefix=""):
    """Add ``/api/admin/<kind>`` (GET list, POST) and ``/<key>`` (GET, PATCH) to ``blp``.

    The role check wraps the argument parsing: a caller without the role learns
    nothing from validation messages.

    Admins write; ``read_roles`` may also read (some lists are everyday lookups).
    """
    page = page_schema(out_schema, f"{kind.model.__name__}Page")
    list_args = _list_args_schema(kind)
    # A class of its own, so the OpenAPI document names the edit schema apart from the create schema.
    patch_class = type(f"{kind.args_schema.__name__.removesuffix('Args')}PatchArgs", (kind.args_schema,), {})
    patch_args = patch_class(partial=True, exclude=(kind.key,))
    order = kind.order_by if kind.order_by is not None else getattr(kind.model, kind.key)

    class Collection(MethodView):
        @roles_required(*read_roles)
        @blp.arguments(list_args, location="query")
        @blp.response(200, page)
        def get(self, args):
            reader = current_user()
            statement = kind.filter(kind.visible(select(kind.model), reader), args).order_by(order)
            return each_shown(paginate(statement, args), lambda obj: kind.shown(reader, obj))

        @roles_required(ADMIN)
        @blp.arguments(kind.args_schema)
        @blp.response(201, out_schema)
        def post(self, values):
            return kind.create(values)

    class Item(MethodView):
        @roles_required(*read_roles)
        @blp.response(200, out_schema)
        def get(self, key):
            reader = current_user()
            return kind.shown(reader, get_or_404(kind, key, reader))

        @roles_required(ADMIN)
        @blp.arguments(patch_args)
        @blp.response(200, out_schema)
        def patch(self, values, key):
            obj = get_or_404(kind, key)
            kind.update(obj, values)
            return obj

    Collection.get.__doc__ = f"List {kind.name}, a page at a time."
    Collection.post.__doc__ = f"Create a {kind.label}; 409 when its {kind.key} exists."
    Item.get.__doc__ = f"One {kind.label} by its {kind.key}."
    Item.patch.__doc__ = f"Change some fields of a {kind.label}; its {kind.key} stays."
    blp.route(f"{path_prefix}/{kind.name}", endpoint=f"{kind.name}_collection")(Collection)
    blp.route(f"{path_prefix}/{kind.name}/<key>", endpoint=f"{kind.name}_item")(Item)
