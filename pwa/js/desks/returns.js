// The parts clerk's old parts coming back (旧件返还, #/returns): the providers' return shipments on their way to
// the clerk's RDC, received when the parcel is in hand, then each old part inspected (#/returns/<shipment id>):
// its serial scanned off the part with the phone's scanner (or typed), checked by the server against the one
// the technician recorded, and what the RDC found. Only an accepted part lets its claim line be paid; a wrong
// part, one that is not faulty or one missing from the parcel is deducted from the provider's statement.
// Made for a phone in the stock room as much as for a desk: cards, one column, thumb-sized controls.

import { addStrings, language } from "../i18n/index.js";
import { OK, action, explainRefusal, day, h, notice, problem, t, time, useStyles } from "./kit.js";
import strings from "./returns-strings.js";

addStrings(strings);

export const RESULTS = ["accepted", "wrong_part", "not_faulty", "missing"];
// As the server checks it: 1 to 64 characters, no spaces.
const SERIAL = /^\S{1,64}$/u;
const LIST_SIZE = 100;
const RECEIVED_SHOWN = 12;
// Said once on the screen drawn after an action that moved the address (receiving opens the shipment).
let flash = "";

// What an inspection lacks before it is sent ({field: words}), empty when it may go: a serial off the part
// unless it is missing, a note unless it is accepted.
export function inspectionProblems({ result, serial, note }) {
  const wrong = {};
  if (!RESULTS.includes(result)) {
    wrong.result = t("returns.needResult");
  }
  if (result !== "missing" && !serial.trim()) {
    wrong.old_serial = t("returns.needSerial");
  } else if (result !== "missing" && !SERIAL.test(serial.trim())) {
    wrong.old_serial = t("scan.badSerial");
  }
  if (result && result !== "accepted" && !note.trim()) {
    wrong.note = t("returns.needNote");
  }
  return wrong;
}

// The received old parts still to inspect, counted by shipment.
export function toInspect(items) {
  const counts = new Map();
  for (const item of items) {
    if (item.shipment_id) {
      counts.set(item.shipment_id, (counts.get(item.shipment_id) ?? 0) + 1);
    }
  }
  return counts;
}

function resultText(result) {
  return RESULTS.includes(result) ? t(`returns.result.${result}`) : t("returns.result.other");
}

export class View {
  constructor({ api, path, scanner }) {
    Object.assign(this, { api, scanner });
    this.shipmentId = /^\d+$/.test(path[0] ?? "") ? Number(path[0]) : null;
    this.online = true; // asks the server for each screen: a sync round has nothing to add
    this.root = h("section", { class: "returns-desk", "data-testid": "returns-desk" });
    this.notice = notice();
    // What was typed on the open inspection forms: a redraw (a language switch, another part recorded) keeps it.
    this.drafts = new Map();
  }

  async render() {
    useStyles("returns");
    // A line said in the other language before a switch would stay in it: it goes.
    if (this.language && this.language !== language()) {
      this.notice.clear();
    }
    this.language = language();
    if (this.shipmentId) {
      await this.shipment();
    } else {
      await this.list();
    }
    return this.root;
  }

  async settle(say) {
    await this.render();
    say();
  }

  async failedAction(answer) {
    await explainRefusal(this, answer);
  }

  // ------------------------------------------------------------ the shipments

