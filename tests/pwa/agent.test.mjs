import assert from "node:assert/strict";
import test from "node:test";

import {
  attemptBody,
  cardOf,
  cardState,
  dayBefore,
  eventText,
  holdsUnit,
  lookupOf,
  lookupProblem,
  requestBody,
  slaStages,
  warrantyOf,
} from "../../pwa/js/desks/agent-rules.js";
import strings from "../../pwa/js/desks/agent-strings.js";

// A translator that shows which sentence was chosen and with what: "key{name=value,…}" (never the bare key,
// which the desk takes for a string its tables lack).
const t = (key, params = {}) => {
  const given = Object.entries(params)
    .map(([name, value]) => `${name}=${value}`)
    .join(",");
  return `${key}{${given}}`;
};
const when = (iso) => `at ${iso}`;

test("every string of the desk is in both languages", () => {
  assert.deepEqual(Object.keys(strings["zh-CN"]).sort(), Object.keys(strings.en).sort());
  for (const [code, table] of Object.entries(strings)) {
    for (const [key, text] of Object.entries(table)) {
      assert.ok(text.trim(), `${code} ${key} is empty`);
    }
  }
});

test("the address asks for a lookup by phone or by serial", () => {
  assert.deepEqual(lookupOf(new URLSearchParams("phone=13800000000&callbacks=due")), { by: "phone", value: "13800000000" });
  assert.deepEqual(lookupOf(new URLSearchParams("serial=%20SN-IN%20")), { by: "serial", value: "SN-IN" });
  assert.equal(lookupOf(new URLSearchParams("phone=%20&cbsort=due")), null);
});

for (const [by, value, problem] of [
  ["phone", "", "agent.lookup.empty"],
  ["phone", "138 0000 0000", null],
  ["phone", "+86-138", null],
  ["phone", "1380", "agent.form.badPhone"],
  ["phone", "王先生", "agent.form.badPhone"],
  ["serial", "SN-IN", null],
  ["serial", "SN IN", "agent.form.badSerial"],
  ["serial", "X".repeat(65), "agent.form.badSerial"],
]) {
  test(`a lookup by ${by} of ${JSON.stringify(value.slice(0, 12))} is ${problem ?? "sent"}`, () => {
    assert.equal(lookupProblem(by, value), problem);
  });
}

test("a request holds its unit until its job is closed out or cancelled", () => {
  assert.deepEqual(
    ["new", "dispatched", "waiting_parts", "completed", "closed", "cancelled"].map((state) => holdsUnit({ state })),
    [true, true, true, true, false, false],
  );
  assert.equal(holdsUnit(null), false);
});

test("the day before a period's end is the last day it covers, across months and leap days", () => {
  assert.equal(dayBefore("2026-05-01"), "2026-04-30");
  assert.equal(dayBefore("2024-03-01"), "2024-02-29");
  assert.equal(dayBefore("2026-01-01"), "2025-12-31");
});

const period = (ends_on, active) => ({ months: 12, ends_on, active });
const sold = (whole, main, sale_date = "2025-06-01") => ({ in_install_base: true, sale_date, warranty: { policy: "tv", whole_unit: whole, main_parts: main } });

for (const [name, unit, expected] of [
  ["in warranty, to its last day", sold(period("2026-06-01", true), period("2028-06-01", true)), ["agent.warranty.in", { until: "2026-05-31" }, "in"]],
  [
    "out, main parts still covered",
    sold(period("2025-06-01", false), period("2027-06-01", true), "2024-06-01"),
    ["agent.warranty.partsOnly", { since: "2025-06-01", until: "2027-05-31" }, "partial"],
  ],
  ["out altogether", sold(period("2023-06-01", false), period("2025-06-01", false), "2022-06-01"), ["agent.warranty.out", { since: "2023-06-01" }, "out"]],
  ["sold after today", sold(period("2027-09-01", false), period("2029-09-01", false), "2026-09-01"), ["agent.warranty.notStarted", { sold: "2026-09-01" }, "unknown"]],
  ["no policy for its line", { in_install_base: true, sale_date: "2025-06-01", warranty: { policy: null, whole_unit: null, main_parts: null } }, ["agent.warranty.noPolicy", {}, "unknown"]],
  ["known from requests only", { in_install_base: false, sale_date: null, warranty: null }, ["agent.warranty.unknownUnit", {}, "unknown"]],
]) {
  test(`warranty today: ${name}`, () => {
    const { key, params, tone } = warrantyOf(unit, "2026-03-15");
    assert.deepEqual([key, params, tone], expected);
  });
}

