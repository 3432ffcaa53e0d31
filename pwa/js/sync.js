// One sync round: upload the photos the device holds, push the outbox, then pull the feed until it has no more.
//
// Photos go first: an op names its photo by SHA-256, and what reads the op on the server (a claim's checks, a
// dispatcher opening the scan) looks for the bytes under that name. Each is asked for with HEAD and sent with
// PUT only when the server lacks it; it leaves the device once the server holds it.
//
// Push sends the outbox in seq order from the first op not acknowledged, in batches. The server takes
// ops in order, once each; whatever it answers, ops up to its acked_seq are done and leave the outbox
// (the ones it rejected, or that met a conflict, are listed in meta with their code for the technician
// to see). Ops after acked_seq (a gap, a lost answer) simply go again next round: a replay is answered
// `duplicate` with its stored result, never applied twice.
//
// Pull applies each page, and the cursor that follows it, in one transaction: a round cut off between
// pages resumes from the last page stored, skipping nothing and applying nothing twice.
//
// Local changes: an entity keeps the server's copy apart from what the device shows, and the local
// changes of ops the server has not taken yet are laid over every fresher copy the feed brings. When the
// pull is through, every entity still carrying local changes is rebuilt the same way, so the change of an
// op the server rejected disappears even though the server never sends that entity again.

import { ERROR, OK, RETRY } from "./api.js";
import { inTransaction } from "./db.js";
import { changesOf, countPending, recordAll, SENT, withLocalChanges } from "./outbox.js";

export const LOCK_NAME = "sanbao-sync";

const NOT_APPLIED = new Set(["rejected", "conflict"]);

export const IDLE = "idle";
export const PUSH = "push";
export const PULL = "pull";

function wire({ op_id, seq, type, entity_id, payload, client_time }) {
  return { op_id, seq, type, entity_id, payload, client_time };
}

const keyOf = (entity, id) => JSON.stringify([entity, id]);

// entity key → patches of the ops after `ackedSeq` (the server's data already includes the others).
async function localPatches(outbox, ackedSeq) {
  const patches = new Map();
  for await (const cursor of outbox.iterate(IDBKeyRange.lowerBound(ackedSeq, true))) {
    for (const change of changesOf(cursor.value)) {
      const key = keyOf(change.entity, change.id);
      patches.set(key, [...(patches.get(key) ?? []), change.patch]);
    }
  }
  return patches;
}

// One page of the feed with the cursor that follows it, in the caller's transaction.
async function applyPage(tx, { changes, cursor, has_more, acked_seq, reset, fees, travel_fees: travelFees }) {
  const entities = tx.objectStore("entities");
  const patches = await localPatches(tx.objectStore("outbox"), acked_seq);
  if (reset) {
    // What only this device has (entities made by ops not synced yet) is not the server's to clear.
    for await (const held of entities.iterate()) {
      if (held.value.server !== null) {
        await held.delete();
      }
    }
  }
  for (const change of changes) {
    if (change.op === "remove") {
      await entities.delete([change.entity, change.id]);
      continue;
    }
    const { entity, id, version, data } = change;
    await entities.put(withLocalChanges(entity, id, version, data, patches.get(keyOf(entity, id)) ?? []));
  }
  const meta = tx.objectStore("meta");
  // The fee guide comes whole with every answer (it is small): the phone quotes paid repairs from it offline.
  if (Array.isArray(fees) || Array.isArray(travelFees)) {
    await meta.put({ fees: fees ?? [], travel_fees: travelFees ?? [] }, "fee_guide");
  }
  if (!has_more) {
    for await (const held of entities.index("pending").iterate()) {
      const { entity, id, version, server } = held.value;
      const rebuilt = withLocalChanges(entity, id, version, server, patches.get(keyOf(entity, id)) ?? []);
      await (rebuilt ? held.update(rebuilt) : held.delete());
    }
    await meta.put(new Date().toISOString(), "last_success");
  }
  await meta.put(cursor, "cursor");
}

// Emits "status" events whose detail is {phase, pending, lastSuccess, rejected, problem, retryAt, rounds}:
// `problem` is null or the API outcome that stopped the last round ({kind, status, code}); `rounds` counts the
// rounds finished, so a view redraws after a round (what a pull brought) and not after each local write.
export class SyncEngine extends EventTarget {
  #tail = Promise.resolve();
  #failures = 0;
  #timer = null;
  #closed = false;
  #status = { phase: IDLE, pending: 0, lastSuccess: null, rejected: [], problem: null, retryAt: null, rounds: 0 };

