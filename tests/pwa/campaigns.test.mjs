// The campaign desk's pure rules: what a form lacks before it is sent, a refusal's fields said in the user's
// language (the placeholder at fault named, never a code), the filters sent, and a text read with its details.

import assert from "node:assert/strict";
import test from "node:test";

// setLanguage marks the page's language on <html>; these rules need no more of a document than that.
globalThis.document = { documentElement: {} };

const { setLanguage } = await import("../../pwa/js/i18n/index.js");
const { filtersFrom, formProblems, readable, refusedFields, statusText } = await import("../../pwa/js/desks/campaigns.js");

const FORM = { name: "滤网清洗", body: "您的{model}", rate: "60", soldFrom: "", soldTo: "" };

test("a complete form lacks nothing", () => {
  assert.deepEqual(formProblems(FORM), {});
});

for (const [change, field] of [
  [{ name: "  " }, "name"],
  [{ body: "" }, "body"],
  [{ rate: "0" }, "rate_per_minute"],
  [{ rate: "-3" }, "rate_per_minute"],
  [{ rate: "1.5" }, "rate_per_minute"],
  [{ rate: "100001" }, "rate_per_minute"],
  [{ soldFrom: "2025-06-01", soldTo: "2025-05-31" }, "filters.sold_to"],
]) {
  test(`a form with ${JSON.stringify(change)} is held back naming ${field}`, () => {
    setLanguage("en");
    assert.deepEqual(Object.keys(formProblems({ ...FORM, ...change })), [field]);
  });
}

test("an unknown placeholder is said in the user's language, naming it", () => {
  const answer = { kind: "error", code: "validation_error", details: { fields: { body: ["..."] }, placeholder: "{name}" } };
  setLanguage("zh-CN");
  assert.match(refusedFields(answer).body, /^\{name\} 不是短信可以填入的客户信息/);
  setLanguage("en");
  assert.match(refusedFields(answer).body, /^\{name\} is not a customer detail/);
});

test("an unknown region or a date range is said under its filter, with the codes the server names", () => {
  setLanguage("en");
  const unknown = { kind: "error", details: { fields: { "filters.region_codes": ["..."] }, unknown: ["999999"] } };
  assert.deepEqual(refusedFields(unknown), { "filters.region_codes": "Unknown province or city: 999999." });
  const dates = { kind: "error", details: { fields: { "filters.sold_to": ["..."] } } };
  assert.deepEqual(refusedFields(dates), { "filters.sold_to": "The last sale day comes before the first." });
});

test("only the filters that narrow are sent", () => {
  const none = { categories: [], models: [], provinces: [], soldFrom: "", soldTo: "", warranty: "" };
  assert.deepEqual(filtersFrom(none), {});
  assert.deepEqual(filtersFrom({ ...none, categories: ["washing_machine"], provinces: ["370000"], soldFrom: "2024-01-01", warranty: "in" }), {
    categories: ["washing_machine"],
    province_codes: ["370000"],
    sold_from: "2024-01-01",
    warranty: "in",
  });
  assert.deepEqual(filtersFrom({ ...none, card: "extended_warranty" }), { card: "extended_warranty" });
  assert.deepEqual(filtersFrom({ ...none, card: "gold" }), {});
});

test("a text is read with the details its placeholders stand for, and every status has words", () => {
  setLanguage("zh-CN");
  assert.equal(readable("您的{model}，尾号{serial_tail}，{{x}}"), "您的[型号]，尾号[序列号后4位]，{{x}}");
  assert.equal(statusText("sending"), "发送中");
  assert.equal(statusText("no_such"), "未知状态");
});
