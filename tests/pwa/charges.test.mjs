// A paid repair's money as the phone reckons it offline: the receipt number made from a payment's ref, money
// typed and shown in yuan, a quote's total and what is wrong with a quote, what is still owed, the fee guide of
// a unit, and the record and refused list reading the new ops back. Every key these screens use is in both
// languages.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";

import {
  chargeState,
  guideFor,
  paidOf,
  parseYuan,
  quoteProblems,
  quoteTotals,
  receiptNumber,
  wireLines,
  yuan,
  yuanInput,
} from "../../pwa/js/charges.js";
import { LANGUAGES, setLanguage, t } from "../../pwa/js/i18n/index.js";
import { heldGuide, lineName, receiptAddress } from "../../pwa/js/ui/charges.js";
import { carried } from "../../pwa/js/ui/refused.js";
import { device } from "./server_double.mjs";

globalThis.document ??= { documentElement: {} };
setLanguage("en");

// Made by the server's rule (server/charges/quotes.py receipt_number) from the same refs.
const FROM_THE_SERVER = [
  ["00000000-0000-4000-8000-000000000000", "VE05BR7061"],
  ["01234567-89ab-4cde-8f01-23456789abcd", "F6A4QDQJ1M"],
  ["3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b", "7XGCDN9D5V"],
];

test("a receipt number is the first 50 bits of the SHA-256 of the payment's ref, as the server makes it", async () => {
  for (const [ref, number] of FROM_THE_SERVER) {
    assert.equal(await receiptNumber(ref), number);
    // The ref in capitals is the same payment.
    assert.equal(await receiptNumber(ref.toUpperCase()), number);
  }
  for (let i = 0; i < 100; i++) {
    assert.match(await receiptNumber(crypto.randomUUID()), /^[0-9A-HJKMNP-TV-Z]{10}$/);
  }
});

test("a ref that is no uuid makes no receipt", async () => {
  for (const bad of ["", "not-a-uuid", "0123", "0123456789ab4cde8f0123456789abcd", "g1234567-89ab-4cde-8f01-23456789abcd"]) {
    await assert.rejects(receiptNumber(bad), RangeError);
  }
});

for (const [cents, shown] of [
  [35_000, "¥350.00"],
  [5, "¥0.05"],
  [0, "¥0.00"],
  [123_456_789, "¥1,234,567.89"],
  [-1_050, "−¥10.50"],
  [null, "¥0.00"],
  [Number.NaN, "¥0.00"],
]) {
  test(`money shown: ${cents} cents is ${shown}`, () => assert.equal(yuan(cents), shown));
}

for (const [typed, cents] of [
  ["350", 35_000],
  ["350.5", 35_050],
  ["350.05", 35_005],
  ["¥1,200.00", 120_000],
  [" 0 ", 0],
  ["1000000", 100_000_000],
  ["1000000.01", null],
  ["3.141", null],
  ["-5", null],
  ["", null],
  ["abc", null],
  ["1e3", null],
]) {
  test(`money typed: ${JSON.stringify(typed)} is ${cents} cents`, () => assert.equal(parseYuan(typed), cents));
}

test("an amount goes back into its input with two decimals", () => {
  assert.equal(yuanInput(35_000), "350.00");
  assert.equal(yuanInput(5), "0.05");
  assert.equal(yuanInput(undefined), "");
});

const LINES = [
  { kind: "labour", fee_code: "TV-PANEL", quantity: 1, unit_price_cents: 15_000, guide_cents: 20_000 },
  { kind: "part", part_code: "PANEL55", quantity: 2, unit_price_cents: 10_000, guide_cents: 10_000 },
  { kind: "travel", quantity: 1, unit_price_cents: 3_000, guide_cents: 3_000 },
];

test("a quote adds its lines, travel once; a lowered price and the discount are what the customer saves", () => {
  assert.deepEqual(quoteTotals(LINES, 2_000), { subtotal: 38_000, guide: 43_000, lineDiscount: 5_000, discount: 2_000, total: 36_000 });
  // Travel is charged once whatever quantity a line was given.
  assert.equal(quoteTotals([{ kind: "travel", quantity: 3, unit_price_cents: 3_000 }]).total, 3_000);
  // A line without a guide price counts at its own.
  assert.equal(quoteTotals([{ kind: "labour", quantity: 2, unit_price_cents: 500 }]).lineDiscount, 0);
  assert.equal(quoteTotals([], 0).total, 0);
});

