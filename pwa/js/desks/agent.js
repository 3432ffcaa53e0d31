// The call-centre agent's desk (坐席), #/calls. On the left the caller lookup and the agent's queues: the
// callbacks (回访) due, due first, and the care tasks due today. On the right the case: the caller found (units,
// warranty today, past requests, a new request), a job ("where is my technician": its state, who has it, the
// appointment, its deadlines and history, complaints), a callback with its attempt form, or a care task.
//
//   #/calls?phone=138… | ?serial=…   the caller            #/calls/job/<id>        a job
//   #/calls/callback/<id>            a callback            #/calls/care/<id>       a care task
//
// The queues' filters stay in the address beside the case (callbacks=due, cbsort, caresort).

import { addStrings, language } from "../i18n/index.js";
import { fieldProblems } from "../ui/problem.js";
import { SCORES, attemptBody, cardOf, cardState, eventText, holdsUnit, lookupOf, lookupProblem, requestBody, slaStages, warrantyOf } from "./agent-rules.js";
import strings from "./agent-strings.js";
import { OK, action, h, notice, problem, setQuery, sortedTable, split, stale, t, time, useStyles } from "./kit.js";

addStrings(strings);

const BASE = "#/calls";
// The queues' own settings, kept whichever case is open.
const QUEUE_KEYS = ["callbacks", "cbsort", "caresort"];
const CALLBACK_VIEWS = ["due", "overdue", "waiting", "done"];
const CHANNELS = ["phone", "web", "wechat"];
const COMPLAINT_CHANNELS = ["phone", "web", "wechat", "email"];
const COMPLAINT_CATEGORIES = ["late_visit", "parts_delay", "repair_quality", "attitude", "charges"];
const PER_PAGE = 100;

// A sentence to show on the next screen (a request recorded opens its job, which says so).
let flash = null;
// Names the desk looks up once per visit: providers by code, regions by code, the product models.
const providers = new Map();
const regions = new Map();
let models = null;

// "2026-05-01" (a calendar day, no time zone) in the user's language.
function calendarDay(iso) {
  if (!iso) {
    return "";
  }
  const [year, month, dayOfMonth] = iso.split("-").map(Number);
  return new Intl.DateTimeFormat(language(), { dateStyle: "medium" }).format(new Date(year, month - 1, dayOfMonth));
}

// A moment in a table's narrow column: "2026/12/6 09:12".
function shortTime(iso) {
  return iso ? new Intl.DateTimeFormat(language(), { dateStyle: "short", timeStyle: "short" }).format(new Date(iso)) : "";
}

// Numbers and moments a line break would garble (J00000002 split in two).
function whole(text) {
  return h("span", { class: "nowrap" }, text);
}

function localToday() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
}

// A translated name for a code, or `fallback` (never the code itself on screen).
function named(key, fallback = "") {
  const text = t(key);
  return text === key ? fallback : text;
}

function categoryName(category) {
  return category ? named(`agent.category.${category}`) : "";
}

function unitText(serial, model, category) {
  const kind = categoryName(category);
  return [serial || t("agent.noSerial"), [model, kind].filter(Boolean).join(" ")].filter(Boolean).join(" · ");
}

// A table wider than a phone scrolls sideways in its box: the box takes the keyboard's focus (to scroll it with
// the arrow keys) and is named for the screen reader.
function scrollable(box, label) {
  box.setAttribute("tabindex", "0");
  box.setAttribute("role", "region");
  box.setAttribute("aria-label", label);
  return box;
}

function personName(person) {
  return person ? person.display_name || person.username : "";
}

function fact(label, value, testId) {
  return [h("dt", {}, label), h("dd", testId ? { "data-testid": testId } : {}, value)];
}

function field(label, control, error) {
  return h("label", {}, h("span", {}, label), control, error ?? null);
}

function options(values, label, selected) {
  return values.map((value) => h("option", { value, selected: value === selected }, label(value)));
}

export class View {
  constructor({ api, user, path, query }) {
    Object.assign(this, { api, user, path, query });
    this.online = true;
    this.root = h("section", { class: "agent-desk", "data-testid": "agent-desk" });
    this.notice = notice();
  }

  // A link within the desk that keeps the queues as they are; `extra` adds to the address (a lookup).
  link(path = "", extra = {}) {
    const kept = new URLSearchParams();
    for (const key of QUEUE_KEYS) {
      if (this.query.get(key)) {
        kept.set(key, this.query.get(key));
      }
    }
    for (const [key, value] of Object.entries(extra)) {
      kept.set(key, value);
    }
    const search = kept.toString();
    return `${BASE}${path ? `/${path}` : ""}${search ? `?${search}` : ""}`;
  }

  async render() {
    useStyles("agent");
    // The open care tasks: the queue lists those due, and a care task's case is one of them.
    this.openTasks = this.api.get("/api/care-tasks", { status: "open", per_page: PER_PAGE });
    const [queue, detail] = await Promise.all([this.renderQueue(), this.renderCase()]);
    // Narrower than a laptop the case comes first: what was looked up or opened is what the agent reads.
    this.root.classList.toggle("has-case", Boolean(this.path.length || lookupOf(this.query)));
    this.root.replaceChildren(h("h1", { class: "desk-title" }, t("agent.title")), split(queue, detail));
    if (flash) {
      this.notice.ok(flash);
      flash = null;
    }
    return this.root;
  }

  // ------------------------------------------------------------ the left: lookup and queues

  async renderQueue() {
    const show = CALLBACK_VIEWS.includes(this.query.get("callbacks")) ? this.query.get("callbacks") : "due";
    const [callbacks, tasks] = await Promise.all([this.api.get("/api/callbacks", { status: show, per_page: PER_PAGE }), this.openTasks]);
    return [this.lookupForm(), this.callbackQueue(show, callbacks), this.careQueue(tasks)];
  }

