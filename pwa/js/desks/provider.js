// The provider manager's desk (网点): the company's jobs waiting for a technician and those in progress, each
// technician's load today, assigning and reassigning (#/team, #/team/job/<id>); the parts orders shipped to
// the company, to receive into its stock room (#/team/parts); the completed jobs to close out (核销,
// #/team/close); the old parts owed to the RDC, packed into shipments (旧件返还, #/team/returns, in
// provider-returns.js); the monthly statements with their deductions to dispute or accept (结算单,
// #/team/statements, in provider-statements.js). The claim desk (#/claims) and the stock and account
// (#/account) are tabs beside them. Online: every screen asks the server, and every action is the server's to
// refuse.

import { callHref } from "../ui/job-list.js";
import { OK, action, explainRefusal, h, notice, problem, setQuery, sortedTable, split, t, time, useStyles, yuan } from "./kit.js";
import { ReturnsScreen } from "./provider-returns.js";
import { StatementsScreen } from "./provider-statements.js";
import { providerTabs } from "./provider-tabs.js";

// The states of a job a provider is working on (a "new" job has no provider yet).
export const OPEN_STATES = ["dispatched", "accepted", "en_route", "on_site", "waiting_parts"];
// The SLA stages in the order a visit passes them: the deadline and the time it was reached.
const STAGES = [
  ["contact", "contact_due_at", "contacted_at"],
  ["arrive", "arrive_due_at", "arrived_at"],
  ["complete", "complete_due_at", "completed_at"],
];
// The server's largest page: a provider's open jobs fit in it; the screen says so when they do not.
const LIST_SIZE = 500;
const RECEIVED_SHOWN = 20;
// The screens of their own module: #/team/<name>[/…], drawn inside the desk.
const SCREENS = { returns: ReturnsScreen, statements: StatementsScreen };
// What the server names as missing from a close-out, in the user's words.
const MISSING = { "serial scan": "team.close.missing.scan", "completion record": "team.close.missing.record" };

// ---------------------------------------------------------------- rules the screens share (unit-tested)

// The jobs waiting for one of the company's technicians, and those a technician holds.
export function queues(jobs) {
  const waiting = (job) => job.state === "dispatched" && !job.technician;
  return { waiting: jobs.filter(waiting), inProgress: jobs.filter((job) => !waiting(job)) };
}

// The first SLA stage not reached yet: {stage, due, overdue}; null when every stage was reached (or has no
// deadline).
export function nextDeadline(job) {
  for (const [stage, due, reached] of STAGES) {
    if (!job.sla[reached]) {
      return job.sla[due] ? { stage, due: job.sla[due], overdue: job.sla.overdue.includes(stage) } : null;
    }
  }
  return null;
}

// A person as the others know them.
export function personName(person) {
  return person.display_name || person.username;
}

// One line of a job's timeline in the user's language; `names` maps a technician's id to their name.
export function eventText(event, names) {
  if (event.kind === "assigned" || event.kind === "reassigned") {
    return t(`team.event.${event.kind}`, { name: names.get(event.data?.technician_id) ?? t("team.someone") });
  }
  if (event.kind === "overdue") {
    const known = STAGES.some(([stage]) => stage === event.data?.stage);
    return known ? t("team.event.overdue", { stage: t(`team.stage.${event.data.stage}`) }) : t("team.event.other");
  }
  const key = `team.event.${event.kind}`;
  return t(key) === key ? t("team.event.other") : t(key);
}

// What a close-out refused for lacks, in the user's words ("the barcode scan of the serial").
export function missingText(missing = []) {
  return missing.map((item) => (MISSING[item] ? t(MISSING[item]) : item)).join(t("team.and"));
}

function stateText(job) {
  return job.state === "dispatched" && !job.technician ? t("team.unassigned") : t(`job.state.${job.state}`);
}

function stateBadge(job) {
  return h("span", { class: `state state-${job.state}`, "data-testid": "job-state", "data-state": job.state }, stateText(job));
}

// A calendar day the server names ("2026-06-01"), in the user's language; read at its noon, so that no
// time zone moves it to the day before.
function calendarDay(isoDay) {
  return new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: "medium" }).format(new Date(`${isoDay}T12:00:00`));
}

