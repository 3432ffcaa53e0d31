"""Input and output schemas of users and tokens."""

import marshmallow as ma

from server.core.roles import ROLES

USERNAME = ma.validate.Regexp(
    r"^[a-z0-9][a-z0-9_.-]{1,63}$", error="Use 2-64 lower-case letters, digits, '.', '-' or '_'."
)
PASSWORD = ma.validate.Length(min=8, max=256, error="A password has 8 to 256 characters.")


class Username(ma.fields.String):
    """Usernames are compared in lower case, whatever the client typed."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip().lower()


class TokenArgs(ma.Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=256))


class UserArgs(ma.Schema):
    username = Username(required=True, validate=USERNAME)
    password = ma.fields.String(load_only=True, validate=PASSWORD, allow_none=True, load_default=None)
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))
    provider_code = ma.fields.String(load_default=None, allow_none=True)
    region_code = ma.fields.String(load_default=None, allow_none=True)
    display_name = ma.fields.String(load_default="", validate=ma.validate.Length(max=128))
    active = ma.fields.Boolean(load_default=True)


class UserListArgs(ma.Schema):
    role = ma.fields.String(validate=ma.validate.OneOf(ROLES))
    provider_code = ma.fields.String()


class UserSchema(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    role = ma.fields.String()
    display_name = ma.fields.String()
    provider_code = ma.fields.Function(lambda user: user.provider.code if user.provider else None)
    provider_id = ma.fields.Integer(allow_none=True)
    region_code = ma.fields.Function(lambda user: user.region.code if user.region else None)
    active = ma.fields.Boolean()
    on_duty = ma.fields.Boolean()
    created_at = ma.fields.DateTime()


class TokenSchema(ma.Schema):
    access_token = ma.fields.String()
    token_type = ma.fields.String()
    expires_in = ma.fields.Integer(metadata={"description": "Seconds until the token expires"})
    user = ma.fields.Nested(UserSchema)
