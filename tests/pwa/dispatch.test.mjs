import assert from "node:assert/strict";
import test from "node:test";

import { advice, boardQuery, clock, entered, reasons, serverOrder, span, stages, urgent } from "../../pwa/js/desks/dispatch-rules.js";
import strings from "../../pwa/js/desks/dispatch-strings.js";

const NOW = Date.parse("2026-03-10T08:00:00Z");
const HOUR = 3_600_000;
const at = (hours) => new Date(NOW + hours * HOUR).toISOString();

// A job created two hours ago in a city: contact due in 0 h, arrival in 22 h, completion in 46 h from NOW.
const job = (state = "new", reached = {}, fields = {}) => ({
  id: 1,
  state,
  escalated_at: null,
  sla: {
    contact_due_at: at(0.5),
    arrive_due_at: at(22),
    complete_due_at: at(46),
    contacted_at: null,
    arrived_at: null,
    completed_at: null,
    ...reached,
  },
  ...fields,
});

test("the clock runs to the stage after the last one reached", () => {
  assert.deepEqual(clock(job(), NOW), { stage: "contact", due: at(0.5), left: 0.5 * HOUR, late: false });
  assert.equal(clock(job("accepted", { contacted_at: at(-1) }), NOW).stage, "arrive");
  // Arrived without a recorded contact: the contact stage is behind it.
  assert.equal(clock(job("on_site", { arrived_at: at(-1) }), NOW).stage, "complete");
  assert.equal(clock(job("on_site", { contacted_at: at(-3), arrived_at: at(-1) }), NOW).stage, "complete");
});

test("a clock past its deadline is late, by how much", () => {
  const late = clock(job(), NOW + 2 * HOUR);
  assert.equal(late.late, true);
  assert.equal(late.left, -1.5 * HOUR);
});

test("a completed or ended job has no clock", () => {
  for (const state of ["completed", "closed", "cancelled"]) {
    assert.equal(clock(job(state), NOW), null, state);
  }
  assert.equal(clock(job("on_site", { completed_at: at(-1) }), NOW), null);
  assert.equal(clock({ state: "new", sla: {} }, NOW), null);
});

test("stages tell each deadline, when it was reached and whether it was missed", () => {
  const seen = stages(job("on_site", { contacted_at: at(1), arrived_at: at(-1) }), NOW + 50 * HOUR);
  assert.deepEqual(
    seen.map(({ stage, missed }) => [stage, missed]),
    [
      ["contact", true], // reached after its deadline
      ["arrive", false],
      ["complete", true], // not reached, deadline past, job open
    ],
  );
  // A cancelled job misses nothing more.
  assert.deepEqual(
    stages(job("cancelled"), NOW + 50 * HOUR).map(({ missed }) => missed),
    [false, false, false],
  );
});

test("late or escalated open jobs are urgent", () => {
  assert.equal(urgent(job(), NOW), false);
  assert.equal(urgent(job(), NOW + HOUR), true);
  assert.equal(urgent(job("dispatched", {}, { escalated_at: at(-1) }), NOW), true);
  assert.equal(urgent(job("closed", {}, { escalated_at: at(-1) }), NOW + HOUR), false);
});

test("a span is told in its two largest units", () => {
  assert.deepEqual(span(0), { minutes: 0 });
  assert.deepEqual(span(59_999), { minutes: 0 });
  assert.deepEqual(span(45 * 60_000), { minutes: 45 });
  assert.deepEqual(span(-(80 * 60_000)), { hours: 1, minutes: 20 });
  assert.deepEqual(span(49 * HOUR + 5 * 60_000), { days: 2, hours: 1 });
});

const query = (text) => new URLSearchParams(text);
const asked = (text, options) => [...boardQuery(query(text), options).entries()];

test("the board asks for the jobs waiting for dispatch, late and escalated first, by default", () => {
  assert.deepEqual(asked(""), [
    ["state", "new"],
    ["state", "dispatched"],
    ["unassigned", "true"],
    ["order", "urgent"],
    ["per_page", "50"],
    ["page", "1"],
  ]);
});

test("the board's filters, sort and page become the list's query", () => {
  assert.deepEqual(asked("show=open&overdue=1&sort=-due&page=3"), [
    ["state", "new"],
    ["state", "dispatched"],
    ["state", "accepted"],
    ["state", "en_route"],
    ["state", "on_site"],
    ["state", "waiting_parts"],
    ["overdue", "true"],
    ["order", "-due"],
    ["per_page", "50"],
    ["page", "3"],
  ]);
  assert.deepEqual(asked("show=completed&sort=created"), [
    ["state", "completed"],
    ["order", "created"],
    ["per_page", "50"],
    ["page", "1"],
  ]);
  assert.deepEqual(asked("show=all"), [
    ["order", "urgent"],
    ["per_page", "50"],
    ["page", "1"],
  ]);
});

