// What every desk is built from: the queue-and-case layout, tables that sort, filters kept in the address,
// a desk's own stylesheet, and how a refusal or a stale screen is told.

import { OK } from "../api.js";
import { t, when } from "../i18n/index.js";
import { h, once } from "../ui/dom.js";
import { problem } from "../ui/problem.js";

export { OK, h, once, problem, t, when };

const styled = new Set();

// The desk's own rules (pwa/css/desks/<name>.css), linked once, when the desk is first drawn.
export function useStyles(name) {
  if (styled.has(name)) {
    return;
  }
  styled.add(name);
  document.head.append(h("link", { rel: "stylesheet", href: `/css/desks/${name}.css` }));
}

// The current address as the desk reads it: "#/dispatch?state=new" → {base: "#/dispatch", query}.
export function address() {
  const [base, search = ""] = location.hash.split("?");
  return { base, query: new URLSearchParams(search) };
}

// Filters and sort live in the address: a reload, a bookmark or a link gives the same screen. Empty values
// are dropped. Changing the address draws the screen again (the app listens to hashchange).
export function setQuery(changes, base = address().base) {
  const query = address().query;
  for (const [name, value] of Object.entries(changes)) {
    if (value === "" || value === null || value === undefined) {
      query.delete(name);
    } else {
      query.set(name, String(value));
    }
  }
  const search = query.toString();
  location.hash = search ? `${base}?${search}` : base;
}

// From 1024 px wide the queue sits on the left and the case on the right; narrower, one under the other.
export function split(queue, detail) {
  return h("div", { class: "split" }, h("div", { class: "queue" }, queue), h("div", { class: "case" }, detail));
}

// A table that sorts by any column with a `value`: the column's header is a button; the order is kept in the
// address as `sort` ("due" or "-due"). `columns`: [{key, label, value(row), cell(row) → node|text, numeric}].
// `rowAttributes(row)` gives each <tr> its data-* (ids for tests and for clicks).
export function sortedTable({ testId, columns, rows, sort = "", onSort, rowAttributes = () => ({}), caption }) {
  const descending = sort.startsWith("-");
  const key = sort.replace(/^-/, "");
  const column = columns.find((each) => each.key === key && each.value);
  const ordered = column ? [...rows].sort((a, b) => compare(column.value(a), column.value(b)) * (descending ? -1 : 1)) : rows;
  const head = columns.map((each) => {
    const sorted = column === each ? (descending ? "descending" : "ascending") : null;
    const label = each.value
      ? h(
          "button",
          {
            type: "button",
            class: "sort",
            "data-sort": each.key,
            onclick: () => (onSort ?? ((next) => setQuery({ sort: next })))(sorted === "ascending" ? `-${each.key}` : each.key),
          },
          each.label,
          sorted ? h("span", { "aria-hidden": "true" }, sorted === "ascending" ? " ▲" : " ▼") : null,
        )
      : each.label;
    return h("th", { scope: "col", "aria-sort": sorted, class: each.numeric ? "num" : null }, label);
  });
  const body = ordered.map((row) =>
    h(
      "tr",
      rowAttributes(row),
      columns.map((each) => h("td", { class: each.numeric ? "num" : null }, each.cell ? each.cell(row) : String(each.value(row) ?? ""))),
    ),
  );
  return h(
    "div",
    { class: "table-scroll" },
    h("table", { class: "desk-table", "data-testid": testId }, caption ? h("caption", {}, caption) : null, h("thead", {}, h("tr", {}, head)), h("tbody", {}, body)),
  );
}

function compare(a, b) {
  if (a === b) {
    return 0;
  }
  if (a === null || a === undefined || a === "") {
    return 1;
  }
  if (b === null || b === undefined || b === "") {
    return -1;
  }
  return typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b), undefined, { numeric: true });
}

// A line saying what happened (role=status) or what went wrong (role=alert), in the desk's language.
export function notice() {
  const element = h("p", { class: "notice", role: "status", "data-testid": "desk-notice" });
  return {
    element,
    ok(text) {
      element.className = "notice ok";
      element.setAttribute("role", "status");
      element.textContent = text;
    },
    fail(answer) {
      element.className = "notice error";
      element.setAttribute("role", "alert");
      element.textContent = stale(answer) ? `${problem(answer)} ${t("desk.reloaded")}` : problem(answer);
    },
    clear() {
      element.className = "notice";
      element.textContent = "";
    },
  };
}

// The server refused because the screen was out of date (the job changed meanwhile): a 409. The desk then
// draws the fresh state under the explanation.
export function stale(answer) {
  return answer.kind !== OK && answer.status === 409;
}

// A refusal explained on `view.notice`; when the screen was out of date (409), the fresh state drawn under it
// first (`view.settle(say)` draws the view, then says).
export async function explainRefusal(view, answer) {
  if (stale(answer)) {
    await view.settle(() => view.notice.fail(answer));
  } else {
    view.notice.fail(answer);
  }
}

// A button that acts once per click (a double click takes effect once), named in the desk's language.
export function action(name, label, run, attributes = {}) {
  return once(h("button", { type: "button", "data-action": name, ...attributes }, label), run);
}

// Money as the server sends it ("12.50"), with the yuan sign.
export function yuan(amount) {
  return amount === null || amount === undefined ? "" : `¥${amount}`;
}

// A date without its time, in the user's language.
export function day(iso) {
  return iso ? new Date(iso).toLocaleDateString(document.documentElement.lang || undefined) : "";
}

export { when as time };
