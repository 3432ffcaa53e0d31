// The service dashboard: each report over a range of days as a trend (day by day or week by week), as bars
// that compare its groups, and as a table, drilled down from provinces to providers to technicians and
// downloaded as CSV. Every figure is the server's, computed in the database for the caller's own slice; the
// page only draws it, so a bar, a point and a cell always show the count the server gave. The charts are
// Apache ECharts (./charts.js), loaded the first time they are drawn. Works online, on a phone or a desk.

import { OK } from "../api.js";
import { addStrings, language, t } from "../i18n/index.js";
import { h, once, save } from "./dom.js";
import { problem } from "./problem.js";
import strings from "./reports-strings.js";
import { volumePanels } from "./volume.js";

addStrings(strings);

// Per report: who may read it, its levels, the figure its bars compare (and that figure's ceiling, if fixed),
// the columns of its table, and its trend: the count drawn as bars and the figure drawn as a line.
export const REPORTS = {
  complaints: {
    roles: ["admin", "auditor", "dispatcher", "provider_manager"],
    levels: ["province", "provider", "technician"],
    bar: "rate_per_100",
    columns: ["jobs", "complaints", "rate_per_100", "open", "overdue", "repeat"],
    trend: { count: "complaints", figure: "rate_per_100" },
  },
  satisfaction: {
    roles: ["admin", "auditor", "dispatcher", "provider_manager"],
    levels: ["province", "provider", "technician"],
    bar: "overall",
    ceiling: 5,
    columns: ["reached", "unreachable", "reach_rate_pct", "timeliness", "attitude", "quality", "overall", "low_scores"],
    trend: { count: "reached", figure: "overall", ceiling: 5 },
  },
  sla: {
    roles: ["admin", "auditor", "dispatcher", "provider_manager"],
    levels: ["province", "provider", "technician"],
    bar: "compliance_pct",
    ceiling: 100,
    columns: ["jobs", "contact_pct", "arrive_pct", "complete_pct", "compliance_pct"],
    trend: { count: "jobs", figure: "compliance_pct", ceiling: 100 },
  },
  workload: {
    roles: ["admin", "auditor", "dispatcher", "provider_manager"],
    levels: ["province", "region", "provider"],
    bar: "jobs_per_technician_day",
    columns: ["jobs", "technicians", "jobs_per_technician_day", "technicians_needed", "suggestion"],
    trend: { count: "jobs", figure: "jobs_per_technician_day" },
  },
  "parts-cycle": {
    roles: ["admin", "auditor", "dispatcher", "parts_clerk", "hq_planner"],
    levels: [],
    bar: "mean_days",
    columns: ["requisitions", "mean_days", "median_days", "p90_days"],
    trend: { count: "requisitions", figure: "mean_days" },
  },
  claims: {
    roles: ["admin", "auditor", "provider_manager"],
    levels: [],
    bar: "claims",
    columns: ["provider_name", "month", "claims", "amount"],
    trend: { count: "claims", figure: "held_back" },
  },
  // Drawn by ./volume.js: a weekday-by-hour grid and weeks beside last year's, not groups and a trend.
  "request-volume": {
    roles: ["admin", "auditor", "dispatcher", "supervisor"],
    levels: [],
    custom: true,
    days: 84,
  },
};

// The next level down and the filter a row sets for it.
const DRILL = {
  province: ["provider", "province"],
  provider: ["technician", "provider_code"],
};

// The charts' code, fetched the first time a report is drawn (./charts.js, which fetches ECharts in turn):
// the technician's phone, whose shell holds this module for the nav, never loads either.
let chartKit = null;
function loadChartKit() {
  chartKit ??= import("./charts.js").catch((error) => {
    chartKit = null;
    throw error;
  });
  return chartKit;
}

export function reportsFor(role) {
  return Object.keys(REPORTS).filter((name) => REPORTS[name].roles.includes(role));
}

function isoDay(date) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 10);
}

// A product line by its name in the chosen language; a line the app has no name for, as the catalogue
// spells it, in words.
export function lineName(line) {
  const key = `reports.line.${line}`;
  const name = t(key);
  return name === key ? line.replaceAll("_", " ") : name;
}

