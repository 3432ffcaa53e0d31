// A paid repair's money on the job's page (收费), all of it offline: the quote built before the repair (labour
// from the fee guide of the unit's category, parts at their customer price, the travel fee of the job's area
// class; a price lowered on a line or a discount on the whole), the customer's approval (their signature on the
// pad, or the code texted to them once the quote has reached the server), the payments (cash, or a payment QR
// code's transaction reference) and the receipt the customer keeps, with the public address where they can check
// it. A quote changed after approval is a new version the customer approves again.

import { METHODS, chargeState, guideFor, lineCents, paidOf, parseYuan, quoteProblems, quoteTotal, quoteTotals, receiptNumber, wireLines, yuan, yuanInput } from "../charges.js";
import { t, when } from "../i18n/index.js";
import { all } from "../store.js";
import { h, once } from "./dom.js";

// Where money is dealt with: the quote before the repair, payment on site and after.
const QUOTE_STATES = new Set(["accepted", "en_route", "on_site", "waiting_parts"]);
const PAY_STATES = new Set(["on_site", "waiting_parts", "completed"]);
const MAX_REFERENCE = 64;

// The fee guide (as the last pull carried it) and the parts' customer prices, as the device holds them.
export async function heldGuide(db) {
  const [guide, parts] = await Promise.all([db.get("meta", "fee_guide"), all(db, "part")]);
  return { fees: guide?.fees ?? [], travelFees: guide?.travel_fees ?? [], parts: parts.map((p) => p.data) };
}

// A line as the page names it: the fee's or part's name, else its code; travel as such.
export function lineName(line, guide = { fees: [], parts: [] }) {
  if (line.kind === "travel") {
    return t("quote.travel");
  }
  if (line.kind === "labour") {
    const fee = guide.fees.find((each) => each.code === line.fee_code);
    return line.name || fee?.name || line.fee_code;
  }
  const part = guide.parts.find((each) => each.part_no === line.part_code);
  return line.name || [line.part_code, part?.name].filter(Boolean).join(" ");
}

// The public address where the customer checks a receipt.
export function receiptAddress(number, origin = globalThis.location?.origin ?? "") {
  return `${origin}/r/${number}`;
}

export class ChargesPanel {
  // `view`: the job's page (its forms, save and local changes).
  constructor(view) {
    this.view = view;
    this.guide = { fees: [], travelFees: [], parts: [] };
  }

  get db() {
    return this.view.db;
  }

  // The section on a paid job's page, or null on any other job.
  section(job) {
    if (job.job_type !== "paid" || job.declined) {
      return null;
    }
    const quote = job.quote ?? null;
    const state = chargeState(job);
    const technician = this.view.technician;
    const buttons = [];
    if (technician && QUOTE_STATES.has(job.state) && state !== "paid") {
      buttons.push(this.button(quote ? "quote.change" : "quote.make", "quote", () => this.showQuoteForm(job)));
    }
    if (technician && quote && state === "waiting" && job.state !== "completed") {
      buttons.push(this.button("quote.approve", "approve", () => this.showApproval(job)));
    }
    if (technician && state === "owed" && PAY_STATES.has(job.state)) {
      buttons.push(this.button("pay.record", "pay", () => this.view.showForm(this.paymentForm(job))));
    }
    return h(
      "section",
      { class: "charges", "data-testid": "charges", "data-charge-state": state },
      h("h2", {}, t("quote.title")),
      quote ? this.quoteShown(job, quote, state) : h("p", { class: "muted", "data-testid": "no-quote" }, t("quote.none")),
      (job.payments ?? []).length ? this.paymentList(job) : null,
      buttons.length ? h("div", { class: "charge-buttons" }, buttons) : null,
    );
  }

  button(label, name, run) {
    return once(h("button", { type: "button", class: `charge-${name}`, "data-action": name }, t(label)), run);
  }

