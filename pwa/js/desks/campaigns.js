// The call-centre supervisor's customer-care campaigns (客户关怀, #/campaigns): the campaigns with their state and
// results; a new campaign (#/campaigns/new) or a draft (#/campaigns/<id>): its text picked from a template or
// written, with chips that insert the placeholders, who it goes to (product lines, models, sale dates, provinces,
// warranty), a preview of the count and a few real messages, then saved, planned, started, paused or cancelled;
// the templates (#/campaigns/templates) and the opted-out phones (#/campaigns/opt-outs).

import { addStrings, language } from "../i18n/index.js";
import strings from "./campaigns-strings.js";
import { OK, action, day, explainRefusal, h, notice, problem, t, time, useStyles } from "./kit.js";

addStrings(strings);

export const PLACEHOLDERS = ["model", "category", "product_name", "sale_date", "province", "city", "serial_tail", "hotline"];
export const STATUSES = ["draft", "planned", "sending", "paused", "done", "cancelled"];
const ACTIONS = ["plan", "start", "pause", "cancel"];
const TABS = ["list", "templates", "opt-outs"];
const PAGE = 100;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

// The words of one status, never its code.
export function statusText(status) {
  return STATUSES.includes(status) ? t(`campaigns.status.${status}`) : t("campaigns.status.other");
}

// What a campaign form lacks before it is sent ({field: words}), empty when it may go.
export function formProblems({ name, body, rate, soldFrom, soldTo }) {
  const wrong = {};
  if (!name.trim()) {
    wrong.name = t("campaigns.needName");
  }
  if (!body.trim()) {
    wrong.body = t("campaigns.needBody");
  }
  if (!/^\d+$/.test(String(rate).trim()) || Number(rate) < 1 || Number(rate) > 100000) {
    wrong.rate_per_minute = t("campaigns.badRate");
  }
  if (soldFrom && soldTo && DAY.test(soldFrom) && DAY.test(soldTo) && soldTo < soldFrom) {
    wrong["filters.sold_to"] = t("campaigns.badDates");
  }
  return wrong;
}

// A refusal's fields said in the user's language: {field: words}. The server names the field (and, for a text,
// the placeholder at fault); the words are the app's.
export function refusedFields(answer) {
  const fields = answer.kind === "error" ? (answer.details?.fields ?? {}) : {};
  const said = {};
  for (const field of Object.keys(fields)) {
    if (field === "body") {
      const placeholder = answer.details?.placeholder;
      said.body = placeholder ? t("campaigns.badPlaceholder", { placeholder }) : t("campaigns.needBody");
    } else if (field === "filters" || field.startsWith("filters.")) {
      const unknown = (answer.details?.unknown ?? []).join(", ");
      const key = `campaigns.refused.${field}`;
      const words = t(key, { unknown });
      said[field] = words === key ? t("campaigns.refused.filters") : words;
    } else {
      const key = `campaigns.refused.${field}`;
      const words = t(key);
      said[field] = words === key ? t("campaigns.refused.other") : words;
    }
  }
  return said;
}

// Units under a service card valid today (of any type, or of one), or under none.
export const CARD_STATES = ["valid", "extended_warranty", "service_contract", "none"];

// The filters as the API takes them, from the form's values: only what narrows.
export function filtersFrom({ categories, models, provinces, soldFrom, soldTo, warranty, card = "" }) {
  const filters = {};
  if (categories.length) filters.categories = categories;
  if (models.length) filters.models = models;
  if (provinces.length) filters.province_codes = provinces;
  if (soldFrom) filters.sold_from = soldFrom;
  if (soldTo) filters.sold_to = soldTo;
  if (warranty === "in" || warranty === "out") filters.warranty = warranty;
  if (CARD_STATES.includes(card)) filters.card = card;
  return filters;
}

// Text typed at the cursor of a textarea (a placeholder chip), the cursor left after it.
export function insertAt(area, text) {
  const start = area.selectionStart ?? area.value.length;
  const end = area.selectionEnd ?? start;
  area.value = area.value.slice(0, start) + text + area.value.slice(end);
  area.selectionStart = area.selectionEnd = start + text.length;
  area.dispatchEvent(new Event("input"));
  area.focus();
}

