import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";

import { openDB } from "../../pwa/node_modules/idb/build/index.js";

import { openDatabase } from "../../pwa/js/db.js";
import { keepPhoto, sha256Hex } from "../../pwa/js/photos.js";
import { DECODER, DECODER_CACHE, SHELL } from "../../pwa/js/strategies.js";
import { device } from "./server_double.mjs";

const PWA = resolve(dirname(fileURLToPath(import.meta.url)), "../../pwa");
const IMPORT_MAP = JSON.parse(readFileSync(join(PWA, "index.html"), "utf8").match(/<script type="importmap">([\s\S]*?)<\/script>/)[1]).imports;

function photoOf(text) {
  const bytes = new TextEncoder().encode(text).buffer;
  return { bytes, type: "image/jpeg", sha256: createHash("sha256").update(Buffer.from(bytes)).digest("hex") };
}

// A device holding job 1, synced once, with a scan of it made offline: its photo kept, its op recorded.
async function scannedOffline(text = "label photo") {
  const phone = await device();
  phone.server.put("job", "1", { state: "on_site" });
  assert.equal((await phone.engine.sync()).ok, true);
  phone.server.requests.length = 0;
  const photo = photoOf(text);
  await keepPhoto(phone.db, photo);
  await phone.engine.record({
    type: "scan.add",
    entityId: "1",
    payload: { serial: "CNK8181G2C", source: "photo", symbology: "code_128", photo_sha256: photo.sha256 },
  });
  return { ...phone, photo };
}

const calls = (server) => server.requests.map((request) => `${request.method ?? "GET"} ${request.endpoint}`);

test("a photo is named by the SHA-256 of its bytes, in lowercase hex", async () => {
  const { bytes, sha256 } = photoOf("label photo");
  assert.equal(await sha256Hex(bytes), sha256);
  assert.match(sha256, /^[0-9a-f]{64}$/);
});

test("a photo kept on the device is uploaded before the push of the op naming it, then leaves the device", async () => {
  const { server, engine, db, photo } = await scannedOffline();

  const result = await engine.sync();

  assert.equal(result.ok, true);
  assert.deepEqual(calls(server), ["HEAD blobs", "PUT blobs", "POST push", "GET pull"]);
  const put = server.requests[1];
  assert.equal(put.sha256, photo.sha256);
  assert.deepEqual(put.bytes, new Uint8Array(photo.bytes));
  assert.equal(server.pushes()[0].ops[0].payload.photo_sha256, photo.sha256);
  assert.deepEqual(await db.getAllKeys("photos"), []);
  assert.deepEqual(await db.getAll("outbox"), []);
});

test("a photo the server holds already is not sent again", async () => {
  const { server, engine, db, photo } = await scannedOffline();
  server.blobs.set(photo.sha256, new Uint8Array(photo.bytes));

  assert.equal((await engine.sync()).ok, true);

  assert.deepEqual(calls(server), ["HEAD blobs", "POST push", "GET pull"]);
  assert.deepEqual(await db.getAllKeys("photos"), []);
});

test("without network the op waits with its photo: nothing is pushed ahead of it", async () => {
  const { server, engine, db, photo } = await scannedOffline();
  server.fail("blobs", { network: true });

  const result = await engine.sync();

  assert.equal(result.ok, false);
  assert.deepEqual(result.problem, { kind: "retry", status: 0, code: "network" });
  assert.deepEqual(calls(server), ["HEAD blobs"]);
  assert.deepEqual(await db.getAllKeys("photos"), [photo.sha256]);
  assert.equal((await db.getAll("outbox")).length, 1);

  assert.equal((await engine.sync()).ok, true);
  assert.deepEqual(await db.getAllKeys("photos"), []);
  assert.equal(server.applied.length, 1);
});

test("a server's 'I have it' is believed only when the rest of the round reaches it too", async () => {
  // A captive portal answers a HEAD with 200 as readily as the server does.
  const { server, engine, db, photo } = await scannedOffline();
  server.blobs.set(photo.sha256, new Uint8Array(photo.bytes));
  server.fail("push", { network: true });

  assert.equal((await engine.sync()).ok, false);
  assert.deepEqual(await db.getAllKeys("photos"), [photo.sha256]);

  assert.equal((await engine.sync()).ok, true);
  assert.deepEqual(await db.getAllKeys("photos"), []);
});

