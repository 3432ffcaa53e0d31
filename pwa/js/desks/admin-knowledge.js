// The admin's knowledge base editor: the entries (FAQ and defect entries) searched and filtered in the
// address, a new entry, an entry edited (a stale edit is refused with 409 and the fresh entry shown), withdrawn
// from searches and the phones, or brought back.
//
// #/admin/knowledge?q=…&type=…&status=withdrawn&page=…   the list
// #/admin/knowledge/new                                  the list and a new entry
// #/admin/knowledge/<id>                                 the list and that entry

import { OK, action, day, h, notice, problem, setQuery, sortedTable, t, time } from "./kit.js";
import { categoryName, everything, field, pager, reveal, showCase, showFieldProblems, warn } from "./admin-shared.js";

const PER_PAGE = 50;
const TYPES = ["faq", "defect"];
const FAULT_CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
const LIST = "#/admin/knowledge";

let flash = null;

export class KnowledgeTab {
  constructor({ api, path, query }) {
    this.api = api;
    this.selected = path[0] ?? null;
    this.query = query;
    this.note = notice();
    this.root = h("div", { class: "admin-knowledge", "data-testid": "admin-knowledge" });
  }

  async render() {
    const q = this.query.get("q") ?? "";
    const type = TYPES.includes(this.query.get("type")) ? this.query.get("type") : "";
    const withdrawn = this.query.get("status") === "withdrawn";
    const page = Number(this.query.get("page")) || 1;
    const editing = this.selected !== null;
    const [list, one, products, parts, policies] = await Promise.all([
      this.api.get("/api/knowledge", { page, per_page: PER_PAGE, active: !withdrawn, ...(q && { q }), ...(type && { type }) }),
      editing && this.selected !== "new" ? this.api.get(`/api/knowledge/${encodeURIComponent(this.selected)}`) : null,
      editing ? everything(this.api, "/api/admin/products") : null,
      editing ? everything(this.api, "/api/admin/parts") : null,
      editing ? everything(this.api, "/api/admin/policies") : null,
    ]);
    const failed = [list, products, parts, policies].find((answer) => answer && answer.kind !== OK);
    if (failed) {
      this.root.replaceChildren(h("p", { class: "notice error", role: "alert" }, problem(failed)));
      return this.root;
    }
    const flashed = Boolean(flash);
    if (flash) {
      this.note.ok(flash);
      flash = null;
    }
    this.catalogue = editing ? { products: products.items, parts: parts.items, complete: products.complete && parts.complete, categories: categories(products.items, policies.items) } : null;
    const queue = h(
      "div",
      {},
      this.filters(q, type, withdrawn),
      list.body.items.length
        ? sortedTable({
            testId: "articles",
            caption: t("admin.kb.caption"),
            sort: this.query.get("sort") ?? "",
            rows: list.body.items,
            rowAttributes: (each) => ({ "data-article-id": each.id, class: String(each.id) === this.selected ? "selected" : null }),
            columns: [
              { key: "title", label: t("admin.kb.entryTitle"), value: (each) => each.title, cell: (each) => h("a", { href: this.link(each.id) }, each.title) },
              { key: "type", label: t("kb.type"), value: (each) => t(`kb.type.${each.type}`) },
              { key: "code", label: t("kb.faultCode"), value: (each) => each.fault_code ?? "" },
              { key: "updated", label: t("admin.kb.updated"), value: (each) => each.updated_at, cell: (each) => day(each.updated_at) },
            ],
          })
        : h("p", { class: "empty" }, t(q || type ? "admin.kb.noMatch" : withdrawn ? "admin.kb.noneWithdrawn" : "admin.kb.none")),
      pager({ page, pages: list.body.pages, total: list.body.total, go: (next) => setQuery({ page: next }) }),
    );
    return showCase(this, {
      queue,
      one,
      selected: this.selected,
      flashed,
      forNew: () => this.editor(null),
      forItem: (body) => this.editor(body),
      empty: t("admin.kb.choose"),
    });
  }

  link(id) {
    const kept = this.query.toString();
    return `${LIST}/${id}${kept ? `?${kept}` : ""}`;
  }