// A text as a person reads it: each placeholder shown as the detail it stands for ("{model}" → "[Model]").
export function readable(body) {
  return body.replace(/\{(\w+)\}/g, (written, name) => (PLACEHOLDERS.includes(name) ? `[${t(`campaigns.placeholder.${name}`)}]` : written));
}

function categoryText(code) {
  const key = `campaigns.category.${code}`;
  const words = t(key);
  return words === key ? code : words;
}

export class View {
  constructor({ api, user, path }) {
    Object.assign(this, { api, user });
    this.online = true;
    this.tab = TABS.includes(path[0]) ? path[0] : "list";
    this.campaignId = /^\d+$/.test(path[0] ?? "") ? Number(path[0]) : null;
    this.creating = path[0] === "new";
    this.root = h("section", { class: "campaigns-desk", "data-testid": "campaigns-desk" });
    this.notice = notice();
  }

  async render() {
    useStyles("campaigns");
    if (this.language && this.language !== language()) {
      this.notice.clear();
    }
    this.language = language();
    if (this.creating || this.campaignId) {
      await this.editor();
    } else if (this.tab === "templates") {
      await this.templates();
    } else if (this.tab === "opt-outs") {
      await this.optOuts();
    } else {
      await this.list();
    }
    return this.root;
  }

  async settle(say) {
    await this.render();
    say();
  }

  tabs() {
    const current = this.creating || this.campaignId ? "list" : this.tab;
    return h(
      "nav",
      { class: "tabs", "aria-label": t("campaigns.tabs") },
      TABS.map((name) =>
        h(
          "a",
          { href: name === "list" ? "#/campaigns" : `#/campaigns/${name}`, class: name === current ? "current" : null, "aria-current": name === current ? "page" : null, "data-tab": name },
          t(`campaigns.tab.${name}`),
        ),
      ),
    );
  }

  page(...content) {
    this.root.replaceChildren(h("h1", {}, t("campaigns.title")), this.tabs(), this.notice.element, ...content);
  }

  failed(answer) {
    this.page(h("p", { class: "notice error", role: "alert" }, problem(answer)));
  }

  // ------------------------------------------------------------ the campaigns

  async list() {
    const answer = await this.api.get("/api/campaigns", { per_page: PAGE });
    if (answer.kind !== OK) {
      this.failed(answer);
      return;
    }
    const rows = answer.body.items.map((campaign) => {
      const results = campaign.results;
      return h(
        "tr",
        { "data-campaign-id": campaign.id, "data-status": campaign.status },
        h("td", {}, h("a", { href: `#/campaigns/${campaign.id}` }, campaign.name)),
        h("td", {}, h("span", { class: `state campaign-${campaign.status}` }, statusText(campaign.status))),
        h("td", { class: "num" }, String(results.planned)),
        h("td", { class: "num" }, String(results.sent)),
        h("td", { class: "num" }, String(results.failed)),
        h("td", { class: "num" }, String(results.opted_out)),
        h("td", { class: "num" }, String(results.pending)),
        h("td", {}, time(campaign.created_at)),
      );
    });
    const headings = ["name", "status", "planned", "sent", "failed", "opted_out", "pending", "created"].map((name) =>
      h("th", { scope: "col", class: ["name", "status", "created"].includes(name) ? null : "num" }, t(`campaigns.col.${name}`)),
    );
    this.page(
      h("p", { class: "hint" }, t("campaigns.hint")),
      h("p", {}, h("a", { href: "#/campaigns/new", class: "button primary", "data-action": "new-campaign" }, t("campaigns.new"))),
      rows.length
        ? h(
            "div",
            { class: "table-wrap" },
            h("table", { class: "campaign-table", "data-testid": "campaign-list" }, h("caption", { class: "visually-hidden" }, t("campaigns.title")), h("thead", {}, h("tr", {}, headings)), h("tbody", {}, rows)),
          )
        : h("p", { class: "empty" }, t("campaigns.none")),
    );
  }