for (const [why, lines, discount, problems] of [
  ["a good quote", LINES, 2_000, []],
  ["no lines", [], 0, [["lines", "quote.noLines"]]],
  ["a quantity of nothing", [{ ...LINES[0], quantity: 0 }], 0, [[0, "quote.badQuantity"]]],
  ["a quantity past 999", [{ ...LINES[1], quantity: 1000 }], 0, [[0, "quote.badQuantity"]]],
  ["half a part", [{ ...LINES[1], quantity: 1.5 }], 0, [[0, "quote.badQuantity"]]],
  ["a negative price", [LINES[0], { ...LINES[1], unit_price_cents: -1 }], 0, [[1, "quote.badPrice"]]],
  ["a negative discount", LINES, -1, [["discount", "quote.badDiscount"]]],
  ["a discount above the lines", LINES, 38_001, [["discount", "quote.discountTooBig"]]],
  ["a discount of all of it", LINES, 38_000, []],
  ["a free line", [{ ...LINES[0], unit_price_cents: 0 }], 0, []],
]) {
  test(`quote problems: ${why}`, () => assert.deepEqual(quoteProblems(lines, discount), problems));
}

test("the op carries only what the server reads of each line", () => {
  assert.deepEqual(wireLines([...LINES, { kind: "labour", fee_code: "X", name: "shown only", quantity: 2, unit_price_cents: 1 }]), [
    { kind: "labour", fee_code: "TV-PANEL", quantity: 1, unit_price_cents: 15_000 },
    { kind: "part", part_code: "PANEL55", quantity: 2, unit_price_cents: 10_000 },
    { kind: "travel", unit_price_cents: 3_000 },
    { kind: "labour", fee_code: "X", quantity: 2, unit_price_cents: 1 },
  ]);
});

const QUOTE = { ref: "q2", status: "approved", lines: LINES, discount_cents: 2_000, total_cents: 36_000 };

test("what is owed: the approved quote less what was paid towards it, never towards an earlier version", () => {
  assert.deepEqual(paidOf(QUOTE, []), { paid: 0, outstanding: 36_000 });
  const payments = [
    { quote_ref: "q2", amount_cents: 10_000 },
    { quote_ref: "q1", amount_cents: 99_999 },
  ];
  assert.deepEqual(paidOf(QUOTE, payments), { paid: 10_000, outstanding: 26_000 });
  assert.deepEqual(paidOf(QUOTE, [{ quote_ref: "q2", amount_cents: 36_000 }]), { paid: 36_000, outstanding: 0 });
  // A quote the phone made offline carries no total from the server: it is reckoned.
  assert.equal(paidOf({ ...QUOTE, total_cents: undefined }).outstanding, 36_000);
});

for (const [why, job, state] of [
  ["no quote", { job_type: "paid" }, "none"],
  ["a quote the customer has not approved", { quote: { ...QUOTE, status: "pending" } }, "waiting"],
  ["an approved quote unpaid", { quote: QUOTE, payments: [] }, "owed"],
  ["an approved quote partly paid", { quote: QUOTE, payments: [{ quote_ref: "q2", amount_cents: 100 }] }, "owed"],
  ["an approved quote paid", { quote: QUOTE, payments: [{ quote_ref: "q2", amount_cents: 36_000 }] }, "paid"],
  ["an approved quote for nothing", { quote: { ...QUOTE, total_cents: 0 } }, "paid"],
]) {
  test(`where the money stands: ${why}`, () => assert.equal(chargeState(job), state));
}

test("the fee guide of a unit: the labour of its category and the travel fee of the job's area class", () => {
  const guide = {
    fees: [
      { code: "TV-2", category: "tv", name: "Board", labour_cents: 8_000 },
      { code: "WM-1", category: "washer", name: "Drum", labour_cents: 9_000 },
      { code: "TV-1", category: "tv", name: "Panel", labour_cents: 20_000 },
    ],
    travelFees: [
      { area_class: "urban", fee_cents: 3_000 },
      { area_class: "rural", fee_cents: 6_000 },
    ],
  };
  const found = guideFor(guide, "tv", "rural");
  assert.deepEqual(
    found.labour.map((fee) => fee.code),
    ["TV-1", "TV-2"],
  );
  assert.equal(found.travel.fee_cents, 6_000);
  assert.equal(guideFor(guide, "tv", "remote").travel, null);
});

