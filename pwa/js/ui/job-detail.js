// One job: the customer (the last four digits of their phone; tap to call them through the relay, then the call's
// outcome), the way there in the phone's map app, the unit and serial, the steps of the visit, the parts on order
// and their receipt, and the job's record. Every step is written to the device first (op and local change
// together) and synced after; the screen shows it at once.
// What the phone can tell will be refused (a past appointment, parts never shipped, more fitted than arrived, a
// decline once on site) is refused here, in the user's language, before any op is made.
// The proof of the visit: the phone's position at arrival and completion (asked with a deadline, said when
// refused or weak, never holding the step), the customer's confirmation at completion (the code sent to them,
// their signature, or none with a reason), and stamped photos before and after the repair.

import { METHODS, REASONS, codeSent, defaultMethod, readConfirmation } from "../confirmation.js";
import { chargeState } from "../charges.js";
import { t, when } from "../i18n/index.js";
import { positionNote, takePosition } from "../position.js";
import { all, one } from "../store.js";
import { h, once } from "./dom.js";
import { ChargesPanel, heldGuide } from "./charges.js";
import { JobRecord } from "./job-record.js";
import { appointmentText, callHref, dueText, nextDue } from "./job-list.js";
import { OldParts, serialsAsked, usageLines } from "./old-parts.js";

// What the app offers in each state the phone shows: the server decides in the end.
const STEPS = {
  dispatched: ["accept", "contact", "decline"],
  accepted: ["depart", "arrive", "contact", "partsUsed", "partsMissing", "note", "decline"],
  en_route: ["arrive", "contact", "partsUsed", "partsMissing", "note"],
  on_site: ["complete", "partsUsed", "partsMissing", "note", "contact"],
  waiting_parts: ["contact", "partsUsed", "partsMissing", "note"],
  completed: ["partsUsed", "note"],
};
// A provider's manager records the customer contact on a job of theirs, and receives parts; the rest is the
// technician's.
const MANAGER_STEPS = ["contact"];
const MOVES = { accept: "accepted", depart: "en_route", arrive: "on_site", complete: "completed" };
const DECLINABLE = new Set(["dispatched", "accepted"]);
const OPEN_REQUISITION = new Set(["pending", "approved"]);
const MAX_QTY = 10_000;
// How far ahead an appointment may be made (as the server allows).
const APPOINTMENT_DAYS = 90;
// How long a map app has to open before its web page is opened instead.
const MAP_APP_WAIT_MS = 1500;
// Where the repair's photos are taken: on site, and while parts are awaited (the "before" of the next visit).
const PHOTO_STATES = new Set(["on_site", "waiting_parts"]);
const STAGES = ["before", "after"];

// The value a datetime-local input shows for `date`, in the phone's time zone.
function localInput(date) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

// The phone's map app to the customer's address: the system's (geo:), Amap and Baidu Maps where installed, each
// falling back to its web page when no app opens.
export function mapLinks(address) {
  const q = encodeURIComponent(address);
  const apple = /iPhone|iPad|iPod/.test(globalThis.navigator?.userAgent ?? "");
  return [
    { name: "map", href: apple ? `https://maps.apple.com/?q=${q}` : `geo:0,0?q=${q}` },
    {
      name: "amap",
      href: apple ? `iosamap://path?sourceApplication=sanbao&dname=${q}&dev=0&t=0` : `amapuri://route/plan/?sourceApplication=sanbao&dname=${q}&dev=0&t=0`,
      web: `https://uri.amap.com/search?keyword=${q}&src=sanbao`,
    },
    {
      name: "baidu",
      href: `baidumap://map/direction?destination=${q}&coord_type=gcj02&mode=driving&src=sanbao`,
      web: `https://api.map.baidu.com/geocoder?address=${q}&output=html&src=sanbao`,
    },
  ];
}

// Each part left to fit of what `order` brought: [{part_no, name, arrived, left}].
export function leftToFit(order) {
  const fitted = new Map((order.fitted ?? []).map((line) => [line.part_no, line.qty]));
  const arrived = new Map();
  for (const line of order.lines ?? []) {
    const known = arrived.get(line.part_no) ?? { part_no: line.part_no, name: line.name ?? "", arrived: 0 };
    known.arrived += line.qty;
    arrived.set(line.part_no, known);
  }
  return [...arrived.values()].map((line) => ({ ...line, left: Math.max(0, line.arrived - (fitted.get(line.part_no) ?? 0)) }));
}

// The customer's confirmation as the technician reads it back (the server says whether a code was right).
export function confirmationText(confirmation) {
  switch (confirmation?.method) {
    case "code":
      return t(confirmation.code_ok === true ? "confirm.shown.codeOk" : confirmation.code_ok === false ? "confirm.shown.codeWrong" : "confirm.shown.codePending");
    case "signature":
      return t("confirm.shown.signature");
    case "none":
      return t("confirm.shown.none", { reason: confirmation.reason ?? "" });
    default:
      return t("confirm.shown.missing");
  }
}