  constructor({
    db,
    api,
    batchSize = 200,
    pageSize = 500,
    // A photo of a megabyte or two over a weak mobile link takes longer than a page of JSON.
    uploadTimeoutMs = 120_000,
    backoffBase = 2_000,
    backoffCap = 5 * 60_000,
    locks = globalThis.navigator?.locks,
    timers = globalThis,
    random = Math.random,
  }) {
    super();
    Object.assign(this, { db, api, batchSize, pageSize, uploadTimeoutMs, backoffBase, backoffCap, locks, timers, random });
  }

  get status() {
    return { ...this.#status };
  }

  // Record an op, or the ops of one tap together (see outbox.recordAll), and tell the sync bar. Resolves with
  // the op made (or the list of them) once it is kept: the sync bar's count follows, the tap's screen need not
  // wait for it.
  async record(args) {
    const made = await recordAll(this.db, [args].flat());
    this.refresh().catch(() => {});
    return Array.isArray(args) ? made : made[0];
  }

  // The technician has seen what the server did not apply: one (by op id) or every one (no id).
  async dismiss(opId = null) {
    await inTransaction(this.db, "meta", "readwrite", async (tx) => {
      const rejected = await tx.store.get("rejected");
      await tx.store.put(
        opId === null ? [] : rejected.filter((op) => op.op_id !== opId),
        "rejected",
      );
    });
    await this.refresh();
  }

  async refresh() {
    const [pending, lastSuccess, rejected] = await Promise.all([
      countPending(this.db),
      this.db.get("meta", "last_success"),
      this.db.get("meta", "rejected"),
    ]);
    this.#emit({ pending, lastSuccess, rejected });
  }

  // Runs one round after any round already running (in any tab where Web Locks exist);
  // resolves to {ok, problem, retryIn}.
  sync() {
    return this.#exclusive(() => this.#round());
  }

  // No more scheduled retries (signing out, tests).
  close() {
    this.#closed = true;
    this.#cancelRetry();
  }

  #exclusive(task) {
    if (this.locks) {
      return this.locks.request(LOCK_NAME, task);
    }
    const run = this.#tail.then(task);
    this.#tail = run.catch(() => {});
    return run;
  }

  async #round() {
    this.#cancelRetry();
    let problem;
    try {
      const known = [];
      problem = (await this.#push(known)) ?? (await this.#pull());
      if (problem === null) {
        // Only now: a captive portal answers any HEAD with 200, but not a push or a pull with their JSON.
        await Promise.all(known.map((sha256) => this.db.delete("photos", sha256)));
      }
    } catch (error) {
      await this.#finish({ kind: ERROR, status: 0, code: error?.name ?? "local_error" });
      throw error;
    }
    return this.#finish(problem);
  }

