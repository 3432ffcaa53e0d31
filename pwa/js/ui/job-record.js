// The job's record: everything recorded on the job, oldest first, each at the phone's clock where a phone did it,
// and what is still waiting to sync. Three sources, one list:
// - the server's timeline (GET /api/jobs/<id>/events), fetched when the page is shown online and kept on the
//   device (the "records" store), so the page shows it offline; sync does not carry it, keeping pulls lean;
// - the outbox's ops on the job, laid in as the events they will be, marked "waiting to sync";
// - the requisitions sync holds: the clerk's decision and each shipment (they are no job events).
// A desk shows the same record from the server alone: `new JobRecord({api, jobId})`, with no device database.

import { OK } from "../api.js";
import { quoteTotals, yuan } from "../charges.js";
import { t, when } from "../i18n/index.js";
import { h } from "./dom.js";

// The event each op becomes on the server's record.
const KIND_OF_OP = {
  "job.accept": "accept",
  "job.decline": "decline",
  "job.contact": "contact",
  "job.depart": "depart",
  "job.arrive": "arrive",
  "job.complete": "complete",
  "scan.add": "scan",
  "parts.used": "use_parts",
  "parts.shortage": "hold_for_parts",
  "parts.receive": "parts_received",
  "note.add": "note",
  "photo.add": "photo",
  "quote.save": "quote",
  "quote.approve": "quote_approved",
  "payment.record": "payment",
};

// An op in the outbox as the event it will be: {kind, at, phone, pending, note, data}.
export function entryOfOp(op, orders = new Map()) {
  const payload = op.payload ?? {};
  const order = orders.get(payload.sales_order_id);
  const data = { ...payload };
  if (order) {
    data.sales_order = order.number;
  }
  if (op.type === "parts.receive" && order) {
    data.parts = order.lines;
  }
  const note = payload.note ?? payload.reason ?? payload.text ?? "";
  return { kind: KIND_OF_OP[op.type] ?? op.type, at: op.client_time, phone: true, pending: true, actor: null, note, data };
}

// A server event as an entry: at the phone's clock for a step done on a phone, the server's otherwise.
export function entryOfEvent(event) {
  return {
    kind: event.kind,
    at: event.device_time ?? event.at,
    phone: Boolean(event.device_time),
    pending: false,
    actor: event.actor,
    note: event.note ?? "",
    data: event.data ?? {},
  };
}

// What the requisitions held say that the job's events do not: the clerk's decision, each shipment.
export function entriesOfRequisitions(requisitions) {
  const found = [];
  for (const requisition of requisitions) {
    const data = { requisition: requisition.number, parts: requisition.lines ?? [] };
    if (requisition.approved_at) {
      found.push({ kind: "requisition_approved", at: requisition.approved_at, phone: false, pending: false, note: requisition.decision_note ?? "", data });
    }
    if (requisition.rejected_at) {
      found.push({ kind: "requisition_rejected", at: requisition.rejected_at, phone: false, pending: false, note: requisition.decision_note ?? "", data });
    }
    for (const order of requisition.orders ?? []) {
      if (order.shipped_at) {
        found.push({ kind: "parts_shipped", at: order.shipped_at, phone: false, pending: false, note: "", data: { sales_order: order.number, parts: order.lines } });
      }
    }
  }
  return found;
}

// Every entry, oldest first; entries of the same moment keep the order they were given in.
export function merged(events, ops, requisitions) {
  const orders = new Map(requisitions.flatMap((r) => (r.orders ?? []).map((order) => [order.id, order])));
  const all = [...(events ?? []).map(entryOfEvent), ...entriesOfRequisitions(requisitions), ...ops.map((op) => entryOfOp(op, orders))];
  return all.map((entry, index) => [entry, index]).sort(([a, i], [b, j]) => Date.parse(a.at) - Date.parse(b.at) || i - j).map(([entry]) => entry);
}

// Each part once, its quantities added up, with the old parts' serials recorded for it: a phone's op names an old
// part on a line of its own (`old_serial`), the server's record lists them on the part's line (`old_serials`).
export function partsOf(parts) {
  const found = new Map();
  for (const line of parts ?? []) {
    const known = found.get(line.part_no) ?? { part_no: line.part_no, name: line.name ?? "", qty: 0, old_serials: [] };
    known.qty += line.qty ?? 0;
    known.old_serials.push(...(line.old_serials ?? []), ...(line.old_serial ? [line.old_serial] : []));
    found.set(line.part_no, known);
  }
  return [...found.values()];
}

