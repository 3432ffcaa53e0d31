// The call-centre desk's rules, apart from the screen so that they are tested on their own (tests/pwa/
// agent.test.mjs): which lookup the address asks for, what a unit's warranty means today, how each SLA stage
// stands, a job's history in plain words, and the request and callback forms as the API takes them.

// A request holds its unit until its job is closed out or cancelled: the server refuses a second one till then.
const ENDED = new Set(["closed", "cancelled"]);
// As the API checks it (server/jobs/schemas.py PHONE): digits, spaces or '-', 5 to 32, an optional '+'.
const PHONE = /^\+?[0-9][0-9 -]{4,30}$/;
const SERIAL_MAX = 64;
export const SCORES = ["timeliness", "attitude", "quality"];
export const SLA = [
  { stage: "contact", due: "contact_due_at", reached: "contacted_at" },
  { stage: "arrive", due: "arrive_due_at", reached: "arrived_at" },
  { stage: "complete", due: "complete_due_at", reached: "completed_at" },
];

export function holdsUnit(job) {
  return Boolean(job) && !ENDED.has(job.state);
}

// `#/calls?phone=…` or `?serial=…` → {by, value}; null when the address asks for no lookup.
export function lookupOf(query) {
  for (const by of ["phone", "serial"]) {
    const value = (query.get(by) ?? "").trim();
    if (value) {
      return { by, value };
    }
  }
  return null;
}

// Whether what was typed can be looked up at all: the server would refuse a malformed phone.
export function lookupProblem(by, value) {
  if (!value.trim()) {
    return "agent.lookup.empty";
  }
  if (by === "phone" && !PHONE.test(value.trim())) {
    return "agent.form.badPhone";
  }
  if (by === "serial" && (/\s/.test(value.trim()) || value.trim().length > SERIAL_MAX)) {
    return "agent.form.badSerial";
  }
  return null;
}