function fixText(fix) {
  return t(`visit.fix.${fix.step === "complete" ? "complete" : "arrive"}`, { accuracy: Math.round(fix.accuracy_m), time: when(fix.fix_time) });
}

export class JobDetail {
  constructor({ db, engine, api, user, jobId, scanner }) {
    Object.assign(this, { db, engine, api, user, jobId: String(jobId), scanner });
    this.root = h("section", { class: "job-detail", "data-testid": "job-detail" });
    this.record = new JobRecord({ db, api, jobId });
    this.charges = new ChargesPanel(this);
    this.form = null;
    this.job = null;
    this.requisitions = [];
    // What the last step said of the phone's position, or of a photo: kept across the redraw the step makes.
    this.said = h("p", { class: "position-note", role: "status", "data-testid": "position-note" });
    this.thumbUrls = [];
  }

  get technician() {
    return this.user?.role !== "provider_manager";
  }

  async render() {
    const [held, requisitions] = await Promise.all([one(this.db, "job", this.jobId), all(this.db, "requisition")]);
    if (!held) {
      this.root.replaceChildren(h("p", {}, t("job.notFound")), h("a", { href: "#/jobs", class: "back" }, t("job.back")));
      return this.root;
    }
    const job = (this.job = held.data);
    if (job.job_type === "paid") {
      this.charges.guide = await heldGuide(this.db);
      this.form = this.charges.redrawn(job, this.form);
    }
    this.requisitions = requisitions.map((r) => r.data).filter((r) => String(r.job_id) === this.jobId);
    const request = job.request ?? {};
    const due = nextDue(job);
    const appointment = appointmentText(job);
    // Parts left out are null; replaceChildren would show them as the text "null".
    const parts = [
      h("a", { href: "#/jobs", class: "back" }, t("job.back")),
      h(
        "h1",
        {},
        job.number,
        " ",
        h("span", { class: `state state-${job.state}`, "data-testid": "job-state" }, job.declined ? t("job.declinedState") : t(`job.state.${job.state}`)),
      ),
      held.pending ? h("p", { class: "pending-mark" }, t("job.pendingSync")) : null,
      job.declined ? h("p", { class: "notice", "data-testid": "declined" }, t("job.declined")) : null,
      h(
        "dl",
        {},
        h("dt", {}, t("job.customer")),
        h(
          "dd",
          { "data-testid": "customer" },
          request.customer_name ?? "",
          " ",
          // The last four digits: the rest never reaches the phone.
          request.customer_phone ? h("span", { class: "phone", "data-testid": "customer-phone" }, request.customer_phone) : null,
          " ",
          this.calling(job),
        ),
        h("dt", {}, t("job.address")),
        h("dd", {}, request.address ?? "", request.address ? this.mapLinks(request.address) : null),
        h("dt", {}, t("job.unit")),
        h("dd", {}, request.model ?? ""),
        h("dt", {}, t("job.serial")),
        // A request recorded without a serial holds an empty one.
        h("dd", { "data-testid": "serial" }, job.scanned_serial || request.serial || t("job.noSerial")),
        h("dt", {}, t("job.fault")),
        h("dd", {}, request.fault_description ?? ""),
        appointment ? [h("dt", {}, t("job.appointment")), h("dd", { "data-testid": "job-appointment" }, appointment)] : null,
        due ? [h("dt", {}, t("job.nextDue")), h("dd", { class: due.overdue ? "due overdue" : "due" }, dueText(due))] : null,
      ),
      request.model
        ? h("a", { href: `#/knowledge?model=${encodeURIComponent(request.model)}`, class: "knowledge-link", "data-testid": "job-knowledge" }, t("job.knowledge"))
        : null,
      h("div", { class: "steps" }, job.declined ? [] : this.steps(job)),
      this.reworded(),
      this.charges.section(job),
      this.form,
      job.completion_summary ? this.completion(job) : null,
      this.evidence(job),
      this.requisitions.length ? this.requisitionList(job) : null,
      this.record.root,
    ];
    this.root.replaceChildren(...parts.filter((part) => part !== null));
    // The record after the page: a tap's change shows at once, the record follows.
    this.recordDrawn = this.drawRecord();
    return this.root;
  }

  async drawRecord() {
    const ops = (await this.db.getAll("outbox")).filter((op) => op.entity_id === this.jobId);
    await this.record.render({ ops, requisitions: this.requisitions, round: this.engine.status.rounds });
  }

  steps(job) {
    const names = (STEPS[job.state] ?? []).filter((step) => this.technician || MANAGER_STEPS.includes(step));
    const buttons = names.map((step) =>
      once(h("button", { type: "button", class: `step step-${step}`, "data-step": step }, t(`job.${step}`)), () => this.step(job, step)),
    );
    if (this.technician && job.state !== "cancelled" && job.state !== "closed" && this.scanner) {
      buttons.push(once(h("button", { type: "button", "data-step": "scan" }, t("job.scan")), () => this.scan()));
    }
    return buttons;
  }