  async list() {
    const [shipped, received, waiting] = await Promise.all([
      this.api.get("/api/part-returns/shipments", { status: "shipped", per_page: LIST_SIZE }),
      this.api.get("/api/part-returns/shipments", { status: "received", per_page: RECEIVED_SHOWN }),
      this.api.get("/api/part-returns", { status: "received", per_page: 500 }),
    ]);
    const failed = [shipped, received, waiting].find((answer) => answer.kind !== OK);
    if (failed) {
      this.root.replaceChildren(h("h1", {}, t("returns.title")), h("p", { class: "message", role: "alert" }, problem(failed)));
      return;
    }
    const pending = toInspect(waiting.body.items);
    const open = received.body.items.filter((shipment) => pending.has(shipment.id));
    const done = received.body.items.filter((shipment) => !pending.has(shipment.id));
    this.root.replaceChildren(
      h("h1", {}, t("returns.title")),
      h("p", { class: "hint" }, t("returns.hint")),
      this.notice.element,
      h("h2", {}, t("returns.incoming"), " ", h("span", { class: "count", "data-testid": "incoming-count" }, String(shipped.body.total))),
      this.cards("incoming-shipments", shipped.body.items, (shipment) => this.incomingCard(shipment), t("returns.noneIncoming")),
      h("h2", {}, t("returns.toInspect"), " ", h("span", { class: "count" }, String(open.length))),
      this.cards("shipments-to-inspect", open, (shipment) => this.receivedCard(shipment, pending.get(shipment.id)), t("returns.noneToInspect")),
      h("h2", {}, t("returns.inspected")),
      this.cards("shipments-inspected", done, (shipment) => this.receivedCard(shipment, 0), t("returns.noneInspected")),
    );
  }

  cards(testId, items, card, empty) {
    return items.length ? h("ul", { class: "return-cards", "data-testid": testId }, items.map(card)) : h("p", { class: "empty" }, empty);
  }

  facts(shipment) {
    return [
      h("span", { class: "provider" }, shipment.provider_name),
      h("span", {}, t("returns.parts", { count: shipment.line_count })),
      h("span", { class: "muted" }, shipment.tracking ? t("returns.trackingIs", { tracking: shipment.tracking }) : t("returns.noTracking")),
    ];
  }

  incomingCard(shipment) {
    return h(
      "li",
      { "data-shipment-id": shipment.id, "data-status": shipment.status },
      h("a", { href: `#/returns/${shipment.id}`, class: "card-link" }, h("strong", {}, shipment.number), ...this.facts(shipment)),
      h("span", { class: "muted" }, t("returns.sentAt", { when: time(shipment.created_at) })),
      action("receive", t("returns.receive"), () => this.receive(shipment), {
        class: "primary",
        "aria-label": t("returns.receiveShipment", { number: shipment.number }),
      }),
    );
  }

  receivedCard(shipment, left) {
    return h(
      "li",
      { "data-shipment-id": shipment.id, "data-status": shipment.status },
      h(
        "a",
        { href: `#/returns/${shipment.id}`, class: "card-link" },
        h("strong", {}, shipment.number),
        ...this.facts(shipment),
        h("span", { class: "muted" }, t("returns.receivedOn", { when: time(shipment.received_at) })),
        left ? h("span", { class: "to-inspect", "data-testid": "left-to-inspect" }, t("returns.left", { count: left })) : null,
      ),
    );
  }

  async receive(shipment) {
    this.notice.clear();
    const answer = await this.api.post(`/api/part-returns/shipments/${shipment.id}/receipt`, {});
    if (answer.kind === OK) {
      // Received, its parts wait for inspection: the shipment itself is where the clerk goes next.
      const late = answer.body.lines.filter((item) => item.late).length;
      const said = t(late ? "returns.receivedLate" : "returns.received", { number: shipment.number, count: answer.body.line_count, late });
      if (this.shipmentId) {
        await this.settle(() => this.notice.ok(said));
      } else {
        flash = said;
        location.hash = `#/returns/${shipment.id}`;
      }
    } else {
      await this.failedAction(answer);
    }
  }

  // ------------------------------------------------------------ one shipment, its parts inspected

