// The provider manager's monthly statements (网点结算单, #/team/statements): each month's figures, the lines it
// pays and the deductions it withholds, each said in the user's words. While a statement is open the manager
// disputes a deduction, with a reason, until its dispute deadline, or accepts the statement as it stands
// (which ends the disputes); an auditor answers each dispute. The statement downloads as CSV.
// The charges paid repairs collected from customers that month (收费) are reconciled on it too: collected by each
// technician, what the provider's contract says it remits, what it has remitted and what it still owes (owed
// charges come off the statement as a deduction); the manager records a remittance with its bank reference.

import { parseYuan, yuan as cents } from "../charges.js";
import { addStrings, language } from "../i18n/index.js";
import { save } from "../ui/dom.js";
import { OK, action, day, h, problem, sortedTable, split, stale, t, time, yuan } from "./kit.js";
import strings from "./provider-strings.js";

addStrings(strings);

const STATEMENTS_SHOWN = 24;
const RULES = ["RETURN_PENALTY", "COMPLAINT_DEDUCTION", "REPEAT_REPAIR", "CHARGES_OWED", "MANUAL"];
const MAX_REFERENCE = 64;
const RESULTS = ["wrong_part", "not_faulty", "missing"];
const DISPUTES = ["open", "upheld", "reversed"];

// Money as the server sends it, with the yuan sign; an amount below nothing (a month whose deductions exceed
// what it pays) with its minus sign before the yuan sign.
export function money(amount) {
  return String(amount).startsWith("-") ? `−${yuan(String(amount).slice(1))}` : yuan(amount);
}

// "2026-05" in the user's language: "May 2026", "2026年5月".
export function monthName(month) {
  const [year, number] = month.split("-").map(Number);
  return new Intl.DateTimeFormat(language(), { year: "numeric", month: "long" }).format(new Date(year, number - 1, 15));
}

// Whether the manager may still dispute a deduction of the statement at `now`, and accept the statement.
export function disputable(statement, now = new Date()) {
  return statement.status === "open" && !statement.accepted_at && Boolean(statement.dispute_until) && now <= new Date(statement.dispute_until);
}

export function canDispute(statement, deduction, now = new Date()) {
  return disputable(statement, now) && deduction.dispute === null;
}

// Where a statement is, in words: open for disputes until a day, accepted and waiting, or paid.
export function statementState(statement, now = new Date()) {
  if (statement.status === "final") {
    return t("team.statements.state.final", { day: day(statement.finalised_at) });
  }
  if (statement.accepted_at) {
    return t("team.statements.state.accepted");
  }
  return disputable(statement, now)
    ? t("team.statements.state.open", { day: day(statement.dispute_until) })
    : t("team.statements.state.closing");
}

// The rule a deduction was made under, in words (an unknown one said as such, never as its code).
export function ruleName(rule) {
  return RULES.includes(rule) ? t(`team.statements.rule.${rule}`) : t("team.statements.rule.other");
}

// Why a deduction was made, in the user's words: the old part it is for (`item`, its part return, when the
// screen could read it), the complaint or the repeat repair; the auditor's own words for a manual one.
export function deductionWhy(deduction, item) {
  if (deduction.rule === "MANUAL") {
    return deduction.reason;
  }
  if (deduction.rule === "RETURN_PENALTY" && item) {
    const named = { part: `${item.part_name} (${item.part_no})`, job: item.job_number ?? item.number, number: item.number };
    if (item.status === "rejected" && RESULTS.includes(item.result)) {
      return t("team.statements.why.rejected", { ...named, result: t(`team.returns.result.${item.result}`), note: item.note });
    }
    if (item.received_at) {
      return t("team.statements.why.lateArrived", { ...named, due: day(item.due_at), arrived: day(item.received_at) });
    }
    return t("team.statements.why.late", { ...named, due: day(item.due_at) });
  }
  const key = `team.statements.why.${deduction.rule}`;
  return t(key) === key ? t("team.statements.why.other") : t(key);
}