  // Tap to call the customer through the relay (the job's `call`); the call's outcome is asked for as the phone
  // comes back to the app. Without a relay there is no number to dial: a call made some other way is recorded
  // with the same form, while the contact step is open.
  calling(job) {
    const contactOpen = () => this.job && STEPS[this.job.state]?.includes("contact") && !this.job.declined;
    const href = callHref(job.call);
    if (href) {
      const link = h("a", { href, class: "call", "data-testid": "call" }, t("job.call"));
      link.addEventListener("click", () => {
        if (contactOpen()) {
          setTimeout(() => this.showForm(this.contactForm(this.job)), 0);
        }
      });
      return link;
    }
    if (!contactOpen()) {
      return null;
    }
    return once(h("button", { type: "button", class: "record-call", "data-testid": "record-call" }, t("job.recordCall")), () =>
      this.showForm(this.contactForm(this.job)),
    );
  }

  mapLinks(address) {
    return h(
      "span",
      { class: "map-links", "data-testid": "map-links" },
      mapLinks(address).map(({ name, href, web }) => {
        const link = h("a", { href, class: "map", dataset: { map: name } }, t(`job.map.${name}`));
        if (web) {
          link.addEventListener("click", () => {
            // No app took the link: the page is still in front. Its web page then, where there is signal.
            setTimeout(() => {
              if (document.visibilityState === "visible" && globalThis.navigator.onLine) {
                globalThis.open(web, "_blank", "noopener");
              }
            }, MAP_APP_WAIT_MS);
          });
        }
        return link;
      }),
    );
  }

  completion(job) {
    const visit = job.visit ?? {};
    return h(
      "section",
      { class: "completion", "data-testid": "completion" },
      h("h2", {}, t("job.completion")),
      h(
        "dl",
        {},
        h("dt", {}, t("form.summary")),
        h("dd", {}, job.completion_summary),
        h("dt", {}, t("form.confirmedBy")),
        h("dd", {}, job.confirmed_by ?? ""),
        job.fault_code ? [h("dt", {}, t("form.faultCode")), h("dd", {}, job.fault_code)] : null,
        h("dt", {}, t("confirm.shown")),
        h("dd", { "data-testid": "confirmation-shown", "data-method": visit.confirmation?.method ?? "" }, confirmationText(visit.confirmation)),
        visit.fixes?.length
          ? [h("dt", {}, t("visit.positions")), h("dd", { "data-testid": "fixes" }, visit.fixes.map((fix) => h("span", { class: "fix", dataset: { step: fix.step } }, fixText(fix))))]
          : null,
      ),
    );
  }

  // The repair's photos (before and after), each as its thumbnail where this phone took it; the buttons that
  // take them while on site.
  evidence(job) {
    const photos = job.photos ?? [];
    const taking = this.technician && PHOTO_STATES.has(job.state) && !job.declined;
    if (!photos.length && !taking) {
      return null;
    }
    const figures = photos.map((photo) => {
      const image = h("img", { alt: t(`evidence.stage.${photo.stage}`), class: "thumb", dataset: { sha256: photo.sha256 } });
      return h(
        "figure",
        { class: "evidence-photo", dataset: { stage: photo.stage, sha256: photo.sha256 } },
        image,
        h("figcaption", {}, t("evidence.caption", { stage: t(`evidence.stage.${photo.stage}`), time: when(photo.taken_at) })),
      );
    });
    this.drawThumbs(figures);
    const buttons = taking
      ? STAGES.map((stage) => {
          const input = h("input", { type: "file", accept: "image/*", capture: "environment", "data-testid": `evidence-${stage}` });
          input.addEventListener("change", () => this.takePhoto(job, stage, input));
          return h("label", { class: "evidence-take", dataset: { stage } }, t(`evidence.${stage}`), input);
        })
      : [];
    return h(
      "section",
      { class: "repair-photos", "data-testid": "evidence" },
      h("h2", {}, t("evidence.title")),
      buttons.length ? h("div", { class: "evidence-buttons" }, buttons) : null,
      figures.length ? h("div", { class: "thumbs" }, figures) : h("p", { class: "muted" }, t("evidence.none")),
    );
  }

  // Each figure's image from the small copy this phone kept, or said to be from another phone.
  async drawThumbs(figures) {
    for (const url of this.thumbUrls.splice(0)) {
      URL.revokeObjectURL(url);
    }
    for (const figure of figures) {
      const image = figure.querySelector("img");
      const thumb = await this.db.get("thumbs", figure.dataset.sha256).catch(() => undefined);
      if (thumb) {
        const url = URL.createObjectURL(new Blob([thumb.bytes], { type: thumb.type }));
        this.thumbUrls.push(url);
        image.src = url;
      } else {
        image.replaceWith(h("span", { class: "thumb elsewhere" }, t("evidence.elsewhere")));
      }
    }
  }