test("a photo the server refuses for good is listed for the technician, and the op still goes", async () => {
  const { server, engine, db, photo } = await scannedOffline();
  // Bytes altered on the device after they were named: the server can never take them.
  await db.put("photos", { ...photo, bytes: new TextEncoder().encode("other bytes").buffer });

  const result = await engine.sync();

  assert.equal(result.ok, true);
  assert.deepEqual(calls(server), ["HEAD blobs", "PUT blobs", "POST push", "GET pull"]);
  assert.deepEqual(await db.getAllKeys("photos"), []);
  assert.equal(server.applied.length, 1);
  const [listed] = await db.get("meta", "rejected");
  assert.deepEqual(
    [listed.op_id, listed.type, listed.result, listed.code],
    [`photo:${photo.sha256}`, "photo.upload", "rejected", "hash_mismatch"],
  );
  assert.deepEqual(engine.status.rejected, [listed]);
});

test("a scan recorded while a round runs goes after its photo all the same", async () => {
  const phone = await device();
  phone.server.put("job", "1", { state: "on_site" });
  await phone.engine.record({ type: "note.add", entityId: "1", payload: { text: "到了" } });
  const photo = photoOf("taken during the round");
  // The technician scans just after the round has read its first batch from the outbox.
  const read = phone.db.getAll.bind(phone.db);
  let scanned = false;
  phone.db.getAll = async (store, ...rest) => {
    const found = await read(store, ...rest);
    if (store === "outbox" && !scanned) {
      scanned = true;
      await keepPhoto(phone.db, photo);
      await phone.engine.record({
        type: "scan.add",
        entityId: "1",
        payload: { serial: "CNK8181G2C", source: "photo", symbology: "code_128", photo_sha256: photo.sha256 },
      });
    }
    return found;
  };

  assert.equal((await phone.engine.sync()).ok, true);

  assert.deepEqual(calls(phone.server), ["HEAD blobs", "PUT blobs", "POST push", "POST push", "GET pull"]);
  assert.deepEqual(
    phone.server.pushes().map((push) => push.ops.map((op) => op.type)),
    [["note.add"], ["scan.add"]],
  );
  assert.ok(phone.server.blobs.has(photo.sha256));
});

test("the upgrades from version 1 add the photo and record stores and keep every unsynced op and entity", async () => {
  const name = `sanbao-upgrade-${crypto.randomUUID()}`;
  // The database as version 1 of the app left it, with an op made offline.
  const old = await openDB(name, 1, {
    upgrade(db) {
      db.createObjectStore("outbox", { keyPath: "seq" });
      db.createObjectStore("entities", { keyPath: ["entity", "id"] }).createIndex("pending", "pending");
      db.createObjectStore("meta");
    },
  });
  const op = { seq: 1, op_id: "op-1", type: "job.accept", entity_id: "1", payload: {}, state: "queued" };
  const job = { entity: "job", id: "1", version: 3, data: { state: "accepted" }, server: { state: "dispatched" }, pending: 1 };
  await old.put("outbox", op);
  await old.put("entities", job);
  await old.put("meta", "client-1", "client_id");
  await old.put("meta", 2, "next_seq");
  old.close();

  const db = await openDatabase(name);

  assert.equal(db.version, 4);
  assert.deepEqual([...db.objectStoreNames].sort(), ["entities", "meta", "outbox", "photos", "records", "thumbs"]);
  assert.deepEqual(await db.getAll("outbox"), [op]);
  assert.deepEqual(await db.getAll("entities"), [job]);
  assert.equal(await db.get("meta", "client_id"), "client-1");
  assert.equal(await db.get("meta", "next_seq"), 2);
  db.close();
});

test("the barcode reader stays out of the shell and is served from our origin, as installed", async () => {
  const installed = JSON.parse(readFileSync(join(PWA, "node_modules/barcode-detector/package.json"), "utf8"));
  // A new version of the package gets a new cache: the old files are never served beside the new ones.
  assert.equal(DECODER_CACHE, `sanbao-decoder-barcode-detector-${installed.version}`);
  assert.ok(DECODER.includes(IMPORT_MAP["barcode-detector/ponyfill"]));
  assert.ok(DECODER.includes(IMPORT_MAP["zxing-wasm/reader/zxing_reader.wasm"]));
  assert.deepEqual(
    DECODER.filter((path) => SHELL.includes(path)),
    [],
  );
  for (const path of DECODER) {
    assert.doesNotThrow(() => readFileSync(join(PWA, path)), path);
  }
  // The WebAssembly served is the one the ponyfill's glue was built for (it checks nothing itself).
  const { ZXING_WASM_SHA256 } = await import("../../pwa/node_modules/barcode-detector/dist/es/ponyfill.js");
  const wasm = readFileSync(join(PWA, IMPORT_MAP["zxing-wasm/reader/zxing_reader.wasm"]));
  assert.equal(createHash("sha256").update(wasm).digest("hex"), ZXING_WASM_SHA256);
});
