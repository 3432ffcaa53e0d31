"""The list of importable files the admin's import screen offers: each kind, its header, where it goes."""

import io

import pytest

from tests.helpers import assert_error
from tests.imports.helpers import HEADERS
from tests.imports.helpers import OPTIONAL
from tests.installbase.helpers import HEADER as SALE_HEADER

NON_ADMINS = ("agent", "dispatcher", "technician", "provider_manager", "parts_clerk", "hq_planner", "auditor")


def test_the_kinds_are_listed_with_their_headers_in_loading_order(client, admin):
    response = client.get("/api/admin/import", headers=admin)
    assert response.status_code == 200
    assert response.json == [
        *(
            {
                "kind": kind,
                "columns": header.split(","),
                "optional": OPTIONAL.get(kind, []),
                "path": f"/api/admin/import/{kind}",
            }
            for kind, header in HEADERS.items()
        ),
        {"kind": "install-base", "columns": SALE_HEADER.split(","), "optional": [], "path": "/api/install-base/import"},
    ]


@pytest.mark.parametrize("with_optional", [False, True])
def test_a_file_of_just_the_listed_header_is_taken_at_the_listed_address(client, admin, with_optional):
    """What the list says is what the imports accept: a header-only file imports nothing and is not refused,
    with or without the optional columns."""
    for listed in client.get("/api/admin/import", headers=admin).json:
        content = (",".join(listed["columns"] + (listed["optional"] if with_optional else [])) + "\n").encode()
        response = client.post(
            listed["path"],
            data={"file": (io.BytesIO(content), "empty.csv")},
            headers=admin,
            content_type="multipart/form-data",
        )
        assert response.status_code == 200, (listed["kind"], response.get_data(as_text=True))
        assert response.json == {"inserted": 0, "updated": 0, "unchanged": 0, "rejected": []}


@pytest.mark.parametrize("role", NON_ADMINS)
def test_only_an_admin_reads_the_list(client, as_role, role):
    assert_error(client.get("/api/admin/import", headers=as_role(role)), 403, "role_forbidden")
