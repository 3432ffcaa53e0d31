import assert from "node:assert/strict";
import test from "node:test";

import { ageInDays, difference, orderTotals, parseCount, planTotals, receipt } from "../../pwa/js/desks/planning-rules.js";

for (const [typed, count] of [
  ["3", 3],
  [" 12 ", 12],
  ["0", 0],
  ["007", 7],
  [4, 4],
  ["", null],
  ["   ", null],
  [undefined, null],
  ["-1", null],
  ["1.5", null],
  ["1e3", null],
  ["3 pcs", null],
  ["３", null],
  ["123456789", null],
]) {
  test(`the count typed as ${JSON.stringify(typed)} reads ${count}`, () => {
    assert.equal(parseCount(typed), count);
  });
}

const ORDER = [
  { part_no: "BOARD", qty: 4 },
  { part_no: "REMOTE", qty: 2 },
];

test("a receipt sends every line with its count, and says which came short", () => {
  assert.deepEqual(receipt(ORDER, { BOARD: "3", REMOTE: "2" }), {
    refused: null,
    lines: [
      { part_no: "BOARD", qty: 3 },
      { part_no: "REMOTE", qty: 2 },
    ],
    short: [{ part_no: "BOARD", counted: 3, ordered: 4 }],
    over: [],
  });
});

test("a count that is no whole number refuses the receipt, naming every such line", () => {
  assert.deepEqual(receipt(ORDER, { BOARD: "", REMOTE: "1.5" }), { refused: "bad", bad: ["BOARD", "REMOTE"] });
  assert.deepEqual(receipt(ORDER, { BOARD: "4" }), { refused: "bad", bad: ["REMOTE"] });
});

test("more than ordered is refused until the planner confirms it arrived", () => {
  const counts = { BOARD: "6", REMOTE: "1" };
  assert.deepEqual(receipt(ORDER, counts), { refused: "over", over: [{ part_no: "BOARD", counted: 6, ordered: 4 }] });
  assert.deepEqual(receipt(ORDER, counts, { overConfirmed: true }), {
    refused: null,
    lines: [
      { part_no: "BOARD", qty: 6 },
      { part_no: "REMOTE", qty: 1 },
    ],
    short: [{ part_no: "REMOTE", counted: 1, ordered: 2 }],
    over: [{ part_no: "BOARD", counted: 6, ordered: 4 }],
  });
});

test("a bad count is told before an over-count", () => {
  assert.equal(receipt(ORDER, { BOARD: "9", REMOTE: "x" }).refused, "bad");
});

test("nothing arrived is a receipt of zeros", () => {
  assert.deepEqual(receipt(ORDER, { BOARD: "0", REMOTE: "0" }).lines, [
    { part_no: "BOARD", qty: 0 },
    { part_no: "REMOTE", qty: 0 },
  ]);
});

test("a line's difference is short or over, never both", () => {
  assert.deepEqual(difference(4, 3), { short: 1, over: 0 });
  assert.deepEqual(difference(4, 6), { short: 0, over: 2 });
  assert.deepEqual(difference(4, 4), { short: 0, over: 0 });
});

test("an order's totals keep one line's extra from hiding another's shortfall", () => {
  const lines = [
    { qty: 4, received_qty: 6 },
    { qty: 2, received_qty: 0 },
    { qty: 1, received_qty: 1 },
  ];
  assert.deepEqual(orderTotals(lines), { ordered: 7, received: 7, short: 2, over: 2 });
  assert.deepEqual(orderTotals([]), { ordered: 0, received: 0, short: 0, over: 0 });
});

test("the plan's summary is the plain sum of its rows", () => {
  const rows = [
    { waiting: 4, on_order: 4, to_order: 0 },
    { waiting: 3, on_order: 0, to_order: 3 },
  ];
  assert.deepEqual(planTotals(rows), { parts: 2, waiting: 7, onOrder: 4, toOrder: 3 });
  assert.deepEqual(planTotals([]), { parts: 0, waiting: 0, onOrder: 0, toOrder: 0 });
});

test("a need's age is in whole days, never negative", () => {
  const now = new Date("2026-03-10T08:00:00Z");
  assert.equal(ageInDays("2026-03-10T07:00:00Z", now), 0);
  assert.equal(ageInDays("2026-03-09T08:00:00Z", now), 1);
  assert.equal(ageInDays("2026-03-01T09:00:00Z", now), 8);
  assert.equal(ageInDays("2026-03-11T00:00:00Z", now), 0);
  assert.equal(ageInDays(null, now), null);
});