  // null when the outbox went as far as the server took it; else the outcome that stopped the push.
  async #push(known) {
    const clientId = await this.db.get("meta", "client_id");
    for (;;) {
      // The outbox holds only ops not acknowledged: they leave it with the acknowledgement.
      const ops = await this.db.getAll("outbox", null, this.batchSize);
      // Photos after reading the batch and before sending it: a photo is kept before the op naming it is
      // recorded, so each one this batch names is held by now, even if the scan was made during this round.
      const stopped = await this.#uploadPhotos(known);
      if (stopped) {
        return stopped;
      }
      if (ops.length === 0) {
        return null;
      }
      await this.#markSent(ops);
      this.#emit({ phase: PUSH });
      const answer = await this.api.post("/api/sync/push", {
        client_id: clientId,
        // The app's data schema is the database's: payloads change shape only with an upgrade.
        schema_version: this.db.version,
        ops: ops.map(wire),
      });
      if (answer.kind !== OK) {
        return answer;
      }
      const nowAcked = await this.#take(ops, answer.body);
      await this.refresh();
      if (nowAcked < ops.at(-1).seq) {
        return null;
      }
    }
  }

  // Every photo held and not yet found on the server, oldest first; null, or the outcome that stopped it.
  // `known` collects those the server said it holds already (see #round).
  async #uploadPhotos(known) {
    for (const sha256 of await this.db.getAllKeys("photos")) {
      if (known.includes(sha256)) {
        continue;
      }
      const path = `/api/sync/blobs/${sha256}`;
      const found = await this.api.head(path);
      if (found.kind === OK) {
        known.push(sha256);
        continue;
      }
      if (found.kind !== ERROR || found.status !== 404) {
        return found;
      }
      this.#emit({ phase: PUSH });
      const photo = await this.db.get("photos", sha256);
      if (!photo) {
        continue; // another tab's round sent it meanwhile
      }
      const sent = await this.api.put(path, photo.bytes, { contentType: photo.type, timeoutMs: this.uploadTimeoutMs });
      if (sent.kind === OK && sent.body?.sha256 === sha256) {
        await this.db.delete("photos", sha256);
      } else if (sent.kind === ERROR) {
        // The server will never take these bytes (altered on the device, or too big): keeping them would stop
        // every round here for good. The scan keeps its serial; the technician is told the photo is lost.
        await this.#givenUp(photo, sent);
      } else {
        return sent.kind === OK ? { kind: RETRY, status: sent.status, code: "bad_response" } : sent;
      }
    }
    return null;
  }

  #givenUp(photo, { code, message }) {
    return inTransaction(this.db, ["photos", "meta"], "readwrite", async (tx) => {
      const meta = tx.objectStore("meta");
      const rejected = await meta.get("rejected");
      rejected.push({
        op_id: `photo:${photo.sha256}`,
        seq: null,
        type: "photo.upload",
        entity_id: photo.sha256.slice(0, 12),
        payload: { sha256: photo.sha256, size: photo.bytes.byteLength },
        client_time: photo.kept_at,
        result: "rejected",
        code,
        message,
      });
      await Promise.all([meta.put(rejected, "rejected"), tx.objectStore("photos").delete(photo.sha256)]);
    });
  }

  #markSent(ops) {
    return inTransaction(this.db, "outbox", "readwrite", (tx) =>
      Promise.all(ops.filter((op) => op.state !== SENT).map((op) => tx.store.put({ ...op, state: SENT }))),
    );
  }

  // Take a push's answer: list what was not applied, drop what was acknowledged. Losing this
  // transaction in a crash is harmless: the ops go again and come back as duplicates with their results.
  #take(ops, { results, acked_seq }) {
    const sent = new Map(ops.map((op) => [op.op_id, op]));
    return inTransaction(this.db, ["outbox", "meta"], "readwrite", async (tx) => {
      const meta = tx.objectStore("meta");
      const acked = Math.max(acked_seq, await meta.get("acked_seq"));
      const rejected = await meta.get("rejected");
      const listed = new Set(rejected.map((op) => op.op_id));
      for (const answer of results) {
        const result = answer.result === "duplicate" ? answer.stored_result : answer.result;
        const op = sent.get(answer.op_id);
        if (op && NOT_APPLIED.has(result) && !listed.has(op.op_id)) {
          rejected.push({ ...wire(op), result, code: answer.code, message: answer.message });
          listed.add(op.op_id);
        }
      }
      await Promise.all([
        meta.put(rejected, "rejected"),
        meta.put(acked, "acked_seq"),
        tx.objectStore("outbox").delete(IDBKeyRange.upperBound(acked)),
      ]);
      return acked;
    });
  }

  async #pull() {
    this.#emit({ phase: PULL });
    const clientId = await this.db.get("meta", "client_id");
    for (;;) {
      const cursor = await this.db.get("meta", "cursor");
      const query = { limit: this.pageSize, client_id: clientId, ...(cursor ? { cursor } : {}) };
      const answer = await this.api.get("/api/sync/pull", query);
      if (answer.kind === ERROR && answer.code === "bad_cursor" && cursor) {
        // The server no longer reads it (its key changed, or it was made for another user): a snapshot follows.
        await this.db.put("meta", null, "cursor");
        continue;
      }
      if (answer.kind !== OK) {
        return answer;
      }
      await inTransaction(this.db, ["entities", "meta", "outbox"], "readwrite", (tx) => applyPage(tx, answer.body));
      if (!answer.body.has_more) {
        return null;
      }
    }
  }

  async #finish(problem) {
    let retryIn = null;
    if (problem === null) {
      this.#failures = 0;
    } else if (problem.kind === RETRY && !this.#closed) {
      this.#failures += 1;
      retryIn = this.#backoff();
      this.#timer = this.timers.setTimeout(() => {
        this.#timer = null;
        // A failure is already in the status the sync bar shows.
        this.sync().catch(() => {});
      }, retryIn);
    }
    const stopped = problem && { kind: problem.kind, status: problem.status, code: problem.code };
    const retryAt = retryIn === null ? null : Date.now() + retryIn;
    this.#emit({ phase: IDLE, problem: stopped, retryAt, rounds: this.#status.rounds + 1 });
    await this.refresh();
    return { ok: problem === null, problem: stopped, retryIn };
  }

  // Doubling up to the cap, with jitter so a fleet of phones coming back on line does not arrive at once.
  #backoff() {
    const ceiling = Math.min(this.backoffCap, this.backoffBase * 2 ** (this.#failures - 1));
    return ceiling / 2 + (this.random() * ceiling) / 2;
  }

  #cancelRetry() {
    if (this.#timer !== null) {
      this.timers.clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  #emit(changes) {
    Object.assign(this.#status, changes);
    this.dispatchEvent(new CustomEvent("status", { detail: this.status }));
  }
}
