// A small in-test stand-in for the sync API, answering as server/syncing does: ops taken in seq order once
// each (a replay answered `duplicate` with its stored result, a gap stopping the push), and a feed read by
// cursor, snapshot first, starting again with `reset` when the cursor points below what was compacted.
// Faults are queued per endpoint and taken by the next request to it.

import { Api } from "../../pwa/js/api.js";
import { openDatabase } from "../../pwa/js/db.js";
import { SyncEngine } from "../../pwa/js/sync.js";

const BASE_URL = "http://sanbao.test";

// What an applied op does to its job on the server.
const EFFECTS = {
  "job.accept": { state: "accepted" },
  "job.depart": { state: "en_route" },
  "job.arrive": { state: "on_site" },
};

const json = (status, body) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const envelope = (status, code) => json(status, { error: { code, message: `${code} (double)`, details: {} } });

export class ServerDouble {
  token = "token-of-tech1";
  secret = "k1";
  entities = new Map();
  log = [];
  floor = 0;
  lastSeq = new Map();
  kept = new Map();
  applied = [];
  requests = [];
  faults = { push: [], pull: [], blobs: [] };
  blobs = new Map(); // sha256 → bytes (Uint8Array), as server/syncing/blobs.py keeps them
  decide = () => ({ result: "applied", code: "", message: "" });
  beforePull = null;
  // The fee guide every pull answer carries whole ({fees, travel_fees}), or none (a server before charges).
  feeGuide = null;
  delayMs = 0;
  inFlight = 0;
  maxInFlight = 0;

  put(entity, id, data) {
    const key = `${entity}/${id}`;
    const version = (this.entities.get(key)?.version ?? 0) + 1;
    this.entities.set(key, { entity, id, version, data });
    this.log.push({ entity, id, op: "put", version, data });
  }

  remove(entity, id) {
    const version = this.entities.get(`${entity}/${id}`).version;
    this.entities.delete(`${entity}/${id}`);
    this.log.push({ entity, id, op: "remove", version, data: null });
  }

  // Drops the log written so far: a device whose cursor points before its end starts again from a snapshot.
  compact() {
    this.floor = this.log.length;
  }

  fail(endpoint, fault) {
    this.faults[endpoint].push(fault);
  }

  pushes() {
    return this.requests.filter((request) => request.endpoint === "push").map((request) => request.body);
  }

  fetch = async (url, init) => {
    const { pathname, searchParams } = new URL(url);
    const blob = pathname.match(/\/api\/sync\/blobs\/(.+)$/);
    const endpoint = blob ? "blobs" : pathname.split("/").at(-1);
    const raw = blob && init.body !== undefined ? new Uint8Array(await new Response(init.body).arrayBuffer()) : undefined;
    const body = init.body === undefined || blob ? undefined : JSON.parse(init.body);
    this.requests.push({ endpoint, method: init.method, sha256: blob?.[1], body, bytes: raw, query: Object.fromEntries(searchParams) });
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      const fault = this.faults[endpoint].shift() ?? {};
      if (fault.network) {
        throw new TypeError("Failed to fetch");
      }
      if (fault.status) {
        return envelope(fault.status, fault.code ?? "unavailable");
      }
      if (init.headers.Authorization !== `Bearer ${this.token}`) {
        return envelope(401, "unauthorized");
      }
      const answer =
        endpoint === "blobs"
          ? await this.blob(init.method, blob[1], raw)
          : endpoint === "push"
            ? this.push(body, fault)
            : await this.#pull(searchParams);
      if (fault.lostAnswer) {
        throw new TypeError("Failed to fetch");
      }
      return answer;
    } finally {
      this.inFlight -= 1;
    }
  };

  async blob(method, sha256, bytes) {
    if (method === "HEAD") {
      return new Response(null, { status: this.blobs.has(sha256) ? 200 : 404 });
    }
    const digest = Buffer.from(await crypto.subtle.digest("SHA-256", bytes)).toString("hex");
    if (digest !== sha256) {
      return envelope(422, "hash_mismatch");
    }
    const stored = !this.blobs.has(sha256);
    this.blobs.set(sha256, bytes);
    return json(stored ? 201 : 200, { sha256, size: bytes.length, stored });
  }

  push({ client_id: clientId, ops }, fault = {}) {
    const results = [];
    for (const op of ops.filter((op) => op.seq !== fault.dropSeq).sort((a, b) => a.seq - b.seq)) {
      const last = this.lastSeq.get(clientId) ?? 0;
      const stored = this.kept.get(op.op_id);
      if (stored) {
        results.push({ ...stored, result: "duplicate", stored_result: stored.result });
        continue;
      }
      if (op.seq > last + 1) {
        break;
      }
      const { result, code, message } = this.decide(op);
      const kept = { op_id: op.op_id, seq: op.seq, result, code, message };
      this.kept.set(op.op_id, kept);
      this.lastSeq.set(clientId, op.seq);
      if (result === "applied") {
        this.applied.push(op.op_id);
        const job = this.entities.get(`job/${op.entity_id}`);
        if (job && EFFECTS[op.type]) {
          this.put("job", op.entity_id, { ...job.data, ...EFFECTS[op.type] });
        }
      }
      results.push(kept);
    }
    return json(200, { results, acked_seq: this.lastSeq.get(clientId) ?? 0 });
  }

  async #pull(query) {
    await this.beforePull?.();
    this.beforePull = null;
    const limit = Number(query.get("limit"));
    const acked = this.lastSeq.get(query.get("client_id")) ?? 0;
    let state = null;
    if (query.has("cursor")) {
      state = JSON.parse(atob(query.get("cursor")));
      if (state.k !== this.secret) {
        return envelope(422, "bad_cursor");
      }
    }
    const reset = state === null || ("at" in state && state.at < this.floor);
    if (reset) {
      state = { snap: 0, at: this.log.length };
    }
    let changes;
    let next;
    if ("snap" in state) {
      const all = [...this.entities.values()].map((held) => ({ ...held, op: "put" }));
      changes = all.slice(state.snap, state.snap + limit);
      next = state.snap + limit < all.length ? { snap: state.snap + limit, at: state.at } : { at: state.at };
    } else {
      changes = this.log.slice(state.at, state.at + limit);
      next = { at: state.at + changes.length };
    }
    const hasMore = "snap" in next || next.at < this.log.length;
    const cursor = btoa(JSON.stringify({ ...next, k: this.secret }));
    return json(200, { changes, cursor, has_more: hasMore, acked_seq: acked, reset, ...(this.feeGuide ?? {}) });
  }
}

export class FakeTimers {
  scheduled = [];

  setTimeout(callback, ms) {
    this.scheduled.push({ callback, ms, cleared: false });
    return this.scheduled.length - 1;
  }

  clearTimeout(id) {
    this.scheduled[id].cleared = true;
  }

  delays() {
    return this.scheduled.map((timer) => timer.ms);
  }
}

export function openTestDatabase() {
  return openDatabase(`sanbao-test-${crypto.randomUUID()}`);
}

// A device signed in to a fresh server double; `options` go to the SyncEngine.
export async function device(options = {}) {
  const server = new ServerDouble();
  const session = { token: server.token };
  const db = await openTestDatabase();
  const timers = new FakeTimers();
  const api = new Api({ baseUrl: BASE_URL, getToken: () => session.token, fetch: server.fetch });
  const engine = new SyncEngine({ db, api, timers, random: () => 1, ...options });
  return { server, session, db, engine, timers };
}

export function held(db, entity, id) {
  return db.get("entities", [entity, id]);
}
