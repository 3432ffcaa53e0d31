"""Sign-in, bearer tokens and how passwords are kept."""

import base64
import io
import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import text

from server.extensions import db
from tests.helpers import assert_error

PASSWORD = "correct horse battery"
TOKEN_SIGNING_KEY_OF_SOMEONE_ELSE = "another-secret-key-of-enough-length-for-hs256"


def sign_in(client, username, password=PASSWORD):
    return client.post("/api/auth/token", json={"username": username, "password": password})


# ---------------------------------------------------------------- sign-in


def test_sign_in_answers_a_bearer_token_and_the_user(app, client, make_user):
    user = make_user("dispatcher", username="dora", display_name="Dora")
    response = sign_in(client, "dora")
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"access_token", "token_type", "expires_in", "user"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == app.config["TOKEN_TTL_SECONDS"]
    assert body["user"]["id"] == user.id
    assert body["user"]["username"] == "dora"
    assert body["user"]["role"] == "dispatcher"
    assert body["user"]["display_name"] == "Dora"


def test_sign_in_answer_carries_no_password(client, make_user):
    make_user("agent", username="ann")
    response = sign_in(client, "ann")
    assert response.status_code == 200
    assert not {"password", "password_hash"} & set(response.json["user"])
    assert PASSWORD not in response.get_data(as_text=True)


def test_signed_in_token_expires_after_the_configured_lifetime(app, client, make_user):
    make_user("agent", username="ann")
    token = sign_in(client, "ann").json["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == app.config["TOKEN_TTL_SECONDS"]


def test_signed_in_token_opens_me(client, make_user):
    user = make_user("provider_manager", username="pm")
    token = sign_in(client, "pm").json["access_token"]
    response = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json["id"] == user.id
    assert response.json["username"] == "pm"
    assert response.json["role"] == "provider_manager"
    assert response.json["provider_code"] == user.provider.code


@pytest.mark.parametrize("typed", ["ANN", "Ann", "  ann  ", "aNn"])
def test_sign_in_username_is_case_insensitive(client, make_user, typed):
    make_user("agent", username="ann")
    response = sign_in(client, typed)
    assert response.status_code == 200
    assert response.json["user"]["username"] == "ann"


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("ann", "wrong horse battery"),  # known user, wrong password
        ("ann", PASSWORD.upper()),  # passwords are case-sensitive
        ("ann", PASSWORD + " "),  # and not trimmed
        ("nobody", PASSWORD),  # unknown user
        ("nobody", "wrong horse battery"),
    ],
)
def test_wrong_credentials_are_refused_alike(client, make_user, username, password):
    make_user("agent", username="ann")
    error = assert_error(sign_in(client, username, password), 401, "invalid_credentials")
    assert error["message"] == "Wrong username or password."
    assert error["details"] == {}


def test_disabled_user_with_the_right_password_is_told_the_account_is_disabled(client, make_user):
    make_user("agent", username="ann", active=False)
    error = assert_error(sign_in(client, "ann"), 401, "account_disabled")
    assert error["message"] != "Wrong username or password."


def test_disabled_user_with_a_wrong_password_learns_nothing_about_the_account(client, make_user):
    make_user("agent", username="ann", active=False)
    error = assert_error(sign_in(client, "ann", "wrong horse battery"), 401, "invalid_credentials")
    assert error["message"] == "Wrong username or password."


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"username", "password"}),
        ({"username": "ann"}, {"password"}),
        ({"password": PASSWORD}, {"username"}),
        ({"username": "", "password": PASSWORD}, {"username"}),
        ({"username": "ann", "password": ""}, {"password"}),
        ({"username": 7, "password": PASSWORD}, {"username"}),
        ({"username": "ann", "password": ["x"]}, {"password"}),
        ({"username": "ann", "password": PASSWORD, "remember": True}, {"remember"}),
        ({"username": "a" * 65, "password": PASSWORD}, {"username"}),
        ({"username": "ann\x00", "password": PASSWORD}, {"username"}),
    ],
)
def test_sign_in_with_malformed_input_is_422_naming_the_fields(client, make_user, body, fields):
    make_user("agent", username="ann")
    assert_error(client.post("/api/auth/token", json=body), 422, "validation_error", fields)


# ---------------------------------------------------------------- tokens


