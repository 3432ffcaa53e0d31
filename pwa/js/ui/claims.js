// The provider manager's desk: finished warranty jobs waiting for a claim, the claim form drafted from the
// job, the claims sent with their flags and status, and the provider's stock room and parts account. A desk
// works online (the office has a signal): each claim is checked by the server the moment it is sent, and
// its flags are shown at once.

import { OK } from "../api.js";
import { providerTabs } from "../desks/provider-tabs.js";
import { t, when } from "../i18n/index.js";
import { cards, h, once } from "./dom.js";
import { fieldProblems, problem } from "./problem.js";

const STATUSES = ["pending_review", "approved", "rejected"];
const SERIAL = /^\S{1,64}$/;
const FAULT_CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
const YUAN = /^\d{1,10}(\.\d{1,2})?$/;
let flash = "";

function day(iso) {
  return iso ? new Date(iso).toLocaleDateString() : "";
}

function statusBadge(status) {
  return h("span", { class: `state claim-${status}`, "data-testid": "claim-status" }, t(`claim.status.${status}`));
}

// A flag in the user's language; the server's own words where the app does not know the code.
function flagText(flag) {
  const key = `flag.${flag.code}`;
  const text = t(key);
  return text === key ? flag.message : text;
}

function flagList(flags) {
  return flags.length
    ? h(
        "ul",
        { class: "flags", "data-testid": "claim-flags" },
        flags.map((flag) => h("li", { dataset: { flag: flag.code }, title: flag.message }, flagText(flag))),
      )
    : null;
}

export class ClaimDesk {
  // `route` is ["list"], ["job", jobId], ["claim", claimId] or ["account"].
  constructor({ api, user, route = ["list"] }) {
    Object.assign(this, { api, user, route });
    this.root = h("section", { class: "claim-desk", "data-testid": "claim-desk" });
    this.message = h("p", { class: "message", role: "alert", "data-testid": "claim-message" });
    this.form = null;
    this.status = "";
    this.online = true; // asks the server for each screen: a sync round has nothing to add
  }

  render() {
    const [kind, id] = this.route;
    if (kind === "job") {
      return this.renderForm(id);
    }
    if (kind === "claim") {
      return this.renderClaim(id);
    }
    if (kind === "account") {
      return this.renderAccount();
    }
    return this.renderList();
  }

  // The provider manager's one row of tabs: the team desk's screens (#/team/…) beside the claims.
  tabs(current) {
    return providerTabs(current);
  }

  failed(answer, back) {
    this.root.replaceChildren(
      back ? h("a", { href: back, class: "back" }, t("job.back")) : this.tabs(""),
      h("p", { class: "message", role: "alert" }, problem(answer)),
    );
    return this.root;
  }

  async renderList() {
    this.form = null;
    const query = { per_page: 50 };
    if (this.status) {
      query.status = this.status;
    }
    const [ready, sent] = await Promise.all([
      this.api.get("/api/claims/unclaimed", { per_page: 100 }),
      this.api.get("/api/claims", query),
    ]);
    const failed = [ready, sent].find((answer) => answer.kind !== OK);
    if (failed) {
      return this.failed(failed);
    }
    const filter = h(
      "select",
      { name: "status", "aria-label": t("claims.filter") },
      h("option", { value: "" }, t("claims.all")),
      STATUSES.map((status) => h("option", { value: status, selected: status === this.status }, t(`claim.status.${status}`))),
    );
    filter.addEventListener("change", () => {
      this.status = filter.value;
      this.renderList();
    });
    this.root.replaceChildren(
      this.tabs("claims"),
      this.message,
      h("h2", {}, t("claims.ready"), " ", h("span", { class: "count" }, String(ready.body.total))),
      cards("unclaimed-jobs", ready.body.items, (item) =>
        h(
          "li",
          { dataset: { jobId: item.job_id } },
          h(
            "a",
            { href: `#/claims/job/${item.job_id}` },
            h("strong", {}, item.job_number),
            h("span", {}, `${item.claim.model} · ${item.claim.serial}`),
            h("span", {}, `${item.customer_name} · ${t("claims.completed")} ${day(item.completed_at)}`),
            h("span", { class: "action" }, t("claims.claimThis")),
          ),
        ),
        t("claims.noneReady")),
      h("h2", {}, t("claims.sent"), " ", filter),
      cards("sent-claims", sent.body.items, (claim) =>
        h(
          "li",
          { dataset: { claimId: claim.id, status: claim.status } },
          h(
            "a",
            { href: `#/claims/${claim.id}` },
            statusBadge(claim.status),
            h("strong", {}, `${claim.model} · ${claim.serial}`),
            h("span", {}, `${t("claims.amount")} ${claim.amount} · ${day(claim.created_at)}`),
            flagList(claim.flags),
          ),
        ),
        t("claims.noneSent")),
    );
    return this.root;
  }

