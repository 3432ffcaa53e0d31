// The dispatcher's board (派工): the jobs waiting for a provider, late and escalated ones first, each with its
// SLA clock; a job's case beside the board with the suggested providers and why, dispatch, reassign, cancel,
// escalate and close out; the dispatcher's duty; and the phones' entries the server could not apply.
//
// Addresses: #/dispatch (the board; filters, sort and page in the query), #/dispatch/job/<id> (the board with
// that job's case), #/dispatch/conflicts (the phones' entries not applied). Online only: every figure is the
// server's, asked for when the screen is drawn.

import { addStrings } from "../i18n/index.js";
import { fieldProblems } from "../ui/problem.js";
import { OK, action, h, notice, setQuery, sortedTable, split, stale, t, time, useStyles } from "./kit.js";
import { OPEN_STATES, PAGE_SIZE, VIEWS, advice, boardQuery, clock, entered, reasons, span, stages, urgent } from "./dispatch-rules.js";
import strings from "./dispatch-strings.js";

addStrings(strings);

// The clocks on screen move on by themselves this often (the board is left open all day).
const TICK_MS = 30_000;
// Reference lists change seldom: asked again after this long.
const KEEP_MS = 5 * 60_000;
const kept = new Map();

// replaceChildren writes a null out as the text "null": what a screen leaves out is dropped first.
function fill(root, ...children) {
  root.replaceChildren(...children.filter((child) => child !== null && child !== undefined && child !== false));
}

// A reference list (providers, provinces) asked for once every KEEP_MS; a failure is not kept.
async function reference(api, path, query) {
  const key = `${path}?${new URLSearchParams(query)}`;
  const held = kept.get(key);
  if (held && Date.now() - held.at < KEEP_MS) {
    return held.answer;
  }
  const answer = await api.get(path, query);
  if (answer.kind === OK) {
    kept.set(key, { at: Date.now(), answer });
  }
  return answer;
}

// A span of time in the user's language: "1 h 20 min", "2天3小时".
export function spanText(ms) {
  const { days, hours, minutes } = span(ms);
  if (days !== undefined) {
    return hours ? t("dispatch.span.dh", { days, hours }) : t("dispatch.span.d", { days });
  }
  if (hours !== undefined) {
    return minutes ? t("dispatch.span.hm", { hours, minutes }) : t("dispatch.span.h", { hours });
  }
  return t("dispatch.span.m", { minutes });
}

// "Contact: 1 h 20 min left" or "Arrival: 2 h overdue"; the text under a job with no clock.
export function clockText(job, now = Date.now()) {
  const running = clock(job, now);
  if (!running) {
    return job.state === "completed" ? t("dispatch.clock.done") : t("dispatch.clock.none");
  }
  const stage = t(`dispatch.stage.${running.stage}`);
  return t(running.late ? "dispatch.clock.late" : "dispatch.clock.left", { stage, span: spanText(running.left) });
}

// The deadline a job's clock runs to, in ms (null: none), as the server orders the board by it.
function deadline(job, now) {
  const running = clock(job, now);
  return running ? Date.parse(running.due) : null;
}

function clockCell(job) {
  const running = clock(job);
  return h(
    "span",
    { class: running?.late ? "clock late" : "clock", "data-clock": job.id, dataset: running ? { due: running.due, stage: running.stage } : {} },
    clockText(job),
  );
}

function stateBadge(job) {
  return h("span", { class: `state state-${job.state}`, "data-testid": "job-state", "data-state": job.state }, t(`dispatch.state.${job.state}`));
}

function escalatedBadge(job) {
  return job.escalated_at && OPEN_STATES.includes(job.state) ? h("span", { class: "badge escalated" }, t("dispatch.escalated")) : null;
}