def test_request_without_authorization_header_is_token_missing(client):
    assert_error(client.get("/api/auth/me"), 401, "token_missing")


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Bearer ",
        "Basic YWRtaW46cGFzc3dvcmQ=",
        "Token {token}",
        "{token}",
        "JWT {token}",
    ],
)
def test_authorization_header_without_a_bearer_token_is_token_missing(client, make_user, token_for, header):
    token = token_for(make_user("agent"))
    response = client.get("/api/auth/me", headers={"Authorization": header.format(token=token)})
    assert_error(response, 401, "token_missing")


def test_bearer_scheme_is_case_insensitive(client, make_user, token_for):
    user = make_user("agent")
    response = client.get("/api/auth/me", headers={"Authorization": f"bearer {token_for(user)}"})
    assert response.status_code == 200
    assert response.json["id"] == user.id


def test_expired_token_is_refused(app, client, make_user, token_for):
    user = make_user("agent")
    issued = datetime.now(UTC) - timedelta(seconds=app.config["TOKEN_TTL_SECONDS"] + 60)
    response = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token_for(user, now=issued)}"})
    assert_error(response, 401, "token_expired")


def test_token_issued_a_while_ago_but_within_its_lifetime_works(app, client, make_user, token_for):
    user = make_user("agent")
    issued = datetime.now(UTC) - timedelta(seconds=app.config["TOKEN_TTL_SECONDS"] - 600)
    response = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token_for(user, now=issued)}"})
    assert response.status_code == 200


def _b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(token):
    return jwt.decode(token, options={"verify_signature": False})


def _with_payload(token, **changes):
    """The same header and signature around a changed payload."""
    header, _, signature = token.split(".")
    return ".".join((header, _b64(_claims(token) | changes), signature))