  // A photo from the camera input: stamped (job number, time, position), kept with its small copy, then the op
  // naming it. The position is the one the phone has (a recent fix is as good), never waited on for long.
  async takePhoto(job, stage, input) {
    const [file] = input.files;
    if (!file) {
      return;
    }
    this.say("evidence.taking");
    const [taken, { stampPhoto }, { keepEvidence }] = await Promise.all([takePosition(), import("../stamp.js"), import("../photos.js")]);
    const takenAt = new Date();
    let stamped;
    try {
      stamped = await stampPhoto(file, { number: job.number, time: when(takenAt.toISOString()), fix: taken.fix, words: { noPosition: t("stamp.noPosition") } });
    } catch {
      this.say("evidence.notPicture");
      return;
    }
    try {
      await keepEvidence(this.db, stamped, { jobId: this.jobId, kind: "photo", thumb: stamped.thumb });
    } catch {
      this.say("evidence.notKept");
      return;
    }
    const payload = {
      stage,
      sha256: stamped.sha256,
      original_sha256: stamped.original_sha256,
      exif_taken_at: stamped.exif_taken_at,
      device_time: takenAt.toISOString(),
      ...(taken.fix ? { position: taken.fix } : {}),
    };
    const shown = { stage, sha256: stamped.sha256, taken_at: takenAt.toISOString(), lat: taken.fix?.lat ?? null, lng: taken.fix?.lng ?? null };
    // The job as the phone holds it now: another photo may have been added since this screen was drawn.
    const photos = [...((await one(this.db, "job", this.jobId))?.data.photos ?? []).filter((photo) => photo.sha256 !== stamped.sha256), shown];
    const [key, params] = positionNote(taken);
    await this.save([{ type: "photo.add", entityId: this.jobId, payload, localChange: this.change({ photos }) }]);
    this.say(key, params, "evidence.taken");
  }

  requisitionList(job) {
    return h(
      "section",
      { class: "requisitions", "data-testid": "requisitions" },
      h("h2", {}, t("job.requisitions")),
      h(
        "ul",
        {},
        this.requisitions.map((r) =>
          h(
            "li",
            { dataset: { status: r.status } },
            `${r.number} · ${t(`requisition.status.${r.status}`)}`,
            r.shipped_at && r.status !== "received" ? ` · ${t("requisition.shipped")}` : "",
            h("ul", {}, (r.lines ?? []).map((line) => h("li", {}, `${line.part_no} ${line.name ?? ""} × ${line.qty}`))),
            (r.orders ?? []).length ? h("ul", { class: "orders" }, r.orders.map((order) => this.orderItem(job, r, order))) : null,
          ),
        ),
      ),
    );
  }

  orderItem(job, requisition, order) {
    const left = leftToFit(order).some((line) => line.left > 0);
    let action = null;
    if (order.status === "shipped") {
      action = once(
        h("button", { type: "button", "data-action": "receive", dataset: { order: order.id } }, t("receipt.received")),
        () => this.showForm(this.receiptForm(job, order.id, true)),
      );
    } else if (order.status === "received" && left && this.technician && STEPS[job.state]?.includes("partsUsed")) {
      action = once(
        h("button", { type: "button", "data-action": "fit", dataset: { order: order.id } }, t("receipt.fit")),
        () => this.showForm(this.receiptForm(job, order.id, false)),
      );
    }
    return h(
      "li",
      { dataset: { orderId: order.id, status: order.status } },
      h("span", {}, `${order.number} · ${t(`order.status.${order.status}`)}`),
      action,
    );
  }

  // Ops of one tap, written together, then the page again; sync follows in the background where there is a
  // network (offline, the browser's "online" event starts it).
  async save(ops) {
    await this.engine.record(ops);
    this.form = null;
    await this.render();
    // A payment kept: its receipt in the form's place, to show the customer.
    await this.charges.afterSave();
    if (globalThis.navigator.onLine) {
      this.engine.sync().catch(() => {});
    }
  }

  change(patch) {
    return patch && { entity: "job", id: this.jobId, patch };
  }

  step(job, step) {
    if (step === "arrive") {
      return this.arrive(job);
    }
    if (step in MOVES && step !== "complete") {
      return this.save([{ type: `job.${step}`, entityId: this.jobId, payload: {}, localChange: this.change({ state: MOVES[step] }) }]);
    }
    const forms = {
      complete: () => this.completeForm(job),
      note: () => this.noteForm(),
      contact: () => this.contactForm(job),
      decline: () => this.declineForm(),
    };
    return this.showForm((forms[step] ?? (() => this.partsForm(job, step)))());
  }

  showForm(form) {
    this.form = form;
    return this.render();
  }

  // Said under the steps until the next step says something else.
  // What the note under the steps says (the position taken or not, a photo kept), remembered as keys so that a
  // redraw in another language words it again; `lead` goes first (a photo's "kept").
  say(key, params = {}, lead = null) {
    this.saying = [key, params, lead];
    this.said.textContent = [lead ? t(lead) : "", key ? t(key, params) : ""].filter(Boolean).join(" ");
    this.said.dataset.said = lead ?? key ?? "";
  }

  reworded() {
    if (this.saying) {
      this.say(...this.saying);
    }
    return this.said;
  }

  // The arrival with the phone's position (a few seconds at most; without it when refused or not found).
  async arrive(job) {
    this.say("position.finding");
    const taken = await takePosition();
    this.say(...positionNote(taken));
    const payload = taken.fix ? { position: taken.fix } : {};
    return this.save([{ type: "job.arrive", entityId: this.jobId, payload, localChange: this.change({ state: "on_site", visit: this.visitWith(job, "arrive", taken.fix) }) }]);
  }

