import assert from "node:assert/strict";
import test from "node:test";

import { countPending, pending } from "../../pwa/js/outbox.js";
import { device, held } from "./server_double.mjs";

const accept = (id) => ({
  type: "job.accept",
  entityId: id,
  payload: {},
  localChange: { entity: "job", id, patch: { state: "accepted" } },
});

const note = (id, text = "客户不在家") => ({ type: "note.add", entityId: id, payload: { text } });

// A note whose local change makes an entity the server does not have.
const draft = {
  type: "note.add",
  entityId: "1",
  payload: { text: "x" },
  localChange: { entity: "draft", id: "d1", patch: { text: "x" } },
};

// A device holding job 1 (and `more` other jobs), synced once.
async function synced(more = 0, options = {}) {
  const phone = await device(options);
  phone.server.put("job", "1", { state: "dispatched" });
  for (let id = 2; id < 2 + more; id += 1) {
    phone.server.put("job", String(id), { state: "dispatched" });
  }
  assert.equal((await phone.engine.sync()).ok, true);
  phone.server.requests.length = 0;
  return phone;
}

// Changes the device never pulled are compacted away: its next pull is a reset.
function awayTooLong(server) {
  server.put("job", "1", { state: "dispatched", contact: "王先生" });
  server.compact();
}

const heldIds = async (db) => (await db.getAll("entities")).map((entity) => entity.id).sort();

// --------------------------------------------------------------------- push

test("the outbox goes in seq order, in batches no larger than the batch size", async () => {
  const { server, engine } = await synced(0, { batchSize: 2 });
  for (let i = 0; i < 5; i += 1) {
    await engine.record(note("1", `note ${i}`));
  }

  await engine.sync();

  assert.deepEqual(
    server.pushes().map((push) => push.ops.map((op) => op.seq)),
    [[1, 2], [3, 4], [5]],
  );
  assert.equal(server.applied.length, 5);
  assert.equal(await countPending(engine.db), 0);
});

test("a push carries the device's client id and the app's schema version", async () => {
  const { server, engine, db } = await synced();
  await engine.record(note("1"));

  await engine.sync();

  const [push] = server.pushes();
  assert.equal(push.client_id, await db.get("meta", "client_id"));
  assert.equal(push.schema_version, db.version);
  assert.deepEqual(Object.keys(push.ops[0]).sort(), ["client_time", "entity_id", "op_id", "payload", "seq", "type"]);
});

test("a push whose answer was lost goes again, is answered duplicate, and the outbox empties once", async () => {
  const { server, engine, db } = await synced();
  await engine.record(accept("1"));
  await engine.record(note("1"));
  server.fail("push", { lostAnswer: true });

  const lost = await engine.sync();
  assert.equal(lost.ok, false);
  assert.deepEqual(
    (await pending(db)).map((op) => [op.seq, op.state]),
    [
      [1, "sent"],
      [2, "sent"],
    ],
  );

  assert.equal((await engine.sync()).ok, true);
  const again = server.pushes()[1];
  assert.deepEqual(
    again.ops.map((op) => op.seq),
    [1, 2],
  );
  assert.equal(server.applied.length, 2);
  assert.equal(await countPending(db), 0);
  assert.equal(await db.get("meta", "acked_seq"), 2);
});

test("ops the server rejected or met a conflict leave the outbox and are listed with their code", async () => {
  const { server, engine, db } = await synced();
  server.decide = (op) =>
    ({
      1: { result: "rejected", code: "validation_error", message: "payload: text" },
      2: { result: "conflict", code: "job_reassigned", message: "Job 1 is no longer yours." },
    })[op.seq] ?? { result: "applied", code: "", message: "" };
  await engine.record(note("1", ""));
  await engine.record(accept("1"));
  await engine.record(note("1"));

  await engine.sync();

  assert.equal(await countPending(db), 0);
  const rejected = await db.get("meta", "rejected");
  assert.deepEqual(
    rejected.map(({ seq, type, result, code }) => ({ seq, type, result, code })),
    [
      { seq: 1, type: "note.add", result: "rejected", code: "validation_error" },
      { seq: 2, type: "job.accept", result: "conflict", code: "job_reassigned" },
    ],
  );
  assert.deepEqual(rejected[0].payload, { text: "" });
  assert.deepEqual(engine.status.rejected, rejected);
});

