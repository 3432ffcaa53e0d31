// The old parts a warranty repair owes back (旧件返还): fitting a returnable part on a warranty job, the technician
// keeps each old part taken out for the RDC and records its serial or barcode, scanned or typed. The op then
// carries one line of one part per old serial and an ordinary line for the rest; the server owes one return per
// part fitted. A serial may be left out (the label is worn off, the part has none), but only once the technician
// has read that the claim is then held, and ticked that they know.

import { t } from "../i18n/index.js";
import { h, once } from "./dom.js";

// The most old serials asked of one part in one form: a warranty repair fits one or two; a form of hundreds of
// inputs would freeze the phone, and the server takes at most 100 lines an op.
export const MAX_OLD_PARTS = 20;
// As the server checks an old serial once normalised (scanning/serials.py): 1 to 64 characters, none of them a
// space of any kind or NUL.
const SERIAL = /^[^\s\0]{1,64}$/u;

// Serials are compared trimmed and in upper case, on the phone as on the server.
export function normalSerial(text) {
  return String(text ?? "")
    .trim()
    .toUpperCase();
}

// How many old serials fitting `qty` of `part` (the catalogue's, as the phone holds it) asks for on `job`: one
// per part fitted on a warranty job when the part comes back to the RDC, at most MAX_OLD_PARTS; none otherwise
// (a paid repair's old part is the customer's).
export function serialsAsked(job, part, qty) {
  if (job?.job_type !== "warranty" || part?.return_required !== true || !Number.isInteger(qty) || qty < 1) {
    return 0;
  }
  return Math.min(qty, MAX_OLD_PARTS);
}

// The op's lines for `qty` of `partNo` with the old serials given (blank ones left out): a line of one part for
// each serial, then one line for the parts fitted without one.
export function usageLines(partNo, qty, serials = []) {
  const given = serials.map(normalSerial).filter(Boolean).slice(0, qty);
  const lines = given.map((oldSerial) => ({ part_no: partNo, qty: 1, old_serial: oldSerial }));
  return qty > given.length ? [...lines, { part_no: partNo, qty: qty - given.length }] : lines;
}

// What is wrong with each of `serials` (normalised) as a key of the language tables, or null: a malformed
// serial, or one named already in this form or in `taken` (the same old part cannot come back twice, and the
// server refuses the whole op that names it twice). A blank serial is no fault here.
export function serialProblems(serials, taken = []) {
  const seen = new Set(taken);
  return serials.map((serial) => {
    if (!serial) {
      return null;
    }
    if (!SERIAL.test(serial)) {
      return "scan.badSerial";
    }
    if (seen.has(serial)) {
      return "oldPart.twice";
    }
    seen.add(serial);
    return null;
  });
}

let made = 0;

// The old parts of one part fitted, inside a parts form: hidden until a returnable part is fitted on a warranty
// job, then a row per old part (serial typed, or scanned through `scan(heading)`, a promise of the serial read
// or null).
export class OldParts {
  constructor({ scan = null } = {}) {
    this.scan = scan;
    this.id = `old-parts-${++made}`;
    this.part = null;
    this.rows = [];
    this.list = h("div", { class: "old-rows" });
    this.capped = h("p", { class: "muted", hidden: true });
    this.missing = h("p", { class: "error", role: "alert", "data-testid": "old-missing" });
    this.without = h("input", { type: "checkbox", name: "without_old_serial", "data-testid": "old-without" });
    this.withoutLabel = h("label", { class: "choice", hidden: true }, this.without, t("oldPart.without"));
    this.root = h(
      "fieldset",
      { class: "outcome old-parts", "data-testid": "old-parts", hidden: true },
      h("legend", {}, t("oldPart.legend")),
      h("p", { class: "old-keep" }, t("oldPart.keep")),
      h("p", { class: "old-held" }, t("oldPart.held")),
      this.list,
      this.capped,
      this.missing,
      this.withoutLabel,
    );
  }

  // Asks for `count` old serials of `part` ({part_no, name}) fitted `qty` times; what was typed for the same part
  // stays in its row.
  ask(part, count, qty) {
    const kept = part && part.part_no === this.part?.part_no ? this.rows.map((row) => row.input.value) : [];
    this.part = count ? part : null;
    this.rows = Array.from({ length: count }, (_, index) => this.row(index + 1, count, kept[index] ?? ""));
    this.list.replaceChildren(...this.rows.map((row) => row.root));
    this.capped.textContent = t("oldPart.capped", { max: MAX_OLD_PARTS });
    this.capped.hidden = !(count && qty > count);
    this.missing.textContent = "";
    this.root.hidden = count === 0;
  }

  row(n, count, value) {
    const id = `${this.id}-${n}`;
    const input = h("input", {
      id,
      name: `old_serial_${n}`,
      value,
      maxlength: 64,
      autocomplete: "off",
      autocapitalize: "characters",
      spellcheck: "false",
      "data-testid": "old-serial",
    });
    const error = h("span", { class: "error", role: "alert" });
    const named = count === 1 ? t("oldPart.serialOne") : t("oldPart.serialOf", { n });
    const scan = this.scan
      ? once(h("button", { type: "button", class: "old-scan", "aria-label": t("oldPart.scanOf", { name: named }), "data-testid": "old-scan" }, t("oldPart.scan")), async () => {
          const part = this.part;
          const read = await this.scan(t("oldPart.scanTitle", { name: named, part: `${part.part_no} ${part.name ?? ""}`.trim() }));
          if (read) {
            input.value = normalSerial(read);
            error.textContent = "";
          }
          input.focus();
        })
      : null;
    const root = h("div", { class: "old-row", dataset: { n } }, h("label", { for: id }, named), h("div", { class: "old-input" }, input, scan), error);
    return { root, input, error };
  }

  // The old serials as typed or scanned (normalised; "" for one left out), or null when the form says what is
  // wrong: a malformed serial, one named twice (here or among `taken`), or a serial left out without the
  // technician's tick that the claim is then held.
  read(taken = []) {
    this.missing.textContent = "";
    const serials = this.rows.map((row) => normalSerial(row.input.value));
    const problems = serialProblems(serials, taken);
    this.rows.forEach((row, index) => (row.error.textContent = problems[index] ? t(problems[index]) : ""));
    if (problems.some(Boolean)) {
      return null;
    }
    const blank = serials.filter((serial) => !serial).length;
    if (blank && !this.without.checked) {
      this.missing.textContent = t("oldPart.missing", { count: blank });
      this.withoutLabel.hidden = false;
      return null;
    }
    return serials;
  }
}