  async renderForm(jobId) {
    const found = await this.api.get("/api/claims/unclaimed", { job_id: jobId });
    if (found.kind !== OK) {
      return this.failed(found, "#/claims");
    }
    const item = found.body.items[0];
    if (!item) {
      this.root.replaceChildren(
        h("a", { href: "#/claims", class: "back" }, t("job.back")),
        h("p", { class: "message", role: "alert" }, t("claims.alreadyClaimed")),
      );
      return this.root;
    }
    // The knowledge base's codes for this model, offered as the field is typed (the field stays free: a
    // code the server does not know is refused with its reason).
    const codes = await this.api.get("/api/fault-codes", item.claim.model ? { model: item.claim.model } : {});
    this.form = new ClaimForm({
      item,
      faultCodes: codes.kind === OK ? codes.body.items : [],
      onSubmit: (body) => this.submit(body),
    });
    this.root.replaceChildren(
      h("a", { href: "#/claims", class: "back" }, t("job.back")),
      h("h1", {}, t("claims.formTitle", { number: item.job_number })),
      h("p", {}, [item.customer_name, item.technician, item.completion_summary].filter(Boolean).join(" · ")),
      this.form.root,
    );
    return this.root;
  }

  async submit(body) {
    const answer = await this.api.post("/api/claims", body);
    if (answer.kind !== OK) {
      this.form.showProblems(problem(answer), fieldProblems(answer));
      return;
    }
    this.form = null;
    // The claim's own page says how it went: the address changes, and the desk opened there shows this first.
    flash = t(answer.body.status === "approved" ? "claims.sentClean" : "claims.sentFlagged");
    location.hash = `#/claims/${answer.body.id}`;
  }

  async renderClaim(claimId) {
    this.form = null;
    const answer = await this.api.get(`/api/claims/${claimId}`);
    if (answer.kind !== OK) {
      return this.failed(answer, "#/claims");
    }
    const claim = answer.body;
    this.message.textContent = flash;
    flash = "";
    const row = (label, value, testid) => [h("dt", {}, t(label)), h("dd", { "data-testid": testid }, value ?? "")];
    this.root.replaceChildren(
      h("a", { href: "#/claims", class: "back" }, t("job.back")),
      h("h1", {}, t("claims.claimNo", { id: claim.id }), " ", statusBadge(claim.status)),
      this.message,
      flagList(claim.flags) ?? h("p", { class: "clean" }, t("claims.noFlags")),
      h(
        "dl",
        { class: "facts" },
        row("job.serial", claim.serial, "claim-serial"),
        row("claims.model", claim.model),
        row("claims.failureDate", claim.failure_date),
        row("claims.repairDate", claim.repair_date),
        row("claims.faultCode", claim.fault_code),
        row("claims.labour", claim.labor_fee),
        row("claims.partsAmount", claim.parts_amount),
        row("claims.amount", claim.amount, "claim-amount"),
        claim.decision_reason ? row("claims.decisionReason", claim.decision_reason) : [],
      ),
      claim.parts.length
        ? h(
            "table",
            { class: "lines" },
            h("thead", {}, h("tr", {}, [t("form.partNo"), t("form.qty"), t("clerk.price")].map((title) => h("th", {}, title)))),
            h(
              "tbody",
              {},
              claim.parts.map((line) => h("tr", {}, h("td", {}, line.part_no), h("td", {}, String(line.qty)), h("td", {}, line.unit_price))),
            ),
          )
        : null,
    );
    return this.root;
  }

