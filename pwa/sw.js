// The service worker only dispatches: each request to a named strategy (js/strategies.js).

import { cacheDecoder, cacheExtras, cacheFirst, dropOldCaches, isDecoder, networkOnly, precache, shellFirst } from "./js/strategies.js";

self.addEventListener("install", (event) => {
  // Not skipWaiting: a new version waits until the page lets it in (when the outbox is empty).
  event.waitUntil(precache());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(dropOldCaches().then(() => self.clients.claim()));
});

self.addEventListener("message", (event) => {
  if (event.data === "activate") {
    self.skipWaiting();
  }
  if (event.data === "cache-decoder") {
    event.waitUntil(cacheDecoder().catch(() => {}));
  }
  if (event.data === "cache-extras") {
    event.waitUntil(cacheExtras().catch(() => {}));
  }
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin || event.request.method !== "GET") {
    return;
  }
  // The public receipt page (/r/<number>) is the server's, for the customer: never the app's shell.
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/r/")) {
    event.respondWith(networkOnly(event.request));
  } else if (isDecoder(url)) {
    event.respondWith(cacheFirst(event.request));
  } else {
    event.respondWith(shellFirst(event.request));
  }
});

// Background Sync where the browser has it: wake the app's tabs to sync.
self.addEventListener("sync", (event) => {
  if (event.tag === "sanbao-sync") {
    event.waitUntil(
      self.clients.matchAll({ type: "window" }).then((tabs) => tabs.forEach((tab) => tab.postMessage("sync"))),
    );
  }
});
