import assert from "node:assert/strict";
import test from "node:test";

// The language switch writes the page's lang; the desk's module needs no other page.
globalThis.document = { documentElement: {} };

const { setLanguage } = await import("../../pwa/js/i18n/index.js");
const { evidence } = await import("../../pwa/js/desks/audit.js");

// Each flag's facts as the server reads them back from its sentence (server/claims/flag_facts.py), and the
// sentence the auditor reads in English. Providers are named by their code here: the desk has not read the
// provider list (in the app it has, and names them).
const CASES = [
  ["UNKNOWN_SERIAL", { serial: "GHOST1" }, "No sale record has serial GHOST1: the install base never sold this unit."],
  ["SERIAL_FORMAT", { serial: "TV5501", model: "TV55", pattern: "TV55\\d{6}" }, "Serial TV5501 does not have the serial format of model TV55 (TV55\\d{6})."],
  ["SERIAL_FORMAT", { serial: "123", model: "LUHN1", pattern: "any", check: "luhn" }, "Serial 123 does not have the serial format of model LUHN1."],
  [
    "MODEL_MISMATCH",
    { model: "TV65", serial: "SN1", sold_model: "TV55", sale_date: "2024-01-15", store: "Store 1" },
    "Claimed as model TV65, but serial SN1 was sold as model TV55 on Jan 15, 2024.",
  ],
  ["BEFORE_SALE", { failure_date: "2024-01-14", sale_date: "2024-01-15" }, "The failure on Jan 14, 2024 comes before the sale on Jan 15, 2024."],
  ["BEFORE_SALE", { repair_date: "2024-01-14", sale_date: "2024-01-15" }, "The repair on Jan 14, 2024 comes before the sale on Jan 15, 2024."],
  [
    "BEFORE_SALE",
    { failure_date: "2023-12-01", repair_date: "2024-01-02", sale_date: "2024-01-15" },
    "The failure on Dec 1, 2023 and the repair on Jan 2, 2024 come before the sale on Jan 15, 2024.",
  ],
  [
    "OUT_OF_WARRANTY",
    { failure_date: "2025-06-01", whole_unit_end: "2025-01-15", whole_unit_months: 12, sale_date: "2024-01-15" },
    "The failure on Jun 1, 2025 is after the whole-unit warranty ended on Jan 15, 2025 (12 months from the sale on Jan 15, 2024).",
  ],
  [
    "OUT_OF_WARRANTY",
    { failure_date: "2028-03-01", whole_unit_end: "2025-01-15", whole_unit_months: 12, sale_date: "2024-01-15", main_part_end: "2027-01-15", main_part_months: 36 },
    "The failure on Mar 1, 2028 is after the whole-unit warranty ended on Jan 15, 2025 (12 months from the sale on Jan 15, 2024). " +
      "The main-part warranty ended too, on Jan 15, 2027 (36 months).",
  ],
  [
    "OUT_OF_WARRANTY",
    {
      failure_date: "2025-06-01",
      whole_unit_end: "2025-01-15",
      whole_unit_months: 12,
      sale_date: "2024-01-15",
      main_parts_until: "2027-01-15",
      uncovered_parts: ["REMOTE", "BOARD"],
    },
    "The failure on Jun 1, 2025 is after the whole-unit warranty ended on Jan 15, 2025 (12 months from the sale on Jan 15, 2024). " +
      "Only main parts stay covered until Jan 15, 2027, and these parts are not main parts: REMOTE, BOARD.",
  ],
  ["OUT_OF_WARRANTY", { category: "washing_machine" }, "No warranty policy covers the product category of this unit."],
  [
    "REGION_MISMATCH",
    { province_name: "Guangdong", province_code: "440000", provider_code: "P01", sale_date: "2024-01-15" },
    "The unit was sold in Guangdong on Jan 15, 2024, outside the regions P01 covers.",
  ],
  ["DUPLICATE_CLAIM", { claim_id: 12, provider_code: "P02", status: "approved", job_id: 7 }, "Claim 12 by P02 (Approved) already claims the same job."],
  [
    "DUPLICATE_CLAIM",
    { claim_id: 12, provider_code: "P02", status: "pending_review", serial: "SN1", repair_date: "2024-06-01", window_days: 30, this_repair_date: "2024-06-15" },
    "Claim 12 by P02 (Waiting for audit) already claims this unit, repaired on Jun 1, 2024, within 30 days of this repair on Jun 15, 2024.",
  ],
  ["SCAN_MISMATCH", { scan_id: 4, scanned_serial: "SN2", serial: "SN1" }, "The label photo scanned on the job reads serial SN2, not the claimed SN1."],
  ["PHOTO_REUSED", { scan_id: 5, claim_id: 12 }, "The same label photo backs claim 12."],
  ["PHOTO_REUSED", { other_scan_id: 7, job_id: 3, jobNumber: "J00000003" }, "The same photograph was taken for a scan on job J00000003."],
  ["PHOTO_REUSED", { other_scan_id: 7 }, "The same photograph backs an earlier scan."],
  ["PHOTO_REUSED", {}, "The label photo was used before."],
  [
    "NO_OLD_SERIAL",
    { part_no: "BOARD", part_name: "Main board", return_id: 1, return_number: "RT00000001" },
    "No serial was recorded for the old Main board (BOARD) of part return RT00000001: nothing ties the part sent back to this repair.",
  ],
  [
    "OLD_PART_REUSED",
    { serial: "OB-7", other_return_id: 4, other_job_id: 9, other_job_number: "J00000009" },
    "Old part serial OB-7 was already recorded on job J00000009: the same old part is claimed twice.",
  ],
  [
    "OLD_PART_REUSED",
    { serial: "OB-7", other_return_id: 4, other_job_id: null, other_job_number: null },
    "Old part serial OB-7 was already recorded on another part return: the same old part is claimed twice.",
  ],
  [
    "PART_NOT_RETURNED",
    { part_no: "BOARD", return_id: 1, return_number: "RT00000001", due: "2025-03-18", province: "Shandong" },
    "The old BOARD of part return RT00000001 was due at the RDC of Shandong by Mar 18, 2025 and has not arrived.",
  ],
  [
    "PART_RETURN_REJECTED",
    { part_no: "PANEL", part_name: "Panel", return_id: 3, return_number: "RT00000003", result: "wrong_part", note: "A board came back.", province: "Shandong" },
    "The RDC of Shandong inspected the old Panel (PANEL) of part return RT00000003: not the part replaced. The RDC's note: A board came back.",
  ],
  [
    "PART_RETURN_REJECTED",
    { part_no: "PANEL", return_id: 3, return_number: "RT00000003", result: "missing", note: "", province: "Shandong" },
    "The RDC of Shandong inspected the old PANEL of part return RT00000003: missing from the shipment.",
  ],
  [
    "CARD_INVALID",
    { card_number: "EW1", reasons: ["card_expired", "part_not_covered"], failure_date: "2026-03-01", starts_on: "2025-01-01", ends_on: "2026-02-28", serial: "SN1", uncovered_parts: ["PANEL"] },
    "Service card EW1 does not cover the failure on Mar 1, 2026: it ended on Feb 28, 2026, before the failure; it does not cover PANEL.",
  ],
];

