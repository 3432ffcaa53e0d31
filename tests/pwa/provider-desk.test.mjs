// The provider manager's desk: its strings in both languages, and the rules its screens share (which queue a
// job is in, its next deadline, a timeline line, what a refused close-out lacks).

import assert from "node:assert/strict";
import test from "node:test";

import { setLanguage } from "../../pwa/js/i18n/index.js";
import { eventText, missingText, nextDeadline, personName, queues } from "../../pwa/js/desks/provider.js";
import strings from "../../pwa/js/desks/provider-strings.js";

// setLanguage marks the page's language on <html>; Node has no page.
globalThis.document ??= { documentElement: {} };

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

test("both languages have every string of the desk, with the same placeholders, none empty", () => {
  assert.deepEqual(Object.keys(strings["zh-CN"]).sort(), Object.keys(strings.en).sort());
  for (const [key, text] of Object.entries(strings["zh-CN"])) {
    assert.deepEqual(placeholders(text), placeholders(strings.en[key]), key);
    assert.ok(text.trim() && strings.en[key].trim(), key);
  }
});

test("the desk's strings are its own or the refusals it explains", () => {
  const foreign = Object.keys(strings.en).filter((key) => !key.startsWith("team.") && !key.startsWith("error."));
  assert.deepEqual(foreign, []);
});

const sla = (fields = {}) => ({
  contact_due_at: "2026-06-01T02:00:00+00:00",
  arrive_due_at: "2026-06-01T08:00:00+00:00",
  complete_due_at: "2026-06-03T08:00:00+00:00",
  contacted_at: null,
  arrived_at: null,
  completed_at: null,
  overdue: [],
  ...fields,
});
const job = (fields = {}) => ({ id: 1, state: "dispatched", technician: null, sla: sla(), ...fields });

test("a dispatched job without a technician waits; every other job is in progress", () => {
  const waiting = job({ id: 1 });
  const toAccept = job({ id: 2, technician: { id: 7, username: "tech1", display_name: "" } });
  const onSite = job({ id: 3, state: "on_site", technician: { id: 7 } });
  const { waiting: left, inProgress } = queues([waiting, toAccept, onSite]);
  assert.deepEqual(left.map((each) => each.id), [1]);
  assert.deepEqual(inProgress.map((each) => each.id), [2, 3]);
});

for (const [reached, expected] of [
  [{}, { stage: "contact", due: "2026-06-01T02:00:00+00:00", overdue: false }],
  [{ contacted_at: "2026-06-01T01:00:00+00:00" }, { stage: "arrive", due: "2026-06-01T08:00:00+00:00", overdue: false }],
  [
    { contacted_at: "x", arrived_at: "y", overdue: ["complete"] },
    { stage: "complete", due: "2026-06-03T08:00:00+00:00", overdue: true },
  ],
  [{ contacted_at: "x", arrived_at: "y", completed_at: "z" }, null],
]) {
  test(`the next deadline once ${JSON.stringify(reached)} is ${JSON.stringify(expected)}`, () => {
    assert.deepEqual(nextDeadline(job({ sla: sla(reached) })), expected);
  });
}

test("a stage without a deadline has no next deadline", () => {
  assert.equal(nextDeadline(job({ sla: sla({ contact_due_at: null }) })), null);
});

test("a person is named by their display name, else their username", () => {
  assert.equal(personName({ username: "tech1", display_name: "王师傅" }), "王师傅");
  assert.equal(personName({ username: "tech1", display_name: "" }), "tech1");
});

test("a timeline line names the technician a job was given to, in the user's language", () => {
  setLanguage("zh-CN");
  const names = new Map([[7, "王师傅"]]);
  assert.equal(eventText({ kind: "assigned", data: { technician_id: 7 } }, names), "派给 王师傅");
  assert.equal(eventText({ kind: "reassigned", data: { technician_id: 9 } }, names), "改派给 一位师傅");
  setLanguage("en");
  assert.equal(eventText({ kind: "assigned", data: { technician_id: 7 } }, names), "Given to 王师傅");
  assert.equal(eventText({ kind: "overdue", data: { stage: "arrive" } }, names), "Arrival deadline missed");
  assert.equal(eventText({ kind: "overdue", data: { stage: "later" } }, names), "Recorded");
  assert.equal(eventText({ kind: "close", data: null }, names), "Closed out");
  assert.equal(eventText({ kind: "something_new", data: null }, names), "Recorded");
});

test("a call put through the relay is told as such in both languages", () => {
  const names = new Map();
  setLanguage("zh-CN");
  assert.equal(eventText({ kind: "call_relayed", data: null }, names), "经客服中转接通客户电话");
  setLanguage("en");
  assert.equal(eventText({ kind: "call_relayed", data: null }, names), "Call put through the hotline");
});

test("what a refused close-out lacks, in the user's words", () => {
  setLanguage("en");
  assert.equal(missingText(["completion record", "serial scan"]), "the completion record and the barcode scan of the serial");
  setLanguage("zh-CN");
  assert.equal(missingText(["serial scan"]), "序列号条码扫描");
  assert.equal(missingText([]), "");
});
