// Evidence photos of the repair (before and after), stamped on the phone: the job number, the time and the
// position are drawn on the image itself, where anyone who sees the photo reads them, and the original's
// SHA-256 and EXIF capture time go with the op (photo.add), so the server can tell a recycled or an old photo.
// The stamped JPEG is what is kept and uploaded (through the sync blob store, before the op); a small copy is
// kept on the phone for the job's thumbnails. Loaded when the first photo is taken (an extra of the shell).

import { exifTakenAt } from "./exif.js";
import { MAX_SIDE, drawScaled, jpegBlob, sha256Hex } from "./photos.js";

const JPEG_QUALITY = 0.88;
export const THUMB_SIDE = 240;
// The stamp's text height as a share of the photo's shorter side, within bounds a person can read on a
// phone's screen and that leave most of a small photo free.
const FONT_SHARE = 0.036;
const FONT_MIN = 14;
const FONT_MAX = 72;

// The stamp's lines: the job number and the time, then the position (or that there was none).
// `words.noPosition` in the technician's language; `time` already formatted in it.
export function stampLines({ number, time, fix, words }) {
  const place = fix ? `${fix.lat.toFixed(6)}, ${fix.lng.toFixed(6)} ±${Math.round(fix.accuracy_m)} m` : words.noPosition;
  return [`${number} · ${time}`, place];
}

// Where the stamp goes on a `width`×`height` photo: a band across the bottom, its text `fontPx` high, one
// baseline per line. Pure, so that the layout is tested without a canvas.
export function stampLayout(width, height, lineCount) {
  const fontPx = Math.round(Math.min(FONT_MAX, Math.max(FONT_MIN, Math.min(width, height) * FONT_SHARE)));
  const lineHeight = Math.round(fontPx * 1.3);
  const padding = Math.round(fontPx * 0.5);
  const bandHeight = Math.min(height, lineCount * lineHeight + 2 * padding);
  const top = height - bandHeight;
  // A line's glyphs reach about 0.85 of the font's size above its baseline and 0.15 below.
  const first = top + padding + Math.round((lineHeight - fontPx) / 2 + fontPx * 0.85);
  const baselines = Array.from({ length: lineCount }, (_, index) => first + index * lineHeight);
  return { fontPx, lineHeight, padding, band: { x: 0, y: top, width, height: bandHeight }, baselines, textX: padding, maxTextWidth: width - 2 * padding };
}

async function jpegOf(canvas, quality = JPEG_QUALITY) {
  const blob = await jpegBlob(canvas, quality);
  return { bytes: await blob.arrayBuffer(), type: "image/jpeg" };
}

// The stamped photo of `file` (what the camera input gave): {bytes, type, sha256, original_sha256,
// exif_taken_at, thumb: {bytes, type}}. Throws when the file is no picture the browser can open.
export async function stampPhoto(file, { number, time, fix, words }) {
  const original = await file.arrayBuffer();
  const [originalSha256, bitmap] = await Promise.all([sha256Hex(original), createImageBitmap(file)]);
  const canvas = drawScaled(bitmap, MAX_SIDE);
  bitmap.close();
  const { width, height } = canvas;
  const context = canvas.getContext("2d");

  const lines = stampLines({ number, time, fix, words });
  const layout = stampLayout(width, height, lines.length);
  context.fillStyle = "rgba(0, 0, 0, 0.6)";
  context.fillRect(layout.band.x, layout.band.y, layout.band.width, layout.band.height);
  context.fillStyle = "#ffffff";
  context.font = `600 ${layout.fontPx}px system-ui, "Noto Sans CJK SC", sans-serif`;
  context.textBaseline = "alphabetic";
  lines.forEach((line, index) => context.fillText(line, layout.textX, layout.baselines[index], layout.maxTextWidth));

  const stamped = await jpegOf(canvas);
  const small = drawScaled(canvas, THUMB_SIDE);
  return {
    ...stamped,
    sha256: await sha256Hex(stamped.bytes),
    original_sha256: originalSha256,
    exif_taken_at: exifTakenAt(original),
    thumb: await jpegOf(small, 0.7),
  };
}
