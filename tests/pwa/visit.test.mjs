// The visit's pieces that need no screen: the ops of one tap written together, the refused list dismissed at
// once, the job's record merged from the server, the outbox and the requisitions, and the job list's search,
// deadlines and what an order has left to fit.
import assert from "node:assert/strict";
import test from "node:test";

import { language, setLanguage, t } from "../../pwa/js/i18n/index.js";
import { pending, recordAll } from "../../pwa/js/outbox.js";
import { leftToFit, mapLinks } from "../../pwa/js/ui/job-detail.js";
import { callHref, found, nextDue } from "../../pwa/js/ui/job-list.js";
import { merged, pruneRecords } from "../../pwa/js/ui/job-record.js";
import { carried } from "../../pwa/js/ui/refused.js";
import { device, held, openTestDatabase } from "./server_double.mjs";

// --------------------------------------------------------------------- the ops of one tap

test("the ops of one tap are written together, in order, each with the changes it carries", async () => {
  const db = await openTestDatabase();
  await db.put("entities", { entity: "job", id: "7", version: 2, data: { state: "waiting_parts" } });
  await db.put("entities", { entity: "requisition", id: "3", version: 1, data: { status: "approved", orders: [] } });
  const receipt = {
    type: "parts.receive",
    entityId: "7",
    payload: { sales_order_id: 5 },
    localChange: [
      { entity: "requisition", id: 3, patch: { status: "received" } },
      { entity: "job", id: "7", patch: { state: "accepted" } },
    ],
  };
  const fitted = { type: "parts.used", entityId: "7", payload: { parts: [{ part_no: "MOTOR", qty: 1 }], sales_order_id: 5 } };

  const made = await recordAll(db, [receipt, fitted]);

  assert.deepEqual(
    made.map(({ seq, type }) => [seq, type]),
    [
      [1, "parts.receive"],
      [2, "parts.used"],
    ],
  );
  assert.equal((await pending(db)).length, 2);
  assert.equal(await db.get("meta", "next_seq"), 3);
  assert.deepEqual((await held(db, "job", "7")).data, { state: "accepted" });
  assert.deepEqual((await held(db, "requisition", "3")).data, { status: "received", orders: [] });
});

test("a tap whose second op cannot be kept keeps neither", async () => {
  const db = await openTestDatabase();
  const good = { type: "note.add", entityId: "1", payload: { text: "ok" } };
  // A function cannot be stored: the second op fails, and the first goes with it.
  const bad = { type: "note.add", entityId: "1", payload: { text: () => "x" } };

  await assert.rejects(recordAll(db, [good, bad]));

  assert.deepEqual(await pending(db), []);
  assert.equal(await db.get("meta", "next_seq"), 1);
});

test("an op's several changes are laid over fresher data from the server until the op is taken", async () => {
  const phone = await device();
  phone.server.put("job", "1", { state: "waiting_parts" });
  phone.server.put("requisition", "9", { status: "approved" });
  await phone.engine.sync();
  phone.server.decide = () => ({ result: "applied", code: "", message: "" });
  await phone.engine.record({
    type: "parts.receive",
    entityId: "1",
    payload: { sales_order_id: 4 },
    localChange: [
      { entity: "requisition", id: "9", patch: { status: "received" } },
      { entity: "job", id: "1", patch: { state: "accepted" } },
    ],
  });
  phone.server.fail("push", { status: 503 });
  phone.server.put("job", "1", { state: "waiting_parts", note: "newer" });

  await phone.engine.sync();
  // The push failed: the pull never ran, and the device shows its own changes.
  assert.deepEqual((await held(phone.db, "job", "1")).data, { state: "accepted" });
  assert.deepEqual((await held(phone.db, "requisition", "9")).data, { status: "received" });
});

// --------------------------------------------------------------------- refused work

test("dismissing with no op id empties the list of refused work at once", async () => {
  const phone = await device();
  phone.server.put("job", "1", { state: "dispatched" });
  await phone.engine.sync();
  phone.server.decide = () => ({ result: "conflict", code: "job_reassigned", message: "Job J1 is no longer yours" });
  await phone.engine.record({ type: "note.add", entityId: "1", payload: { text: "a" } });
  await phone.engine.record({ type: "note.add", entityId: "1", payload: { text: "b" } });
  await phone.engine.sync();
  assert.equal(phone.engine.status.rejected.length, 2);

  await phone.engine.dismiss();

  assert.deepEqual(phone.engine.status.rejected, []);
  assert.deepEqual(await phone.db.get("meta", "rejected"), []);
});

