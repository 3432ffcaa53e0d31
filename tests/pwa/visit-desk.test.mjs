// The desks' share of the proof of a visit, without a page: distances, the plot of the address and the fixes,
// the new flags worded from their facts in both languages, and the admin's list of messages asked and said.
import assert from "node:assert/strict";
import test from "node:test";

globalThis.document = { documentElement: {} };

const { setLanguage } = await import("../../pwa/js/i18n/index.js");
const { evidence } = await import("../../pwa/js/desks/audit.js");
const { distanceM, distanceText, plotOf, scaleLength } = await import("../../pwa/js/desks/visit-map.js");
// The admin desk's module brings the desk's strings.
await import("../../pwa/js/desks/admin.js");
const { deliveryText, messageQuery } = await import("../../pwa/js/desks/admin-messages.js");

// --------------------------------------------------------------------- datums and distances

test("distances are great-circle metres, said in metres or kilometres in the user's language", () => {
  // One minute of latitude is a nautical mile, near enough.
  assert.ok(Math.abs(distanceM([31, 121], [31 + 1 / 60, 121]) - 1853) < 3);
  setLanguage("en");
  assert.deepEqual([80, 999.4, 1234, 34_567].map(distanceText), ["80 m", "999 m", "1.2 km", "35 km"]);
  setLanguage("zh-CN");
  assert.deepEqual([80, 1234].map(distanceText), ["80 米", "1.2 公里"]);
});

// --------------------------------------------------------------------- the plot

test("the address is the plot's centre and each fix sits at its distance and bearing, inside the box", () => {
  const address = [31.23, 121.47];
  const east = { step: "arrive", lat: 31.23, lng: 121.47 + 300 / (111_195 * Math.cos((31.23 * Math.PI) / 180)), accuracy_m: 20 };
  const north = { step: "complete", lat: 31.23 + 150 / 111_195, lng: 121.47, accuracy_m: 500 };
  const plot = plotOf({ address, fixes: [east, north], size: 320, margin: 24 });
  assert.deepEqual(plot.address, { x: 160, y: 160 });
  const [a, c] = plot.fixes;
  // East is right, north is up; one scale on both axes.
  assert.ok(Math.abs(a.y - 160) < 0.01 && a.x > 160);
  assert.ok(Math.abs(c.x - 160) < 0.01 && c.y < 160);
  const pixelsPerM = (a.x - 160) / 300;
  assert.ok(Math.abs((160 - c.y) / 150 - pixelsPerM) < 1e-3 * pixelsPerM);
  assert.ok(Math.abs(a.distanceM - 300) < 1 && Math.abs(c.distanceM - 150) < 1);
  // Each circle is the fix's accuracy at that scale, and the view holds every circle.
  assert.ok(Math.abs(c.r / (500 * pixelsPerM) - 1) < 1e-4);
  for (const fix of plot.fixes) {
    assert.ok(fix.x - fix.r >= 24 - 1e-6 && fix.x + fix.r <= 296 + 1e-6 && fix.y - fix.r >= 24 - 1e-6 && fix.y + fix.r <= 296 + 1e-6);
  }
  // The scale bar is a round length drawn at the same scale.
  assert.ok([1, 2, 5].includes(plot.scale.metres / 10 ** Math.floor(Math.log10(plot.scale.metres))));
  assert.ok(Math.abs(plot.scale.pixels / (plot.scale.metres * pixelsPerM) - 1) < 1e-4);
});

test("without the address's coordinates the fixes are drawn around their middle, and with no fix nothing is", () => {
  const plot = plotOf({ address: null, fixes: [{ step: "arrive", lat: 30, lng: 120, accuracy_m: 10 }] });
  assert.equal(plot.address, null);
  assert.equal(plot.fixes[0].distanceM, null);
  assert.equal(plotOf({ address: null, fixes: [] }), null);
  assert.deepEqual([0.5, 1, 7, 19, 250, 999].map(scaleLength), [1, 1, 5, 10, 200, 500]);
});

// --------------------------------------------------------------------- the flags, worded

