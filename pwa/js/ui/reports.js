// The service dashboard: each report as bars and a table, over a range of days, drilled down from provinces
// to providers to technicians, and downloaded as CSV. Every figure is the server's, computed in the
// database for the caller's own slice; the page only draws it. Works online, on a phone or a desk.

import { OK } from "../api.js";
import { t } from "../i18n/index.js";
import { h, once } from "./dom.js";
import { problem } from "./problem.js";

// Per report: who may read it, its levels, the figure its bars show (and that figure's ceiling, if fixed),
// and the columns of its table.
export const REPORTS = {
  complaints: {
    roles: ["admin", "auditor", "dispatcher", "provider_manager"],
    levels: ["province", "provider", "technician"],
    bar: "rate_per_100",
    columns: ["jobs", "complaints", "rate_per_100", "open", "overdue", "repeat"],
  },
  satisfaction: {
    roles: ["admin", "auditor", "dispatcher", "provider_manager"],
    levels: ["province", "provider", "technician"],
    bar: "overall",
    ceiling: 5,
    columns: ["reached", "unreachable", "reach_rate_pct", "timeliness", "attitude", "quality", "overall", "low_scores"],
  },
  sla: {
    roles: ["admin", "auditor", "dispatcher", "provider_manager"],
    levels: ["province", "provider", "technician"],
    bar: "compliance_pct",
    ceiling: 100,
    columns: ["jobs", "contact_pct", "arrive_pct", "complete_pct", "compliance_pct"],
  },
  workload: {
    roles: ["admin", "auditor", "dispatcher", "provider_manager"],
    levels: ["province", "region", "provider"],
    bar: "jobs_per_technician_day",
    columns: ["product_line", "jobs", "technicians", "jobs_per_technician_day", "technicians_needed", "suggestion"],
  },
  "parts-cycle": {
    roles: ["admin", "auditor", "dispatcher", "parts_clerk", "hq_planner"],
    levels: [],
    bar: "mean_days",
    columns: ["requisitions", "mean_days", "median_days", "p90_days"],
  },
  claims: {
    roles: ["admin", "auditor", "provider_manager"],
    levels: [],
    bar: "claims",
    columns: ["provider_code", "month", "claims", "amount"],
  },
};

// The next level down and the filter a row sets for it.
const DRILL = {
  province: ["provider", "province"],
  provider: ["technician", "provider_code"],
};

export function reportsFor(role) {
  return Object.keys(REPORTS).filter((name) => REPORTS[name].roles.includes(role));
}

function isoDay(date) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 10);
}

// Rows as every report's table shows them: {code, name, figures…}.
export function rowsOf(name, body) {
  if (name === "parts-cycle") {
    return body.by_province.map((row) => ({ ...row, code: row.province_code, name: row.province_name }));
  }
  if (name === "claims") {
    return body.by_flag.map((row) => ({ ...row, code: row.flag, name: t(`flag.${row.flag}`) }));
  }
  return body.rows;
}

// Counts are whole numbers; rates, means and days are shown with two decimals, so a column reads evenly.
const COUNTS = new Set([
  "jobs", "complaints", "open", "overdue", "repeat", "reached", "unreachable", "low_scores", "technicians",
  "technicians_needed", "suggestion", "requisitions", "claims",
]);

function figure(value, column) {
  if (value === null || value === undefined) {
    return "–";
  }
  return typeof value === "number" && !COUNTS.has(column) ? value.toFixed(2) : String(value);
}

export class ReportsView {
  constructor({ api, user }) {
    Object.assign(this, { api, user });
    const names = reportsFor(user.role);
    const today = new Date();
    this.state = {
      name: names[0],
      from: isoDay(new Date(today.getTime() - 29 * 86_400_000)),
      to: isoDay(today),
      level: REPORTS[names[0]].levels[0] ?? null,
      filters: {},
    };
    this.names = names;
    this.root = h("section", { class: "reports", "data-testid": "reports" });
    this.message = h("p", { class: "message", role: "alert", "data-testid": "report-message" });
    this.body = h("div", { class: "report-body" });
    this.online = true; // asks the server for each screen: a sync round has nothing to add
  }

  query() {
    const { from, to, level, filters } = this.state;
    return { from, to, ...(level ? { level } : {}), ...filters };
  }

  controls() {
    const report = h(
      "select",
      { name: "report" },
      this.names.map((name) => h("option", { value: name, selected: name === this.state.name }, t(`reports.name.${name}`))),
    );
    const from = h("input", { type: "date", name: "from", value: this.state.from });
    const to = h("input", { type: "date", name: "to", value: this.state.to });
    const levels = REPORTS[this.state.name].levels;
    const level = h(
      "select",
      { name: "level", hidden: !levels.length },
      levels.map((name) => h("option", { value: name, selected: name === this.state.level }, t(`reports.level.${name}`))),
    );
    report.addEventListener("change", () => {
      this.state.name = report.value;
      this.state.level = REPORTS[report.value].levels[0] ?? null;
      this.state.filters = {};
      this.render();
    });
    level.addEventListener("change", () => {
      this.state.level = level.value;
      this.state.filters = {};
      this.load();
    });
    const show = once(h("button", { type: "submit", "data-action": "show" }, t("reports.show")), async () => {
      if (!from.value || !to.value || to.value < from.value) {
        this.message.textContent = t(!from.value || !to.value ? "reports.rangeMissing" : "reports.rangeBackwards");
        return;
      }
      Object.assign(this.state, { from: from.value, to: to.value });
      await this.load();
    });
    const download = once(h("button", { type: "button", "data-action": "download" }, t("reports.download")), () =>
      this.download(),
    );
    const form = h(
      "form",
      { class: "report-controls" },
      h("label", {}, t("reports.report"), report),
      h("label", {}, t("reports.from"), from),
      h("label", {}, t("reports.to"), to),
      levels.length ? h("label", {}, t("reports.level"), level) : null,
      h("div", { class: "buttons" }, show, download),
    );
    form.addEventListener("submit", (event) => event.preventDefault());
    return form;
  }