FORGERIES = {
    "signed with another key": lambda token, key, admin_id: jwt.encode(
        _claims(token), TOKEN_SIGNING_KEY_OF_SOMEONE_ELSE, algorithm="HS256"
    ),
    "payload made admin": lambda token, key, admin_id: _with_payload(token, role="admin"),
    "payload names another user": lambda token, key, admin_id: _with_payload(token, sub=str(admin_id)),
    "payload lives longer": lambda token, key, admin_id: _with_payload(token, exp=_claims(token)["exp"] + 86400),
    "signature stripped": lambda token, key, admin_id: token.rsplit(".", 1)[0] + ".",
    "alg none": lambda token, key, admin_id: f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(token))}.",
    "HS512 instead of HS256": lambda token, key, admin_id: jwt.encode(_claims(token), key + key, algorithm="HS512"),
    "not a jwt": lambda token, key, admin_id: "not-a-token",
    "three dots of nothing": lambda token, key, admin_id: "a.b.c",
    "sub not a number": lambda token, key, admin_id: jwt.encode(
        _claims(token) | {"sub": "admin"}, key, algorithm="HS256"
    ),
    "no ver claim": lambda token, key, admin_id: jwt.encode(
        {k: v for k, v in _claims(token).items() if k != "ver"}, key, algorithm="HS256"
    ),
    "no exp claim": lambda token, key, admin_id: jwt.encode(
        {k: v for k, v in _claims(token).items() if k != "exp"}, key, algorithm="HS256"
    ),
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_forged_or_tampered_token_is_invalid(app, client, make_user, token_for, forge):
    admin = make_user("admin")  # someone a forger would like to become
    user = make_user("agent")
    forged = forge(token_for(user), app.config["SECRET_KEY"], admin.id)
    response = client.get("/api/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert_error(response, 401, "token_invalid")


def test_token_of_a_user_that_no_longer_exists_is_revoked(app, client, make_user, token_for):
    user = make_user("agent")
    claims = _claims(token_for(user)) | {"sub": str(user.id + 1000)}
    token = jwt.encode(claims, app.config["SECRET_KEY"], algorithm="HS256")
    response = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert_error(response, 401, "token_revoked")


# ------------------------------------------------- withdrawing tokens by edits


def test_changing_the_password_withdraws_earlier_tokens(client, make_user, auth):
    user = make_user("agent", username="ann")
    old = auth(user)
    response = client.patch("/api/admin/users/ann", json={"password": "a brand new secret"}, headers=auth(make_user()))
    assert response.status_code == 200
    assert_error(client.get("/api/auth/me", headers=old), 401, "token_revoked")


def test_new_password_signs_in_and_the_old_one_no_longer_does(client, make_user, auth):
    make_user("agent", username="ann")
    response = client.patch("/api/admin/users/ann", json={"password": "a brand new secret"}, headers=auth(make_user()))
    assert response.status_code == 200
    assert_error(sign_in(client, "ann"), 401, "invalid_credentials")
    token = sign_in(client, "ann", "a brand new secret").json["access_token"]
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_deactivating_a_user_withdraws_their_tokens(client, make_user, auth):
    user = make_user("agent", username="ann")
    old = auth(user)
    response = client.patch("/api/admin/users/ann", json={"active": False}, headers=auth(make_user()))
    assert response.status_code == 200
    assert_error(client.get("/api/auth/me", headers=old), 401, "token_revoked")


def test_reactivating_a_user_does_not_bring_back_tokens_from_before(client, make_user, auth):
    user = make_user("agent", username="ann")
    old = auth(user)
    admin = auth(make_user())
    assert client.patch("/api/admin/users/ann", json={"active": False}, headers=admin).status_code == 200
    assert client.patch("/api/admin/users/ann", json={"active": True}, headers=admin).status_code == 200
    assert_error(client.get("/api/auth/me", headers=old), 401, "token_revoked")
    assert sign_in(client, "ann").status_code == 200


def test_a_token_is_withdrawn_even_when_the_database_is_edited_behind_the_api(client, make_user, auth):
    user = make_user("agent", username="ann")
    old = auth(user)
    db.session.execute(text("UPDATE users SET active = :no WHERE username = 'ann'"), {"no": False})
    db.session.commit()
    db.session.expire_all()  # the edit came from outside the app: nothing it had loaded is current
    assert_error(client.get("/api/auth/me", headers=old), 401, "token_revoked")


@pytest.mark.parametrize(
    "change",
    [
        {"display_name": "Ann Smith"},
        {"password": PASSWORD},  # the same password again
        {"active": True},  # already active
        {"role": "dispatcher"},
    ],
    ids=["display_name", "same password", "still active", "role"],
)
def test_edits_that_change_neither_password_nor_activity_keep_tokens(client, make_user, auth, change):
    user = make_user("agent", username="ann")
    own = auth(user)
    response = client.patch("/api/admin/users/ann", json=change, headers=auth(make_user()))
    assert response.status_code == 200
    assert client.get("/api/auth/me", headers=own).status_code == 200


def test_an_admin_changing_their_own_password_withdraws_their_own_token(client, make_user, auth):
    admin = make_user("admin", username="root")
    own = auth(admin)
    response = client.patch("/api/admin/users/root", json={"password": "a brand new secret"}, headers=own)
    assert response.status_code == 200
    assert_error(client.get("/api/auth/me", headers=own), 401, "token_revoked")


# ---------------------------------------------------------------- passwords


def _stored_hash(username):
    db.session.expire_all()
    return db.session.scalar(text("SELECT password_hash FROM users WHERE username = :u"), {"u": username})


def test_factory_user_password_is_stored_as_argon2id(app, make_user):
    make_user("agent", username="ann")
    stored = _stored_hash("ann")
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_password_hash_uses_the_configured_cost(app, make_user):
    make_user("agent", username="ann")
    memory, time = app.config["PASSWORD_MEMORY_KIB"], app.config["PASSWORD_TIME_COST"]
    assert _stored_hash("ann").startswith(f"$argon2id$v=19$m={memory},t={time},p=1$")


def test_user_created_through_the_api_has_an_argon2id_hash(client, as_role):
    body = {"username": "ann", "password": "plain text secret", "role": "agent"}
    assert client.post("/api/admin/users", json=body, headers=as_role("admin")).status_code == 201
    stored = _stored_hash("ann")
    assert stored.startswith("$argon2id$")
    assert "plain text secret" not in stored


def test_changed_password_is_stored_as_a_new_argon2id_hash(client, make_user, as_role):
    make_user("agent", username="ann")
    before = _stored_hash("ann")
    response = client.patch("/api/admin/users/ann", json={"password": "plain text secret"}, headers=as_role("admin"))
    assert response.status_code == 200
    after = _stored_hash("ann")
    assert after != before
    assert after.startswith("$argon2id$")
    assert "plain text secret" not in after


def test_user_imported_from_csv_has_an_argon2id_hash(client, as_role):
    csv = b"username,password,role,provider_code,region_code,display_name\nann,plain text secret,agent,,,Ann\n"
    response = client.post(
        "/api/admin/import/users",
        data={"file": (io.BytesIO(csv), "users.csv")},
        headers=as_role("admin"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.json
    assert response.json["inserted"] == 1
    stored = _stored_hash("ann")
    assert stored.startswith("$argon2id$")
    assert "plain text secret" not in stored


def test_the_same_password_hashes_differently_for_two_users(app, make_user):
    make_user("agent", username="ann")
    make_user("agent", username="bob")
    assert _stored_hash("ann") != _stored_hash("bob")