function disputeText(deduction) {
  if (!DISPUTES.includes(deduction.dispute)) {
    return null;
  }
  const words = {
    open: t("team.statements.dispute.open", { day: day(deduction.disputed_at), reason: deduction.dispute_reason }),
    upheld: t("team.statements.dispute.upheld", { note: deduction.resolution_note }),
    reversed: t("team.statements.dispute.reversed", { note: deduction.resolution_note }),
  };
  return h("p", { class: `dispute dispute-${deduction.dispute}`, "data-testid": "dispute-state", "data-dispute": deduction.dispute }, words[deduction.dispute]);
}

export class StatementsScreen {
  constructor({ api, path, query, notice, redraw }) {
    Object.assign(this, { api, query, notice, redraw });
    this.statementId = /^\d+$/.test(path[0] ?? "") ? Number(path[0]) : null;
    this.accepting = false;
  }

  async render() {
    // A line said in the other language before a switch would stay in it: it goes.
    if (this.language && this.language !== language()) {
      this.notice.clear();
    }
    this.language = language();
    const [list, opened] = await Promise.all([
      this.api.get("/api/settlements", { per_page: STATEMENTS_SHOWN }),
      this.statementId ? this.api.get(`/api/settlements/${this.statementId}`) : null,
    ]);
    if (list.kind !== OK) {
      return [h("p", { class: "message", role: "alert" }, problem(list))];
    }
    let detail = h("p", { class: "panel hint" }, t("team.statements.pick"));
    if (opened) {
      detail =
        opened.kind === OK
          ? await this.statement(opened.body)
          : h("p", { class: "message", role: "alert", "data-testid": "statement-gone" }, problem(opened));
    }
    const rows = list.body.items;
    const table = rows.length
      ? sortedTable({
          testId: "statements",
          rows,
          sort: this.query.get("sort") ?? "",
          rowAttributes: (row) => ({ "data-settlement-id": row.id, class: row.id === this.statementId ? "selected" : null }),
          columns: [
            {
              key: "month",
              label: t("team.statements.col.month"),
              value: (row) => row.month,
              cell: (row) => h("a", { href: `#/team/statements/${row.id}`, class: "job-link" }, monthName(row.month)),
            },
            { key: "state", label: t("team.col.state"), cell: (row) => statementState(row) },
            {
              key: "deductions",
              label: t("team.statements.col.deductions"),
              numeric: true,
              value: (row) => Number(row.deductions),
              cell: (row) => (Number(row.deductions) ? `−${yuan(row.deductions)}` : yuan(row.deductions)),
            },
            { key: "net", label: t("team.statements.col.net"), numeric: true, value: (row) => Number(row.net), cell: (row) => h("strong", {}, money(row.net)) },
          ],
        })
      : h("p", { class: "empty" }, t("team.statements.none"));
    const layout = split([h("h2", {}, t("team.statements.list")), table], detail);
    layout.classList.add("statements");
    layout.classList.toggle("with-case", Boolean(this.statementId));
    return [h("h1", {}, t("team.statements.title")), h("p", { class: "hint" }, t("team.statements.hint")), this.notice.element, layout];
  }

  // The part returns the statement's penalties are for, read together, to say which part and why.
  async returnsOf(deductions) {
    const ids = [...new Set(deductions.map((each) => each.part_return_id).filter(Boolean))];
    const answers = await Promise.all(ids.map((id) => this.api.get(`/api/part-returns/${id}`)));
    return new Map(answers.filter((answer) => answer.kind === OK).map((answer) => [answer.body.id, answer.body]));
  }