  async shipment() {
    const answer = await this.api.get(`/api/part-returns/shipments/${this.shipmentId}`);
    const back = h("a", { href: "#/returns", class: "back" }, t("returns.back"));
    if (answer.kind !== OK) {
      this.root.replaceChildren(back, h("p", { class: "message", role: "alert", "data-testid": "shipment-gone" }, problem(answer)));
      return;
    }
    const shipment = answer.body;
    if (flash) {
      this.notice.ok(flash);
      flash = "";
    }
    const received = shipment.status === "received";
    const row = (label, value, testId) => [h("dt", {}, t(label)), h("dd", { "data-testid": testId }, value)];
    const left = shipment.lines.filter((item) => item.status === "received" && !item.result).length;
    this.root.replaceChildren(
      back,
      h(
        "h1",
        {},
        t("returns.shipment", { number: shipment.number }),
        " ",
        h(
          "span",
          { class: `state shipment-${shipment.status}`, "data-testid": "shipment-status", "data-status": shipment.status },
          t(received ? "returns.status.received" : "returns.status.shipped"),
        ),
      ),
      h(
        "dl",
        { class: "panel facts" },
        row("returns.from", shipment.provider_name),
        row("returns.trackingNo", shipment.tracking || t("returns.noTrackingShort")),
        row("returns.sent", time(shipment.created_at)),
        received ? row("returns.receivedAt", time(shipment.received_at)) : [],
      ),
      this.notice.element,
      received
        ? h("p", { class: "hint" }, left ? t("returns.inspectHint", { count: left }) : t("returns.allInspected"))
        : h(
            "div",
            { class: "panel receive" },
            h("p", {}, t("returns.receiveHint")),
            action("receive", t("returns.receive"), () => this.receive(shipment), { class: "primary" }),
          ),
      h("h2", {}, t("returns.lines"), " ", h("span", { class: "count" }, String(shipment.lines.length))),
      h("ul", { class: "return-lines", "data-testid": "return-lines" }, shipment.lines.map((item) => this.line(item, received))),
    );
  }

  line(item, received) {
    const facts = [
      h("span", {}, t("returns.forJob", { job: item.job_number ?? t("returns.noJob") })),
      h(
        "span",
        { "data-testid": "recorded-serial" },
        item.old_serial ? t("returns.recorded", { serial: item.old_serial }) : t("returns.notRecorded"),
      ),
      h("span", { class: item.late ? "late" : "muted" }, t(item.late ? "returns.late" : "returns.dueBy", { day: day(item.due_at) })),
    ];
    let body;
    if (item.result) {
      body = h(
        "div",
        { class: `finding finding-${item.status}`, "data-testid": "finding", "data-result": item.result },
        h("strong", {}, resultText(item.result)),
        item.returned_serial ? h("span", {}, t("returns.scannedSerial", { serial: item.returned_serial })) : null,
        item.note ? h("span", { class: "note" }, item.note) : null,
        h("span", { class: "muted" }, t("returns.inspectedAt", { when: time(item.inspected_at) })),
      );
    } else if (received && item.status === "received") {
      body = this.inspection(item);
    } else {
      body = h("p", { class: "muted" }, t("returns.notYet"));
    }
    return h(
      "li",
      { "data-return-id": item.id, "data-status": item.status },
      h("div", { class: "line-head" }, h("strong", {}, item.part_name), h("span", { class: "muted" }, `${item.part_no} · ${item.number}`)),
      h("div", { class: "line-facts" }, facts),
      body,
    );
  }