// "2026-05-01" → "2026-04-30". A warranty period's `ends_on` is the first day it no longer covers.
export function dayBefore(isoDay) {
  const day = new Date(`${isoDay}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() - 1);
  return day.toISOString().slice(0, 10);
}

// A unit's warranty today as the agent says it: {key, params (ISO days), tone: in | partial | out | unknown}.
export function warrantyOf(unit, today) {
  if (!unit.in_install_base) {
    return { key: "agent.warranty.unknownUnit", params: {}, tone: "unknown" };
  }
  const whole = unit.warranty?.whole_unit;
  if (!whole) {
    return { key: "agent.warranty.noPolicy", params: {}, tone: "unknown" };
  }
  if (whole.active) {
    return { key: "agent.warranty.in", params: { until: dayBefore(whole.ends_on) }, tone: "in" };
  }
  if (unit.sale_date && unit.sale_date > today) {
    return { key: "agent.warranty.notStarted", params: { sold: unit.sale_date }, tone: "unknown" };
  }
  const main = unit.warranty.main_parts;
  if (main?.active) {
    return { key: "agent.warranty.partsOnly", params: { since: whole.ends_on, until: dayBefore(main.ends_on) }, tone: "partial" };
  }
  return { key: "agent.warranty.out", params: { since: whole.ends_on }, tone: "out" };
}

// Each SLA stage of a job: its deadline, when it was reached, and met | late | overdue | pending | ended.
export function slaStages(job, now) {
  const sla = job.sla ?? {};
  return SLA.map(({ stage, due, reached }) => {
    const dueAt = sla[due] ?? null;
    const reachedAt = sla[reached] ?? null;
    let status;
    if (reachedAt) {
      status = dueAt && new Date(reachedAt) > new Date(dueAt) ? "late" : "met";
    } else if (ENDED.has(job.state)) {
      status = "ended";
    } else if (dueAt && new Date(dueAt) < now) {
      status = "overdue";
    } else {
      status = "pending";
    }
    return { stage, due: dueAt, reached: reachedAt, status };
  });
}

// A translated name for a code, or `fallback` when the tables have none (a code is never shown).
function named(t, key, fallback) {
  const text = t(key);
  return text === key ? fallback : text;
}

function partsText(parts) {
  return (parts ?? []).map((part) => `${part.part_no} × ${part.qty}`).join(", ");
}

// One event of a job's history as a sentence: `t` and `when` translate and format; `providerName(code)` names
// a provider (the job's own name it from the job).
export function eventText(event, { job, t, when, providerName }) {
  const data = event.data ?? {};
  const actor = event.actor_name || t("agent.system");
  const note = (event.note ?? "").trim();
  const technician = () => {
    const current = job.technician;
    if (current && data.technician_id === current.id) {
      return current.display_name || current.username;
    }
    return t("agent.aTechnician");
  };
  switch (event.kind) {
    case "created":
      return t("agent.event.created", { actor, channel: named(t, `agent.channel.${data.channel}`, t("agent.channel.phone")) });
    case "dispatched":
      return t("agent.event.dispatched", { actor, provider: providerName(data.provider) });
    case "redispatched":
      return t("agent.event.redispatched", { actor, provider: providerName(data.provider), previous: providerName(data.previous_provider) });
    case "assigned":
    case "reassigned":
      return t(`agent.event.${event.kind}`, { actor, technician: technician() });
    case "contact":
      return data.appointment_at ? t("agent.event.contactBooked", { actor, appointment: when(data.appointment_at) }) : t("agent.event.contact", { actor });
    case "call_relayed":
      return t("agent.event.call_relayed");
    case "scan":
      return t("agent.event.scan", { actor, serial: data.serial ?? "" });
    case "use_parts":
    case "hold_for_parts":
    case "report_shortage":
      return t(`agent.event.${event.kind}`, { actor, parts: partsText(data.parts) });
    case "complete":
      return t("agent.event.complete", { actor, confirmed: data.confirmed_by || t("agent.someone") });
    case "overdue":
      return t("agent.event.overdue", { stage: named(t, `agent.sla.${data.stage}`, "") });
    case "accept":
    case "decline":
    case "depart":
    case "arrive":
    case "parts_arrived":
    case "parts_refused":
    case "close":
    case "cancel":
    case "escalate":
    case "note":
      return t(`agent.event.${event.kind}`, { actor, note });
    default:
      return t("agent.event.other", { actor });
  }
}

// "2026-05-03T14:00" of a datetime-local field → a Date in the browser's time zone; null when empty or bad.
function localTime(value) {
  if (!value) {
    return null;
  }
  const moment = new Date(value);
  return Number.isNaN(moment.getTime()) ? null : moment;
}

// The request form's values → {body for POST /api/requests, problems: {field: string key}}.
export function requestBody(values, now) {
  const text = (name) => (values[name] ?? "").trim();
  const problems = {};
  const phone = text("customer_phone");
  if (!phone) {
    problems.customer_phone = "agent.form.required";
  } else if (!PHONE.test(phone)) {
    problems.customer_phone = "agent.form.badPhone";
  }
  const serial = text("serial");
  if (serial && (/\s/.test(serial) || serial.length > SERIAL_MAX)) {
    problems.serial = "agent.form.badSerial";
  }
  for (const name of ["fault_description", "address", "region_code"]) {
    if (!text(name)) {
      problems[name] = "agent.form.required";
    }
  }
  const start = localTime(values.preferred_start);
  const end = localTime(values.preferred_end);
  if (start && start <= now) {
    problems.preferred_start = "agent.form.pastStart";
  }
  if (end && !start) {
    problems.preferred_end = "agent.form.endWithoutStart";
  } else if (end && end <= start) {
    problems.preferred_end = "agent.form.endBeforeStart";
  }
  const body = {
    customer_phone: phone,
    customer_name: text("customer_name"),
    address: text("address"),
    region_code: text("region_code"),
    fault_description: text("fault_description"),
    channel: text("channel") || "phone",
  };
  if (serial) {
    body.serial = serial;
  }
  if (text("model")) {
    body.model = text("model");
  }
  if (start) {
    body.preferred_start = start.toISOString();
  }
  if (end) {
    body.preferred_end = end.toISOString();
  }
  return { body, problems };
}

// The callback attempt form's values → {body for POST /api/callbacks/<id>/attempts, problems}.
export function attemptBody(values) {
  const problems = {};
  const comments = (values.comments ?? "").trim();
  if (values.outcome !== "reached" && values.outcome !== "not_reached") {
    return { body: null, problems: { outcome: "agent.attempt.chooseOutcome" } };
  }
  if (values.outcome === "not_reached") {
    return { body: { reached: false, comments }, problems };
  }
  const body = { reached: true, comments };
  for (const name of SCORES) {
    const score = Number(values[name]);
    if (!Number.isInteger(score) || score < 1 || score > 5 || values[name] === "") {
      problems[name] = "agent.attempt.chooseScore";
    } else {
      body[name] = score;
    }
  }
  if (values.complains) {
    if (!values.category) {
      problems.category = "agent.form.required";
    }
    body.complaint = { category: values.category, description: (values.description ?? "").trim() };
  }
  return { body, problems };
}

// The service card beside a unit's factory warranty: the valid card the caller holds on it (whole unit or
// listed parts), or null. `ends_on` is the card's last day, included.
export function cardOf(unit) {
  const card = unit.card;
  if (!card) {
    return null;
  }
  return {
    key: card.coverage === "parts" ? "agent.card.onUnitParts" : "agent.card.onUnit",
    params: { number: card.number, type: `agent.card.type.${card.card_type}`, until: card.ends_on },
  };
}

// A card's validity today in words: valid, not started yet, or ended (its last day is included).
export function cardState(card, today) {
  if (card.valid_today) {
    return { key: "agent.card.valid", tone: "in" };
  }
  return card.starts_on > today ? { key: "agent.card.notStarted", tone: "unknown" } : { key: "agent.card.ended", tone: "out" };
}