// Rows as every report's table shows them: {code, name, figures…}.
export function rowsOf(name, body) {
  if (name === "parts-cycle") {
    return body.by_province.map((row) => ({ ...row, code: row.province_code, name: row.province_name }));
  }
  if (name === "claims") {
    return body.by_flag.map((row) => ({ ...row, code: row.flag, name: t(`reports.flag.${row.flag}`) }));
  }
  return body.rows;
}

// The groups the bars compare: a report's rows, except the claims', whose rows (a flag of one provider in one
// month) are added up by flag. A claim has one provider and one repair month, so a flag's sum is the number
// of claims carrying it.
export function groupsOf(name, rows, bar) {
  if (name !== "claims") {
    return rows.map((row) => ({ code: row.code, name: row.name, value: row[bar] }));
  }
  const byFlag = new Map();
  for (const row of rows) {
    const group = byFlag.get(row.code) ?? { code: row.code, name: row.name, value: 0 };
    group.value += row.claims;
    byFlag.set(row.code, group);
  }
  return [...byFlag.values()].sort((a, b) => b.value - a.value);
}

// Counts are whole numbers; rates, means and days are shown with two decimals, so a column reads evenly.
const COUNTS = new Set([
  "jobs", "complaints", "open", "overdue", "repeat", "reached", "unreachable", "low_scores", "technicians",
  "technicians_needed", "suggestion", "requisitions", "claims",
]);

export function figure(value, column) {
  if (value === null || value === undefined) {
    return "–";
  }
  return typeof value === "number" && !COUNTS.has(column) ? value.toFixed(2) : String(value);
}

// A figure as the chart draws it: a number, or nothing (no point) where there is none.
function plotted(value) {
  if (value === null || value === undefined) {
    return null;
  }
  return typeof value === "number" ? value : Number(value);
}

// A table wider than a phone scrolls sideways in its own box, which the keyboard can reach and scroll too.
function scrolling(table, label) {
  return h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": label }, table);
}

function dayLabel(iso) {
  const [year, month, day] = iso.split("-").map(Number);
  return new Intl.DateTimeFormat(language(), { month: "short", day: "numeric" }).format(new Date(year, month - 1, day));
}

