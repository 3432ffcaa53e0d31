// Proof of repair at the desks: the rules the provider manager's old-parts and statement screens and the parts
// clerk's inspection share, and the clerk's strings in both languages.

import assert from "node:assert/strict";
import test from "node:test";

// setLanguage marks the page's language on <html>; Node has no page.
globalThis.document ??= { documentElement: {} };

const { setLanguage } = await import("../../pwa/js/i18n/index.js");
const { returnState, chosen } = await import("../../pwa/js/desks/provider-returns.js");
const { canDispute, deductionWhy, disputable, money, ruleName, statementState } = await import("../../pwa/js/desks/provider-statements.js");
const { inspectionProblems, toInspect } = await import("../../pwa/js/desks/returns.js");
const { default: clerkStrings } = await import("../../pwa/js/desks/returns-strings.js");
const { noticeLink } = await import("../../pwa/js/desks/registry.js");

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

test("the clerk's strings are in both languages, with the same placeholders, and are its own or refusals", () => {
  assert.deepEqual(Object.keys(clerkStrings["zh-CN"]).sort(), Object.keys(clerkStrings.en).sort());
  for (const [key, text] of Object.entries(clerkStrings["zh-CN"])) {
    assert.deepEqual(placeholders(text), placeholders(clerkStrings.en[key]), key);
  }
  assert.deepEqual(Object.keys(clerkStrings.en).filter((key) => !/^(returns|error)\./.test(key)), []);
});

test("a return is said by what the RDC found once inspected, else by its step; never by its code", () => {
  setLanguage("en");
  assert.equal(returnState({ status: "rejected", result: "wrong_part" }), "Wrong part");
  assert.equal(returnState({ status: "shipped", result: null }), "On its way");
  assert.equal(returnState({ status: "lost_in_space", result: null }), "Being handled");
  setLanguage("zh-CN");
  assert.equal(returnState({ status: "received", result: null }), "RDC 已收，待检验");
});

test("the old parts packed are those ticked, in the order shown", () => {
  const boxes = [
    { checked: true, value: "12" },
    { checked: false, value: "13" },
    { checked: true, value: "9" },
  ];
  assert.deepEqual(chosen(boxes), [12, 9]);
});

const statement = (fields = {}) => ({
  status: "open",
  accepted_at: null,
  dispute_until: "2026-06-12T16:00:00+00:00",
  finalised_at: null,
  ...fields,
});
const before = new Date("2026-06-10T00:00:00Z");
const after = new Date("2026-06-13T00:00:00Z");

for (const [name, fields, now, expected] of [
  ["open, within its window", {}, before, true],
  ["open, past its window", {}, after, false],
  ["accepted", { accepted_at: "2026-06-09T00:00:00+00:00" }, before, false],
  ["final", { status: "final" }, before, false],
  ["without a deadline", { dispute_until: null }, before, false],
]) {
  test(`a statement ${name} may ${expected ? "" : "not "}be disputed`, () => {
    assert.equal(disputable(statement(fields), now), expected);
  });
}

test("a deduction is disputed once", () => {
  assert.equal(canDispute(statement(), { dispute: null }, before), true);
  assert.equal(canDispute(statement(), { dispute: "open" }, before), false);
  assert.equal(canDispute(statement(), { dispute: "reversed" }, before), false);
});

test("a statement's state and its rules are said in words", () => {
  setLanguage("en");
  assert.equal(statementState(statement({ accepted_at: "x" })), "Accepted, to be paid");
  assert.equal(statementState(statement(), after), "Disputes closed, to be paid");
  assert.equal(ruleName("RETURN_PENALTY"), "Old part late or rejected");
  assert.equal(ruleName("SOMETHING_NEW"), "Other deduction");
  setLanguage("zh-CN");
  assert.equal(ruleName("COMPLAINT_DEDUCTION"), "有效投诉");
});

test("why a deduction was made: the old part's finding, its lateness, the auditor's own words", () => {
  setLanguage("en");
  const item = { part_name: "Panel", part_no: "PNL-55", job_number: "J00000007", number: "RT00000003", due_at: "2026-06-01T04:00:00Z" };
  const rejected = deductionWhy({ rule: "RETURN_PENALTY" }, { ...item, status: "rejected", result: "wrong_part", note: "not ours" });
  assert.match(rejected, /^The RDC rejected the old Panel \(PNL-55\) of job J00000007 \(return RT00000003\) as: Wrong part\. Its note: not ours$/);
  assert.match(deductionWhy({ rule: "RETURN_PENALTY" }, { ...item, status: "owed", received_at: null }), /has not arrived\.$/);
  assert.equal(deductionWhy({ rule: "RETURN_PENALTY" }, undefined), "An old part did not reach the RDC in time, or the RDC rejected it.");
  assert.equal(deductionWhy({ rule: "MANUAL", reason: "现场未清洁" }, undefined), "现场未清洁");
  assert.equal(deductionWhy({ rule: "NEW_RULE", reason: "x" }, undefined), "Ask the auditor about this deduction.");
});

test("money below nothing keeps its minus before the yuan sign", () => {
  assert.equal(money("-650.00"), "−¥650.00");
  assert.equal(money("12.50"), "¥12.50");
});

for (const [name, draft, fields] of [
  ["an accepted part with its serial", { result: "accepted", serial: "PNL01", note: "" }, []],
  ["an accepted part without a serial", { result: "accepted", serial: " ", note: "" }, ["old_serial"]],
  ["a serial with a space", { result: "accepted", serial: "PNL 01", note: "" }, ["old_serial"]],
  ["a wrong part without a note", { result: "wrong_part", serial: "PNL02", note: "" }, ["note"]],
  ["a missing part with a note and no serial", { result: "missing", serial: "", note: "not in the box" }, []],
  ["nothing chosen", { result: "", serial: "", note: "" }, ["old_serial", "result"]],
]) {
  test(`an inspection of ${name} lacks ${fields.join(", ") || "nothing"}`, () => {
    setLanguage("en");
    assert.deepEqual(Object.keys(inspectionProblems(draft)).sort(), fields);
  });
}

test("the received parts still to inspect are counted by shipment", () => {
  const counts = toInspect([{ shipment_id: 3 }, { shipment_id: 3 }, { shipment_id: 5 }, { shipment_id: null }]);
  assert.deepEqual([...counts], [[3, 2], [5, 1]]);
});

test("a notice of old parts or of a statement opens where each role acts on it", () => {
  assert.equal(noticeLink("parts_clerk", { data: { shipment_id: 4 } }), "#/returns/4");
  assert.equal(noticeLink("provider_manager", { data: { return_ids: [1, 2] } }), "#/team/returns");
  assert.equal(noticeLink("provider_manager", { data: { settlement_id: 8 } }), "#/team/statements/8");
  assert.equal(noticeLink("auditor", { data: { settlement_id: 8, deduction_id: 2 } }), "#/audit/settlements/8");
});
