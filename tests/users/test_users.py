"""The admin API of users: create, list, read and edit, with the rules of each role."""

import pytest

from tests.helpers import assert_error

PASSWORD = "correct horse battery"

# What each role needs beside username, password and role (the make_provider/make_geography defaults).
NEEDS = {
    "admin": {},
    "agent": {},
    "dispatcher": {},
    "technician": {"provider_code": "P01"},
    "provider_manager": {"provider_code": "P01"},
    "parts_clerk": {"region_code": "370000"},
    "hq_planner": {},
    "auditor": {},
    "supervisor": {},
}
NOT_PROVIDER_STAFF = [role for role, needs in NEEDS.items() if "provider_code" not in needs]


@pytest.fixture
def admin(as_role):
    return as_role("admin")


@pytest.fixture
def network(make_provider, make_geography):
    """Province 370000 with city 370100 and county 370112, provider P01; and province 440000 with provider P02."""
    make_provider("P01")
    make_geography("440000", "440100", "440106")
    make_provider("P02", region_codes=["440100"])


def new_user(role="agent", **fields):
    return {"username": "ann", "password": PASSWORD, "role": role, **NEEDS[role], **fields}


# ---------------------------------------------------------------- create


@pytest.mark.parametrize("role", NEEDS)
def test_admin_creates_a_user_of_each_role(client, admin, network, stored_user, role):
    response = client.post("/api/admin/users", json=new_user(role, display_name="Ann"), headers=admin)
    assert response.status_code == 201
    body = response.json
    assert body["username"] == "ann"
    assert body["role"] == role
    assert body["display_name"] == "Ann"
    assert body["active"] is True
    assert body["provider_code"] == NEEDS[role].get("provider_code")
    assert body["region_code"] == NEEDS[role].get("region_code")
    row = stored_user("ann")
    assert row.id == body["id"]
    assert row.role == role


def test_created_user_answer_carries_no_password(client, admin):
    response = client.post("/api/admin/users", json=new_user(), headers=admin)
    assert response.status_code == 201
    assert not {"password", "password_hash"} & set(response.json)
    assert PASSWORD not in response.get_data(as_text=True)


def test_created_user_can_sign_in_with_the_given_password(client, admin):
    assert client.post("/api/admin/users", json=new_user(), headers=admin).status_code == 201
    response = client.post("/api/auth/token", json={"username": "ann", "password": PASSWORD})
    assert response.status_code == 200


@pytest.mark.parametrize(("typed", "stored"), [("Ann.Lee", "ann.lee"), ("  ANN_1  ", "ann_1"), ("a-b", "a-b")])
def test_username_is_stored_trimmed_and_in_lower_case(client, admin, stored_user, typed, stored):
    response = client.post("/api/admin/users", json=new_user(username=typed), headers=admin)
    assert response.status_code == 201
    assert response.json["username"] == stored
    assert stored_user(stored) is not None


def test_user_created_inactive_cannot_sign_in(client, admin):
    assert client.post("/api/admin/users", json=new_user(active=False), headers=admin).status_code == 201
    response = client.post("/api/auth/token", json={"username": "ann", "password": PASSWORD})
    assert_error(response, 401, "account_disabled")


REFUSED_CREATIONS = [
    # role rules
    ("technician without provider", new_user("technician", provider_code=None), "provider_code"),
    ("provider_manager without provider", new_user("provider_manager", provider_code=None), "provider_code"),
    ("technician, empty provider", new_user("technician", provider_code=""), "provider_code"),
    ("technician, unknown provider", new_user("technician", provider_code="NOPE"), "provider_code"),
    ("parts_clerk without region", new_user("parts_clerk", region_code=None), "region_code"),
    ("parts_clerk in a city", new_user("parts_clerk", region_code="370100"), "region_code"),
    ("parts_clerk in a county", new_user("parts_clerk", region_code="370112"), "region_code"),
    ("parts_clerk, unknown region", new_user("parts_clerk", region_code="999999"), "region_code"),
    ("agent, unknown region", new_user("agent", region_code="999999"), "region_code"),
    *[(f"{role} with a provider", new_user(role, provider_code="P01"), "provider_code") for role in NOT_PROVIDER_STAFF],
    # passwords
    ("no password", {k: v for k, v in new_user().items() if k != "password"}, "password"),
    ("null password", new_user(password=None), "password"),
    ("empty password", new_user(password=""), "password"),
    ("7-character password", new_user(password="1234567"), "password"),
    ("257-character password", new_user(password="p" * 257), "password"),
    ("password not a string", new_user(password=12345678), "password"),
    # the fields themselves
    ("no username", {k: v for k, v in new_user().items() if k != "username"}, "username"),
    ("one-letter username", new_user(username="a"), "username"),
    ("username with a space", new_user(username="ann lee"), "username"),
    ("username with a quote", new_user(username="ann'--"), "username"),
    ("non-ASCII username", new_user(username="安娜"), "username"),
    ("65-character username", new_user(username="a" * 65), "username"),
    ("no role", {k: v for k, v in new_user().items() if k != "role"}, "role"),
    ("unknown role", {**new_user(), "role": "superuser"}, "role"),
    ("role in upper case", {**new_user(), "role": "ADMIN"}, "role"),
    ("129-character display name", new_user(display_name="x" * 129), "display_name"),
    ("display name with NUL", new_user(display_name="a\x00b"), "display_name"),
    ("provider code with NUL", new_user("technician", provider_code="P\x0001"), "provider_code"),
    ("region code with NUL", new_user("parts_clerk", region_code="37\x000000"), "region_code"),
    ("active not a boolean", new_user(active="maybe"), "active"),
    ("unknown field", new_user(is_superuser=True), "is_superuser"),
]


