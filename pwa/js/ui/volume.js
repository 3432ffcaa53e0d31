// Request volume patterns on the dashboard, for staffing: when requests come in by weekday and hour (a shaded
// grid, each cell the mean per such day of the range), week by week beside the same week a year earlier, and
// by province and product line. Every figure is the server's; this module only lays it out.

import { language, t } from "../i18n/index.js";
import { h } from "./dom.js";

// Monday first, as the server counts weekdays.
const WEEKDAY_REFERENCE = [5, 6, 7, 8, 9, 10, 11]; // 5 January 2026 is a Monday

export function weekdayName(index, style = "short") {
  return new Intl.DateTimeFormat(language(), { weekday: style }).format(new Date(2026, 0, WEEKDAY_REFERENCE[index]));
}

export function hourRange(hour) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(hour)}:00–${pad((hour + 1) % 24)}:00`;
}

// The change from last year as a signed percentage; null when there is nothing to compare with.
export function change(now, before) {
  if (before === null || before === undefined || before === 0) {
    return null;
  }
  return Math.round(((now - before) / before) * 1000) / 10;
}

function changeText(now, before) {
  const pct = change(now, before);
  if (before === null || before === undefined) {
    return t("volume.noLastYear");
  }
  if (pct === null) {
    return t("volume.newThisYear");
  }
  return `${pct > 0 ? "+" : ""}${pct.toFixed(1)}%`;
}

// Five shades from none to the busiest cell; a cell's words carry its figures for those who cannot see colour.
export function shade(value, top) {
  if (!top || !value) {
    return 0;
  }
  return Math.max(1, Math.min(4, Math.ceil((value / top) * 4)));
}

function mean(value) {
  return Number(value).toLocaleString(language(), { maximumFractionDigits: 1 });
}

export function summary(body) {
  const parts = [t("volume.total", { count: body.total })];
  if (body.last_year_total !== null && body.last_year_total !== undefined) {
    const pct = change(body.total, body.last_year_total);
    parts.push(pct === null ? t("volume.lastYearPlain", { count: body.last_year_total }) : t("volume.lastYear", { count: body.last_year_total, change: changeText(body.total, body.last_year_total) }));
  }
  if (body.peak) {
    const { weekday, hour } = body.peak;
    parts.push(
      t("volume.peak", {
        weekday: weekdayName(weekday, "long"),
        hours: hourRange(hour),
        mean: mean(body.weekday_hour_mean[weekday][hour]),
      }),
    );
  }
  return parts.join(" ");
}

function heatmap(body, scrolling) {
  const top = Math.max(0, ...body.weekday_hour_mean.flat());
  const hours = [...Array(24).keys()];
  const table = h(
    "table",
    { class: "lines heatmap", "data-testid": "volume-heatmap" },
    h(
      "thead",
      {},
      h("tr", {}, h("th", { scope: "col" }, t("volume.weekday")), hours.map((hour) => h("th", { scope: "col", title: hourRange(hour) }, String(hour).padStart(2, "0")))),
    ),
    h(
      "tbody",
      {},
      body.weekday_hour_mean.map((row, weekday) =>
        h(
          "tr",
          { dataset: { weekday: String(weekday) } },
          h("th", { scope: "row" }, weekdayName(weekday)),
          row.map((value, hour) =>
            h(
              "td",
              {
                class: `shade-${shade(value, top)}`,
                title: t("volume.cell", { weekday: weekdayName(weekday, "long"), hours: hourRange(hour), mean: mean(value), count: body.weekday_hour[weekday][hour] }),
                dataset: { hour: String(hour), count: String(body.weekday_hour[weekday][hour]) },
              },
              value ? mean(value) : "",
            ),
          ),
        ),
      ),
    ),
  );
  return h(
    "figure",
    { class: "chart-panel volume-grid" },
    h("figcaption", {}, t("volume.heatmap.heading")),
    h("p", { class: "hint" }, t("volume.heatmap.hint")),
    scrolling(table, t("volume.heatmap.heading")),
  );
}

function weekTable(body, scrolling, dayLabel) {
  return scrolling(
    h(
      "table",
      { class: "lines", "data-testid": "volume-weeks" },
      h(
        "thead",
        {},
        h("tr", {}, [t("volume.week"), t("volume.days"), t("volume.requests"), t("volume.lastYearDays"), t("volume.lastYearRequests"), t("volume.change")].map((title) => h("th", { scope: "col" }, title))),
      ),
      h(
        "tbody",
        {},
        body.weeks.map((week) =>
          h(
            "tr",
            { dataset: { week: week.week } },
            h("th", { scope: "row" }, t("volume.weekNumber", { year: week.week.slice(0, 4), week: Number(week.week.slice(6)) })),
            h("td", {}, t("reports.week", { start: dayLabel(week.start), end: dayLabel(week.end) })),
            h("td", { class: "value" }, String(week.requests)),
            h("td", {}, week.last_year_start ? t("reports.week", { start: dayLabel(week.last_year_start), end: dayLabel(week.last_year_end) }) : t("volume.noSuchWeek")),
            h("td", {}, week.last_year === null ? "—" : String(week.last_year)),
            h("td", {}, changeText(week.requests, week.last_year)),
          ),
        ),
      ),
    ),
    t("volume.weeks.heading"),
  );
}

function groupTable(rows, heading, label, scrolling, testId) {
  return h(
    "figure",
    { class: "chart-panel" },
    h("figcaption", {}, heading),
    rows.length
      ? scrolling(
          h(
            "table",
            { class: "lines", "data-testid": testId },
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, heading), h("th", { scope: "col" }, t("volume.requests")))),
            h("tbody", {}, rows.map((row) => h("tr", {}, h("th", { scope: "row" }, label(row)), h("td", { class: "value" }, String(row.requests))))),
          ),
          heading,
        )
      : h("p", { class: "empty" }, t("reports.empty")),
  );
}

// The whole report: {root, draw(kit)} — draw paints the week chart once ECharts is loaded (none without it).
export function volumePanels(body, { scrolling, dayLabel, lineName, charts }) {
  const chart = charts.kit ? new charts.kit.Chart({ label: t("volume.weeks.caption"), testId: "volume-chart", className: "trend" }) : null;
  if (chart) {
    charts.list.push(chart);
  }
  const weeks = h("figure", { class: "chart-panel" }, h("figcaption", {}, t("volume.weeks.heading")), chart?.root, weekTable(body, scrolling, dayLabel));
  const root = h(
    "div",
    { class: "volume" },
    h("p", { class: "summary", "data-testid": "volume-summary" }, summary(body)),
    heatmap(body, scrolling),
    h(
      "div",
      { class: "charts" },
      weeks,
      h(
        "div",
        {},
        groupTable(body.provinces, t("reports.level.province"), (row) => row.name || row.code || t("reports.none"), scrolling, "volume-provinces"),
        groupTable(body.product_lines, t("reports.productLine"), (row) => (row.product_line ? lineName(row.product_line) : t("volume.unknownLine")), scrolling, "volume-lines"),
      ),
    ),
  );
  const draw = () =>
    chart?.draw(
      charts.kit.trendOption({
        labels: body.weeks.map((week) => t("volume.weekNumber", { year: week.week.slice(0, 4), week: Number(week.week.slice(6)) })),
        tips: body.weeks.map((week) => t("reports.week", { start: dayLabel(week.start), end: dayLabel(week.end) })),
        bars: { name: t("volume.requests"), values: body.weeks.map((week) => week.requests) },
        line: { name: t("volume.lastYearRequests"), values: body.weeks.map((week) => week.last_year) },
        shared: true,
      }),
    );
  return { root, draw };
}