// The old serials recorded for one part, as a sentence.
export function oldSerialsText({ part_no: part, old_serials: serials }) {
  return t(serials.length === 1 ? "record.oldSerial" : "record.oldSerials", { part, serials: serials.join(", ") });
}

// The parts of an entry: one line of them all, then a line for the old serials of each part that has some.
function partsLines(parts) {
  const shown = partsOf(parts);
  const text = shown.map((line) => `${line.part_no}${line.name ? ` ${line.name}` : ""} × ${line.qty}`).join(", ");
  const serials = shown.filter((line) => line.old_serials.length).map((line) => h("p", { class: "old-serials", "data-testid": "old-serials" }, oldSerialsText(line)));
  return [text, ...serials];
}

// The lines that say what an entry carried, in the reader's language.
function details(entry) {
  const { kind, data, note } = entry;
  const lines = [];
  if (kind === "contact") {
    if (data.reached === false) {
      lines.push(t("record.notReached"));
    } else if (data.appointment_at) {
      lines.push(t("record.appointment", { when: when(data.appointment_at) }));
    }
  } else if (kind === "scan") {
    lines.push(t("record.serial", { serial: data.serial ?? "" }));
  } else if (kind === "complete") {
    lines.push(data.summary ? t("record.summary", { text: data.summary }) : null);
    lines.push(data.confirmed_by ? t("record.confirmedBy", { name: data.confirmed_by }) : null);
    lines.push(data.fault_code ? t("record.faultCode", { code: data.fault_code }) : null);
    lines.push(confirmationLine(data.confirmation));
    lines.push(data.unpaid_reason ? t("record.unpaidReason", { reason: data.unpaid_reason }) : null);
  } else if (kind === "quote") {
    const total = Number.isInteger(data.total_cents) ? data.total_cents : quoteTotals(data.lines ?? [], data.discount_cents ?? 0).total;
    lines.push(t("record.quoteTotal", { total: yuan(total) }));
  } else if (kind === "quote_approved") {
    lines.push(data.method ? t("record.approvedBy", { how: t(`quote.by.${data.method === "code" ? "code" : "signature"}`) }) : null);
  } else if (kind === "payment") {
    const method = t(`pay.method.${data.method === "qr" ? "qr" : "cash"}`);
    lines.push(Number.isInteger(data.amount_cents) ? t("record.paymentLine", { amount: yuan(data.amount_cents), method, number: data.receipt_number ?? "" }) : null);
  } else if (kind === "photo") {
    lines.push(data.stage === "before" || data.stage === "after" ? t("record.photoStage", { stage: t(`evidence.stage.${data.stage}`) }) : null);
    lines.push(data.reused_from ? t("record.photoReused", { job: data.reused_from.job_number }) : null);
  } else if (kind === "overdue") {
    lines.push(t(`record.stage.${data.stage}`));
  } else if (data.parts?.length) {
    lines.push(...partsLines(data.parts));
  }
  if (data.sales_order) {
    lines.push(t("record.order", { number: data.sales_order }));
  } else if (data.requisition) {
    lines.push(t("record.requisition", { number: data.requisition }));
  }
  if (note) {
    lines.push(note);
  }
  return lines.filter(Boolean).map((line) => (typeof line === "string" ? h("p", {}, line) : line));
}

// How the customer confirmed a completion, as its event records it (an op's payload, or the server's record).
function confirmationLine(confirmation) {
  if (confirmation === undefined) {
    return null;
  }
  if (!confirmation?.method) {
    return t("record.confirmation.missing");
  }
  if (confirmation.method === "code" && confirmation.code_ok === false) {
    return t("record.confirmation.codeWrong");
  }
  return t(`record.confirmation.${confirmation.method}`);
}

function label(kind) {
  const text = t(`record.${kind}`);
  return text === `record.${kind}` ? t("record.other") : text;
}

