// The outbox: what the technician did, kept on the device until the server acknowledges it.
//
// An op and its local change are one transaction with strict durability: when the tap has been
// answered, a closed tab, a dead battery or a crash loses neither, and never keeps one without the other.
// A local change is `{entity, id, patch}`: the fields the op sets, merged over what the device holds (an op may
// carry a list of them, one per entity it changes). It is stored with the op, so it can be laid again over
// fresher data from the server until the op leaves.

import { inTransaction } from "./db.js";

// Never sent yet; or sent at least once, so the server may have applied it already.
export const QUEUED = "queued";
export const SENT = "sent";

export async function record(db, op) {
  const [made] = await recordAll(db, [op]);
  return made;
}

// Several ops of one tap (parts received, and which of them were fitted) in one transaction: kept together or
// not at all, in the order given. Each op's local change is one change or a list of them.
export function recordAll(db, ops) {
  return inTransaction(
    db,
    ["meta", "outbox", "entities"],
    "readwrite",
    async (tx) => {
      const meta = tx.objectStore("meta");
      let seq = await meta.get("next_seq");
      const made = [];
      for (const { type, entityId, payload = {}, localChange = null } of ops) {
        const changes = [localChange ?? []].flat().map((change) => ({ ...change, id: String(change.id) }));
        const op = {
          seq,
          op_id: crypto.randomUUID(),
          type,
          entity_id: String(entityId),
          payload,
          client_time: new Date().toISOString(),
          state: QUEUED,
          change: changes.length === 0 ? null : changes.length === 1 ? changes[0] : changes,
        };
        seq += 1;
        // `add`, not `put`: a seq is never given to a second op.
        await tx.objectStore("outbox").add(op);
        for (const change of changes) {
          await applyChange(tx.objectStore("entities"), change);
        }
        made.push(op);
      }
      await meta.put(seq, "next_seq");
      return made;
    },
    { durability: "strict" },
  );
}

// The changes an op carries, as a list (one, several, or none).
export function changesOf(op) {
  return op.change ? [op.change].flat() : [];
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