test("a rejection first heard as a duplicate's stored result is listed, once", async () => {
  const { server, engine, db } = await synced();
  server.decide = () => ({ result: "rejected", code: "invalid_op", message: "unknown operation type" });
  await engine.record({ type: "job.teleport", entityId: "1", payload: {} });
  server.fail("push", { lostAnswer: true });
  await engine.sync();

  await engine.sync();
  await engine.sync();

  assert.equal(server.pushes()[1].ops.length, 1);
  assert.deepEqual(
    (await db.get("meta", "rejected")).map(({ seq, result, code }) => ({ seq, result, code })),
    [{ seq: 1, result: "rejected", code: "invalid_op" }],
  );
});

test("dismissing a listed op takes it off the list", async () => {
  const { server, engine, db } = await synced();
  server.decide = () => ({ result: "rejected", code: "validation_error", message: "" });
  const op = await engine.record(note("1", ""));
  await engine.sync();

  await engine.dismiss(op.op_id);

  assert.deepEqual(await db.get("meta", "rejected"), []);
  assert.deepEqual(engine.status.rejected, []);
});

test("after a partial acknowledgement the next round sends from acked_seq + 1", async () => {
  const { server, engine, db } = await synced();
  for (let i = 0; i < 3; i += 1) {
    await engine.record(note("1", `note ${i}`));
  }
  // Op 2 is lost on the way: the server takes op 1 and stops at the gap.
  server.fail("push", { dropSeq: 2 });

  assert.equal((await engine.sync()).ok, true);
  assert.equal(await db.get("meta", "acked_seq"), 1);
  assert.deepEqual(
    (await pending(db)).map((op) => op.seq),
    [2, 3],
  );

  await engine.sync();
  assert.deepEqual(
    server.pushes()[1].ops.map((op) => op.seq),
    [2, 3],
  );
  assert.equal(await countPending(db), 0);
});

// --------------------------------------------------------------------- failures

for (const [name, fault, code] of [
  ["a 503", { status: 503, code: "unavailable" }, "unavailable"],
  ["no network", { network: true }, "network"],
]) {
  test(`${name} keeps the outbox and backs off, doubling up to the cap`, async () => {
    const { server, engine, db, timers } = await synced(0, { backoffBase: 1_000, backoffCap: 5_000 });
    await engine.record(accept("1"));
    const outcomes = [];
    for (let i = 0; i < 5; i += 1) {
      server.fail("push", fault);
      outcomes.push(await engine.sync());
    }

    assert.deepEqual(timers.delays(), [1_000, 2_000, 4_000, 5_000, 5_000]);
    assert.deepEqual(
      outcomes.map((outcome) => [outcome.ok, outcome.problem.kind, outcome.problem.code]),
      Array(5).fill([false, "retry", code]),
    );
    assert.equal(server.applied.length, 0);
    assert.deepEqual(
      (await pending(db)).map((op) => op.seq),
      [1],
    );
    assert.equal((await held(db, "job", "1")).data.state, "accepted");
  });
}

test("backoff is jittered between half and all of its ceiling", async () => {
  const { server, engine, timers } = await synced(0, { backoffBase: 1_000, random: () => 0 });
  await engine.record(accept("1"));
  server.fail("push", { status: 503 });

  await engine.sync();

  assert.deepEqual(timers.delays(), [500]);
});

test("a scheduled retry runs a round by itself, and a new round cancels the one scheduled", async () => {
  const { server, engine, db, timers } = await synced();
  await engine.record(accept("1"));
  server.fail("push", { status: 503 });
  server.fail("push", { status: 503 });
  await engine.sync();
  await engine.sync();
  assert.equal(timers.scheduled[0].cleared, true);

  const retried = new Promise((resolve) => {
    engine.addEventListener("status", ({ detail }) => detail.phase === "idle" && !detail.problem && resolve());
  });
  timers.scheduled[1].callback();
  await retried;

  assert.equal(await countPending(db), 0);
  assert.equal(server.pushes().length, 3);
});

test("a successful round brings the backoff back to its base", async () => {
  const { server, engine, timers } = await synced(0, { backoffBase: 1_000 });
  await engine.record(accept("1"));
  server.fail("push", { status: 503 });
  server.fail("push", { status: 503 });
  await engine.sync();
  await engine.sync();
  await engine.sync();

  await engine.record(note("1"));
  server.fail("push", { status: 503 });
  await engine.sync();

  assert.deepEqual(timers.delays(), [1_000, 2_000, 1_000]);
});