  quoteShown(job, quote, state) {
    const totals = quoteTotals(quote.lines ?? [], quote.discount_cents ?? 0);
    const total = quoteTotal(quote);
    const { paid, outstanding } = paidOf(quote, job.payments);
    const stateWords = {
      waiting: t("quote.waiting"),
      owed: t("quote.approvedOn", { how: t(`quote.by.${quote.approval_method ?? "signature"}`), when: when(quote.approved_at) }),
      paid: t("quote.paidInFull"),
    }[state];
    return h(
      "div",
      { class: "quote-shown" },
      h("p", { class: `quote-state quote-${state}`, "data-testid": "quote-state" }, stateWords, quote.version ? ` · ${t("quote.version", { n: quote.version })}` : ""),
      h(
        "table",
        { class: "quote-lines", "data-testid": "quote-lines" },
        h("caption", { class: "visually-hidden" }, t("quote.lines")),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("quote.col.item")), h("th", { scope: "col", class: "num" }, t("quote.col.amount")))),
        h(
          "tbody",
          {},
          (quote.lines ?? []).map((line) =>
            h(
              "tr",
              { dataset: { kind: line.kind } },
              h("td", {}, lineName(line, this.guide), line.kind === "travel" ? "" : h("span", { class: "sub" }, ` ${line.quantity} × ${yuan(line.unit_price_cents)}`)),
              h("td", { class: "num" }, yuan(lineCents(line))),
            ),
          ),
        ),
      ),
      h(
        "dl",
        { class: "quote-figures" },
        totals.discount ? [h("dt", {}, t("quote.discount")), h("dd", {}, `−${yuan(totals.discount)}`)] : null,
        h("dt", {}, t("quote.total")),
        h("dd", { "data-testid": "quote-total" }, h("strong", {}, yuan(total))),
        state === "owed" || state === "paid" ? [h("dt", {}, t("pay.paid")), h("dd", { "data-testid": "paid" }, yuan(paid))] : null,
        state === "owed" ? [h("dt", {}, t("pay.outstanding")), h("dd", { "data-testid": "outstanding" }, h("strong", {}, yuan(outstanding)))] : null,
      ),
      quote.note ? h("p", { class: "quote-note" }, quote.note) : null,
      state === "owed" ? h("p", { class: "muted", "data-testid": "quote-changes" }, t("quote.changeNeedsApproval")) : null,
    );
  }

  paymentList(job) {
    const list = h(
      "ul",
      { class: "payments", "data-testid": "payments", "aria-labelledby": "payments-title" },
      job.payments.map((payment) =>
        h(
          "li",
          { dataset: { receipt: payment.receipt_number } },
          h("span", {}, t("pay.line", { amount: yuan(payment.amount_cents), method: t(`pay.method.${payment.method}`), when: when(payment.paid_at) })),
          once(h("button", { type: "button", class: "receipt-open", "data-action": "receipt", "aria-label": t("payReceipt.openOf", { number: payment.receipt_number }) }, t("payReceipt.open")), () =>
            this.view.showForm(this.receiptView(job, payment)),
          ),
        ),
      ),
    );
    return h("div", { class: "payment-list" }, h("h3", { id: "payments-title" }, t("pay.list")), list);
  }

  async showQuoteForm(job) {
    this.guide = await heldGuide(this.db);
    return this.view.showForm(this.quoteForm(job));
  }

  // The quote's lines as editable rows: what the quote held, or a new quote with the travel fee of the job's
  // area class.
  startingLines(job) {
    const { travel } = guideFor(this.guide, job.request?.category, job.area_class);
    if (job.quote?.lines?.length) {
      return job.quote.lines.map((line) => ({ ...line, guide_cents: line.guide_price_cents ?? this.guideCents(line, travel) }));
    }
    return travel ? [{ kind: "travel", quantity: 1, unit_price_cents: travel.fee_cents, guide_cents: travel.fee_cents }] : [];
  }

  guideCents(line, travel) {
    if (line.kind === "travel") {
      return travel?.fee_cents ?? null;
    }
    if (line.kind === "labour") {
      return this.guide.fees.find((fee) => fee.code === line.fee_code)?.labour_cents ?? null;
    }
    return this.guide.parts.find((part) => part.part_no === line.part_code)?.customer_price_cents ?? null;
  }

  quoteForm(job) {
    const { labour } = guideFor(this.guide, job.request?.category, job.area_class);
    const model = job.request?.model;
    const parts = this.guide.parts
      .filter((p) => Number.isInteger(p.customer_price_cents) && (!model || !p.models?.length || p.models.includes(model)))
      .sort((a, b) => a.part_no.localeCompare(b.part_no));
    const lines = this.startingLines(job);
    const rows = h("div", { class: "quote-rows", "data-testid": "quote-rows" });
    const totalShown = h("p", { class: "quote-total", "data-testid": "quote-form-total", "aria-live": "polite" });
    const linesError = h("p", { class: "error", role: "alert", "data-error-for": "lines" });
    const discount = this.view.field("quote.discountLabel", h("input", { name: "discount", inputmode: "decimal", value: yuanInput(job.quote?.discount_cents ?? 0), "data-testid": "quote-discount" }));
    const note = this.view.field("quote.note", h("textarea", { name: "note", maxlength: 1000, rows: 2 }, job.quote?.note ?? ""));
    let rowFields = [];

    const read = () =>
      rowFields.map(({ line, qty, price }) => ({
        ...line,
        quantity: line.kind === "travel" ? 1 : Number(qty.value),
        unit_price_cents: parseYuan(price.value) ?? -1,
      }));
    const redrawTotal = () => {
      const current = read();
      const valid = current.every((line) => line.unit_price_cents >= 0 && Number.isInteger(line.quantity) && line.quantity >= 0);
      const cut = parseYuan(discount.input.value) ?? 0;
      if (!valid) {
        totalShown.textContent = t("quote.totalPending");
        return;
      }
      const totals = quoteTotals(current, cut);
      totalShown.textContent = t("quote.totalIs", { total: yuan(totals.total) });
      if (totals.lineDiscount + totals.discount > 0) {
        totalShown.append(h("span", { class: "sub" }, ` ${t("quote.guideWas", { guide: yuan(totals.guide), off: yuan(totals.lineDiscount + totals.discount) })}`));
      }
    };
    const drawRows = () => {
      rowFields = lines.map((line, index) => this.lineRow(line, index, () => (lines.splice(index, 1), drawRows()), redrawTotal));
      rows.replaceChildren(...(rowFields.length ? rowFields.map((row) => row.root) : [h("p", { class: "muted" }, t("quote.noLinesYet"))]));
      redrawTotal();
    };
    // Typed values survive a row added or taken away.
    const keepTyped = () => {
      read().forEach((line, index) => {
        lines[index].quantity = line.quantity;
        lines[index].unit_price_cents = line.unit_price_cents >= 0 ? line.unit_price_cents : lines[index].unit_price_cents;
      });
    };

    const feeSelect = h(
      "select",
      { id: "quote-fee", name: "fee", "data-testid": "quote-fee" },
      h("option", { value: "" }, t("quote.chooseLabour")),
      labour.map((fee) => h("option", { value: fee.code }, `${fee.name} · ${yuan(fee.labour_cents)}`)),
    );
    const addFee = once(h("button", { type: "button", "data-action": "add-labour" }, t("quote.add")), () => {
      const fee = labour.find((each) => each.code === feeSelect.value);
      if (fee) {
        keepTyped();
        lines.push({ kind: "labour", fee_code: fee.code, name: fee.name, quantity: 1, unit_price_cents: fee.labour_cents, guide_cents: fee.labour_cents });
        feeSelect.value = "";
        drawRows();
      }
    });
    const partSelect = h(
      "select",
      { id: "quote-part", name: "part", "data-testid": "quote-part" },
      h("option", { value: "" }, t("quote.choosePart")),
      parts.map((part) => h("option", { value: part.part_no }, `${part.part_no} ${part.name ?? ""} · ${yuan(part.customer_price_cents)}`)),
    );
    const addPart = once(h("button", { type: "button", "data-action": "add-part" }, t("quote.add")), () => {
      const part = parts.find((each) => each.part_no === partSelect.value);
      if (part) {
        keepTyped();
        lines.push({ kind: "part", part_code: part.part_no, name: `${part.part_no} ${part.name ?? ""}`.trim(), quantity: 1, unit_price_cents: part.customer_price_cents, guide_cents: part.customer_price_cents });
        partSelect.value = "";
        drawRows();
      }
    });
    discount.input.addEventListener("input", redrawTotal);
    drawRows();

    // The select is labelled, the button beside it apart from the label (a tap on a label goes to its select).
    const adders = h(
      "div",
      { class: "quote-adders" },
      h("label", { for: "quote-fee" }, t("quote.addLabourLabel")),
      h("div", { class: "quote-add" }, feeSelect, addFee),
      labour.length ? null : h("p", { class: "muted" }, t("quote.noGuide")),
      h("label", { for: "quote-part" }, t("quote.addPartLabel")),
      h("div", { class: "quote-add" }, partSelect, addPart),
    );
    const intro = h("p", { class: job.quote?.status === "approved" ? "charge-notice" : "muted" }, t(job.quote?.status === "approved" ? "quote.newVersion" : "quote.intro"));
    const fields = [{ label: intro }, { label: rows }, { label: linesError }, { label: adders }, discount, note, { label: totalShown }];
    return this.view.formOf("quote", fields, () => {
      linesError.textContent = "";
      discount.error.textContent = "";
      rowFields.forEach((row) => (row.error.textContent = ""));
      const current = read();
      const cut = parseYuan(discount.input.value || "0") ?? -1;
      const problems = quoteProblems(current, cut);
      for (const [where, key] of problems) {
        if (where === "lines") {
          linesError.textContent = t(key);
        } else if (where === "discount") {
          discount.error.textContent = t(key);
        } else {
          rowFields[where].error.textContent = t(key);
        }
      }
      if (problems.length) {
        return null;
      }
      const ref = crypto.randomUUID();
      const noteText = note.input.value.trim();
      const totals = quoteTotals(current, cut);
      const shown = {
        ref,
        version: (job.quote?.version ?? 0) + 1,
        status: "pending_approval",
        lines: current.map(({ kind, fee_code, part_code, name, quantity, unit_price_cents }) => ({ kind, fee_code, part_code, name, quantity, unit_price_cents })),
        discount_cents: cut,
        total_cents: totals.total,
        note: noteText,
        approved_at: null,
        approval_method: null,
      };
      const payload = { ref, lines: wireLines(current), discount_cents: cut, note: noteText };
      return [{ type: "quote.save", entityId: this.view.jobId, payload, localChange: this.view.change({ quote: shown }) }];
    });
  }

  // One line of the quote: its name, the guide's price, the quantity and the price charged (lower is a discount).
  lineRow(line, index, remove, changed) {
    const id = `quote-line-${index}`;
    const qty = h("input", { id: `${id}-qty`, name: `qty_${index}`, type: "number", min: 1, max: 999, step: 1, inputmode: "numeric", value: line.quantity ?? 1, "data-testid": "quote-qty" });
    const price = h("input", { id: `${id}-price`, name: `price_${index}`, inputmode: "decimal", value: yuanInput(line.unit_price_cents), "data-testid": "quote-price" });
    const error = h("span", { class: "error", role: "alert" });
    qty.addEventListener("input", changed);
    price.addEventListener("input", changed);
    const name = lineName(line, this.guide);
    const root = h(
      "div",
      { class: "quote-row", dataset: { kind: line.kind } },
      h("div", { class: "quote-row-head" }, h("strong", {}, name), Number.isInteger(line.guide_cents) ? h("span", { class: "sub" }, t("quote.guidePrice", { price: yuan(line.guide_cents) })) : null),
      h(
        "div",
        { class: "quote-row-inputs" },
        line.kind === "travel" ? null : h("label", { for: qty.id }, t("quote.qty"), qty),
        h("label", { for: price.id }, t("quote.price"), price),
        once(h("button", { type: "button", class: "quote-remove", "data-action": "remove-line", "aria-label": t("quote.removeOf", { name }) }, t("quote.remove")), remove),
      ),
      error,
    );
    return { root, line, qty, price, error };
  }

  // The approval form, with the code offered only once the quote has left the phone (the server texts the code
  // as it takes the quote) and while there is a network to check it.
  async showApproval(job) {
    const outbox = await this.db.getAll("outbox");
    const sent = !outbox.some((op) => op.entity_id === this.view.jobId && op.type === "quote.save");
    return this.view.showForm(this.approvalForm(job, sent && navigator.onLine));
  }

  // The customer approves the quote: their signature on the pad (the total shown above it, as that is what they
  // sign for); or, online once the quote has reached the server, the code it texted them.
  approvalForm(job, synced) {
    const quote = job.quote;
    const signature = h("input", { type: "radio", name: "approval", value: "signature", checked: true });
    const code = h("input", { type: "radio", name: "approval", value: "code", disabled: !synced });
    const codeInput = h("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 6, pattern: "[0-9]*", "data-testid": "approve-code" });
    const codePane = h("div", { class: "confirm-pane", hidden: true }, h("p", { class: "muted" }, t("quote.codeSent")), h("label", {}, t("quote.codeLabel"), codeInput));
    const padBox = h("div", { class: "pad-box" });
    const signPane = h("div", { class: "confirm-pane" }, h("p", {}, t("quote.signFor", { total: yuan(quoteTotal(quote)) })), padBox);
    const error = h("p", { class: "error", role: "alert", "data-error-for": "approval" });
    let pad = null;
    const show = async () => {
      error.textContent = "";
      signPane.hidden = !signature.checked;
      codePane.hidden = !code.checked;
      if (signature.checked && pad === null) {
        const { SignaturePad } = await import("./signature-pad.js");
        pad ??= new SignaturePad();
        padBox.replaceChildren(pad.root);
      }
    };
    signature.addEventListener("change", show);
    code.addEventListener("change", show);
    show();
    const choice = h(
      "fieldset",
      { class: "outcome confirmation", "data-testid": "approval" },
      h("legend", {}, t("quote.approvalLegend", { total: yuan(quoteTotal(quote)) })),
      h("label", { class: "choice" }, signature, t("quote.method.signature")),
      h("label", { class: "choice" }, code, t("quote.method.code")),
      synced ? null : h("p", { class: "muted" }, t("quote.codeOffline")),
      signPane,
      codePane,
      error,
    );
    return this.view.formOf("approve", [{ label: choice }], async () => {
      error.textContent = "";
      const at = new Date().toISOString();
      const approved = (method) => this.view.change({ quote: { ...quote, status: "approved", approval_method: method, approved_at: at } });
      if (code.checked) {
        const typed = codeInput.value.trim();
        if (!/^\d{6}$/.test(typed)) {
          error.textContent = t("quote.codeNeeded");
          return null;
        }
        return [{ type: "quote.approve", entityId: this.view.jobId, payload: { ref: quote.ref, method: "code", code: typed }, localChange: approved("code") }];
      }
      if (!pad || pad.empty) {
        error.textContent = t("quote.signNeeded");
        return null;
      }
      try {
        const png = await pad.toPng();
        const { keepEvidence } = await import("../photos.js");
        await keepEvidence(this.db, png, { jobId: this.view.jobId, kind: "signature", thumb: png });
        return [
          {
            type: "quote.approve",
            entityId: this.view.jobId,
            payload: { ref: quote.ref, method: "signature", signature_sha256: png.sha256 },
            localChange: approved("signature"),
          },
        ];
      } catch {
        error.textContent = t("confirm.notKept");
        return null;
      }
    });
  }

  // A payment towards the approved quote: the amount (what is owed, unless the customer pays part), cash or a
  // payment QR code with its transaction reference; then the receipt on screen.
  paymentForm(job) {
    const quote = job.quote;
    const { outstanding } = paidOf(quote, job.payments);
    const amount = this.view.field("pay.amount", h("input", { name: "amount", inputmode: "decimal", value: yuanInput(outstanding), "data-testid": "pay-amount" }));
    const radios = Object.fromEntries(METHODS.map((method) => [method, h("input", { type: "radio", name: "method", value: method, checked: method === "cash" })]));
    const reference = this.view.field("pay.reference", h("input", { name: "reference", maxlength: MAX_REFERENCE, autocomplete: "off", spellcheck: "false", "data-testid": "pay-reference" }));
    const referenceHint = h("p", { class: "muted" }, t("pay.referenceHint"));
    const qrPane = h("div", { class: "confirm-pane", hidden: true }, referenceHint, reference.label);
    const showMethod = () => (qrPane.hidden = !radios.qr.checked);
    Object.values(radios).forEach((radio) => radio.addEventListener("change", showMethod));
    const method = h(
      "fieldset",
      { class: "outcome", "data-testid": "pay-method" },
      h("legend", {}, t("pay.method")),
      METHODS.map((each) => h("label", { class: "choice" }, radios[each], t(`pay.method.${each}`))),
      qrPane,
    );
    const owed = h("p", {}, t("pay.owed", { amount: yuan(outstanding), total: yuan(quoteTotal(quote)) }));
    return this.view.formOf("pay", [{ label: owed }, amount, { label: method }], async () => {
      amount.error.textContent = "";
      reference.error.textContent = "";
      const cents = parseYuan(amount.input.value);
      let ok = true;
      if (cents === null || cents <= 0) {
        amount.error.textContent = t("pay.amountNeeded");
        ok = false;
      } else if (cents > outstanding) {
        amount.error.textContent = t("pay.tooMuch", { amount: yuan(outstanding) });
        ok = false;
      }
      const chosen = METHODS.find((each) => radios[each].checked);
      const typed = reference.input.value.trim();
      if (chosen === "qr" && !typed) {
        reference.error.textContent = t("pay.referenceNeeded");
        ok = false;
      }
      if (!ok) {
        return null;
      }
      const ref = crypto.randomUUID();
      const payment = {
        ref,
        quote_ref: quote.ref,
        method: chosen,
        reference: chosen === "qr" ? typed : "",
        amount_cents: cents,
        receipt_number: await receiptNumber(ref),
      };
      const shown = { ...payment, paid_at: new Date().toISOString() };
      this.justPaid = shown;
      return [{ type: "payment.record", entityId: this.view.jobId, payload: payment, localChange: this.view.change({ payments: [...(job.payments ?? []), shown] }) }];
    });
  }

  // The receipt on show drawn again (in the language now chosen, with what sync brought), or `form` as it is.
  redrawn(job, form) {
    const number = form?.dataset?.receiptOf;
    const payment = number ? (job.payments ?? []).find((each) => each.receipt_number === number) : null;
    return payment ? this.receiptView(job, payment) : form;
  }

  // After a payment's op is kept: its receipt, in place of the form.
  afterSave() {
    const payment = this.justPaid;
    this.justPaid = null;
    return payment ? this.view.showForm(this.receiptView(this.view.job, payment)) : null;
  }

  // The receipt the customer is shown (and may have printed): the number, the amount, how and when, the job, the
  // provider, and the public address where they can check it.
  receiptView(job, payment) {
    const address = receiptAddress(payment.receipt_number);
    return h(
      "section",
      { class: "receipt", "data-testid": "receipt", "aria-labelledby": "receipt-title", dataset: { receiptOf: payment.receipt_number } },
      h("h2", { id: "receipt-title" }, t("payReceipt.title")),
      h(
        "dl",
        {},
        h("dt", {}, t("payReceipt.number")),
        h("dd", { "data-testid": "receipt-number", class: "receipt-number" }, payment.receipt_number),
        h("dt", {}, t("payReceipt.amount")),
        h("dd", { "data-testid": "receipt-amount" }, h("strong", {}, yuan(payment.amount_cents))),
        h("dt", {}, t("payReceipt.method")),
        h("dd", {}, t(`pay.method.${payment.method}`), payment.reference ? ` · ${payment.reference}` : ""),
        h("dt", {}, t("payReceipt.date")),
        h("dd", {}, when(payment.paid_at) || t("payReceipt.dateUnknown")),
        h("dt", {}, t("payReceipt.job")),
        h("dd", {}, job.number),
        h("dt", {}, t("payReceipt.provider")),
        h("dd", {}, job.provider_name || job.provider_code || t("payReceipt.providerUnknown")),
      ),
      h("p", {}, t("payReceipt.check")),
      h("p", { class: "receipt-address" }, h("a", { href: address, "data-testid": "receipt-address", rel: "noopener", target: "_blank" }, address)),
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "button", "data-action": "print", onclick: () => globalThis.print() }, t("payReceipt.print")),
        h("button", { type: "button", "data-action": "close-receipt", onclick: () => this.view.showForm(null) }, t("payReceipt.close")),
      ),
    );
  }
}

export { chargeState };
