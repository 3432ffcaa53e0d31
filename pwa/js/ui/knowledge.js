// The knowledge base on the phone: FAQs and defects synced down with the catalogue, searched on the device
// itself, so a technician in a basement with no signal still finds what the fault code on the display means.

import { t } from "../i18n/index.js";
import { all } from "../store.js";
import { h } from "./dom.js";

export const TYPES = ["faq", "defect"];
// What a search looks in: what a technician reads, and the code the unit shows on its display.
const SEARCHED = ["title", "symptom", "cause", "fix", "fault_code"];

// The words of a query, lower-cased: "  E21 背光 " → ["e21", "背光"]. Chinese has no spaces between
// words, so a word here is a substring to find, never a token to compare with the entry's tokens.
export function words(query) {
  return String(query ?? "").toLowerCase().split(/\s+/).filter(Boolean);
}

// Whether every word appears somewhere in the entry's searched text, in any case (as the server's search).
export function matches(article, queryWords) {
  const text = SEARCHED.map((field) => article[field] ?? "").join("\n").toLowerCase();
  return queryWords.every((word) => text.includes(word));
}

// Whether the entry concerns `model`: it lists the model, or the model's whole category. No model: all do.
export function concerns(article, model, category) {
  if (!model) {
    return true;
  }
  return (article.models ?? []).includes(model) || Boolean(category && (article.categories ?? []).includes(category));
}

// The entries matching a query, a type and a model (with the model's category when known), newest first.
export function search(articles, { q = "", type = "", model = "", category = "" } = {}) {
  const queryWords = words(q);
  return articles
    .filter((a) => (!type || a.type === type) && concerns(a, model, category) && matches(a, queryWords))
    .sort((a, b) => (b.updated_at ?? "").localeCompare(a.updated_at ?? "") || b.id - a.id);
}

// The fault codes a completion may record for a unit of `model`: the defects concerning it, by code.
export function faultCodes(articles, model, category) {
  return articles
    .filter((a) => a.type === "defect" && a.fault_code && concerns(a, model, category))
    .sort((a, b) => a.fault_code.localeCompare(b.fault_code));
}

// A model's category, as the jobs the device holds know it (the phone holds no product list).
export async function categoriesOf(db) {
  const categories = new Map();
  for (const held of await all(db, "job")) {
    const request = held.data.request ?? {};
    if (request.model && request.category) {
      categories.set(request.model, request.category);
    }
  }
  return categories;
}

export class KnowledgeView {
  constructor({ db, model = "" }) {
    this.db = db;
    this.root = h("section", { class: "knowledge", "data-testid": "knowledge" });
    this.selected = null;
    this.query = h("input", { type: "search", name: "q", "data-testid": "kb-query", autocomplete: "off" });
    this.type = h("select", { name: "type", "data-testid": "kb-type" });
    this.model = h("select", { name: "model", "data-testid": "kb-model" });
    this.wantedModel = model;
    this.results = h("div", { class: "results", "data-testid": "kb-results" });
    for (const input of [this.query, this.type, this.model]) {
      input.addEventListener("input", () => this.showResults());
    }
    this.title = h("h1", {});
    this.labels = [h("span", {}), h("span", {}), h("span", {})];
    this.list = [
      this.title,
      h(
        "form",
        { class: "kb-search", role: "search", onsubmit: (event) => event.preventDefault() },
        h("label", {}, this.labels[0], this.query),
        h("label", {}, this.labels[1], this.type),
        h("label", {}, this.labels[2], this.model),
      ),
      this.results,
    ];
  }

  async render() {
    this.articles = (await all(this.db, "article")).map((held) => held.data);
    this.categories = await categoriesOf(this.db);
    this.fillFilters();
    if (this.selected !== null) {
      const article = this.articles.find((a) => a.id === this.selected);
      if (article) {
        this.root.replaceChildren(this.detail(article));
        return this.root;
      }
      this.selected = null; // withdrawn meanwhile: back to the list
    }
    // The list's elements stay in place: a sync finishing while someone types leaves the search box focused.
    if (this.root.firstChild !== this.title) {
      this.root.replaceChildren(...this.list);
    }
    this.title.textContent = t("kb.title");
    ["kb.search", "kb.type", "kb.model"].forEach((key, n) => (this.labels[n].textContent = t(key)));
    this.showResults();
    return this.root;
  }

  fillFilters() {
    this.query.placeholder = t("kb.searchHint");
    const type = this.type.value;
    this.type.replaceChildren(
      h("option", { value: "" }, t("kb.type.all")),
      ...TYPES.map((name) => h("option", { value: name }, t(`kb.type.${name}`))),
    );
    this.type.value = type;
    const model = this.model.value || this.wantedModel;
    this.wantedModel = "";
    const models = new Set(this.categories.keys());
    for (const article of this.articles) {
      (article.models ?? []).forEach((m) => models.add(m));
    }
    if (model) {
      models.add(model);
    }
    this.model.replaceChildren(
      h("option", { value: "" }, t("kb.model.all")),
      ...[...models].sort().map((m) => h("option", { value: m }, m)),
    );
    this.model.value = model;
  }

  showResults() {
    if (!this.articles.length) {
      this.results.replaceChildren(h("p", { class: "empty" }, t("kb.nothingHeld")));
      return;
    }
    const found = search(this.articles, {
      q: this.query.value,
      type: this.type.value,
      model: this.model.value,
      category: this.categories.get(this.model.value) ?? "",
    });
    this.results.replaceChildren(
      h("p", { class: "count", "data-testid": "kb-count", dataset: { count: found.length } }, t("kb.count", { count: found.length })),
      found.length
        ? h("ul", { class: "cards" }, found.map((article) => this.item(article)))
        : h("p", { class: "empty" }, t("kb.noMatch")),
    );
  }

  item(article) {
    const open = h(
      "a",
      { href: "#/knowledge", onclick: (event) => this.open(event, article.id) },
      h("span", { class: `kb-type kb-${article.type}` }, t(`kb.type.${article.type}`), article.fault_code ? ` ${article.fault_code}` : ""),
      h("strong", {}, article.title),
      article.symptom ? h("span", { class: "symptom" }, article.symptom) : null,
    );
    return h("li", { dataset: { articleId: article.id, type: article.type } }, open);
  }

  open(event, id) {
    event.preventDefault();
    this.selected = id;
    return this.render();
  }

  detail(article) {
    const back = h("button", { type: "button", class: "back", "data-testid": "kb-back" }, t("kb.back"));
    back.addEventListener("click", () => {
      this.selected = null;
      this.render();
    });
    const section = (key, text) => (text ? [h("dt", {}, t(key)), h("dd", {}, text)] : null);
    const scope = [...(article.models ?? []), ...(article.categories ?? []).map((c) => t("kb.category", { category: c }))];
    return h(
      "article",
      { class: "kb-detail", "data-testid": "kb-detail", dataset: { articleId: article.id } },
      back,
      h("h1", {}, article.title),
      h(
        "dl",
        {},
        section("kb.type", t(`kb.type.${article.type}`)),
        section("kb.faultCode", article.fault_code),
        section("kb.symptom", article.symptom),
        section("kb.cause", article.cause),
        section("kb.fix", article.fix),
        section("kb.models", scope.join(", ")),
        (article.parts ?? []).length
          ? [h("dt", {}, t("kb.parts")), h("dd", {}, h("ul", {}, article.parts.map((p) => h("li", {}, `${p.part_no} ${p.name ?? ""}`))))]
          : null,
      ),
    );
  }
}