  // ------------------------------------------------------------ one campaign: the editor, its state and results

  async editor() {
    const [products, regions, templates, found] = await Promise.all([
      this.api.get("/api/admin/products", { per_page: 500 }),
      this.api.get("/api/admin/regions", { level: "province", per_page: 500 }),
      this.api.get("/api/campaigns/templates"),
      this.campaignId ? this.api.get(`/api/campaigns/${this.campaignId}`) : Promise.resolve({ kind: OK, body: null }),
    ]);
    const failed = [products, regions, templates, found].find((answer) => answer.kind !== OK);
    if (failed) {
      this.failed(failed);
      return;
    }
    const campaign = found.body;
    const editable = !campaign || campaign.status === "draft";
    const filters = campaign?.filters ?? {};
    const values = {
      name: campaign?.name ?? "",
      templateId: campaign?.template_id ?? "",
      body: campaign?.body ?? "",
      rate: campaign?.rate_per_minute ?? 60,
      categories: filters.categories ?? [],
      models: filters.models ?? [],
      provinces: filters.province_codes ?? [],
      soldFrom: filters.sold_from ?? "",
      soldTo: filters.sold_to ?? "",
      warranty: filters.warranty ?? "",
      card: filters.card ?? "",
    };
    const errors = {};
    const errorFor = (field) => (errors[field] = h("span", { class: "field-error", "data-error-for": field, role: "alert" }));
    const disabled = !editable;
    const id = (name) => `campaign-${name}`;

    const name = h("input", { id: id("name"), name: "name", value: values.name, maxlength: 128, disabled, autocomplete: "off" });
    name.addEventListener("input", () => (values.name = name.value));

    const body = h("textarea", { id: id("body"), name: "body", rows: 4, maxlength: 1000, disabled }, values.body);
    body.addEventListener("input", () => (values.body = body.value));
    const templateSelect = h(
      "select",
      { id: id("template"), name: "template", disabled },
      h("option", { value: "" }, t("campaigns.ownText")),
      templates.body.items.map((template) => h("option", { value: template.id, selected: String(values.templateId) === String(template.id) }, template.name)),
    );
    templateSelect.addEventListener("change", () => {
      values.templateId = templateSelect.value;
      const template = templates.body.items.find((each) => String(each.id) === templateSelect.value);
      if (template) {
        body.value = values.body = template.body;
      }
    });
    const chips = h(
      "div",
      { class: "chips", role: "group", "aria-label": t("campaigns.placeholders") },
      PLACEHOLDERS.map((placeholder) =>
        h("button", { type: "button", class: "chip", disabled, "data-placeholder": placeholder, title: t(`campaigns.placeholder.${placeholder}`), onclick: () => insertAt(body, `{${placeholder}}`) }, t(`campaigns.placeholder.${placeholder}`)),
      ),
    );

    const categories = [...new Set(products.body.items.map((product) => product.category))].sort();
    const checkboxes = (field, options, label, chosen) =>
      h(
        "fieldset",
        { class: "choices", "data-filter": field },
        h("legend", {}, t(label)),
        options.map(([code, words]) => {
          const box = h("input", { type: "checkbox", value: code, checked: chosen.includes(code), disabled });
          box.addEventListener("change", () => {
            const list = values[field];
            const at = list.indexOf(code);
            if (box.checked && at < 0) list.push(code);
            if (!box.checked && at >= 0) list.splice(at, 1);
          });
          return h("label", { class: "choice" }, box, words);
        }),
        errorFor(`filters.${{ categories: "categories", models: "models", provinces: "province_codes" }[field]}`),
      );
    const dateInput = (field, key) => {
      const input = h("input", { type: "date", id: id(field), value: values[key], disabled });
      input.addEventListener("input", () => (values[key] = input.value));
      return input;
    };
    const warranty = h(
      "fieldset",
      { class: "choices", "data-filter": "warranty" },
      h("legend", {}, t("campaigns.warranty")),
      ["", "in", "out"].map((state) => {
        const radio = h("input", { type: "radio", name: "warranty", value: state, checked: values.warranty === state, disabled });
        radio.addEventListener("change", () => (values.warranty = state));
        return h("label", { class: "choice" }, radio, t(`campaigns.warranty.${state || "any"}`));
      }),
      errorFor("filters.warranty"),
    );
    const card = h(
      "fieldset",
      { class: "choices", "data-filter": "card" },
      h("legend", {}, t("campaigns.card")),
      ["", ...CARD_STATES].map((state) => {
        const radio = h("input", { type: "radio", name: "card", value: state, checked: values.card === state, disabled });
        radio.addEventListener("change", () => (values.card = state));
        return h("label", { class: "choice" }, radio, t(`campaigns.card.${state || "any"}`));
      }),
      errorFor("filters.card"),
    );
    const rate = h("input", { id: id("rate"), type: "number", min: 1, max: 100000, step: 1, value: values.rate, disabled, inputmode: "numeric" });
    rate.addEventListener("input", () => (values.rate = rate.value));
    const filtersError = errorFor("filters");
    const preview = h("div", { class: "preview", "data-testid": "campaign-preview", "aria-live": "polite" });
    const form = h(
      "form",
      { class: "panel campaign-form", novalidate: true, onsubmit: (event) => event.preventDefault() },
      h("label", { for: id("name") }, t("campaigns.name")),
      name,
      errorFor("name"),
      h("label", { for: id("template") }, t("campaigns.template")),
      templateSelect,
      h("label", { for: id("body") }, t("campaigns.body")),
      chips,
      body,
      h("p", { class: "hint" }, t("campaigns.optOutAdded")),
      errorFor("body"),
      h("h2", {}, t("campaigns.who")),
      checkboxes("categories", categories.map((code) => [code, categoryText(code)]), "campaigns.categories", values.categories),
      checkboxes("models", products.body.items.map((product) => [product.model, `${product.model} · ${product.name}`]), "campaigns.models", values.models),
      h(
        "div",
        { class: "dates" },
        h("label", { for: id("from") }, t("campaigns.soldFrom"), dateInput("from", "soldFrom")),
        h("label", { for: id("to") }, t("campaigns.soldTo"), dateInput("to", "soldTo")),
      ),
      errorFor("filters.sold_from"),
      errorFor("filters.sold_to"),
      checkboxes("provinces", regions.body.items.map((region) => [region.code, region.name]), "campaigns.provinces", values.provinces),
      errorFor("filters.region_codes"),
      warranty,
      card,
      filtersError,
      h("label", { for: id("rate") }, t("campaigns.rate")),
      rate,
      errorFor("rate_per_minute"),
      editable
        ? h(
            "div",
            { class: "buttons" },
            action("preview", t("campaigns.preview"), () => this.preview(values, errors, preview)),
            action("save", t("campaigns.save"), () => this.save(campaign, values, errors), { class: "primary" }),
          )
        : null,
      preview,
    );
    const head = campaign
      ? [
          h("h2", { class: "campaign-name" }, campaign.name, " ", h("span", { class: `state campaign-${campaign.status}`, "data-testid": "campaign-status", "data-status": campaign.status }, statusText(campaign.status))),
          this.results(campaign),
          h(
            "div",
            { class: "buttons", "data-testid": "campaign-actions" },
            ACTIONS.filter((name) => campaign.actions.includes(name)).map((name) =>
              action(name, t(`campaigns.action.${name}`), () => this.act(campaign, name), { class: name === "cancel" ? "danger" : "primary" }),
            ),
          ),
        ]
      : [h("h2", {}, t("campaigns.new"))];
    this.page(h("a", { href: "#/campaigns", class: "back" }, t("campaigns.back")), ...head, form);
  }

