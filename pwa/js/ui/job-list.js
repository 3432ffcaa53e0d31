// The technician's jobs, from what the device holds: it opens the same with or without signal. Each shows its
// appointment (or the customer's preferred window) and the next SLA deadline; the list sorts by either,
// filters by state and searches job number, customer, the phone number's last digits and serial, all offline.
// Pulled down from the top, it syncs (pull-to-refresh).

import { t, when } from "../i18n/index.js";
import { all } from "../store.js";
import { h } from "./dom.js";

const OPEN = new Set(["new", "dispatched", "accepted", "en_route", "on_site", "waiting_parts"]);
const STAGES = [
  ["contact", "contacted_at"],
  ["arrive", "arrived_at"],
  ["complete", "completed_at"],
];
// The state filter's choices: every open state, or the jobs done.
export const FILTERS = ["all", "open", "dispatched", "accepted", "en_route", "on_site", "waiting_parts", "done"];
export const SORTS = ["appointment", "deadline"];
// How far the list is pulled down before letting go syncs, in CSS pixels.
const PULL_PX = 70;

// The first SLA stage not reached yet, as {stage, due, overdue}; null when none is left (or the job ended).
export function nextDue(job, now = Date.now()) {
  if (!OPEN.has(job.state) || job.declined) {
    return null;
  }
  for (const [stage, reached] of STAGES) {
    const due = job.sla?.[`${stage}_due_at`];
    if (due && !job.sla?.[reached]) {
      return { stage, due, overdue: Date.parse(due) < now };
    }
  }
  return null;
}

// "Appointment 6 Dec 14:30", or the customer's preferred window, or null.
export function appointmentText(job) {
  if (job.appointment_at) {
    return t("jobs.appointment", { when: when(job.appointment_at) });
  }
  const { preferred_start: start, preferred_end: end } = job.request ?? {};
  if (start) {
    return t("jobs.window", { from: when(start), to: end ? when(end) : "…" });
  }
  return null;
}

// The dialer's address of a call to the job's customer through the relay (隐私号): the relay's number, a pause
// (","), then the job's extension, keyed as tones once the relay answers. Null without a relay: the customer's
// own number never reaches the app in full, so there is nothing else to dial.
export function callHref(call) {
  const number = String(call?.number ?? "").replace(/[^\d+]/g, "");
  const extension = String(call?.extension ?? "").replace(/\D/g, "");
  return number && extension ? `tel:${number},${extension}` : null;
}

export function dueText(due) {
  return t(due.overdue ? `jobs.overdue.${due.stage}` : `jobs.due.${due.stage}`, { when: when(due.due) });
}

const digits = (text) => String(text ?? "").replace(/\D/g, "");

// Whether `job` answers the search `query`: its number, customer, serial, or the last digits of the phone.
export function found(job, query) {
  const q = query.trim().toLowerCase();
  if (!q) {
    return true;
  }
  const request = job.request ?? {};
  const texts = [job.number, request.customer_name, request.serial, job.scanned_serial, request.address];
  if (texts.some((text) => String(text ?? "").toLowerCase().includes(q))) {
    return true;
  }
  const tail = digits(q);
  return tail.length >= 3 && tail === q.replace(/[\s-]/g, "") && digits(request.customer_phone).endsWith(tail);
}

function passes(job, filter) {
  if (filter === "all") {
    return true;
  }
  const open = OPEN.has(job.state) && !job.declined;
  if (filter === "open") {
    return open;
  }
  if (filter === "done") {
    return !open;
  }
  return open && job.state === filter;
}

// The moment a job is sorted by: its appointment, or its next deadline (either first as `sort` says); those
// with neither last.
function sortKey(job, sort) {
  const due = nextDue(job)?.due ?? null;
  const first = sort === "deadline" ? (due ?? job.appointment_at) : (job.appointment_at ?? due);
  return Date.parse(first ?? job.created_at ?? "") || Number.MAX_SAFE_INTEGER;
}

function localDay(iso) {
  return iso ? new Date(iso).toDateString() : null;
}

// What the list was showing, kept while the app is open: back from a job, the same filter and search.
const shown = { filter: "all", sort: "appointment", query: "" };

export class JobList {
  // `onRefresh()`: a sync round, resolving when it is over (pull-to-refresh).
  constructor({ db, onRefresh = async () => {} }) {
    this.db = db;
    this.onRefresh = onRefresh;
    this.root = h("section", { class: "job-list", "data-testid": "job-list" });
    this.pull = h("div", { class: "pull", "data-testid": "pull", "aria-live": "polite", hidden: true });
    this.results = h("div", { class: "results" });
    this.search = h("input", {
      type: "search",
      name: "q",
      "data-testid": "job-search",
      "aria-label": t("jobs.search"),
      placeholder: t("jobs.searchHint"),
      value: shown.query,
      oninput: () => {
        shown.query = this.search.value;
        this.drawResults();
      },
    });
    this.filter = this.choice("filter", FILTERS, "jobs.filter");
    this.sort = this.choice("sort", SORTS, "jobs.sort");
    this.jobs = [];
    this.listenForPull();
  }