  // The inspection of one old part: its serial (scanned or typed), what was found, a note.
  inspection(item) {
    const draft = this.drafts.get(item.id) ?? { serial: "", result: "", note: "" };
    this.drafts.set(item.id, draft);
    const id = (name) => `${name}-${item.id}`;
    const errors = {
      old_serial: h("span", { class: "field-error", "data-error-for": "old_serial" }),
      result: h("span", { class: "field-error", "data-error-for": "result" }),
      note: h("span", { class: "field-error", "data-error-for": "note" }),
    };
    const message = h("div", { class: "field-error", role: "alert", "data-testid": "inspection-message" });
    const serial = h("input", {
      name: "old_serial",
      id: id("serial"),
      value: draft.serial,
      maxlength: 64,
      autocomplete: "off",
      autocapitalize: "characters",
      spellcheck: "false",
    });
    serial.addEventListener("input", () => (draft.serial = serial.value));
    const scanArea = h("div", { class: "scan-area" });
    const scan = this.scanner
      ? action("scan", t("returns.scan"), () => this.scan(item, serial, draft, scanArea), { "aria-label": t("returns.scanPart", { number: item.number }) })
      : null;
    const choices = RESULTS.map((result) => {
      const input = h("input", { type: "radio", name: `result-${item.id}`, value: result, checked: draft.result === result });
      input.addEventListener("change", () => (draft.result = result));
      return h("label", { class: "choice", "data-result": result }, input, t(`returns.choice.${result}`));
    });
    const note = h("textarea", { name: "note", id: id("note"), maxlength: 2000, rows: 2 }, draft.note);
    note.addEventListener("input", () => (draft.note = note.value));
    const form = h(
      "form",
      { class: "inspection", novalidate: true, "data-testid": "inspection", onsubmit: (event) => event.preventDefault() },
      h("label", { for: id("serial") }, t("returns.serialOnPart")),
      h("div", { class: "serial-row" }, serial, scan),
      errors.old_serial,
      scanArea,
      h("fieldset", { class: "outcome" }, h("legend", {}, t("returns.found")), choices, errors.result),
      h("label", { for: id("note") }, t("returns.note")),
      note,
      errors.note,
      message,
      action("inspect", t("returns.record"), () => this.inspect(item, draft, { errors, message, serial, note, choices }), { class: "primary" }),
    );
    return form;
  }

  // The phone's scanner under the serial field; what it reads fills the field. No photo is kept: the inspection
  // records the serial, and nothing would upload the picture.
  async scan(item, serial, draft, area) {
    const scanner = await this.scanner();
    const heading = t("returns.scanHeading", { part: item.part_name, number: item.number });
    const { root, result } = scanner.open({ heading, keep: false });
    area.replaceChildren(root);
    root.scrollIntoView?.({ block: "nearest" });
    const found = await result;
    if (found) {
      serial.value = found.serial;
      draft.serial = found.serial;
    }
    serial.focus();
  }

  async inspect(item, draft, { errors, message, serial, note, choices }) {
    for (const span of Object.values(errors)) {
      span.textContent = "";
    }
    message.replaceChildren();
    this.notice.clear();
    const wrong = inspectionProblems(draft);
    for (const [field, words] of Object.entries(wrong)) {
      errors[field].textContent = words;
    }
    if (Object.keys(wrong).length) {
      ({ old_serial: serial, note, result: choices[0].querySelector("input") })[Object.keys(wrong)[0]]?.focus();
      return;
    }
    const body = { result: draft.result, note: draft.note.trim() };
    if (draft.result !== "missing") {
      body.old_serial = draft.serial.trim();
    }
    const answer = await this.api.post(`/api/part-returns/${item.id}/inspection`, body);
    if (answer.kind === OK) {
      this.drafts.delete(item.id);
      await this.settle(() => this.notice.ok(t("returns.recordedAs", { number: item.number, result: resultText(answer.body.result) })));
    } else if (answer.code === "old_serial_mismatch") {
      // Not the part the technician took out: say both serials, and offer to record it as a wrong part.
      const { recorded, scanned } = answer.details ?? {};
      const wrongPart = h("button", { type: "button", "data-action": "as-wrong-part" }, t("returns.asWrongPart"));
      wrongPart.addEventListener("click", () => {
        const radio = choices[RESULTS.indexOf("wrong_part")].querySelector("input");
        radio.checked = true;
        radio.dispatchEvent(new Event("change"));
        note.focus();
      });
      message.replaceChildren(h("p", {}, t("returns.mismatch", { recorded, scanned })), wrongPart);
      message.scrollIntoView?.({ block: "nearest" });
    } else if (answer.code === "validation_error") {
      const fields = answer.details?.fields ?? {};
      const known = { old_serial: "returns.needSerial", note: "returns.needNote", result: "returns.needResult" };
      let shown = false;
      for (const field of Object.keys(fields)) {
        if (known[field]) {
          errors[field].textContent = t(known[field]);
          shown = true;
        }
      }
      if (!shown) {
        message.textContent = problem(answer);
      }
    } else {
      await this.failedAction(answer);
    }
  }
}
