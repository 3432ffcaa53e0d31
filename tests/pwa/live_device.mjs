// A technician's phone against the real server: the app's own sync library (pwa/js/) over Node's fetch,
// with an in-memory IndexedDB. tests/pwa/test_sync_client_live.py builds the world, starts the server,
// runs this and checks the database and the API against what it prints.
//
//   node --import fake-indexeddb/auto ../tests/pwa/live_device.mjs '<plan JSON>'     (from pwa/)
//
// SANBAO_URL and SANBAO_TOKEN (the technician's bearer token) come from the environment; the plan names
// the scenario and the jobs it works on. Every line on stdout is one JSON document: `{"pause": name, ...}`
// waits for a line on stdin (the test does something to the world meanwhile); the last is the report.

import { createInterface } from "node:readline";

import { Api } from "../../pwa/js/api.js";
import { openDatabase } from "../../pwa/js/db.js";
import { SyncEngine } from "../../pwa/js/sync.js";

const PUSH = "/api/sync/push";
const PULL = "/api/sync/pull";

const plan = JSON.parse(process.argv[2]);
const baseUrl = process.env.SANBAO_URL;
const token = process.env.SANBAO_TOKEN;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// --------------------------------------------------------------------- the network

// Every request the library made, as seen on the wire; `loseNextPushAnswer` lets the next push reach
// the server and be applied there, then throws its answer away as a dropped connection would.
const wire = [];
const network = { loseNextPushAnswer: false };

async function overTheNetwork(url, init) {
  const { pathname, searchParams } = new URL(url);
  const response = await globalThis.fetch(url, init);
  if (pathname === PUSH) {
    const sent = JSON.parse(init.body);
    const answer = await response.clone().json().catch(() => null);
    const lost = network.loseNextPushAnswer;
    network.loseNextPushAnswer = false;
    wire.push({ path: PUSH, status: response.status, seqs: sent.ops.map((op) => op.seq), answer, lost });
    if (lost) {
      // The server has answered, so it has committed every op it took; the phone never hears of it.
      throw new TypeError("fetch failed");
    }
  } else if (pathname === PULL) {
    const answer = (await response.clone().json().catch(() => null)) ?? {};
    wire.push({
      path: PULL,
      status: response.status,
      cursor: searchParams.has("cursor"),
      changes: answer.changes?.length,
      reset: answer.reset,
      has_more: answer.has_more,
      acked_seq: answer.acked_seq,
    });
  }
  return response;
}

// --------------------------------------------------------------------- the app

// Retries the engine schedules are noted, never run: the scenario's next sync stands in for them
// (the app also syncs when it comes back on line), so every round happens where the scenario says.
const retries = [];
const timers = {
  setTimeout(callback, ms) {
    retries.push(ms);
    return retries.length;
  },
  clearTimeout() {},
};

const events = [];

async function startApp(name) {
  const db = await openDatabase(name);
  // A request timeout below the test's own, so a hung request shows as the library's timeout, not a kill.
  const api = new Api({ baseUrl, getToken: () => token, fetch: overTheNetwork, timeoutMs: 20_000 });
  const engine = new SyncEngine({ db, api, timers });
  engine.addEventListener("status", ({ detail }) => {
    events.push({ ...detail, rejected: detail.rejected.map((op) => op.op_id) });
  });
  await engine.refresh();
  return { db, engine };
}

function stopApp({ db, engine }) {
  engine.close();
  db.close();
}

// Every op the technician made, as recorded.
const made = [];

// The phone's clock moves between taps: each op carries a client_time of its own, by which the test
// finds what the op did on the server.
async function tap(engine, op) {
  await sleep(5);
  const recorded = await engine.record(op);
  made.push(recorded);
  return recorded;
}

const step = (type, id, patch = null, payload = {}) => ({
  type,
  entityId: id,
  payload,
  localChange: patch && { entity: "job", id, patch },
});
const accept = (id) => step("job.accept", id, { state: "accepted" });
const depart = (id) => step("job.depart", id, { state: "en_route" });
const arrive = (id) => step("job.arrive", id, { state: "on_site" });
const note = (id, text) => step("note.add", id, null, { text });
const partsUsed = (id, parts) => step("parts.used", id, null, { parts });
const shortage = (id, parts, text) => step("parts.shortage", id, { state: "waiting_parts" }, { parts, note: text });
const complete = (id, summary, confirmedBy) =>
  step(
    "job.complete",
    id,
    { state: "completed", completion_summary: summary, confirmed_by: confirmedBy },
    { summary, confirmed_by: confirmedBy },
  );