@pytest.mark.parametrize(("body", "field"), [c[1:] for c in REFUSED_CREATIONS], ids=[c[0] for c in REFUSED_CREATIONS])
def test_refused_creation_is_422_naming_the_field_and_creates_nothing(client, admin, network, users_table, body, field):
    before = users_table()
    error = assert_error(client.post("/api/admin/users", json=body, headers=admin), 422, "validation_error", {field})
    assert error["details"]["fields"][field]
    assert users_table() == before


def test_several_bad_fields_are_all_named(client, admin):
    body = {"username": "x", "password": "short", "role": "king", "active": "maybe", "colour": "red"}
    error = assert_error(client.post("/api/admin/users", json=body, headers=admin), 422, "validation_error")
    assert set(error["details"]["fields"]) == {"username", "password", "role", "active", "colour"}


@pytest.mark.parametrize("again", ["ann", "ANN", " Ann "])
def test_duplicate_username_is_409_and_leaves_the_first_user_alone(client, admin, make_user, users_table, again):
    make_user("agent", username="ann")
    before = users_table()
    body = new_user("dispatcher", username=again, password="another password")
    error = assert_error(client.post("/api/admin/users", json=body, headers=admin), 409, "already_exists")
    assert "ann" in error["message"]
    assert users_table() == before


# ---------------------------------------------------------------- list


def test_list_answers_a_page_in_username_order(client, make_user, as_role):
    for name in ("dan", "bob", "cat", "eve"):
        make_user("agent", username=name)
    headers = as_role("admin", username="ada")
    response = client.get("/api/admin/users?per_page=2&page=2", headers=headers)
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"items", "page", "per_page", "total", "pages"}
    assert [u["username"] for u in body["items"]] == ["cat", "dan"]
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (2, 2, 5, 3)


def test_list_defaults_to_the_first_page_of_the_configured_size(app, client, admin):
    body = client.get("/api/admin/users", headers=admin).json
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (1, app.config["PAGE_SIZE"], 1, 1)


def test_list_page_size_is_capped(app, client, admin):
    body = client.get(f"/api/admin/users?per_page={app.config['PAGE_SIZE_MAX'] + 1}", headers=admin).json
    assert body["per_page"] == app.config["PAGE_SIZE_MAX"]


def test_list_page_past_the_end_is_empty(client, admin):
    body = client.get("/api/admin/users?page=9", headers=admin).json
    assert body["items"] == []
    assert body["total"] == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("role=technician", {"tech1", "tech2", "tech3"}),
        ("role=provider_manager", {"boss2"}),
        ("role=auditor", set()),
        ("provider_code=P01", {"tech1", "tech2"}),
        ("provider_code=P02", {"tech3", "boss2"}),
        ("provider_code=NOPE", set()),
        ("role=technician&provider_code=P02", {"tech3"}),
        ("role=agent", {"agent1"}),
    ],
)
def test_list_filters_by_role_and_provider(client, network, make_user, as_role, query, expected):
    make_user("technician", username="tech1", provider_code="P01")
    make_user("technician", username="tech2", provider_code="P01")
    make_user("technician", username="tech3", provider_code="P02")
    make_user("provider_manager", username="boss2", provider_code="P02")
    make_user("agent", username="agent1")
    response = client.get(f"/api/admin/users?{query}", headers=as_role("admin", username="root"))
    assert response.status_code == 200
    assert {u["username"] for u in response.json["items"]} == expected
    assert response.json["total"] == len(expected)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("role=superuser", "role"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=two", "page"),
        ("per_page=0", "per_page"),
        ("per_page=ten", "per_page"),
        ("provider_code=P%0001", "provider_code"),
    ],
)
def test_list_with_bad_query_is_422_naming_the_argument(client, admin, query, field):
    assert_error(client.get(f"/api/admin/users?{query}", headers=admin), 422, "validation_error", {field})


