// The dispatcher's board as rules, apart from drawing it (tests/pwa/dispatch.test.mjs runs them in Node): the
// SLA clock of a job, the board's views and orders as the server's list takes them, why a provider is
// suggested, and what a phone had entered in an op the server did not apply.

export const OPEN_STATES = ["new", "dispatched", "accepted", "en_route", "on_site", "waiting_parts"];
export const STATES = [...OPEN_STATES, "completed", "closed", "cancelled"];
export const STAGES = ["contact", "arrive", "complete"];
const REACHED = { contact: "contacted_at", arrive: "arrived_at", complete: "completed_at" };

// The board's views (`show` in the address): the jobs waiting for dispatch by default, all open ones, every
// job, or one state.
export const VIEWS = ["waiting", "open", "all", ...STATES];
// The columns the board sorts by (`sort` in the address, "-" for the other way): the server orders the whole
// list the same way, so a page holds the first jobs of the order, not a page's jobs reordered.
export const SORTS = ["number", "due", "created"];
export const PAGE_SIZE = 50;

// The deadline a job is working towards: the stage after the last one reached (a technician who arrived
// without recording the contact runs to completion), as the server's list orders it (queries.next_deadline).
// {stage, due, left (ms, negative once overdue), late}, or null for a job completed or ended.
export function clock(job, now = Date.now()) {
  const sla = job.sla ?? {};
  if (!OPEN_STATES.includes(job.state) || sla.completed_at) {
    return null;
  }
  const stage = sla.arrived_at ? "complete" : sla.contacted_at ? "arrive" : "contact";
  const due = sla[`${stage}_due_at`];
  if (!due) {
    return null;
  }
  const left = Date.parse(due) - now;
  return { stage, due, left, late: left < 0 };
}

// Each stage of a job's SLA: its deadline, when it was reached, and whether it was missed (reached after the
// deadline, or not reached with the deadline past while the job is open).
export function stages(job, now = Date.now()) {
  const sla = job.sla ?? {};
  return STAGES.map((stage) => {
    const due = sla[`${stage}_due_at`] ?? null;
    const reached = sla[REACHED[stage]] ?? null;
    const open = OPEN_STATES.includes(job.state);
    const missed = due !== null && (reached ? Date.parse(reached) > Date.parse(due) : open && Date.parse(due) < now);
    return { stage, due, reached, missed };
  });
}

// Late or escalated, and still open: the jobs the board puts first.
export function urgent(job, now = Date.now()) {
  return Boolean(clock(job, now)?.late || (job.escalated_at && OPEN_STATES.includes(job.state)));
}

// A span of milliseconds in its two largest units: {days, hours}, {hours, minutes} or {minutes}.
export function span(ms) {
  const total = Math.floor(Math.abs(ms) / 60_000);
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const minutes = total % 60;
  if (days) {
    return { days, hours };
  }
  if (hours) {
    return { hours, minutes };
  }
  return { minutes };
}

// The address's filters and sort → the query of GET /api/jobs. `national`: the caller sees every province
// (an admin, a dispatcher without one) and may narrow the board to one.
export function boardQuery(query, { national = false } = {}) {
  const show = VIEWS.includes(query.get("show")) ? query.get("show") : "waiting";
  const asked = { per_page: PAGE_SIZE, page: Math.max(1, Number.parseInt(query.get("page"), 10) || 1) };
  const states = show === "waiting" ? ["new", "dispatched"] : show === "open" ? OPEN_STATES : show === "all" ? [] : [show];
  const params = new URLSearchParams();
  for (const state of states) {
    params.append("state", state);
  }
  if (show === "waiting") {
    params.set("unassigned", "true");
  }
  if (query.get("overdue") === "1") {
    params.set("overdue", "true");
  }
  if (national && query.get("province")) {
    params.set("province_code", query.get("province"));
  }
  params.set("order", serverOrder(query.get("sort")));
  params.set("per_page", String(asked.per_page));
  params.set("page", String(asked.page));
  return params;
}

// The table's sort ("due", "-created") → the server's order; none: late and escalated first.
export function serverOrder(sort) {
  const key = (sort ?? "").replace(/^-/, "");
  return SORTS.includes(key) ? sort : "urgent";
}

// Why a provider is suggested, in order: [key, params] for the desk's strings (dispatch.why.*).
export function reasons(suggestion, index) {
  const said = [];
  if (index === 0) {
    said.push(["dispatch.why.first", {}]);
  }
  if (suggestion.technicians === 0) {
    said.push(["dispatch.why.noStaff", {}]);
  } else {
    said.push(["dispatch.why.load", { technicians: suggestion.technicians, jobs: suggestion.open_jobs, load: suggestion.load_per_technician.toFixed(1) }]);
  }
  if (suggestion.sla_rate === null || suggestion.sla_rate === undefined) {
    said.push(["dispatch.why.noRecord", {}]);
  } else {
    said.push(["dispatch.why.record", { percent: Math.round(suggestion.sla_rate * 100), jobs: suggestion.completed_recently }]);
  }
  return said;
}

// What a phone had entered in an op: [[label key, value, kind]] where kind says how to show the value
// ("text", "time", "source", "parts"). Fields an op type does not carry are left out.
const ENTERED = {
  "job.accept": [["note", "text"]],
  "job.depart": [["note", "text"]],
  "job.arrive": [["note", "text"]],
  "job.decline": [["reason", "text"]],
  "job.contact": [
    ["appointment_at", "time"],
    ["note", "text"],
  ],
  "job.complete": [
    ["summary", "text"],
    ["confirmed_by", "text"],
    ["fault_code", "text"],
  ],
  "scan.add": [
    ["serial", "text"],
    ["source", "source"],
  ],
  "parts.used": [["parts", "parts"]],
  "parts.shortage": [
    ["parts", "parts"],
    ["note", "text"],
  ],
  "note.add": [["text", "text"]],
};

export function entered(op) {
  const payload = op.payload && typeof op.payload === "object" ? op.payload : {};
  const fields = ENTERED[op.type] ?? [];
  const shown = [];
  for (const [name, kind] of fields) {
    const value = payload[name];
    if (value === null || value === undefined || value === "") {
      continue;
    }
    if (kind === "parts") {
      const lines = Array.isArray(value) ? value.filter((line) => line && typeof line === "object") : [];
      if (lines.length) {
        shown.push([name, lines.map((line) => `${line.part_no ?? "?"} × ${line.qty ?? "?"}`).join(", "), kind]);
      }
      continue;
    }
    shown.push([name, String(value), kind]);
  }
  return shown;
}

// What the dispatcher can do about an op the server did not apply, by the server's code.
const ADVICE = {
  job_reassigned: "moved",
  not_your_job: "moved",
  illegal_transition: "movedOn",
  concurrent_change: "sameMoment",
  conflict: "sameMoment",
  validation_error: "invalid",
  invalid_op: "invalid",
  job_not_found: "noJob",
};

export function advice(code) {
  return `dispatch.advice.${ADVICE[code] ?? "other"}`;
}