  results(campaign) {
    const results = campaign.results;
    const row = (key, value) => [h("dt", {}, t(`campaigns.col.${key}`)), h("dd", { "data-result": key }, String(value))];
    return h(
      "dl",
      { class: "panel results", "data-testid": "campaign-results" },
      row("planned", results.planned),
      row("sent", results.sent),
      row("failed", results.failed),
      row("opted_out", results.opted_out),
      row("pending", results.pending),
      [h("dt", {}, t("campaigns.col.rate")), h("dd", {}, t("campaigns.perMinute", { count: campaign.rate_per_minute }))],
      campaign.planned_at ? [h("dt", {}, t("campaigns.col.plannedAt")), h("dd", {}, time(campaign.planned_at))] : [],
      campaign.started_at ? [h("dt", {}, t("campaigns.col.startedAt")), h("dd", {}, time(campaign.started_at))] : [],
      campaign.finished_at ? [h("dt", {}, t("campaigns.col.finishedAt")), h("dd", {}, time(campaign.finished_at))] : [],
    );
  }

  showErrors(errors, said) {
    for (const span of Object.values(errors)) {
      span.textContent = "";
    }
    let shown = false;
    for (const [field, words] of Object.entries(said)) {
      const span = errors[field] ?? errors.filters;
      if (span) {
        span.textContent = words;
        shown = true;
      }
    }
    const first = Object.values(errors).find((span) => span.textContent);
    first?.scrollIntoView?.({ block: "nearest" });
    return shown;
  }

