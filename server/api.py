"""flask-smorest with Sanbao's conventions: the error envelope, a strict
argument parser, the bearer security scheme, and ids in addresses (``<id:job_id>``)."""

import functools
import re
from http import HTTPStatus

import flask
import marshmallow as ma
import webargs.core
import werkzeug.routing
from apispec import BasePlugin
from flask import current_app
from flask import request
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser
from webargs.flaskparser import abort
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import UnprocessableEntity

from server.errors import describe_http_error
from server.errors import envelope

NUL_MESSAGE = "Text may not contain NUL characters."

# Every table's id is an Integer column: PostgreSQL's ``integer`` ends here, and a larger number in a query
# fails the query itself. No row has an id outside 1..MAX_ID, so no id outside it is asked about.
MAX_ID = 2**31 - 1
ID_MESSAGE = f"An id is a whole number from 1 to {MAX_ID}."


def _nul_paths(value, path=""):
    """Yield the dotted paths of strings inside ``value`` that hold a NUL character."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path or "_body"
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and "\x00" in key:
                yield f"{path}.{key!r}" if path else repr(key)
            yield from _nul_paths(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, f"{path}.{index}" if path else str(index))


class SanbaoParser(FlaskParser):
    """webargs' Flask parser, refusing what the database cannot hold or the decoder cannot read.

    - JSON nested too deep or with an integer too long to convert is malformed (400), not a crash;
    - a NUL character in any string (PostgreSQL cannot store one) is a 422 naming the field.
    """

    def _raw_load_json(self, req):
        try:
            data = super()._raw_load_json(req)
        except (RecursionError, ValueError) as exc:
            if isinstance(exc, webargs.core.json.JSONDecodeError):
                raise
            self._handle_invalid_json_error(exc, req)
        self._refuse_nul("json", data)
        return data

    def load_querystring(self, req, schema):
        self._refuse_nul("query", {key: req.args.getlist(key) for key in req.args})
        return super().load_querystring(req, schema)

    def load_form(self, req, schema):
        self._refuse_nul("form", {key: req.form.getlist(key) for key in req.form})
        return super().load_form(req, schema)

    def load_multipart(self, req, schema):
        """A multipart form's fields and files as one set of arguments (documented as one request body)."""
        self._refuse_nul("form", {key: req.form.getlist(key) for key in req.form})
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    @staticmethod
    def _refuse_nul(location, data):
        if data is webargs.core.missing:
            return
        fields = {path.split(".")[0]: [NUL_MESSAGE] for path in _nul_paths(data)}
        if fields:
            abort(422, messages={location: fields})


