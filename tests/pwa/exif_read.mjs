// Reads each JPEG named on the command line with the app's EXIF reader (pwa/js/exif.js) and prints, as JSON,
// what it found in each: {path: {exif, takenAt}}. Driven by test_exif.py, which makes the JPEGs with Pillow.
import { readFileSync } from "node:fs";

import { exifTakenAt, readExif } from "../../pwa/js/exif.js";

const found = {};
for (const path of process.argv.slice(2)) {
  const bytes = readFileSync(path);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  found[path] = { exif: readExif(buffer), takenAt: exifTakenAt(buffer) };
}
process.stdout.write(JSON.stringify(found));