  filters(q, type, withdrawn) {
    const words = h("input", { type: "search", name: "q", value: q, maxlength: 200, placeholder: t("kb.searchHint") });
    const search = h(
      "form",
      { novalidate: true, class: "filters kb-filters", role: "search", "aria-label": t("kb.search") },
      h("label", {}, t("kb.search"), words),
      h(
        "label",
        {},
        t("kb.type"),
        h(
          "select",
          { name: "type", onchange: (event) => setQuery({ type: event.target.value, page: "" }, LIST) },
          h("option", { value: "" }, t("kb.type.all")),
          TYPES.map((each) => h("option", { value: each, selected: each === type }, t(`kb.type.${each}`))),
        ),
      ),
      h(
        "label",
        {},
        t("admin.kb.status"),
        h(
          "select",
          { name: "status", onchange: (event) => setQuery({ status: event.target.value, page: "" }, LIST) },
          h("option", { value: "" }, t("admin.kb.inUse")),
          h("option", { value: "withdrawn", selected: withdrawn }, t("admin.kb.withdrawn")),
        ),
      ),
      h("button", { type: "submit", "data-action": "search" }, t("kb.search")),
      h("a", { class: "button primary", href: `${LIST}/new`, "data-action": "new-article" }, t("admin.kb.new")),
    );
    search.addEventListener("submit", (event) => {
      event.preventDefault();
      setQuery({ q: words.value.trim(), page: "" }, LIST);
    });
    return search;
  }