function periodLabel(point) {
  return point.start === point.end ? dayLabel(point.start) : t("reports.week", { start: dayLabel(point.start), end: dayLabel(point.end) });
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
      drilled: [], // [{filter, code, name, level}]: the groups drilled into, outermost first
      line: "",
      by: "", // chosen by the range's length until the user picks
    };
    this.names = names;
    this.charts = [];
    this.root = h("section", { class: "reports", "data-testid": "reports" });
    this.message = h("p", { class: "message", role: "alert", "data-testid": "report-message" });
    this.body = h("div", { class: "report-body" });
    this.online = true; // asks the server for each screen: a sync round has nothing to add
  }

  query() {
    const { from, to, level, drilled, line } = this.state;
    const filters = Object.fromEntries(drilled.map(({ filter, code }) => [filter, code]));
    const lines = ["workload", "request-volume"].includes(this.state.name);
    const province = this.state.name === "request-volume" && this.state.province ? { province: this.state.province } : {};
    return { from, to, ...(level ? { level } : {}), ...filters, ...(line && lines ? { product_line: line } : {}), ...province };
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
    const level = (this.level = h(
      "select",
      { name: "level" },
      levels.map((name) => h("option", { value: name, selected: name === this.state.level }, t(`reports.level.${name}`))),
    ));
    this.lines = h("select", { name: "product_line" }, h("option", { value: "" }, t("reports.productLine.all")));
    this.fillLines([]);
    this.provinces = h("select", { name: "province" }, h("option", { value: "" }, t("volume.allProvinces")));
    this.fillProvinces([]);
    this.provinces.addEventListener("change", () => {
      this.state.province = this.provinces.value;
      this.load();
    });
    this.by = h(
      "select",
      { name: "by" },
      ["day", "week"].map((by) => h("option", { value: by, selected: by === this.state.by }, t(`reports.by.${by}`))),
    );
    report.addEventListener("change", () => {
      Object.assign(this.state, { name: report.value, level: REPORTS[report.value].levels[0] ?? null, drilled: [], line: "", province: "" });
      const days = REPORTS[report.value].days ?? 30;
      this.state.from = isoDay(new Date(new Date(`${this.state.to}T12:00:00`).getTime() - (days - 1) * 86_400_000));
      this.render();
    });
    level.addEventListener("change", () => {
      Object.assign(this.state, { level: level.value, drilled: [] });
      this.load();
    });
    this.lines.addEventListener("change", () => {
      this.state.line = this.lines.value;
      this.load();
    });
    this.by.addEventListener("change", () => {
      this.state.by = this.by.value;
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
      this.state.name === "request-volume" ? h("label", {}, t("reports.level.province"), this.provinces) : null,
      ["workload", "request-volume"].includes(this.state.name) ? h("label", {}, t("reports.productLine"), this.lines) : null,
      REPORTS[this.state.name].custom ? null : h("label", {}, t("reports.by"), this.by),
      h("div", { class: "buttons" }, show, download),
    );
    form.addEventListener("submit", (event) => event.preventDefault());
    return form;
  }

  // The product lines to narrow the workload to: those of the range's jobs, and the one chosen.
  fillLines(lines) {
    const all = [...new Set([...lines, ...(this.state.line ? [this.state.line] : [])])].sort();
    this.lines.replaceChildren(
      h("option", { value: "" }, t("reports.productLine.all")),
      ...all.map((line) => h("option", { value: line, selected: line === this.state.line }, lineName(line))),
    );
  }

  // The provinces to narrow the request volume to: those of the range's requests, and the one chosen.
  fillProvinces(rows) {
    const known = new Map(rows.filter((row) => row.code).map((row) => [row.code, row.name || row.code]));
    if (this.state.province && !known.has(this.state.province)) {
      known.set(this.state.province, this.provinceName ?? this.state.province);
    }
    this.provinces.replaceChildren(
      h("option", { value: "" }, t("volume.allProvinces")),
      ...[...known].map(([code, name]) => h("option", { value: code, selected: code === this.state.province }, name)),
    );
    this.provinceName = known.get(this.state.province);
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
    const name = this.state.name;
    const query = this.query();
    if (REPORTS[name].custom) {
      await this.loadVolume(asked, query);
      return;
    }
    const trendQuery = { ...query, ...(this.state.by ? { by: this.state.by } : {}) };
    delete trendQuery.level;
    const [answer, trend] = await Promise.all([
      this.api.get(`/api/reports/${name}`, query),
      this.api.get(`/api/reports/${name}/trend`, trendQuery),
    ]);
    if (asked !== this.asked) {
      return;
    }
    const refused = [answer, trend].find((each) => each.kind !== OK);
    if (refused) {
      this.message.textContent = problem(refused);
      this.clearCharts();
      this.body.replaceChildren();
      return;
    }
    this.message.textContent = "";
    await this.draw(answer.body, trend.body);
  }

  async loadVolume(asked, query) {
    const answer = await this.api.get("/api/reports/request-volume", query);
    if (asked !== this.asked) {
      return;
    }
    this.clearCharts();
    if (answer.kind !== OK) {
      this.message.textContent = problem(answer);
      this.body.replaceChildren();
      return;
    }
    this.message.textContent = "";
    const body = answer.body;
    this.fillLines(body.product_lines.map((row) => row.product_line).filter(Boolean));
    if (!this.state.province) {
      this.fillProvinces(body.provinces);
    }
    let kit = null;
    try {
      kit = await loadChartKit();
    } catch {
      // Drawn without the chart: the tables carry every figure.
    }
    const panels = volumePanels(body, { scrolling, dayLabel, lineName, charts: { kit, list: this.charts } });
    const failed = h("p", { class: "message charts-failed", hidden: Boolean(kit) }, t("reports.chartsFailed"));
    this.body.replaceChildren(failed, panels.root);
    if (kit) {
      await Promise.resolve(panels.draw()).catch(() => {
        failed.hidden = false;
      });
    }
  }

  async download() {
    const answer = await this.api.download(`/api/reports/${this.state.name}.csv`, this.query());
    if (answer.kind !== OK) {
      this.message.textContent = problem(answer);
      return;
    }
    save(answer);
  }

  breadcrumbs() {
    const { drilled } = this.state;
    if (!drilled.length) {
      return null;
    }
    const up = h("button", { type: "button", class: "link", "data-action": "drill-up" }, t("reports.up"));
    up.addEventListener("click", () => {
      // One level back up: to the level the last group was chosen at.
      const last = this.state.drilled.pop();
      this.state.level = last.level;
      this.load();
    });
    return h("p", { class: "crumbs" }, drilled.map(({ name }) => name).join(" › "), " ", up);
  }

  drill(code) {
    const row = (this.rows ?? []).find((each) => (each.code ?? "") === code);
    if (!row || !code || !this.canDrill()) {
      return;
    }
    const [next, filter] = DRILL[this.state.level];
    this.state.drilled.push({ filter, code, name: row.name || code, level: this.state.level });
    this.state.level = next;
    this.load();
  }

  canDrill() {
    const spec = REPORTS[this.state.name];
    return Boolean(this.state.level && DRILL[this.state.level] && spec.levels.includes(DRILL[this.state.level][0]));
  }

  clearCharts() {
    for (const chart of this.charts) {
      chart.dispose();
    }
    this.charts = [];
  }

  async draw(body, trend) {
    const name = this.state.name;
    const rows = (this.rows = rowsOf(name, body));
    this.by.value = trend.by;
    // A drill down or up changes the level without drawing the form again.
    if (this.state.level) {
      this.level.value = this.state.level;
    }
    if (name === "workload") {
      this.fillLines(body.product_lines ?? []);
    }
    this.clearCharts();
    const summary = this.summary(body);
    let kit = null;
    try {
      kit = await loadChartKit();
    } catch {
      // Drawn without charts: the tables carry every figure.
    }
    const failed = h("p", { class: "message charts-failed", hidden: Boolean(kit) }, t("reports.chartsFailed"));
    const trendPanel = this.trendPanel(trend, kit);
    const comparePanel = rows.length ? this.comparePanel(rows, kit) : null;
    const table = rows.length ? scrolling(this.table(rows, body), t(`reports.name.${name}`)) : h("p", { class: "empty" }, t("reports.empty"));
    this.body.replaceChildren(
      ...[this.breadcrumbs(), summary, failed, h("div", { class: "charts" }, trendPanel.root, comparePanel?.root), table].filter(Boolean),
    );
    if (kit) {
      await Promise.all([trendPanel.draw(), comparePanel?.draw()]).catch(() => {
        failed.hidden = false;
      });
    }
  }

  table(rows, body) {
    const spec = REPORTS[this.state.name];
    const drill = this.canDrill();
    const label = (row) => {
      const text = row.name || row.code || t("reports.none");
      return drill && row.code
        ? h("button", { type: "button", class: "link", "data-action": "drill", dataset: { code: row.code } }, text)
        : text;
    };
    const cell = (row, column) => {
      const value = column === "provider_name" ? row.provider_name || row.provider_code : figure(row[column], column);
      return h("td", column === spec.bar ? { class: "value" } : {}, value);
    };
    const table = h(
      "table",
      { class: "lines", "data-testid": "report-table" },
      h("thead", {}, h("tr", {}, [t(this.state.level ? `reports.level.${this.state.level}` : `reports.group.${this.state.name}`), ...spec.columns.map((c) => t(`reports.col.${c}`))].map((title) => h("th", { scope: "col" }, title)))),
      h(
        "tbody",
        {},
        rows.map((row) => h("tr", { dataset: { code: row.code ?? "" } }, h("th", { scope: "row" }, label(row)), spec.columns.map((c) => cell(row, c)))),
        body.total
          ? h("tr", { class: "total" }, h("th", { scope: "row" }, t("reports.total")), spec.columns.map((c) => h("td", {}, figure(body.total[c], c))))
          : null,
      ),
    );
    table.addEventListener("click", (event) => {
      const button = event.target.closest("[data-action=drill]");
      if (button) {
        this.drill(button.dataset.code);
      }
    });
    return table;
  }

  // The trend: the report's count as bars and its headline figure as a line, every period of the range, with
  // the same figures in a table that opens below it.
  trendPanel(trend, kit) {
    const spec = REPORTS[this.state.name];
    const { count, figure: headline, ceiling } = spec.trend;
    const points = trend.points;
    const title = t(trend.by === "week" ? "reports.trend.week" : "reports.trend.day");
    const caption = t("reports.trend.caption", { figure: t(`reports.col.${headline}`), count: t(`reports.col.${count}`), period: title });
    const heading = t("reports.trend.heading", { figure: t(`reports.col.${headline}`), period: title });
    const chart = kit ? new kit.Chart({ label: caption, testId: "trend-chart", className: "trend" }) : null;
    if (chart) {
      this.charts.push(chart);
    }
    const period = t(trend.by === "week" ? "reports.trend.periodWeek" : "reports.trend.periodDay");
    const figures = h(
      "details",
      { class: "trend-figures" },
      h("summary", {}, t("reports.trend.figures", { period })),
      scrolling(
        h(
          "table",
          { class: "lines", "data-testid": "trend-table" },
          h("thead", {}, h("tr", {}, [t("reports.trend.period"), t(`reports.col.${count}`), t(`reports.col.${headline}`)].map((title) => h("th", { scope: "col" }, title)))),
          h(
            "tbody",
            {},
            points.map((point) =>
              h("tr", { dataset: { start: point.start } }, h("th", { scope: "row" }, periodLabel(point)), h("td", {}, figure(point[count], count)), h("td", {}, figure(point[headline], headline))),
            ),
          ),
        ),
        t("reports.trend.figures", { period }),
      ),
    );
    const target = this.state.name === "parts-cycle" && this.target ? { value: this.target, label: t("reports.target", { target: this.target }) } : null;
    return {
      root: h("figure", { class: "chart-panel" }, h("figcaption", {}, heading), chart?.root, figures),
      draw: () =>
        chart.draw(
          kit.trendOption({
            labels: points.map((point) => dayLabel(point.start)),
            tips: points.map(periodLabel),
            bars: { name: t(`reports.col.${count}`), values: points.map((point) => plotted(point[count])) },
            line: { name: t(`reports.col.${headline}`), values: points.map((point) => plotted(point[headline])) },
            ceiling,
            target,
          }),
        ),
    };
  }

  // The groups side by side: the figure the report ranks them by, one bar each; a bar drills down as its row does.
  comparePanel(rows, kit) {
    const spec = REPORTS[this.state.name];
    const groups = groupsOf(this.state.name, rows, spec.bar);
    // "Complaints per 100 jobs by province": the group's word inside a sentence (no case in Chinese).
    const group = t(this.state.level ? `reports.level.${this.state.level}` : `reports.group.${this.state.name}`).toLowerCase();
    const caption = t("reports.compare", { figure: t(`reports.col.${spec.bar}`), group });
    if (!kit) {
      return null;
    }
    const chart = new kit.Chart({ label: caption, testId: "compare-chart", className: "compare" });
    chart.root.style.height = `${kit.barsHeight(groups.length)}px`;
    this.charts.push(chart);
    return {
      root: h("figure", { class: "chart-panel" }, h("figcaption", {}, caption), chart.root),
      draw: async () => {
        await chart.draw(
          kit.barsOption({
            names: groups.map((each) => each.name || each.code || t("reports.none")),
            values: groups.map((each) => plotted(each.value) ?? 0),
            shown: groups.map((each) => figure(each.value, spec.bar)),
            ceiling: spec.ceiling,
            name: t(`reports.col.${spec.bar}`),
          }),
        );
        chart.on("click", ({ dataIndex }) => this.drill(groups[dataIndex]?.code ?? ""));
      },
    };
  }

  // The figures above the charts: the whole slice's, and the target where the report has one.
  summary(body) {
    const name = this.state.name;
    if (name === "parts-cycle") {
      this.target = body.target_days;
      return h("p", { class: "summary" }, t("reports.cycleSummary", { mean: figure(body.overall.mean_days, "mean_days"), target: body.target_days }));
    }
    if (name === "claims") {
      return h(
        "p",
        { class: "summary", "data-testid": "held-back" },
        t("reports.heldBackSummary", { amount: body.held_back, count: body.held_back_claims, rejected: body.rejected, rejectedCount: body.rejected_claims }),
      );
    }
    if (name === "workload") {
      const { total } = body;
      return h("p", { class: "summary" }, t("reports.staffing", { needed: total.technicians_needed, have: total.technicians, target: body.target_per_technician_day }));
    }
    const headline = { complaints: "rate_per_100", satisfaction: "overall", sla: "compliance_pct" }[name];
    return h("p", { class: "summary", "data-testid": "report-headline" }, `${t(`reports.col.${headline}`)}: ${figure(body.total[headline], headline)}`);
  }
}