test("a 401 stops the round, keeps the outbox and waits for a login without retrying", async () => {
  const { server, session, engine, db, timers } = await synced();
  await engine.record(accept("1"));
  session.token = "an-expired-token";

  const outcome = await engine.sync();

  assert.deepEqual(outcome, {
    ok: false,
    problem: { kind: "login", status: 401, code: "unauthorized" },
    retryIn: null,
  });
  assert.equal(engine.status.problem.kind, "login");
  assert.equal(await countPending(db), 1);
  assert.deepEqual(timers.delays(), []);
  assert.deepEqual(
    server.requests.map((request) => request.endpoint),
    ["push"],
  );
});

test("an error envelope on push stops the round with its code and keeps the outbox", async () => {
  const { server, engine, db, timers } = await synced();
  await engine.record(accept("1"));
  server.fail("push", { status: 403, code: "client_not_yours" });

  const outcome = await engine.sync();

  assert.deepEqual(outcome.problem, { kind: "error", status: 403, code: "client_not_yours" });
  assert.equal(await countPending(db), 1);
  assert.deepEqual(timers.delays(), []);
});

// --------------------------------------------------------------------- pull

test("pull takes pages until has_more is false", async () => {
  const { server, engine, db } = await device({ pageSize: 2 });
  for (let id = 1; id <= 5; id += 1) {
    server.put("job", String(id), { state: "dispatched" });
  }

  assert.equal((await engine.sync()).ok, true);

  assert.equal(server.requests.filter((request) => request.endpoint === "pull").length, 3);
  assert.deepEqual(await heldIds(db), ["1", "2", "3", "4", "5"]);
  assert.deepEqual(await held(db, "job", "3"), { entity: "job", id: "3", version: 1, data: { state: "dispatched" } });
});

test("a page and its cursor are stored together or not at all", async () => {
  const { server, engine, db } = await device({ pageSize: 2 });
  server.put("job", "1", {});
  server.put("job", "2", {});
  server.put("job", "3", {});
  server.entities.set("job/x", { entity: "job", id: null, version: 1, data: {} }); // no key can hold it

  await assert.rejects(engine.sync(), { name: "DataError" });

  const secondPage = server.requests.filter((request) => request.endpoint === "pull")[1];
  assert.deepEqual(await heldIds(db), ["1", "2"]);
  assert.equal(await db.get("meta", "cursor"), secondPage.query.cursor);
  assert.deepEqual(engine.status.problem, { kind: "error", status: 0, code: "DataError" });
});

test("a round cut off between pages resumes from the last stored page", async () => {
  const { server, engine, db } = await device({ pageSize: 2 });
  for (let id = 1; id <= 5; id += 1) {
    server.put("job", String(id), { state: "dispatched" });
  }
  server.fail("pull", {});
  server.fail("pull", { network: true });
  await engine.sync();
  assert.deepEqual(await heldIds(db), ["1", "2"]);
  const stored = await db.get("meta", "cursor");
  server.requests.length = 0;

  await engine.sync();

  const pulls = server.requests.filter((request) => request.endpoint === "pull");
  assert.equal(pulls[0].query.cursor, stored);
  assert.equal(pulls.length, 2);
  assert.deepEqual(await heldIds(db), ["1", "2", "3", "4", "5"]);
});

test("a remove deletes the entity", async () => {
  const { server, engine, db } = await synced(1);
  server.remove("job", "2");

  await engine.sync();

  assert.deepEqual(await heldIds(db), ["1"]);
});

test("reset clears the entities held from the server but never the outbox", async () => {
  const { server, engine, db } = await synced(1);
  awayTooLong(server);
  // Meanwhile job 2 was closed long enough ago to be out of the snapshot.
  server.entities.delete("job/2");
  server.beforePull = () => engine.record(accept("1"));

  await engine.sync();

  assert.deepEqual(await heldIds(db), ["1"]);
  assert.deepEqual(
    (await pending(db)).map((op) => op.type),
    ["job.accept"],
  );
  assert.equal((await held(db, "job", "1")).data.state, "accepted");
});

test("reset keeps an entity only this device has made", async () => {
  const { server, engine, db } = await synced(1);
  awayTooLong(server);
  server.entities.delete("job/2");
  server.beforePull = () => engine.record(draft);

  await engine.sync();

  assert.equal(await held(db, "job", "2"), undefined);
  assert.deepEqual((await held(db, "draft", "d1")).data, { text: "x" });
});

