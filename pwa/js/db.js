// The device's database: the outbox of ops not yet acknowledged, the entities it holds, and sync's own state.
//
// outbox    {seq, op_id, type, entity_id, payload, client_time, state, change}, keyed by seq
// entities  {entity, id, version, data}, keyed by [entity, id]; one carrying local changes of ops still in
//           the outbox also has `server` (the data as last pulled, null when only the device has it) and
//           `pending` (how many such ops). Only those have `pending`, so its index lists just them.
// meta      client_id, next_seq, acked_seq, cursor, last_success, rejected, fee_guide ({fees, travel_fees} as the
//           last pull carried them): one value per key
// photos    {sha256, bytes, type, kept_at}, keyed by sha256: label photos an op names, kept until the server
//           holds them (ArrayBuffer rather than Blob: every engine can store and clone one)
// records   {job_id, events, fetched_at}, keyed by job_id: a job's record as the server last told it, so the
//           job's page shows it offline (fetched when the page is opened online, not carried by sync)
// thumbs    {sha256, job_id, kind, bytes, type, kept_at}, keyed by sha256: small copies of the evidence photos
//           (kind "photo") and the signatures ("signature") taken on this phone, for the job's page; the
//           photos themselves leave the phone once uploaded. Dropped with the job (pruneThumbs).
//
// A database belongs to one user: `openDatabase(databaseFor(userId))`, never a shared name. The server
// binds a client id to the user who first pushed from it and refuses anyone else's push from it
// (403 client_not_yours), so a second user on the same database could never push, nor, since a round
// stops at a refused push, pull again; and ops left in the outbox are the first user's, never to be sent
// under another's token.

import { openDB } from "idb";

export const DB_NAME = "sanbao";
export const DB_VERSION = 4;

export function databaseFor(userId) {
  return `${DB_NAME}-user-${userId}`;
}

export async function openDatabase(name) {
  if (!name) {
    throw new TypeError("a database per user: openDatabase(databaseFor(userId))");
  }
  const db = await openDB(name, DB_VERSION, {
    upgrade(db, oldVersion) {
      // Each step only adds: a device may hold ops made offline under any earlier version.
      if (oldVersion < 1) {
        db.createObjectStore("outbox", { keyPath: "seq" });
        const entities = db.createObjectStore("entities", { keyPath: ["entity", "id"] });
        entities.createIndex("pending", "pending");
        const meta = db.createObjectStore("meta");
        // Made inside the upgrade, so two tabs opening a new database at once cannot make two.
        meta.put(crypto.randomUUID(), "client_id");
        meta.put(1, "next_seq");
        meta.put(0, "acked_seq");
        meta.put(null, "cursor");
        meta.put(null, "last_success");
        meta.put([], "rejected");
      }
      if (oldVersion < 2) {
        db.createObjectStore("photos", { keyPath: "sha256" });
      }
      if (oldVersion < 3) {
        db.createObjectStore("records", { keyPath: "job_id" });
      }
      if (oldVersion < 4) {
        db.createObjectStore("thumbs", { keyPath: "sha256" }).createIndex("job_id", "job_id");
      }
    },
    blocking() {
      // A newer version of the app opened in another tab: step aside so its upgrade can run
      // (this tab's code is the old version and has to reload anyway).
      db.close();
    },
  });
  return db;
}

// Runs `work(tx)` in one transaction and resolves with its result once the transaction has committed.
// A request that throws at once (a value or key IndexedDB cannot hold) does not abort the transaction
// by itself, and what was written before it would still commit: any failure aborts it here.
export async function inTransaction(db, stores, mode, work, options) {
  const tx = db.transaction(stores, mode, options);
  try {
    const result = await work(tx);
    await tx.done;
    return result;
  } catch (error) {
    tx.done.catch(() => {});
    try {
      tx.abort();
    } catch {
      // The failed request has aborted it already.
    }
    throw error;
  }
}