  choice(name, values, prefix) {
    const select = h(
      "select",
      { name, "data-testid": `job-${name}`, onchange: () => ((shown[name] = select.value), this.drawResults()) },
      values.map((value) => h("option", { value, selected: shown[name] === value }, t(`${prefix}.${value}`))),
    );
    return h("label", {}, t(`${prefix}.label`), select);
  }

  async render() {
    this.jobs = (await all(this.db, "job")).map((held) => ({ ...held.data, pending: held.pending ?? 0 }));
    this.drawResults();
    this.root.replaceChildren(
      this.pull,
      h("h1", {}, t("jobs.title")),
      h("div", { class: "list-tools" }, h("label", { class: "search" }, t("jobs.search"), this.search), this.filter, this.sort),
      this.results,
    );
    return this.root;
  }

  drawResults() {
    const today = new Date().toDateString();
    const jobs = this.jobs.filter((job) => passes(job, shown.filter) && found(job, shown.query));
    jobs.sort((a, b) => sortKey(a, shown.sort) - sortKey(b, shown.sort));
    const open = jobs.filter((job) => OPEN.has(job.state) && !job.declined);
    const isToday = (job) => localDay(job.appointment_at ?? nextDue(job)?.due) === today;
    const groups = [
      ["jobs.today", open.filter(isToday)],
      ["jobs.upcoming", open.filter((job) => !isToday(job))],
      ["jobs.done", jobs.filter((job) => !open.includes(job)).reverse()],
    ];
    const sections = groups
      .filter(([, items]) => items.length)
      .map(([title, items]) => h("section", {}, h("h2", {}, t(title)), h("ul", {}, items.map((job) => this.item(job)))));
    const empty = this.jobs.length ? t("jobs.noMatch") : t("jobs.empty");
    this.results.replaceChildren(
      h("p", { class: "count", "data-testid": "job-count", "aria-live": "polite" }, t("jobs.count", { count: jobs.length })),
      ...(sections.length ? sections : [h("p", { class: "empty" }, empty)]),
    );
  }

  item(job) {
    const request = job.request ?? {};
    const due = nextDue(job);
    const appointment = appointmentText(job);
    return h(
      "li",
      { dataset: { jobId: job.id, state: job.state } },
      h(
        "a",
        { href: `#/jobs/${job.id}` },
        h("span", { class: `state state-${job.state}` }, job.declined ? t("job.declinedState") : t(`job.state.${job.state}`)),
        h("strong", {}, job.number),
        // Out of warranty: the technician quotes before the repair and collects the money.
        job.job_type === "paid" ? h("span", { class: "paid-mark", "data-testid": "paid-mark" }, t("jobs.paid")) : null,
        h("span", {}, `${request.customer_name ?? ""} · ${request.model ?? ""}`),
        h("span", { class: "address" }, request.address ?? ""),
        appointment ? h("span", { class: "appointment", "data-testid": "appointment" }, appointment) : null,
        due ? h("span", { class: due.overdue ? "due overdue" : "due", "data-testid": "due" }, dueText(due)) : null,
        job.pending ? h("span", { class: "pending-mark" }, t("job.pendingSync")) : null,
      ),
    );
  }

  // Pull-to-refresh: a touch that starts at the top of the page and moves down PULL_PX syncs when let go.
  listenForPull() {
    let startY = null;
    let pulled = 0;
    let busy = false;
    this.root.addEventListener(
      "touchstart",
      (event) => {
        startY = globalThis.scrollY <= 0 && !busy ? event.touches[0].clientY : null;
        pulled = 0;
      },
      { passive: true },
    );
    this.root.addEventListener(
      "touchmove",
      (event) => {
        if (startY === null) {
          return;
        }
        pulled = event.touches[0].clientY - startY;
        this.pull.hidden = pulled < PULL_PX / 3;
        this.pull.textContent = pulled >= PULL_PX ? t("jobs.release") : t("jobs.pull");
      },
      { passive: true },
    );
    this.root.addEventListener("touchend", async () => {
      if (startY === null) {
        return;
      }
      startY = null;
      if (pulled < PULL_PX) {
        this.pull.hidden = true;
        return;
      }
      busy = true;
      this.pull.hidden = false;
      this.pull.textContent = t("jobs.refreshing");
      try {
        await this.onRefresh();
      } finally {
        busy = false;
        this.pull.hidden = true;
      }
      await this.render();
    });
  }
}