test("a refused quote, approval or payment is read back with its money, never as codes", () => {
  const quote = { type: "quote.save", payload: { lines: wireLines(LINES), discount_cents: 2_000, note: "Panel cracked" } };
  assert.deepEqual(carried(quote), ["Quote total ¥360.00", "Panel cracked"]);
  assert.deepEqual(carried({ type: "quote.approve", payload: { method: "signature" } }), ["Approved by signature"]);
  const payment = { type: "payment.record", payload: { method: "qr", amount_cents: 36_000, receipt_number: "0123456789", reference: "T-991" } };
  assert.deepEqual(carried(payment), ["¥360.00 by Payment QR code, receipt 0123456789", "T-991"]);
  const complete = { type: "job.complete", payload: { summary: "Fixed", unpaid_reason: "Will pay by transfer" } };
  assert.ok(carried(complete).includes("Not paid because: Will pay by transfer"));
});

test("every refusal a paid repair meets has its words in both languages", () => {
  for (const code of ["payment_missing", "quote_not_approved", "quote_superseded", "wrong_code", "quote_not_found", "job_ended"]) {
    for (const language of ["en", "zh-CN"]) {
      assert.ok(LANGUAGES[language][`reason.${code}`], `${language} reason.${code}`);
    }
  }
  assert.notEqual(t("op.payment.record"), "op.payment.record");
});

test("every key the charges screens use is in both languages", () => {
  const sources = ["../../pwa/js/ui/charges.js", "../../pwa/js/ui/job-detail.js", "../../pwa/js/ui/refused.js", "../../pwa/js/ui/job-record.js"];
  const used = new Set();
  for (const source of sources) {
    const text = readFileSync(new URL(source, import.meta.url), "utf8");
    for (const [, key] of text.matchAll(/t\("((?:quote|pay|payReceipt|record|reason)\.[\w.]+)"/g)) {
      used.add(key);
    }
  }
  assert.ok(used.size > 40);
  for (const key of used) {
    assert.ok(LANGUAGES.en[key], `en ${key}`);
    assert.ok(LANGUAGES["zh-CN"][key], `zh-CN ${key}`);
  }
  for (const method of ["cash", "qr"]) {
    assert.ok(LANGUAGES["zh-CN"][`pay.method.${method}`]);
  }
});

test("the fee guide a pull carries is kept on the phone, the latest replacing the last, for quoting offline", async () => {
  const phone = await device();
  phone.server.put("part", "PANEL", { part_no: "PANEL", name: "Panel", customer_price_cents: 98_000 });
  // A server that sends no guide leaves the phone with none, and the quote form says so.
  assert.equal((await phone.engine.sync()).ok, true);
  assert.deepEqual((await heldGuide(phone.db)).fees, []);
  phone.server.feeGuide = {
    fees: [{ code: "TV-1", category: "tv", repair_type: "panel", name: "Panel replacement", labour_cents: 20_000 }],
    travel_fees: [{ area_class: "county", fee_cents: 3_000 }],
  };
  assert.equal((await phone.engine.sync()).ok, true);
  const guide = await heldGuide(phone.db);
  assert.deepEqual(
    guide.fees.map((fee) => fee.code),
    ["TV-1"],
  );
  assert.deepEqual(guide.travelFees, [{ area_class: "county", fee_cents: 3_000 }]);
  assert.equal(guide.parts[0].customer_price_cents, 98_000);
  phone.server.feeGuide = { fees: [], travel_fees: [] };
  await phone.engine.sync();
  assert.deepEqual((await heldGuide(phone.db)).fees, []);
});

test("a quote's line is named from the guide where the server sent no name; the receipt's public address", () => {
  const guide = { fees: [{ code: "TV-1", name: "Panel replacement" }], parts: [{ part_no: "PANEL", name: "Panel" }] };
  assert.equal(lineName({ kind: "labour", fee_code: "TV-1" }, guide), "Panel replacement");
  assert.equal(lineName({ kind: "part", part_code: "PANEL" }, guide), "PANEL Panel");
  assert.equal(lineName({ kind: "labour", fee_code: "GONE" }, guide), "GONE");
  assert.equal(lineName({ kind: "travel" }, guide), "Travel fee");
  assert.equal(receiptAddress("F6A4QDQJ1M", "https://sanbao.example"), "https://sanbao.example/r/F6A4QDQJ1M");
});