  async renderAccount() {
    this.form = null;
    const provider = this.user.provider_id;
    const [account, stock] = await Promise.all([
      this.api.get(`/api/providers/${provider}/account`, { per_page: 20 }),
      this.api.get(`/api/providers/${provider}/stock`, { per_page: 500 }),
    ]);
    const failed = [account, stock].find((answer) => answer.kind !== OK);
    if (failed) {
      return this.failed(failed);
    }
    const a = account.body;
    const figure = (label, value, testid) => h("div", { class: "figure" }, h("span", {}, t(label)), h("strong", { "data-testid": testid }, value));
    this.root.replaceChildren(
      this.tabs("account"),
      h("h2", {}, t("account.money")),
      h(
        "div",
        { class: "figures", "data-testid": "account" },
        figure("account.deposit", a.deposit, "deposit"),
        figure("account.creditLimit", a.credit_limit, "credit-limit"),
        figure("account.creditUsed", a.credit_used, "credit-used"),
        figure("account.available", a.available, "available"),
      ),
      h("h2", {}, t("account.stock")),
      stock.body.items.length
        ? h(
            "table",
            { class: "lines", "data-testid": "stock" },
            h(
              "thead",
              {},
              h("tr", {}, [t("form.partNo"), t("account.onHand"), t("account.reserved"), t("account.free")].map((title) => h("th", {}, title))),
            ),
            h(
              "tbody",
              {},
              stock.body.items.map((level) =>
                h(
                  "tr",
                  { class: level.on_hand < 0 ? "short" : "", dataset: { partNo: level.part_no } },
                  h("td", {}, level.part_no),
                  h("td", {}, String(level.on_hand)),
                  h("td", {}, String(level.reserved)),
                  h("td", {}, String(level.available)),
                ),
              ),
            ),
          )
        : h("p", { class: "empty" }, t("account.noStock")),
      h("h2", {}, t("account.ledger")),
      // Five columns are wider than a phone: the table scrolls inside its box, the page stays put.
      a.entries.items.length
        ? h(
            "div",
            // Focusable, so that a keyboard can scroll it too.
            { class: "table-scroll", tabindex: 0, role: "region", "aria-label": t("account.ledger") },
            h(
              "table",
              { class: "lines", "data-testid": "ledger" },
              h(
                "thead",
                {},
                h("tr", {}, [t("account.when"), t("account.kind"), t("account.depositChange"), t("account.creditChange"), t("account.reference")].map((title) => h("th", {}, title))),
              ),
              h(
                "tbody",
                {},
                a.entries.items.map((entry) =>
                  h(
                    "tr",
                    {},
                    h("td", {}, when(entry.created_at)),
                    h("td", {}, t(`account.entry.${entry.kind}`)),
                    h("td", {}, entry.deposit_change),
                    h("td", {}, entry.credit_change),
                    h("td", {}, entry.reference),
                  ),
                ),
              ),
            ),
          )
        : h("p", { class: "empty" }, t("account.noEntries")),
    );
    return this.root;
  }
}

