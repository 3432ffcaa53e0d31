// The auditor's desk (索赔审核): the queue of warranty claims (waiting for audit first, the longest waiting
// first), a claim's case with every flag worded in the auditor's language beside the evidence behind it (the
// sale record, the unit's other claims and jobs, the job's timeline, the label photos, and a reused photo
// beside the one it copies), the decision, and the providers' monthly settlements with their CSV.
//
// Addresses: #/audit (the queue), #/audit/claim/<id> (the queue and a claim), #/audit/settlements and
// #/audit/settlements/<id>. The queue's filters, sort and page live in the address.

import { addStrings, language } from "../i18n/index.js";
import strings from "./audit-strings.js";
import { OK, action, h, notice, problem, setQuery, sortedTable, split, stale, t, time, useStyles, yuan } from "./kit.js";
import { save } from "../ui/dom.js";
import { distanceText, visitPlot } from "./visit-map.js";

addStrings(strings);

const FLAGS = [
  "UNKNOWN_SERIAL",
  "SERIAL_FORMAT",
  "MODEL_MISMATCH",
  "BEFORE_SALE",
  "OUT_OF_WARRANTY",
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
];
const STATUSES = ["pending_review", "approved", "rejected"];
const QUEUE_PAGE = 25;
const SETTLEMENTS_PAGE = 20;

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
      return visitEvidence(flag, data, words) ?? flag.message;
  }
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
    }
    await loadProviders(this.api);
    const [screen, id] = this.path;
    const content = screen === "settlements" ? await this.settlementsScreen(id) : await this.claimsScreen(screen === "claim" ? id : null, drawn);
    if (drawn === this.drawn) {
      this.root.replaceChildren(this.tabs(screen === "settlements" ? "settlements" : "queue"), this.notice.element, content);
    }
    return this.root;
  }

  tabs(current) {
    const tab = (href, key, name) =>
      h("a", { href, class: current === name ? "tab current" : "tab", "aria-current": current === name ? "page" : null, "data-testid": `tab-${name}` }, t(key));
    return h("nav", { class: "tabs", "aria-label": t("audit.tabs") }, tab("#/audit", "audit.tab.queue", "queue"), tab("#/audit/settlements", "audit.tab.settlements", "settlements"));
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
    const [unit, sameUnit, jobRead, events, ownScan, reused] = await Promise.all([
      this.api.get(`/api/install-base/${encodeURIComponent(claim.serial)}`),
      this.api.get("/api/claims", { serial: claim.serial, per_page: 100, sort: "-created" }),
      job ? this.api.get(`/api/jobs/${job}`) : null,
      job ? this.api.get(`/api/jobs/${job}/events`) : null,
      claim.scan_id ? this.api.get(`/api/scans/${claim.scan_id}`) : null,
      this.reusedPhotos(claim),
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
      claim.status === "pending_review" ? this.decisionForm(claim) : null,
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
        [t("audit.submittedAt"), time(claim.created_at)],
        decided && claim.decided_at ? [t("audit.decidedAt"), time(claim.decided_at)] : null,
        decided && claim.decision_reason ? [t("audit.reason"), claim.decision_reason, "claim-reason"] : null,
        claim.status === "approved"
          ? [
              t("audit.settledIn"),
              claim.settlement_id ? h("a", { href: `#/audit/settlements/${claim.settlement_id}` }, t("audit.settle.heading", { id: claim.settlement_id })) : t("audit.notSettled"),
            ]
          : null,
      ]),
      claim.parts.length
        ? h(
            "div",
            { class: "table-scroll", tabindex: 0, role: "region", "aria-label": t("audit.partsClaimed") },
            h(
              "table",
              { class: "desk-table", "data-testid": "claim-parts" },
              h("thead", {}, h("tr", {}, [t("audit.partNo"), t("audit.qty"), t("audit.unitPrice")].map((title, index) => h("th", { scope: "col", class: index ? "num" : null }, title)))),
              h(
                "tbody",
                {},
                claim.parts.map((line) => h("tr", {}, h("td", {}, line.part_no), h("td", { class: "num" }, String(line.qty)), h("td", { class: "num" }, yuan(line.unit_price)))),
              ),
            ),
          )
        : h("p", { class: "muted" }, t("audit.noParts")),
    );
  }

  flagList(claim, reused, drawn) {
    if (!claim.flags.length) {
      return section(t("audit.flags"), "claim-flags", h("p", { class: "clean" }, t("claims.noFlags")));
    }
    const items = claim.flags.map((flag, index) => {
      const extra = reused.get(index);
      const data = extra?.jobNumber ? { ...flag.data, jobNumber: extra.jobNumber } : flag.data;
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

  decisionForm(claim) {
    const reason = h("textarea", { name: "reason", rows: 3, maxlength: 2000, "aria-describedby": `reason-error-${claim.id}` });
    const error = h("p", { class: "field-error", id: `reason-error-${claim.id}`, "data-error-for": "reason" });
    const decide = async (decision) => {
      error.textContent = "";
      reason.removeAttribute("aria-invalid");
      const said = reason.value.trim();
      if (decision === "reject" && !said) {
        error.textContent = t("audit.reasonRequired");
        reason.setAttribute("aria-invalid", "true");
        reason.focus();
        return;
      }
      const answer = await this.api.post(`/api/claims/${claim.id}/decision`, { decision, reason: said });
      if (answer.kind !== OK) {
        if (answer.details?.fields?.reason) {
          error.textContent = t("audit.reasonRequired");
          reason.setAttribute("aria-invalid", "true");
          return;
        }
        this.notice.fail(answer);
        if (stale(answer)) {
          await this.render(); // decided meanwhile: the fresh state under the explanation
        }
        return;
      }
      this.notice.ok(t(decision === "approve" ? "audit.approvedDone" : "audit.rejectedDone", { id: claim.id }));
      await this.render();
    };
    return h(
      "form",
      { class: "panel decision", "data-testid": "decision", onsubmit: (event) => event.preventDefault() },
      h("h3", {}, t("audit.decide")),
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

  // ------------------------------------------------------------ settlements

  async settlementsScreen(settlementId) {
    const page = Number(this.query.get("page")) || 1;
    const [list, chosen] = await Promise.all([
      this.api.get("/api/settlements", { per_page: SETTLEMENTS_PAGE, page }),
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
                  value: (row) => providerName(row.provider_code),
                  cell: (row) => h("a", { href: `#/audit/settlements/${row.id}` }, providerName(row.provider_code)),
                },
                { key: "month", label: t("audit.settle.col.month"), value: (row) => row.month, cell: (row) => monthName(row.month) },
                { key: "claims", label: t("audit.settle.col.claims"), numeric: true, value: (row) => row.claim_count },
                { key: "total", label: t("audit.settle.col.total"), numeric: true, value: (row) => Number(row.total), cell: (row) => yuan(row.total) },
              ],
              rows: list.body.items,
              sort: this.query.get("sort") ?? "",
              rowAttributes: (row) => ({ "data-settlement-id": row.id, class: String(row.id) === String(settlementId) ? "selected" : null }),
            })
          : h("p", { class: "empty" }, t("audit.settle.none"));
    const queue = h(
      "div",
      { class: "audit-settlements" },
      this.settlementForm(),
      h("h2", {}, t("audit.settle.list")),
      listed,
      list.kind === OK ? pager(list.body, (next) => setQuery({ page: next })) : null,
    );
    let detail = h("p", { class: "panel pick" }, t("audit.settle.pick"));
    if (chosen) {
      detail = chosen.kind === OK ? this.settlement(chosen.body) : this.failed(chosen);
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
        this.notice.fail(answer);
        if (answer.code === "nothing_to_settle") {
          this.notice.element.textContent = problem(answer); // nothing changed: no fresh state to tell of
        }
        return;
      }
      flash = t("audit.settle.created", { count: answer.body.claim_count, total: yuan(answer.body.total) });
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

  settlement(statement) {
    const download = action("download-csv", t("audit.settle.download"), async () => {
      const answer = await this.api.download(`/api/settlements/${statement.id}.csv`);
      if (answer.kind !== OK) {
        this.notice.fail(answer);
        return;
      }
      save(answer);
    });
    return h(
      "article",
      { class: "audit-case", "data-testid": "settlement", "data-settlement-id": statement.id },
      h("a", { href: "#/audit/settlements", class: "back back-to-queue" }, t("audit.backToQueue")),
      h("h2", {}, t("audit.settle.heading", { id: statement.id })),
      h(
        "section",
        { class: "panel" },
        facts([
          [t("audit.provider"), providerName(statement.provider_code), "settlement-provider"],
          [t("audit.settle.month"), monthName(statement.month), "settlement-month"],
          [t("audit.settle.claimCount"), String(statement.claim_count), "settlement-count"],
          [t("audit.settle.labour"), yuan(statement.labor)],
          [t("audit.settle.parts"), yuan(statement.parts)],
          [t("audit.settle.total"), yuan(statement.total), "settlement-total"],
          [t("audit.settle.heldBack"), t("audit.settle.heldBackValue", { count: statement.held_back_count, amount: yuan(statement.held_back) })],
          [t("audit.settle.createdAt"), time(statement.created_at)],
        ]),
        download,
      ),
      section(
        t("audit.settle.claims"),
        "settlement-claims",
        h(
          "ul",
          { class: "claim-links" },
          statement.claim_ids.map((id) => h("li", { "data-claim-id": id }, h("a", { href: `#/audit/claim/${id}` }, claimNo(id)))),
        ),
      ),
    );
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