  async statement(view) {
    const statement = view.settlement;
    const returns = await this.returnsOf(view.deductions);
    const figure = (label, value, testId, extra = null) =>
      h("div", { class: "figure" }, h("span", {}, t(label)), h("strong", { "data-testid": testId }, value), extra);
    const held = Number(statement.held_back)
      ? h("p", { class: "hint", "data-testid": "held-back" }, t("team.statements.heldBack", { count: statement.held_back_count, amount: yuan(statement.held_back) }))
      : null;
    return h(
      "article",
      { class: "statement", "data-testid": "statement", "data-settlement-id": statement.id, "aria-labelledby": "statement-title" },
      h("a", { href: "#/team/statements", class: "back" }, t("team.statements.back")),
      h(
        "h2",
        { id: "statement-title" },
        t("team.statements.heading", { month: monthName(statement.month) }),
        " ",
        h("span", { class: `state statement-${statement.status}`, "data-testid": "statement-state" }, statementState(statement)),
      ),
      h(
        "div",
        { class: "figures", "data-testid": "statement-figures" },
        figure("team.statements.labour", yuan(statement.labor), "statement-labour"),
        figure("team.statements.parts", yuan(statement.parts), "statement-parts"),
        figure("team.statements.total", yuan(statement.total), "statement-total"),
        figure(
          "team.statements.deductions",
          Number(statement.deductions) ? `−${yuan(statement.deductions)}` : yuan(statement.deductions),
          "statement-deductions",
        ),
        figure("team.statements.net", money(statement.net), "statement-net"),
      ),
      held,
      this.acceptance(statement),
      view.charges ? this.charges(statement, view.charges) : null,
      h(
        "section",
        { class: "panel", "aria-labelledby": "deductions-title" },
        h("h3", { id: "deductions-title" }, t("team.statements.deductionList"), " ", h("span", { class: "count" }, String(view.deductions.length))),
        view.deductions.length
          ? h(
              "ul",
              { class: "deductions", "data-testid": "deductions" },
              view.deductions.map((deduction) => this.deduction(statement, deduction, returns.get(deduction.part_return_id))),
            )
          : h("p", { class: "empty" }, t("team.statements.noDeductions")),
      ),
      h(
        "section",
        { class: "panel", "aria-labelledby": "lines-title" },
        h("h3", { id: "lines-title" }, t("team.statements.lines"), " ", h("span", { class: "count" }, String(view.lines.length))),
        this.lines(view.lines),
      ),
    );
  }

  // Accepting, asked twice: it ends the disputes of the statement for good.
  acceptance(statement) {
    const download = action("download-statement", t("team.statements.download"), () => this.download(statement));
    if (statement.status !== "open" || statement.accepted_at) {
      const said = statement.accepted_at ? h("p", { class: "hint" }, t("team.statements.acceptedOn", { when: time(statement.accepted_at) })) : null;
      return h("div", { class: "actions" }, said, download);
    }
    if (!this.accepting) {
      const accept = action("accept", t("team.statements.accept"), () => {
        this.accepting = true;
        return this.redraw();
      }, { class: "primary" });
      return h("div", { class: "actions" }, accept, download);
    }
    return h(
      "div",
      { class: "panel confirm", role: "group", "aria-label": t("team.statements.accept") },
      h("p", {}, t("team.statements.acceptHint")),
      h(
        "div",
        { class: "actions" },
        action("confirm-accept", t("team.statements.confirmAccept"), () => this.accept(statement), { class: "primary" }),
        action("cancel-accept", t("team.statements.cancel"), () => {
          this.accepting = false;
          return this.redraw();
        }),
      ),
    );
  }

  deduction(statement, deduction, item) {
    const withheld = deduction.counts;
    const card = h(
      "li",
      { "data-deduction-id": deduction.id, "data-rule": deduction.rule, class: withheld ? null : "reversed" },
      h(
        "div",
        { class: "deduction-head" },
        h("strong", {}, ruleName(deduction.rule)),
        h("span", { class: "amount", "data-testid": "deduction-amount" }, withheld ? `−${yuan(deduction.amount)}` : h("s", {}, `−${yuan(deduction.amount)}`)),
      ),
      h("p", { class: "why", "data-testid": "deduction-why" }, deductionWhy(deduction, item)),
      h("p", { class: "sub" }, t("team.statements.arose", { month: monthName(deduction.month) })),
      disputeText(deduction),
    );
    if (canDispute(statement, deduction)) {
      card.append(this.disputeForm(statement, deduction));
    }
    return card;
  }

