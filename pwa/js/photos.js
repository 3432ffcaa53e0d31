// Label photos on the phone: scaled down, named by their SHA-256, and kept in the device's database until the
// sync engine has uploaded them (see sync.js), so a photo taken without signal is not lost.

// A phone's camera takes 12 to 50 megapixels; a label reads as well at this size, and the upload is a
// few hundred kilobytes instead of several megabytes over a mobile link.
export const MAX_SIDE = 2000;
const JPEG_QUALITY = 0.9;
// What the server takes as a photo (PUT /api/sync/blobs): anything else the browser opens is sent as JPEG.
export const UPLOADED_TYPES = new Set(["image/jpeg", "image/png", "image/webp"]);

// {image, bytes, type, sha256, width, height}: `image` (an ImageBitmap or a canvas) for the barcode reader,
// `bytes` what is kept and uploaded. Throws when the file is not a picture the browser can open.
export async function preparePhoto(file) {
  const bitmap = await createImageBitmap(file);
  if (Math.max(bitmap.width, bitmap.height) <= MAX_SIDE && UPLOADED_TYPES.has(file.type)) {
    const bytes = await file.arrayBuffer();
    return { image: bitmap, bytes, type: file.type || "application/octet-stream", sha256: await sha256Hex(bytes), width: bitmap.width, height: bitmap.height };
  }
  const canvas = drawScaled(bitmap, MAX_SIDE);
  bitmap.close();
  const blob = await jpegBlob(canvas);
  const bytes = await blob.arrayBuffer();
  return { image: canvas, bytes, type: blob.type, sha256: await sha256Hex(bytes), width: canvas.width, height: canvas.height };
}

function makeCanvas(width, height) {
  if (typeof OffscreenCanvas === "function") {
    return new OffscreenCanvas(width, height);
  }
  return Object.assign(document.createElement("canvas"), { width, height });
}

// A canvas holding `source` (an image or a canvas) scaled down to fit `maxSide`, never up.
export function drawScaled(source, maxSide) {
  const scale = Math.min(1, maxSide / Math.max(source.width, source.height));
  const canvas = makeCanvas(Math.max(1, Math.round(source.width * scale)), Math.max(1, Math.round(source.height * scale)));
  const context = canvas.getContext("2d");
  context.imageSmoothingQuality = "high";
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvas;
}

export function jpegBlob(canvas, quality = JPEG_QUALITY) {
  if (canvas.convertToBlob) {
    return canvas.convertToBlob({ type: "image/jpeg", quality });
  }
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the photo could not be encoded"))), "image/jpeg", quality),
  );
}

export async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// Kept durably before the op that names it is recorded: the op must never go without its photo to follow.
export function keepPhoto(db, { sha256, bytes, type }) {
  const tx = db.transaction("photos", "readwrite", { durability: "strict" });
  // `put`: the same photo chosen twice is one photo.
  tx.store.put({ sha256, bytes, type, kept_at: new Date().toISOString() });
  return tx.done;
}

// An evidence photo or a signature, with its small copy for the job's page: kept together, before the op that
// names it is recorded. `thumb` {bytes, type} (a signature is its own thumbnail).
export function keepEvidence(db, { sha256, bytes, type }, { jobId, kind, thumb }) {
  const tx = db.transaction(["photos", "thumbs"], "readwrite", { durability: "strict" });
  const kept_at = new Date().toISOString();
  tx.objectStore("photos").put({ sha256, bytes, type, kept_at });
  tx.objectStore("thumbs").put({ sha256, job_id: String(jobId), kind, bytes: thumb.bytes, type: thumb.type, kept_at });
  return tx.done;
}
