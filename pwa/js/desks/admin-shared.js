// What the admin desk's tabs share: whole lists read page by page, a line of warning told without a server
// answer, forms whose fields show their own problems, names of roles and product lines, and times in words.

import { language } from "../i18n/index.js";
import { OK, h, problem, split, t } from "./kit.js";

// The admin lists' largest page (the server's PAGE_SIZE_MAX).
const PAGE = 500;

// Every item of a paged list, `most` at the outside: {kind: OK, items, complete} or the failed answer.
// `complete` says whether the list was read to its end (a lookup of a longer one is not proof of absence).
export async function everything(api, path, query = {}, most = 5000) {
  const items = [];
  for (let page = 1; ; page += 1) {
    const answer = await api.get(path, { ...query, page, per_page: PAGE });
    if (answer.kind !== OK) {
      return answer;
    }
    items.push(...answer.body.items);
    if (page >= answer.body.pages || items.length >= most) {
      return { kind: OK, items, complete: page >= answer.body.pages };
    }
  }
}

// A notice (kit.notice) told something the screen found itself, before anything was sent.
export function warn(note, text) {
  note.element.className = "notice error";
  note.element.setAttribute("role", "alert");
  note.element.textContent = text;
}

// A labelled field with a place for its own problem; `control` is the input, select or textarea.
export function field(label, control, hint = null) {
  const error = h("span", { class: "field-error", "data-error-for": control.name, id: `${control.id || control.name}-error` });
  control.setAttribute("aria-describedby", error.id);
  return h("label", { class: "field", "data-field": control.name }, h("span", { class: "label" }, label), control, hint ? h("span", { class: "hint" }, hint) : null, error);
}

// Shows `problems` ({field name: text}) beside their fields of `form`, clearing the others, and puts the
// cursor in the first field at fault; true when any.
export function showFieldProblems(form, problems) {
  let first = null;
  for (const slot of form.querySelectorAll("[data-error-for]")) {
    slot.textContent = problems[slot.dataset.errorFor] ?? "";
    const control = form.querySelector(`[name="${slot.dataset.errorFor}"]`);
    if (control) {
      control.toggleAttribute("aria-invalid", Boolean(problems[slot.dataset.errorFor]));
      first ??= problems[slot.dataset.errorFor] ? control : null;
    }
  }
  first?.focus();
  return Object.keys(problems).length > 0;
}

// The name of a key of the tables, or `fallback` where the tables have none (a code the app does not know).
export function named(key, fallback) {
  const text = t(key);
  return text === key ? fallback : text;
}

export function roleName(role) {
  return named(`admin.role.${role}`, role);
}

// A product line (category) by its name; one the tables do not know is shown as the admin typed it.
export function categoryName(category) {
  return named(`admin.category.${category}`, category);
}

// "5 minutes ago", "in 2 hours": how long from now, in the user's language.
export function ago(iso, now = Date.now()) {
  if (!iso) {
    return "";
  }
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const format = new Intl.RelativeTimeFormat(language(), { numeric: "auto" });
  const steps = [
    [60, "second"],
    [3600, "minute", 60],
    [86_400, "hour", 3600],
    [Infinity, "day", 86_400],
  ];
  for (const [below, unit, size = 1] of steps) {
    if (Math.abs(seconds) < below) {
      return format.format(Math.round(seconds / size), unit);
    }
  }
  return "";
}

// "Every day", "Every 10 minutes": how often, in the largest whole unit, in the user's language.
export function every(seconds) {
  const units = [
    [86_400, "day"],
    [3600, "hour"],
    [60, "minute"],
    [1, "second"],
  ];
  const [size, unit] = units.find(([each]) => seconds >= each && seconds % each === 0) ?? units[3];
  const count = seconds / size;
  if (count === 1) {
    return t(`admin.every.${unit}`);
  }
  return t("admin.every", { period: new Intl.NumberFormat(language(), { style: "unit", unit, unitDisplay: "long" }).format(count) });
}

// Brings a notice told after an action into view: the button pressed may be far down a long form.
export function reveal(note) {
  note.element.scrollIntoView({ block: "nearest" });
}

// Previous and next page of a list kept in the address (`page`), with where the list stands.
export function pager({ page, pages, total, go }) {
  if (pages <= 1) {
    return h("p", { class: "count" }, t("admin.count", { count: total }));
  }
  return h(
    "div",
    { class: "pager" },
    h("button", { type: "button", "data-action": "previous-page", disabled: page <= 1, onclick: () => go(page - 1) }, t("admin.previous")),
    h("span", {}, t("admin.page", { page, pages, count: total })),
    h("button", { type: "button", "data-action": "next-page", disabled: page >= pages, onclick: () => go(page + 1) }, t("admin.next")),
  );
}

// The list and the chosen case side by side (on a phone the case first, above its list), the note on top;
// `detail` is drawn for "new", for the item fetched (`one`), for its refusal, or `empty` when none is chosen.
export function showCase(view, { queue, one, selected, flashed, forNew, forItem, empty }) {
  let detail;
  if (selected === "new") {
    detail = forNew();
  } else if (one?.kind === OK) {
    detail = forItem(one.body);
  } else if (one) {
    detail = h("p", { class: "notice error", role: "alert" }, problem(one));
  } else {
    detail = h("p", { class: "empty" }, empty);
  }
  const layout = split(queue, detail);
  layout.classList.toggle("case-first", selected !== null);
  view.root.replaceChildren(view.note.element, layout);
  if (flashed) {
    // Once the screen is on the page (a new address puts it there after this returns).
    setTimeout(() => reveal(view.note));
  }
  return view.root;
}