  // The job's visit as the phone shows it once this step's fix (if any) and confirmation (if any) are in.
  visitWith(job, step, fix, confirmation = undefined) {
    const visit = { confirmation: null, fixes: [], ...job.visit };
    const fixes = fix ? [...(visit.fixes ?? []), { step, ...fix }] : visit.fixes;
    return { ...visit, fixes, ...(confirmation === undefined ? {} : { confirmation }) };
  }

  field(label, input) {
    const error = h("span", { class: "error", role: "alert" });
    return { label: h("label", {}, t(label), input, error), input, error };
  }

  contactForm(job) {
    const reached = h("input", { type: "radio", name: "reached", value: "yes", checked: true });
    const missed = h("input", { type: "radio", name: "reached", value: "no" });
    const now = new Date();
    const latest = new Date(now.getTime() + APPOINTMENT_DAYS * 86_400_000);
    const appointment = this.field(
      "contact.appointment",
      h("input", { type: "datetime-local", name: "appointment_at", min: localInput(now), max: localInput(latest) }),
    );
    const note = this.field("form.noteText", h("textarea", { name: "note", maxlength: 2000 }));
    const outcome = h(
      "fieldset",
      { class: "outcome" },
      h("legend", {}, t("contact.outcome")),
      h("label", { class: "choice" }, reached, t("contact.reached")),
      h("label", { class: "choice" }, missed, t("contact.notReached")),
    );
    const toggle = () => (appointment.label.hidden = missed.checked);
    reached.addEventListener("change", toggle);
    missed.addEventListener("change", toggle);
    return this.formOf("contact", [{ label: outcome }, appointment, note], () => {
      appointment.error.textContent = "";
      const text = note.input.value.trim();
      if (missed.checked) {
        return [{ type: "job.contact", entityId: this.jobId, payload: { reached: false, appointment_at: null, note: text } }];
      }
      let at = null;
      if (appointment.input.value) {
        const chosen = new Date(appointment.input.value);
        const moment = Date.now();
        if (Number.isNaN(chosen.getTime()) || chosen.getTime() <= moment) {
          appointment.error.textContent = t("refused.appointmentPast");
          return null;
        }
        if (chosen.getTime() > moment + APPOINTMENT_DAYS * 86_400_000) {
          appointment.error.textContent = t("refused.appointmentTooFar");
          return null;
        }
        at = chosen.toISOString();
      }
      const sla = { ...job.sla, contacted_at: job.sla?.contacted_at ?? new Date().toISOString() };
      const patch = at ? { sla, appointment_at: at } : { sla };
      return [{ type: "job.contact", entityId: this.jobId, payload: { reached: true, appointment_at: at, note: text }, localChange: this.change(patch) }];
    });
  }

  declineForm() {
    const reason = this.field("decline.reason", h("textarea", { name: "reason", maxlength: 2000 }));
    return this.formOf("decline", [reason], () => {
      reason.error.textContent = "";
      // The job as the phone now holds it: it may have moved on (arrived) since the form opened.
      if (!DECLINABLE.has(this.job.state)) {
        reason.error.textContent = t("refused.declineOnSite");
        return null;
      }
      if (!reason.input.value.trim()) {
        reason.error.textContent = t("form.required");
        return null;
      }
      return [{ type: "job.decline", entityId: this.jobId, payload: { reason: reason.input.value.trim() }, localChange: this.change({ declined: true }) }];
    });
  }