// The next deadline of a job, marked when it has passed; `format` writes its time (short in a table).
function deadline(job, format = time) {
  const next = nextDeadline(job);
  if (!next) {
    return t("team.allReached");
  }
  const stage = t(`team.stage.${next.stage}`);
  return h(
    "span",
    { class: next.overdue ? "overdue" : "due" },
    t(next.overdue ? "team.overdue" : "team.due", { stage, when: format(next.due) }),
  );
}

const shortDeadline = (job) => deadline(job, moment);

function jobLink(id, number) {
  return h("a", { href: `#/team/job/${id}`, class: "job-link" }, number);
}

// A moment in a table cell: day and time without the year, in the user's language ("Jun 1, 13:12").
function moment(iso) {
  if (!iso) {
    return "";
  }
  const options = { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" };
  return new Intl.DateTimeFormat(document.documentElement.lang || undefined, options).format(new Date(iso));
}

function unitOf(job) {
  return [job.request.model, job.request.serial].filter(Boolean).join(" · ");
}

// ---------------------------------------------------------------- the desk

export class View {
  constructor({ api, user, path, query }) {
    Object.assign(this, { api, user, query, path });
    [this.screen = "", this.id = null] = path;
    this.online = true; // asks the server for each screen: a sync round has nothing to add
    this.root = h("section", { class: "team-desk", "data-testid": "team-desk" });
    this.notice = notice();
  }

  async render() {
    useStyles("provider");
    if (this.screen === "parts" && !this.id) {
      await this.parts();
    } else if (this.screen === "close" && !this.id) {
      await this.closeOut();
    } else if (SCREENS[this.screen]) {
      this.screenView ??= new SCREENS[this.screen]({
        api: this.api,
        path: this.path.slice(1),
        query: this.query,
        notice: this.notice,
        redraw: () => this.render(),
      });
      this.show(this.tabs(this.screen), ...(await this.screenView.render()));
    } else if (this.screen === "job" && /^\d+$/.test(this.id ?? "")) {
      await this.team(Number(this.id));
    } else if (this.screen === "") {
      await this.team(null);
    } else {
      location.hash = "#/team";
    }
    return this.root;
  }

  tabs(current) {
    return providerTabs(current);
  }

  // The screen's parts, leaving out those not drawn (null): replaceChildren would write a null out as "null".
  show(...parts) {
    this.root.replaceChildren(...parts.filter((part) => part !== null && part !== undefined));
  }

  failed(answer, current) {
    this.show(this.tabs(current), h("p", { class: "message", role: "alert" }, problem(answer)));
  }

  // A refusal the desk words itself (it knows more than the code: which technician, what is missing).
  refuse(text) {
    this.notice.element.className = "notice error";
    this.notice.element.setAttribute("role", "alert");
    this.notice.element.textContent = text;
  }

  // ------------------------------------------------------------ jobs and technicians

  async team(jobId) {
    const provider = this.user.provider_id;
    const [team, open, job, events] = await Promise.all([
      this.api.get(`/api/providers/${provider}/technicians`),
      this.api.get("/api/jobs", [...OPEN_STATES.map((state) => ["state", state]), ["per_page", LIST_SIZE]]),
      jobId ? this.api.get(`/api/jobs/${jobId}`) : null,
      jobId ? this.api.get(`/api/jobs/${jobId}/events`) : null,
    ]);
    const failed = [team, open].find((answer) => answer.kind !== OK);
    if (failed) {
      this.failed(failed, "team");
      return;
    }
    const staff = team.body;
    const { waiting, inProgress } = queues(open.body.items);
    const technician = this.query.get("technician") ?? "";
    const held = technician ? inProgress.filter((each) => String(each.technician?.id) === technician) : inProgress;
    const rowAttributes = (each) => ({ "data-job-id": each.id, class: each.id === jobId ? "selected" : null });

    const waitingTable = waiting.length
      ? sortedTable({
          testId: "waiting-jobs",
          rows: waiting,
          // The most urgent first: the nearest deadline (an overdue one is nearest).
          sort: this.query.get("wait") ?? "next",
          onSort: (next) => setQuery({ wait: next }),
          rowAttributes,
          columns: [
            {
              key: "job",
              label: t("team.col.job"),
              value: (each) => each.number,
              cell: (each) => [jobLink(each.id, each.number), each.request.model ? h("span", { class: "sub" }, each.request.model) : null],
            },
            { key: "area", label: t("team.col.area"), value: (each) => each.region_name },
            { key: "fault", label: t("team.col.fault"), value: (each) => each.request.fault_description },
            { key: "next", label: t("team.col.next"), value: (each) => nextDeadline(each)?.due ?? "", cell: shortDeadline },
          ],
        })
      : h("p", { class: "empty" }, t("team.noneWaiting"));

    const filter = h(
      "select",
      { name: "technician", id: "technician-filter" },
      h("option", { value: "" }, t("team.everyone")),
      staff.technicians.map((each) => h("option", { value: each.id, selected: String(each.id) === technician }, personName(each))),
    );
    filter.addEventListener("change", () => setQuery({ technician: filter.value }));
    const heldTable = held.length
      ? sortedTable({
          testId: "jobs-in-progress",
          rows: held,
          sort: this.query.get("work") ?? "next",
          onSort: (next) => setQuery({ work: next }),
          rowAttributes,
          columns: [
            { key: "job", label: t("team.col.job"), value: (each) => each.number, cell: (each) => jobLink(each.id, each.number) },
            { key: "technician", label: t("team.col.technician"), value: (each) => (each.technician ? personName(each.technician) : "") },
            { key: "state", label: t("team.col.state"), value: (each) => OPEN_STATES.indexOf(each.state), cell: stateBadge },
            {
              key: "appointment",
              label: t("team.col.appointment"),
              value: (each) => each.appointment_at ?? "",
              cell: (each) => moment(each.appointment_at),
            },
            { key: "next", label: t("team.col.next"), value: (each) => nextDeadline(each)?.due ?? "", cell: shortDeadline },
          ],
        })
      : h("p", { class: "empty" }, t(technician ? "team.noneForTechnician" : "team.noneInProgress"));

    const queue = [
      h("h2", {}, t("team.waiting"), " ", h("span", { class: "count", "data-testid": "waiting-count" }, String(waiting.length))),
      waitingTable,
      h("h2", {}, t("team.inProgress"), " ", h("span", { class: "count", "data-testid": "progress-count" }, String(inProgress.length))),
      h("div", { class: "filters" }, h("label", { for: "technician-filter" }, t("team.technicianFilter")), filter),
      heldTable,
      open.body.total > open.body.items.length ? h("p", { class: "hint" }, t("team.more", { shown: open.body.items.length, total: open.body.total })) : null,
    ];
    let detail;
    if (!jobId) {
      detail = [this.notice.element, h("p", { class: "hint" }, t("team.pickJob")), this.loadTable(staff)];
    } else if (job.kind !== OK || events.kind !== OK) {
      const answer = job.kind !== OK ? job : events;
      detail = [
        h("a", { href: "#/team", class: "back" }, t("team.back")),
        h("p", { class: "message", role: "alert", "data-testid": "job-gone" }, answer.status === 404 ? t("team.jobGone") : problem(answer)),
        this.loadTable(staff),
      ];
    } else {
      detail = [this.jobCase(job.body, events.body, staff), this.loadTable(staff)];
    }
    const layout = split(queue, detail);
    layout.classList.toggle("with-case", Boolean(jobId));
    this.show(this.tabs("team"), h("h1", {}, t("team.title"), " ", h("span", { class: "provider" }, staff.provider_name)), layout);
  }

  loadTable(staff) {
    const heading = h("h2", { id: "team-load" }, t("team.load", { day: calendarDay(staff.day) }));
    if (!staff.technicians.some((each) => each.active)) {
      return h("div", { class: "panel" }, heading, h("p", { class: "empty" }, t("team.noTechnicians")));
    }
    const figure = (name) => (each) => h("span", { "data-figure": name }, String(each[name]));
    return h(
      "div",
      { class: "panel team-load" },
      heading,
      sortedTable({
        testId: "team-load",
        rows: staff.technicians,
        sort: this.query.get("load") ?? "",
        onSort: (next) => setQuery({ load: next }),
        rowAttributes: (each) => ({ "data-technician-id": each.id, class: each.active ? null : "disabled" }),
        columns: [
          {
            key: "name",
            label: t("team.col.technician"),
            value: (each) => personName(each),
            cell: (each) => (each.active ? personName(each) : t("team.disabled", { name: personName(each) })),
          },
          { key: "open", label: t("team.col.open"), numeric: true, value: (each) => each.open_jobs, cell: figure("open_jobs") },
          { key: "given", label: t("team.col.assignedToday"), numeric: true, value: (each) => each.assigned_today, cell: figure("assigned_today") },
          { key: "visits", label: t("team.col.visitsToday"), numeric: true, value: (each) => each.appointments_today, cell: figure("appointments_today") },
          { key: "done", label: t("team.col.completedToday"), numeric: true, value: (each) => each.completed_today, cell: figure("completed_today") },
        ],
      }),
    );
  }

  jobCase(job, events, staff) {
    const names = new Map(staff.technicians.map((each) => [each.id, personName(each)]));
    if (job.technician) {
      names.set(job.technician.id, personName(job.technician));
    }
    const request = job.request;
    const call = callHref(job.call);
    const row = (label, value, testId) => [h("dt", {}, t(label)), h("dd", { "data-testid": testId }, value)];
    const next = nextDeadline(job);
    return h(
      "article",
      { class: "panel job-case", "data-testid": "job-case", "data-job-id": job.id, "aria-labelledby": "job-title" },
      h("a", { href: "#/team", class: "back" }, t("team.back")),
      h("h2", { id: "job-title" }, t("team.job", { number: job.number }), " ", stateBadge(job)),
      this.notice.element,
      h(
        "dl",
        {},
        row("team.customer", request.customer_name),
        // The last four digits, as provider staff are shown it; the call goes through the relay, when there is one.
        row("team.phone", [request.customer_phone ?? "", call ? " " : null, call ? h("a", { href: call, class: "call", "data-testid": "call" }, t("team.call")) : null], "customer-phone"),
        row("team.address", `${job.region_name} ${request.address}`),
        row("team.unit", request.model ?? ""),
        row("team.serial", request.serial || t("team.noSerial")),
        row("team.fault", request.fault_description),
        row("team.type", t(`team.type.${job.job_type}`)),
        row("team.technician", job.technician ? personName(job.technician) : t("team.noTechnician"), "job-technician"),
        row("team.appointment", job.appointment_at ? time(job.appointment_at) : t("team.noAppointment")),
        ["completed", "closed", "cancelled"].includes(job.state) || !next ? [] : row("team.deadlines", deadline(job)),
        job.sla.completed_at ? row("team.completedAt", time(job.sla.completed_at)) : [],
        job.completion_summary ? row("team.summary", job.completion_summary) : [],
        job.confirmed_by ? row("team.confirmedBy", job.confirmed_by) : [],
        job.cancel_reason ? row("team.cancelReason", job.cancel_reason) : [],
      ),
      job.actions.includes("assign") ? this.assignForm(job, staff) : null,
      job.actions.includes("close")
        ? h("div", { class: "actions" }, action("close", t("team.closeOut"), () => this.close(job), { class: "primary" }))
        : null,
      h("h3", {}, t("team.timeline")),
      events.length
        ? h(
            "ol",
            { class: "timeline", "data-testid": "timeline" },
            events.map((event) =>
              h(
                "li",
                { "data-kind": event.kind },
                h("time", { datetime: event.at }, time(event.at)),
                h("span", { class: "what" }, eventText(event, names)),
                h("span", { class: "who" }, t("team.by", { name: event.actor_name ?? t("team.system") })),
                // A person's own words; the system's notes ("order SO…") repeat what the line says.
                event.note && event.actor_name ? h("span", { class: "note" }, event.note) : null,
              ),
            ),
          )
        : h("p", { class: "empty" }, t("team.noEvents")),
    );
  }

  assignForm(job, staff) {
    const candidates = staff.technicians.filter((each) => each.active && each.id !== job.technician?.id);
    if (!candidates.length) {
      return h("p", { class: "hint" }, t("team.noOther"));
    }
    const select = h(
      "select",
      { name: "technician_id", id: "assign-technician" },
      candidates.map((each) =>
        h("option", { value: each.id }, t("team.option", { name: personName(each), open: each.open_jobs, today: each.assigned_today })),
      ),
    );
    const name = job.technician ? "reassign" : "assign";
    return h(
      "div",
      { class: "assign" },
      h("label", { for: "assign-technician" }, t("team.assignTo")),
      select,
      action(name, t(`team.${name}`), () => this.assign(job, select), { class: "primary" }),
      job.technician ? h("p", { class: "hint" }, t("team.reassignHint")) : null,
    );
  }

  async assign(job, select) {
    this.notice.clear();
    const answer = await this.api.post(`/api/jobs/${job.id}/assign`, { technician_id: Number(select.value) });
    if (answer.kind === OK) {
      await this.settle(() => this.notice.ok(t("team.assigned", { number: job.number, name: personName(answer.body.technician) })));
    } else if (answer.kind === "error" && answer.details?.fields?.technician_id) {
      // Someone the list offered who can no longer take jobs (disabled, moved to another company), or not the
      // company's at all: the list drawn again shows who can.
      await this.settle(() => this.refuse(t("team.error.technician")));
    } else {
      await this.failedAction(answer);
    }
  }

  async close(job) {
    this.notice.clear();
    const answer = await this.api.post(`/api/jobs/${job.id}/close`, {});
    if (answer.kind === OK) {
      await this.settle(() => this.notice.ok(t("team.closed", { number: job.number })));
    } else if (answer.code === "close_out_incomplete") {
      // Not a stale screen: the job is as shown, it lacks what the close-out needs.
      this.refuse(t("team.close.incomplete", { number: job.number, missing: missingText(answer.details?.missing) }));
    } else {
      await this.failedAction(answer);
    }
  }

  // The screen drawn afresh, then the line saying what happened: never a line over the state before it.
  async settle(say) {
    await this.render();
    say();
  }

  // A refusal explained; when the screen was out of date (409), the fresh state drawn under it.
  async failedAction(answer) {
    await explainRefusal(this, answer);
  }

  // ------------------------------------------------------------ parts to receive

  async parts() {
    const [shipped, received] = await Promise.all([
      this.api.get("/api/sales-orders", { status: "shipped", per_page: LIST_SIZE }),
      this.api.get("/api/sales-orders", { status: "received", newest_first: "true", per_page: RECEIVED_SHOWN }),
    ]);
    const failed = [shipped, received].find((answer) => answer.kind !== OK);
    if (failed) {
      this.failed(failed, "parts");
      return;
    }
    const from = (order) => (order.warehouse_region ? t("team.parts.rdc", { region: order.warehouse_region }) : t("team.parts.headquarters"));
    const lines = (order) =>
      h(
        "ul",
        { class: "order-lines" },
        order.lines.map((line) => h("li", {}, t("team.parts.line", { name: line.name, part: line.part_no, qty: line.qty }))),
      );
    const common = [
      { key: "order", label: t("team.parts.order"), value: (order) => order.number },
      { key: "job", label: t("team.parts.forJob"), value: (order) => order.job_number, cell: (order) => jobLink(order.job_id, order.job_number) },
      { key: "from", label: t("team.parts.from"), value: from },
      { key: "lines", label: t("team.parts.lines"), cell: lines },
      { key: "amount", label: t("team.parts.amount"), numeric: true, value: (order) => Number(order.amount), cell: (order) => yuan(order.amount) },
    ];
    const shippedTable = shipped.body.items.length
      ? sortedTable({
          testId: "orders-to-receive",
          rows: shipped.body.items,
          sort: this.query.get("sort") ?? "",
          rowAttributes: (order) => ({ "data-order-id": order.id }),
          columns: [
            ...common,
            { key: "shipped", label: t("team.parts.shippedAt"), value: (order) => order.shipped_at, cell: (order) => moment(order.shipped_at) },
            {
              key: "action",
              label: t("team.col.action"),
              cell: (order) =>
                action("receive", t("team.parts.receive"), () => this.receive(order), {
                  class: "primary",
                  "aria-label": t("team.parts.receiveOrder", { number: order.number }),
                }),
            },
          ],
        })
      : h("p", { class: "empty" }, t("team.parts.noneShipped"));
    const receivedTable = received.body.items.length
      ? sortedTable({
          testId: "orders-received",
          rows: received.body.items,
          sort: this.query.get("got") ?? "",
          onSort: (next) => setQuery({ got: next }),
          rowAttributes: (order) => ({ "data-order-id": order.id }),
          columns: [
            ...common,
            { key: "received", label: t("team.parts.receivedAt"), value: (order) => order.received_at, cell: (order) => moment(order.received_at) },
          ],
        })
      : h("p", { class: "empty" }, t("team.parts.noneReceived"));
    this.show(
      this.tabs("parts"),
      h("h1", {}, t("team.parts.title")),
      h("p", { class: "hint" }, t("team.parts.hint")),
      this.notice.element,
      h("h2", {}, t("team.parts.shipped"), " ", h("span", { class: "count" }, String(shipped.body.total))),
      shippedTable,
      shipped.body.total > shipped.body.items.length
        ? h("p", { class: "hint" }, t("team.more", { shown: shipped.body.items.length, total: shipped.body.total }))
        : null,
      h("h2", {}, t("team.parts.received")),
      receivedTable,
    );
  }

  async receive(order) {
    this.notice.clear();
    const answer = await this.api.post(`/api/sales-orders/${order.id}/receive`, {});
    if (answer.kind === OK) {
      const count = answer.body.lines.reduce((sum, line) => sum + line.qty, 0);
      await this.settle(() => this.notice.ok(t("team.parts.done", { number: order.number, count })));
    } else {
      await this.failedAction(answer);
    }
  }

  // ------------------------------------------------------------ close-out

  async closeOut() {
    const completed = await this.api.get("/api/jobs", { state: "completed", per_page: LIST_SIZE });
    if (completed.kind !== OK) {
      this.failed(completed, "close");
      return;
    }
    const jobs = completed.body.items;
    const table = jobs.length
      ? sortedTable({
          testId: "jobs-to-close",
          rows: jobs,
          sort: this.query.get("sort") ?? "",
          rowAttributes: (job) => ({ "data-job-id": job.id }),
          columns: [
            { key: "job", label: t("team.col.job"), value: (job) => job.number, cell: (job) => jobLink(job.id, job.number) },
            { key: "technician", label: t("team.col.technician"), value: (job) => (job.technician ? personName(job.technician) : "") },
            { key: "unit", label: t("team.col.unit"), value: unitOf },
            { key: "type", label: t("team.col.type"), value: (job) => t(`team.type.${job.job_type}`) },
            {
              key: "completed",
              label: t("team.col.completed"),
              value: (job) => job.sla.completed_at ?? "",
              cell: (job) => moment(job.sla.completed_at),
            },
            { key: "summary", label: t("team.col.summary"), value: (job) => job.completion_summary },
            {
              key: "action",
              label: t("team.col.action"),
              cell: (job) =>
                action("close", t("team.closeOut"), () => this.close(job), {
                  class: "primary",
                  "aria-label": t("team.close.closeJob", { number: job.number }),
                }),
            },
          ],
        })
      : h("p", { class: "empty" }, t("team.close.none"));
    this.show(
      this.tabs("close"),
      h("h1", {}, t("team.close.title"), " ", h("span", { class: "count", "data-testid": "close-count" }, String(completed.body.total))),
      h("p", { class: "hint" }, t("team.close.hint")),
      this.notice.element,
      table,
      completed.body.total > jobs.length ? h("p", { class: "hint" }, t("team.more", { shown: jobs.length, total: completed.body.total })) : null,
    );
  }
}