  requestOf(values) {
    const asked = { filters: filtersFrom(values), body: values.body };
    if (values.templateId) {
      asked.template_id = Number(values.templateId);
    }
    return asked;
  }

  async preview(values, errors, area) {
    this.notice.clear();
    const wrong = formProblems({ ...values, name: "-", rate: 1 });
    if (this.showErrors(errors, wrong)) {
      return;
    }
    const answer = await this.api.post("/api/campaigns/preview", this.requestOf(values));
    if (answer.kind !== OK) {
      if (!this.showErrors(errors, refusedFields(answer))) {
        this.notice.fail(answer);
      }
      area.replaceChildren();
      return;
    }
    const { count, opted_out: optedOut, sample } = answer.body;
    area.replaceChildren(
      h("p", { "data-testid": "preview-count" }, t("campaigns.reach", { count, optedOut })),
      sample.length
        ? h("ul", { class: "samples", "data-testid": "preview-sample" }, sample.map((item) => h("li", {}, h("span", { class: "phone" }, item.phone), h("span", {}, item.body))))
        : h("p", { class: "empty" }, t("campaigns.nobody")),
    );
  }

  async save(campaign, values, errors) {
    this.notice.clear();
    if (this.showErrors(errors, formProblems(values))) {
      return;
    }
    const asked = { ...this.requestOf(values), name: values.name.trim(), rate_per_minute: Number(values.rate) };
    const answer = campaign
      ? await this.api.request("PUT", `/api/campaigns/${campaign.id}`, { json: asked })
      : await this.api.post("/api/campaigns", asked);
    if (answer.kind !== OK) {
      if (!this.showErrors(errors, refusedFields(answer))) {
        await explainRefusal(this, answer);
      }
      return;
    }
    if (campaign) {
      await this.settle(() => this.notice.ok(t("campaigns.saved", { name: answer.body.name })));
    } else {
      location.hash = `#/campaigns/${answer.body.id}`;
    }
  }

  async act(campaign, name) {
    this.notice.clear();
    const answer = await this.api.post(`/api/campaigns/${campaign.id}/${name}`, {});
    if (answer.kind !== OK) {
      await explainRefusal(this, answer);
      return;
    }
    const said = name === "plan" ? t("campaigns.planned", { count: answer.body.results.planned, optedOut: answer.body.results.opted_out }) : t(`campaigns.done.${name}`);
    await this.settle(() => this.notice.ok(said));
  }

  // ------------------------------------------------------------ templates

