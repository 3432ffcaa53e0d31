// Reading the serial off the unit's label on the phone: a photo taken through the file input, scaled down,
// decoded here and shown at once; the photo is kept on the device and uploaded by sync before the op naming it.
//
// The reader is the browser's own BarcodeDetector where it has one that reads label symbologies (Android,
// macOS); elsewhere (Chromium on Linux and Windows, Firefox, Safari on iOS) the ZXing ponyfill, a megabyte of
// WebAssembly served from our own origin. It is never part of the shell's first load: it is imported on the
// first scan, and fetched for the service worker's cache once the app has opened (warmUp), so the first scan
// of the day may be made without signal.

import { t } from "../i18n/index.js";
import { keepPhoto, preparePhoto } from "../photos.js";
import { h } from "./dom.js";

// What serial labels carry; a detector asked for fewer formats reads faster and misreads less.
export const FORMATS = [
  "code_128",
  "code_39",
  "code_93",
  "codabar",
  "ean_13",
  "ean_8",
  "upc_a",
  "upc_e",
  "itf",
  "data_matrix",
  "qr_code",
  "pdf417",
];
// As the server checks it (server/installbase/models.py): 1 to 64 characters, no spaces.
const SERIAL = /^\S{1,64}$/u;

// One object for the life of the page: the ponyfill keeps its module per distinct overrides object.
const ZXING_OVERRIDES = {
  locateFile: (path, prefix) =>
    path.endsWith(".wasm") ? import.meta.resolve("zxing-wasm/reader/zxing_reader.wasm") : prefix + path,
};

async function nativeDetector() {
  const Native = globalThis.BarcodeDetector;
  if (typeof Native !== "function") {
    return null;
  }
  // Some platforms expose the class with no formats behind it.
  const supported = await Native.getSupportedFormats().catch(() => []);
  const formats = FORMATS.filter((format) => supported.includes(format));
  return formats.length ? new Native({ formats }) : null;
}

async function zxingDetector() {
  const { BarcodeDetector, prepareZXingModule, purgeZXingModule } = await import("barcode-detector/ponyfill");
  try {
    // Loaded here rather than at the first detect, so a failed fetch (offline, not cached yet) is seen now.
    await prepareZXingModule({ overrides: ZXING_OVERRIDES, fireImmediately: true });
  } catch (error) {
    // Else the failed module is kept and every later scan fails with it, even back online.
    purgeZXingModule();
    throw error;
  }
  return new BarcodeDetector({ formats: FORMATS });
}

export class Scanner {
  #reader = null;

  constructor({ db }) {
    this.db = db;
  }

  reader() {
    if (this.#reader === null) {
      const loading = (async () => (await nativeDetector()) ?? (await zxingDetector()))();
      // A reader that could not load (offline before its first use) is tried again at the next photo.
      loading.catch(() => {
        if (this.#reader === loading) {
          this.#reader = null;
        }
      });
      this.#reader = loading;
    }
    return this.#reader;
  }

  // Where the browser has no reader of its own: ask the service worker to fetch the ponyfill into its cache
  // in the background, so that it is there for a scan made without signal.
  async warmUp() {
    try {
      if (!navigator.onLine || (await nativeDetector())) {
        return;
      }
      const registration = await navigator.serviceWorker?.ready;
      registration?.active?.postMessage("cache-decoder");
    } catch {
      // Nothing lost: the reader is fetched at its first use instead.
    }
  }

  // {root, result}: the scanner's section, and a promise of {serial, source, symbology, photoSha256}
  // or null when the technician gives up.
  open() {
    let resolve;
    const result = new Promise((done) => (resolve = done));
    const status = h("p", { class: "scan-status", role: "status", "data-testid": "scan-status" });
    const typed = h("input", { name: "serial", maxlength: 64, autocomplete: "off", autocapitalize: "characters", "data-testid": "scan-serial" });
    const file = h("input", { type: "file", accept: "image/*", capture: "environment", "data-testid": "scan-photo" });
    const use = h("button", { type: "button", "data-testid": "scan-use" }, t("scan.useThis"));
    const cancel = h("button", { type: "button" }, t("form.cancel"));
    const root = h(
      "section",
      { class: "scanner", "data-testid": "scanner" },
      h("label", { class: "photo" }, t("scan.photo"), file),
      status,
      h("label", {}, t("scan.typed"), typed),
      use,
      cancel,
    );
    let photo = null; // {sha256, bytes, type} of the photo chosen last
    let decoded = null; // {serial, format} read from it
    let reading = 0;
    let finished = false;
    const finish = (found) => {
      finished = true;
      root.remove();
      resolve(found);
    };

    file.addEventListener("change", async () => {
      const [chosen] = file.files;
      if (!chosen) {
        return;
      }
      // A second photo chosen while the first is being read: only the last one counts.
      const mine = ++reading;
      photo = null;
      decoded = null;
      status.textContent = t("scan.reading");
      let prepared;
      try {
        prepared = await preparePhoto(chosen);
      } catch {
        if (mine === reading) {
          status.textContent = t("scan.notPicture");
        }
        return;
      }
      let codes = null;
      try {
        codes = await (await this.reader()).detect(prepared.image);
      } catch {
        codes = null;
      } finally {
        prepared.image.close?.();
      }
      if (mine !== reading) {
        return;
      }
      // Kept even when nothing is read: the technician types the serial, and the photo still backs it.
      photo = { sha256: prepared.sha256, bytes: prepared.bytes, type: prepared.type };
      root.dataset.photo = prepared.sha256;
      if (codes === null) {
        status.textContent = t("scan.noReader");
        return;
      }
      const code = codes.map((c) => ({ serial: c.rawValue.trim(), format: c.format ?? "" })).find((c) => SERIAL.test(c.serial));
      if (!code) {
        status.textContent = t("scan.none");
        return;
      }
      decoded = code;
      typed.value = code.serial;
      status.textContent = t("scan.found", { serial: code.serial });
    });

    use.addEventListener("click", async () => {
      const serial = typed.value.trim();
      if (!serial) {
        status.textContent = t("form.required");
        return;
      }
      if (!SERIAL.test(serial)) {
        status.textContent = t("scan.badSerial");
        return;
      }
      if (finished || use.disabled) {
        return;
      }
      use.disabled = true;
      try {
        if (photo) {
          await keepPhoto(this.db, photo);
        }
      } catch {
        use.disabled = false;
        status.textContent = t("scan.notKept");
        return;
      }
      const read = decoded !== null && decoded.serial === serial;
      finish({ serial, source: read ? "photo" : "typed", symbology: read ? decoded.format : "", photoSha256: photo?.sha256 ?? null });
    });
    cancel.addEventListener("click", () => finish(null));
    return { root, result };
  }
}
