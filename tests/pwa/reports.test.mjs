import assert from "node:assert/strict";
import test from "node:test";

import { setLanguage } from "../../pwa/js/i18n/index.js";
import { figure, groupsOf, lineName, rowsOf } from "../../pwa/js/ui/reports.js";

// The language is set on the page's root element too; no page here, only the element.
globalThis.document ??= { documentElement: {} };

test("a flag's bar is the number of claims carrying it, whatever the providers and months of its rows", () => {
  setLanguage("en");
  const body = {
    by_flag: [
      { flag: "UNKNOWN_SERIAL", provider_code: "P01", provider_name: "A", month: "2026-01", claims: 2, amount: "10.00" },
      { flag: "DUPLICATE_CLAIM", provider_code: "P01", provider_name: "A", month: "2026-01", claims: 1, amount: "5.00" },
      { flag: "UNKNOWN_SERIAL", provider_code: "P02", provider_name: "B", month: "2026-01", claims: 1, amount: "3.00" },
      { flag: "UNKNOWN_SERIAL", provider_code: "P02", provider_name: "B", month: "2025-12", claims: 4, amount: "9.00" },
    ],
  };
  const groups = groupsOf("claims", rowsOf("claims", body), "claims");
  assert.deepEqual(
    groups.map(({ code, name, value }) => [code, name, value]),
    [
      ["UNKNOWN_SERIAL", "Unknown serial", 7],
      ["DUPLICATE_CLAIM", "Duplicate claim", 1],
    ],
  );
});

test("other reports compare their rows as the server ranked them, by the report's figure", () => {
  const rows = [
    { code: "440000", name: "广东省", rate_per_100: 100 },
    { code: "370000", name: "山东省", rate_per_100: 50 },
  ];
  assert.deepEqual(groupsOf("complaints", rows, "rate_per_100"), [
    { code: "440000", name: "广东省", value: 100 },
    { code: "370000", name: "山东省", value: 50 },
  ]);
});

test("product lines by their names, in each language; one the app does not know, in words", () => {
  setLanguage("zh-CN");
  assert.equal(lineName("washing_machine"), "洗衣机");
  setLanguage("en");
  assert.equal(lineName("tv"), "Televisions");
  assert.equal(lineName("water_heater"), "water heater");
});

test("counts read whole, rates with two decimals, and a missing figure as a dash", () => {
  assert.equal(figure(3, "jobs"), "3");
  assert.equal(figure(66.666, "rate_per_100"), "66.67");
  assert.equal(figure(null, "overall"), "–");
  assert.equal(figure("12.50", "amount"), "12.50");
});

test("request volume: the change from last year, the shade of a cell and the peak hour in words", async () => {
  const { change, shade, summary, weekdayName } = await import("../../pwa/js/ui/volume.js");
  setLanguage("en");
  assert.equal(change(12, 10), 20);
  assert.equal(change(5, 8), -37.5);
  assert.equal(change(3, 0), null);
  assert.equal(change(3, null), null);
  // Four shades above none, the busiest cell the darkest; a quiet hour is never shaded as none.
  assert.deepEqual([0, 0.1, 1, 2.5, 4].map((value) => shade(value, 4)), [0, 1, 1, 3, 4]);
  assert.equal(shade(1, 0), 0);
  assert.equal(weekdayName(0, "long"), "Monday");
  const mean = Array.from({ length: 7 }, () => Array(24).fill(0));
  mean[5][12] = 1.5;
  const text = summary({ total: 3, last_year_total: 2, peak: { weekday: 5, hour: 12, requests: 3 }, weekday_hour_mean: mean });
  assert.equal(text, "Requests in the range: 3. Same weeks last year: 2 (+50.0%). Busiest: Saturday 12:00–13:00, 1.5 a day on average.");
  setLanguage("zh-CN");
  assert.equal(weekdayName(6, "long"), "星期日");
  assert.ok(!summary({ total: 0, last_year_total: null, peak: null, weekday_hour_mean: mean }).includes("null"));
});
