// One job: customer (tap to call), address, unit and serial, and the steps of the visit. Every step is
// written to the device first (op and local change together) and synced after; the screen shows it at once.

import { t, when } from "../i18n/index.js";
import { all, one } from "../store.js";
import { h, once } from "./dom.js";
import { faultCodes } from "./knowledge.js";

// What the app offers in each state the phone shows: the server decides in the end.
const STEPS = {
  dispatched: ["accept"],
  accepted: ["depart", "arrive", "partsUsed", "partsMissing", "note"],
  en_route: ["arrive", "partsUsed", "partsMissing", "note"],
  on_site: ["complete", "partsUsed", "partsMissing", "note"],
  waiting_parts: ["partsUsed", "partsMissing", "note"],
  completed: ["partsUsed", "note"],
};
const MOVES = { accept: "accepted", depart: "en_route", arrive: "on_site", complete: "completed" };
const MAX_QTY = 10_000;

export class JobDetail {
  constructor({ db, engine, jobId, scanner }) {
    Object.assign(this, { db, engine, jobId: String(jobId), scanner });
    this.root = h("section", { class: "job-detail", "data-testid": "job-detail" });
    this.form = null;
  }

  async render() {
    const held = await one(this.db, "job", this.jobId);
    if (!held) {
      this.root.replaceChildren(h("p", {}, t("job.notFound")), h("a", { href: "#/jobs", class: "back" }, t("job.back")));
      return this.root;
    }
    const job = held.data;
    const request = job.request ?? {};
    const requisitions = (await all(this.db, "requisition")).map((r) => r.data).filter((r) => String(r.job_id) === this.jobId);
    const steps = (STEPS[job.state] ?? []).map((step) =>
      once(h("button", { type: "button", class: `step step-${step}`, "data-step": step }, t(`job.${step}`)), () => this.step(job, step)),
    );
    if (job.state !== "cancelled" && job.state !== "closed" && this.scanner) {
      steps.push(once(h("button", { type: "button", "data-step": "scan" }, t("job.scan")), () => this.scan()));
    }
    // Parts left out are null; replaceChildren would show them as the text "null".
    const parts = [
      h("a", { href: "#/jobs", class: "back" }, t("job.back")),
      h("h1", {}, job.number, " ", h("span", { class: `state state-${job.state}`, "data-testid": "job-state" }, t(`job.state.${job.state}`))),
      held.pending ? h("p", { class: "pending-mark" }, t("job.pendingSync")) : null,
      h(
        "dl",
        {},
        h("dt", {}, t("job.customer")),
        h("dd", {}, request.customer_name ?? "", " ", request.customer_phone ? h("a", { href: `tel:${request.customer_phone}`, class: "call" }, t("job.call"), " ", request.customer_phone) : null),
        h("dt", {}, t("job.address")),
        h("dd", {}, request.address ?? ""),
        h("dt", {}, t("job.unit")),
        h("dd", {}, request.model ?? ""),
        h("dt", {}, t("job.serial")),
        // A request recorded without a serial holds an empty one.
        h("dd", { "data-testid": "serial" }, job.scanned_serial || request.serial || t("job.noSerial")),
        h("dt", {}, t("job.fault")),
        h("dd", {}, request.fault_description ?? ""),
        job.appointment_at ? [h("dt", {}, t("job.appointment")), h("dd", {}, when(job.appointment_at))] : null,
      ),
      request.model
        ? h("a", { href: `#/knowledge?model=${encodeURIComponent(request.model)}`, class: "knowledge-link", "data-testid": "job-knowledge" }, t("job.knowledge"))
        : null,
      h("div", { class: "steps" }, steps),
      this.form,
      requisitions.length
        ? h(
            "section",
            { class: "requisitions", "data-testid": "requisitions" },
            h("h2", {}, t("job.requisitions")),
            h(
              "ul",
              {},
              requisitions.map((r) =>
                h(
                  "li",
                  { dataset: { status: r.status } },
                  `${r.number} · ${t(`requisition.status.${r.status}`)}`,
                  r.shipped_at && r.status !== "received" ? ` · ${t("requisition.shipped")}` : "",
                  h("ul", {}, (r.lines ?? []).map((line) => h("li", {}, `${line.part_no} ${line.name ?? ""} × ${line.qty}`))),
                ),
              ),
            ),
          )
        : null,
    ];
    this.root.replaceChildren(...parts.filter((part) => part !== null));
    return this.root;
  }

  async record(type, payload, patch = null) {
    await this.engine.record({
      type,
      entityId: this.jobId,
      payload,
      localChange: patch && { entity: "job", id: this.jobId, patch },
    });
    this.form = null;
    await this.render();
    // Sync in the background: the work is safe on the device whether or not this reaches the server.
    this.engine.sync().catch(() => {});
  }