  disputeForm(statement, deduction) {
    const id = `dispute-${deduction.id}`;
    const reason = h("textarea", { name: "reason", id, maxlength: 2000, rows: 3 });
    const error = h("p", { class: "field-error", "data-error-for": "reason" });
    const form = h(
      "div",
      { class: "dispute-form", hidden: true },
      h("label", { for: id }, t("team.statements.disputeReason")),
      reason,
      error,
      h(
        "div",
        { class: "actions" },
        action("send-dispute", t("team.statements.sendDispute"), () => this.dispute(statement, deduction, reason, error), { class: "primary" }),
        action("cancel-dispute", t("team.statements.cancel"), () => {
          form.hidden = true;
          open.hidden = false;
        }),
      ),
    );
    const open = action("dispute", t("team.statements.dispute"), () => {
      form.hidden = false;
      open.hidden = true;
      reason.focus();
    }, { "aria-label": t("team.statements.disputeThis", { rule: ruleName(deduction.rule), amount: yuan(deduction.amount) }) });
    return h("div", { class: "dispute-box" }, open, form);
  }

  async dispute(statement, deduction, reason, error) {
    error.textContent = "";
    this.notice.clear();
    if (!reason.value.trim()) {
      error.textContent = t("team.statements.reasonNeeded");
      reason.focus();
      return;
    }
    const answer = await this.api.post(`/api/settlements/${statement.id}/deductions/${deduction.id}/dispute`, { reason: reason.value.trim() });
    if (answer.kind === OK) {
      await this.redraw();
      this.notice.ok(t("team.statements.disputed", { rule: ruleName(deduction.rule), amount: yuan(deduction.amount) }));
    } else if (stale(answer)) {
      await this.redraw();
      this.notice.fail(answer);
    } else {
      error.textContent = answer.details?.fields?.reason ? t("team.statements.reasonNeeded") : problem(answer);
    }
  }

  async accept(statement) {
    this.notice.clear();
    const answer = await this.api.post(`/api/settlements/${statement.id}/acceptance`, {});
    this.accepting = false;
    await this.redraw();
    if (answer.kind === OK) {
      this.notice.ok(t("team.statements.accepted", { month: monthName(statement.month), net: money(answer.body.net) }));
    } else {
      this.notice.fail(answer);
    }
  }

  async download(statement) {
    const answer = await this.api.download(`/api/settlements/${statement.id}.csv`);
    if (answer.kind !== OK) {
      this.notice.fail(answer);
      return;
    }
    save(answer);
  }

  // The month's charges: the figures, each technician's collection, and the remittance form while money is owed.
  charges(statement, charges) {
    const figure = (label, value, testId) => h("div", { class: "figure" }, h("span", {}, t(label)), h("strong", { "data-testid": testId }, cents(value)));
    const people = charges.by_technician ?? [];
    const table = people.length
      ? sortedTable({
          testId: "charges-by-technician",
          rows: people,
          sort: "",
          rowAttributes: (row) => ({ "data-technician-id": row.technician_id }),
          columns: [
            { key: "name", label: t("team.charges.col.technician"), cell: (row) => row.name || t("team.charges.unnamed") },
            { key: "payments", label: t("team.charges.col.payments"), numeric: true, value: (row) => row.payments, cell: (row) => String(row.payments ?? 0) },
            { key: "collected", label: t("team.charges.col.collected"), numeric: true, value: (row) => row.collected_cents, cell: (row) => cents(row.collected_cents) },
          ],
        })
      : h("p", { class: "empty" }, t("team.charges.none"));
    return h(
      "section",
      { class: "panel charges-panel", "data-testid": "statement-charges", "aria-labelledby": "charges-title" },
      h("h3", { id: "charges-title" }, t("team.charges.title")),
      h("p", { class: "hint" }, t("team.charges.hint")),
      h(
        "div",
        { class: "figures" },
        figure("team.charges.collected", charges.collected_cents, "charges-collected"),
        figure("team.charges.remitDue", charges.remit_due_cents, "charges-remit-due"),
        figure("team.charges.remitted", charges.remitted_cents, "charges-remitted"),
        figure("team.charges.owed", charges.owed_cents, "charges-owed"),
      ),
      table,
      charges.owed_cents > 0 ? this.remittanceForm(statement, charges) : null,
    );
  }