def body_limit(setting):
    """Set this request's body limit to the config value ``setting`` before the body is read."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            request.max_content_length = current_app.config[setting]
            return view(*args, **kwargs)

        return wrapper

    return decorator


# Import files run to a gigabyte.
large_upload = body_limit("IMPORT_MAX_BYTES")


class Request(flask.Request):
    """Flask's request, whose JSON body fails the way webargs' does: 400 ``malformed_json``, never a crash.

    The decoder raises RecursionError, not ValueError, on nesting deeper than it recurses (a body of
    100,000 ``[``), which Flask would let through as a 500. Views that read the body themselves (the sync
    push) go through here; the others through SanbaoParser.
    """

    def get_json(self, force=False, silent=False, cache=True):
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            return self.on_json_loading_failed(ValueError("nested too deeply"))

    def on_json_loading_failed(self, e):
        if e is None:
            return super().on_json_loading_failed(e)  # not JSON at all: werkzeug's 415
        abort(400, messages={"json": ["Invalid JSON body."]})


class InvalidId(UnprocessableEntity):
    """An id in the address outside 1..MAX_ID: a 422 naming the argument, like a bad id in a query or body."""

    def __init__(self, argument):
        super().__init__()
        self.data = {"messages": {"path": {argument: [ID_MESSAGE]}}}


class IdConverter(werkzeug.routing.BaseConverter):
    """``<id:job_id>``: a row's id in an address, from 1 to MAX_ID.

    Digits are this route's (as werkzeug's ``int``); a number past the column is refused while the address
    is matched, before any view or query runs. ``argument`` is set by ``Rule`` to the name it is matched for.
    """

    regex = r"\d+"
    weight = 50
    argument = "id"

    def to_python(self, value):
        # The length first: int() of thousands of digits is refused by Python itself, and slow before that.
        if len(value) > len(str(MAX_ID)) or not 1 <= int(value) <= MAX_ID:
            raise InvalidId(self.argument)
        return int(value)

    def to_url(self, value):
        return str(int(value))


def id_parameter_schema(converter):
    """The OpenAPI schema of an ``<id:...>`` path parameter."""
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


class Rule(werkzeug.routing.Rule):
    """A URL rule whose id converters know the name of the argument they read, so their 422 names it."""

    def get_converter(self, variable_name, converter_name, args, kwargs):
        converter = super().get_converter(variable_name, converter_name, args, kwargs)
        if isinstance(converter, IdConverter):
            converter.argument = variable_name
        return converter


class Blueprint(SmorestBlueprint):
    """The smorest Blueprint every Sanbao API module uses.

    ``location="multipart"`` reads a form's fields and files together, so an upload with fields beside
    its file is one schema and one ``multipart/form-data`` request body in the OpenAPI document.
    """

    ARGUMENTS_PARSER = SanbaoParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **SmorestBlueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "multipart": "multipart/form-data",
    }


# The error statuses an operation can answer, by what it is (see ErrorResponses).
WRITES = {"post", "put", "patch", "delete"}
ID_NAME = re.compile(r"(^|_)ids?$")


class ErrorResponses(BasePlugin):
    """Documents on every operation the errors it can answer, instead of one catch-all ``default``.

    By what the operation is: signed in → 401 (no or bad token) and 403 (not this role); an id in the path,
    the query or the body → 404 (nothing by that id that the caller may see); any input → 422; a request
    body → 400 (not JSON) and 413 (too large); a write → 409 (the state or version moved on). An operation
    that can answer anything else says so with ``alt_response``. A status outside this list is a fault the
    API fuzzer (tests/test_api_fuzz.py) reports.
    """

    def init_spec(self, spec):
        super().init_spec(spec)
        self.spec = spec

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            documented = {str(status) for status in responses}
            for status in self.errors_of(method, path or "", operation):
                if str(status) not in documented:
                    responses[status] = HTTPStatus(status).name

    def errors_of(self, method, path, operation):
        statuses = set()
        if operation.get("security") != []:
            statuses |= {401, 403}
        parameters = [p for p in operation.get("parameters", []) if isinstance(p, dict)]
        body = operation.get("requestBody")
        names = {p.get("name", "") for p in parameters} | self._body_fields(body)
        if "{" in path or any(ID_NAME.search(name) for name in names):
            statuses.add(404)
        if parameters or body or "{" in path:
            statuses.add(422)
        if body:
            statuses |= {400, 413}
        if method in WRITES:
            statuses.add(409)
        return sorted(statuses)

    def _body_fields(self, body):
        """The top-level field names of a request body's schemas (marshmallow's, already made references)."""
        names = set()
        for media in (body or {}).get("content", {}).values():
            schema = media.get("schema") or {}
            ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
            if ref:
                schema = self.spec.components.schemas.get(ref.rsplit("/", 1)[-1], {})
            names |= set(schema.get("properties", {})) if isinstance(schema, dict) else set()
        return names


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "Machine-readable error code"})
    message = ma.fields.String(metadata={"description": "What went wrong, in a sentence"})
    details = ma.fields.Dict(metadata={"description": "Per-field errors and other specifics"})


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema)


class SanbaoApi(Api):
    """flask-smorest Api whose HTTP errors use Sanbao's single error envelope."""

    ERROR_SCHEMA = ErrorSchema
    # Each operation lists its own errors (ErrorResponses), so an undocumented status is a fault.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def __init__(self, app=None, **kwargs):
        super().__init__(app, **kwargs)
        # Once, here: init_app runs for every app built, and would add it again each time.
        self.register_converter(IdConverter, id_parameter_schema)

    def init_app(self, app, *, spec_kwargs=None):
        """Also ``<id:...>`` in addresses (before any blueprint is registered, so their rules can use it), the
        request whose JSON errors are the envelope's, and the errors each operation documents."""
        app.url_map.converters["id"] = IdConverter
        app.url_rule_class = Rule
        app.request_class = Request
        spec_kwargs = dict(spec_kwargs or {})
        spec_kwargs.setdefault("extra_plugins", [ErrorResponses()])
        super().init_app(app, spec_kwargs=spec_kwargs)

    def handle_http_exception(self, error):
        status, code, message, details = describe_http_error(error)
        response = envelope(status, code, message, details)
        data = getattr(error, "data", None) or {}
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        if status == 405 and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response