// --------------------------------------------------------------------- what is printed

const outbox = (db) => db.getAll("outbox");
const held = (db) => db.getAll("entities");

async function meta(db) {
  const keys = ["client_id", "next_seq", "acked_seq", "cursor", "last_success", "rejected"];
  const values = await Promise.all(keys.map((key) => db.get("meta", key)));
  return Object.fromEntries(keys.map((key, i) => [key, values[i]]));
}

async function phase(name, app, result = null) {
  return { name, result, outbox: await outbox(app.db), held: await held(app.db) };
}

async function report(app, phases) {
  const { db } = app;
  return {
    phases,
    made,
    held: await held(db),
    outbox: await outbox(db),
    rejected: await db.get("meta", "rejected"),
    meta: await meta(db),
    events,
    wire,
    retries,
  };
}

let stdin = null;

// Tells the test where the scenario stands and waits until it has done its part.
async function pause(name, details = {}) {
  if (stdin === null) {
    const reader = createInterface({ input: process.stdin });
    stdin = { reader, lines: reader[Symbol.asyncIterator]() };
  }
  process.stdout.write(`${JSON.stringify({ pause: name, ...details })}\n`);
  const { done } = await stdin.lines.next();
  if (done) {
    throw new Error(`stdin closed while paused at ${name}`);
  }
}

// --------------------------------------------------------------------- scenarios

// A day's work on three jobs: done offline, synced over a network that loses a push's answer, the app
// reloaded with an op still in its outbox.
async function dayOfWork({ full, short, spare }, dbName) {
  const phases = [];
  let app = await startApp(dbName);

  phases.push(await phase("first sync", app, await app.engine.sync()));

  const { engine } = app;
  await tap(engine, accept(full));
  await tap(engine, depart(full));
  await tap(engine, arrive(full));
  await tap(engine, note(full, "客户在家，电视无法开机"));
  await tap(engine, partsUsed(full, [{ part_no: "BOARD", qty: 1 }]));
  await tap(engine, complete(full, "换主板", "王先生"));
  await tap(engine, accept(short));
  await tap(engine, shortage(short, [{ part_no: "PANEL", qty: 1 }], "屏幕碎了"));
  // The server refuses an empty note: it must come back in the rejected list, not block the queue.
  await tap(engine, note(short, ""));
  phases.push(await phase("offline", app));

  network.loseNextPushAnswer = true;
  phases.push(await phase("push answer lost", app, await engine.sync()));

  phases.push(await phase("sync again", app, await engine.sync()));

  await tap(engine, note(spare, "约了明天上午"));
  phases.push(await phase("before reload", app));

  stopApp(app);
  app = await startApp(dbName);
  phases.push(await phase("reopened", app));

  phases.push(await phase("sync after reload", app, await app.engine.sync()));
  const done = await report(app, phases);
  stopApp(app);
  return done;
}

// A job taken from the technician while the phone holds ops on it that it has not pushed: before, the
// technician accepted it and reported a shortage, so its requisition is on the phone too.
async function reassigned({ kept, taken }, dbName) {
  const phases = [];
  const app = await startApp(dbName);
  const { engine } = app;

  phases.push(await phase("first sync", app, await engine.sync()));

  await tap(engine, accept(taken));
  await tap(engine, shortage(taken, [{ part_no: "PANEL", qty: 1 }], "屏幕碎了"));
  phases.push(await phase("shortage synced", app, await engine.sync()));

  await tap(engine, note(taken, "配件到了再约"));
  await tap(engine, partsUsed(taken, [{ part_no: "REMOTE", qty: 1 }]));
  await tap(engine, accept(kept));
  phases.push(await phase("offline", app));

  await pause("reassign", { job: taken });

  phases.push(await phase("sync after reassignment", app, await engine.sync()));
  const done = await report(app, phases);
  stopApp(app);
  return done;
}

const SCENARIOS = { dayOfWork, reassigned };

const done = await SCENARIOS[plan.scenario](plan.jobs, `sanbao-live-${crypto.randomUUID()}`);
process.stdout.write(`${JSON.stringify(done)}\n`);
// A stdin still read from would keep the process alive after its work is done.
stdin?.reader.close();
process.stdin.destroy();