  step(job, step) {
    if (step in MOVES && step !== "complete") {
      return this.record(`job.${step}`, {}, { state: MOVES[step] });
    }
    if (step === "complete") {
      return this.showForm(this.completeForm(job));
    }
    if (step === "note") {
      return this.showForm(this.noteForm());
    }
    return this.showForm(this.partsForm(job, step));
  }

  showForm(form) {
    this.form = form;
    return this.render();
  }

  field(label, input) {
    const error = h("span", { class: "error", role: "alert" });
    return { label: h("label", {}, t(label), input, error), input, error };
  }

  completeForm(job) {
    const summary = this.field("form.summary", h("textarea", { name: "summary", maxlength: 4000 }));
    const confirmed = this.field("form.confirmedBy", h("input", { name: "confirmed_by", maxlength: 100 }));
    const codes = h("select", { name: "fault_code" }, h("option", { value: "" }, t("form.faultCodeNone")));
    // The defects of the unit's model (or its category) the device holds: synced down, so offline too.
    all(this.db, "article").then((held) => {
      const found = faultCodes(held.map((a) => a.data), job.request?.model, job.request?.category);
      codes.append(...found.map((a) => h("option", { value: a.fault_code }, `${a.fault_code} ${a.title}`)));
    });
    const faultCode = this.field("form.faultCode", codes);
    return this.formOf("complete", [summary, confirmed, faultCode], () => {
      const missing = [summary, confirmed].filter((f) => !f.input.value.trim());
      missing.forEach((f) => (f.error.textContent = t("form.required")));
      if (missing.length) {
        return null;
      }
      const values = { summary: summary.input.value.trim(), confirmed_by: confirmed.input.value.trim(), fault_code: codes.value || null };
      return [
        "job.complete",
        values,
        { state: "completed", completion_summary: values.summary, confirmed_by: values.confirmed_by, fault_code: values.fault_code },
      ];
    });
  }

  noteForm() {
    const text = this.field("form.noteText", h("textarea", { name: "text", maxlength: 4000 }));
    return this.formOf("note", [text], () => {
      if (!text.input.value.trim()) {
        text.error.textContent = t("form.required");
        return null;
      }
      return ["note.add", { text: text.input.value.trim() }, null];
    });
  }

  partsForm(job, step) {
    const select = h("select", { name: "part_no" }, h("option", { value: "" }, "—"));
    all(this.db, "part").then((parts) => {
      const model = job.request?.model;
      // The parts that fit the unit first; a part fitting no listed model is still offered.
      const fitting = parts.map((p) => p.data).filter((p) => !model || !p.models?.length || p.models.includes(model));
      fitting.sort((a, b) => a.part_no.localeCompare(b.part_no));
      select.append(...fitting.map((p) => h("option", { value: p.part_no }, `${p.part_no} ${p.name ?? ""}`)));
    });
    const part = this.field("form.partNo", select);
    const qty = this.field("form.qty", h("input", { name: "qty", type: "number", min: 1, max: MAX_QTY, step: 1, value: 1, inputmode: "numeric" }));
    return this.formOf(step, [part, qty], () => {
      part.error.textContent = "";
      qty.error.textContent = "";
      const count = Number(qty.input.value);
      let ok = true;
      if (!select.value) {
        part.error.textContent = t("form.choosePart");
        ok = false;
      }
      if (!Number.isInteger(count) || count < 1 || count > MAX_QTY) {
        qty.error.textContent = t("form.qtyPositive");
        ok = false;
      }
      if (!ok) {
        return null;
      }
      const lines = { parts: [{ part_no: select.value, qty: count }] };
      return step === "partsUsed" ? ["parts.used", lines, null] : ["parts.shortage", lines, { state: "waiting_parts" }];
    });
  }

  formOf(name, fields, read) {
    const save = h("button", { type: "submit" }, t("form.save"));
    const cancel = h("button", { type: "button", onclick: () => this.showForm(null) }, t("form.cancel"));
    const form = h("form", { class: `op-form form-${name}`, "data-form": name, novalidate: true }, fields.map((f) => f.label), save, cancel);
    let saving = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      // A double tap submits once: the op is written by the first, the second finds it saving.
      if (saving) {
        return;
      }
      const op = read();
      if (!op) {
        return;
      }
      saving = true;
      save.disabled = true;
      await this.record(...op);
    });
    return form;
  }

  async scan() {
    const { root, result } = this.scanner.open();
    // Shown as the view's form: a sync finishing meanwhile re-renders the view around the scanner, not over it.
    await this.showForm(root);
    const found = await result;
    if (this.form !== root) {
      return; // another step's form took its place
    }
    if (!found) {
      await this.showForm(null);
      return;
    }
    await this.record(
      "scan.add",
      { serial: found.serial, source: found.source, symbology: found.symbology ?? "", photo_sha256: found.photoSha256 ?? null },
      { scanned_serial: found.serial },
    );
  }
}