  lookupForm() {
    const current = lookupOf(this.query);
    const by = h("select", { name: "by", id: "lookup-by" }, options(["phone", "serial"], (value) => t(`agent.lookup.${value}`), current?.by ?? "phone"));
    const value = h("input", {
      name: "q",
      id: "lookup-value",
      type: "search",
      value: current?.value ?? "",
      autocomplete: "off",
      "aria-describedby": "lookup-problem",
    });
    const said = h("p", { class: "field-error", id: "lookup-problem", role: "alert" });
    const form = h(
      "form",
      {
        class: "lookup",
        role: "search",
        "data-testid": "lookup",
        onsubmit: (event) => {
          event.preventDefault();
          const wrong = lookupProblem(by.value, value.value);
          if (wrong) {
            said.textContent = t(wrong);
            value.focus();
            return;
          }
          location.hash = this.link("", { [by.value]: value.value.trim() });
        },
      },
      h("h2", {}, t("agent.lookup.title")),
      h(
        "div",
        { class: "lookup-row" },
        h("label", { for: "lookup-by" }, h("span", {}, t("agent.lookup.by")), by),
        h("label", { for: "lookup-value", class: "grow" }, h("span", {}, t("agent.lookup.value")), value),
        h("button", { type: "submit", "data-action": "lookup" }, t("agent.lookup.go")),
      ),
      said,
    );
    if (!current && !this.path.length) {
      // The hotline's first move on a call: the cursor waits in the lookup (once the screen is on show).
      setTimeout(() => value.isConnected && value.focus(), 0);
    }
    return form;
  }

  callbackQueue(show, answer) {
    const choose = h(
      "select",
      { name: "callbacks", id: "callbacks-show", onchange: (event) => setQuery({ callbacks: event.target.value === "due" ? "" : event.target.value }) },
      options(CALLBACK_VIEWS, (value) => t(`agent.callbacks.${value}`), show),
    );
    const head = [
      h("h2", {}, t("agent.callbacks")),
      h("div", { class: "filters" }, h("label", { for: "callbacks-show" }, h("span", {}, t("agent.callbacks.show")), choose)),
    ];
    if (answer.kind !== OK) {
      return h("section", { class: "panel queue-callbacks" }, head, h("p", { class: "notice error", role: "alert" }, problem(answer)));
    }
    const { items, total } = answer.body;
    const selected = this.path[0] === "callback" ? Number(this.path[1]) : null;
    const table = items.length
      ? scrollable(sortedTable({
          testId: "callback-queue",
          sort: this.query.get("cbsort") ?? "",
          onSort: (next) => setQuery({ cbsort: next }),
          rows: items,
          rowAttributes: (row) => ({ "data-callback-id": row.id, class: row.id === selected ? "selected" : null }),
          columns: [
            {
              key: "job",
              label: t("agent.callback.job"),
              value: (row) => row.job_number,
              cell: (row) => [
                h("a", { href: this.link(`callback/${row.id}`), class: "nowrap" }, row.job_number),
                row.overdue ? h("span", { class: "mark overdue" }, t("agent.callback.overdueMark")) : null,
              ],
            },
            { key: "customer", label: t("agent.callback.customer"), value: (row) => row.customer_name },
            { key: "due", label: t("agent.callback.dueAt"), value: (row) => row.due_at, cell: (row) => shortTime(row.due_at) },
            { key: "attempts", label: t("agent.callback.attempts"), value: (row) => row.attempts, numeric: true },
          ],
        }), t("agent.callbacks"))
      : h("p", { class: "empty" }, t("agent.callbacks.none"));
    return h(
      "section",
      { class: "panel queue-callbacks" },
      head,
      table,
      total > items.length ? h("p", { class: "more" }, t("agent.callbacks.more", { shown: items.length, total })) : null,
    );
  }

  careQueue(answer) {
    const head = h("h2", {}, t("agent.care"));
    if (answer.kind !== OK) {
      return h("section", { class: "panel queue-care" }, head, h("p", { class: "notice error", role: "alert" }, problem(answer)));
    }
    // The scheduler makes a reminder a task on the day it falls due (the server's day): every open task is due.
    const today = localToday();
    const due = answer.body.items;
    const selected = this.path[0] === "care" ? Number(this.path[1]) : null;
    const table = due.length
      ? scrollable(sortedTable({
          testId: "care-queue",
          sort: this.query.get("caresort") ?? "",
          onSort: (next) => setQuery({ caresort: next }),
          rows: due,
          rowAttributes: (row) => ({ "data-task-id": row.id, class: row.id === selected ? "selected" : null }),
          columns: [
            {
              key: "customer",
              label: t("agent.care.customer"),
              value: (row) => row.customer_name || row.customer_phone,
              cell: (row) => h("a", { href: this.link(`care/${row.id}`) }, row.customer_name || row.customer_phone),
            },
            { key: "kind", label: t("agent.care.kind"), value: (row) => t(`agent.care.kind.${row.kind}`) },
            {
              key: "due",
              label: t("agent.care.dueOn"),
              value: (row) => row.due_on,
              cell: (row) => (row.due_on < today ? t("agent.overdueSince", { day: calendarDay(row.due_on) }) : calendarDay(row.due_on)),
            },
          ],
        }), t("agent.care"))
      : h("p", { class: "empty" }, t("agent.care.none"));
    return h("section", { class: "panel queue-care" }, head, table);
  }

  // ------------------------------------------------------------ the right: the case

  async renderCase() {
    const [kind, id] = this.path;
    let body;
    if (kind === "job" && id) {
      body = await this.jobCase(id);
    } else if (kind === "callback" && id) {
      body = await this.callbackCase(id);
    } else if (kind === "care" && id) {
      body = await this.careCase(Number(id));
    } else if (lookupOf(this.query)) {
      body = await this.callerCase(lookupOf(this.query));
    } else {
      body = h("p", { class: "panel start", "data-testid": "agent-start" }, t("agent.start"));
    }
    return [this.notice.element, body];
  }

  failed(answer) {
    return h("p", { class: "panel notice error", role: "alert", "data-testid": "case-problem" }, problem(answer));
  }

  // ---------------------------------------------------- the caller

