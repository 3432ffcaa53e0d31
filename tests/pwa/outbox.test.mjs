import assert from "node:assert/strict";
import test from "node:test";

import { databaseFor, openDatabase } from "../../pwa/js/db.js";
import { countPending, pending, record } from "../../pwa/js/outbox.js";
import { device, held, openTestDatabase } from "./server_double.mjs";

const accept = (id = "42") => ({
  type: "job.accept",
  entityId: id,
  payload: {},
  localChange: { entity: "job", id, patch: { state: "accepted" } },
});

test("a new database has a client id the server accepts, and it stays across reopening", async () => {
  const name = `sanbao-test-${crypto.randomUUID()}`;
  const first = await openDatabase(name);
  const clientId = await first.get("meta", "client_id");
  first.close();
  const again = await openDatabase(name);
  assert.match(clientId, /^[A-Za-z0-9_-]{8,64}$/);
  assert.equal(await again.get("meta", "client_id"), clientId);
});

test("each user has a database of their own, with a client id of its own", async () => {
  const run = crypto.randomUUID();
  const first = await openDatabase(databaseFor(`7-${run}`));
  const second = await openDatabase(databaseFor(`8-${run}`));
  await record(first, accept());

  assert.notEqual(first.name, second.name);
  assert.notEqual(await first.get("meta", "client_id"), await second.get("meta", "client_id"));
  assert.equal(await countPending(second), 0);
  await assert.rejects(openDatabase(), TypeError);
});

test("record writes the op and its local change together", async () => {
  const db = await openTestDatabase();
  await db.put("entities", { entity: "job", id: "42", version: 3, data: { state: "dispatched", city: "济南" } });

  const op = await record(db, accept());

  assert.deepEqual(
    (await pending(db)).map(({ seq, type, entity_id, state }) => ({ seq, type, entity_id, state })),
    [{ seq: 1, type: "job.accept", entity_id: "42", state: "queued" }],
  );
  assert.match(op.op_id, /^[0-9a-f-]{36}$/);
  assert.ok(!Number.isNaN(Date.parse(op.client_time)));
  assert.deepEqual(await held(db, "job", "42"), {
    entity: "job",
    id: "42",
    version: 3,
    data: { state: "accepted", city: "济南" },
    server: { state: "dispatched", city: "济南" },
    pending: 1,
  });
});

test("a second local change on an entity keeps the server's copy apart and counts both", async () => {
  const db = await openTestDatabase();
  await db.put("entities", { entity: "job", id: "42", version: 3, data: { state: "dispatched" } });

  await record(db, accept());
  await record(db, { ...accept(), localChange: { entity: "job", id: "42", patch: { state: "on_site", km: 12 } } });

  const job = await held(db, "job", "42");
  assert.deepEqual(job.data, { state: "on_site", km: 12 });
  assert.deepEqual(job.server, { state: "dispatched" });
  assert.equal(job.pending, 2);
});

test("a record that fails part-way leaves neither the op, nor its change, nor a used seq", async () => {
  const db = await openTestDatabase();
  await db.put("entities", { entity: "job", id: "42", version: 3, data: { state: "dispatched" } });
  // A change naming no entity is no key: the entity write throws after the op was added in the same transaction.
  const keyless = { ...accept(), localChange: { id: "42", patch: { state: "accepted" } } };

  await assert.rejects(record(db, keyless), { name: "DataError" });

  assert.equal(await countPending(db), 0);
  assert.deepEqual((await held(db, "job", "42")).data, { state: "dispatched" });
  assert.equal((await record(db, accept())).seq, 1);
});

test("seqs run 1, 2, 3 and go on after the database is reopened", async () => {
  const name = `sanbao-test-${crypto.randomUUID()}`;
  const first = await openDatabase(name);
  await record(first, accept());
  await record(first, accept());
  first.close();

  const again = await openDatabase(name);
  await record(again, accept());

  assert.deepEqual(
    (await pending(again)).map((op) => op.seq),
    [1, 2, 3],
  );
});

test("a seq is not given again once its op has been acknowledged and left the outbox", async () => {
  const { db, engine } = await device();
  await record(db, accept());
  await record(db, accept());
  await engine.sync();
  assert.equal(await countPending(db), 0);

  assert.equal((await record(db, accept())).seq, 3);
});

test("each op gets its own op_id", async () => {
  const db = await openTestDatabase();
  const ops = [await record(db, accept()), await record(db, accept()), await record(db, accept())];

  assert.equal(new Set(ops.map((op) => op.op_id)).size, 3);
});

test("a local change to an entity the device does not hold yet makes it, held only locally", async () => {
  const db = await openTestDatabase();

  await record(db, { ...accept("7"), localChange: { entity: "job", id: 7, patch: { state: "accepted" } } });

  assert.deepEqual(await held(db, "job", "7"), {
    entity: "job",
    id: "7",
    version: 0,
    data: { state: "accepted" },
    server: null,
    pending: 1,
  });
});