  // The parts of an order: received now (`receiving`), and which of them were fitted; or fitted later from an
  // order received before. Never more than arrived, less what was fitted from it already.
  receiptForm(job, orderId, receiving) {
    const requisition = this.requisitions.find((r) => (r.orders ?? []).some((order) => order.id === orderId));
    const order = requisition.orders.find((each) => each.id === orderId);
    const canFit = this.technician && STEPS[job.state]?.includes("partsUsed");
    const catalogue = new Map();
    const lines = leftToFit(order).map((line) => {
      const input = h("input", { type: "number", name: `fit-${line.part_no}`, min: 0, max: line.left, step: 1, value: 0, inputmode: "numeric" });
      const field = this.field("receipt.fitted", input);
      field.label.prepend(h("span", { class: "part" }, `${line.part_no} ${line.name} · ${t("receipt.arrived", { qty: line.arrived, left: line.left })}`));
      // The old parts of a returnable part fitted from the order, asked for as its quantity is typed.
      const oldParts = this.oldParts();
      const ask = () => {
        const part = catalogue.get(line.part_no);
        const qty = Number(input.value || 0);
        oldParts.ask(part, serialsAsked(job, part, qty), qty);
      };
      input.addEventListener("input", ask);
      return { ...field, line, oldParts, ask };
    });
    all(this.db, "part").then((parts) => {
      parts.forEach((p) => catalogue.set(p.data.part_no, p.data));
      lines.forEach((line) => line.ask());
    });
    const problem = h("p", { class: "error", role: "alert" });
    const intro = h("p", {}, t(receiving ? "receipt.intro" : "receipt.fitIntro", { number: order.number }), problem);
    const fields = [{ label: intro }, ...(canFit ? lines.flatMap((line) => [line, { label: line.oldParts.root }]) : [])];
    return this.formOf(receiving ? "receive" : "fit", fields, async () => {
      problem.textContent = "";
      // As the phone holds it now: a sync may have brought news since the form opened.
      const fresh = (await one(this.db, "requisition", String(requisition.id)))?.data ?? requisition;
      const now = fresh.orders.find((each) => each.id === orderId);
      if (receiving && now.status !== "shipped") {
        problem.textContent = t(now.status === "received" ? "refused.alreadyReceived" : "refused.notShipped");
        return null;
      }
      let ok = true;
      const fitted = [];
      // Old serials already named in this form: the same old part cannot come back twice.
      const taken = [];
      for (const field of canFit ? lines : []) {
        field.error.textContent = "";
        const qty = Number(field.input.value || 0);
        const left = leftToFit(now).find((line) => line.part_no === field.line.part_no)?.left ?? 0;
        if (!Number.isInteger(qty) || qty < 0 || qty > left) {
          field.error.textContent = t("refused.moreThanArrived", { qty: left });
          ok = false;
        } else if (qty > 0) {
          const serials = field.oldParts.read(taken);
          if (serials === null) {
            ok = false;
            continue;
          }
          taken.push(...serials.filter(Boolean));
          fitted.push({ part_no: field.line.part_no, qty, serials });
        }
      }
      if (!ok) {
        return null;
      }
      if (!receiving && fitted.length === 0) {
        problem.textContent = t("receipt.nothingFitted");
        return null;
      }
      return this.receiptOps(job, fresh, now, receiving, fitted);
    });
  }

  receiptOps(job, requisition, order, receiving, fitted) {
    const at = new Date().toISOString();
    let orders = requisition.orders;
    const ops = [];
    if (receiving) {
      orders = orders.map((each) => (each.id === order.id ? { ...each, status: "received", received_at: at } : each));
      const came = new Map();
      for (const line of order.lines) {
        came.set(line.part_no, (came.get(line.part_no) ?? 0) + line.qty);
      }
      const lines = requisition.lines.map((line) => ({ ...line, received_qty: (line.received_qty ?? 0) + (came.get(line.part_no) ?? 0) }));
      const done = lines.every((line) => line.received_qty >= line.qty);
      const patch = { orders, lines, ...(done ? { status: "received", received_at: at } : {}) };
      const changes = [{ entity: "requisition", id: requisition.id, patch }];
      // Nothing else on order: the job goes back to the technician, as the server will do.
      const othersOpen = this.requisitions.some((r) => r.id !== requisition.id && OPEN_REQUISITION.has(r.status));
      if (job.state === "waiting_parts" && done && !othersOpen) {
        changes.push(this.change({ state: "accepted" }));
      }
      ops.push({ type: "parts.receive", entityId: this.jobId, payload: { sales_order_id: order.id }, localChange: changes });
    }
    if (fitted.length) {
      const more = new Map(fitted.map((line) => [line.part_no, line.qty]));
      const fittedOrders = orders.map((each) => {
        if (each.id !== order.id) {
          return each;
        }
        const before = new Map((each.fitted ?? []).map((line) => [line.part_no, line.qty]));
        for (const [partNo, qty] of more) {
          before.set(partNo, (before.get(partNo) ?? 0) + qty);
        }
        return { ...each, fitted: [...before].map(([part_no, qty]) => ({ part_no, qty })) };
      });
      ops.push({
        type: "parts.used",
        entityId: this.jobId,
        payload: { parts: fitted.flatMap((line) => usageLines(line.part_no, line.qty, line.serials)), sales_order_id: order.id },
        localChange: { entity: "requisition", id: requisition.id, patch: { orders: fittedOrders } },
      });
    }
    return ops;
  }

