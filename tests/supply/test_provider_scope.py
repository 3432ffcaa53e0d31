"""Which providers' accounts and stock a parts clerk reads: the providers of their own province only.

``clerk`` works for province 370000, whose providers are P01, P02 (city 370100) and P03 (city 370200);
``clerk2`` for 440000, whose provider is P44 (city 440100, see ``canton``). P01's and P44's stock rooms hold
BOARD. A provider outside the clerk's province is answered as one that does not exist: 404 with the same
body, or left out of a list. Admins and the national roles still read every provider.
"""

import pytest

from server.network.services import providers
from tests.helpers import assert_error


@pytest.fixture
def stocked(canton, make_stock):
    """``canton`` with 2 BOARD in P44's stock room."""
    make_stock("PROV-P44", "BOARD", 2)
    return canton


def pid(code):
    return providers.find(code).id


def codes(page):
    return sorted(item["code"] for item in page["items"])


# ---------------------------------------------------------------- a provider's account and stock room


@pytest.mark.parametrize("what", ["account", "stock"])
@pytest.mark.parametrize(
    ("user", "code", "seen"),
    [
        ("clerk", "P01", True),
        ("clerk", "P03", True),
        ("clerk", "P44", False),
        ("clerk2", "P44", True),
        ("clerk2", "P01", False),
        ("admin", "P44", True),
    ],
)
def test_a_clerk_reads_the_account_and_stock_of_their_provinces_providers_only(send, stocked, what, user, code, seen):
    response = send("get", f"/api/providers/{pid(code)}/{what}", user)
    if seen:
        assert response.status_code == 200, response.get_json()
    else:
        assert_error(response, 404, "provider_not_found")


@pytest.mark.parametrize("what", ["account", "stock"])
def test_a_clerk_is_told_the_same_of_another_provinces_provider_as_of_none(send, stocked, what):
    other = assert_error(send("get", f"/api/providers/{pid('P44')}/{what}", "clerk"), 404, "provider_not_found")
    none = assert_error(send("get", f"/api/providers/999999/{what}", "clerk"), 404, "provider_not_found")
    assert other["details"] == none["details"] == {}
    assert other["message"].replace(str(pid("P44")), "N") == none["message"].replace("999999", "N")


def test_the_discrepancies_are_not_a_clerks_to_read(send, stocked):
    assert_error(send("get", f"/api/providers/{pid('P01')}/discrepancies", "clerk"), 403, "role_forbidden")


@pytest.mark.parametrize(
    ("regions", "clerks"),
    [
        (["440112"], {"clerk2"}),  # a county of the province
        (["440000"], {"clerk2"}),  # the whole province
        (["370100", "440100"], {"clerk", "clerk2"}),  # a city in each province
    ],
)
def test_a_provider_is_of_every_province_it_covers_a_region_of(send, canton, make_provider, regions, clerks):
    make_provider("P90", region_codes=regions)
    for clerk in ("clerk", "clerk2"):
        response = send("get", f"/api/providers/{pid('P90')}/account", clerk)
        assert (response.status_code == 200) is (clerk in clerks), (clerk, response.get_json())


# ---------------------------------------------------------------- the providers list


@pytest.mark.both_backends
@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("clerk", ["P01", "P02", "P03"]),
        ("clerk2", ["P44"]),
        ("admin", ["P01", "P02", "P03", "P44"]),
        ("planner", ["P01", "P02", "P03", "P44"]),
        ("dispatcher", ["P01", "P02", "P03", "P44"]),
    ],
)
def test_the_providers_list_holds_the_clerks_provinces_providers_only(call, canton, user, expected):
    status, page = call("get", "/api/admin/providers?per_page=100", user)
    assert status == 200, page
    assert codes(page) == expected
    assert page["total"] == len(expected)


def test_another_provinces_provider_record_is_not_found_for_a_clerk(send, canton):
    other = assert_error(send("get", "/api/admin/providers/P44", "clerk"), 404, "not_found")
    none = assert_error(send("get", "/api/admin/providers/P99", "clerk"), 404, "not_found")
    assert other["message"].replace("P44", "P") == none["message"].replace("P99", "P")
    response = send("get", "/api/admin/providers/P44", "clerk2")
    assert (response.status_code, response.get_json()["code"]) == (200, "P44")


# ---------------------------------------------------------------- warehouses and stock levels


def test_the_warehouses_list_leaves_out_other_provinces_stock_rooms(call, stocked):
    status, page = call("get", "/api/admin/warehouses?per_page=100", "clerk")
    assert status == 200, page
    assert codes(page) == ["PROV-P01", "RDC-370000"]
    status, page = call("get", "/api/admin/warehouses?per_page=100", "admin")
    assert codes(page) == ["PROV-P01", "PROV-P44", "RDC-370000"]


@pytest.mark.both_backends
@pytest.mark.parametrize(
    ("user", "warehouses"),
    [
        ("clerk", ["PROV-P01", "RDC-370000"]),
        ("clerk2", ["PROV-P44", "RDC-370000"]),
        ("planner", ["PROV-P01", "PROV-P44", "RDC-370000"]),
    ],
)
def test_the_stock_list_shows_the_clerks_providers_stock_rooms_only(call, stocked, user, warehouses):
    status, page = call("get", "/api/admin/stock?part_no=BOARD&per_page=100", user)
    assert status == 200, page
    assert sorted(item["warehouse"] for item in page["items"]) == warehouses


def test_asking_the_stock_list_for_another_provinces_stock_room_finds_nothing(call, stocked):
    status, page = call("get", "/api/admin/stock?warehouse=PROV-P44", "clerk")
    assert (status, page["items"], page["total"]) == (200, [], 0)


def test_another_provinces_stock_room_is_not_found_for_a_clerk(send, stocked):
    other = assert_error(send("get", "/api/admin/stock/PROV-P44/BOARD", "clerk"), 404, "not_found")
    none = assert_error(send("get", "/api/admin/stock/PROV-P99/BOARD", "clerk"), 404, "not_found")
    assert other["message"].replace("P44", "P") == none["message"].replace("P99", "P")
    response = send("get", "/api/admin/stock/PROV-P44/BOARD", "clerk2")
    assert (response.status_code, response.get_json()["on_hand"]) == (200, 2)
