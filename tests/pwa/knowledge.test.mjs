import assert from "node:assert/strict";
import test from "node:test";

import { concerns, faultCodes, matches, search, words } from "../../pwa/js/ui/knowledge.js";

const entry = (fields) => ({ type: "defect", title: "", symptom: "", cause: "", fix: "", fault_code: null, models: [], categories: [], ...fields });

const BACKLIGHT = entry({
  id: 1,
  title: "有声音无图像 (no picture)",
  symptom: "开机有声音，屏幕全黑。Sound but a black screen.",
  cause: "背光灯条损坏。Broken LED backlight.",
  fix: "更换背光灯条",
  fault_code: "E21",
  models: ["TV55"],
  updated_at: "2026-03-01T00:00:00+00:00",
});
const PANEL = entry({ id: 2, title: "屏幕有竖线", cause: "Loose panel cable", fault_code: "P-01", models: ["TV65"], updated_at: "2026-03-02T00:00:00+00:00" });
const RESET = entry({ id: 3, type: "faq", title: "恢复出厂设置 (factory reset)", fix: "100% 成功", categories: ["tv"], updated_at: "2026-03-03T00:00:00+00:00" });
const ALL = [BACKLIGHT, PANEL, RESET];

test("a query's words are lower-cased and split on any space", () => {
  assert.deepEqual(words("  E21\t背光  Screen "), ["e21", "背光", "screen"]);
  assert.deepEqual(words(""), []);
  assert.deepEqual(words(undefined), []);
});

for (const [query, found] of [
  ["背光", [1]],
  ["屏幕", [2, 1]],
  ["BACKLIGHT", [1]],
  ["e21", [1]],
  ["p-01", [2]],
  ["屏 竖线", [2]],
  ["screen cable", []],
  ["100%", [3]],
  ["", [3, 2, 1]],
]) {
  test(`searching "${query}" finds ${JSON.stringify(found)}, newest first`, () => {
    assert.deepEqual(search(ALL, { q: query }).map((a) => a.id), found);
  });
}

test("every word must appear, in any of the searched fields", () => {
  assert.equal(matches(BACKLIGHT, words("屏幕 背光 e21")), true);
  assert.equal(matches(BACKLIGHT, words("屏幕 竖线")), false);
});

test("the type filter narrows", () => {
  assert.deepEqual(search(ALL, { type: "faq" }).map((a) => a.id), [3]);
  assert.deepEqual(search(ALL, { type: "defect" }).map((a) => a.id), [2, 1]);
});

test("a model finds entries listing it and, when its category is known, the category's", () => {
  assert.deepEqual(search(ALL, { model: "TV55", category: "tv" }).map((a) => a.id), [3, 1]);
  assert.deepEqual(search(ALL, { model: "TV55" }).map((a) => a.id), [1]);
  assert.equal(concerns(RESET, "", ""), true);
  assert.equal(concerns(PANEL, "TV55", "tv"), false);
});

test("the completion form offers the defects of the unit's model by code, never an FAQ", () => {
  assert.deepEqual(faultCodes(ALL, "TV65", "tv").map((a) => a.fault_code), ["P-01"]);
  assert.deepEqual(faultCodes(ALL, undefined, undefined).map((a) => a.fault_code), ["E21", "P-01"]);
});