test("the status counts the rounds finished, not the local writes", async () => {
  const phone = await device();
  assert.equal(phone.engine.status.rounds, 0);
  await phone.engine.record({ type: "note.add", entityId: "1", payload: { text: "a" } });
  assert.equal(phone.engine.status.rounds, 0);
  await phone.engine.sync();
  await phone.engine.sync();
  assert.equal(phone.engine.status.rounds, 2);
});

test("what a refused op carried is read back: the parts, the note, the call's outcome", () => {
  const orders = new Map([[5, { id: 5, number: "SO00000005" }]]);
  assert.deepEqual(carried({ type: "parts.used", payload: { parts: [{ part_no: "BOARD", qty: 2 }], sales_order_id: 5 } }, orders), [
    "BOARD × 2",
    t("record.order", { number: "SO00000005" }),
  ]);
  assert.deepEqual(carried({ type: "note.add", payload: { text: "客户要求带旧件" } }), ["客户要求带旧件"]);
  assert.deepEqual(carried({ type: "job.contact", payload: { reached: false, note: "无人接听" } }), [t("record.notReached"), "无人接听"]);
  assert.deepEqual(carried({ type: "job.decline", payload: { reason: "不在服务范围" } }), ["不在服务范围"]);
});

// --------------------------------------------------------------------- the job's record

test("the record is the server's events, the requisitions' news and the waiting ops, oldest first", () => {
  const events = [
    { kind: "accept", at: "2026-12-06T01:00:05Z", device_time: "2026-12-06T01:00:00Z", actor: "tech1", note: "", data: null },
    { kind: "hold_for_parts", at: "2026-12-06T02:00:00Z", device_time: null, actor: "tech1", note: "", data: { parts: [] } },
  ];
  const requisitions = [
    {
      number: "RQ1",
      approved_at: "2026-12-06T03:00:00Z",
      orders: [{ id: 5, number: "SO5", shipped_at: "2026-12-06T04:00:00Z", lines: [{ part_no: "MOTOR", qty: 1 }] }],
    },
  ];
  const ops = [{ type: "parts.receive", client_time: "2026-12-06T05:00:00Z", payload: { sales_order_id: 5 } }];

  const entries = merged(events, ops, requisitions);

  assert.deepEqual(
    entries.map(({ kind, at, phone, pending }) => [kind, at, phone, pending]),
    [
      ["accept", "2026-12-06T01:00:00Z", true, false],
      ["hold_for_parts", "2026-12-06T02:00:00Z", false, false],
      ["requisition_approved", "2026-12-06T03:00:00Z", false, false],
      ["parts_shipped", "2026-12-06T04:00:00Z", false, false],
      ["parts_received", "2026-12-06T05:00:00Z", true, true],
    ],
  );
  assert.deepEqual(entries.at(-1).data.parts, [{ part_no: "MOTOR", qty: 1 }]);
  assert.equal(entries.at(-1).data.sales_order, "SO5");
});

test("offline, with no record kept, the record is what the phone holds", () => {
  const entries = merged(null, [{ type: "note.add", client_time: "2026-12-06T05:00:00Z", payload: { text: "到了" } }], []);
  assert.deepEqual(
    entries.map(({ kind, note, pending }) => [kind, note, pending]),
    [["note", "到了", true]],
  );
});

test("the records kept are those of the jobs the phone still holds", async () => {
  const db = await openTestDatabase();
  await db.put("entities", { entity: "job", id: "1", version: 1, data: { state: "accepted" } });
  await db.put("entities", { entity: "part", id: "2", version: 1, data: {} });
  for (const id of ["1", "2", "3"]) {
    await db.put("records", { job_id: id, events: [], fetched_at: "2026-12-06T00:00:00Z" });
  }

  await pruneRecords(db);

  assert.deepEqual(await db.getAllKeys("records"), ["1"]);
});

