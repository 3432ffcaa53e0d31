// The auditor's desk (索赔审核): the queue of warranty claims (waiting for audit first, the longest waiting
// first), a claim's case with every flag worded in the auditor's language beside the evidence behind it (the
// sale record, the unit's other claims and jobs, the job's timeline, the label photos, a reused photo beside
// the one it copies, the old parts each line owes the RDC), the decision line by line, the providers' monthly
// statements (网点结算单) with their deductions, disputes and final word, and the old parts still owed.
//
// Addresses: #/audit (the queue), #/audit/claim/<id> (the queue and a claim), #/audit/settlements,
// #/audit/settlements/<id> and #/audit/returns. Filters, sort and page live in the address.

import { addStrings, language } from "../i18n/index.js";
import strings from "./audit-strings.js";
import { OK, action, address, h, notice, problem, setQuery, sortedTable, split, stale, t, time, useStyles, yuan } from "./kit.js";
import { save } from "../ui/dom.js";
import { distanceText, visitPlot } from "./visit-map.js";

addStrings(strings);

const FLAGS = [
  "UNKNOWN_SERIAL",
  "SERIAL_FORMAT",
  "MODEL_MISMATCH",
  "BEFORE_SALE",
  "OUT_OF_WARRANTY",
  "CARD_INVALID",
  "REGION_MISMATCH",
  "DUPLICATE_CLAIM",
  "SCAN_MISMATCH",
  "PHOTO_REUSED",
  "NO_CONFIRMATION",
  "CODE_MISMATCH",
  "SIGNATURE_REUSED",
  "NO_CHECKIN",
  "FAR_FROM_ADDRESS",
  "IMPOSSIBLE_TRAVEL",
  "OVERLAPPING_VISITS",
  "OLD_PHOTO",
  "NO_OLD_SERIAL",
  "OLD_PART_REUSED",
  "PART_NOT_RETURNED",
  "PART_RETURN_REJECTED",
];
const STATUSES = ["pending_review", "approved", "rejected"];
const STATEMENT_STATUSES = ["open", "final"];
const RETURN_STATUSES = ["overdue", "owed", "shipped", "received", "accepted", "rejected"];
const QUEUE_PAGE = 25;
const SETTLEMENTS_PAGE = 20;
const RETURNS_PAGE = 25;

// What the next screen says first, after an action that changes the address (a new View draws it).
let flash = null;

// ---------------------------------------------------------------- names the server sends as codes

// The providers by code ({id, code, name}), read once: every queue row, filter and settlement names them.
let providers = null;

async function loadProviders(api) {
  if (providers) {
    return providers;
  }
  const found = new Map();
  for (let page = 1; ; page += 1) {
    const answer = await api.get("/api/admin/providers", { per_page: 500, page });
    if (answer.kind !== OK) {
      return found; // codes stay unnamed this time; the next screen asks again
    }
    for (const provider of answer.body.items) {
      found.set(provider.code, provider);
    }
    if (page >= answer.body.pages) {
      break;
    }
  }
  providers = found;
  return found;
}

function providerName(code) {
  return providers?.get(code)?.name ?? code ?? "";
}

const regionNames = new Map();

async function regionName(api, code) {
  if (!code) {
    return "";
  }
  if (!regionNames.has(code)) {
    const answer = await api.get(`/api/admin/regions/${encodeURIComponent(code)}`);
    if (answer.kind !== OK) {
      return code;
    }
    regionNames.set(code, answer.body.name);
  }
  return regionNames.get(code);
}

// ---------------------------------------------------------------- dates and words

