// Every string a person reads comes from these tables: Simplified Chinese and English, chosen from the
// browser's languages and switchable; the choice is kept on the device.

import en from "./en.js";
import zhCN from "./zh-CN.js";

export const LANGUAGES = { "zh-CN": zhCN, en };
const STORED = "sanbao-language";

let current = pick();

function pick() {
  const stored = globalThis.localStorage?.getItem(STORED);
  if (stored && stored in LANGUAGES) {
    return stored;
  }
  for (const wanted of globalThis.navigator?.languages ?? []) {
    if (wanted.toLowerCase().startsWith("zh")) {
      return "zh-CN";
    }
    if (wanted.toLowerCase().startsWith("en")) {
      return "en";
    }
  }
  return "zh-CN";
}

export function language() {
  return current;
}

export function setLanguage(code) {
  if (!(code in LANGUAGES)) {
    throw new RangeError(`no language ${code}`);
  }
  current = code;
  globalThis.localStorage?.setItem(STORED, code);
  document.documentElement.lang = code;
}

// A desk's own strings, loaded with the desk's code (pwa/js/desks/): {en: {...}, "zh-CN": {...}}. A key
// already in the tables keeps its first text, so a desk cannot change another screen's words.
export function addStrings(tables) {
  for (const [code, strings] of Object.entries(tables)) {
    if (!(code in LANGUAGES)) {
      throw new RangeError(`no language ${code}`);
    }
    LANGUAGES[code] = { ...strings, ...LANGUAGES[code] };
  }
}

// t("job.state.accepted"), t("sync.pending", {count: 3}): a missing key shows itself, never a blank.
export function t(key, params = {}) {
  const text = LANGUAGES[current][key] ?? LANGUAGES.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

// Times as the person's clock shows them. One formatter per language: making one costs far more than using it,
// and a job list shows two times a job.
const formats = {};
export function when(iso) {
  if (!iso) {
    return "";
  }
  formats[current] ??= new Intl.DateTimeFormat(current, { dateStyle: "medium", timeStyle: "short" });
  return formats[current].format(new Date(iso));
}

// Fill every element carrying data-i18n (text) in `root`.
export function translate(root) {
  for (const element of root.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of root.querySelectorAll("[data-i18n-placeholder]")) {
    element.placeholder = t(element.dataset.i18nPlaceholder);
  }
}