  async templates() {
    const answer = await this.api.get("/api/campaigns/templates");
    if (answer.kind !== OK) {
      this.failed(answer);
      return;
    }
    const items = answer.body.items.map((template) =>
      h(
        "li",
        { "data-template-id": template.id },
        h("div", { class: "line-head" }, h("strong", {}, template.name), h("span", { class: "muted" }, template.code)),
        h("p", { class: "template-body" }, readable(template.body)),
        h("span", { class: "muted" }, t("campaigns.changedAt", { when: time(template.updated_at) })),
        h(
          "div",
          { class: "buttons" },
          action("edit", t("campaigns.editTemplate"), () => this.editTemplate(template), { "aria-label": t("campaigns.editNamed", { name: template.name }) }),
          action("delete", t("campaigns.deleteTemplate"), () => this.deleteTemplate(template), { class: "danger", "aria-label": t("campaigns.deleteNamed", { name: template.name }) }),
        ),
      ),
    );
    // The template being edited (still listed), or none: the form adds a new one.
    const editing = answer.body.items.find((template) => template.id === this.editingId) ?? null;
    const values = editing ? { code: editing.code, name: editing.name, body: editing.body } : { code: "", name: "", body: "" };
    const errors = {};
    const field = (key, element) => {
      element.addEventListener("input", () => (values[key] = element.value));
      errors[key] = h("span", { class: "field-error", "data-error-for": key, role: "alert" });
      return [h("label", { for: `template-${key}` }, t(`campaigns.templateField.${key}`)), element, errors[key]];
    };
    const body = h("textarea", { id: "template-body", rows: 3, maxlength: 1000 }, values.body);
    const chips = h(
      "div",
      { class: "chips", role: "group", "aria-label": t("campaigns.placeholders") },
      PLACEHOLDERS.map((placeholder) => h("button", { type: "button", class: "chip", "data-placeholder": placeholder, onclick: () => insertAt(body, `{${placeholder}}`) }, t(`campaigns.placeholder.${placeholder}`))),
    );
    const form = h(
      "form",
      { class: "panel template-form", novalidate: true, onsubmit: (event) => event.preventDefault() },
      h("h2", {}, editing ? t("campaigns.editingTemplate", { name: editing.name }) : t("campaigns.newTemplate")),
      field("code", h("input", { id: "template-code", maxlength: 64, autocomplete: "off", spellcheck: "false", value: values.code })),
      field("name", h("input", { id: "template-name", maxlength: 128, autocomplete: "off", value: values.name })),
      h("label", { for: "template-body" }, t("campaigns.templateField.body")),
      chips,
      body,
      (errors.body = h("span", { class: "field-error", "data-error-for": "body", role: "alert" })),
      editing
        ? h(
            "div",
            { class: "buttons" },
            action("save-template", t("campaigns.saveTemplate"), () => this.addTemplate(values, errors, editing), { class: "primary" }),
            action("stop-editing", t("campaigns.stopEditing"), () => this.editTemplate(null)),
          )
        : action("add-template", t("campaigns.addTemplate"), () => this.addTemplate(values, errors), { class: "primary" }),
    );
    body.addEventListener("input", () => (values.body = body.value));
    this.page(
      h("p", { class: "hint" }, t("campaigns.templatesHint")),
      items.length ? h("ul", { class: "template-cards", "data-testid": "template-list" }, items) : h("p", { class: "empty" }, t("campaigns.noTemplates")),
      form,
    );
  }

  async editTemplate(template) {
    this.notice.clear();
    this.editingId = template?.id ?? null;
    await this.render();
    this.root.querySelector(template ? "#template-body" : "#template-code")?.focus();
  }

