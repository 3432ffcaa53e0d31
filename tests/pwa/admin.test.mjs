// The admin desk's pure rules: a rejected line's reason and a refused file's explanation in the user's
// language, the scheduler's sentences said again in it, how often a task runs, hours of an SLA policy, and
// the model and part lists typed into the knowledge base editor.

import assert from "node:assert/strict";
import test from "node:test";

// setLanguage marks the page's language on <html>; these rules need no more of a document than that.
globalThis.document = { documentElement: {} };

const { setLanguage } = await import("../../pwa/js/i18n/index.js");
await import("../../pwa/js/desks/admin.js"); // adds the desk's strings, as opening the desk does
const { reason, refusal } = await import("../../pwa/js/desks/admin-imports.js");
const { said } = await import("../../pwa/js/desks/admin-scheduler.js");
const { hours } = await import("../../pwa/js/desks/admin-sla.js");
const { codes } = await import("../../pwa/js/desks/admin-knowledge.js");
const { every } = await import("../../pwa/js/desks/admin-shared.js");
setLanguage("en");

function inLanguage(code, run) {
  setLanguage(code);
  try {
    run();
  } finally {
    setLanguage("en");
  }
}

for (const [rejected, en, zh] of [
  [{ code: "unknown_model", error: "unknown model 'TV99'", details: { model: "TV99" } }, "Model “TV99” is not in the product catalogue: import the products first.", "型号“TV99”不在产品目录中，请先导入产品型号。"],
  [{ code: "repeated_serial", error: "repeats serial SN1 of line 2", details: { serial: "SN1", first_line: 2 } }, "Serial SN1 is on line 2 already.", "序列号 SN1 已在第 2 行出现。"],
  [
    { code: "city_outside_province", error: "city 440100 is not in province 370000", details: { city: "440100", province: "370000" } },
    "City 440100 is not in province 370000.",
    "城市 440100 不属于省份 370000。",
  ],
  [{ code: "empty_serial", error: "the serial is empty", details: {} }, "The serial is empty.", "序列号为空。"],
]) {
  test(`a line rejected for ${rejected.code} is told in either language`, () => {
    assert.equal(reason(rejected), en);
    inLanguage("zh-CN", () => assert.equal(reason(rejected), zh));
  });
}

test("a reason the app has no words for is the server's own sentence", () => {
  const rejected = { code: "insufficient_funds", error: "The deposit does not cover it.", details: {} };
  inLanguage("zh-CN", () => assert.equal(reason(rejected), "The deposit does not cover it."));
});

test("a value the reference data's rules refuse is told with the server's sentence of it", () => {
  const rejected = { code: "validation_error", error: "level: Must be one of: province, city, county.", details: { fields: { level: ["…"] } } };
  inLanguage("zh-CN", () => assert.equal(reason(rejected), "取值不符合要求：level: Must be one of: province, city, county."));
});

test("a file of another kind is refused naming its header, line 1, and saying nothing was imported", () => {
  const answer = { kind: "error", status: 422, code: "missing_columns", details: { missing: ["serial", "model"], expected: [] } };
  assert.equal(refusal(answer), "Line 1, the header, lacks the columns serial, model: is this a file of another kind? Nothing was imported.");
  inLanguage("zh-CN", () => assert.equal(refusal(answer), "第 1 行（表头）缺少以下列：serial, model。是否选错了文件类型？未导入任何数据。"));
});

test("a file that is not UTF-8 is refused naming its first bad line", () => {
  const answer = { kind: "error", status: 422, code: "not_utf8", details: { line: 4 } };
  assert.equal(refusal(answer), "Line 4 is not UTF-8 text. Save the file as “CSV UTF-8” and import it again. Nothing was imported.");
});

test("any other refusal still says that nothing was imported", () => {
  assert.equal(refusal({ kind: "retry", status: 0, code: "network" }), "No network. Nothing was imported.");
});

const run = (task, detail, outcome = "ok") => ({ task, detail, outcome });

for (const [task, detail, en, zh] of [
  ["sla.mark_overdue", "3 SLA stages marked overdue", "3 SLA deadlines marked overdue", "3 个时限节点标记为超时"],
  ["callbacks.open", "12 callbacks opened", "12 callbacks opened", "生成 12 个回访"],
  ["sign_in.purge", "0 forgotten sign-in failures dropped", "0 old failed sign-ins forgotten", "清除 0 条过期登录失败记录"],
  ["parts.plan_rollup", "nothing in the parts plan to order", "nothing in the parts plan to order", "备件计划中没有需要采购的"],
  ["messages.deliver", "3 messages sent, 1 to try again, 0 failed", "3 messages sent, 1 to try again, 0 failed", "已发送 3 条短信，1 条待重试，0 条失败"],
  [
    "messages.deliver",
    "no messages to deliver: the log backend's outbox is their delivery",
    "nothing to send: messages are kept in the outbox only",
    "无需发送：短信只保存在发件箱中",
  ],
  [
    "campaigns.send",
    "120 campaign messages sent from 2 campaign(s), 3 skipped as opted out, 1 campaign(s) done",
    "Campaign messages sent: 120 (campaigns: 2); skipped as opted out: 3; campaigns finished: 1",
    "2 个关怀活动发出 120 条短信，3 位已退订客户跳过，1 个活动完成",
  ],
  [
    "parts.plan_rollup",
    "2 sales order(s) filled from HQ stock; purchase order PO-202606-0003 raised for 4 part(s)",
    "2 sales orders filled from HQ stock; purchase order PO-202606-0003 raised for 4 parts",
    "总部库存满足 2 张销售订单；生成采购订单 PO-202606-0003，共 4 种备件",
  ],
]) {
  test(`what ${task} did ("${detail}") is said in either language`, () => {
    assert.equal(said(run(task, detail)), en);
    inLanguage("zh-CN", () => assert.equal(said(run(task, detail)), zh));
  });
}

test("a failed run says so before the error it recorded; a sentence the app does not know is shown as it is", () => {
  inLanguage("zh-CN", () => {
    assert.equal(said(run("callbacks.open", "OperationalError: gone", "error")), "失败：OperationalError: gone");
    assert.equal(said(run("callbacks.open", "", "running")), "正在运行…");
    assert.equal(said(run("new.task", "7 things done")), "7 things done");
  });
});

for (const [seconds, en, zh] of [
  [60, "Every minute", "每分钟"],
  [600, "Every 10 minutes", "每10分钟"],
  [3600, "Every hour", "每小时"],
  [86_400, "Every day", "每天"],
  [90, "Every 90 seconds", "每90秒钟"],
]) {
  test(`a task run every ${seconds} s is said to run "${en}"`, () => {
    assert.equal(every(seconds), en);
    inLanguage("zh-CN", () => assert.equal(every(seconds), zh));
  });
}

test("minutes of an SLA policy show as hours, to two decimals where they are not whole", () => {
  assert.deepEqual([120, 90, 100, 4830, 1].map(hours), ["2", "1.5", "1.67", "80.5", "0.02"]);
});

test("models and parts typed in a list are split on commas (either width), semicolons or spaces, once each", () => {
  assert.deepEqual(codes(" TV-55A7, TV-65A7;TV-75A7，TV-55A7  WM-D8B1、X1 "), ["TV-55A7", "TV-65A7", "TV-75A7", "WM-D8B1", "X1"]);
  assert.deepEqual(codes("  "), []);
});