test("only a national desk narrows the board to a province", () => {
  assert.equal(boardQuery(query("province=440000"), { national: true }).get("province_code"), "440000");
  assert.equal(boardQuery(query("province=440000"), { national: false }).get("province_code"), null);
});

test("what the address holds that the board does not know falls back to the defaults", () => {
  assert.deepEqual(asked("show=lost&page=-2&sort=colour"), asked(""));
  assert.equal(serverOrder("-number"), "-number");
  assert.equal(serverOrder("state"), "urgent");
  assert.equal(serverOrder(null), "urgent");
});

test("a suggestion says why: first, load, record", () => {
  const suggestion = { technicians: 3, open_jobs: 5, load_per_technician: 1.67, completed_recently: 24, sla_rate: 0.917 };
  assert.deepEqual(reasons(suggestion, 0), [
    ["dispatch.why.first", {}],
    ["dispatch.why.load", { technicians: 3, jobs: 5, load: "1.7" }],
    ["dispatch.why.record", { percent: 92, jobs: 24 }],
  ]);
  const empty = { technicians: 0, open_jobs: 2, load_per_technician: null, completed_recently: 0, sla_rate: null };
  assert.deepEqual(reasons(empty, 2), [
    ["dispatch.why.noStaff", {}],
    ["dispatch.why.noRecord", {}],
  ]);
});

test("what a phone entered is read from the op's payload, field by field", () => {
  assert.deepEqual(entered({ type: "job.contact", payload: { appointment_at: "2026-03-11T02:00:00+08:00", note: "" } }), [
    ["appointment_at", "2026-03-11T02:00:00+08:00", "time"],
  ]);
  assert.deepEqual(
    entered({
      type: "parts.shortage",
      payload: {
        parts: [
          { part_no: "BOARD", qty: 2 },
          { part_no: "PANEL", qty: 1 },
        ],
        note: "急",
      },
    }),
    [
      ["parts", "BOARD × 2, PANEL × 1", "parts"],
      ["note", "急", "text"],
    ],
  );
  assert.deepEqual(entered({ type: "scan.add", payload: { serial: "SN-1", source: "camera", photo_sha256: "ab" } }), [
    ["serial", "SN-1", "text"],
    ["source", "camera", "source"],
  ]);
  // An op the desk does not know, or a payload that is no object, shows nothing of its payload.
  assert.deepEqual(entered({ type: "job.teleport", payload: { where: "moon" } }), []);
  assert.deepEqual(entered({ type: "job.decline", payload: "oops" }), []);
  assert.deepEqual(entered({ type: "parts.used", payload: { parts: "BOARD" } }), []);
});

test("advice follows the server's code, with a fallback", () => {
  assert.equal(advice("job_reassigned"), "dispatch.advice.moved");
  assert.equal(advice("illegal_transition"), "dispatch.advice.movedOn");
  assert.equal(advice("something_new"), "dispatch.advice.other");
});

test("both languages of the board have every string, with the same placeholders", () => {
  const en = strings.en;
  const zh = strings["zh-CN"];
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
  for (const [key, text] of Object.entries(zh)) {
    assert.deepEqual(placeholders(text), placeholders(en[key]), key);
    assert.ok(key.startsWith("dispatch.") || key.startsWith("error."), key);
  }
});

test("every string the rules name exists", () => {
  const keys = new Set(Object.keys(strings.en));
  for (const code of ["job_reassigned", "not_your_job", "illegal_transition", "concurrent_change", "conflict", "validation_error", "invalid_op", "job_not_found", "x"]) {
    assert.ok(keys.has(advice(code)), code);
  }
  for (const [key] of [...reasons({ technicians: 1, open_jobs: 0, load_per_technician: 0, completed_recently: 1, sla_rate: 1 }, 0), ...reasons({ technicians: 0, sla_rate: null }, 1)]) {
    assert.ok(keys.has(key), key);
  }
});

test("a call put through the relay has its timeline line in both languages", () => {
  assert.equal(strings.en["dispatch.event.call_relayed"], "Call put through the hotline");
  assert.equal(strings["zh-CN"]["dispatch.event.call_relayed"], "经客服中转接通客户电话");
});