  completeForm(job) {
    const summary = this.field("form.summary", h("textarea", { name: "summary", maxlength: 4000 }));
    const confirmed = this.field("form.confirmedBy", h("input", { name: "confirmed_by", maxlength: 100 }));
    const codes = h("select", { name: "fault_code" }, h("option", { value: "" }, t("form.faultCodeNone")));
    // The defects of the unit's model (or its category) the device holds: synced down, so offline too.
    Promise.all([all(this.db, "article"), import("./knowledge.js")]).then(([held, { faultCodes }]) => {
      const found = faultCodes(
        held.map((a) => a.data),
        job.request?.model,
        job.request?.category,
      );
      codes.append(...found.map((a) => h("option", { value: a.fault_code }, `${a.fault_code} ${a.title}`)));
    });
    const faultCode = this.field("form.faultCode", codes);
    // The position is asked for as the form opens: by the time the customer has confirmed, it is there.
    const position = takePosition();
    const confirmation = this.confirmationFields(job, summary.input);
    // A paid repair whose approved quote is not fully paid, or whose quote waits for the customer's approval,
    // closes out only with the reason why (as the server refuses it otherwise).
    const charge = job.job_type === "paid" ? chargeState(job) : "none";
    const owing = charge === "owed" || charge === "waiting";
    const unpaid = owing ? this.field("pay.unpaidReason", h("textarea", { name: "unpaid_reason", maxlength: 1000, rows: 2, "data-testid": "unpaid-reason" })) : null;
    const unpaidHint = owing
      ? { label: h("p", { class: "charge-notice", "data-testid": "unpaid-hint" }, t(charge === "owed" ? "pay.unpaidHint" : "pay.unapprovedHint")) }
      : null;
    // Its "required" goes as the reason is typed: it is the field a technician comes back to.
    unpaid?.input.addEventListener("input", () => (unpaid.error.textContent = ""));
    const fields = [summary, confirmed, faultCode, confirmation, unpaidHint, unpaid].filter(Boolean);
    return this.formOf("complete", fields, async () => {
      const missing = [summary, confirmed, unpaid].filter((f) => f && !f.input.value.trim());
      missing.forEach((f) => (f.error.textContent = t("form.required")));
      const given = await confirmation.read();
      if (missing.length || !given) {
        return null;
      }
      const taken = await position;
      this.say(...positionNote(taken));
      const values = { summary: summary.input.value.trim(), confirmed_by: confirmed.input.value.trim(), fault_code: codes.value || null };
      const payload = { ...values, confirmation: given, ...(taken.fix ? { position: taken.fix } : {}), ...(unpaid ? { unpaid_reason: unpaid.input.value.trim() } : {}) };
      const shown = { method: given.method, code_ok: null, reason: given.reason ?? null, signature_sha256: given.signature_sha256 ?? null };
      const patch = {
        state: "completed",
        completion_summary: values.summary,
        confirmed_by: values.confirmed_by,
        fault_code: values.fault_code,
        visit: this.visitWith(job, "complete", taken.fix, shown),
      };
      return [{ type: "job.complete", entityId: this.jobId, payload, localChange: this.change(patch) }];
    });
  }