for (const [code, data, sentence] of CASES) {
  test(`${code} ${JSON.stringify(data)} is worded from its facts`, () => {
    setLanguage("en");
    assert.equal(evidence({ code, message: "the server's sentence", data }), sentence);
  });
}

test("the server's own sentence stands where it could not be read back, or the flag is not one the desk knows", () => {
  setLanguage("en");
  assert.equal(evidence({ code: "UNKNOWN_SERIAL", message: "An older wording.", data: null }), "An older wording.");
  assert.equal(evidence({ code: "PART_NOT_RETURNED", message: "The old part never came back.", data: { any: 1 } }), "The old part never came back.");
  // A flag the desk knows whose facts lack what its sentence needs.
  assert.equal(evidence({ code: "FAR_FROM_ADDRESS", message: "Far from the address.", data: { any: 1 } }), "Far from the address.");
});

test("the facts are worded in Chinese for a Chinese screen, dates as Chinese writes them", () => {
  setLanguage("zh-CN");
  const flag = { code: "BEFORE_SALE", message: "The failure on 2024-01-14 precedes the sale on 2024-01-15 (...).", data: { failure_date: "2024-01-14", sale_date: "2024-01-15" } };
  assert.equal(evidence(flag), "故障日期 2024年1月14日 早于销售日期 2024年1月15日。");
  const duplicate = { code: "DUPLICATE_CLAIM", message: "", data: { claim_id: 12, provider_code: "P02", status: "rejected", job_id: 7 } };
  assert.equal(evidence(duplicate), "P02的索赔单 12（已驳回）已经索赔过同一张工单。");
  const late = { code: "PART_NOT_RETURNED", message: "", data: { part_no: "BOARD", part_name: "主板", return_number: "RT00000001", due: "2025-03-18", province: "山东省" } };
  assert.equal(evidence(late), "返还单 RT00000001 的旧件主板（BOARD）应于 2025年3月18日 前寄达山东省 RDC，至今未到。");
});

test("a call put through the relay has its line in the claim's timeline in both languages", async () => {
  const { default: strings } = await import("../../pwa/js/desks/audit-strings.js");
  assert.equal(strings.en["audit.event.call_relayed"], "Call put through the hotline");
  assert.equal(strings["zh-CN"]["audit.event.call_relayed"], "经客服中转接通客户电话");
});