# ---------------------------------------------------------------- read


def test_read_one_user_by_username(client, admin, network, make_user):
    user = make_user("technician", username="tech1", provider_code="P02", display_name="Tess")
    response = client.get("/api/admin/users/tech1", headers=admin)
    assert response.status_code == 200
    assert response.json["id"] == user.id
    assert response.json["role"] == "technician"
    assert response.json["provider_code"] == "P02"
    assert response.json["display_name"] == "Tess"
    assert "password_hash" not in response.json


def test_read_unknown_user_is_404(client, admin):
    error = assert_error(client.get("/api/admin/users/nobody", headers=admin), 404, "not_found")
    assert "nobody" in error["message"]


# ---------------------------------------------------------------- edit


@pytest.mark.parametrize(
    ("start", "change", "expected"),
    [
        ("agent", {"display_name": "Ann Lee"}, {"display_name": "Ann Lee"}),
        ("agent", {"role": "dispatcher"}, {"role": "dispatcher"}),
        ("agent", {"role": "technician", "provider_code": "P02"}, {"role": "technician", "provider_code": "P02"}),
        ("technician", {"provider_code": "P02"}, {"provider_code": "P02"}),
        ("technician", {"role": "agent"}, {"role": "agent", "provider_code": None}),
        ("agent", {"role": "parts_clerk", "region_code": "440000"}, {"role": "parts_clerk", "region_code": "440000"}),
        ("parts_clerk", {"region_code": "440000"}, {"region_code": "440000"}),
        ("agent", {"active": False}, {"active": False}),
    ],
)
def test_admin_edits_a_user(client, admin, network, make_user, stored_user, start, change, expected):
    make_user(start, username="ann")
    response = client.patch("/api/admin/users/ann", json=change, headers=admin)
    assert response.status_code == 200
    for field, value in expected.items():
        assert response.json[field] == value
    row = stored_user("ann")
    assert row.role == response.json["role"]
    assert row.display_name == response.json["display_name"]
    assert (row.provider.code if row.provider else None) == response.json["provider_code"]
    assert (row.region.code if row.region else None) == response.json["region_code"]
    assert row.active is response.json["active"]


def test_edit_with_an_empty_body_changes_nothing(client, admin, make_user, users_table):
    make_user("agent", username="ann")
    before = users_table()
    assert client.patch("/api/admin/users/ann", json={}, headers=admin).status_code == 200
    assert users_table() == before


REFUSED_EDITS = [
    ("agent", {"role": "technician"}, "provider_code"),
    ("agent", {"role": "provider_manager", "provider_code": "NOPE"}, "provider_code"),
    ("technician", {"provider_code": None}, "provider_code"),
    ("technician", {"provider_code": "NOPE"}, "provider_code"),
    ("agent", {"provider_code": "P01"}, "provider_code"),
    ("technician", {"role": "auditor", "provider_code": "P01"}, "provider_code"),
    ("agent", {"role": "parts_clerk"}, "region_code"),
    ("agent", {"role": "parts_clerk", "region_code": "370100"}, "region_code"),
    ("parts_clerk", {"region_code": "370112"}, "region_code"),
    ("parts_clerk", {"region_code": None}, "region_code"),
    ("parts_clerk", {"region_code": "999999"}, "region_code"),
    ("agent", {"password": "short"}, "password"),
    ("agent", {"role": "root"}, "role"),
    ("agent", {"username": "bob"}, "username"),  # the key stays
    ("agent", {"active": "no way"}, "active"),
    ("agent", {"display_name": 42}, "display_name"),
    ("agent", {"token_version": 1}, "token_version"),
]


@pytest.mark.parametrize(("start", "change", "field"), REFUSED_EDITS)
def test_refused_edit_is_422_naming_the_field_and_changes_nothing(
    client, admin, network, make_user, users_table, start, change, field
):
    make_user(start, username="ann", provider_code="P01" if start == "technician" else None)
    before = users_table()
    response = client.patch("/api/admin/users/ann", json={"display_name": "changed?", **change}, headers=admin)
    assert_error(response, 422, "validation_error", {field})
    assert users_table() == before


def test_edit_of_unknown_user_is_404_and_creates_nobody(client, admin, users_table):
    before = users_table()
    body = {"display_name": "Ghost", "password": "a long password"}
    error = assert_error(client.patch("/api/admin/users/ghost", json=body, headers=admin), 404, "not_found")
    assert "ghost" in error["message"]
    assert users_table() == before