  async callerCase(lookup) {
    // The cards of the phone or the unit are looked up beside the caller: a card may name a unit no sale shows.
    const [answer, cards] = await Promise.all([
      this.api.get("/api/customers", { [lookup.by]: lookup.value }),
      lookupProblem(lookup.by, lookup.value) ? null : this.api.get("/api/cards", { [lookup.by]: lookup.value }),
    ]);
    if (answer.kind !== OK && answer.code === "customer_not_found") {
      const form = await this.requestForm({ phone: lookup.by === "phone" ? lookup.value : "", serial: lookup.by === "serial" ? lookup.value : "", units: [] });
      return h(
        "div",
        { class: "caller", "data-testid": "caller" },
        h("p", { class: "panel new-caller", "data-testid": "new-caller" }, t("agent.notFound", { value: lookup.value })),
        this.cardsPanel(cards),
        form,
      );
    }
    if (answer.kind !== OK) {
      return answer.status === 422 ? h("p", { class: "panel notice error", role: "alert" }, t(lookup.by === "phone" ? "agent.form.badPhone" : "agent.form.badSerial")) : this.failed(answer);
    }
    const { customer, units, requests } = answer.body;
    const today = localToday();
    const area = customer.region_code ? await this.areaName(customer.region_code) : "";
    const openJobs = new Map();
    for (const { request, job } of requests) {
      if (request.serial && holdsUnit(job) && !openJobs.has(request.serial)) {
        openJobs.set(request.serial, job);
      }
    }
    const form = await this.requestForm({
      phone: customer.phone,
      name: customer.name,
      address: customer.address,
      regionCode: customer.region_code,
      serial: lookup.by === "serial" ? lookup.value : "",
      units,
    });
    const unitCards = units.length
      ? h(
          "ul",
          { class: "cards units", "data-testid": "units" },
          units.map((unit) => {
            const warranty = warrantyOf(unit, today);
            const params = Object.fromEntries(Object.entries(warranty.params).map(([key, value]) => [key, calendarDay(value)]));
            const open = openJobs.get(unit.serial);
            const card = cardOf(unit);
            return h(
              "li",
              { dataset: { serial: unit.serial } },
              h("strong", {}, unitText(unit.serial, unit.model, unit.category)),
              unit.sale_date ? h("span", {}, `${t("agent.soldOn")} ${calendarDay(unit.sale_date)}`) : null,
              h(
                "span",
                { class: "warranty-line" },
                h("span", { class: `warranty warranty-${warranty.tone}`, "data-testid": "warranty" }, t(warranty.key, params)),
                card
                  ? h(
                      "span",
                      { class: "warranty warranty-in unit-card", "data-testid": "unit-card" },
                      t(card.key, { ...card.params, type: t(card.params.type), until: calendarDay(card.params.until) }),
                    )
                  : null,
              ),
              open
                ? h("a", { href: this.link(`job/${open.id}`), class: "open-job", "data-testid": "unit-open-job" }, t("agent.openJob", { number: open.number }))
                : h(
                    "button",
                    { type: "button", class: "link", "data-action": "use-unit", onclick: () => form.useUnit(unit) },
                    t("agent.useUnit", { serial: unit.serial }),
                  ),
            );
          }),
        )
      : h("p", { class: "empty" }, t("agent.noUnits"));
    const history = requests.length
      ? scrollable(sortedTable({
          testId: "history",
          sort: this.query.get("sort") ?? "",
          rows: requests,
          rowAttributes: ({ request, job }) => ({ "data-request-id": request.id, "data-job-id": job?.id ?? null }),
          columns: [
            {
              key: "job",
              label: t("agent.job"),
              value: ({ job, request }) => job?.number ?? request.number,
              cell: ({ job, request }) => (job ? h("a", { href: this.link(`job/${job.id}`), class: "nowrap" }, job.number) : whole(request.number)),
            },
            { key: "created", label: t("agent.recordedOn"), value: ({ request }) => request.created_at, cell: ({ request }) => shortTime(request.created_at) },
            {
              key: "unit",
              label: t("agent.unit"),
              value: ({ request }) => request.serial,
              cell: ({ request }) => h("span", { class: "unit" }, unitText(request.serial, request.model, request.category)),
            },
            { key: "fault", label: t("agent.fault"), cell: ({ request }) => h("span", { class: "fault" }, request.fault_description) },
            {
              key: "state",
              label: t("agent.state"),
              value: ({ job }) => (job ? t(`job.state.${job.state}`) : ""),
              cell: ({ job }) => (job ? h("span", { class: `state nowrap state-${job.state}` }, t(`job.state.${job.state}`)) : ""),
            },
            { key: "provider", label: t("agent.provider"), value: ({ job }) => job?.provider_name || t("agent.notDispatched") },
          ],
        }), t("agent.history"))
      : h("p", { class: "empty" }, t("agent.noHistory"));
    return h(
      "div",
      { class: "caller", "data-testid": "caller" },
      h(
        "section",
        { class: "panel" },
        h("h2", {}, customer.name || t("agent.unnamed")),
        h(
          "dl",
          {},
          fact(t("agent.phone"), customer.phone ? h("a", { href: `tel:${customer.phone}` }, customer.phone) : "", "caller-phone"),
          customer.address ? fact(t("agent.address"), customer.address) : null,
          area ? fact(t("agent.area"), area) : null,
        ),
      ),
      h("section", { class: "panel" }, h("h3", {}, t("agent.units")), unitCards),
      this.cardsPanel(cards),
      h("section", { class: "panel" }, h("h3", {}, t("agent.history")), history),
      form,
    );
  }

