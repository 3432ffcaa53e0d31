// The customer's signature on the phone: a canvas drawn on with a finger, a stylus or a mouse (pointer events),
// the page kept from scrolling while a stroke is drawn (touch-action: none on the pad), a button to start
// again. The strokes are kept as points, so a pad resized (the phone turned) draws them again; the signature
// leaves as a PNG on white, kept on the phone and uploaded like a photo before the op that names it.
// Loaded when the completion form first offers it (an extra of the shell).

import { t } from "../i18n/index.js";
import { sha256Hex } from "../photos.js";
import { h } from "./dom.js";

const LINE_WIDTH = 2.5;
// The pad's backing store: sharp on a phone's screen, without the megapixels of a 3x display.
const MAX_DPR = 2;

export class SignaturePad {
  constructor() {
    this.strokes = [];
    this.canvas = h("canvas", { class: "signature-canvas", "data-testid": "signature-pad", role: "img", "aria-label": t("confirm.padLabel") });
    this.clearButton = h("button", { type: "button", class: "signature-clear", "data-testid": "signature-clear" }, t("confirm.clear"));
    this.root = h("div", { class: "signature" }, this.canvas, this.clearButton);
    this.clearButton.addEventListener("click", () => this.clear());
    this.listen();
    // Sized to the box the page gives it, now and whenever that changes.
    this.observer = new ResizeObserver(() => this.fit());
    this.observer.observe(this.canvas);
  }

  get empty() {
    return !this.strokes.some((stroke) => stroke.length > 0);
  }

  clear() {
    this.strokes = [];
    this.draw();
    this.root.dispatchEvent(new Event("change"));
  }

  fit() {
    const ratio = Math.min(MAX_DPR, globalThis.devicePixelRatio || 1);
    const width = Math.round(this.canvas.clientWidth * ratio);
    const height = Math.round(this.canvas.clientHeight * ratio);
    if (width > 0 && height > 0 && (width !== this.canvas.width || height !== this.canvas.height)) {
      Object.assign(this.canvas, { width, height });
      this.draw();
    }
  }

  // A point in the pad's own CSS pixels, as a share of its size: the same strokes at any size.
  pointOf(event) {
    const box = this.canvas.getBoundingClientRect();
    return [(event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height];
  }

  listen() {
    let drawing = null;
    this.canvas.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      this.canvas.setPointerCapture?.(event.pointerId);
      drawing = event.pointerId;
      this.strokes.push([this.pointOf(event)]);
      this.draw();
    });
    this.canvas.addEventListener("pointermove", (event) => {
      if (drawing !== event.pointerId) {
        return;
      }
      event.preventDefault();
      // The points the browser merged into this event too: a quick stroke stays smooth.
      const events = event.getCoalescedEvents?.() ?? [];
      this.strokes.at(-1).push(...(events.length ? events : [event]).map((each) => this.pointOf(each)));
      this.draw();
    });
    const end = (event) => {
      if (drawing === event.pointerId) {
        drawing = null;
        this.root.dispatchEvent(new Event("change"));
      }
    };
    this.canvas.addEventListener("pointerup", end);
    this.canvas.addEventListener("pointercancel", end);
  }

  // Every stroke on `canvas` (the pad, or the export's), on white when `background`.
  draw(canvas = this.canvas, background = false) {
    const context = canvas.getContext("2d");
    const { width, height } = canvas;
    context.clearRect(0, 0, width, height);
    if (background) {
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, width, height);
    }
    const ratio = width / Math.max(1, this.canvas.clientWidth || width);
    context.lineWidth = LINE_WIDTH * ratio;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#102a43";
    for (const stroke of this.strokes) {
      context.beginPath();
      stroke.forEach(([x, y], index) => (index ? context.lineTo(x * width, y * height) : context.moveTo(x * width, y * height)));
      if (stroke.length === 1) {
        const [x, y] = stroke[0];
        context.lineTo(x * width + 0.1, y * height); // a dot
      }
      context.stroke();
    }
  }

  // {bytes, type, sha256} of the signature as a PNG on white, or null when nothing is drawn.
  async toPng() {
    if (this.empty) {
      return null;
    }
    const out = Object.assign(document.createElement("canvas"), { width: this.canvas.width || 600, height: this.canvas.height || 200 });
    this.draw(out, true);
    const blob = await new Promise((resolve, reject) => out.toBlob((made) => (made ? resolve(made) : reject(new Error("not encoded"))), "image/png"));
    const bytes = await blob.arrayBuffer();
    return { bytes, type: "image/png", sha256: await sha256Hex(bytes) };
  }

  close() {
    this.observer.disconnect();
  }
}
