// Reading the serial off the unit's label on the phone: a photo taken through the file input, scaled down,
// decoded here and shown at once; the photo is kept on the device and uploaded by sync before the op naming it.
// Where the browser gives the page a camera, the label can be read live instead: frames of the rear camera are
// decoded until one holds a serial, and the camera is let go at once; no photo is kept of a live read.
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

// The rear camera where there is one; a laptop's only (front) camera is still better than none. A label's bars
// need no more than this, and a smaller frame decodes faster.
const CAMERA = { audio: false, video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } } };
// A frame is read, then this pause, then the next: quick enough to feel live, and the reads never overlap,
// so a slow phone reads fewer frames rather than queueing them.
const LOOK_EVERY_MS = 200;
// Frames are read at most this wide (or high): ZXing's time grows with the pixels, and bars stay several wide.
const FRAME_MAX = 1280;
// Why getUserMedia failed, as the technician can act on it; anything else is a camera that would not start.
const CAMERA_PROBLEMS = {
  NotAllowedError: "scan.cameraRefused",
  SecurityError: "scan.cameraRefused",
  NotFoundError: "scan.cameraMissing",
  OverconstrainedError: "scan.cameraMissing",
};

// Only a secure context (https, or loopback) has mediaDevices; elsewhere the photo input is the way.
function hasCamera() {
  return typeof globalThis.navigator?.mediaDevices?.getUserMedia === "function";
}

