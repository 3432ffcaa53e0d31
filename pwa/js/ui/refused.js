// The work the server did not accept: each op with its reason in the user's language, what it carried (the part
// and quantity, the note's text, the appointment...), the job it was for; dismissed one by one or all at once,
// and its words copied into a new note on a job that is still the technician's, so nothing typed is lost.

import { quoteTotals, yuan } from "../charges.js";
import { t, when } from "../i18n/index.js";
import { all } from "../store.js";
import { h, once } from "./dom.js";
import { oldSerialsText, partsOf } from "./job-record.js";

// Why, in the user's language where the code is a known one, with the server's own sentence beside it (it names
// the job and the details, in the words the dispatcher also sees); the server's sentence alone otherwise.
export function reasonOf({ code, message }) {
  const known = t(`reason.${code}`);
  if (known === `reason.${code}`) {
    return [h("p", { class: "reason" }, message || code)];
  }
  return [h("p", { class: "reason" }, known), message ? h("p", { class: "detail" }, message) : null];
}

function partsText(parts) {
  return partsOf(parts)
    .map((line) => `${line.part_no} × ${line.qty}`)
    .join(", ");
}

// The old parts' serials an op named, part by part: typed once, never lost with a refused op.
function oldSerials(parts) {
  return partsOf(parts)
    .filter((line) => line.old_serials.length)
    .map(oldSerialsText);
}

// What an op carried, as lines a person reads; `orders` the sales orders the phone knows, by id.
export function carried(op, orders = new Map()) {
  const p = op.payload ?? {};
  const order = orders.get(p.sales_order_id);
  const lines = {
    "job.contact": () => [
      p.reached === false ? t("record.notReached") : null,
      p.appointment_at ? t("record.appointment", { when: when(p.appointment_at) }) : null,
      p.note,
    ],
    "job.decline": () => [p.reason],
    "job.complete": () => [
      t("record.summary", { text: p.summary ?? "" }),
      p.confirmed_by ? t("record.confirmedBy", { name: p.confirmed_by }) : null,
      p.fault_code ? t("record.faultCode", { code: p.fault_code }) : null,
      p.unpaid_reason ? t("record.unpaidReason", { reason: p.unpaid_reason }) : null,
    ],
    "quote.save": () => [t("record.quoteTotal", { total: yuan(quoteTotals(p.lines ?? [], p.discount_cents ?? 0).total) }), p.note],
    "quote.approve": () => [t("record.approvedBy", { how: t(`quote.by.${p.method === "code" ? "code" : "signature"}`) })],
    "payment.record": () => [
      t("record.paymentLine", { amount: yuan(p.amount_cents), method: t(`pay.method.${p.method === "qr" ? "qr" : "cash"}`), number: p.receipt_number ?? "" }),
      p.reference,
    ],
    "scan.add": () => [t("record.serial", { serial: p.serial ?? "" })],
    "parts.used": () => [partsText(p.parts), ...oldSerials(p.parts), order ? t("record.order", { number: order.number }) : null],
    "parts.shortage": () => [partsText(p.parts), p.note],
    "parts.receive": () => [order ? t("record.order", { number: order.number }) : t("refused.order", { id: p.sales_order_id })],
    "note.add": () => [p.text],
    "photo.upload": () => [t("refused.photo", { kb: Math.round((p.size ?? 0) / 1024) })],
  }[op.type];
  return (lines ? lines() : [p.note ?? ""]).filter(Boolean);
}

export class RefusedView {
  constructor({ db, engine }) {
    Object.assign(this, { db, engine });
    this.root = h("section", { class: "refused", "data-testid": "refused" });
    this.copying = null; // the op whose words are being copied into a note
    this.form = null;
  }

  async render() {
    const rejected = this.engine.status.rejected ?? [];
    const [held, requisitions] = await Promise.all([all(this.db, "job"), all(this.db, "requisition")]);
    const jobs = new Map(held.map((each) => [each.id, each.data]));
    this.orders = new Map(requisitions.flatMap((r) => (r.data.orders ?? []).map((order) => [order.id, order])));
    // Jobs that are still the technician's: those the phone holds, not handed back.
    const theirs = [...jobs.values()].filter((job) => !job.declined && job.state !== "cancelled" && job.state !== "closed");
    this.root.replaceChildren(
      h("a", { href: "#/jobs", class: "back" }, t("job.back")),
      h("h1", {}, t("refused.title")),
      ...(rejected.length
        ? [
            h("p", {}, t("refused.intro", { count: rejected.length })),
            once(h("button", { type: "button", "data-action": "dismiss-all" }, t("refused.dismissAll")), () => this.dismiss(null)),
            h("ul", { class: "cards", "data-testid": "refused-list" }, rejected.map((op) => this.item(op, jobs, theirs))),
          ]
        : [h("p", { class: "empty" }, t("refused.none"))]),
    );
    return this.root;
  }

  item(op, jobs, theirs) {
    const job = jobs.get(op.entity_id);
    const words = carried(op, this.orders);
    return h(
      "li",
      { dataset: { opId: op.op_id, code: op.code ?? "", type: op.type } },
      h("strong", {}, t(`op.${op.type}`), job ? ` · ${job.number}` : ""),
      ...reasonOf(op),
      words.length ? h("blockquote", { class: "carried", "data-testid": "carried" }, words.map((line) => h("p", {}, line))) : null,
      op.client_time ? h("time", { datetime: op.client_time }, when(op.client_time)) : null,
      h(
        "div",
        { class: "buttons" },
        words.length && theirs.length
          ? once(h("button", { type: "button", "data-action": "copy" }, t("refused.copy")), () => this.copy(op))
          : null,
        once(h("button", { type: "button", "data-action": "dismiss" }, t("sync.dismiss")), () => this.dismiss(op.op_id)),
      ),
      this.copying === op.op_id ? this.noteForm(op, words, theirs) : null,
    );
  }

  async dismiss(opId) {
    await this.engine.dismiss(opId);
    await this.render();
  }

  copy(op) {
    this.copying = op.op_id;
    return this.render();
  }

  // A new note with the refused words, on the op's job if it is still theirs, else on one they choose.
  noteForm(op, words, theirs) {
    const choose = h(
      "select",
      { name: "job" },
      theirs.map((job) => h("option", { value: job.id, selected: job.id === op.entity_id }, `${job.number} ${job.request?.customer_name ?? ""}`)),
    );
    const text = h("textarea", { name: "text", maxlength: 4000 }, `${t(`op.${op.type}`)}: ${words.join(" · ")}`);
    const error = h("span", { class: "error", role: "alert" });
    const form = h(
      "form",
      { class: "op-form", "data-form": "copy", novalidate: true },
      h("label", {}, t("refused.onJob"), choose),
      h("label", {}, t("form.noteText"), text, error),
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "submit" }, t("refused.addNote")),
        h("button", { type: "button", onclick: () => ((this.copying = null), this.render()) }, t("form.cancel")),
      ),
    );
    let saving = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (saving) {
        return;
      }
      if (!text.value.trim()) {
        error.textContent = t("form.required");
        return;
      }
      saving = true;
      await this.engine.record({ type: "note.add", entityId: choose.value, payload: { text: text.value.trim() } });
      // Its words now live in the note: the refusal has been dealt with.
      this.copying = null;
      await this.engine.dismiss(op.op_id);
      await this.render();
      if (globalThis.navigator.onLine) {
        this.engine.sync().catch(() => {});
      }
    });
    return form;
  }
}
