"""The flask-smorest Api with Sanbao's error envelope and bearer security scheme."""

import marshmallow as ma
from flask_smorest import Api

from server.errors import describe_http_error
from server.errors import envelope


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "Machine-readable error code"})
    message = ma.fields.String(metadata={"description": "What went wrong, in a sentence"})
    details = ma.fields.Dict(metadata={"description": "Per-field errors and other specifics"})


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema)


class SanbaoApi(Api):
    """flask-smorest Api whose HTTP errors use Sanbao's single error envelope."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        status, code, message, details = describe_http_error(error)
        response = envelope(status, code, message, details)
        data = getattr(error, "data", None) or {}
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        if status == 405 and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response
