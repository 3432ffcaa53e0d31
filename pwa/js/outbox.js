// The outbox: what the technician did, kept on the device until the server acknowledges it.
//
// An op and its local change are one transaction with strict durability: when the tap has been
// answered, a closed tab, a dead battery or a crash loses neither, and never keeps one without the other.
// A local change is `{entity, id, patch}`: the fields the op sets, merged over what the device holds.
// It is stored with the op, so it can be laid again over fresher data from the server until the op leaves.

import { inTransaction } from "./db.js";

// Never sent yet; or sent at least once, so the server may have applied it already.
export const QUEUED = "queued";
export const SENT = "sent";

export function record(db, { type, entityId, payload = {}, localChange = null }) {
  return inTransaction(
    db,
    ["meta", "outbox", "entities"],
    "readwrite",
    async (tx) => {
      const meta = tx.objectStore("meta");
      const seq = await meta.get("next_seq");
      const op = {
        seq,
        op_id: crypto.randomUUID(),
        type,
        entity_id: String(entityId),
        payload,
        client_time: new Date().toISOString(),
        state: QUEUED,
        change: localChange && { ...localChange, id: String(localChange.id) },
      };
      // `add`, not `put`: a seq is never given to a second op.
      await Promise.all([tx.objectStore("outbox").add(op), meta.put(seq + 1, "next_seq")]);
      if (op.change) {
        await applyChange(tx.objectStore("entities"), op.change);
      }
      return op;
    },
    { durability: "strict" },
  );
}

async function applyChange(entities, { entity, id, patch }) {
  const held = await entities.get([entity, id]);
  const server = held === undefined ? null : "pending" in held ? held.server : held.data;
  await entities.put({
    entity,
    id,
    version: held?.version ?? 0,
    data: { ...held?.data, ...patch },
    server,
    pending: (held?.pending ?? 0) + 1,
  });
}

// The record to hold for an entity: the server's copy with `patches` (of ops still pending) laid over it,
// in seq order; null when there is nothing left to hold (a local-only entity whose ops are gone).
export function withLocalChanges(entity, id, version, server, patches) {
  if (patches.length === 0) {
    return server === null ? null : { entity, id, version, data: server };
  }
  return { entity, id, version, data: Object.assign({}, server, ...patches), server, pending: patches.length };
}

// Ops not acknowledged yet, in seq order: acknowledged ones leave the outbox with the acknowledgement.
export function pending(db) {
  return db.getAll("outbox");
}

export function countPending(db) {
  return db.count("outbox");
}
