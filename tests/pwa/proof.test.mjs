// The proof of a visit on the phone, without a screen: the position asked of the browser (granted, refused, never
// answered, weak), the confirmation form's rules, the stamp's layout on photos of every shape, and the EXIF reader
// on what is no EXIF (test_exif.py reads real JPEGs written by Pillow).
import assert from "node:assert/strict";
import test from "node:test";

import { CODE, codeSent, defaultMethod, normaliseCode, readConfirmation } from "../../pwa/js/confirmation.js";
import { exifTakenAt, readExif } from "../../pwa/js/exif.js";
import { setLanguage, t } from "../../pwa/js/i18n/index.js";
import { fixOf, positionNote, takePosition, WEAK_M } from "../../pwa/js/position.js";
import { stampLayout, stampLines } from "../../pwa/js/stamp.js";

globalThis.document = { documentElement: {} };

// --------------------------------------------------------------------- the position

const SHANGHAI = { coords: { latitude: 31.2304512345, longitude: 121.4737012345, accuracy: 12.34 }, timestamp: Date.UTC(2026, 11, 6, 6, 3, 0) };

function geolocation(answer) {
  const asked = [];
  return {
    asked,
    getCurrentPosition(ok, fail, options) {
      asked.push(options);
      answer(ok, fail);
    },
  };
}

test("a fix is the contract's position: WGS-84 to 7 decimals, the accuracy in metres, the fix's own time", () => {
  assert.deepEqual(fixOf(SHANGHAI), { lat: 31.2304512, lng: 121.4737012, accuracy_m: 12.3, fix_time: "2026-12-06T06:03:00.000Z" });
  // A simulated fix of 0 m, and a wild one, within what the server takes (> 0, <= 100 km).
  assert.equal(fixOf({ coords: { latitude: 1, longitude: 2, accuracy: 0 }, timestamp: 0 }).accuracy_m, 1);
  assert.equal(fixOf({ coords: { latitude: 1, longitude: 2, accuracy: 5e6 }, timestamp: 0 }).accuracy_m, 100_000);
});

test("the position is asked with a deadline and a fix the phone already has, and taken when given", async () => {
  const geo = geolocation((ok) => ok(SHANGHAI));
  const taken = await takePosition({ geolocation: geo, waitMs: 5000, maxAgeMs: 60_000 });
  assert.equal(taken.problem, null);
  assert.equal(taken.fix.lat, 31.2304512);
  assert.deepEqual(geo.asked, [{ enableHighAccuracy: true, timeout: 5000, maximumAge: 60_000 }]);
  assert.deepEqual(positionNote(taken), ["position.taken", { accuracy: 12 }]);
});

test("a refused, unavailable or missing position says why, and never rejects", async () => {
  const refused = await takePosition({ geolocation: geolocation((_, fail) => fail({ code: 1 })) });
  assert.deepEqual(refused, { fix: null, problem: "refused" });
  assert.deepEqual(positionNote(refused), ["position.refused", {}]);
  const lost = await takePosition({ geolocation: geolocation((_, fail) => fail({ code: 2 })) });
  assert.deepEqual(lost, { fix: null, problem: "unavailable" });
  assert.deepEqual(positionNote(lost), ["position.unavailable", {}]);
  assert.deepEqual(await takePosition({ geolocation: null }), { fix: null, problem: "unsupported" });
  const thrown = await takePosition({
    geolocation: {
      getCurrentPosition() {
        throw new Error("insecure context");
      },
    },
  });
  assert.deepEqual(thrown, { fix: null, problem: "unavailable" });
});

test("a question the technician never answers does not hold the step past the deadline", async () => {
  const started = Date.now();
  const taken = await takePosition({ geolocation: geolocation(() => {}), waitMs: 50 });
  assert.deepEqual(taken, { fix: null, problem: "timeout" });
  assert.ok(Date.now() - started < 2000);
});

test("a fix less sure than the check-in radius is said to be weak", () => {
  const weak = { fix: fixOf({ coords: { latitude: 1, longitude: 2, accuracy: WEAK_M + 1 }, timestamp: 0 }), problem: null };
  assert.deepEqual(positionNote(weak), ["position.weak", { accuracy: 501 }]);
  const edge = { fix: fixOf({ coords: { latitude: 1, longitude: 2, accuracy: WEAK_M }, timestamp: 0 }), problem: null };
  assert.equal(positionNote(edge)[0], "position.taken");
});

// --------------------------------------------------------------------- the confirmation form

const HASH = "a".repeat(64);

