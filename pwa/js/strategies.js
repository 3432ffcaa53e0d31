// How the service worker answers, one named strategy per kind of request.

import { VERSION } from "./shell-version.js";

// Named after a digest of the shell's files, which the server answers for ./shell-version.js: any change
// to them changes a module the service worker imports, so browsers install the new version by themselves.
export const SHELL_CACHE = `sanbao-shell-${VERSION}`;

// The app shell: everything the app needs to open and work with no network. Versioned with SHELL_CACHE: a new
// list ships with a new cache name, and the old cache goes once the new worker takes over. The office screens
// that only ever show the server's answers (claims, parts approvals, reports) are not in it: they load when
// first shown, with the signal they need anyway (js/app.js), and keep the technician's first visit small.
export const SHELL = [
  "/",
  "/manifest.webmanifest",
  "/css/app.css",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
  "/node_modules/idb/build/index.js",
  "/js/app.js",
  "/js/api.js",
  "/js/charges.js",
  "/js/confirmation.js",
  "/js/db.js",
  "/js/outbox.js",
  "/js/position.js",
  "/js/session.js",
  "/js/store.js",
  "/js/sync.js",
  "/js/i18n/index.js",
  "/js/i18n/en.js",
  "/js/i18n/zh-CN.js",
  "/js/desks/registry.js",
  "/js/ui/bell.js",
  "/js/ui/charges.js",
  "/js/ui/dom.js",
  "/js/ui/job-detail.js",
  "/js/ui/job-list.js",
  "/js/ui/job-record.js",
  "/js/ui/login-view.js",
  "/js/ui/old-parts.js",
  "/js/ui/sync-bar.js",
];

// What the technician's screens load when first needed (the scanner, the knowledge base, refused work, signing
// out, the stamping of evidence photos and the signature pad): no part of the first paint, yet needed offline. The app asks for them once it has opened
// (cacheExtras), into the shell's cache and with its version, so the first visit paints sooner and the day's
// work still needs no signal.
export const EXTRAS = [
  "/js/exif.js",
  "/js/photos.js",
  "/js/stamp.js",
  "/js/ui/knowledge.js",
  "/js/ui/refused.js",
  "/js/ui/scanner.js",
  "/js/ui/signature-pad.js",
  "/js/ui/sign-out.js",
];

// Screens that show only what the server answers, never cached: they need the signal anyway.
export const ONLINE_ONLY = ["/js/ui/claims.js", "/js/ui/requisitions.js", "/js/ui/reports.js", "/js/ui/volume.js", "/js/ui/problem.js", "/js/desks/"];

// The barcode reader for browsers without their own (see js/ui/scanner.js): not in the shell, since a phone
// that reads barcodes itself never needs it. Fetched when the app asks (cacheDecoder, once it has opened) or
// at its first use, and kept. Named after the package's version, which names its WebAssembly's: an upgrade
// fetches the new files, and the old cache goes with the next worker.
export const DECODER_CACHE = "sanbao-decoder-barcode-detector-3.2.2";
export const DECODER = [
  "/node_modules/barcode-detector/dist/es/ponyfill.js",
  "/node_modules/barcode-detector/dist/es/zxing-exported.js",
  "/node_modules/zxing-wasm/dist/reader/zxing_reader.wasm",
];
const DECODER_PATHS = ["/node_modules/barcode-detector/", "/node_modules/zxing-wasm/"];

export function isDecoder(url) {
  return DECODER_PATHS.some((path) => url.pathname.startsWith(path));
}

export async function precache() {
  const cache = await caches.open(SHELL_CACHE);
  await cache.addAll(SHELL);
}

export async function dropOldCaches() {
  for (const name of await caches.keys()) {
    if ((name.startsWith("sanbao-shell-") && name !== SHELL_CACHE) || (name.startsWith("sanbao-decoder-") && name !== DECODER_CACHE)) {
      await caches.delete(name);
    }
  }
}

// Opened once per worker: the app's first paint asks for some thirty files, each through here.
let opened = null;
function shellCache() {
  opened ??= caches.open(SHELL_CACHE);
  return opened;
}

// The shell from the cache, so the app opens at once and offline; a navigation is always the shell
// (the app routes on the client).
export async function shellFirst(request) {
  const cache = await shellCache();
  const key = request.mode === "navigate" ? "/" : request;
  const cached = await cache.match(key, { ignoreSearch: request.mode === "navigate" });
  return cached ?? fetch(request);
}

// The API is never cached: the device's data lives in IndexedDB, written by sync.
export function networkOnly(request) {
  return fetch(request);
}

// What is missing of the extras, fetched into the shell's cache; a failure is left for the next time.
export async function cacheExtras() {
  const cache = await shellCache();
  const missing = [];
  for (const path of EXTRAS) {
    if (!(await cache.match(path))) {
      missing.push(path);
    }
  }
  await cache.addAll(missing);
}

// What is missing of the decoder, fetched into its cache; a failure is left for the next time.
export async function cacheDecoder() {
  const cache = await caches.open(DECODER_CACHE);
  const missing = [];
  for (const path of DECODER) {
    if (!(await cache.match(path))) {
      missing.push(path);
    }
  }
  await cache.addAll(missing);
}

// The decoder's files from their cache, fetched and kept the first time.
export async function cacheFirst(request) {
  const cache = await caches.open(DECODER_CACHE);
  const cached = await cache.match(request);
  if (cached) {
    return cached;
  }
  const response = await fetch(request);
  if (response.ok) {
    await cache.put(request, response.clone());
  }
  return response;
}
