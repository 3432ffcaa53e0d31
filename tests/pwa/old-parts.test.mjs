// The old parts a warranty repair owes back, as the phone decides them: which parts fitted ask for old serials,
// the op's lines they make, the serials refused on the phone, and the record and refused list reading them back.
import assert from "node:assert/strict";
import test from "node:test";

import { setLanguage, t } from "../../pwa/js/i18n/index.js";
import { partsOf } from "../../pwa/js/ui/job-record.js";
import { MAX_OLD_PARTS, serialProblems, serialsAsked, usageLines } from "../../pwa/js/ui/old-parts.js";
import { carried } from "../../pwa/js/ui/refused.js";

globalThis.document ??= { documentElement: {} };
setLanguage("en");

const WARRANTY = { job_type: "warranty" };
const PANEL = { part_no: "PANEL", return_required: true };

for (const [why, job, part, qty, asked] of [
  ["a returnable part on a warranty job: one serial per part fitted", WARRANTY, PANEL, 2, 2],
  ["a paid repair's old part is the customer's", { job_type: "paid" }, PANEL, 2, 0],
  ["a part that does not come back", WARRANTY, { part_no: "REMOTE", return_required: false }, 1, 0],
  ["a catalogue pulled before parts said whether they come back", WARRANTY, { part_no: "BOARD" }, 1, 0],
  ["no part chosen yet", WARRANTY, undefined, 1, 0],
  ["a quantity not typed yet", WARRANTY, PANEL, 0, 0],
  ["a quantity that is no whole number", WARRANTY, PANEL, 1.5, 0],
  ["a quantity past what one form asks", WARRANTY, PANEL, 500, MAX_OLD_PARTS],
]) {
  test(`old serials asked: ${why}`, () => {
    assert.equal(serialsAsked(job, part, qty), asked);
  });
}

test("each old serial is a line of one part, the parts without one a line of their own", () => {
  assert.deepEqual(usageLines("PANEL", 3, [" ab-1 ", "", "CD2"]), [
    { part_no: "PANEL", qty: 1, old_serial: "AB-1" },
    { part_no: "PANEL", qty: 1, old_serial: "CD2" },
    { part_no: "PANEL", qty: 1 },
  ]);
  assert.deepEqual(usageLines("PANEL", 2, ["A", "B"]), [
    { part_no: "PANEL", qty: 1, old_serial: "A" },
    { part_no: "PANEL", qty: 1, old_serial: "B" },
  ]);
  assert.deepEqual(usageLines("REMOTE", 4), [{ part_no: "REMOTE", qty: 4 }]);
});

test("a malformed serial, or one named twice here or elsewhere in the op, is refused; a blank one is not", () => {
  assert.deepEqual(serialProblems(["A1", "", "A B", "A1", "Z9", "X".repeat(65)], ["Z9"]), [
    null,
    null,
    "scan.badSerial",
    "oldPart.twice",
    "oldPart.twice",
    "scan.badSerial",
  ]);
});

test("the record shows each part once with the old serials of the op's lines or of the server's event", () => {
  const fromOp = [
    { part_no: "PANEL", qty: 1, old_serial: "P1" },
    { part_no: "PANEL", qty: 1 },
    { part_no: "BOARD", qty: 2 },
  ];
  assert.deepEqual(partsOf(fromOp), [
    { part_no: "PANEL", name: "", qty: 2, old_serials: ["P1"] },
    { part_no: "BOARD", name: "", qty: 2, old_serials: [] },
  ]);
  const fromServer = [{ part_no: "PANEL", qty: 2, shortfall: 0, old_serials: ["P1", "P2"] }];
  assert.deepEqual(partsOf(fromServer), [{ part_no: "PANEL", name: "", qty: 2, old_serials: ["P1", "P2"] }]);
});

test("a refused op's old serials are read back with its parts, never lost", () => {
  const op = { type: "parts.used", payload: { parts: usageLines("PANEL", 2, ["P1", "P2"]) } };
  assert.deepEqual(carried(op), ["PANEL × 2", "Old PANEL serials: P1, P2"]);
  const one = { type: "parts.used", payload: { parts: usageLines("PANEL", 2, ["P1"]), sales_order_id: 5 } };
  const orders = new Map([[5, { number: "SO00000005" }]]);
  assert.deepEqual(carried(one, orders), ["PANEL × 2", "Old PANEL serial: P1", t("record.order", { number: "SO00000005" })]);
});