test("each SLA stage is met, late, overdue, open or no longer needed", () => {
  const now = new Date("2026-03-15T12:00:00Z");
  const job = {
    state: "on_site",
    sla: {
      contact_due_at: "2026-03-15T02:00:00+00:00",
      contacted_at: "2026-03-15T01:00:00+00:00",
      arrive_due_at: "2026-03-15T08:00:00+00:00",
      arrived_at: "2026-03-15T09:30:00+00:00",
      complete_due_at: "2026-03-15T11:00:00+00:00",
      completed_at: null,
    },
  };
  assert.deepEqual(
    slaStages(job, now).map((stage) => [stage.stage, stage.status]),
    [
      ["contact", "met"],
      ["arrive", "late"],
      ["complete", "overdue"],
    ],
  );
  job.sla.complete_due_at = "2026-03-16T11:00:00+00:00";
  assert.equal(slaStages(job, now)[2].status, "pending");
  assert.equal(slaStages({ ...job, state: "cancelled" }, now)[2].status, "ended");
});

const job = { technician: { id: 7, username: "tech1", display_name: "李师傅" } };
const providerName = (code) => ({ P01: "济南家电服务中心", P02: "济南电器维修部" })[code] ?? "someone";
const said = (kind, data = {}, extra = {}) => eventText({ kind, data, note: "", actor_name: "王芳", ...extra }, { job, t, when, providerName });

for (const [kind, data, extra, expected] of [
  ["created", { channel: "wechat" }, {}, "agent.event.created{actor=王芳,channel=agent.channel.wechat{}}"],
  ["dispatched", { provider: "P01" }, {}, "agent.event.dispatched{actor=王芳,provider=济南家电服务中心}"],
  ["redispatched", { provider: "P02", previous_provider: "P01" }, {}, "agent.event.redispatched{actor=王芳,provider=济南电器维修部,previous=济南家电服务中心}"],
  ["assigned", { technician_id: 7 }, {}, "agent.event.assigned{actor=王芳,technician=李师傅}"],
  ["reassigned", { technician_id: 8 }, {}, "agent.event.reassigned{actor=王芳,technician=agent.aTechnician{}}"],
  ["contact", { appointment_at: "2026-03-16T06:00:00+00:00" }, {}, "agent.event.contactBooked{actor=王芳,appointment=at 2026-03-16T06:00:00+00:00}"],
  ["contact", { appointment_at: null }, {}, "agent.event.contact{actor=王芳}"],
  ["use_parts", { parts: [{ part_no: "BOARD", qty: 1 }, { part_no: "LED-55", qty: 2 }] }, {}, "agent.event.use_parts{actor=王芳,parts=BOARD × 1, LED-55 × 2}"],
  ["complete", { confirmed_by: "王先生" }, {}, "agent.event.complete{actor=王芳,confirmed=王先生}"],
  ["overdue", { stage: "arrive" }, { actor_name: null }, "agent.event.overdue{stage=agent.sla.arrive{}}"],
  ["cancel", {}, { note: "客户已自行解决 " }, "agent.event.cancel{actor=王芳,note=客户已自行解决}"],
  ["parts_arrived", {}, { actor_name: null }, "agent.event.parts_arrived{actor=agent.system{},note=}"],
  ["call_relayed", {}, { actor_name: null }, "agent.event.call_relayed{}"],
  ["some_new_kind", {}, {}, "agent.event.other{actor=王芳}"],
]) {
  test(`the history tells ${kind} in plain words`, () => {
    assert.equal(said(kind, data, extra), expected);
  });
}

test("every kind of event the server records has its sentence in both languages", () => {
  const kinds = ["created", "dispatched", "redispatched", "assigned", "reassigned", "accept", "decline", "contact", "depart", "arrive", "scan", "use_parts", "hold_for_parts", "report_shortage", "parts_arrived", "parts_refused", "complete", "close", "cancel", "escalate", "overdue", "note", "call_relayed"];
  for (const kind of kinds) {
    const key = said(kind).split("{")[0];
    assert.notEqual(key, "agent.event.other", kind);
    for (const table of Object.values(strings)) {
      assert.ok(table[key], `${key} is missing`);
    }
  }
});

const NOW = new Date("2026-03-15T12:00:00");
const form = (overrides = {}) => ({
  customer_phone: " 13800000000 ",
  customer_name: "王先生",
  serial: "SN-IN",
  model: "",
  fault_description: "不开机",
  address: "幸福路 8 号",
  region_code: "370112",
  preferred_start: "",
  preferred_end: "",
  channel: "phone",
  ...overrides,
});

test("a filled request form becomes the body the API takes, empty optional fields left out", () => {
  const { body, problems } = requestBody(form(), NOW);
  assert.deepEqual(problems, {});
  assert.deepEqual(body, {
    customer_phone: "13800000000",
    customer_name: "王先生",
    address: "幸福路 8 号",
    region_code: "370112",
    fault_description: "不开机",
    channel: "phone",
    serial: "SN-IN",
  });
});