// The board's table: every job a row. `compact` (a case open beside it) keeps the columns a narrow queue
// needs. Exported for the benchmark of a list of 1,000 (tests/bench/test_desk_lists.py).
export function boardTable(jobs, { sort = "", selected = null, compact = false, link = (job) => `#/dispatch/job/${job.id}`, onSort } = {}) {
  const now = Date.now();
  const columns = [
    {
      key: "number",
      label: t("dispatch.col.job"),
      value: (job) => job.number,
      cell: (job) => h("a", { href: link(job), "aria-current": job.id === selected ? "page" : null }, job.number),
    },
    { key: "state", label: t("dispatch.col.state"), cell: (job) => [stateBadge(job), " ", escalatedBadge(job)] },
    { key: "due", label: t("dispatch.col.sla"), value: (job) => deadline(job, now), cell: clockCell },
    // From here on, the columns a phone leaves out (pwa/css/desks/dispatch.css: .board-full, from the fourth).
    compact ? null : { key: "area", label: t("dispatch.col.area"), cell: (job) => job.region_name },
    compact ? null : { key: "provider", label: t("dispatch.col.provider"), cell: (job) => job.provider_name ?? t("dispatch.noProvider") },
    compact ? null : { key: "fault", label: t("dispatch.col.fault"), cell: (job) => h("span", { class: "fault" }, job.request?.fault_description ?? "") },
    compact ? null : { key: "created", label: t("dispatch.col.created"), value: (job) => Date.parse(job.created_at), cell: (job) => time(job.created_at) },
  ].filter(Boolean);
  const table = sortedTable({
    testId: "dispatch-board",
    caption: t(sort ? "dispatch.captionSorted" : "dispatch.caption"),
    columns,
    rows: jobs,
    sort,
    onSort,
    rowAttributes: (job) => ({
      "data-job-id": job.id,
      class: [job.id === selected ? "selected" : "", urgent(job, now) ? "urgent" : ""].join(" ").trim() || null,
    }),
  });
  table.classList.add(compact ? "board-compact" : "board-full");
  drawInTurns(table.querySelector("tbody"));
  return table;
}

// A long list is laid out a screenful first and the rest in turns after it, so that the first rows show at
// once and the page answers meanwhile: laying out a table costs the browser for every row, drawn or not (a
// thousand rows take it longer than a person waits). The body says it is busy until every row is in.
const FIRST_ROWS = 60;
const ROWS_A_TURN = 200;

// After the next frame is painted.
function afterFrame(run) {
  requestAnimationFrame(() => setTimeout(run, 0));
}

function drawInTurns(body) {
  const later = [...body.rows].slice(FIRST_ROWS);
  if (!later.length) {
    return;
  }
  for (const row of later) {
    row.remove();
  }
  body.setAttribute("aria-busy", "true");
  let next = 0;
  const turn = () => {
    body.append(...later.slice(next, next + ROWS_A_TURN));
    next += ROWS_A_TURN;
    if (next < later.length) {
      afterFrame(turn);
    } else {
      body.removeAttribute("aria-busy");
    }
  };
  afterFrame(turn);
}

export class View {
  constructor({ api, user, path, query }) {
    this.api = api;
    this.user = user;
    this.path = path;
    this.query = query;
    this.online = true;
    this.root = h("section", { class: "dispatch-desk", "data-testid": "dispatch-desk" });
    this.notice = notice();
    useStyles("dispatch");
  }

  // An admin, or a dispatcher without a province, sees every province and may narrow the board to one.
  get national() {
    return this.user.role === "admin" || (this.user.role === "dispatcher" && !this.user.region_code);
  }

  async render() {
    const [screen, id] = this.path;
    if (screen === "conflicts") {
      await this.renderConflicts();
    } else {
      await this.renderBoard(screen === "job" && /^\d+$/.test(id ?? "") ? Number(id) : null);
    }
    this.tick();
    return this.root;
  }

  // The query the board's links carry, so that opening a job or going back keeps the filters.
  search() {
    const search = this.query.toString();
    return search ? `?${search}` : "";
  }

  // ------------------------------------------------------------ the board