  remittanceForm(statement, charges) {
    const amount = h("input", { id: "remit-amount", name: "amount", inputmode: "decimal", value: (charges.owed_cents / 100).toFixed(2), "data-testid": "remit-amount" });
    const reference = h("input", { id: "remit-reference", name: "reference", maxlength: MAX_REFERENCE, autocomplete: "off", "data-testid": "remit-reference" });
    const amountError = h("p", { class: "field-error", "data-error-for": "amount" });
    const referenceError = h("p", { class: "field-error", "data-error-for": "reference" });
    return h(
      "div",
      { class: "remittance-form", "data-testid": "remittance-form" },
      h("h4", {}, t("team.charges.remit")),
      h("label", { for: "remit-amount" }, t("team.charges.remitAmount")),
      amount,
      amountError,
      h("label", { for: "remit-reference" }, t("team.charges.remitReference")),
      reference,
      referenceError,
      h(
        "div",
        { class: "actions" },
        action("remit", t("team.charges.remitSend"), () => this.remit(statement, charges, { amount, reference, amountError, referenceError }), { class: "primary" }),
      ),
    );
  }

  async remit(statement, charges, { amount, reference, amountError, referenceError }) {
    amountError.textContent = "";
    referenceError.textContent = "";
    this.notice.clear();
    const amountCents = parseYuan(amount.value);
    const ref = reference.value.trim();
    let ok = true;
    if (amountCents === null || amountCents <= 0) {
      amountError.textContent = t("team.charges.amountNeeded");
      ok = false;
    } else if (amountCents > charges.owed_cents) {
      amountError.textContent = t("team.charges.tooMuch", { amount: cents(charges.owed_cents) });
      ok = false;
    }
    if (!ref) {
      referenceError.textContent = t("team.charges.referenceNeeded");
      ok = false;
    }
    if (!ok) {
      return;
    }
    const answer = await this.api.post("/api/charges/remittances", { month: statement.month, amount_cents: amountCents, reference: ref });
    if (answer.kind === OK) {
      await this.redraw();
      this.notice.ok(t("team.charges.remitted.done", { amount: cents(amountCents), month: monthName(statement.month) }));
      return;
    }
    const fields = answer.details?.fields ?? {};
    if (fields.amount_cents) {
      amountError.textContent = t("team.charges.tooMuch", { amount: cents(charges.owed_cents) });
    } else if (fields.reference) {
      referenceError.textContent = t("team.charges.referenceNeeded");
    } else {
      this.notice.fail(answer);
    }
  }

  lines(lines) {
    if (!lines.length) {
      return h("p", { class: "empty" }, t("team.statements.noLines"));
    }
    const what = (line) =>
      line.kind === "labor" ? t("team.statements.labourLine") : t("team.parts.line", { name: line.part_name, part: line.part_no, qty: line.qty });
    return sortedTable({
      testId: "statement-lines",
      rows: lines,
      rowAttributes: (line) => ({ "data-claim-id": line.claim_id, "data-kind": line.kind }),
      columns: [
        {
          key: "claim",
          label: t("team.statements.col.claim"),
          cell: (line) => [
            h("a", { href: `#/claims/${line.claim_id}`, class: "job-link" }, t("team.statements.claimNo", { id: line.claim_id })),
            h("span", { class: "sub" }, [line.model, line.serial].filter(Boolean).join(" · ")),
          ],
        },
        { key: "repaired", label: t("team.statements.col.repaired"), cell: (line) => day(`${line.repair_date}T12:00:00`) },
        { key: "what", label: t("team.statements.col.what"), cell: what },
        { key: "amount", label: t("team.statements.col.amount"), numeric: true, cell: (line) => yuan(line.amount) },
      ],
    });
  }
}