// The records kept of jobs the phone no longer holds (finished long ago, given to someone else) go: the store
// keeps only what a page can show.
export async function pruneRecords(db) {
  const [kept, jobs] = await Promise.all([db.getAllKeys("records"), db.getAllKeys("entities", IDBKeyRange.bound(["job", ""], ["job", "\uffff"]))]);
  const held = new Set(jobs.map(([, id]) => id));
  await Promise.all(kept.filter((id) => !held.has(id)).map((id) => db.delete("records", id)));
}

export class JobRecord {
  // `db`: the device's database (the cache and the photos waiting), or null on a desk. `rounds`: the sync
  // rounds finished when the server's record was last fetched: a new round may have taken ops in.
  constructor({ db = null, api, jobId }) {
    Object.assign(this, { db, api, jobId: String(jobId) });
    this.root = h("section", { class: "job-record", "data-testid": "job-record" });
    this.fetchedAtRound = null;
    this.drawn = 0;
    this.urls = [];
  }

  // The server's events: fetched when online and not fetched since `round` (a desk: every time), kept;
  // the kept copy otherwise; null when there is none.
  async events(round) {
    const kept = this.db ? await this.db.get("records", this.jobId) : null;
    if (globalThis.navigator.onLine && (this.db === null || this.fetchedAtRound !== round)) {
      const answer = await this.api.get(`/api/jobs/${this.jobId}/events`);
      if (answer.kind === OK) {
        this.fetchedAtRound = round;
        if (this.db) {
          await this.db.put("records", { job_id: this.jobId, events: answer.body, fetched_at: new Date().toISOString() });
        }
        return answer.body;
      }
    }
    return kept?.events ?? null;
  }

  // Draws the record: `ops` the outbox's ops on the job, `requisitions` those held for it, `round` the sync
  // rounds finished. A draw started later wins over one that finishes later.
  async render({ ops = [], requisitions = [], round = 0 } = {}) {
    const drawing = ++this.drawn;
    const events = await this.events(round);
    if (drawing !== this.drawn) {
      return this.root;
    }
    for (const url of this.urls.splice(0)) {
      URL.revokeObjectURL(url);
    }
    const entries = merged(events, ops, requisitions);
    // Through h's children: replaceChildren would write a null out as the text "null".
    const drawn = h(
      "div",
      {},
      h("h2", {}, t("record.title")),
      events === null ? h("p", { class: "record-offline" }, t("record.offline")) : null,
      entries.length
        ? h(
            "ol",
            {},
            entries.map((entry) =>
              h(
                "li",
                { dataset: { kind: entry.kind, pending: entry.pending ? "yes" : "no" } },
                h(
                  "div",
                  { class: "record-head" },
                  h("strong", {}, label(entry.kind)),
                  h("time", { datetime: entry.at }, when(entry.at), entry.phone ? ` ${t("record.phoneTime")}` : ""),
                  entry.pending ? h("span", { class: "record-pending" }, t("job.pendingSync")) : null,
                ),
                ...details(entry),
                entry.kind === "scan" && entry.data.photo_sha256 ? this.photo(entry) : null,
              ),
            ),
          )
        : h("p", { class: "empty" }, t("record.empty")),
    );
    this.root.replaceChildren(...drawn.childNodes);
    return this.root;
  }

  // The label photo of a scan: from the device while it waits to upload, from the server when online.
  photo(entry) {
    const box = h("div", { class: "evidence" });
    const show = (blob) => {
      const url = URL.createObjectURL(blob);
      this.urls.push(url);
      box.replaceChildren(h("img", { src: url, alt: t("record.photoOf", { serial: entry.data.serial ?? "" }) }));
    };
    (async () => {
      const held = this.db ? await this.db.get("photos", entry.data.photo_sha256) : undefined;
      if (held) {
        show(new Blob([held.bytes], { type: held.type }));
      } else if (entry.data.scan_id && globalThis.navigator.onLine) {
        const answer = await this.api.download(`/api/scans/${entry.data.scan_id}/photo`);
        if (answer.kind === OK) {
          show(answer.body);
          return;
        }
        box.replaceChildren(h("p", { class: "muted" }, t("record.photoOnline")));
      } else {
        box.replaceChildren(h("p", { class: "muted" }, t("record.photoOnline")));
      }
    })();
    return box;
  }
}