  async renderBoard(jobId) {
    const [list, me, provinces, opened] = await Promise.all([
      this.api.get("/api/jobs", boardQuery(this.query, { national: this.national })),
      this.user.role === "dispatcher" ? this.api.get("/api/auth/me") : null,
      this.national ? reference(this.api, "/api/admin/regions", { level: "province", per_page: 500 }) : null,
      jobId === null ? null : this.loadCase(jobId),
    ]);
    const head = this.head("board", me);
    if (list.kind !== OK) {
      fill(this.root, head, this.notice.element);
      this.notice.fail(list);
      return;
    }
    const board = h(
      "div",
      { class: "board", "data-testid": "board", "data-view": VIEWS.includes(this.query.get("show")) ? this.query.get("show") : "waiting" },
      this.filters(provinces?.kind === OK ? provinces.body.items : []),
      this.summary(list.body),
      list.body.items.length
        ? boardTable(list.body.items, {
            sort: this.query.get("sort") ?? "",
            selected: jobId,
            compact: jobId !== null,
            link: (job) => `#/dispatch/job/${job.id}${this.search()}`,
            onSort: (next) => setQuery({ sort: next, page: "" }),
          })
        : h("p", { class: "empty", "data-testid": "board-empty" }, t(this.query.get("show") ? "dispatch.noneHere" : "dispatch.noneWaiting")),
      this.pager(list.body),
    );
    if (jobId === null) {
      fill(this.root, head, this.notice.element, board);
      return;
    }
    fill(this.root, head, split(board, this.caseView(opened)));
  }

  head(current, me) {
    const tab = (href, key, name) => h("a", { href, class: current === name ? "current" : null, "aria-current": current === name ? "page" : null, "data-testid": `tab-${name}` }, t(key));
    return h(
      "div",
      { class: "desk-head" },
      h("h1", {}, t("dispatch.title")),
      me?.kind === OK ? this.dutySwitch(me.body.on_duty) : null,
      h("nav", { class: "tabs", "aria-label": t("dispatch.screens") }, tab(`#/dispatch${current === "board" ? this.search() : ""}`, "dispatch.tab.board", "board"), tab("#/dispatch/conflicts", "dispatch.tab.conflicts", "conflicts")),
    );
  }

  // On duty, a dispatcher receives the escalations of their area (the server's duty manager).
  dutySwitch(onDuty) {
    const hint = h("span", { class: "duty-hint" }, t(onDuty ? "dispatch.duty.onHint" : "dispatch.duty.offHint"));
    const button = action(
      "duty",
      t("dispatch.duty.label"),
      async () => {
        const wanted = button.getAttribute("aria-checked") !== "true";
        const answer = await this.api.request("PUT", "/api/dispatch/duty", { json: { on_duty: wanted } });
        if (answer.kind !== OK) {
          this.notice.fail(answer);
          return;
        }
        button.setAttribute("aria-checked", String(answer.body.on_duty));
        hint.textContent = t(answer.body.on_duty ? "dispatch.duty.onHint" : "dispatch.duty.offHint");
        this.notice.ok(t(answer.body.on_duty ? "dispatch.duty.nowOn" : "dispatch.duty.nowOff"));
      },
      { role: "switch", "aria-checked": String(Boolean(onDuty)), class: "duty-switch", "data-testid": "duty" },
    );
    return h("div", { class: "duty" }, button, hint);
  }

  filters(provinces) {
    const show = VIEWS.includes(this.query.get("show")) ? this.query.get("show") : "waiting";
    const view = h(
      "select",
      { name: "show", "data-testid": "filter-show" },
      VIEWS.map((name) => h("option", { value: name, selected: name === show }, t(`dispatch.view.${name}`))),
    );
    const overdue = h("input", { type: "checkbox", name: "overdue", "data-testid": "filter-overdue", checked: this.query.get("overdue") === "1" });
    const province = this.national
      ? h(
          "select",
          { name: "province", "data-testid": "filter-province" },
          h("option", { value: "" }, t("dispatch.allProvinces")),
          provinces.map((region) => h("option", { value: region.code, selected: region.code === this.query.get("province") }, region.name)),
        )
      : null;
    const apply = () =>
      setQuery({
        show: view.value === "waiting" ? "" : view.value,
        overdue: overdue.checked ? "1" : "",
        province: province ? province.value : "",
        page: "",
      });
    view.addEventListener("change", apply);
    overdue.addEventListener("change", apply);
    province?.addEventListener("change", apply);
    return h(
      "form",
      { class: "filters", "aria-label": t("dispatch.filters"), onsubmit: (event) => event.preventDefault() },
      h("label", {}, t("dispatch.show"), view),
      h("label", { class: "check" }, overdue, t("dispatch.overdueOnly")),
      province ? h("label", {}, t("dispatch.province"), province) : null,
    );
  }