// A calendar day ("2025-03-03") as the user's language writes it, the same day in every time zone.
function calendarDay(iso) {
  if (!iso) {
    return "";
  }
  return new Intl.DateTimeFormat(language(), { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${iso.slice(0, 10)}T00:00:00Z`));
}

// A settlement's month ("2025-03") as "March 2025" / "2025年3月".
function monthName(month) {
  return new Intl.DateTimeFormat(language(), { year: "numeric", month: "long", timeZone: "UTC" }).format(new Date(`${month}-01T00:00:00Z`));
}

// The day of a moment (a submission) in the user's own time zone.
function localDay(iso) {
  return iso ? new Intl.DateTimeFormat(language(), { dateStyle: "medium" }).format(new Date(iso)) : "";
}

function flagName(code) {
  const key = `audit.flagName.${code}`;
  const text = t(key);
  return text === key ? code.toLowerCase().replace(/_/g, " ") : text;
}

function statusBadge(status) {
  return h("span", { class: `state claim-${status}`, "data-testid": "claim-status", "data-status": status }, t(`claim.status.${status}`));
}

function claimNo(id) {
  return t("claims.claimNo", { id });
}

function section(title, testId, ...children) {
  return h("section", { class: "panel", "data-testid": testId }, h("h3", {}, title), ...children);
}

function facts(rows) {
  return h(
    "dl",
    {},
    rows.filter(Boolean).flatMap(([label, value, testId]) => [h("dt", {}, label), h("dd", { "data-testid": testId }, value ?? "")]),
  );
}

// A table wider than a phone scrolls sideways in its box: the box takes the keyboard's focus, so that it can be
// scrolled without a mouse, and is named for a screen reader.
function scrollable(box, label) {
  box.tabIndex = 0;
  box.setAttribute("role", "region");
  box.setAttribute("aria-label", label);
  return box;
}

function pager(body, onPage) {
  if (body.pages <= 1) {
    return null;
  }
  const go = (page, name, label, possible) =>
    h("button", { type: "button", "data-action": name, disabled: !possible, onclick: () => onPage(page) }, label);
  const previous = go(body.page - 1, "previous-page", t("audit.previous"), body.page > 1);
  const next = go(body.page + 1, "next-page", t("audit.next"), body.page < body.pages);
  return h(
    "div",
    { class: "pager" },
    previous,
    h("span", { "aria-live": "polite" }, t("audit.page", { page: body.page, pages: body.pages, total: body.total })),
    next,
  );
}

// ---------------------------------------------------------------- a flag's evidence, in the user's language

// The first of `names` the facts hold (a check may name a fact one way or another across versions).
function fact(data, ...names) {
  return names.map((name) => data[name]).find((value) => value !== undefined && value !== null);
}

// The other job a flag about two jobs names: its number, or its id where the facts give only that.
function otherJob(data) {
  const number = fact(data, "other_job_number", "job_number");
  const id = fact(data, "other_job_id");
  return number ?? (id === undefined ? undefined : t("audit.jobById", { id }));
}

// The flag's evidence sentence worded from its facts (server/claims/flag_facts.py); the server's own sentence
// where the app does not know the flag or the server could not read its facts back.
export function evidence(flag) {
  const data = flag.data;
  if (!data) {
    return flag.message;
  }
  const words = (key, params) => t(`audit.evidence.${key}`, params);
  switch (flag.code) {
    case "UNKNOWN_SERIAL":
      return words("UNKNOWN_SERIAL", { serial: data.serial });
    case "SERIAL_FORMAT":
      return data.pattern && data.pattern !== "any"
        ? words("SERIAL_FORMAT.pattern", { serial: data.serial, model: data.model, pattern: data.pattern })
        : words("SERIAL_FORMAT", { serial: data.serial, model: data.model });
    case "MODEL_MISMATCH":
      return words("MODEL_MISMATCH", { model: data.model, serial: data.serial, sold: data.sold_model, sale: calendarDay(data.sale_date) });
    case "BEFORE_SALE": {
      const dates = { failure: calendarDay(data.failure_date), repair: calendarDay(data.repair_date), sale: calendarDay(data.sale_date) };
      const which = data.failure_date && data.repair_date ? "both" : data.failure_date ? "failure" : "repair";
      return words(`BEFORE_SALE.${which}`, dates);
    }
    case "OUT_OF_WARRANTY": {
      if (data.category !== undefined) {
        return words("OUT_OF_WARRANTY.noPolicy");
      }
      const said = [
        words("OUT_OF_WARRANTY", {
          failure: calendarDay(data.failure_date),
          end: calendarDay(data.whole_unit_end),
          months: data.whole_unit_months,
          sale: calendarDay(data.sale_date),
        }),
      ];
      if (data.main_part_end) {
        said.push(words("OUT_OF_WARRANTY.mainParts", { end: calendarDay(data.main_part_end), months: data.main_part_months }));
      }
      if (data.uncovered_parts) {
        said.push(words("OUT_OF_WARRANTY.uncovered", { until: calendarDay(data.main_parts_until), parts: data.uncovered_parts.join(", ") }));
      }
      return said.join(" ");
    }
    case "CARD_INVALID": {
      if (!data.card_number || !Array.isArray(data.reasons)) {
        return flag.message;
      }
      const params = {
        end: calendarDay(data.ends_on),
        start: calendarDay(data.starts_on),
        serial: data.serial,
        parts: (data.uncovered_parts ?? []).join(", "),
      };
      const reasons = data.reasons.map((reason) => words(`CARD_INVALID.${reason}`, params)).join(words("CARD_INVALID.separator"));
      return words("CARD_INVALID", { number: data.card_number, failure: calendarDay(data.failure_date), reasons });
    }
    case "REGION_MISMATCH":
      return words("REGION_MISMATCH", { province: data.province_name, sale: calendarDay(data.sale_date), provider: providerName(data.provider_code) });
    case "DUPLICATE_CLAIM": {
      const common = { claim: data.claim_id, provider: providerName(data.provider_code), status: t(`claim.status.${data.status}`) };
      return data.job_id !== undefined
        ? words("DUPLICATE_CLAIM.job", common)
        : words("DUPLICATE_CLAIM.unit", {
            ...common,
            repaired: calendarDay(data.repair_date),
            days: data.window_days,
            this: calendarDay(data.this_repair_date),
          });
    }
    case "SCAN_MISMATCH":
      return words("SCAN_MISMATCH", { scanned: data.scanned_serial, serial: data.serial });
    case "PHOTO_REUSED":
      if (data.other_job_number !== undefined) {
        return words("PHOTO_REUSED.job", { job: data.other_job_number });
      }
      if (data.claim_id !== undefined) {
        return words("PHOTO_REUSED.claim", { claim: data.claim_id });
      }
      if (data.other_scan_id !== undefined) {
        return data.jobNumber ? words("PHOTO_REUSED.job", { job: data.jobNumber }) : words("PHOTO_REUSED.scan");
      }
      return words("PHOTO_REUSED.before");
    default:
      return visitEvidence(flag, data, words) ?? returnEvidence(flag, data, words) ?? flag.message;
  }
}

// A part as the screens name it: "Main board (BOARD)", or its number alone where its name is not known.
function partLabel(name, partNo) {
  return name && name !== partNo ? t("audit.partLabel", { name, no: partNo }) : partNo;
}

// The old-part flags (server/claims/returns.py) from their facts: the return, its part, its deadline, what the
// RDC found. `part_name` is the claim line's, added by the case; undefined when a fact the sentence needs is
// missing, and the server's own sentence is shown.
function returnEvidence(flag, data, words) {
  const part = data.part_no === undefined ? undefined : partLabel(data.part_name, data.part_no);
  switch (flag.code) {
    case "NO_OLD_SERIAL":
      return part === undefined ? undefined : words("NO_OLD_SERIAL", { part, number: data.return_number ?? "—" });
    case "OLD_PART_REUSED": {
      if (!data.serial) {
        return undefined;
      }
      // The other job by its number; a return of no job (or of a job not found) is "another part return".
      const job = fact(data, "other_job_number");
      return job ? words("OLD_PART_REUSED", { serial: data.serial, job }) : words("OLD_PART_REUSED.return", { serial: data.serial });
    }
    case "PART_NOT_RETURNED":
      if (part === undefined || !data.due) {
        return undefined;
      }
      return words("PART_NOT_RETURNED", { part, number: data.return_number ?? "—", due: calendarDay(data.due), province: data.province ?? "" });
    case "PART_RETURN_REJECTED": {
      if (part === undefined || !data.result) {
        return undefined;
      }
      const params = { part, number: data.return_number ?? "—", province: data.province ?? "", result: returnResult(data.result), note: data.note };
      return data.note ? words("PART_RETURN_REJECTED", params) : words("PART_RETURN_REJECTED.noNote", params);
    }
    default:
      return undefined;
  }
}

// What the RDC found an old part to be (accepted, wrong_part, not_faulty, missing), in words.
function returnResult(result) {
  const key = `audit.returnResult.${result}`;
  const text = t(key);
  return text === key ? result.replace(/_/g, " ") : text;
}

// The later / earlier of two ISO times (either may be missing).
function latest(a, b) {
  return !a ? b : !b ? a : Date.parse(a) >= Date.parse(b) ? a : b;
}

function earliest(a, b) {
  return !a ? b : !b ? a : Date.parse(a) <= Date.parse(b) ? a : b;
}

// The proof-of-visit flags (server/claims: the confirmation, the positions, the evidence photos) from their
// facts; undefined when a fact the sentence needs is missing, and the server's own sentence is shown.
function visitEvidence(flag, data, words) {
  switch (flag.code) {
    case "NO_CONFIRMATION": {
      const reason = fact(data, "reason");
      if (data.method === null || data.method === undefined) {
        return reason ? words("NO_CONFIRMATION.reason", { reason }) : words("NO_CONFIRMATION.missing");
      }
      return reason ? words("NO_CONFIRMATION.reason", { reason }) : words("NO_CONFIRMATION");
    }
    case "CODE_MISMATCH": {
      const sent = fact(data, "code_sent_at", "completion_code_sent_at", "sent_at");
      return sent ? words("CODE_MISMATCH.sent", { sent: time(sent) }) : words("CODE_MISMATCH");
    }
    case "SIGNATURE_REUSED": {
      const job = otherJob(data);
      return job ? words("SIGNATURE_REUSED", { job }) : words("SIGNATURE_REUSED.before");
    }
    case "NO_CHECKIN":
      return words("NO_CHECKIN");
    case "FAR_FROM_ADDRESS": {
      const distance = fact(data, "distance_m");
      if (distance === undefined) {
        return undefined;
      }
      return words(data.step === "complete" ? "FAR_FROM_ADDRESS.complete" : "FAR_FROM_ADDRESS", {
        distance: distanceText(distance),
        radius: distanceText(fact(data, "radius_m", "checkin_radius_m") ?? 500),
        accuracy: distanceText(fact(data, "accuracy_m") ?? 0),
      });
    }
    case "IMPOSSIBLE_TRAVEL": {
      const km = fact(data, "km");
      const distance = fact(data, "distance_m") ?? (km === undefined ? undefined : km * 1000);
      const speed = fact(data, "kmh", "speed_kmh");
      const seconds = fact(data, "seconds", "elapsed_s") ?? (fact(data, "minutes") === undefined ? undefined : fact(data, "minutes") * 60);
      if (distance === undefined || speed === undefined) {
        return undefined;
      }
      const params = { job: otherJob(data) ?? "—", distance: distanceText(distance), speed: Math.round(speed), max: fact(data, "max_kmh", "max_travel_kmh") ?? 120 };
      return seconds === undefined ? words("IMPOSSIBLE_TRAVEL.noTime", params) : words("IMPOSSIBLE_TRAVEL", { ...params, minutes: Math.max(0, Math.round(seconds / 60)) });
    }
    case "OVERLAPPING_VISITS": {
      const job = otherJob(data) ?? "—";
      // The two stays' common stretch: from the later start to the earlier end.
      const from = latest(fact(data, "start"), fact(data, "other_start"));
      const to = earliest(fact(data, "end"), fact(data, "other_end"));
      return from && to ? words("OVERLAPPING_VISITS", { job, from: time(from), to: time(to) }) : words("OVERLAPPING_VISITS.plain", { job });
    }
    case "OLD_PHOTO": {
      const taken = fact(data, "exif_taken_at", "taken_at");
      const existed = fact(data, "job_created_at", "dispatched_at", "created_at");
      if (!taken || !existed) {
        return undefined;
      }
      const stage = data.stage === "before" || data.stage === "after" ? t(`audit.photoStage.${data.stage}`) : t("audit.photoStage.any");
      return words("OLD_PHOTO", { stage, taken: time(taken), existed: time(existed) });
    }
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------- money and a claim's lines

// Money as exact integer cents: the server's "12.50" (or "-3.00") → 1250, and back with amountOf.
function cents(amount) {
  const text = String(amount ?? "0");
  const [whole, fraction = ""] = text.replace(/^-/, "").split(".");
  const value = Number(whole) * 100 + Number(fraction.padEnd(2, "0").slice(0, 2));
  return text.startsWith("-") ? -value : value;
}

function amountOf(value) {
  const whole = Math.abs(value);
  return `${value < 0 ? "-" : ""}${Math.floor(whole / 100)}.${String(whole % 100).padStart(2, "0")}`;
}

// An amount that may be below nothing (a statement's net), the sign before the yuan sign.
function signedYuan(amount) {
  return String(amount).startsWith("-") ? `−${yuan(String(amount).slice(1))}` : yuan(amount);
}

// What an approved claim pays once the RDC accepts the old parts of its lines still waiting for them.
function awaitingCents(claim) {
  return claim.parts.filter((line) => line.status === "awaiting_return").reduce((sum, line) => sum + cents(line.amount), 0);
}

function lineBadge(status) {
  return h("span", { class: `state line-${status}`, "data-testid": "line-status", "data-status": status }, t(`audit.line.status.${status}`));
}

// Where an old part is: owed, on its way (due by, or overdue since, its deadline), at the RDC, or what the RDC found.
function returnState(row) {
  if (row.status === "rejected") {
    return t("audit.return.rejected", { result: returnResult(row.result ?? "") });
  }
  if (row.status === "owed" || row.status === "shipped") {
    return t(row.overdue ? "audit.return.overdue" : "audit.return.due", { status: t(`audit.return.status.${row.status}`), due: localDay(row.due_at) });
  }
  return t(`audit.return.status.${row.status}`);
}

// The same in a table with a column for the deadline: the state alone, late or not.
function returnStateShort(row) {
  if (row.status === "rejected") {
    return t("audit.return.rejected", { result: returnResult(row.result ?? "") });
  }
  const status = t(`audit.return.status.${row.status}`);
  return row.overdue ? t("audit.return.lateShort", { status }) : status;
}

function returnItems(rows) {
  return h(
    "ul",
    { class: "line-returns", "data-testid": "line-returns" },
    rows.map((row) =>
      h(
        "li",
        { "data-return-id": row.id, "data-status": row.status, class: row.overdue || row.status === "rejected" ? "bad" : null },
        h("strong", {}, t("audit.return.number", { number: row.number })),
        " ",
        h("span", { "data-testid": "return-state" }, returnState(row)),
        h("small", {}, row.old_serial ? t("audit.return.oldSerial", { serial: row.old_serial }) : t("audit.return.noOldSerial")),
      ),
    ),
  );
}

// One line of a claim: what it is, its amount, its status and why, its old parts, and (waiting for audit) the
// auditor's choice for it.
function lineCard({ key, label, detail, amount, status, reason, settlementId, returns = [], control = null }) {
  const waiting = status === "awaiting_return";
  return h(
    "li",
    { class: "claim-line", "data-line": key, "data-status": status },
    h(
      "div",
      { class: "line-head" },
      h("span", { class: "line-name" }, h("strong", {}, label), detail ? h("small", {}, detail) : null),
      h("span", { class: "line-amount", "data-testid": "line-amount" }, yuan(amount)),
    ),
    h("div", { class: "line-state" }, lineBadge(status), waiting ? h("span", { class: "muted" }, t("audit.line.paidOnceAccepted")) : null),
    reason && (status === "rejected" || status === "return_rejected") ? h("p", { class: "line-why", "data-testid": "line-reason" }, t("audit.line.why", { reason })) : null,
    settlementId ? h("a", { href: `#/audit/settlements/${settlementId}`, class: "line-paid" }, t("audit.line.paidIn", { id: settlementId })) : null,
    returns.length ? returnItems(returns) : null,
    control,
  );
}

function partCard(line, returns, control = null) {
  return lineCard({
    key: String(line.id),
    label: partLabel(line.name, line.part_no),
    detail: t("audit.line.qtyPrice", { qty: line.qty, price: yuan(line.unit_price) }),
    amount: line.amount,
    status: line.status,
    reason: line.reason,
    settlementId: line.settlement_id,
    returns,
    control,
  });
}

// ---------------------------------------------------------------- the desk

export class View {
  constructor({ api, user, path, query }) {
    Object.assign(this, { api, user, path, query });
    this.online = true; // every screen is the server's: a sync round has nothing to add
    this.root = h("div", { class: "audit-desk", "data-testid": "audit-desk" });
    this.notice = notice();
    this.photoUrls = [];
    this.drawn = 0;
  }

  async render() {
    useStyles("audit");
    const drawn = (this.drawn += 1);
    for (const url of this.photoUrls.splice(0)) {
      URL.revokeObjectURL(url);
    }
    if (flash) {
      this.notice.ok(flash);
      flash = null;
    } else if (this.spoken && this.spoken !== language()) {
      this.notice.clear(); // said in the language the user just left
    }
    this.spoken = language();
    await loadProviders(this.api);
    const [screen, id] = this.path;
    let content;
    if (screen === "settlements") {
      content = await this.settlementsScreen(id);
    } else if (screen === "returns") {
      content = await this.returnsScreen();
    } else {
      content = await this.claimsScreen(screen === "claim" ? id : null, drawn);
    }
    if (drawn === this.drawn) {
      this.root.replaceChildren(this.tabs(screen === "settlements" || screen === "returns" ? screen : "queue"), this.notice.element, content);
    }
    return this.root;
  }

  tabs(current) {
    const tab = (href, key, name) =>
      h("a", { href, class: current === name ? "tab current" : "tab", "aria-current": current === name ? "page" : null, "data-testid": `tab-${name}` }, t(key));
    return h(
      "nav",
      { class: "tabs", "aria-label": t("audit.tabs") },
      tab("#/audit", "audit.tab.queue", "queue"),
      tab("#/audit/settlements", "audit.tab.settlements", "settlements"),
      tab("#/audit/returns", "audit.tab.returns", "returns"),
    );
  }

  failed(answer) {
    return h("p", { class: "notice error", role: "alert" }, problem(answer));
  }

  // ------------------------------------------------------------ the queue

  async claimsScreen(claimId, drawn) {
    const [queue, detail] = await Promise.all([this.queue(claimId), claimId ? this.claimCase(claimId, drawn) : h("p", { class: "panel pick" }, t("audit.pick"))]);
    const layout = split(queue, detail);
    layout.classList.toggle("has-case", Boolean(claimId));
    return layout;
  }

  async queue(selectedId) {
    const query = this.query;
    const sort = query.get("sort") ?? "";
    const page = Number(query.get("page")) || 1;
    const asked = { sort: sort || "queue", per_page: QUEUE_PAGE, page };
    for (const [name, param] of [
      ["status", "status"],
      ["flag", "flag"],
      ["provider", "provider_code"],
    ]) {
      if (query.get(name)) {
        asked[param] = query.get(name);
      }
    }
    const answer = await this.api.get("/api/claims", asked);
    const filters = this.queueFilters();
    if (answer.kind !== OK) {
      return h("div", {}, filters, this.failed(answer));
    }
    const search = query.toString();
    const link = (id) => `#/audit/claim/${id}${search ? `?${search}` : ""}`;
    const columns = [
      {
        key: "created",
        label: t("audit.col.claim"),
        value: (claim) => claim.id,
        cell: (claim) => [h("a", { href: link(claim.id), "data-testid": "open-claim" }, claimNo(claim.id)), h("small", {}, t("audit.submitted", { date: localDay(claim.created_at) }))],
      },
      { key: "provider", label: t("audit.col.provider"), value: (claim) => providerName(claim.provider_code) },
      {
        key: "flags",
        label: t("audit.col.flags"),
        cell: (claim) =>
          claim.flags.length
            ? h(
                "ul",
                { class: "flag-names" },
                [...new Set(claim.flags.map((flag) => flag.code))].map((code) => h("li", { "data-flag": code }, flagName(code))),
              )
            : t("audit.noFlagsShort"),
      },
      { key: "amount", label: t("audit.col.amount"), numeric: true, value: (claim) => Number(claim.amount), cell: (claim) => yuan(claim.amount) },
      { key: "status", label: t("audit.col.status"), cell: (claim) => statusBadge(claim.status) },
    ];
    const table = answer.body.items.length
      ? sortedTable({
          testId: "claim-queue",
          columns,
          rows: answer.body.items,
          sort,
          onSort: (next) => setQuery({ sort: next, page: "" }),
          rowAttributes: (claim) => ({
            "data-claim-id": claim.id,
            "data-status": claim.status,
            class: String(claim.id) === String(selectedId) ? "selected" : null,
            "aria-current": String(claim.id) === String(selectedId) ? "true" : null,
          }),
        })
      : h("p", { class: "empty", "data-testid": "claim-queue-empty" }, t("audit.empty"));
    // The queue's own order, said above the table (a caption would be as wide as the table, cut on a phone).
    const order = sort ? null : h("p", { class: "queue-order" }, t("audit.queueCaption"));
    return h("div", { class: "audit-queue" }, filters, order, table, pager(answer.body, (next) => setQuery({ page: next })));
  }

  queueFilters() {
    const query = this.query;
    const select = (name, label, all, options) => {
      const element = h(
        "select",
        { name, "data-filter": name },
        h("option", { value: "" }, all),
        options.map(([value, text]) => h("option", { value, selected: query.get(name) === value }, text)),
      );
      element.addEventListener("change", () => setQuery({ [name]: element.value, page: "" }));
      return h("label", {}, label, element);
    };
    const byName = [...(providers?.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name, language()));
    return h(
      "form",
      { class: "filters", "aria-label": t("audit.filters"), onsubmit: (event) => event.preventDefault() },
      select("status", t("audit.filter.status"), t("audit.filter.allStatuses"), STATUSES.map((status) => [status, t(`claim.status.${status}`)])),
      select("flag", t("audit.filter.flag"), t("audit.filter.allFlags"), FLAGS.map((code) => [code, flagName(code)])),
      select("provider", t("audit.filter.provider"), t("audit.filter.allProviders"), byName.map((provider) => [provider.code, provider.name])),
    );
  }

  // ------------------------------------------------------------ a claim's case

  async claimCase(claimId, drawn) {
    const found = await this.api.get(`/api/claims/${claimId}`);
    if (found.kind !== OK) {
      return h("div", { class: "audit-case" }, this.backToQueue(), this.failed(found));
    }
    const claim = found.body;
    const job = claim.job_id;
    const [unit, sameUnit, jobRead, events, ownScan, reused, returns] = await Promise.all([
      this.api.get(`/api/install-base/${encodeURIComponent(claim.serial)}`),
      this.api.get("/api/claims", { serial: claim.serial, per_page: 100, sort: "-created" }),
      job ? this.api.get(`/api/jobs/${job}`) : null,
      job ? this.api.get(`/api/jobs/${job}/events`) : null,
      claim.scan_id ? this.api.get(`/api/scans/${claim.scan_id}`) : null,
      this.reusedPhotos(claim),
      this.lineReturns(claim),
    ]);
    const sale = unit.kind === OK ? unit.body.sale : null;
    const [province, city] = sale ? await Promise.all([regionName(this.api, sale.province), regionName(this.api, sale.city)]) : ["", ""];
    // The job's other scans (a second try, another label) with their photos too.
    const scanIds = events?.kind === OK ? events.body.filter((event) => event.kind === "scan" && event.data?.scan_id).map((event) => event.data.scan_id) : [];
    const otherScans = await Promise.all([...new Set(scanIds)].filter((id) => id !== claim.scan_id).map((id) => this.api.get(`/api/scans/${id}`)));
    const scans = [ownScan, ...otherScans].filter((answer) => answer?.kind === OK && answer.body.photo_sha256).map((answer) => answer.body);

    const root = h(
      "article",
      { class: "audit-case", "data-testid": "claim-case", "data-claim-id": claim.id, "data-status": claim.status },
      this.backToQueue(),
      h("h2", {}, claimNo(claim.id), " ", statusBadge(claim.status)),
      this.summary(claim, jobRead?.kind === OK ? jobRead.body : null),
      this.flagList(claim, reused, drawn),
      claim.status === "pending_review" ? this.decisionForm(claim, returns) : this.linesSection(claim, returns),
      this.photoSection(scans, drawn),
      jobRead?.kind === OK ? this.visitSection(jobRead.body, drawn) : null,
      this.saleSection(unit, sale, province, city),
      this.timelineSection(jobRead, events),
      this.otherClaimsSection(claim, sameUnit),
      this.jobsSection(unit, claim),
    );
    return root;
  }

  backToQueue() {
    const search = this.query.toString();
    return h("a", { href: `#/audit${search ? `?${search}` : ""}`, class: "back back-to-queue" }, t("audit.backToQueue"));
  }

  summary(claim, job) {
    const decided = claim.status !== "pending_review";
    const awaiting = claim.status === "approved" ? awaitingCents(claim) : 0;
    // The statements that paid it: its labour's, and each part line's own.
    const paidIn = [...new Set([claim.settlement_id, ...claim.parts.map((line) => line.settlement_id)].filter(Boolean))];
    return h(
      "section",
      { class: "panel" },
      facts([
        [t("audit.provider"), providerName(claim.provider_code), "claim-provider"],
        [t("audit.unit"), `${claim.model} · ${claim.serial}`, "claim-unit"],
        job ? [t("audit.job"), job.number, "claim-job"] : null,
        job?.technician ? [t("audit.technician"), job.technician.display_name || job.technician.username] : null,
        job?.completion_summary ? [t("audit.workDone"), job.completion_summary] : null,
        job?.confirmed_by ? [t("audit.confirmedBy"), job.confirmed_by] : null,
        [t("audit.failureDate"), calendarDay(claim.failure_date)],
        [t("audit.repairDate"), calendarDay(claim.repair_date)],
        [t("audit.faultCode"), claim.fault_code],
        [t("audit.labour"), yuan(claim.labor_fee)],
        [t("audit.partsAmount"), yuan(claim.parts_amount)],
        [t("audit.amount"), yuan(claim.amount), "claim-amount"],
        claim.status === "approved" ? [t("audit.approvedAmount"), yuan(claim.approved_amount), "claim-approved"] : null,
        awaiting ? [t("audit.awaitingAmount"), yuan(amountOf(awaiting)), "claim-awaiting"] : null,
        [t("audit.submittedAt"), time(claim.created_at)],
        decided && claim.decided_at ? [t("audit.decidedAt"), time(claim.decided_at)] : null,
        decided && claim.decision_reason ? [t("audit.reason"), claim.decision_reason, "claim-reason"] : null,
        claim.status === "approved"
          ? [
              t("audit.settledIn"),
              paidIn.length
                ? h(
                    "span",
                    { class: "claim-links" },
                    paidIn.map((id) => h("a", { href: `#/audit/settlements/${id}` }, t("audit.settle.heading", { id }))),
                  )
                : t("audit.notSettled"),
            ]
          : null,
      ]),
    );
  }

  // ------------------------------------------------------------ the claim's lines and their old parts

  // The part returns each returnable line stands behind ({line id: [returns]}): the job's, and any a flag names
  // (a claim without a job owes returns that no job lists).
  async lineReturns(claim) {
    const byLine = new Map();
    if (!claim.parts.some((line) => line.return_required)) {
      return byLine;
    }
    const found = new Map();
    if (claim.job_id) {
      const answer = await this.api.get("/api/part-returns", { job_id: claim.job_id, per_page: 100 });
      for (const row of answer.kind === OK ? answer.body.items : []) {
        found.set(row.id, row);
      }
    }
    const named = new Set(claim.flags.map((flag) => flag.data?.return_id).filter((id) => Number.isInteger(id) && !found.has(id)));
    for (const answer of await Promise.all([...named].map((id) => this.api.get(`/api/part-returns/${id}`)))) {
      if (answer.kind === OK) {
        found.set(answer.body.id, answer.body);
      }
    }
    for (const row of [...found.values()].sort((a, b) => a.id - b.id)) {
      if (row.claim_line_id !== null) {
        byLine.set(row.claim_line_id, [...(byLine.get(row.claim_line_id) ?? []), row]);
      }
    }
    return byLine;
  }

  // A decided claim's lines: each with its amount, its status, the reason it was refused and its old parts.
  linesSection(claim, returns) {
    const labour = lineCard({ key: "labor", label: t("audit.line.labour"), amount: claim.labor_fee, status: claim.labor_status, reason: claim.labor_reason, settlementId: claim.settlement_id });
    const parts = claim.parts.map((line) => partCard(line, returns.get(line.id) ?? []));
    return section(t("audit.lines"), "claim-lines", h("ul", { class: "line-list" }, labour, parts));
  }

  flagList(claim, reused, drawn) {
    if (!claim.flags.length) {
      return section(t("audit.flags"), "claim-flags", h("p", { class: "clean" }, t("claims.noFlags")));
    }
    // The part an old-part flag names, by its name on the claim's line.
    const partNames = new Map(claim.parts.map((line) => [line.part_no, line.name]));
    const items = claim.flags.map((flag, index) => {
      const extra = reused.get(index);
      let data = extra?.jobNumber ? { ...flag.data, jobNumber: extra.jobNumber } : flag.data;
      if (data?.part_no !== undefined && partNames.has(data.part_no)) {
        data = { ...data, part_name: partNames.get(data.part_no) };
      }
      const other = flag.data?.claim_id;
      return h(
        "li",
        { "data-flag": flag.code },
        h("strong", {}, flagName(flag.code)),
        h("p", { class: "evidence", title: flag.message }, evidence({ ...flag, data })),
        other && flag.code === "DUPLICATE_CLAIM" ? h("a", { href: `#/audit/claim/${other}`, "data-testid": "other-claim" }, t("audit.openClaim", { id: other })) : null,
        flag.code === "PHOTO_REUSED" ? this.photoPair(claim, extra, drawn) : null,
      );
    });
    return section(t("audit.flags"), "claim-flags", h("ul", { class: "flag-list" }, items));
  }

  // For each PHOTO_REUSED flag (by its index): the other photo's scan and what it belonged to.
  async reusedPhotos(claim) {
    const found = new Map();
    await Promise.all(
      claim.flags.map(async (flag, index) => {
        if (flag.code !== "PHOTO_REUSED" || !flag.data) {
          return;
        }
        if (flag.data.claim_id !== undefined) {
          const other = await this.api.get(`/api/claims/${flag.data.claim_id}`);
          found.set(index, {
            scanId: other.kind === OK ? other.body.scan_id : null,
            label: t("audit.reused.otherClaim", { id: flag.data.claim_id }),
            claimId: flag.data.claim_id,
          });
        } else if (flag.data.other_scan_id !== undefined) {
          const scan = await this.api.get(`/api/scans/${flag.data.other_scan_id}`);
          const jobId = scan.kind === OK ? scan.body.job_id : null;
          const job = jobId ? await this.api.get(`/api/jobs/${jobId}`) : null;
          const jobNumber = job?.kind === OK ? job.body.number : null;
          found.set(index, {
            scanId: scan.kind === OK ? flag.data.other_scan_id : null,
            label: jobNumber ? t("audit.reused.otherJob", { number: jobNumber }) : t("audit.reused.otherScan"),
            jobNumber,
          });
        }
      }),
    );
    return found;
  }

  // The claim's photo and the one it copies, side by side.
  photoPair(claim, other, drawn) {
    const figures = [this.photo(claim.scan_id, t("audit.reused.this"), drawn, "this")];
    figures.push(
      other?.scanId
        ? this.photo(other.scanId, other.label, drawn, "other", other.claimId ? `#/audit/claim/${other.claimId}` : null)
        : h("p", { class: "muted" }, t("audit.reused.notFound")),
    );
    return h("div", { class: "photo-pair", "data-testid": "photo-pair" }, figures);
  }

  // A figure whose photo is fetched with the sign-in (an <img> cannot send it) and shown from a blob: URL.
  // `href`: where the caption leads (the claim the photo backs), if anywhere.
  photo(scanId, caption, drawn, role = "scan", href = null) {
    return this.fetchedImage(`/api/scans/${scanId}/photo`, caption, drawn, { "data-scan-id": scanId, "data-photo": role }, href);
  }

  fetchedImage(path, caption, drawn, attributes, href = null) {
    const image = h("img", { alt: caption, ...attributes });
    const said = h("figcaption", {}, href ? h("a", { href }, caption) : caption);
    const figure = h("figure", { class: "photo loading" }, image, said);
    const status = h("span", { class: "photo-status" }, t("audit.photoLoading"));
    figure.prepend(status);
    this.api.download(path).then((answer) => {
      if (drawn !== this.drawn) {
        return;
      }
      figure.classList.remove("loading");
      if (answer.kind !== OK || !answer.body.type.startsWith("image/")) {
        status.textContent = t("audit.photoMissing");
        image.remove();
        return;
      }
      const url = URL.createObjectURL(answer.body);
      this.photoUrls.push(url);
      image.src = url;
      status.remove();
    });
    return figure;
  }

  photoSection(scans, drawn) {
    if (!scans.length) {
      return section(t("audit.photos"), "claim-photos", h("p", { class: "muted" }, t("audit.noPhotos")));
    }
    const caption = (scan) => (scan.serial ? t("audit.photoOfScan", { when: time(scan.created_at), serial: scan.serial }) : t("audit.photoNoSerial", { when: time(scan.created_at) }));
    return section(t("audit.photos"), "claim-photos", h("div", { class: "photo-row" }, scans.map((scan) => this.photo(scan.id, caption(scan), drawn))));
  }

  // The proof of the visit: how the customer confirmed (the code right or wrong, the signature's image, the
  // reason), where the phone was (a plot of the address and the fixes), and the photos before and after.
  visitSection(job, drawn) {
    const visit = job.visit ?? {};
    const confirmation = visit.confirmation;
    const method = confirmation?.method ?? null;
    let said;
    if (method === "code") {
      said = t(confirmation.code_ok === true ? "audit.visit.codeRight" : confirmation.code_ok === false ? "audit.visit.codeWrong" : "audit.visit.codeUnchecked");
    } else if (method === "signature") {
      said = t("audit.visit.signed");
    } else if (method === "none") {
      said = t("audit.visit.none", { reason: confirmation.reason || t("audit.visit.noReason") });
    } else {
      said = t(job.completed_at || job.completion_summary ? "audit.visit.noConfirmation" : "audit.visit.notCompleted");
    }
    const signature =
      method === "signature" && confirmation.signature_sha256
        ? this.fetchedImage(`/api/jobs/${job.id}/signature`, t("audit.visit.signature"), drawn, { "data-testid": "signature-image", class: "signature-image" })
        : null;
    // The server gives the address in WGS-84, as it measures the fixes against it.
    const wgs84 = job.request?.address_wgs84;
    const address = wgs84 ? [wgs84.lat, wgs84.lng] : null;
    const fixes = visit.fixes ?? [];
    const plot = fixes.length ? visitPlot({ address, fixes }) : null;
    const photos = job.photos ?? [];
    const caption = (photo) => t("audit.visit.photoCaption", { stage: t(`audit.photoStage.${photo.stage}`), time: time(photo.taken_at) });
    return section(
      t("audit.visit.title"),
      "visit-proof",
      facts([
        [t("audit.visit.confirmation"), said, "visit-confirmation"],
        visit.completion_code_sent_at ? [t("audit.visit.codeSent"), t("audit.visit.codeSentTo", { phone: visit.completion_code_sent_to ?? "", time: time(visit.completion_code_sent_at) })] : null,
      ]),
      signature,
      h("h4", {}, t("audit.visit.positions")),
      plot ?? h("p", { class: "muted", "data-testid": "no-fixes" }, t("audit.visit.noFixes")),
      h("h4", {}, t("audit.visit.photos")),
      photos.length
        ? h(
            "div",
            { class: "photo-row", "data-testid": "evidence-photos" },
            photos.map((photo) => this.fetchedImage(`/api/jobs/${job.id}/photos/${photo.sha256}`, caption(photo), drawn, { "data-stage": photo.stage, "data-sha256": photo.sha256 })),
          )
        : h("p", { class: "muted" }, t("audit.visit.noPhotos")),
    );
  }

  saleSection(unit, sale, province, city) {
    if (!sale) {
      return section(t("audit.sale"), "sale-record", unit.kind === OK || unit.status === 404 ? h("p", { class: "warn" }, t("audit.noSale")) : this.failed(unit));
    }
    const warranty = unit.body.warranty;
    const period = (value) => (value ? t(value.active ? "audit.coveredUntil" : "audit.endedOn", { date: calendarDay(value.ends_on) }) : "");
    return section(
      t("audit.sale"),
      "sale-record",
      facts([
        [t("audit.serial"), sale.serial],
        [t("audit.model"), sale.model],
        [t("audit.saleDate"), calendarDay(sale.sale_date), "sale-date"],
        sale.store ? [t("audit.store"), sale.store] : null,
        province ? [t("audit.soldIn"), [province, city].filter(Boolean).join(" · ")] : null,
        warranty.policy ? [t("audit.wholeUnit"), period(warranty.whole_unit)] : [t("audit.wholeUnit"), t("audit.noPolicy")],
        warranty.policy ? [t("audit.mainParts"), period(warranty.main_parts)] : null,
      ]),
    );
  }

  timelineSection(jobRead, events) {
    if (!jobRead) {
      return section(t("audit.job"), "job-timeline", h("p", { class: "muted" }, t("audit.noJob")));
    }
    if (jobRead.kind !== OK || events.kind !== OK) {
      return section(t("audit.job"), "job-timeline", this.failed(jobRead.kind !== OK ? jobRead : events));
    }
    return section(
      t("audit.timeline", { number: jobRead.body.number }),
      "job-timeline",
      h(
        "ol",
        { class: "timeline" },
        events.body.map((event) =>
          h(
            "li",
            { "data-kind": event.kind },
            h("time", { datetime: event.at }, time(event.at)),
            h("strong", {}, eventText(event)),
            event.actor ? h("span", { class: "muted" }, t("audit.by", { name: event.actor })) : null,
            event.device_time ? h("span", { class: "muted" }, t("audit.phoneTime", { time: time(event.device_time) })) : null,
            event.note ? h("span", { class: "note" }, event.note) : null,
          ),
        ),
      ),
    );
  }

  otherClaimsSection(claim, sameUnit) {
    const title = t("audit.otherClaims");
    if (sameUnit.kind !== OK) {
      return section(title, "other-claims", this.failed(sameUnit));
    }
    const others = sameUnit.body.items.filter((each) => each.id !== claim.id);
    if (!others.length) {
      return section(title, "other-claims", h("p", { class: "muted" }, t("audit.noOtherClaims")));
    }
    const table = sortedTable({
      testId: "other-claims-table",
      columns: [
        { key: "claim", label: t("audit.col.claim"), cell: (each) => h("a", { href: `#/audit/claim/${each.id}` }, claimNo(each.id)) },
        { key: "provider", label: t("audit.col.provider"), cell: (each) => providerName(each.provider_code) },
        { key: "repaired", label: t("audit.col.repaired"), cell: (each) => calendarDay(each.repair_date) },
        { key: "amount", label: t("audit.col.amount"), numeric: true, cell: (each) => yuan(each.amount) },
        { key: "status", label: t("audit.col.status"), cell: (each) => statusBadge(each.status) },
      ],
      rows: others,
      rowAttributes: (each) => ({ "data-claim-id": each.id }),
    });
    return section(title, "other-claims", scrollable(table, title));
  }

  jobsSection(unit, claim) {
    if (unit.kind !== OK) {
      return null; // no sale record: the unit's jobs are not found by its serial
    }
    const title = t("audit.jobs");
    const jobs = unit.body.jobs;
    if (!jobs.length) {
      return section(title, "unit-jobs", h("p", { class: "muted" }, t("audit.noJobs")));
    }
    const table = sortedTable({
      testId: "unit-jobs-table",
      columns: [
        { key: "job", label: t("audit.col.job"), cell: (job) => [job.number, job.id === claim.job_id ? h("small", {}, t("audit.thisJob")) : null] },
        { key: "type", label: t("audit.col.type"), cell: (job) => t(`audit.jobType.${job.job_type}`) },
        { key: "provider", label: t("audit.col.provider"), cell: (job) => providerName(job.provider_code) },
        { key: "state", label: t("audit.col.state"), cell: (job) => t(`job.state.${job.state}`) },
        { key: "opened", label: t("audit.col.opened"), cell: (job) => localDay(job.created_at) },
      ],
      rows: [...jobs].reverse(), // the latest first
      rowAttributes: (job) => ({ "data-job-id": job.id }),
    });
    return section(title, "unit-jobs", scrollable(table, title));
  }

  // ------------------------------------------------------------ the decision

  // The decision: each line approved or rejected with its reason (the labour and every part line the RDC has
  // not rejected), the amount the approved lines come to, updated as the auditor chooses, and the whole claim
  // approved on those terms or rejected with a reason.
  decisionForm(claim, returns) {
    const reason = h("textarea", { name: "reason", rows: 3, maxlength: 2000, "aria-describedby": `reason-error-${claim.id}` });
    const error = h("p", { class: "field-error", id: `reason-error-${claim.id}`, "data-error-for": "reason" });
    const whole = h("p", { class: "field-error", "data-error-for": "decision", role: "alert" });
    const approved = h("strong", { "data-testid": "approved-amount" });
    const awaiting = h("span", { "data-testid": "awaiting-amount" });
    const awaitingLine = h("p", { class: "muted" }, awaiting);

    const choices = [];
    const choose = (key, label, amount, status, line = null) => {
      const name = `decide-${claim.id}-${key}`;
      const approve = h("input", { type: "radio", name, value: "approve", checked: true });
      const reject = h("input", { type: "radio", name, value: "reject" });
      const why = h("textarea", { name: `reason-${key}`, rows: 2, maxlength: 2000, "aria-describedby": `${name}-error` });
      const whyField = h("label", { class: "line-reason", hidden: true }, t("audit.line.reasonLabel"), why);
      const problem = h("p", { class: "field-error", id: `${name}-error`, "data-error-for": `line-${key}` });
      const choice = { key, line, amount: cents(amount), status, why, problem, rejected: () => reject.checked };
      const changed = () => {
        whyField.hidden = !reject.checked;
        problem.textContent = "";
        why.removeAttribute("aria-invalid");
        total();
      };
      approve.addEventListener("change", changed);
      reject.addEventListener("change", changed);
      choices.push(choice);
      return h(
        "div",
        { class: "line-choice", "data-testid": "line-choice" },
        h(
          "fieldset",
          {},
          h("legend", { class: "visually-hidden" }, t("audit.line.decisionOn", { line: label })),
          h("label", {}, approve, t("audit.line.approve")),
          h("label", {}, reject, t("audit.line.reject")),
        ),
        whyField,
        problem,
      );
    };
    const labourLabel = t("audit.line.labour");
    const cards = [
      lineCard({ key: "labor", label: labourLabel, amount: claim.labor_fee, status: claim.labor_status, control: choose("labor", labourLabel, claim.labor_fee, "pending") }),
      ...claim.parts.map((line) => {
        // The RDC's rejection of its old part is final: the line is not paid, whatever the audit says.
        const decidable = line.status === "pending" || line.status === "awaiting_return";
        const control = decidable ? choose(String(line.id), partLabel(line.name, line.part_no), line.amount, line.status, line) : null;
        return partCard(line, returns.get(line.id) ?? [], control);
      }),
    ];
    // The approved lines' sum; a part line still waiting for its old parts is paid once the RDC accepts them.
    const sums = () => {
      let now = 0;
      let later = 0;
      for (const choice of choices) {
        if (!choice.rejected()) {
          if (choice.status === "awaiting_return") {
            later += choice.amount;
          } else {
            now += choice.amount;
          }
        }
      }
      return { now, later };
    };
    const total = () => {
      const { now, later } = sums();
      approved.textContent = yuan(amountOf(now));
      awaiting.textContent = t("audit.line.awaitingSum", { amount: yuan(amountOf(later)) });
      awaitingLine.hidden = later === 0;
      whole.textContent = "";
    };
    total();

    const fail = (field, text) => {
      field.why.setAttribute("aria-invalid", "true");
      field.problem.textContent = text;
    };
    const decide = async (decision) => {
      error.textContent = "";
      whole.textContent = "";
      reason.removeAttribute("aria-invalid");
      for (const choice of choices) {
        choice.problem.textContent = "";
        choice.why.removeAttribute("aria-invalid");
      }
      const said = reason.value.trim();
      let body = { decision, reason: said };
      let sent = [];
      if (decision === "reject") {
        if (!said) {
          error.textContent = t("audit.reasonRequired");
          reason.setAttribute("aria-invalid", "true");
          reason.focus();
          return;
        }
      } else {
        const unexplained = choices.filter((choice) => choice.rejected() && !choice.why.value.trim());
        if (unexplained.length) {
          unexplained.forEach((choice) => fail(choice, t("audit.line.reasonRequired")));
          unexplained[0].why.focus();
          return;
        }
        const { now, later } = sums();
        if (now + later === 0) {
          whole.textContent = t("audit.line.allRejected");
          return;
        }
        const verdict = (choice) => ({ decision: choice.rejected() ? "reject" : "approve", reason: choice.rejected() ? choice.why.value.trim() : "" });
        sent = choices.filter((choice) => choice.line);
        body = { ...body, labor: verdict(choices[0]), lines: sent.map((choice) => ({ id: choice.line.id, ...verdict(choice) })) };
      }
      const answer = await this.api.post(`/api/claims/${claim.id}/decision`, body);
      if (answer.kind !== OK) {
        // A refusal the form can point at: the claim's reason, a line's, or every line rejected.
        const fields = answer.details?.fields ?? {};
        let shown = false;
        for (const field of Object.keys(fields)) {
          const line = field.match(/^lines\.(\d+)\.reason$/);
          if (field === "reason") {
            error.textContent = t("audit.reasonRequired");
            reason.setAttribute("aria-invalid", "true");
            shown = true;
          } else if (field === "labor.reason" || (line && sent[Number(line[1])])) {
            fail(line ? sent[Number(line[1])] : choices[0], t("audit.line.reasonRequired"));
            shown = true;
          } else if (field === "decision") {
            whole.textContent = t("audit.line.allRejected");
            shown = true;
          }
        }
        if (shown) {
          return;
        }
        this.notice.fail(answer);
        if (stale(answer)) {
          await this.render(); // decided meanwhile: the fresh state under the explanation
        }
        return;
      }
      if (decision === "reject") {
        this.notice.ok(t("audit.rejectedDone", { id: claim.id }));
      } else {
        const later = awaitingCents(answer.body);
        const params = { id: claim.id, amount: yuan(answer.body.approved_amount), later: yuan(amountOf(later)) };
        this.notice.ok(t(later ? "audit.approvedAwaitingDone" : "audit.approvedDone", params));
      }
      await this.render();
    };
    return h(
      "form",
      { class: "panel decision", "data-testid": "decision", onsubmit: (event) => event.preventDefault() },
      h("h3", {}, t("audit.decide")),
      h("p", { class: "muted" }, t("audit.line.explain")),
      h("ul", { class: "line-list" }, cards),
      h("div", { class: "approved-sum", "aria-live": "polite" }, h("p", {}, t("audit.line.approvedSum"), " ", approved), awaitingLine),
      whole,
      h("label", {}, t("audit.reasonLabel"), reason),
      error,
      h(
        "div",
        { class: "buttons" },
        action("approve", t("audit.approve"), () => decide("approve"), { class: "primary" }),
        action("reject", t("audit.reject"), () => decide("reject"), { class: "danger" }),
      ),
    );
  }

  // ------------------------------------------------------------ statements (settlements)

  async settlementsScreen(settlementId) {
    const page = Number(this.query.get("page")) || 1;
    const status = this.query.get("status") ?? "";
    const [list, chosen] = await Promise.all([
      this.api.get("/api/settlements", { per_page: SETTLEMENTS_PAGE, page, ...(status ? { status } : {}) }),
      settlementId ? this.api.get(`/api/settlements/${settlementId}`) : null,
    ]);
    const listed =
      list.kind !== OK
        ? this.failed(list)
        : list.body.items.length
          ? sortedTable({
              testId: "settlements",
              columns: [
                {
                  key: "provider",
                  label: t("audit.settle.col.provider"),
                  value: (row) => row.provider_name ?? providerName(row.provider_code),
                  cell: (row) => h("a", { href: `#/audit/settlements/${row.id}` }, row.provider_name ?? providerName(row.provider_code)),
                },
                { key: "month", label: t("audit.settle.col.month"), value: (row) => row.month, cell: (row) => monthName(row.month) },
                { key: "status", label: t("audit.settle.col.status"), value: (row) => row.status, cell: (row) => statementBadge(row.status) },
                // The net, with what was deducted from the lines' total under it: four columns fit the queue's width.
                {
                  key: "net",
                  label: t("audit.settle.col.net"),
                  numeric: true,
                  value: (row) => cents(row.net),
                  cell: (row) => [signedYuan(row.net), cents(row.deductions) ? h("small", {}, t("audit.settle.deducted", { amount: yuan(row.deductions) })) : null],
                },
              ],
              rows: list.body.items,
              sort: this.query.get("sort") ?? "",
              rowAttributes: (row) => ({ "data-settlement-id": row.id, "data-status": row.status, class: String(row.id) === String(settlementId) ? "selected" : null }),
            })
          : h("p", { class: "empty" }, t(status ? "audit.settle.noneWithStatus" : "audit.settle.none"));
    const filter = h(
      "select",
      { name: "status", "data-filter": "status" },
      h("option", { value: "" }, t("audit.settle.allStatuses")),
      STATEMENT_STATUSES.map((each) => h("option", { value: each, selected: status === each }, t(`audit.settle.status.${each}`))),
    );
    filter.addEventListener("change", () => setQuery({ status: filter.value, page: "" }));
    const queue = h(
      "div",
      { class: "audit-settlements" },
      this.settlementForm(),
      h("h2", {}, t("audit.settle.list")),
      h("form", { class: "filters", "aria-label": t("audit.settle.filters"), onsubmit: (event) => event.preventDefault() }, h("label", {}, t("audit.settle.col.status"), filter)),
      scrollable(listed, t("audit.settle.list")),
      list.kind === OK ? pager(list.body, (next) => setQuery({ page: next })) : null,
    );
    let detail = h("p", { class: "panel pick" }, t("audit.settle.pick"));
    if (chosen) {
      detail = chosen.kind === OK ? this.statement(chosen.body, await this.deductionFacts(chosen.body.deductions)) : this.failed(chosen);
    }
    const layout = split(queue, detail);
    layout.classList.toggle("has-case", Boolean(settlementId));
    return layout;
  }

  settlementForm() {
    const byName = [...(providers?.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name, language()));
    const provider = h(
      "select",
      { name: "provider", required: true },
      h("option", { value: "" }, t("audit.settle.chooseProvider")),
      byName.map((each) => h("option", { value: each.id }, each.name)),
    );
    // Last month by default: a month is settled once it is over.
    const today = new Date();
    const last = new Date(today.getFullYear(), today.getMonth() - 1, 1);
    const month = h("input", { name: "month", type: "month", required: true, value: `${last.getFullYear()}-${String(last.getMonth() + 1).padStart(2, "0")}` });
    const error = h("p", { class: "field-error", "data-error-for": "settlement" });
    const create = async () => {
      error.textContent = "";
      if (!provider.value) {
        error.textContent = t("audit.settle.needProvider");
        provider.focus();
        return;
      }
      if (!/^\d{4}-\d{2}$/.test(month.value)) {
        error.textContent = t("audit.settle.needMonth");
        month.focus();
        return;
      }
      const answer = await this.api.post("/api/settlements", { provider_id: Number(provider.value), month: month.value });
      if (answer.kind !== OK) {
        const existing = answer.code === "statement_exists" ? answer.details?.settlement_id : null;
        if (existing) {
          // One statement a provider and month: the one there is, said so.
          flash = t("audit.settle.exists");
          const there = `#/audit/settlements/${existing}`;
          if (address().base === there) {
            await this.render(); // on show already: drawn again, fresh, under the notice
          } else {
            location.hash = there;
          }
          return;
        }
        this.notice.fail(answer);
        if (answer.code === "nothing_to_settle") {
          this.notice.element.textContent = problem(answer); // nothing changed: no fresh state to tell of
        }
        return;
      }
      const made = answer.body;
      flash = t("audit.settle.created", { claims: counted("claims", made.claim_count), lines: counted("lines", made.line_count), net: signedYuan(made.net) });
      location.hash = `#/audit/settlements/${answer.body.id}`;
    };
    return h(
      "form",
      { class: "panel settle-form", "data-testid": "settle-form", onsubmit: (event) => event.preventDefault() },
      h("h2", {}, t("audit.settle.title")),
      h("label", {}, t("audit.settle.provider"), provider),
      h("label", {}, t("audit.settle.month"), month),
      error,
      action("create-settlement", t("audit.settle.create"), create, { class: "primary" }),
    );
  }

  // What each deduction names, read for its sentence: the part return a penalty is for, the later repair of a
  // repeat repair ({deduction id: {partReturn} | {claim}}).
  async deductionFacts(deductions) {
    const found = new Map();
    await Promise.all(
      deductions.map(async (deduction) => {
        if (deduction.rule === "RETURN_PENALTY" && deduction.part_return_id) {
          const answer = await this.api.get(`/api/part-returns/${deduction.part_return_id}`);
          if (answer.kind === OK) {
            found.set(deduction.id, { partReturn: answer.body });
          }
        } else if (deduction.rule === "REPEAT_REPAIR" && deduction.claim_id) {
          const answer = await this.api.get(`/api/claims/${deduction.claim_id}`);
          if (answer.kind === OK) {
            found.set(deduction.id, { claim: answer.body });
          }
        }
      }),
    );
    return found;
  }

  statement({ settlement: row, lines, deductions }, known) {
    const open = row.status === "open";
    const download = action("download-csv", t("audit.settle.download"), async () => {
      const answer = await this.api.download(`/api/settlements/${row.id}.csv`);
      if (answer.kind !== OK) {
        this.notice.fail(answer);
        return;
      }
      save(answer);
    });
    const finalise = open ? action("finalise", t("audit.settle.finalise"), () => this.finalise(row), { class: "primary" }) : null;
    return h(
      "article",
      { class: "audit-case statement", "data-testid": "settlement", "data-settlement-id": row.id, "data-status": row.status },
      h("a", { href: "#/audit/settlements", class: "back back-to-queue" }, t("audit.settle.back")),
      h("h2", {}, t("audit.settle.heading", { id: row.id }), " ", statementBadge(row.status)),
      h(
        "section",
        { class: "panel" },
        facts([
          [t("audit.provider"), row.provider_name ?? providerName(row.provider_code), "settlement-provider"],
          [t("audit.settle.month"), monthName(row.month), "settlement-month"],
          [t("audit.settle.state"), statementState(row), "settlement-state"],
          [t("audit.settle.claimCount"), String(row.claim_count), "settlement-count"],
          [t("audit.settle.lineCount"), String(row.line_count), "settlement-lines"],
          [t("audit.settle.labour"), yuan(row.labor)],
          [t("audit.settle.parts"), yuan(row.parts)],
          [t("audit.settle.total"), yuan(row.total), "settlement-total"],
          [t("audit.settle.deductions"), t("audit.settle.deductionsValue", { count: row.deduction_count, amount: yuan(row.deductions) }), "settlement-deductions"],
          [t("audit.settle.net"), h("strong", {}, signedYuan(row.net)), "settlement-net"],
          [t("audit.settle.heldBack"), t("audit.settle.heldBackValue", { claims: counted("claims", row.held_back_count), amount: yuan(row.held_back) }), "settlement-held"],
          [t("audit.settle.createdAt"), time(row.created_at)],
        ]),
        h("div", { class: "buttons" }, finalise, download),
      ),
      this.paidLines(lines),
      this.deductionList(row, deductions, known),
      open ? this.deductionForm(row) : null,
    );
  }

  paidLines(lines) {
    const title = t("audit.settle.lines");
    if (!lines.length) {
      return section(title, "settlement-lines", h("p", { class: "muted" }, t("audit.settle.noLines")));
    }
    const table = sortedTable({
      testId: "settlement-line-table",
      columns: [
        { key: "claim", label: t("audit.col.claim"), cell: (line) => h("a", { href: `#/audit/claim/${line.claim_id}` }, claimNo(line.claim_id)) },
        { key: "line", label: t("audit.settle.col.line"), cell: (line) => (line.kind === "labor" ? t("audit.line.labour") : partLabel(line.part_name, line.part_no)) },
        { key: "amount", label: t("audit.col.amount"), numeric: true, cell: (line) => yuan(line.amount) },
        { key: "qty", label: t("audit.qty"), numeric: true, cell: (line) => String(line.qty) },
        { key: "unit", label: t("audit.unit"), cell: (line) => `${line.model} · ${line.serial}` },
        { key: "repaired", label: t("audit.col.repaired"), cell: (line) => calendarDay(line.repair_date) },
      ],
      rows: lines,
      rowAttributes: (line) => ({ "data-claim-id": line.claim_id, "data-kind": line.kind, "data-line-id": line.line_id }),
    });
    return section(title, "settlement-lines", scrollable(table, title));
  }

  deductionList(row, deductions, known) {
    const title = t("audit.settle.deductionList");
    if (!deductions.length) {
      return section(title, "settlement-deductions-list", h("p", { class: "muted" }, t("audit.settle.noDeductions")));
    }
    const items = deductions.map((deduction) =>
      h(
        "li",
        {
          "data-deduction-id": deduction.id,
          "data-rule": deduction.rule,
          "data-dispute": deduction.dispute ?? "none",
          class: deduction.counts ? null : "reversed",
        },
        h(
          "div",
          { class: "line-head" },
          h("strong", {}, t(`audit.deduct.rule.${deduction.rule}`)),
          h("span", { class: "line-amount", "data-testid": "deduction-amount" }, deduction.counts ? `−${yuan(deduction.amount)}` : h("s", {}, yuan(deduction.amount))),
        ),
        h("p", { class: "evidence", "data-testid": "deduction-reason", title: deduction.rule === "MANUAL" ? null : deduction.reason }, deductionText(deduction, known.get(deduction.id))),
        deduction.month !== row.month ? h("small", {}, t("audit.deduct.arose", { month: monthName(deduction.month) })) : null,
        this.disputeOf(row, deduction),
      ),
    );
    return section(title, "settlement-deductions-list", h("ul", { class: "deduction-list" }, items));
  }

  // A deduction's dispute: the provider's reason, then the auditor's answer, or (open) the form to give it.
  disputeOf(row, deduction) {
    if (!deduction.dispute) {
      return null;
    }
    const raised = h("p", { class: "dispute", "data-testid": "dispute-reason" }, t("audit.deduct.disputed", { time: time(deduction.disputed_at), reason: deduction.dispute_reason }));
    if (deduction.dispute !== "open") {
      const answered = t(`audit.deduct.${deduction.dispute}`, { time: time(deduction.resolved_at), note: deduction.resolution_note });
      return h("div", { class: "dispute-block" }, raised, h("p", { class: "resolution", "data-testid": "dispute-resolution" }, answered));
    }
    if (row.status !== "open") {
      return h("div", { class: "dispute-block" }, raised);
    }
    const note = h("textarea", { name: "note", rows: 2, maxlength: 2000, "aria-describedby": `note-error-${deduction.id}` });
    const error = h("p", { class: "field-error", id: `note-error-${deduction.id}`, "data-error-for": "note" });
    const resolve = async (decision) => {
      error.textContent = "";
      note.removeAttribute("aria-invalid");
      if (!note.value.trim()) {
        error.textContent = t("audit.deduct.noteRequired");
        note.setAttribute("aria-invalid", "true");
        note.focus();
        return;
      }
      const answer = await this.api.post(`/api/settlements/${row.id}/deductions/${deduction.id}/resolution`, { decision, note: note.value.trim() });
      if (answer.kind !== OK) {
        if (answer.details?.fields?.note) {
          error.textContent = t("audit.deduct.noteRequired");
          note.setAttribute("aria-invalid", "true");
          return;
        }
        this.notice.fail(answer);
        if (stale(answer)) {
          await this.render();
        }
        return;
      }
      this.notice.ok(t(decision === "uphold" ? "audit.deduct.upheldDone" : "audit.deduct.reversedDone", { amount: yuan(deduction.amount) }));
      await this.render();
    };
    return h(
      "form",
      { class: "dispute-block open", "data-testid": "resolution", onsubmit: (event) => event.preventDefault() },
      raised,
      h("label", {}, t("audit.deduct.noteLabel"), note),
      error,
      h(
        "div",
        { class: "buttons" },
        action("uphold", t("audit.deduct.uphold"), () => resolve("uphold")),
        action("reverse", t("audit.deduct.reverse"), () => resolve("reverse"), { class: "danger" }),
      ),
    );
  }

  // A further amount withheld on an open statement (the MANUAL rule), with the reason the provider reads.
  deductionForm(row) {
    const amount = h("input", { name: "amount", inputmode: "decimal", autocomplete: "off", "aria-describedby": "deduction-amount-error" });
    const reason = h("textarea", { name: "reason", rows: 2, maxlength: 2000, "aria-describedby": "deduction-reason-error" });
    const amountError = h("p", { class: "field-error", id: "deduction-amount-error", "data-error-for": "amount" });
    const reasonError = h("p", { class: "field-error", id: "deduction-reason-error", "data-error-for": "reason" });
    const refuse = (field, error, text) => {
      error.textContent = text;
      field.setAttribute("aria-invalid", "true");
    };
    const add = async () => {
      for (const [field, error] of [[amount, amountError], [reason, reasonError]]) {
        error.textContent = "";
        field.removeAttribute("aria-invalid");
      }
      const typed = amount.value.trim().replace(/^¥/, "");
      const valid = /^\d{1,10}(\.\d{1,2})?$/.test(typed) && cents(typed) > 0;
      if (!valid) {
        refuse(amount, amountError, t("audit.deduct.amountRequired"));
      }
      if (!reason.value.trim()) {
        refuse(reason, reasonError, t("audit.deduct.reasonRequired"));
      }
      if (!valid || !reason.value.trim()) {
        (valid ? reason : amount).focus();
        return;
      }
      const answer = await this.api.post(`/api/settlements/${row.id}/deductions`, { amount: amountOf(cents(typed)), reason: reason.value.trim() });
      if (answer.kind !== OK) {
        const fields = answer.details?.fields ?? {};
        if (fields.amount || fields.reason) {
          if (fields.amount) {
            refuse(amount, amountError, t("audit.deduct.amountRequired"));
          }
          if (fields.reason) {
            refuse(reason, reasonError, t("audit.deduct.reasonRequired"));
          }
          return;
        }
        this.notice.fail(answer);
        if (stale(answer)) {
          await this.render();
        }
        return;
      }
      this.notice.ok(t("audit.deduct.added", { amount: yuan(answer.body.amount) }));
      await this.render();
    };
    return h(
      "form",
      { class: "panel deduction-form", "data-testid": "deduction-form", onsubmit: (event) => event.preventDefault() },
      h("h3", {}, t("audit.deduct.addTitle")),
      h("label", {}, t("audit.deduct.amountLabel"), amount),
      amountError,
      h("label", {}, t("audit.deduct.reasonLabel"), reason),
      reasonError,
      action("add-deduction", t("audit.deduct.add"), add),
    );
  }

  // Final: its pay credited and its deductions withheld. Refused while a dispute waits for an answer or the
  // provider may still raise one; the refusal says until when.
  async finalise(row) {
    const answer = await this.api.post(`/api/settlements/${row.id}/finalisation`, {});
    if (answer.kind !== OK) {
      this.notice.fail(answer);
      if (answer.code === "dispute_window_open") {
        this.notice.element.textContent = t("error.dispute_window_open", { date: time(answer.details?.dispute_until ?? row.dispute_until) });
        return;
      }
      if (stale(answer)) {
        await this.render();
      }
      return;
    }
    this.notice.ok(t("audit.settle.finalised", { net: signedYuan(answer.body.net) }));
    await this.render();
  }

  // ------------------------------------------------------------ old parts owed to the RDCs

  async returnsScreen() {
    const query = this.query;
    const status = query.get("status") || "overdue";
    const page = Number(query.get("page")) || 1;
    const asked = { per_page: RETURNS_PAGE, page };
    if (status !== "all") {
      asked.status = status;
    }
    if (query.get("provider")) {
      asked.provider_code = query.get("provider");
    }
    const answer = await this.api.get("/api/part-returns", asked);
    const select = (name, label, options, chosen) => {
      const element = h("select", { name, "data-filter": name }, options.map(([value, text]) => h("option", { value, selected: chosen === value }, text)));
      element.addEventListener("change", () => setQuery({ [name]: element.value, page: "" }));
      return h("label", {}, label, element);
    };
    const byName = [...(providers?.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name, language()));
    const filters = h(
      "form",
      { class: "filters", "aria-label": t("audit.returns.filters"), onsubmit: (event) => event.preventDefault() },
      select(
        "status",
        t("audit.filter.status"),
        [...RETURN_STATUSES.map((each) => [each, t(`audit.returns.show.${each}`)]), ["all", t("audit.returns.show.all")]],
        status,
      ),
      select("provider", t("audit.filter.provider"), [["", t("audit.filter.allProviders")], ...byName.map((each) => [each.code, each.name])], query.get("provider") ?? ""),
    );
    if (answer.kind !== OK) {
      return h("div", { class: "audit-returns" }, filters, this.failed(answer));
    }
    const title = t("audit.returns.title");
    const table = answer.body.items.length
      ? scrollable(
          sortedTable({
            testId: "part-returns",
            columns: [
              { key: "number", label: t("audit.returns.col.number"), cell: (row) => h("strong", {}, row.number) },
              { key: "state", label: t("audit.col.state"), cell: (row) => h("span", { class: row.overdue || row.status === "rejected" ? "warn" : null }, returnStateShort(row)) },
              { key: "due", label: t("audit.returns.col.due"), cell: (row) => localDay(row.due_at) },
              { key: "part", label: t("audit.partNo"), cell: (row) => partLabel(row.part_name, row.part_no) },
              { key: "provider", label: t("audit.col.provider"), cell: (row) => row.provider_name },
              { key: "serial", label: t("audit.returns.col.oldSerial"), cell: (row) => row.old_serial ?? h("span", { class: "warn" }, t("audit.returns.none")) },
              { key: "job", label: t("audit.col.job"), cell: (row) => row.job_number ?? "—" },
              { key: "rdc", label: t("audit.returns.col.rdc"), cell: (row) => row.province_name },
            ],
            rows: answer.body.items,
            rowAttributes: (row) => ({ "data-return-id": row.id, "data-status": row.status }),
          }),
          title,
        )
      : h("p", { class: "empty", "data-testid": "part-returns-empty" }, t("audit.returns.empty"));
    return h(
      "div",
      { class: "audit-returns" },
      h("h2", {}, title),
      filters,
      table,
      pager(answer.body, (next) => setQuery({ page: next })),
    );
  }
}

// "1 claim", "3 claims": a count with its noun (audit.count.<noun>.one / .other).
function counted(noun, count) {
  return t(`audit.count.${noun}.${count === 1 ? "one" : "other"}`, { count });
}

function statementBadge(status) {
  return h("span", { class: `state statement-${status}`, "data-testid": "statement-status", "data-status": status }, t(`audit.settle.status.${status}`));
}

// Where a statement stands: open for disputes until when, accepted by the provider, the window passed, or final.
function statementState(row) {
  if (row.status === "final") {
    return t("audit.settle.finalSince", { time: time(row.finalised_at) });
  }
  if (row.accepted_at) {
    return t("audit.settle.accepted", { time: time(row.accepted_at) });
  }
  if (row.dispute_until && Date.parse(row.dispute_until) > Date.now()) {
    return t("audit.settle.disputableUntil", { time: time(row.dispute_until) });
  }
  return t("audit.settle.windowPassed", { time: time(row.dispute_until) });
}

// A deduction's reason in the user's language, from what it names (the server's English sentence is its
// title); a manual one is the auditor's own words.
function deductionText(deduction, known) {
  switch (deduction.rule) {
    case "RETURN_PENALTY": {
      const row = known?.partReturn;
      if (!row) {
        return t("audit.deduct.returnPenalty");
      }
      const params = { part: partLabel(row.part_name, row.part_no), number: row.number, province: row.province_name, due: localDay(row.due_at) };
      if (row.status === "rejected") {
        return t("audit.deduct.returnRejected", { ...params, result: returnResult(row.result ?? "") });
      }
      return row.received_at ? t("audit.deduct.returnLateArrived", { ...params, arrived: localDay(row.received_at) }) : t("audit.deduct.returnLate", params);
    }
    case "COMPLAINT_DEDUCTION":
      return t("audit.deduct.complaint");
    case "REPEAT_REPAIR": {
      const claim = known?.claim;
      return claim ? t("audit.deduct.repeat", { serial: claim.serial, date: calendarDay(claim.repair_date), claim: claim.id }) : t("audit.deduct.repeatPlain");
    }
    default:
      return deduction.reason;
  }
}

// What happened, in the user's language: the step's name, with the provider, serial or stage it names.
function eventText(event) {
  const data = event.data ?? {};
  switch (event.kind) {
    case "dispatched":
    case "redispatched":
      return t(`audit.event.${event.kind}`, { provider: providerName(data.provider) });
    case "scan":
      return data.serial ? t("audit.event.scan", { serial: data.serial }) : t("audit.event.scanNoSerial");
    case "overdue":
      return t("audit.event.overdue", { stage: t(`audit.stage.${data.stage}`) });
    default: {
      const key = `audit.event.${event.kind}`;
      const text = t(key);
      return text === key ? t("audit.event.other", { state: t(`job.state.${event.to_state}`) }) : text;
    }
  }
}