const VISIT_FLAGS = [
  ["NO_CONFIRMATION", { method: "none", reason: "Customer not at home" }, "The job was completed without the customer's confirmation; the technician's reason: Customer not at home.", "工单完工时没有客户确认；技师给出的原因：Customer not at home。"],
  ["NO_CONFIRMATION", { method: null, reason: null }, "The job was completed on a phone that asked for no confirmation, and gave no reason.", "工单在不要求客户确认的手机上完工，也没有说明原因。"],
  ["CODE_MISMATCH", { job_id: 3 }, "The completion code typed on the phone is not the one sent to the customer.", "手机上输入的核销码不是发给客户的那个。"],
  ["SIGNATURE_REUSED", { signature_sha256: "a".repeat(64), other_job_id: 9, other_job_number: "J00000009" }, "The same signature image was already used on J00000009.", "同一张签名图片已用于J00000009。"],
  ["NO_CHECKIN", { job_id: 3 }, "The technician marked the arrival without the phone's position.", "技师标记到达时没有手机定位。"],
  [
    "FAR_FROM_ADDRESS",
    { distance_m: 2345.6, accuracy_m: 30, radius_m: 500 },
    "At arrival the phone was 2.3 km from the customer's address, beyond the 500 m check-in radius and the fix's accuracy of 30 m.",
    "到达时手机距客户地址 2.3 公里，超出 500 米 的签到半径和定位误差 30 米。",
  ],
  [
    "IMPOSSIBLE_TRAVEL",
    { other_job_number: "J00000008", km: 85, minutes: 30, kmh: 170, max_kmh: 120 },
    "The phone's positions here and at J00000008 are 85 km apart but only 30 minutes apart: 170 km/h, faster than the 120 km/h anyone travels between visits.",
    "手机在本单和J00000008的位置相距 85 公里，时间却只隔 30 分钟：时速 170 公里，超过上门途中可能的 120 公里。",
  ],
  ["OVERLAPPING_VISITS", { other_job_number: "J00000008" }, "The technician was on site at J00000008 at the same time.", "技师同一时间也在J00000008现场。"],
  [
    "FAR_FROM_ADDRESS",
    { step: "complete", distance_m: 9000, accuracy_m: 12, radius_m: 500 },
    "At completion the phone was 9.0 km from the customer's address, beyond the 500 m check-in radius and the fix's accuracy of 12 m.",
    "完工时手机距客户地址 9.0 公里，超出 500 米 的签到半径和定位误差 12 米。",
  ],
];

test("the proof-of-visit flags are worded from their facts, in English and in Chinese", () => {
  for (const [code, data, english, chinese] of VISIT_FLAGS) {
    const flag = { code, message: "(the server's sentence)", data };
    setLanguage("en");
    assert.equal(evidence(flag), english, `${code} in English`);
    setLanguage("zh-CN");
    assert.equal(evidence(flag), chinese, `${code} in Chinese`);
  }
});

test("flags with times word them in the user's time, and fall back to the server's sentence without their facts", () => {
  setLanguage("en");
  const old = evidence({ code: "OLD_PHOTO", message: "", data: { stage: "before", taken_at: "2025-01-02T03:04:00Z", dispatched_at: "2026-12-01T08:00:00Z" } });
  assert.match(old, /^The before-repair photo was taken on .*2025.*, before the job was dispatched \(.*2026.*\)\.$/);
  // The stretch both stays share: from the later start to the earlier end.
  const stays = { start: "2026-12-01T07:30:00Z", end: "2026-12-01T09:00:00Z", other_start: "2026-12-01T08:00:00Z", other_end: "2026-12-01T10:00:00Z" };
  const overlap = evidence({ code: "OVERLAPPING_VISITS", message: "", data: { other_job_number: "J8", ...stays } });
  assert.match(overlap, /^The technician was on site at J8 at the same time, from .+ to .+\.$/);
  for (const code of ["FAR_FROM_ADDRESS", "IMPOSSIBLE_TRAVEL", "OLD_PHOTO"]) {
    assert.equal(evidence({ code, message: "As the server said it.", data: { job_id: 1 } }), "As the server said it.", code);
  }
});

// --------------------------------------------------------------------- the admin's messages

test("the messages list asks only for what the server takes, from the address", () => {
  const query = (text) => messageQuery(new URLSearchParams(text));
  assert.deepEqual(query(""), { per_page: 50, page: 1 });
  assert.deepEqual(query("kind=completion_code&status=failed&job= J00000042 &page=3"), { per_page: 50, page: 3, kind: "completion_code", status: "failed", job_number: "J00000042" });
  assert.deepEqual(query("kind=spam&status=lost&page=-2"), { per_page: 50, page: 1 });
});

test("a message's delivery is said as the admin acts on it", () => {
  setLanguage("en");
  assert.match(deliveryText({ status: "sent", sent_at: "2026-12-06T06:03:00Z" }), /^sent .*2026/);
  assert.equal(deliveryText({ status: "pending", attempts: 0, next_attempt_at: null }), "to be sent");
  assert.match(deliveryText({ status: "pending", attempts: 2, next_attempt_at: "2026-12-06T06:03:00Z" }), /^2 attempts so far; next at .*2026/);
  assert.equal(deliveryText({ status: "failed", attempts: 5, last_error: "HTTP 503" }), "gave up after 5 attempts: HTTP 503");
});