  async render() {
    this.root.replaceChildren(h("h1", {}, t("reports.title")), this.controls(), this.message, this.body);
    await this.load();
    return this.root;
  }

  async load() {
    // Only the latest question is drawn: an earlier answer arriving late (a slow default range, then the
    // range chosen) must not overwrite it.
    const asked = (this.asked = (this.asked ?? 0) + 1);
    const answer = await this.api.get(`/api/reports/${this.state.name}`, this.query());
    if (asked !== this.asked) {
      return;
    }
    if (answer.kind !== OK) {
      this.message.textContent = problem(answer);
      this.body.replaceChildren();
      return;
    }
    this.message.textContent = "";
    this.draw(answer.body);
  }

  async download() {
    const answer = await this.api.download(`/api/reports/${this.state.name}.csv`, this.query());
    if (answer.kind !== OK) {
      this.message.textContent = problem(answer);
      return;
    }
    const link = h("a", { href: URL.createObjectURL(answer.body), download: answer.filename });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  }

  breadcrumbs() {
    const entries = Object.entries(this.state.filters);
    if (!entries.length) {
      return null;
    }
    const up = h("button", { type: "button", class: "link", "data-action": "drill-up" }, t("reports.up"));
    up.addEventListener("click", () => {
      // One level back up: drop the last filter and return to the level it was chosen at.
      const [key] = entries.at(-1);
      delete this.state.filters[key];
      this.state.level = key === "provider_code" ? "provider" : "province";
      this.render();
    });
    return h("p", { class: "crumbs" }, entries.map(([, value]) => value).join(" › "), " ", up);
  }

  draw(body) {
    const spec = REPORTS[this.state.name];
    const rows = rowsOf(this.state.name, body);
    const summary = this.summary(body);
    if (!rows.length) {
      this.body.replaceChildren(...[this.breadcrumbs(), summary, h("p", { class: "empty" }, t("reports.empty"))].filter(Boolean));
      return;
    }
    const values = rows.map((row) => row[spec.bar] ?? 0);
    const ceiling = spec.ceiling ?? Math.max(...values, 1e-9);
    const drill = this.state.level && DRILL[this.state.level] && spec.levels.includes(DRILL[this.state.level][0]);
    const label = (row) =>
      drill
        ? h("button", { type: "button", class: "link", "data-action": "drill", dataset: { code: row.code ?? "" } }, row.name || row.code || t("reports.none"))
        : h("span", {}, row.name || row.code || t("reports.none"));
    const bars = h(
      "div",
      { class: "bars", role: "img", "aria-label": t(`reports.col.${spec.bar}`), "data-testid": "report-bars" },
      rows.map((row, i) =>
        h(
          "div",
          { class: "bar-row", dataset: { code: row.code ?? "" } },
          label(row),
          h(
            "span",
            { class: "bar" },
            h("span", { class: "fill", style: { width: `${Math.max(0, Math.min(100, (values[i] / ceiling) * 100)).toFixed(1)}%` } }),
          ),
          h("span", { class: "value" }, figure(row[spec.bar], spec.bar)),
        ),
      ),
    );
    bars.addEventListener("click", (event) => {
      const button = event.target.closest("[data-action=drill]");
      if (button && button.dataset.code) {
        const [next, filter] = DRILL[this.state.level];
        this.state.filters[filter] = button.dataset.code;
        this.state.level = next;
        this.render();
      }
    });
    const table = h(
      "table",
      { class: "lines", "data-testid": "report-table" },
      h("thead", {}, h("tr", {}, [t(this.state.level ? `reports.level.${this.state.level}` : `reports.group.${this.state.name}`), ...spec.columns.map((c) => t(`reports.col.${c}`))].map((title) => h("th", {}, title)))),
      h(
        "tbody",
        {},
        rows.map((row) =>
          h("tr", { dataset: { code: row.code ?? "" } }, h("td", {}, row.name || row.code || t("reports.none")), spec.columns.map((c) => h("td", {}, figure(row[c], c)))),
        ),
        body.total
          ? h("tr", { class: "total" }, h("td", {}, t("reports.total")), spec.columns.map((c) => h("td", {}, figure(body.total[c], c))))
          : null,
      ),
    );
    this.body.replaceChildren(...[this.breadcrumbs(), summary, bars, h("div", { class: "table-scroll" }, table)].filter(Boolean));
  }

  // The figures above the bars: the whole slice's, and the target where the report has one.
  summary(body) {
    const name = this.state.name;
    if (name === "parts-cycle") {
      return h("p", { class: "summary" }, t("reports.cycleSummary", { mean: figure(body.overall.mean_days, "mean_days"), target: body.target_days }));
    }
    if (name === "claims") {
      return h("p", { class: "summary", "data-testid": "held-back" }, t("reports.heldBack", { amount: body.held_back }));
    }
    if (name === "workload") {
      const { total } = body;
      return h("p", { class: "summary" }, t("reports.staffing", { needed: total.technicians_needed, have: total.technicians, target: body.target_per_technician_day }));
    }
    const headline = { complaints: "rate_per_100", satisfaction: "overall", sla: "compliance_pct" }[name];
    return h("p", { class: "summary", "data-testid": "report-headline" }, `${t(`reports.col.${headline}`)}: ${figure(body.total[headline], headline)}`);
  }
}