test("a refused cursor starts a fresh snapshot", async () => {
  const { server, engine, db } = await synced(1);
  server.secret = "k2";
  server.entities.delete("job/2");

  assert.equal((await engine.sync()).ok, true);

  const pulls = server.requests.filter((request) => request.endpoint === "pull");
  assert.equal(pulls.length, 2);
  assert.equal(pulls[1].query.cursor, undefined);
  assert.deepEqual(await heldIds(db), ["1"]);
});

// --------------------------------------------------------------------- local changes

test("the local change of an op not yet taken is laid over fresher data from the server", async () => {
  const { server, engine, db } = await synced();
  server.beforePull = async () => {
    await engine.record(accept("1"));
    server.put("job", "1", { state: "dispatched", appointment: "2025-06-01T09:00:00+08:00" });
  };

  await engine.sync();

  assert.deepEqual(await held(db, "job", "1"), {
    entity: "job",
    id: "1",
    version: 2,
    data: { state: "accepted", appointment: "2025-06-01T09:00:00+08:00" },
    server: { state: "dispatched", appointment: "2025-06-01T09:00:00+08:00" },
    pending: 1,
  });
});

test("an op the server took, though its answer never came, is not laid over the server's newer copy", async () => {
  const { server, engine, db } = await synced();
  server.beforePull = async () => {
    const op = await engine.record(accept("1"));
    // Another tab of this device pushed it and lost the answer; dispatch then cancelled the job.
    server.push({ client_id: await db.get("meta", "client_id"), ops: [op] });
    server.put("job", "1", { state: "cancelled" });
  };

  await engine.sync();

  assert.deepEqual((await held(db, "job", "1")).data, { state: "cancelled" });
  assert.equal(await countPending(db), 1);
});

test("once its op is applied, the entity is the server's copy with no local change left", async () => {
  const { engine, db } = await synced();
  await engine.record(accept("1"));

  await engine.sync();

  assert.deepEqual(await held(db, "job", "1"), { entity: "job", id: "1", version: 2, data: { state: "accepted" } });
});

test("the local change of a rejected op is undone though the server sends nothing about its entity", async () => {
  const { server, engine, db } = await synced();
  server.decide = () => ({ result: "conflict", code: "illegal_transition", message: "" });
  await engine.record(accept("1"));

  await engine.sync();

  assert.deepEqual(await held(db, "job", "1"), { entity: "job", id: "1", version: 1, data: { state: "dispatched" } });
});

test("an entity only this device made goes once its op is taken", async () => {
  const { engine, db } = await synced();
  await engine.record(draft);

  await engine.sync();

  assert.equal(await held(db, "draft", "d1"), undefined);
});

// --------------------------------------------------------------------- one round at a time, status

test("two sync() calls at once run one round after the other", async () => {
  const { server, engine, db } = await synced();
  server.delayMs = 5;
  await engine.record(accept("1"));

  const outcomes = await Promise.all([engine.sync(), engine.sync()]);

  assert.deepEqual(
    outcomes.map((outcome) => outcome.ok),
    [true, true],
  );
  assert.equal(server.maxInFlight, 1);
  assert.deepEqual(
    server.requests.map((request) => request.endpoint),
    ["push", "pull", "pull"],
  );
  assert.equal(await countPending(db), 0);
});

test("rounds hold the sanbao-sync Web Lock where the browser has one", async () => {
  const taken = [];
  const locks = {
    request: async (name, task) => {
      taken.push(name);
      return task();
    },
  };
  const { engine } = await device({ locks });

  assert.equal((await engine.sync()).ok, true);
  assert.deepEqual(taken, ["sanbao-sync"]);
});

test("status events tell the phase, pending count, last success and problem", async () => {
  const { engine } = await synced();
  const seen = [];
  engine.addEventListener("status", (event) => seen.push(event.detail));
  await engine.record(accept("1"));
  const before = Date.now();

  await engine.sync();

  assert.equal(seen[0].pending, 1);
  const phases = seen.map((status) => status.phase).filter((phase, i, all) => phase !== all[i - 1]);
  assert.deepEqual(phases, ["idle", "push", "pull", "idle"]);
  const last = seen.at(-1);
  assert.equal(last.pending, 0);
  assert.equal(last.problem, null);
  assert.equal(last.retryAt, null);
  assert.ok(Date.parse(last.lastSuccess) >= before - 1_000);
});
