// The peer of tests/bench/test_sync_peer.py: the same four sync scenarios with PouchDB replicating
// to and from pouchdb-server, both in memory, over loopback.
//
//   node peer_bench.mjs <input.json>
//
// The input names what to replicate, so both sides move the same documents: "jobs" and "parts" (the
// technician's snapshot, as Sanbao serves it), "ops" (one push's ops), "changes" (how many jobs change
// between two pulls), "pull_batch" and "push_batch" (the page sizes Sanbao's side uses), "warmup" and
// "repeats". Prints one JSON object: the median ms of each scenario and what was replicated.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import PouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';

PouchDB.plugin(memoryAdapter);

const HERE = dirname(fileURLToPath(import.meta.url));
const SERVER = join(HERE, 'node_modules', 'pouchdb-server', 'bin', 'pouchdb-server');
const SERVER_VERSION = JSON.parse(readFileSync(join(HERE, 'node_modules', 'pouchdb-server', 'package.json'))).version;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function startServer() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pouchdb-server-'));
  // Requests are not logged, as gunicorn's are not on Sanbao's side (--log-level warning).
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ log: { level: 'warning', file: join(dir, 'log.txt') } }));
  const child = spawn(
    process.execPath,
    [SERVER, '--in-memory', '--host', '127.0.0.1', '--port', String(port), '--dir', dir,
      '--config', join(dir, 'config.json'), '--no-stdout-logs', '--no-color'],
    { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`pouchdb-server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return { url, child, dir };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error('pouchdb-server did not answer within 30 s');
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function timed(work) {
  const began = performance.now();
  const result = await work();
  return [performance.now() - began, result];
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function measure(input, url) {
  const { jobs, parts, ops, changes, warmup, repeats } = input;
  const rounds = warmup + repeats;
  const times = { push: [], initial_pull: [], incremental_pull: [], noop_pull: [] };
  const keep = (name, round, ms) => { if (round >= warmup) times[name].push(ms); };

  // Push: the phone's outbox is a local database; each round writes one push's ops into it as new
  // documents (not timed, as Sanbao's side builds its ops before the request) and replicates them out.
  const outbox = new PouchDB(`outbox-${randomUUID()}`, { adapter: 'memory' });
  const inbox = `${url}/ops`;
  for (let round = 0; round < rounds; round += 1) {
    await outbox.bulkDocs(ops.map((op) => ({ ...op, _id: randomUUID() })));
    const [ms, result] = await timed(() => outbox.replicate.to(inbox, { batch_size: input.push_batch }));
    check(result.ok && result.docs_written === ops.length, `push wrote ${result.docs_written} of ${ops.length}`);
    keep('push', round, ms);
  }

  // The technician's feed: one document per job and per part, the JSON Sanbao's pull sends for each.
  const feedUrl = `${url}/feed`;
  const feed = new PouchDB(feedUrl);
  const seeded = await feed.bulkDocs([
    ...parts.map((data) => ({ ...data, _id: `part:${data.id}` })),
    ...jobs.map((data) => ({ ...data, _id: `job:${data.id}` })),
  ]);
  check(seeded.every((row) => row.ok), 'seeding the feed failed');
  const total = jobs.length + parts.length;

  // Initial pull: a fresh device takes the whole feed.
  let device = null;
  for (let round = 0; round < rounds; round += 1) {
    if (device) await device.destroy();
    device = new PouchDB(`device-${randomUUID()}`, { adapter: 'memory' });
    const [ms, result] = await timed(() => device.replicate.from(feedUrl, { batch_size: input.pull_batch }));
    check(result.docs_written === total, `initial pull wrote ${result.docs_written} of ${total}`);
    keep('initial_pull', round, ms);
  }
  check((await device.info()).doc_count === total, 'the device does not hold the whole feed');

  // Incremental pull: `changes` jobs change on the server (each round others, as on Sanbao's side),
  // then the device replicates from its checkpoint.
  for (let round = 0; round < rounds; round += 1) {
    const first = (round * changes) % jobs.length;
    const keys = jobs.slice(first, first + changes).map((data) => `job:${data.id}`);
    const current = await feed.allDocs({ keys, include_docs: true });
    const when = new Date(Date.now() + (round + 1) * 3_600_000).toISOString();
    const edited = current.rows.map(({ doc }) => ({
      ...doc, appointment_at: when, updated_at: new Date().toISOString(), version: doc.version + 1,
    }));
    check((await feed.bulkDocs(edited)).every((row) => row.ok), 'changing the feed failed');
    const [ms, result] = await timed(() => device.replicate.from(feedUrl, { batch_size: input.pull_batch }));
    check(result.docs_written === changes, `incremental pull wrote ${result.docs_written} of ${changes}`);
    keep('incremental_pull', round, ms);
  }

  // No-op pull: the device is up to date.
  for (let round = 0; round < rounds; round += 1) {
    const [ms, result] = await timed(() => device.replicate.from(feedUrl, { batch_size: input.pull_batch }));
    check(result.docs_written === 0, `no-op pull wrote ${result.docs_written}`);
    keep('noop_pull', round, ms);
  }
  await device.destroy();
  await outbox.destroy();

  const medians = Object.fromEntries(Object.entries(times).map(([name, values]) => [name, median(values)]));
  return {
    median_ms: medians,
    runs_ms: times,
    documents: { push: ops.length, initial_pull: total, incremental_pull: changes, noop_pull: 0 },
    versions: { node: process.version, pouchdb: PouchDB.version, server: SERVER_VERSION },
  };
}

async function main() {
  const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  const server = await startServer();
  try {
    const report = await measure(input, server.url);
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    server.child.kill('SIGTERM');
    rmSync(server.dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
