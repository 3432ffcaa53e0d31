import assert from "node:assert/strict";
import test from "node:test";

import { Api } from "../../pwa/js/api.js";

const answering =
  (status, body, contentType = "application/json") =>
  async () =>
    new Response(typeof body === "string" ? body : JSON.stringify(body), {
      status,
      headers: { "Content-Type": contentType },
    });

const failing = (error) => async () => {
  throw error;
};

const envelope = (code) => ({ error: { code, message: "Sentence for people.", details: { field: "x" } } });

// [what the server or network does, fetch double, the outcome]
const CASES = [
  ["a 200 with JSON is ok with its body", answering(200, { a: 1 }), { kind: "ok", status: 200, body: { a: 1 } }],
  [
    "a 401 needs a login",
    answering(401, envelope("token_expired")),
    { kind: "login", status: 401, code: "token_expired" },
  ],
  [
    "a 503 is retried later",
    answering(503, envelope("unavailable")),
    { kind: "retry", status: 503, code: "unavailable" },
  ],
  [
    "a 502 from a proxy without JSON is retried later",
    answering(502, "<html>", "text/html"),
    { kind: "retry", status: 502, code: "http_502" },
  ],
  [
    "a 429 is retried later",
    answering(429, envelope("too_many_requests")),
    { kind: "retry", status: 429, code: "too_many_requests" },
  ],
  [
    "no network is retried later",
    failing(new TypeError("Failed to fetch")),
    { kind: "retry", status: 0, code: "network" },
  ],
  [
    "a timeout is retried later",
    failing(new DOMException("timed out", "TimeoutError")),
    { kind: "retry", status: 0, code: "timeout" },
  ],
  [
    "a captive portal's 200 HTML page is retried later",
    answering(200, "<html>login</html>", "text/html"),
    { kind: "retry", status: 200, code: "bad_response" },
  ],
  [
    "a 4xx envelope is an error with its code, message and details",
    answering(403, envelope("client_not_yours")),
    { kind: "error", status: 403, code: "client_not_yours", message: "Sentence for people.", details: { field: "x" } },
  ],
  [
    "a 404 without an envelope is an error named by its status",
    answering(404, "nope", "text/plain"),
    { kind: "error", status: 404, code: "http_404", message: "", details: {} },
  ],
];

for (const [name, fetch, expected] of CASES) {
  test(name, async () => {
    const api = new Api({ baseUrl: "http://sanbao.test", getToken: () => "t", fetch });

    assert.deepEqual(await api.get("/api/sync/pull"), expected);
  });
}

test("without a token no request is made and a login is needed", async () => {
  let called = false;
  const api = new Api({
    getToken: async () => null,
    fetch: async () => {
      called = true;
    },
  });

  assert.deepEqual(await api.get("/api/sync/pull"), { kind: "login", status: 401, code: "no_token" });
  assert.equal(called, false);
});

test("requests carry the bearer token, JSON body and query", async () => {
  let seen;
  const api = new Api({
    baseUrl: "http://sanbao.test",
    getToken: async () => "abc",
    fetch: async (url, init) => {
      seen = { url, method: init.method, headers: init.headers, body: init.body };
      return new Response("{}", { status: 200 });
    },
  });

  await api.post("/api/sync/push", { ops: [] });
  assert.deepEqual(seen, {
    url: "http://sanbao.test/api/sync/push",
    method: "POST",
    headers: { Accept: "application/json", Authorization: "Bearer abc", "Content-Type": "application/json" },
    body: '{"ops":[]}',
  });
  await api.get("/api/sync/pull", { limit: 5, cursor: "a+b" });
  assert.equal(seen.url, "http://sanbao.test/api/sync/pull?limit=5&cursor=a%2Bb");
});

test("a HEAD's answer is its status: 200 is ok with no body, 404 an error", async () => {
  const api = (status) =>
    new Api({ getToken: () => "t", fetch: async () => new Response(null, { status, headers: { "Content-Type": "text/html" } }) });

  assert.deepEqual(await api(200).head("/api/sync/blobs/ab"), { kind: "ok", status: 200, body: null });
  assert.deepEqual(await api(404).head("/api/sync/blobs/ab"), {
    kind: "error",
    status: 404,
    code: "http_404",
    message: "",
    details: {},
  });
});

test("a removal answered 204 is ok with no body, not a bad answer to try again", async () => {
  const api = new Api({ getToken: () => "t", fetch: async () => new Response(null, { status: 204 }) });

  assert.deepEqual(await api.request("DELETE", "/api/opt-outs/13900000001"), { kind: "ok", status: 204, body: null });
});

test("a PUT sends raw bytes with their type and its own timeout", async () => {
  let seen;
  const api = new Api({
    getToken: async () => "abc",
    fetch: async (url, init) => {
      seen = { url, method: init.method, headers: init.headers, body: init.body, signal: init.signal };
      return new Response('{"stored": true}', { status: 201 });
    },
  });
  const bytes = new Uint8Array([1, 2, 3]).buffer;

  assert.deepEqual(await api.put("/api/sync/blobs/ab", bytes, { contentType: "image/jpeg", timeoutMs: 5 }), {
    kind: "ok",
    status: 201,
    body: { stored: true },
  });
  assert.equal(seen.method, "PUT");
  assert.equal(seen.body, bytes);
  assert.deepEqual(seen.headers, { Accept: "application/json", Authorization: "Bearer abc", "Content-Type": "image/jpeg" });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(seen.signal.aborted, true);
});

test("a download is the file's bytes with the name the server gave it", async () => {
  const api = new Api({
    getToken: async () => "abc",
    fetch: async (url, init) => {
      assert.equal(init.headers.Accept, "*/*");
      return new Response("\ufeffa,b\n1,2\n", {
        status: 200,
        headers: { "Content-Type": "text/csv", "Content-Disposition": 'attachment; filename="sla-province.csv"' },
      });
    },
  });

  const answer = await api.download("/api/reports/sla.csv", { level: "province" });

  assert.equal(answer.kind, "ok");
  assert.equal(answer.filename, "sla-province.csv");
  // The bytes as sent, the BOM that tells spreadsheet programs it is UTF-8 included.
  assert.deepEqual([...new Uint8Array(await answer.body.arrayBuffer())].slice(0, 4), [0xef, 0xbb, 0xbf, 0x61]);
  assert.equal(answer.body.size, 3 + "a,b\n1,2\n".length);
});

test("a refused download is the server's error, not a file", async () => {
  const api = new Api({ getToken: async () => "abc", fetch: answering(422, envelope("validation_error")) });

  const answer = await api.download("/api/reports/sla.csv", { from: "2026-02-01", to: "2026-01-01" });

  assert.equal(answer.kind, "error");
  assert.equal(answer.code, "validation_error");
});