test("the preferred window is sent as instants of the browser's clock", () => {
  const { body, problems } = requestBody(form({ preferred_start: "2026-03-16T09:00", preferred_end: "2026-03-16T12:00", serial: "", model: "TV55" }), NOW);
  assert.deepEqual(problems, {});
  assert.equal(body.preferred_start, new Date("2026-03-16T09:00").toISOString());
  assert.equal(body.preferred_end, new Date("2026-03-16T12:00").toISOString());
  assert.equal(body.model, "TV55");
  assert.equal("serial" in body, false);
});

for (const [name, overrides, expected] of [
  ["nothing typed", { customer_phone: "", fault_description: " ", address: "", region_code: "" }, { customer_phone: "agent.form.required", fault_description: "agent.form.required", address: "agent.form.required", region_code: "agent.form.required" }],
  ["a name for a phone", { customer_phone: "王先生" }, { customer_phone: "agent.form.badPhone" }],
  ["a serial with a space", { serial: "SN IN" }, { serial: "agent.form.badSerial" }],
  ["a window in the past", { preferred_start: "2026-03-15T08:00" }, { preferred_start: "agent.form.pastStart" }],
  ["a window ending first", { preferred_start: "2026-03-16T09:00", preferred_end: "2026-03-16T08:00" }, { preferred_end: "agent.form.endBeforeStart" }],
  ["a window with an end only", { preferred_end: "2026-03-16T08:00" }, { preferred_end: "agent.form.endWithoutStart" }],
]) {
  test(`a request form with ${name} is not sent`, () => {
    assert.deepEqual(requestBody(form(overrides), NOW).problems, expected);
  });
}

test("a callback attempt: not reached carries no scores", () => {
  assert.deepEqual(attemptBody({ outcome: "not_reached", comments: " 无人接听 ", timeliness: "5" }), { body: { reached: false, comments: "无人接听" }, problems: {} });
});

test("a callback attempt: reached carries the three scores as numbers, and the complaint when there is one", () => {
  assert.deepEqual(attemptBody({ outcome: "reached", timeliness: "5", attitude: "4", quality: "2", comments: "" }), {
    body: { reached: true, comments: "", timeliness: 5, attitude: 4, quality: 2 },
    problems: {},
  });
  const { body } = attemptBody({ outcome: "reached", timeliness: "1", attitude: "1", quality: "1", complains: true, category: "late_visit", description: " 等了三天 " });
  assert.deepEqual(body.complaint, { category: "late_visit", description: "等了三天" });
});

test("a callback attempt without its outcome, a score or a complaint's category is not sent", () => {
  assert.deepEqual(attemptBody({ outcome: "" }).problems, { outcome: "agent.attempt.chooseOutcome" });
  assert.deepEqual(attemptBody({ outcome: "reached", timeliness: "", attitude: "6", quality: "3" }).problems, {
    timeliness: "agent.attempt.chooseScore",
    attitude: "agent.attempt.chooseScore",
  });
  assert.deepEqual(attemptBody({ outcome: "reached", timeliness: "3", attitude: "3", quality: "3", complains: true, category: "" }).problems, {
    category: "agent.form.required",
  });
});

test("a unit's card on its warranty line: whole unit or listed parts, none without a valid card", () => {
  const card = { number: "EW1", card_type: "extended_warranty", coverage: "whole_unit", ends_on: "2027-01-14" };
  assert.deepEqual(cardOf({ card }), {
    key: "agent.card.onUnit",
    params: { number: "EW1", type: "agent.card.type.extended_warranty", until: "2027-01-14" },
  });
  assert.equal(cardOf({ card: { ...card, coverage: "parts" } }).key, "agent.card.onUnitParts");
  assert.equal(cardOf({ card: null }), null);
  for (const key of ["agent.card.onUnit", "agent.card.onUnitParts", "agent.card.type.extended_warranty", "agent.card.type.service_contract"]) {
    assert.ok(strings.en[key] && strings["zh-CN"][key], key);
  }
});

test("a card today is valid, not started yet, or ended", () => {
  assert.deepEqual(cardState({ valid_today: true, starts_on: "2026-01-01" }, "2026-03-01"), { key: "agent.card.valid", tone: "in" });
  assert.equal(cardState({ valid_today: false, starts_on: "2026-04-01" }, "2026-03-01").key, "agent.card.notStarted");
  assert.equal(cardState({ valid_today: false, starts_on: "2025-01-01" }, "2026-03-01").key, "agent.card.ended");
});