// --------------------------------------------------------------------- the list and the parts

test("a job is found by its number, customer, serial or the last digits of the phone", () => {
  const job = { number: "J00000042", request: { customer_name: "王先生", serial: "CNK8181G2C", customer_phone: "138-0000-1234" } };
  for (const query of ["j00000042", "王", "g2c", "1234", "0000-1234"]) {
    assert.equal(found(job, query), true, query);
  }
  for (const query of ["J00000043", "李", "5678", "12"]) {
    assert.equal(found(job, query), false, query);
  }
});

test("a job is still found by the last digits of the phone the device holds, its last four", () => {
  const job = { number: "J00000042", request: { customer_name: "王先生", customer_phone: "*******1234" } };
  for (const query of ["1234", "234"]) {
    assert.equal(found(job, query), true, query);
  }
  for (const query of ["0000-1234", "*", "***"]) {
    assert.equal(found(job, query), false, query);
  }
});

// --------------------------------------------------------------------- calling the customer

test("the call goes to the relay's number, a pause, then the job's extension as tones", () => {
  assert.equal(callHref({ number: "95000000", extension: "420042" }), "tel:95000000,420042");
  assert.equal(callHref({ number: "+86 400-800 1234", extension: "7 0815" }), "tel:+864008001234,70815");
});

test("without a relay there is nothing to dial", () => {
  for (const call of [null, undefined, {}, { number: "95000000" }, { extension: "420042" }, { number: "", extension: "420042" }, { number: "95000000", extension: null }]) {
    assert.equal(callHref(call), null, JSON.stringify(call));
  }
});

test("the phone's record and its buttons word the relay in both languages", () => {
  const said = {
    en: ["Call (through the hotline)", "Record a call", "Call put through the hotline"],
    "zh-CN": ["拨打（经客服中转）", "记录通话", "经客服中转接通客户电话"],
  };
  globalThis.document ??= { documentElement: {} };
  const before = language();
  for (const [code, words] of Object.entries(said)) {
    setLanguage(code);
    assert.deepEqual([t("job.call"), t("job.recordCall"), t("record.call_relayed")], words);
  }
  setLanguage(before);
});

test("the next deadline is the first stage not reached, overdue once passed", () => {
  const now = Date.parse("2026-12-06T12:00:00Z");
  const sla = {
    contact_due_at: "2026-12-06T10:00:00Z",
    contacted_at: "2026-12-06T09:00:00Z",
    arrive_due_at: "2026-12-06T11:00:00Z",
    arrived_at: null,
    complete_due_at: "2026-12-08T10:00:00Z",
    completed_at: null,
  };
  assert.deepEqual(nextDue({ state: "accepted", sla }, now), { stage: "arrive", due: sla.arrive_due_at, overdue: true });
  assert.equal(nextDue({ state: "completed", sla }, now), null);
  assert.equal(nextDue({ state: "accepted", declined: true, sla }, now), null);
});

test("an order has left to fit what it brought less what was fitted from it", () => {
  const order = {
    lines: [
      { part_no: "MOTOR", name: "Motor", qty: 2 },
      { part_no: "BOARD", name: "Board", qty: 1 },
    ],
    fitted: [{ part_no: "MOTOR", qty: 1 }],
  };
  assert.deepEqual(leftToFit(order), [
    { part_no: "MOTOR", name: "Motor", arrived: 2, left: 1 },
    { part_no: "BOARD", name: "Board", arrived: 1, left: 1 },
  ]);
});

test("the way to the customer opens the phone's map, Amap or Baidu Maps, each with the address", () => {
  const links = mapLinks("济南市 幸福路 8 号");
  assert.deepEqual(
    links.map(({ name }) => name),
    ["map", "amap", "baidu"],
  );
  const address = encodeURIComponent("济南市 幸福路 8 号");
  assert.ok(links.every(({ href }) => href.includes(address)));
  assert.ok(links[0].href.startsWith("geo:"));
  assert.ok(links[1].href.startsWith("amapuri://") && links[1].web.startsWith("https://uri.amap.com/"));
  assert.ok(links[2].href.startsWith("baidumap://") && links[2].web.startsWith("https://api.map.baidu.com/"));
});