  // The service cards of the looked-up phone or unit: type, coverage, period, units, users, valid today.
  cardsPanel(answer) {
    if (!answer) {
      return null;
    }
    const head = h("h3", {}, t("agent.cards"));
    if (answer.kind !== OK) {
      return h("section", { class: "panel cards-panel", "data-testid": "cards" }, head, h("p", { class: "notice error", role: "alert" }, problem(answer)));
    }
    const today = localToday();
    const items = answer.body.items;
    const table = items.length
      ? scrollable(sortedTable({
          testId: "card-list",
          sort: this.query.get("cardsort") ?? "",
          onSort: (next) => setQuery({ cardsort: next }),
          rows: items,
          rowAttributes: (card) => ({ "data-card": card.number }),
          columns: [
            { key: "number", label: t("agent.cards.number"), value: (card) => card.number, cell: (card) => h("span", { class: "nowrap" }, card.number) },
            {
              key: "state",
              label: t("agent.cards.state"),
              value: (card) => t(cardState(card, today).key),
              cell: (card) => {
                const state = cardState(card, today);
                return h("span", { class: `warranty warranty-${state.tone} nowrap`, "data-testid": "card-state" }, t(state.key));
              },
            },
            {
              key: "type",
              label: t("agent.cards.type"),
              value: (card) => t(`agent.card.type.${card.card_type}`),
              cell: (card) => h("span", { class: "nowrap" }, t(`agent.card.type.${card.card_type}`)),
            },
            {
              key: "coverage",
              label: t("agent.cards.coverage"),
              value: (card) => (card.coverage === "parts" ? t("agent.cards.parts", { parts: card.parts.join(", ") }) : t("agent.cards.wholeUnit")),
            },
            {
              key: "period",
              label: t("agent.cards.period"),
              value: (card) => card.starts_on,
              cell: (card) => h("span", { class: "nowrap" }, t("agent.cards.periodText", { from: calendarDay(card.starts_on), to: calendarDay(card.ends_on) })),
            },
            { key: "units", label: t("agent.cards.units"), cell: (card) => card.serials.join(", ") },
            { key: "users", label: t("agent.cards.users"), cell: (card) => card.phones.join(", ") },
          ],
        }), t("agent.cards"))
      : h("p", { class: "empty", "data-testid": "no-cards" }, t("agent.cards.none"));
    return h("section", { class: "panel cards-panel", "data-testid": "cards" }, head, table);
  }

  // ---------------------------------------------------- names the desk looks up

  region(code) {
    if (!regions.has(code)) {
      regions.set(
        code,
        this.api.get(`/api/admin/regions/${encodeURIComponent(code)}`).then((answer) => (answer.kind === OK ? answer.body : null)),
      );
    }
    return regions.get(code);
  }

  // The region and those above it, the smallest first: [county, city, province].
  async regionChain(code) {
    const chain = [];
    let next = code;
    while (next && chain.length < 4) {
      const region = await this.region(next);
      if (!region) {
        break;
      }
      chain.push(region);
      next = region.parent_code;
    }
    return chain;
  }

  async areaName(code) {
    return (await this.regionChain(code)).map((region) => region.name).join(", ");
  }

  async regionsUnder(parent) {
    const query = parent ? { parent_code: parent, per_page: 500 } : { level: "province", per_page: 500 };
    const answer = await this.api.get("/api/admin/regions", query);
    return answer.kind === OK ? answer.body.items : [];
  }

  providerName(code) {
    if (!code) {
      return Promise.resolve(t("agent.someone"));
    }
    if (!providers.has(code)) {
      providers.set(
        code,
        this.api.get(`/api/admin/providers/${encodeURIComponent(code)}`).then((answer) => (answer.kind === OK ? answer.body.name : code)),
      );
    }
    return providers.get(code);
  }

  async productModels() {
    if (!models) {
      models = this.api.get("/api/admin/products", { per_page: 500 }).then((answer) => (answer.kind === OK ? answer.body.items : []));
    }
    return models;
  }

  // ---------------------------------------------------- a new request

  async requestForm({ phone = "", name = "", address = "", regionCode = null, serial = "", units }) {
    const [provinces, products] = await Promise.all([this.regionsUnder(null), this.productModels()]);
    const errors = {};
    const control = (name, element) => {
      errors[name] = h("span", { class: "field-error", id: `request-${name}-error`, "data-error-for": name });
      element.setAttribute("aria-describedby", `request-${name}-error`);
      element.id = `request-${name}`;
      return element;
    };
    const inputs = {
      customer_phone: control("customer_phone", h("input", { name: "customer_phone", type: "tel", value: phone, autocomplete: "off", required: true })),
      customer_name: control("customer_name", h("input", { name: "customer_name", value: name, maxlength: 128, autocomplete: "off" })),
      serial: control("serial", h("input", { name: "serial", value: serial, maxlength: 64, list: "request-units", autocomplete: "off" })),
      model: control("model", h("input", { name: "model", maxlength: 64, list: "request-models", autocomplete: "off" })),
      fault_description: control("fault_description", h("textarea", { name: "fault_description", rows: 3, maxlength: 4000, required: true })),
      address: control("address", h("input", { name: "address", value: address, maxlength: 255, required: true })),
      preferred_start: control("preferred_start", h("input", { name: "preferred_start", type: "datetime-local" })),
      preferred_end: control("preferred_end", h("input", { name: "preferred_end", type: "datetime-local" })),
      channel: control("channel", h("select", { name: "channel" }, options(CHANNELS, (value) => t(`agent.channel.${value}`), "phone"))),
    };
    const choose = () => h("option", { value: "" }, t("agent.form.choose"));
    const province = h("select", { name: "province", id: "request-province" }, choose(), provinces.map((region) => h("option", { value: region.code }, region.name)));
    const city = control("region_code", h("select", { name: "city", required: true, dataset: { parent: "" } }, choose()));
    const county = h("select", { name: "county", id: "request-county", dataset: { parent: "" } }, h("option", { value: "" }, t("agent.form.anyCounty")));
    const anyCounty = () => h("option", { value: "" }, t("agent.form.anyCounty"));
    // A list holds the regions under its parent's choice; asked again for the same parent it keeps them.
    const fill = async (select, parent, first, chosen = "") => {
      if (select.dataset.parent !== parent) {
        const under = parent ? await this.regionsUnder(parent) : [];
        select.replaceChildren(first(), ...under.map((region) => h("option", { value: region.code }, region.name)));
        select.dataset.parent = parent;
      }
      select.value = chosen;
    };
    province.addEventListener("change", async () => {
      if (city.dataset.parent !== province.value) {
        await fill(city, province.value, choose);
        await fill(county, "", anyCounty);
      }
    });
    city.addEventListener("change", async () => {
      if (county.dataset.parent !== city.value) {
        await fill(county, city.value, anyCounty);
      }
    });
    // Where the visit is: the region given (the customer's, or the city the unit was sold in), down to its county.
    const placeIn = async (code) => {
      const chain = await this.regionChain(code);
      const byLevel = Object.fromEntries(chain.map((region) => [region.level, region.code]));
      if (!byLevel.province) {
        return;
      }
      province.value = byLevel.province;
      await fill(city, byLevel.province, choose, byLevel.city ?? "");
      await fill(county, byLevel.city ?? "", anyCounty, byLevel.county ?? "");
    };
    if (regionCode) {
      await placeIn(regionCode);
    }
    const alert = h("div", { class: "form-alert", "data-testid": "request-alert" });
    const submit = action("record-request", t("agent.form.submit"), () => this.recordRequest(form, inputs, { city, county }, errors, alert), { class: "primary" });
    const form = h(
      "form",
      { class: "panel request-form", "data-testid": "request-form", novalidate: true, onsubmit: (event) => (event.preventDefault(), submit.click()) },
      h("h3", {}, t("agent.form.title")),
      h(
        "div",
        { class: "grid" },
        field(t("agent.form.phone"), inputs.customer_phone, errors.customer_phone),
        field(t("agent.form.name"), inputs.customer_name, errors.customer_name),
        field(t("agent.form.serial"), inputs.serial, errors.serial),
        field(t("agent.form.model"), inputs.model, errors.model),
      ),
      h("datalist", { id: "request-units" }, units.map((unit) => h("option", { value: unit.serial }))),
      h("datalist", { id: "request-models" }, products.map((product) => h("option", { value: product.model }, product.name))),
      field(t("agent.form.fault"), inputs.fault_description, errors.fault_description),
      field(t("agent.form.address"), inputs.address, errors.address),
      h(
        "div",
        { class: "grid" },
        field(t("agent.form.province"), province),
        field(t("agent.form.city"), city, errors.region_code),
        field(t("agent.form.county"), county),
      ),
      h(
        "fieldset",
        { class: "window" },
        h("legend", {}, t("agent.form.window")),
        h(
          "div",
          { class: "grid" },
          field(t("agent.form.from"), inputs.preferred_start, errors.preferred_start),
          field(t("agent.form.to"), inputs.preferred_end, errors.preferred_end),
        ),
      ),
      field(t("agent.form.channel"), inputs.channel, errors.channel),
      alert,
      submit,
    );
    // Picking one of the caller's units: its serial and model, and where it was sold when the caller has no
    // address on record yet.
    form.useUnit = async (unit) => {
      inputs.serial.value = unit.serial;
      inputs.model.value = unit.in_install_base ? "" : (unit.model ?? "");
      if (!city.value && unit.in_install_base) {
        const sold = await this.api.get(`/api/install-base/${encodeURIComponent(unit.serial)}`);
        if (sold.kind === OK && (sold.body.sale.city || sold.body.sale.province)) {
          await placeIn(sold.body.sale.city || sold.body.sale.province);
        }
      }
      inputs.fault_description.focus();
    };
    return form;
  }

