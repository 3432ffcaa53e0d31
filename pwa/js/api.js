// The API as sync sees it: every answer becomes one of four outcomes, each with a machine code.
//
//   {kind: "ok", status, body}
//   {kind: "login", status, code}                  signed out or the token expired: sync waits, work goes on
//   {kind: "retry", status, code}                  no network, timed out, server busy or down: try again later
//   {kind: "error", status, code, message, details} the server's error envelope: retrying alone will not help

export const OK = "ok";
export const LOGIN = "login";
export const RETRY = "retry";
export const ERROR = "error";

export class Api {
  constructor({ baseUrl = "", getToken, fetch = (...args) => globalThis.fetch(...args), timeoutMs = 30_000 }) {
    this.baseUrl = baseUrl;
    this.getToken = getToken;
    this.fetch = fetch;
    this.timeoutMs = timeoutMs;
  }

  get(path, query) {
    return this.request("GET", path, { query });
  }

  post(path, json) {
    return this.request("POST", path, { json });
  }

  head(path) {
    return this.request("HEAD", path);
  }

  // Raw bytes (a photo): `body` is an ArrayBuffer or a Blob; `timeoutMs` for a bigger upload over a slow link.
  put(path, body, { contentType = "application/octet-stream", timeoutMs } = {}) {
    return this.request("PUT", path, { body, contentType, timeoutMs });
  }

  // A file to save (a CSV report): `body` is a Blob, `filename` what the server named it.
  download(path, query) {
    return this.request("GET", path, { query, accept: "*/*" });
  }

  async request(method, path, { query, json, body: raw, contentType, timeoutMs = this.timeoutMs, accept } = {}) {
    const token = await this.getToken();
    if (!token) {
      return { kind: LOGIN, status: 401, code: "no_token" };
    }
    const search = query ? `?${new URLSearchParams(query)}` : "";
    const headers = { Accept: accept ?? "application/json", Authorization: `Bearer ${token}` };
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
    } else if (raw !== undefined) {
      headers["Content-Type"] = contentType;
    }
    let response;
    try {
      response = await this.fetch(`${this.baseUrl}${path}${search}`, {
        method,
        headers,
        body: json === undefined ? raw : JSON.stringify(json),
        // A dead mobile link can leave a request hanging for minutes, holding the sync lock.
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      return { kind: RETRY, status: 0, code: error?.name === "TimeoutError" ? "timeout" : "network" };
    }
    const { status } = response;
    if (accept && response.ok) {
      const disposition = response.headers.get("Content-Disposition") ?? "";
      const filename = disposition.match(/filename="([^"]+)"/)?.[1] ?? "download";
      return { kind: OK, status, body: await response.blob(), filename };
    }
    let body;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (status === 401) {
      return { kind: LOGIN, status, code: body?.error?.code ?? "unauthorized" };
    }
    if (response.ok && (method === "HEAD" || status === 204)) {
      // The status is the answer: a HEAD, or a 204 (a removal), has no body.
      return { kind: OK, status, body: null };
    }
    if (response.ok) {
      // A captive portal (hotel, mall Wi-Fi) answers 200 with its own HTML page.
      return body === undefined ? { kind: RETRY, status, code: "bad_response" } : { kind: OK, status, body };
    }
    if (status >= 500 || status === 408 || status === 429) {
      return { kind: RETRY, status, code: body?.error?.code ?? `http_${status}` };
    }
    const error = body?.error ?? {};
    return {
      kind: ERROR,
      status,
      code: error.code ?? `http_${status}`,
      message: error.message ?? "",
      details: error.details ?? {},
    };
  }
}