  // The customer's confirmation: the code sent to them, their signature (the work's summary shown above the pad,
  // since that is what they sign for) or none with a reason. {label, read}: `read()` keeps a signature on the
  // phone and gives the op's `confirmation`, or null when the form says what is missing.
  confirmationFields(job, summaryInput) {
    const visit = job.visit ?? {};
    const chosen = defaultMethod(visit);
    const radios = Object.fromEntries(METHODS.map((method) => [method, h("input", { type: "radio", name: "confirmation", value: method, checked: method === chosen })]));
    const error = h("p", { class: "error", role: "alert", "data-error-for": "confirmation" });

    const code = h("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 12, pattern: "[0-9]*", "data-testid": "confirm-code" });
    const codePane = h(
      "div",
      { class: "confirm-pane", "data-pane": "code" },
      h("p", { class: "muted", "data-testid": "code-sent" }, t(...codeSent(visit))),
      h("label", {}, t("confirm.codeLabel"), code),
      h("p", { class: "muted" }, t("confirm.codeChecked")),
    );

    const signedFor = h("blockquote", { class: "signed-summary", "data-testid": "signed-summary" });
    const padBox = h("div", { class: "pad-box" });
    let pad = null;
    const signaturePane = h("div", { class: "confirm-pane", "data-pane": "signature" }, h("p", {}, t("confirm.signFor")), signedFor, padBox);
    const showSummary = () => (signedFor.textContent = summaryInput.value.trim() || "—");
    summaryInput.addEventListener("input", showSummary);

    const reasons = h(
      "select",
      { name: "reason_choice", "aria-label": t("confirm.reasonLabel") },
      h("option", { value: "" }, t("confirm.reasonChoose")),
      REASONS.map((reason) => h("option", { value: reason }, t(`confirm.reason.${reason}`))),
    );
    const reasonText = h("textarea", { name: "reason", maxlength: 400, rows: 2 });
    const nonePane = h("div", { class: "confirm-pane", "data-pane": "none" }, h("label", {}, t("confirm.reasonLabel"), reasons), h("label", {}, t("confirm.reasonMore"), reasonText));

    const panes = { code: codePane, signature: signaturePane, none: nonePane };
    const method = () => METHODS.find((each) => radios[each].checked) ?? null;
    const show = async () => {
      error.textContent = "";
      for (const [name, pane] of Object.entries(panes)) {
        pane.hidden = name !== method();
      }
      if (method() === "signature" && pad === null) {
        showSummary();
        const { SignaturePad } = await import("./signature-pad.js");
        pad ??= new SignaturePad();
        padBox.replaceChildren(pad.root);
      }
    };
    for (const radio of Object.values(radios)) {
      radio.addEventListener("change", show);
    }
    show();

    const label = h(
      "fieldset",
      { class: "outcome confirmation", "data-testid": "confirmation" },
      h("legend", {}, t("confirm.legend")),
      METHODS.map((each) => h("label", { class: "choice" }, radios[each], t(`confirm.method.${each}`))),
      codePane,
      signaturePane,
      nonePane,
      error,
    );
    const read = async () => {
      error.textContent = "";
      let signatureSha256 = null;
      if (method() === "signature" && pad && !pad.empty) {
        try {
          const png = await pad.toPng();
          const { keepEvidence } = await import("../photos.js");
          await keepEvidence(this.db, png, { jobId: this.jobId, kind: "signature", thumb: png });
          signatureSha256 = png.sha256;
        } catch {
          error.textContent = t("confirm.notKept");
          return null;
        }
      }
      const reasonChoice = reasons.value;
      const found = readConfirmation({
        method: method(),
        code: code.value,
        signatureSha256,
        reasonLabel: reasonChoice ? t(`confirm.reason.${reasonChoice}`) : "",
        reasonText: reasonText.value,
      });
      if (!found.confirmation) {
        error.textContent = t(found.problem);
        return null;
      }
      return found.confirmation;
    };
    return { label, read };
  }

  noteForm(text = "") {
    const note = this.field("form.noteText", h("textarea", { name: "text", maxlength: 4000 }, text));
    return this.formOf("note", [note], () => {
      if (!note.input.value.trim()) {
        note.error.textContent = t("form.required");
        return null;
      }
      return [{ type: "note.add", entityId: this.jobId, payload: { text: note.input.value.trim() } }];
    });
  }

  partsForm(job, step) {
    const select = h("select", { name: "part_no" }, h("option", { value: "" }, "—"));
    const catalogue = new Map();
    const part = this.field("form.partNo", select);
    const qty = this.field("form.qty", h("input", { name: "qty", type: "number", min: 1, max: MAX_QTY, step: 1, value: 1, inputmode: "numeric" }));
    // A returnable part fitted on a warranty job: the old parts' serials, asked for as the part and quantity are chosen.
    const oldParts = step === "partsUsed" ? this.oldParts() : null;
    const ask = () => {
      const chosen = catalogue.get(select.value);
      const count = Number(qty.input.value);
      oldParts?.ask(chosen, serialsAsked(job, chosen, count), count);
    };
    select.addEventListener("change", ask);
    qty.input.addEventListener("input", ask);
    all(this.db, "part").then((parts) => {
      const model = job.request?.model;
      // The parts that fit the unit first; a part fitting no listed model is still offered.
      const fitting = parts.map((p) => p.data).filter((p) => !model || !p.models?.length || p.models.includes(model));
      fitting.sort((a, b) => a.part_no.localeCompare(b.part_no));
      fitting.forEach((p) => catalogue.set(p.part_no, p));
      select.append(...fitting.map((p) => h("option", { value: p.part_no }, `${p.part_no} ${p.name ?? ""}`)));
    });
    const fields = oldParts ? [part, qty, { label: oldParts.root }] : [part, qty];
    return this.formOf(step, fields, () => {
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
      if (step === "partsUsed") {
        const serials = oldParts.read();
        if (serials === null) {
          return null;
        }
        return [{ type: "parts.used", entityId: this.jobId, payload: { parts: usageLines(select.value, count, serials) } }];
      }
      const payload = { parts: [{ part_no: select.value, qty: count }] };
      return [{ type: "parts.shortage", entityId: this.jobId, payload, localChange: this.change({ state: "waiting_parts" }) }];
    });
  }

  // A form of `fields` ({label} each, with input and error where it has them); `read()` (may be async) gives
  // the ops to record, or null when the form says what is wrong.
  formOf(name, fields, read) {
    const save = h("button", { type: "submit" }, t(name === "receive" ? "receipt.confirm" : "form.save"));
    const cancel = h("button", { type: "button", onclick: () => this.showForm(null) }, t("form.cancel"));
    const form = h("form", { class: `op-form form-${name}`, "data-form": name, novalidate: true }, fields.map((f) => f.label), h("div", { class: "buttons" }, save, cancel));
    let saving = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      // A double tap submits once: the op is written by the first, the second finds it saving.
      if (saving) {
        return;
      }
      saving = true;
      save.disabled = true;
      const ops = await read();
      if (!ops) {
        saving = false;
        save.disabled = false;
        return;
      }
      await this.save(ops);
    });
    return form;
  }

  // The old parts of one part fitted, each scanned through the scanner where the phone has one.
  oldParts() {
    return new OldParts({ scan: this.scanner ? (heading) => this.scanOldPart(heading) : null });
  }

  // The scanner in place of the form for an old part's serial, then the form again as it was, with the serial
  // read (null when the technician gave up, or another step took the form's place).
  async scanOldPart(heading) {
    const form = this.form;
    const { root, result } = (await this.scanner()).open({ heading, keep: false });
    await this.showForm(root);
    const found = await result;
    if (this.form !== root) {
      return null;
    }
    await this.showForm(form);
    return found?.serial ?? null;
  }

  async scan() {
    const { root, result } = (await this.scanner()).open();
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
    await this.save([
      {
        type: "scan.add",
        entityId: this.jobId,
        payload: { serial: found.serial, source: found.source, symbology: found.symbology ?? "", photo_sha256: found.photoSha256 ?? null },
        localChange: this.change({ scanned_serial: found.serial }),
      },
    ]);
  }
}