  editor(article) {
    const value = (name, fallback = "") => article?.[name] ?? fallback;
    const type = h("select", { name: "type", id: "kb-type" }, TYPES.map((each) => h("option", { value: each, selected: each === value("type", "defect") }, t(`kb.type.${each}`))));
    const title = h("input", { name: "title", id: "kb-title", maxlength: 200, value: value("title") });
    const code = h("input", { name: "fault_code", id: "kb-fault-code", maxlength: 32, value: value("fault_code"), spellcheck: "false" });
    const text = (name) => {
      const area = h("textarea", { name, id: `kb-${name}`, rows: 4, maxlength: 10_000 });
      area.value = value(name);
      return area;
    };
    const symptom = text("symptom");
    const cause = text("cause");
    const fix = text("fix");
    const models = h("input", { name: "models", id: "kb-models", list: "kb-model-list", value: (article?.models ?? []).join(", "), spellcheck: "false" });
    const parts = h("input", { name: "parts", id: "kb-parts", list: "kb-part-list", value: (article?.parts ?? []).map((part) => part.part_no).join(", "), spellcheck: "false" });
    const chosen = new Set(article?.categories ?? []);
    const boxes = this.catalogue.categories.map((category) =>
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "categories", value: category, checked: chosen.has(category) }), categoryName(category)),
    );
    const codeField = field(t("kb.faultCode"), code, t("admin.kb.faultCodeHint"));
    const fit = () => {
      codeField.hidden = type.value !== "defect";
    };
    type.addEventListener("change", fit);
    const form = h(
      "form",
      { novalidate: true, class: "panel kb-editor", "data-testid": "kb-editor", "aria-label": article ? article.title : t("admin.kb.new") },
      h(
        "h2",
        {},
        article ? article.title : t("admin.kb.new"),
        article ? h("span", { class: `state ${article.active ? "state-active" : "state-inactive"}`, "data-testid": "article-status" }, t(article.active ? "admin.kb.inUseOne" : "admin.kb.withdrawnOne")) : null,
      ),
      article ? h("p", { class: "hint" }, t("admin.kb.lastChanged", { when: time(article.updated_at), version: article.version })) : null,
      field(t("kb.type"), type),
      field(t("admin.kb.entryTitle"), title),
      codeField,
      field(t("kb.symptom"), symptom),
      field(t("kb.cause"), cause),
      field(t("kb.fix"), fix),
      field(t("admin.kb.models"), models, t("admin.kb.modelsHint")),
      h("datalist", { id: "kb-model-list" }, this.catalogue.products.map((product) => h("option", { value: product.model }, product.name))),
      h("fieldset", { class: "categories", "data-field": "categories" }, h("legend", {}, t("admin.kb.categories")), boxes.length ? boxes : h("p", { class: "hint" }, t("admin.kb.noCategories")), h("span", { class: "field-error", "data-error-for": "categories" })),
      field(t("kb.parts"), parts, t("admin.kb.partsHint")),
      h("datalist", { id: "kb-part-list" }, this.catalogue.parts.map((part) => h("option", { value: part.part_no }, part.name))),
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "submit", class: "primary", "data-action": "save-article" }, t(article ? "admin.kb.save" : "admin.kb.create")),
        article && article.active ? action("withdraw", t("admin.kb.withdraw"), () => this.withdraw(article), { class: "danger" }) : null,
        article && !article.active ? action("restore", t("admin.kb.restore"), () => this.restore(article)) : null,
        h("a", { class: "button", href: LIST }, t("admin.cancel")),
      ),
      article ? h("p", { class: "hint" }, t(article.active ? "admin.kb.withdrawHint" : "admin.kb.restoreHint")) : null,
    );
    fit();
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = form.querySelector("[data-action=save-article]");
      if (button.disabled) {
        return;
      }
      button.disabled = true;
      const values = {
        type: type.value,
        title: title.value.trim(),
        fault_code: type.value === "defect" ? code.value.trim() || null : null,
        symptom: symptom.value,
        cause: cause.value,
        fix: fix.value,
        models: codes(models.value),
        categories: [...form.querySelectorAll("input[name=categories]:checked")].map((box) => box.value),
        parts: codes(parts.value),
      };
      this.save(form, article, values).finally(() => {
        button.disabled = false;
      });
    });
    return form;
  }

  // What the form can tell before sending: {field: text}, in the user's language.
  check(values) {
    const problems = {};
    if (!values.title) {
      problems.title = t("admin.kb.invalid.title");
    }
    if (values.type === "defect" && !FAULT_CODE.test(values.fault_code ?? "")) {
      problems.fault_code = t("admin.kb.invalid.fault_code");
    }
    // Unknown models and parts are named here only when the whole catalogue was read; the server checks anyway.
    if (this.catalogue.complete) {
      const models = new Set(this.catalogue.products.map((product) => product.model));
      const unknownModels = values.models.filter((model) => !models.has(model));
      if (unknownModels.length) {
        problems.models = t("admin.kb.unknownModels", { codes: unknownModels.join(", ") });
      }
      const parts = new Set(this.catalogue.parts.map((part) => part.part_no));
      const unknownParts = values.parts.filter((part) => !parts.has(part));
      if (unknownParts.length) {
        problems.parts = t("admin.kb.unknownParts", { codes: unknownParts.join(", ") });
      }
    }
    return problems;
  }

  async save(form, article, values) {
    this.note.clear();
    if (showFieldProblems(form, this.check(values))) {
      warn(this.note, t("admin.fixFields"));
      return;
    }
    const answer = article
      ? await this.api.request("PATCH", `/api/knowledge/${article.id}`, { json: { ...values, version: article.version } })
      : await this.api.post("/api/knowledge", values);
    if (answer.kind === OK) {
      flash = t(article ? "admin.kb.saved" : "admin.kb.created", { title: answer.body.title });
      if (article) {
        await this.render();
      } else {
        location.hash = `${LIST}/${answer.body.id}`;
      }
      return;
    }
    if (answer.code === "fault_code_taken") {
      showFieldProblems(form, { fault_code: t("admin.kb.invalid.taken") });
      warn(this.note, t("error.fault_code_taken"));
      reveal(this.note);
      return;
    }
    const fields = answer.kind === "error" ? (answer.details?.fields ?? {}) : {};
    showFieldProblems(form, Object.fromEntries(Object.keys(fields).map((name) => [name, t(`admin.kb.invalid.${name}`)])));
    if (answer.status === 409) {
      // Someone changed the entry meanwhile: the editor now shows theirs, to edit again.
      await this.render();
    }
    this.note.fail(answer);
    reveal(this.note);
  }

  async withdraw(article) {
    const answer = await this.api.post(`/api/knowledge/${article.id}/deactivate`, {});
    if (answer.kind !== OK) {
      this.note.fail(answer);
      reveal(this.note);
      return;
    }
    flash = t("admin.kb.withdrawnDone", { title: article.title });
    await this.render();
  }

  async restore(article) {
    const answer = await this.api.request("PATCH", `/api/knowledge/${article.id}`, { json: { active: true, version: article.version } });
    if (answer.kind !== OK) {
      if (answer.status === 409) {
        await this.render();
      }
      this.note.fail(answer);
      reveal(this.note);
      return;
    }
    flash = t("admin.kb.restored", { title: article.title });
    await this.render();
  }
}

// "TV-55A7, TV-65A7;TV-75A7" → ["TV-55A7", "TV-65A7", "TV-75A7"]: commas (either width), semicolons or spaces.
export function codes(text) {
  return [...new Set(text.split(/[\s,;，；、]+/).filter(Boolean))];
}

// The product lines an entry may cover: those of the catalogue and of the warranty policies.
function categories(products, policies) {
  return [...new Set([...products.map((product) => product.category), ...policies.map((policy) => policy.category)])].sort();
}
