"""Importing users: roles with their provider or province, and passwords that re-import unchanged."""

import pytest

from server.extensions import db
from server.users.services import users
from tests.helpers import counts
from tests.helpers import sentences
from tests.imports.helpers import HEADERS
from tests.imports.helpers import PASSWORD
from tests.imports.helpers import csv_bytes


def stored(username):
    db.session.expire_all()
    return users.find(username)


def sign_in(client, username, password):
    return client.post("/api/auth/token", json={"username": username, "password": password})


def test_users_are_stored_with_their_provider_or_province(make_provider, import_file):
    make_provider("P01")
    content = csv_bytes(
        "users",
        f"Ann.Lee,{PASSWORD},agent,,,安妮",
        f"tom,{PASSWORD},technician,P01,,Tom",
        f"cat,{PASSWORD},parts_clerk,,370000,Cat",
    )
    assert import_file("users", content) == counts(inserted=3)
    rows = {name: stored(name) for name in ("ann.lee", "tom", "cat")}
    assert {name: (u.role, u.display_name, u.active) for name, u in rows.items()} == {
        "ann.lee": ("agent", "安妮", True),
        "tom": ("technician", "Tom", True),
        "cat": ("parts_clerk", "Cat", True),
    }
    assert rows["tom"].provider.code == "P01"
    assert rows["cat"].region.code == "370000"


def test_an_imported_user_signs_in_with_the_password_of_the_file(imported, client):
    imported("users", f"ann,{PASSWORD},agent,,,Ann")
    assert sign_in(client, "ann", PASSWORD).status_code == 200


def test_the_password_is_not_stored_as_given(imported):
    imported("users", f"ann,{PASSWORD},agent,,,Ann")
    assert PASSWORD not in stored("ann").password_hash


def test_reimport_keeps_the_password_hash_and_the_tokens(imported, client):
    imported("users", f"ann,{PASSWORD},agent,,,Ann")
    token = sign_in(client, "ann", PASSWORD).json["access_token"]
    user = stored("ann")
    before = (user.password_hash, user.token_version)
    assert imported("users", f"ann,{PASSWORD},agent,,,Ann") == counts(unchanged=1)
    user = stored("ann")
    assert (user.password_hash, user.token_version) == before
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_changed_password_counts_as_updated_and_withdraws_tokens(imported, client):
    imported("users", f"ann,{PASSWORD},agent,,,Ann")
    token = sign_in(client, "ann", PASSWORD).json["access_token"]
    assert imported("users", "ann,a new passphrase,agent,,,Ann") == counts(updated=1)
    assert sign_in(client, "ann", "a new passphrase").status_code == 200
    assert sign_in(client, "ann", PASSWORD).status_code == 401
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_an_empty_password_cell_keeps_an_existing_users_password(imported, client):
    imported("users", f"ann,{PASSWORD},agent,,,Ann")
    assert imported("users", "ann,,agent,,,Ann") == counts(unchanged=1)
    assert sign_in(client, "ann", PASSWORD).status_code == 200


def test_usernames_differing_only_in_case_are_one_user(imported):
    result = imported("users", f"Ann,{PASSWORD},agent,,,First", f"ann,{PASSWORD},auditor,,,Second")
    assert sentences(result) == counts(inserted=1, rejected=[{"line": 3, "error": "repeats the row on line 2"}])
    assert (stored("ann").role, stored("ann").display_name) == ("agent", "First")


def test_a_user_disabled_by_an_admin_stays_disabled_on_reimport(imported, client, admin):
    imported("users", f"ann,{PASSWORD},agent,,,Ann")
    assert client.patch("/api/admin/users/ann", json={"active": False}, headers=admin).status_code == 200
    assert imported("users", f"ann,{PASSWORD},agent,,,Ann") == counts(unchanged=1)
    assert stored("ann").active is False


REJECTED = [
    pytest.param(
        f"bob,{PASSWORD},technician,,,",
        "provider_code: a technician belongs to a provider",
        id="technician-without-provider",
    ),
    pytest.param(
        f"bob,{PASSWORD},provider_manager,,,",
        "provider_code: a provider_manager belongs to a provider",
        id="manager-without-provider",
    ),
    pytest.param(
        f"bob,{PASSWORD},parts_clerk,,,", "region_code: a parts_clerk works for one province", id="clerk-without-region"
    ),
    pytest.param(
        f"bob,{PASSWORD},parts_clerk,,370100,",
        "region_code: a parts_clerk works for a province, and 370100 is a city",
        id="clerk-in-a-city",
    ),
    pytest.param(
        f"bob,{PASSWORD},agent,P01,,", "provider_code: a agent does not belong to a provider", id="agent-with-provider"
    ),
    pytest.param(f"bob,{PASSWORD},technician,P99,,", "provider_code: unknown provider P99", id="unknown-provider"),
    pytest.param(f"bob,{PASSWORD},parts_clerk,,999999,", "region_code: unknown region 999999", id="unknown-region"),
    pytest.param("bob,short,agent,,,", "password: A password has 8 to 256 characters.", id="short-password"),
    pytest.param("bob,,agent,,,", "password: a new user needs a password", id="no-password"),
    pytest.param(
        f"bob,{PASSWORD},boss,,,",
        "role: Must be one of: admin, agent, dispatcher, technician, provider_manager, parts_clerk, hq_planner, "
        "auditor, supervisor.",
        id="bad-role",
    ),
    pytest.param(
        f"b ob,{PASSWORD},agent,,,",
        "username: Use 2-64 lower-case letters, digits, '.', '-' or '_'.",
        id="bad-username",
    ),
]


@pytest.mark.parametrize(("row", "reason"), REJECTED)
def test_bad_row_is_rejected_with_its_line_and_the_good_rows_kept(make_provider, imported, row, reason):
    make_provider("P01")
    result = imported("users", f"ann,{PASSWORD},agent,,,", row, f"tom,{PASSWORD},technician,P01,,")
    assert sentences(result) == counts(inserted=2, rejected=[{"line": 3, "error": reason}])
    assert stored("bob") is None
    assert (stored("ann").role, stored("tom").role) == ("agent", "technician")


def test_an_active_column_in_the_file_is_ignored(upload):
    content = csv_bytes(f"active,{HEADERS['users']}", f"false,ann,{PASSWORD},agent,,,Ann")
    assert upload("users", content).json == counts(inserted=1)
    assert stored("ann").active is True
