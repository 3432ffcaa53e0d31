import assert from "node:assert/strict";
import test from "node:test";

import { setLanguage } from "../../pwa/js/i18n/index.js";
import { signIn } from "../../pwa/js/session.js";
import { signInProblem } from "../../pwa/js/ui/login-view.js";

// setLanguage marks the page's language; Node has no page.
globalThis.document ??= { documentElement: {} };

const answering = (status, body, headers = {}) => async () =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

const refusal = (code, details = {}) => ({ error: { code, message: "Sentence for people.", details } });

test("a 429 on sign-in is a wait of the seconds Retry-After gives, not wrong credentials", async () => {
  const answer = answering(429, refusal("too_many_attempts", { retry_after: 300 }), { "Retry-After": "300" });
  assert.deepEqual(await signIn("ann", "guess", answer), { ok: false, reason: "throttled", retryAfter: 300 });
});

test("a 401 on sign-in is still wrong credentials", async () => {
  assert.deepEqual(await signIn("ann", "guess", answering(401, refusal("invalid_credentials"))), {
    ok: false,
    reason: "failed",
  });
});

// [language, seconds to wait, what the sign-in form says]
const WAITS = [
  ["en", 300, "Too many failed sign-ins. Try again in 5 min."],
  ["en", 1, "Too many failed sign-ins. Try again in 1 min."],
  ["en", 61, "Too many failed sign-ins. Try again in 2 min."],
  ["zh-CN", 300, "登录失败次数过多，请 5 分钟后再试。"],
  ["zh-CN", 900, "登录失败次数过多，请 15 分钟后再试。"],
];

for (const [language, seconds, sentence] of WAITS) {
  test(`a wait of ${seconds} s reads in ${language}: ${sentence}`, () => {
    setLanguage(language);
    assert.equal(signInProblem({ ok: false, reason: "throttled", retryAfter: seconds }), sentence);
  });
}