// The first code that reads as a serial, as {serial, format}; labels also carry model codes and links.
function firstSerial(codes) {
  return codes.map((c) => ({ serial: c.rawValue.trim(), format: c.format ?? "" })).find((c) => SERIAL.test(c.serial)) ?? null;
}

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
  // or null when the technician gives up. `heading` says what is being read when it is not the unit's label
  // (an old part's); `keep: false` keeps no photo on the phone, for a serial no op backs with its photo.
  open({ heading = null, keep = true } = {}) {
    let resolve;
    const result = new Promise((done) => (resolve = done));
    const status = h("p", { class: "scan-status", role: "status", "data-testid": "scan-status" });
    const typed = h("input", { name: "serial", maxlength: 64, autocomplete: "off", autocapitalize: "characters", "data-testid": "scan-serial" });
    const file = h("input", { type: "file", accept: "image/*", capture: "environment", "data-testid": "scan-photo" });
    const use = h("button", { type: "button", "data-testid": "scan-use" }, t("scan.useThis"));
    const cancel = h("button", { type: "button" }, t("form.cancel"));
    const start = hasCamera() ? h("button", { type: "button", class: "camera-start", "data-testid": "scan-camera" }, t("scan.camera")) : null;
    // playsinline: iOS would otherwise take the video full screen, over the panel and its buttons.
    const video = h("video", { class: "camera", muted: true, playsinline: true, hidden: true, "data-testid": "scan-video" });
    const stop = h("button", { type: "button", hidden: true, "data-testid": "scan-camera-stop" }, t("scan.stopCamera"));
    const root = h(
      "section",
      { class: "scanner", "data-testid": "scanner" },
      heading ? h("h2", {}, heading) : null,
      start,
      video,
      stop,
      h("label", { class: "photo" }, t("scan.photo"), file),
      status,
      h("label", {}, t("scan.typed"), typed),
      use,
      cancel,
    );
    let photo = null; // {sha256, bytes, type} of the photo chosen last
    let decoded = null; // {serial, format, source} read from the photo or the camera
    let reading = 0;
    let finished = false;
    let stream = null; // the camera's, while it is open
    let session = 0; // one per camera start; a stop ends it, and whatever it was still doing is dropped
    let timer = 0;
    let canvas = null; // the one frame buffer, kept from frame to frame

    // Every way out of the camera comes here: the light goes off only once every track is stopped.
    const stopCamera = () => {
      session += 1;
      clearTimeout(timer);
      for (const track of stream?.getTracks() ?? []) {
        track.stop();
      }
      stream = null;
      video.srcObject = null;
      video.hidden = true;
      stop.hidden = true;
      document.removeEventListener("visibilitychange", onHidden);
      if (start) {
        start.hidden = false;
        start.disabled = false;
      }
    };
    // A phone locked or another app opened: the camera is not kept running behind the technician's back.
    const onHidden = () => {
      if (document.hidden) {
        stopCamera();
        status.textContent = "";
      }
    };
    const finish = (found) => {
      stopCamera();
      finished = true;
      root.remove();
      resolve(found);
    };
    const show = (code, source) => {
      decoded = { ...code, source };
      typed.value = code.serial;
      status.textContent = t("scan.found", { serial: code.serial });
    };

    // One frame read, then the next after a pause, until a serial is read or the camera is stopped.
    const look = async (mine, reader) => {
      if (mine !== session) {
        return;
      }
      // The panel left the page (another step's form, another screen) without a word to the scanner.
      if (!root.isConnected) {
        stopCamera();
        return;
      }
      if (!stream.getVideoTracks().some((track) => track.readyState === "live")) {
        stopCamera();
        status.textContent = t("scan.cameraFailed");
        return;
      }
      if (video.paused) {
        // Moved in the page by a re-render, the element may have paused on its last frame; the stream has not.
        video.play().catch(() => {});
      }
      let code = null;
      if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth > 0) {
        const scale = Math.min(1, FRAME_MAX / Math.max(video.videoWidth, video.videoHeight));
        const width = Math.round(video.videoWidth * scale);
        const height = Math.round(video.videoHeight * scale);
        canvas ??= document.createElement("canvas");
        if (canvas.width !== width || canvas.height !== height) {
          canvas.width = width;
          canvas.height = height;
        }
        // willReadFrequently: the reader takes the pixels back from every frame drawn.
        canvas.getContext("2d", { willReadFrequently: true }).drawImage(video, 0, 0, width, height);
        try {
          code = firstSerial(await reader.detect(canvas));
        } catch {
          code = null; // a frame the reader choked on; the next one may do
        }
        // Frames read so far, on the element: a scan that never reads can be told from a camera that never ran.
        root.dataset.frames = String(Number(root.dataset.frames ?? 0) + 1);
      }
      if (mine !== session) {
        return;
      }
      if (code) {
        stopCamera();
        // A photo still being read, or read before, no longer backs the serial: the camera read it last.
        reading += 1;
        photo = null;
        delete root.dataset.photo;
        show(code, "camera");
        return;
      }
      timer = setTimeout(() => look(mine, reader), LOOK_EVERY_MS);
    };

    start?.addEventListener("click", async () => {
      if (stream || start.disabled) {
        return;
      }
      const mine = ++session;
      start.disabled = true;
      status.textContent = t("scan.cameraStarting");
      // The reader loads while the browser asks for the camera; neither waits for the other.
      const [reader, opened] = await Promise.allSettled([this.reader(), navigator.mediaDevices.getUserMedia(CAMERA)]);
      if (mine !== session || finished) {
        // Stopped, cancelled or switched to a photo while the camera was being asked for.
        for (const track of opened.value?.getTracks() ?? []) {
          track.stop();
        }
        return;
      }
      if (opened.status === "rejected") {
        start.disabled = false;
        status.textContent = t(CAMERA_PROBLEMS[opened.reason?.name] ?? "scan.cameraFailed");
        return;
      }
      stream = opened.value;
      if (reader.status === "rejected") {
        stopCamera();
        status.textContent = t("scan.cameraNoReader");
        return;
      }
      video.muted = true;
      video.srcObject = stream;
      video.hidden = false;
      stop.hidden = false;
      start.hidden = true;
      document.addEventListener("visibilitychange", onHidden);
      status.textContent = t("scan.cameraLooking");
      // A play() cut short (the stream stopped meanwhile) is no fault; the frames are read from the element.
      video.play().catch(() => {});
      look(mine, reader.value);
    });
    stop.addEventListener("click", () => {
      stopCamera();
      status.textContent = "";
    });

    file.addEventListener("change", async () => {
      const [chosen] = file.files;
      if (!chosen) {
        return;
      }
      stopCamera();
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
      if (keep) {
        photo = { sha256: prepared.sha256, bytes: prepared.bytes, type: prepared.type };
        root.dataset.photo = prepared.sha256;
      }
      if (codes === null) {
        status.textContent = t(keep ? "scan.noReader" : "scan.cameraNoReader");
        return;
      }
      const code = firstSerial(codes);
      if (!code) {
        status.textContent = t("scan.none");
        return;
      }
      show(code, "photo");
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
      finish({ serial, source: read ? decoded.source : "typed", symbology: read ? decoded.format : "", photoSha256: photo?.sha256 ?? null });
    });
    cancel.addEventListener("click", () => finish(null));
    return { root, result };
  }
}