  summary(page) {
    return h("p", { class: "count", "data-testid": "board-count", "data-total": page.total }, t("dispatch.count", { count: page.total }));
  }

  pager(page) {
    if (page.pages <= 1) {
      return null;
    }
    const go = (to) => () => setQuery({ page: to === 1 ? "" : to });
    return h(
      "nav",
      { class: "pager", "aria-label": t("dispatch.pages") },
      h("button", { type: "button", "data-action": "page-previous", disabled: page.page <= 1, onclick: go(page.page - 1) }, t("dispatch.previous")),
      h("span", {}, t("dispatch.page", { page: page.page, pages: page.pages })),
      h("button", { type: "button", "data-action": "page-next", disabled: page.page >= page.pages, onclick: go(page.page + 1) }, t("dispatch.next")),
    );
  }

  // The clocks on screen count down without asking the server again; the timer ends with the screen.
  tick() {
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      if (!this.root.isConnected) {
        clearInterval(this.timer);
        return;
      }
      for (const element of this.root.querySelectorAll("[data-clock][data-due]")) {
        const left = Date.parse(element.dataset.due) - Date.now();
        const stage = t(`dispatch.stage.${element.dataset.stage}`);
        element.textContent = t(left < 0 ? "dispatch.clock.late" : "dispatch.clock.left", { stage, span: spanText(left) });
        element.classList.toggle("late", left < 0);
      }
    }, TICK_MS);
  }

  // ------------------------------------------------------------ a job's case

  async loadCase(jobId) {
    const [job, events, suggestions, ops, providers] = await Promise.all([
      this.api.get(`/api/jobs/${jobId}`),
      this.api.get(`/api/jobs/${jobId}/events`),
      this.api.get(`/api/jobs/${jobId}/suggestions`),
      this.api.get("/api/sync/ops", new URLSearchParams([["job_id", jobId], ["result", "rejected"], ["result", "conflict"], ["per_page", "100"]])),
      reference(this.api, "/api/admin/providers", { per_page: 500 }),
    ]);
    return { job, events, suggestions, ops, providers };
  }

  caseView({ job, events, suggestions, ops, providers }) {
    const back = h("a", { href: `#/dispatch${this.search()}`, class: "back", "data-testid": "back-to-board" }, t("dispatch.backToBoard"));
    if (job.kind !== OK) {
      const failed = h("section", { class: "job-case", "data-testid": "job-case" }, back, this.notice.element);
      this.notice.fail(job);
      return failed;
    }
    const shown = job.body;
    const names = new Map(providers.kind === OK ? providers.body.items.map((provider) => [provider.code, provider.name]) : []);
    const may = new Set(shown.actions);
    return h(
      "section",
      { class: "job-case", "data-testid": "job-case", "data-job-id": shown.id, "aria-labelledby": "job-case-title" },
      back,
      h("h2", { id: "job-case-title" }, h("span", { "data-testid": "job-number" }, shown.number), " ", stateBadge(shown), " ", escalatedBadge(shown)),
      this.notice.element,
      this.slaPanel(shown),
      this.facts(shown),
      may.has("dispatch") ? this.dispatchPanel(shown, suggestions, providers) : null,
      may.has("escalate") ? this.reasonForm(shown, "escalate") : null,
      may.has("cancel") ? this.reasonForm(shown, "cancel") : null,
      may.has("close") ? this.closePanel(shown) : null,
      ops.kind === OK && ops.body.items.length ? this.phoneEntries(ops.body.items, false) : null,
      events.kind === OK ? this.timeline(events.body, names) : null,
    );
  }

  slaPanel(job) {
    const now = Date.now();
    const running = clock(job, now);
    return h(
      "div",
      { class: "panel sla", "data-testid": "job-sla" },
      h("h3", {}, t("dispatch.sla")),
      h("p", { class: running?.late ? "clock now late" : "clock now", "data-clock": job.id, dataset: running ? { due: running.due, stage: running.stage } : {} }, clockText(job, now)),
      h(
        "dl",
        {},
        stages(job, now).flatMap(({ stage, due, reached, missed }) => [
          h("dt", {}, t(`dispatch.stage.${stage}`)),
          h(
            "dd",
            { class: missed ? "missed" : null, "data-stage": stage },
            due ? t("dispatch.dueAt", { when: time(due) }) : t("dispatch.noDeadline"),
            reached ? ` · ${t("dispatch.reachedAt", { when: time(reached) })}` : "",
            missed ? ` · ${t("dispatch.missed")}` : "",
          ),
        ]),
      ),
    );
  }

  facts(job) {
    const request = job.request ?? {};
    const fact = (key, ...value) => [h("dt", {}, t(key)), h("dd", {}, ...value)];
    const unit = [request.model, request.serial || t("dispatch.noSerial")].filter(Boolean).join(" · ");
    const wanted = request.preferred_start ? [time(request.preferred_start), request.preferred_end ? time(request.preferred_end) : ""].filter(Boolean).join(" – ") : null;
    const technician = job.technician ? job.technician.display_name || job.technician.username : null;
    return h(
      "div",
      { class: "panel facts", "data-testid": "job-facts" },
      h(
        "dl",
        {},
        fact("dispatch.customer", [request.customer_name, request.customer_phone].filter(Boolean).join(" · ")),
        fact("dispatch.address", [request.address, job.region_name].filter(Boolean).join(", ")),
        fact("dispatch.unit", unit),
        fact("dispatch.fault", h("span", { class: "fault-text" }, request.fault_description ?? "")),
        wanted ? fact("dispatch.preferred", wanted) : [],
        fact("dispatch.jobType", t(`dispatch.type.${job.job_type}`), " · ", t(`dispatch.channel.${request.channel ?? "phone"}`)),
        fact("dispatch.provider", job.provider_name ?? t("dispatch.noProvider")),
        job.provider_code ? fact("dispatch.technician", technician ?? t("dispatch.noTechnician")) : [],
        job.appointment_at ? fact("dispatch.appointment", time(job.appointment_at)) : [],
        job.cancel_reason ? fact("dispatch.cancelReason", job.cancel_reason) : [],
        fact("dispatch.opened", time(job.created_at)),
      ),
    );
  }

  // The providers covering the job, least loaded first with why; any other provider from the list. A job that
  // has a provider already moves to another one only with a reason.
  dispatchPanel(job, suggestions, providers) {
    const moving = Boolean(job.provider_code);
    const name = moving ? "reassign" : "dispatch";
    const reason = moving ? h("textarea", { name: "reassign-reason", maxlength: 2000, rows: 2, "data-testid": "reassign-reason" }) : null;
    const send = (code) => () => {
      const note = reason ? reason.value.trim() : "";
      if (moving && !note) {
        this.notice.fail({ kind: "error", status: 422, code: "field.reason" });
        reason.focus();
        return Promise.resolve();
      }
      return this.act(job, "dispatch", { provider_code: code, note, version: job.version }, (done) =>
        t(moving ? "dispatch.reassigned" : "dispatch.dispatched", { number: done.number, provider: done.provider_name ?? code }),
      );
    };
    const listed = suggestions.kind === OK ? suggestions.body : [];
    const offered = listed.length
      ? h(
          "ol",
          { class: "suggestions", "data-testid": "suggestions" },
          listed.map((suggestion, index) => {
            const current = suggestion.provider_code === job.provider_code;
            return h(
              "li",
              { "data-provider": suggestion.provider_code, class: index === 0 ? "first" : null },
              h("div", { class: "who" }, h("strong", { id: `suggested-${suggestion.provider_code}` }, suggestion.provider_name), index === 0 ? h("span", { class: "badge suggested" }, t("dispatch.suggested")) : null),
              h(
                "ul",
                { class: "why" },
                reasons(suggestion, index).map(([key, params]) => h("li", {}, t(key, params))),
              ),
              current
                ? h("span", { class: "holds" }, t("dispatch.holdsIt"))
                : action(name, t(`dispatch.action.${name}`), send(suggestion.provider_code), {
                    class: index === 0 ? "primary" : null,
                    "data-provider": suggestion.provider_code,
                    // Named by its visible word; the provider it goes to describes it.
                    "aria-describedby": `suggested-${suggestion.provider_code}`,
                  }),
            );
          }),
        )
      : h("p", { class: "empty" }, suggestions.kind === OK ? t("dispatch.noSuggestions") : t("dispatch.suggestionsFailed"));
    const others = providers.kind === OK ? providers.body.items.filter((provider) => provider.active && provider.code !== job.provider_code) : [];
    const choice = h(
      "select",
      { name: "provider", "data-testid": "other-provider" },
      h("option", { value: "" }, t("dispatch.chooseProvider")),
      others.map((provider) => h("option", { value: provider.code }, provider.name)),
    );
    const any = others.length
      ? h(
          "div",
          { class: "any-provider" },
          h("label", {}, t("dispatch.anyProvider"), choice),
          action(`${name}-other`, t(`dispatch.action.${name}`), () => {
            if (!choice.value) {
              this.notice.fail({ kind: "error", status: 422, code: "field.provider_choice" });
              return Promise.resolve();
            }
            return send(choice.value)();
          }),
        )
      : null;
    return h(
      "section",
      { class: "panel dispatch", "aria-labelledby": "dispatch-title" },
      h("h3", { id: "dispatch-title" }, t(moving ? "dispatch.reassignTitle" : "dispatch.dispatchTitle")),
      reason ? h("label", {}, t("dispatch.reassignReason"), reason) : null,
      offered,
      any,
    );
  }

  // Cancel or escalate: each says why.
  reasonForm(job, name) {
    const reason = h("textarea", { name: `${name}-reason`, maxlength: 2000, rows: 2, "data-testid": `${name}-reason` });
    return h(
      "section",
      { class: `panel ${name}`, "aria-labelledby": `${name}-title` },
      h("h3", { id: `${name}-title` }, t(`dispatch.${name}Title`)),
      h("label", {}, t(`dispatch.${name}Reason`), reason),
      action(name, t(`dispatch.action.${name}`), () => {
        if (!reason.value.trim()) {
          this.notice.fail({ kind: "error", status: 422, code: "field.reason" });
          reason.focus();
          return Promise.resolve();
        }
        return this.act(job, name, { reason: reason.value.trim() }, (done) =>
          name === "cancel"
            ? t("dispatch.cancelled", { number: done.number })
            : t("dispatch.escalatedTo", { number: done.job.number, people: done.escalated_to.map((user) => user.display_name || user.username).join(", ") }),
        );
      }, name === "cancel" ? { class: "danger" } : {}),
    );
  }

  closePanel(job) {
    return h(
      "section",
      { class: "panel close", "aria-labelledby": "close-title" },
      h("h3", { id: "close-title" }, t("dispatch.closeTitle")),
      h("p", {}, t("dispatch.closeHint")),
      action("close", t("dispatch.action.close"), () => this.act(job, "close", {}, (done) => t("dispatch.closed", { number: done.number })), { class: "primary" }),
    );
  }

  // One step on the job. Done: said, and the board and the case drawn again from the server. Refused because
  // the job changed meanwhile (409): explained, and the fresh state drawn. Refused otherwise: explained, and
  // what was typed stays for another try.
  async act(job, name, body, said) {
    const answer = await this.api.post(`/api/jobs/${job.id}/${name}`, body);
    if (answer.kind === OK) {
      this.notice.ok(said(answer.body));
      await this.render();
      return;
    }
    const fields = Object.keys(fieldProblems(answer));
    const known = fields.find((field) => t(`error.field.${field}`) !== `error.field.${field}`);
    this.notice.fail(known ? { ...answer, code: `field.${known}` } : answer);
    if (stale(answer)) {
      await this.render();
    }
  }

  timeline(events, names) {
    return h(
      "section",
      { class: "panel timeline", "aria-labelledby": "timeline-title" },
      h("h3", { id: "timeline-title" }, t("dispatch.timeline")),
      h(
        "ol",
        { "data-testid": "timeline" },
        events.map((event) => {
          const label = t(`dispatch.event.${event.kind}`);
          const details = [];
          const provider = event.data?.provider;
          if (provider) {
            details.push(t("dispatch.toProvider", { provider: names.get(provider) ?? provider }));
          }
          if (event.kind === "overdue" && event.data?.stage) {
            details.push(t(`dispatch.stage.${event.data.stage}`));
          }
          if (event.kind === "contact" && event.data?.appointment_at) {
            details.push(t("dispatch.appointmentAt", { when: time(event.data.appointment_at) }));
          }
          if (event.from_state && event.to_state && event.to_state !== event.from_state) {
            details.push(`→ ${t(`dispatch.state.${event.to_state}`)}`);
          }
          return h(
            "li",
            { "data-kind": event.kind },
            h("time", { datetime: event.at }, time(event.at)),
            h("span", { class: "what" }, h("strong", {}, label.startsWith("dispatch.event.") ? t("dispatch.event.other") : label), details.length ? ` · ${details.join(" · ")}` : ""),
            h("span", { class: "who" }, event.actor_name ?? t("dispatch.system")),
            event.note ? h("q", {}, event.note) : null,
            event.device_time ? h("span", { class: "phone-time" }, t("dispatch.phoneClock", { when: time(event.device_time) })) : null,
          );
        }),
      ),
    );
  }

  // ------------------------------------------------------------ the phones' entries not applied

  async renderConflicts() {
    const page = Math.max(1, Number.parseInt(this.query.get("page"), 10) || 1);
    const [ops, me] = await Promise.all([
      this.api.get("/api/sync/ops", new URLSearchParams([["result", "rejected"], ["result", "conflict"], ["per_page", String(PAGE_SIZE)], ["page", String(page)]])),
      this.user.role === "dispatcher" ? this.api.get("/api/auth/me") : null,
    ]);
    const head = this.head("conflicts", me);
    if (ops.kind !== OK) {
      fill(this.root, head, this.notice.element);
      this.notice.fail(ops);
      return;
    }
    fill(
      this.root,
      head,
      this.notice.element,
      h("p", { class: "explain" }, t("dispatch.conflictsExplain")),
      h("p", { class: "count", "data-testid": "conflicts-count" }, t("dispatch.conflictsCount", { count: ops.body.total })),
      ops.body.items.length ? this.phoneEntries(ops.body.items, true) : h("p", { class: "empty", "data-testid": "conflicts-empty" }, t("dispatch.noConflicts")),
      this.pager(ops.body),
    );
  }

  // What the phone had entered, why the server did not apply it, and what to do; `withJob` links each to its job.
  phoneEntries(ops, withJob) {
    const list = h(
      "ul",
      { class: "op-list", "data-testid": "phone-entries" },
      ops.map((op) => {
        const what = entered(op);
        const reasonKey = [`reason.${op.code}`, `dispatch.reason.${op.code}`].find((key) => t(key) !== key) ?? "dispatch.reason.other";
        return h(
          "li",
          { class: "panel", "data-op-id": op.op_id, "data-result": op.result },
          h(
            "div",
            { class: "op-head" },
            h("strong", {}, t(`op.${op.type}`) === `op.${op.type}` ? t("dispatch.op.other") : t(`op.${op.type}`)),
            h("span", { class: `badge ${op.result}` }, t(`dispatch.result.${op.result}`)),
            withJob && op.job_id ? h("a", { href: `#/dispatch/job/${op.job_id}`, "data-testid": "op-job" }, t("dispatch.openJob", { number: op.job_number ?? "" })) : null,
          ),
          h(
            "dl",
            {},
            h("dt", {}, t("dispatch.enteredBy")),
            h("dd", {}, op.user_name),
            op.client_time ? [h("dt", {}, t("dispatch.enteredAt")), h("dd", {}, time(op.client_time))] : [],
            h("dt", {}, t("dispatch.receivedAt")),
            h("dd", {}, time(op.received_at)),
            what.flatMap(([field, value, kind]) => [
              h("dt", {}, t(`dispatch.entered.${field}`)),
              h("dd", { "data-field": field }, kind === "time" ? time(value) : kind === "source" ? t(`dispatch.source.${value}`) : value),
            ]),
            h("dt", {}, t("dispatch.serverSaid")),
            h("dd", { class: "reason" }, t(reasonKey)),
            h("dt", {}, t("dispatch.whatToDo")),
            h("dd", { class: "advice" }, t(advice(op.code))),
          ),
        );
      }),
    );
    return withJob ? list : h("section", { class: "panel entries", "aria-labelledby": "entries-title" }, h("h3", { id: "entries-title" }, t("dispatch.entriesTitle")), h("p", {}, t("dispatch.entriesExplain")), list);
  }
}