test("the confirmation form takes six digits, a signature or a reason, as the server does", () => {
  const cases = [
    [{ method: "code", code: "123456" }, { confirmation: { method: "code", code: "123456" } }],
    // As a customer reads it out, in groups, or typed on a Chinese keyboard.
    [{ method: "code", code: " 123 456 " }, { confirmation: { method: "code", code: "123456" } }],
    [{ method: "code", code: "１２３４５６" }, { confirmation: { method: "code", code: "123456" } }],
    [{ method: "code", code: "12345" }, { field: "code", problem: "confirm.codeSixDigits" }],
    [{ method: "code", code: "1234567" }, { field: "code", problem: "confirm.codeSixDigits" }],
    [{ method: "code", code: "12345a" }, { field: "code", problem: "confirm.codeSixDigits" }],
    [{ method: "code", code: "" }, { field: "code", problem: "confirm.codeSixDigits" }],
    [{ method: "signature", signatureSha256: HASH }, { confirmation: { method: "signature", signature_sha256: HASH } }],
    [{ method: "signature", signatureSha256: null }, { field: "signature", problem: "confirm.signFirst" }],
    [{ method: "signature", signatureSha256: "XYZ" }, { field: "signature", problem: "confirm.signFirst" }],
    [{ method: "none", reasonLabel: "客户不在家", reasonText: "" }, { confirmation: { method: "none", reason: "客户不在家" } }],
    [{ method: "none", reasonLabel: "客户不在家", reasonText: " 邻居代收 " }, { confirmation: { method: "none", reason: "客户不在家: 邻居代收" } }],
    [{ method: "none", reasonLabel: "", reasonText: "老人没有手机" }, { confirmation: { method: "none", reason: "老人没有手机" } }],
    [{ method: "none", reasonLabel: "", reasonText: "   " }, { field: "reason", problem: "confirm.reasonNeeded" }],
    [{ method: null }, { field: "method", problem: "confirm.chooseMethod" }],
  ];
  for (const [given, expected] of cases) {
    assert.deepEqual(readConfirmation(given), expected, JSON.stringify(given));
  }
  assert.equal(normaliseCode("12-34-56"), "123456");
  assert.ok(CODE.test("000000"));
});

test("the form says where the code went, and opens on the code only when one was sent", () => {
  setLanguage("en");
  const sent = { completion_code_sent_at: "2026-12-06T06:03:00Z", completion_code_sent_to: "*******5678" };
  const [key, params] = codeSent(sent);
  assert.equal(key, "confirm.codeSentTo");
  assert.match(t(key, params), /^Code sent to \*+5678 at .+2026.+\.$/);
  assert.deepEqual(codeSent({ completion_code_sent_at: null }), ["confirm.noCodeSent", {}]);
  assert.deepEqual(codeSent(undefined), ["confirm.noCodeSent", {}]);
  assert.equal(defaultMethod(sent), "code");
  assert.equal(defaultMethod({}), "signature");
});

// --------------------------------------------------------------------- the stamp

test("the stamp names the job, the time and the position, or says there was none", () => {
  const fix = { lat: 31.2304512, lng: 121.4737012, accuracy_m: 12.3 };
  assert.deepEqual(stampLines({ number: "J00000042", time: "2026年12月6日 14:03", fix, words: { noPosition: "无位置" } }), [
    "J00000042 · 2026年12月6日 14:03",
    "31.230451, 121.473701 ±12 m",
  ]);
  assert.equal(stampLines({ number: "J1", time: "now", fix: null, words: { noPosition: "no position" } })[1], "no position");
});

test("the stamp is a band across the bottom of any photo, its lines inside it and readable", () => {
  for (const [width, height] of [
    [2000, 1500],
    [1500, 2000],
    [4000, 300],
    [320, 240],
    [64, 48],
    [2000, 2000],
  ]) {
    const layout = stampLayout(width, height, 2);
    const where = `${width}x${height}`;
    assert.equal(layout.band.x, 0, where);
    assert.equal(layout.band.width, width, where);
    assert.equal(layout.band.y + layout.band.height, height, `${where}: the band reaches the bottom`);
    assert.ok(layout.band.y >= 0, where);
    assert.ok(layout.fontPx >= 14 && layout.fontPx <= 72, `${where}: font ${layout.fontPx}`);
    assert.equal(layout.baselines.length, 2);
    assert.equal(layout.baselines[1] - layout.baselines[0], layout.lineHeight, `${where}: lines apart`);
    // Each line's glyphs (0.85 of the font above the baseline, 0.15 below) lie inside the band.
    assert.ok(layout.baselines[0] - layout.fontPx * 0.85 >= layout.band.y - 1e-9 || layout.band.height === height, where);
    assert.ok(layout.baselines[1] + layout.fontPx * 0.15 <= height, `${where}: the last line is not cut`);
    assert.ok(layout.maxTextWidth <= width && layout.textX >= 0, where);
  }
  // On a large photo the band keeps to a small part of it: the repair stays visible.
  const large = stampLayout(2000, 1500, 2);
  assert.ok(large.band.height / 1500 < 0.15);
  assert.equal(stampLayout(2000, 1500, 2).fontPx, Math.round(1500 * 0.036));
});

// --------------------------------------------------------------------- EXIF that is not there

test("what is no JPEG, or a JPEG whose EXIF is cut short, has no capture time and throws nothing", () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).buffer;
  assert.equal(readExif(png), null);
  assert.equal(exifTakenAt(new ArrayBuffer(0)), null);
  // SOI, then an APP1 "Exif" segment claiming an IFD far past the end of the file.
  const cut = new Uint8Array([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x20, 0x45, 0x78, 0x69, 0x66, 0, 0, 0x4d, 0x4d, 0, 42, 0x7f, 0, 0, 0]);
  assert.equal(readExif(cut.buffer), null);
  // The image data begins before any EXIF: none is looked for after it.
  const sos = new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0xff, 0xe1]);
  assert.equal(readExif(sos.buffer), null);
});