  // A new template, or the changes to ``editing``.
  async addTemplate(values, errors, editing = null) {
    this.notice.clear();
    const wrong = {};
    if (!/^[a-z0-9][a-z0-9_.-]{0,63}$/.test(values.code.trim())) wrong.code = t("campaigns.badCode");
    if (!values.name.trim()) wrong.name = t("campaigns.needName");
    if (!values.body.trim()) wrong.body = t("campaigns.needBody");
    if (this.showErrors(errors, wrong)) {
      return;
    }
    const sent = { code: values.code.trim(), name: values.name.trim(), body: values.body };
    const answer = editing
      ? await this.api.request("PATCH", `/api/campaigns/templates/${editing.id}`, { json: sent })
      : await this.api.post("/api/campaigns/templates", sent);
    if (answer.kind === OK) {
      this.editingId = null;
      await this.settle(() => this.notice.ok(t(editing ? "campaigns.templateSaved" : "campaigns.templateAdded", { name: answer.body.name })));
    } else if (answer.code === "template_code_taken") {
      this.showErrors(errors, { code: t("error.template_code_taken") });
    } else if (!this.showErrors(errors, refusedFields(answer))) {
      await explainRefusal(this, answer);
    }
  }

  async deleteTemplate(template) {
    this.notice.clear();
    const answer = await this.api.request("DELETE", `/api/campaigns/templates/${template.id}`);
    if (answer.kind === OK) {
      await this.settle(() => this.notice.ok(t("campaigns.templateDeleted", { name: template.name })));
    } else {
      await explainRefusal(this, answer);
    }
  }

  // ------------------------------------------------------------ opt-outs

  async optOuts() {
    const answer = await this.api.get("/api/opt-outs", { per_page: PAGE });
    if (answer.kind !== OK) {
      this.failed(answer);
      return;
    }
    const rows = answer.body.items.map((item) =>
      h(
        "tr",
        { "data-phone": item.phone },
        h("td", {}, item.phone),
        h("td", {}, t(`campaigns.source.${item.source}`)),
        h("td", {}, time(item.created_at)),
        h("td", {}, action("opt-in", t("campaigns.optIn"), () => this.optIn(item.phone), { "aria-label": t("campaigns.optInPhone", { phone: item.phone }) })),
      ),
    );
    const phone = h("input", { id: "opt-out-phone", type: "tel", maxlength: 32, autocomplete: "off", inputmode: "tel" });
    const error = h("span", { class: "field-error", "data-error-for": "phone", role: "alert" });
    const headings = ["phone", "source", "when", "action"].map((name) => h("th", { scope: "col" }, t(`campaigns.optOutCol.${name}`)));
    this.page(
      h("p", { class: "hint" }, t("campaigns.optOutsHint")),
      h(
        "form",
        { class: "panel opt-out-form", novalidate: true, onsubmit: (event) => event.preventDefault() },
        h("label", { for: "opt-out-phone" }, t("campaigns.optOutPhone")),
        phone,
        error,
        action("opt-out", t("campaigns.optOut"), () => this.optOut(phone.value, error), { class: "primary" }),
      ),
      h("h2", {}, t("campaigns.optedOut"), " ", h("span", { class: "count" }, String(answer.body.total))),
      rows.length
        ? h("div", { class: "table-wrap" }, h("table", { "data-testid": "opt-out-list" }, h("thead", {}, h("tr", {}, headings)), h("tbody", {}, rows)))
        : h("p", { class: "empty" }, t("campaigns.noOptOuts")),
    );
  }

  async optOut(phone, error) {
    this.notice.clear();
    error.textContent = "";
    if (!/^\+?[0-9][0-9 -]{4,30}$/.test(phone.trim())) {
      error.textContent = t("campaigns.badPhone");
      return;
    }
    const answer = await this.api.post("/api/opt-outs", { phone: phone.trim() });
    if (answer.kind === OK) {
      await this.settle(() => this.notice.ok(t("campaigns.optedOutNow", { phone: answer.body.phone })));
    } else if (answer.code === "validation_error") {
      error.textContent = t("campaigns.badPhone");
    } else {
      await explainRefusal(this, answer);
    }
  }

  async optIn(phone) {
    this.notice.clear();
    const answer = await this.api.request("DELETE", `/api/opt-outs/${encodeURIComponent(phone)}`);
    if (answer.kind === OK) {
      await this.settle(() => this.notice.ok(t("campaigns.optedIn", { phone })));
    } else {
      await explainRefusal(this, answer);
    }
  }
}

export { day };
