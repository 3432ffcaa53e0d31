import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";

import en from "../../pwa/js/i18n/en.js";
import zhCN from "../../pwa/js/i18n/zh-CN.js";
import { DECODER, EXTRAS, ONLINE_ONLY, SHELL } from "../../pwa/js/strategies.js";

const PWA = resolve(dirname(fileURLToPath(import.meta.url)), "../../pwa");
const IMPORT_MAP = JSON.parse(readFileSync(join(PWA, "index.html"), "utf8").match(/<script type="importmap">([\s\S]*?)<\/script>/)[1]).imports;

// Every module the app loads at start, following static imports from the page's entry point; with `later`, also
// those it loads when first needed (import("...")), but not the screens that only ever show the server's answers.
function modulesOf(entry, later = false) {
  const seen = new Set();
  const visit = (path) => {
    if (seen.has(path) || (later && ONLINE_ONLY.some((online) => path.startsWith(online)))) {
      return;
    }
    seen.add(path);
    const source = readFileSync(join(PWA, path), "utf8");
    const specifiers = [...source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)];
    if (later) {
      specifiers.push(...source.matchAll(/\bimport\("([^"]+)"\)/g));
    }
    for (const [, specifier] of specifiers) {
      visit(specifier in IMPORT_MAP ? IMPORT_MAP[specifier] : `/${relative(PWA, resolve(join(PWA, dirname(path)), specifier))}`);
    }
  };
  visit(entry);
  return seen;
}

test("the app shell precaches every module the app imports at start, so it opens offline", () => {
  const missing = [...modulesOf("/js/app.js")].filter((path) => !SHELL.includes(path));
  assert.deepEqual(missing, []);
});

test("what the app loads when first needed is cached for offline use too, and none of it at start", () => {
  // The barcode reader has its own cache, for the browsers that need it (js/ui/scanner.js).
  const offline = new Set([...SHELL, ...EXTRAS, ...DECODER]);
  const missing = [...modulesOf("/js/app.js", true)].filter((path) => !offline.has(path));
  assert.deepEqual(missing, []);
  const early = EXTRAS.filter((path) => modulesOf("/js/app.js").has(path));
  assert.deepEqual(early, [], "an extra loaded at start belongs in the shell");
});

test("the page preloads every module the app imports at start, and nothing else", () => {
  const page = readFileSync(join(PWA, "index.html"), "utf8");
  const preloaded = [...page.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((match) => match[1]).sort();
  const atStart = [...modulesOf("/js/app.js")].filter((path) => path !== "/js/app.js").sort();
  assert.deepEqual(preloaded, atStart);
});

test("every file the shell lists exists", () => {
  for (const path of [...SHELL, ...EXTRAS].filter((path) => path !== "/")) {
    assert.doesNotThrow(() => readFileSync(join(PWA, path)), path);
  }
});

test("both languages have every string", () => {
  assert.deepEqual(Object.keys(zhCN).sort(), Object.keys(en).sort());
  for (const [key, text] of Object.entries(zhCN)) {
    const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    assert.deepEqual(placeholders(text), placeholders(en[key]), key);
  }
});