  async recordRequest(form, inputs, { city, county }, errors, alert) {
    if (form.dataset.sent) {
      return; // recorded already: the job is on its way to the screen
    }
    alert.replaceChildren();
    for (const span of Object.values(errors)) {
      span.textContent = "";
    }
    const values = Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, input.value]));
    values.region_code = county.value || city.value;
    const { body, problems } = requestBody(values, new Date());
    if (Object.keys(problems).length) {
      for (const [name, key] of Object.entries(problems)) {
        errors[name].textContent = t(key);
      }
      alert.replaceChildren(h("p", { class: "notice error", role: "alert" }, t("agent.form.fix")));
      return;
    }
    const answer = await this.api.post("/api/requests", body);
    if (answer.kind === OK) {
      form.dataset.sent = "yes";
      const job = answer.body;
      flash = t("agent.recorded", { request: job.request.number, job: job.number });
      location.hash = this.link(`job/${job.id}`);
      return;
    }
    if (answer.code === "open_request_exists") {
      const open = answer.details ?? {};
      alert.replaceChildren(
        h(
          "p",
          { class: "notice error", role: "alert", "data-testid": "duplicate" },
          t("agent.duplicate", {
            serial: body.serial ?? "",
            job: open.job_number ?? open.request_number ?? "",
            state: open.state ? t(`job.state.${open.state}`) : "",
            when: time(open.created_at),
          }),
          " ",
          open.job_id ? h("a", { href: this.link(`job/${open.job_id}`), "data-testid": "open-request-link" }, t("agent.duplicateLink", { job: open.job_number })) : null,
        ),
      );
      return;
    }
    this.showFieldProblems(answer, errors, alert);
  }

  // The server's refusal: each field it names gets the desk's own words for it, the rest one line.
  showFieldProblems(answer, errors, alert) {
    const fields = fieldProblems(answer);
    for (const [name, said] of Object.entries(fields)) {
      const span = errors[name];
      if (span) {
        span.textContent = named(`agent.invalid.${name}`, Array.isArray(said) ? said.join(" ") : String(said));
      }
    }
    alert.replaceChildren(h("p", { class: "notice error", role: "alert" }, problem(answer)));
  }

  // ---------------------------------------------------- a job: where is my technician

  async jobCase(id) {
    const [answer, events, complaints, callbacks] = await Promise.all([
      this.api.get(`/api/jobs/${encodeURIComponent(id)}`),
      this.api.get(`/api/jobs/${encodeURIComponent(id)}/events`),
      this.api.get("/api/complaints", { job_id: id, per_page: 50 }),
      this.api.get("/api/callbacks", { job_id: id }),
    ]);
    if (answer.kind !== OK) {
      return this.failed(answer);
    }
    const job = answer.body;
    const request = job.request;
    const history = events.kind === OK ? events.body : [];
    const codes = new Set(history.flatMap((event) => [event.data?.provider, event.data?.previous_provider]).filter(Boolean));
    const names = new Map(await Promise.all([...codes].map(async (code) => [code, code === job.provider_code ? job.provider_name : await this.providerName(code)])));
    const technician = personName(job.technician);
    const stages = slaStages(job, new Date());
    const lines = [...history].reverse().map((event) =>
      h(
        "li",
        { dataset: { kind: event.kind } },
        h("time", { datetime: event.at }, time(event.at)),
        h("span", {}, eventText(event, { job, t, when: time, providerName: (code) => names.get(code) ?? t("agent.someone") })),
      ),
    );
    const callback = callbacks.kind === OK ? callbacks.body.items[0] : null;
    const raised = complaints.kind === OK ? complaints.body.items : [];
    return h(
      "div",
      { class: "job-case", "data-testid": "job-case", dataset: { jobId: job.id } },
      h(
        "section",
        { class: "panel" },
        h("a", { href: this.link("", { phone: request.customer_phone }), class: "back", "data-testid": "back-to-caller" }, t("agent.job.backToCaller")),
        h("h2", {}, t("agent.job.title", { number: job.number }), " ", h("span", { class: `state state-${job.state}`, "data-testid": "job-state", dataset: { state: job.state } }, t(`job.state.${job.state}`))),
        h("p", { class: "tell", "data-testid": "job-tell" }, this.tell(job, technician)),
        h(
          "dl",
          {},
          fact(t("agent.job.customer"), [request.customer_name, request.customer_phone].filter(Boolean).join(" · ")),
          fact(t("agent.unit"), unitText(request.serial, request.model, request.category), "job-unit"),
          fact(t("agent.fault"), request.fault_description),
          fact(t("agent.address"), [request.address, job.region_name].filter(Boolean).join(" · ")),
          fact(t("agent.job.type"), named(`agent.jobType.${job.job_type}`)),
          fact(t("agent.job.channel"), named(`agent.channel.${request.channel}`)),
          fact(t("agent.job.recorded"), time(job.created_at)),
          fact(t("agent.provider"), job.provider_name || t("agent.notDispatched"), "job-provider"),
          fact(t("agent.job.technician"), technician || t("agent.job.noTechnician"), "job-technician"),
          fact(t("agent.job.appointment"), job.appointment_at ? time(job.appointment_at) : t("agent.job.noAppointment"), "job-appointment"),
          job.completion_summary ? fact(t("agent.job.summary"), job.completion_summary) : null,
          job.cancel_reason ? fact(t("agent.job.cancelReason"), job.cancel_reason) : null,
        ),
      ),
      h(
        "section",
        { class: "panel" },
        h("h3", {}, t("agent.sla.title")),
        scrollable(h(
          "div",
          { class: "table-scroll" },
          h(
            "table",
            { class: "desk-table sla", "data-testid": "sla" },
            h("thead", {}, h("tr", {}, [t("agent.sla.stage"), t("agent.sla.due"), t("agent.sla.reached"), t("agent.sla.status")].map((label) => h("th", { scope: "col" }, label)))),
            h(
              "tbody",
              {},
              stages.map((stage) =>
                h(
                  "tr",
                  { dataset: { stage: stage.stage, status: stage.status } },
                  h("th", { scope: "row" }, t(`agent.sla.${stage.stage}`)),
                  h("td", {}, shortTime(stage.due)),
                  h("td", {}, shortTime(stage.reached)),
                  h("td", {}, h("span", { class: `sla-status sla-${stage.status}` }, t(`agent.sla.${stage.status}`))),
                ),
              ),
            ),
          ),
        ), t("agent.sla.title")),
      ),
      h(
        "section",
        { class: "panel" },
        h("h3", {}, t("agent.timeline")),
        lines.length ? h("ol", { class: "timeline", "data-testid": "timeline" }, lines) : h("p", { class: "empty" }, t("agent.noEvents")),
      ),
      callback
        ? h(
            "section",
            { class: "panel" },
            h("h3", {}, t("agent.callbacks")),
            h(
              "p",
              {},
              h("a", { href: this.link(`callback/${callback.id}`), "data-testid": "job-callback" }, t("agent.callback.title", { number: job.number })),
              " · ",
              t(`agent.callback.status.${callback.status}`),
            ),
          )
        : null,
      this.complaintSection(job, raised),
      this.stepForms(job),
    );
  }

  // What to tell the caller, in one sentence, from the job's state.
  tell(job, technician) {
    const who = { provider: job.provider_name || "", technician: technician || t("agent.aTechnician") };
    if (job.state === "dispatched") {
      return t(job.technician ? "agent.tell.dispatched" : "agent.tell.dispatchedNoOne", who);
    }
    if (job.state === "accepted" && job.appointment_at) {
      return t("agent.tell.booked", { ...who, appointment: time(job.appointment_at) });
    }
    return t(`agent.tell.${job.state}`, who);
  }

  complaintSection(job, raised) {
    const category = h("select", { name: "category", id: "complaint-category" }, h("option", { value: "" }, t("agent.form.choose")), options(COMPLAINT_CATEGORIES, (value) => t(`agent.complaintCategory.${value}`)));
    const channel = h("select", { name: "channel", id: "complaint-channel" }, options(COMPLAINT_CHANNELS, (value) => t(`agent.channel.${value}`), "phone"));
    const description = h("textarea", { name: "description", id: "complaint-description", rows: 3, maxlength: 4000, "aria-describedby": "complaint-description-error" });
    const errors = {
      category: h("span", { class: "field-error", "data-error-for": "category" }),
      description: h("span", { class: "field-error", id: "complaint-description-error", "data-error-for": "description" }),
    };
    const alert = h("div", { class: "form-alert" });
    const submit = action(
      "record-complaint",
      t("agent.complaint.submit"),
      async () => {
        errors.category.textContent = errors.description.textContent = "";
        alert.replaceChildren();
        if (!category.value || !description.value.trim()) {
          errors.category.textContent = category.value ? "" : t("agent.form.required");
          errors.description.textContent = description.value.trim() ? "" : t("agent.form.required");
          return;
        }
        const answer = await this.api.post("/api/complaints", { job_id: job.id, channel: channel.value, category: category.value, description: description.value.trim() });
        if (answer.kind === OK) {
          await this.render();
          this.notice.ok(t("agent.complaint.recorded", { number: answer.body.number, due: time(answer.body.due_at) }));
          return;
        }
        this.showFieldProblems(answer, errors, alert);
      },
      { class: "primary" },
    );
    const list = raised.length
      ? h(
          "ul",
          { class: "complaints", "data-testid": "complaints" },
          raised.map((complaint) =>
            h(
              "li",
              { dataset: { complaintId: complaint.id, category: complaint.category } },
              h("strong", {}, complaint.number),
              ` ${t(`agent.complaintCategory.${complaint.category}`)} · ${time(complaint.created_at)} · `,
              t(complaint.overdue ? "agent.complaint.overdue" : `agent.complaint.${complaint.status}`),
              complaint.repeat ? ` · ${t("agent.complaint.repeat")}` : "",
              h("p", { class: "said" }, complaint.description),
            ),
          ),
        )
      : null;
    return h(
      "section",
      { class: "panel" },
      list ? [h("h3", {}, t("agent.complaints")), list] : null,
      h(
        "details",
        { class: "step-form", "data-testid": "complaint-form" },
        h("summary", {}, t("agent.complaint.title")),
        h(
          "form",
          { novalidate: true, onsubmit: (event) => (event.preventDefault(), submit.click()) },
          h("div", { class: "grid" }, field(t("agent.complaint.category"), category, errors.category), field(t("agent.complaint.channel"), channel)),
          field(t("agent.complaint.description"), description, errors.description),
          alert,
          submit,
        ),
      ),
    );
  }

  // Escalate and cancel, when the server offers them to the agent on this job now.
  stepForms(job) {
    const forms = ["escalate", "cancel"]
      .filter((step) => job.actions?.includes(step))
      .map((step) => {
        const reason = h("textarea", { name: "reason", id: `${step}-reason`, rows: 2, maxlength: 2000, "aria-describedby": `${step}-reason-error` });
        const error = h("span", { class: "field-error", id: `${step}-reason-error`, "data-error-for": "reason" });
        const submit = action(
          step,
          t(`agent.${step}.submit`),
          async () => {
            error.textContent = "";
            if (!reason.value.trim()) {
              error.textContent = t("agent.form.required");
              return;
            }
            const answer = await this.api.post(`/api/jobs/${job.id}/${step}`, { reason: reason.value.trim() });
            if (answer.kind === OK) {
              await this.render();
              this.notice.ok(t(`agent.${step}.done`, { number: job.number }));
              return;
            }
            if (stale(answer)) {
              await this.render();
            } else if (fieldProblems(answer).reason) {
              error.textContent = t("agent.invalid.reason");
            }
            this.notice.fail(answer);
          },
          { class: step === "cancel" ? "danger" : "primary" },
        );
        return h(
          "details",
          { class: "step-form", "data-testid": `${step}-form` },
          h("summary", {}, t(`agent.${step}.title`)),
          h("form", { novalidate: true, onsubmit: (event) => (event.preventDefault(), submit.click()) }, field(t(`agent.${step}.reason`), reason, error), submit),
        );
      });
    return forms.length ? h("section", { class: "panel" }, forms) : null;
  }

  // ---------------------------------------------------- a callback and its attempt form

  async callbackCase(id) {
    const answer = await this.api.get(`/api/callbacks/${encodeURIComponent(id)}`);
    if (answer.kind !== OK) {
      return this.failed(answer);
    }
    const callback = answer.body;
    const jobAnswer = await this.api.get(`/api/jobs/${callback.job_id}`);
    const job = jobAnswer.kind === OK ? jobAnswer.body : null;
    const tries = callback.history.map((attempt) =>
      h(
        "li",
        { dataset: { reached: String(attempt.reached) } },
        t(attempt.reached ? "agent.callback.triedReached" : "agent.callback.triedNotReached", { when: time(attempt.at), agent: attempt.agent }),
        attempt.reached ? h("span", { class: "given" }, t("agent.callback.scoresGiven", attempt)) : null,
        attempt.comments ? h("p", { class: "said" }, attempt.comments) : null,
      ),
    );
    return h(
      "div",
      { class: "callback-case", "data-testid": "callback-case", dataset: { callbackId: callback.id } },
      h(
        "section",
        { class: "panel" },
        h(
          "h2",
          {},
          t("agent.callback.title", { number: callback.job_number }),
          " ",
          h("span", { class: `state callback-${callback.status}`, "data-testid": "callback-status", dataset: { status: callback.status } }, t(`agent.callback.status.${callback.status}`)),
          callback.overdue ? h("span", { class: "mark overdue" }, t("agent.callback.overdueMark")) : null,
        ),
        h(
          "dl",
          {},
          fact(
            t("agent.callback.customer"),
            [callback.customer_name, " ", h("a", { href: `tel:${callback.customer_phone}` }, callback.customer_phone), " · ", h("a", { href: this.link("", { phone: callback.customer_phone }) }, t("agent.job.backToCaller"))],
          ),
          fact(t("agent.job"), h("a", { href: this.link(`job/${callback.job_id}`) }, callback.job_number)),
          job ? fact(t("agent.unit"), unitText(job.request.serial, job.request.model, job.request.category)) : null,
          job ? fact(t("agent.fault"), job.request.fault_description) : null,
          job?.provider_name ? fact(t("agent.provider"), job.provider_name) : null,
          job?.technician ? fact(t("agent.job.technician"), personName(job.technician)) : null,
          fact(t("agent.callback.completed"), time(callback.job_completed_at)),
          fact(t("agent.callback.dueAt"), time(callback.due_at)),
          callback.status === "open" ? fact(t("agent.callback.nextTry"), time(callback.next_attempt_at)) : null,
        ),
        callback.complaint_id ? h("p", { class: "notice" }, t("agent.callback.complaint")) : null,
      ),
      h(
        "section",
        { class: "panel" },
        h("h3", {}, t("agent.callback.history")),
        tries.length ? h("ol", { class: "attempts", "data-testid": "attempts" }, tries) : h("p", { class: "empty" }, t("agent.callback.noHistory")),
      ),
      callback.status === "open" ? this.attemptForm(callback) : null,
    );
  }

  attemptForm(callback) {
    const outcome = (value) => h("input", { type: "radio", name: "outcome", value });
    const reached = outcome("reached");
    const notReached = outcome("not_reached");
    const errors = { outcome: h("span", { class: "field-error", "data-error-for": "outcome", id: "attempt-outcome-error" }) };
    const scores = {};
    for (const name of SCORES) {
      errors[name] = h("span", { class: "field-error", "data-error-for": name, id: `attempt-${name}-error` });
      scores[name] = h(
        "select",
        { name, id: `attempt-${name}`, "aria-describedby": `attempt-${name}-error` },
        h("option", { value: "" }, t("agent.form.choose")),
        [5, 4, 3, 2, 1].map((score) => h("option", { value: String(score) }, t(`agent.attempt.score.${score}`))),
      );
    }
    const comments = h("textarea", { name: "comments", id: "attempt-comments", rows: 2, maxlength: 4000 });
    const complains = h("input", { type: "checkbox", name: "complains" });
    const category = h("select", { name: "category", id: "attempt-category" }, h("option", { value: "" }, t("agent.form.choose")), options(COMPLAINT_CATEGORIES, (value) => t(`agent.complaintCategory.${value}`)));
    const description = h("textarea", { name: "description", id: "attempt-description", rows: 2, maxlength: 4000 });
    errors.category = h("span", { class: "field-error", "data-error-for": "category" });
    const complaint = h(
      "div",
      { class: "grid", hidden: true },
      field(t("agent.complaint.category"), category, errors.category),
      field(t("agent.complaint.description"), description),
    );
    const scored = h(
      "fieldset",
      { class: "scores", hidden: true },
      h("legend", {}, t("agent.attempt.scores")),
      h("p", { class: "scale" }, t("agent.attempt.scale")),
      SCORES.map((name) => field(t(`agent.attempt.${name}`), scores[name], errors[name])),
      h("label", { class: "check" }, complains, h("span", {}, t("agent.attempt.complains"))),
      complaint,
    );
    const reshow = () => {
      scored.hidden = !reached.checked;
      complaint.hidden = !complains.checked;
    };
    for (const input of [reached, notReached, complains]) {
      input.addEventListener("change", reshow);
    }
    const alert = h("div", { class: "form-alert" });
    const submit = action(
      "record-attempt",
      t("agent.attempt.submit"),
      async () => {
        for (const span of Object.values(errors)) {
          span.textContent = "";
        }
        alert.replaceChildren();
        const values = {
          outcome: reached.checked ? "reached" : notReached.checked ? "not_reached" : "",
          comments: comments.value,
          complains: complains.checked,
          category: category.value,
          description: description.value,
          ...Object.fromEntries(SCORES.map((name) => [name, scores[name].value])),
        };
        const { body, problems } = attemptBody(values);
        if (Object.keys(problems).length) {
          for (const [name, key] of Object.entries(problems)) {
            errors[name].textContent = t(key);
          }
          return;
        }
        const answer = await this.api.post(`/api/callbacks/${callback.id}/attempts`, body);
        if (answer.kind !== OK) {
          if (stale(answer)) {
            await this.render();
            this.notice.fail(answer);
            return;
          }
          this.showFieldProblems(answer, errors, alert);
          return;
        }
        const saved = answer.body;
        let said;
        if (saved.status === "open") {
          said = t("agent.attempt.savedRetry", { when: time(saved.next_attempt_at) });
        } else if (saved.status === "unreachable") {
          said = t("agent.attempt.savedUnreachable", { count: saved.attempts });
        } else if (saved.complaint_id) {
          const opened = await this.api.get(`/api/complaints/${saved.complaint_id}`);
          said = t("agent.attempt.savedComplaint", { number: opened.kind === OK ? opened.body.number : "" });
        } else {
          said = t("agent.attempt.savedReached");
        }
        await this.render();
        this.notice.ok(said);
      },
      { class: "primary" },
    );
    return h(
      "form",
      { class: "panel attempt-form", "data-testid": "attempt-form", novalidate: true, onsubmit: (event) => (event.preventDefault(), submit.click()) },
      h("h3", {}, t("agent.attempt.title")),
      h(
        "fieldset",
        { class: "outcome", "aria-describedby": "attempt-outcome-error" },
        h("legend", {}, t("agent.attempt.outcome")),
        h("label", { class: "check" }, reached, h("span", {}, t("agent.attempt.reached"))),
        h("label", { class: "check" }, notReached, h("span", {}, t("agent.attempt.notReached"))),
        errors.outcome,
      ),
      scored,
      field(t("agent.attempt.comments"), comments),
      alert,
      submit,
    );
  }

  // ---------------------------------------------------- a care task

  async careCase(id) {
    const open = await this.openTasks;
    const task = open.kind === OK ? open.body.items.find((each) => each.id === id) : null;
    if (!task) {
      return h("p", { class: "panel", "data-testid": "care-gone" }, t("agent.care.gone"));
    }
    const note = h("textarea", { name: "note", id: "care-note", rows: 2, maxlength: 4000 });
    const done = action(
      "care-done",
      t("agent.care.done"),
      async () => {
        const answer = await this.api.post(`/api/care-tasks/${task.id}/done`, { note: note.value.trim() });
        if (answer.kind === OK) {
          flash = t("agent.care.saved");
          location.hash = this.link();
          return;
        }
        if (stale(answer)) {
          await this.render();
        }
        this.notice.fail(answer);
      },
      { class: "primary" },
    );
    const today = localToday();
    return h(
      "div",
      { class: "care-case", "data-testid": "care-case", dataset: { taskId: task.id } },
      h(
        "section",
        { class: "panel" },
        h("h2", {}, t("agent.care.title", { kind: t(`agent.care.kind.${task.kind}`) })),
        h(
          "dl",
          {},
          fact(t("agent.care.customer"), [task.customer_name, " ", h("a", { href: `tel:${task.customer_phone}` }, task.customer_phone)]),
          task.serial ? fact(t("agent.serial"), task.serial) : null,
          fact(t("agent.care.dueOn"), task.due_on < today ? t("agent.overdueSince", { day: calendarDay(task.due_on) }) : calendarDay(task.due_on)),
          task.note ? fact(t("agent.care.note"), task.note) : null,
        ),
        h("a", { href: this.link("", { phone: task.customer_phone }), "data-testid": "care-lookup" }, t("agent.care.lookUp")),
      ),
      h("form", { class: "panel", novalidate: true, onsubmit: (event) => (event.preventDefault(), done.click()) }, field(t("agent.care.doneNote"), note), done),
    );
  }
}
