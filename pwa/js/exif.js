// When a photo was taken, as its camera wrote it: DateTimeOriginal (and OffsetTimeOriginal, where the camera
// writes its time zone) from the JPEG's APP1 Exif segment. The server flags an evidence photo taken before the
// job existed (OLD_PHOTO); the phone reads the time from the original, before it is stamped and re-encoded
// (which drops the EXIF). A file that is no JPEG, has no EXIF or a broken one gives null, never an error.

const SOI = 0xffd8;
const APP1 = 0xffe1;
const SOS = 0xffda;
const EOI = 0xffd9;
const EXIF_IFD = 0x8769;
const DATE_TIME_ORIGINAL = 0x9003;
const OFFSET_TIME_ORIGINAL = 0x9011;
const ASCII = 2;
// "2024:05:01 10:20:30" and "+08:00", as EXIF 2.31 writes them.
const DATE_TIME = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const OFFSET = /^([+-])(\d{2}):(\d{2})$/;

// The ASCII value of `tag` in the IFD at `ifd` (TIFF offsets from `tiff`), or the offset of a LONG's value.
function readIfd(view, tiff, ifd, little) {
  const entries = new Map();
  const count = view.getUint16(tiff + ifd, little);
  for (let i = 0; i < count; i += 1) {
    const entry = tiff + ifd + 2 + i * 12;
    const tag = view.getUint16(entry, little);
    const type = view.getUint16(entry + 2, little);
    const length = view.getUint32(entry + 4, little);
    if (type === ASCII) {
      // Up to four bytes sit in the entry itself; longer values elsewhere, by offset from the TIFF header.
      const at = length <= 4 ? entry + 8 : tiff + view.getUint32(entry + 8, little);
      const bytes = new Uint8Array(view.buffer, view.byteOffset + at, length);
      entries.set(tag, String.fromCharCode(...bytes).replace(/\0.*$/s, "").trim());
    } else {
      entries.set(tag, view.getUint32(entry + 8, little));
    }
  }
  return entries;
}

// {dateTimeOriginal, offsetTimeOriginal} as written ("2024:05:01 10:20:30", "+08:00" or null), or null.
export function readExif(buffer) {
  const view = buffer instanceof DataView ? buffer : new DataView(buffer instanceof ArrayBuffer ? buffer : buffer.buffer, buffer.byteOffset ?? 0, buffer.byteLength);
  try {
    if (view.getUint16(0) !== SOI) {
      return null;
    }
    let at = 2;
    while (at + 4 <= view.byteLength) {
      const marker = view.getUint16(at);
      if (marker === SOS || marker === EOI || (marker & 0xff00) !== 0xff00) {
        return null; // the image data begins: no EXIF comes after it
      }
      const size = view.getUint16(at + 2);
      // "Exif\0\0", then the TIFF header.
      if (marker === APP1 && view.getUint32(at + 4) === 0x45786966 && view.getUint16(at + 8) === 0) {
        const tiff = at + 10;
        const order = view.getUint16(tiff);
        if (order !== 0x4949 && order !== 0x4d4d) {
          return null;
        }
        const little = order === 0x4949;
        if (view.getUint16(tiff + 2, little) !== 42) {
          return null;
        }
        const ifd0 = readIfd(view, tiff, view.getUint32(tiff + 4, little), little);
        if (!ifd0.has(EXIF_IFD)) {
          return null;
        }
        const exif = readIfd(view, tiff, ifd0.get(EXIF_IFD), little);
        const original = exif.get(DATE_TIME_ORIGINAL);
        if (typeof original !== "string") {
          return null;
        }
        const offset = exif.get(OFFSET_TIME_ORIGINAL);
        return { dateTimeOriginal: original, offsetTimeOriginal: typeof offset === "string" && OFFSET.test(offset) ? offset : null };
      }
      at += 2 + size;
    }
  } catch {
    // A segment pointing past the end of the file: a broken EXIF is no EXIF.
  }
  return null;
}

// The capture time as an ISO instant, or null. Without the camera's own offset, the time is the phone's
// local time (the photo was taken with this phone, in its time zone).
export function exifTakenAt(buffer) {
  const found = readExif(buffer);
  const parts = found && DATE_TIME.exec(found.dateTimeOriginal);
  if (!parts) {
    return null;
  }
  const [year, month, day, hour, minute, second] = parts.slice(1).map(Number);
  // 2024:02:31 would roll over into March: a date that does not exist is no capture time (nor is 0000:00:00).
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (year < 1990 || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  let moment;
  if (found.offsetTimeOriginal) {
    const [, sign, hours, minutes] = OFFSET.exec(found.offsetTimeOriginal);
    const offset = (sign === "-" ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
    moment = Date.UTC(year, month - 1, day, hour, minute, second) - offset * 60_000;
  } else {
    moment = new Date(year, month - 1, day, hour, minute, second).getTime();
  }
  return new Date(moment).toISOString();
}