// The claim form, filled in from the job. Checked here first, in the user's language, so the common slips
// never reach the server; what only the server can judge comes back field by field.
class ClaimForm {
  constructor({ item, faultCodes, onSubmit }) {
    const draft = item.claim;
    this.draft = draft;
    this.fields = {
      serial: h("input", { name: "serial", value: draft.serial, maxlength: 64, autocomplete: "off" }),
      model: h("input", { name: "model", value: draft.model, maxlength: 64 }),
      failure_date: h("input", { name: "failure_date", type: "date", value: draft.failure_date }),
      repair_date: h("input", { name: "repair_date", type: "date", value: draft.repair_date }),
      fault_code: h("input", { name: "fault_code", value: draft.fault_code, maxlength: 32, list: "fault-codes", autocomplete: "off" }),
      labor_fee: h("input", { name: "labor_fee", value: draft.labor_fee, inputmode: "decimal" }),
    };
    const codes = h(
      "datalist",
      { id: "fault-codes" },
      faultCodes.map((code) => h("option", { value: code.fault_code }, code.title)),
    );
    this.errors = {};
    const labelled = (name, key) => {
      this.errors[name] = h("span", { class: "field-error", "data-error-for": name });
      return h("label", {}, t(key), this.fields[name], this.errors[name]);
    };
    this.lines = draft.parts.map((line) => ({
      part_no: line.part_no,
      qty: h("input", { name: `qty-${line.part_no}`, type: "number", min: 1, max: 1000, value: line.qty, inputmode: "numeric" }),
    }));
    this.errors.parts = h("span", { class: "field-error", "data-error-for": "parts" });
    const parts = h(
      "fieldset",
      { class: "parts" },
      h("legend", {}, t("claims.parts")),
      this.lines.length
        ? this.lines.map((line) => {
            const remove = h("button", { type: "button", class: "remove", "aria-label": t("claims.removePart", { part: line.part_no }) }, "×");
            const row = h("div", { class: "line", dataset: { partNo: line.part_no } }, h("span", {}, line.part_no), line.qty, remove);
            remove.addEventListener("click", () => {
              this.lines = this.lines.filter((kept) => kept !== line);
              row.remove();
            });
            return row;
          })
        : h("p", { class: "empty" }, t("claims.noParts")),
      this.errors.parts,
    );
    this.message = h("p", { class: "message", role: "alert", "data-testid": "form-message" });
    const submit = once(h("button", { type: "submit", "data-action": "submit-claim" }, t("claims.submit")), () => this.submit(onSubmit));
    this.root = h(
      "form",
      { class: "claim-form", novalidate: true },
      labelled("serial", "job.serial"),
      labelled("model", "claims.model"),
      labelled("failure_date", "claims.failureDate"),
      labelled("repair_date", "claims.repairDate"),
      labelled("fault_code", "claims.faultCode"),
      codes,
      parts,
      labelled("labor_fee", "claims.labour"),
      this.message,
      submit,
    );
    this.root.addEventListener("submit", (event) => event.preventDefault());
  }

  // The body to send, or null after marking what is wrong.
  read() {
    const value = (name) => this.fields[name].value.trim();
    const wrong = {};
    if (!SERIAL.test(value("serial"))) {
      wrong.serial = t("scan.badSerial");
    }
    if (!value("model")) {
      wrong.model = t("form.required");
    }
    for (const name of ["failure_date", "repair_date"]) {
      if (!value(name)) {
        wrong[name] = t("form.required");
      }
    }
    if (!wrong.failure_date && !wrong.repair_date && value("repair_date") < value("failure_date")) {
      wrong.repair_date = t("claims.repairBeforeFailure");
    }
    if (!FAULT_CODE.test(value("fault_code"))) {
      wrong.fault_code = value("fault_code") ? t("claims.badFaultCode") : t("form.required");
    }
    if (!YUAN.test(value("labor_fee"))) {
      wrong.labor_fee = t("claims.badAmount");
    }
    const parts = this.lines.map((line) => ({ part_no: line.part_no, qty: Number(line.qty.value) }));
    if (parts.some((line) => !Number.isInteger(line.qty) || line.qty < 1 || line.qty > 1000)) {
      wrong.parts = t("claims.badQty");
    }
    this.showProblems(Object.keys(wrong).length ? t("claims.fixFields") : "", wrong);
    if (Object.keys(wrong).length) {
      return null;
    }
    return {
      job_id: this.draft.job_id,
      scan_id: this.draft.scan_id,
      serial: value("serial"),
      model: value("model"),
      failure_date: value("failure_date"),
      repair_date: value("repair_date"),
      fault_code: value("fault_code"),
      parts,
      labor_fee: value("labor_fee"),
    };
  }

  async submit(onSubmit) {
    const body = this.read();
    if (body) {
      await onSubmit(body);
    }
  }

  // `fields` maps a field (or "parts.0.part_no") to a message or a list of the server's messages.
  showProblems(message, fields = {}) {
    this.message.textContent = message;
    for (const span of Object.values(this.errors)) {
      span.textContent = "";
    }
    for (const [name, said] of Object.entries(fields)) {
      const field = name.split(".")[0];
      const span = this.errors[field] ?? this.message;
      // The server's reasons are in English: a field the app knows gets its own words, with the server's
      // as a tooltip for support.
      const server = Array.isArray(said) ? said.join(" ") : String(said);
      const key = `claims.invalid.${field}`;
      const known = t(key);
      span.textContent = Array.isArray(said) && known !== key ? known : server;
      span.title = server;
    }
  }
}
