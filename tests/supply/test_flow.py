"""The whole parts flow once through: shortage → requisition → approval → order → receipt."""


def test_a_shortage_covered_by_the_rdc_reaches_the_technician(call, on_site, short, fetch, stock_books):
    job = on_site()
    requisition = short(job["id"], [("BOARD", 2)])
    assert requisition["status"] == "pending"
    assert fetch(job["id"])["state"] == "waiting_parts"
    status, pending = call("get", "/api/requisitions?status=pending", "clerk")
    assert status == 200
    assert [r["id"] for r in pending["items"]] == [requisition["id"]]
    status, approved = call("post", f"/api/requisitions/{requisition['id']}/approve", "clerk", {})
    assert status == 200, approved
    assert approved["path"] == "rdc"
    assert approved["lines"][0]["rdc_qty"] == 2
    status, orders = call("get", f"/api/sales-orders?requisition_id={requisition['id']}", "clerk")
    order = orders["items"][0]
    assert order["status"] == "created"
    status, shipped = call("post", f"/api/sales-orders/{order['id']}/ship", "clerk")
    assert status == 200, shipped
    status, received = call("post", f"/api/sales-orders/{order['id']}/receive", "pm1")
    assert status == 200, received
    assert fetch(job["id"])["state"] == "accepted"
    assert stock_books("RDC-370000", "BOARD") == (1, 1)
    assert stock_books("PROV-P01", "BOARD") == (3, 3)
    status, again = call("post", f"/api/sales-orders/{order['id']}/receive", "pm1")
    assert status == 409
    assert again["error"]["code"] == "already_received"
    status, account = call("get", "/api/providers/1/account", "admin")
    assert status == 200, account
    assert account["deposit"] == "760.00"


def test_the_rest_goes_through_headquarters(call, on_site, short, fetch, stock_books):
    job = on_site()
    requisition = short(job["id"], [("BOARD", 5), ("PANEL", 1)])
    status, approved = call("post", f"/api/requisitions/{requisition['id']}/approve", "clerk", {})
    assert status == 200, approved
    assert approved["path"] == "hq"
    status, plan = call("get", "/api/parts-plan", "planner")
    assert {row["part_no"]: row["to_order"] for row in plan["items"]} == {"BOARD": 2, "PANEL": 1}
    status, rolled = call("post", "/api/purchase-orders", "planner")
    assert status == 201, rolled
    po = rolled["purchase_order"]
    status, received = call("post", f"/api/purchase-orders/{po['id']}/receive", "planner", {})
    assert status == 200, received
    status, orders = call("get", f"/api/sales-orders?requisition_id={requisition['id']}", "clerk")
    assert [(o["source"], o["status"]) for o in orders["items"]] == [("rdc", "created"), ("hq", "created")]
    for order in orders["items"]:
        assert call("post", f"/api/sales-orders/{order['id']}/ship", "clerk")[0] == 200
        assert call("post", f"/api/sales-orders/{order['id']}/receive", "tech1")[0] == 200
    assert fetch(job["id"])["state"] == "accepted"
    status, report = call("get", "/api/reports/parts-cycle", "admin")
    assert status == 200, report
    assert report["overall"]["requisitions"] == 1
