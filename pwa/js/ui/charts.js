// The dashboard's charts, drawn by Apache ECharts from the app's own npm packages (no other site is asked).
// ECharts is a megabyte of desk-only code: it is imported the first time a chart is drawn, so the technician's
// phone, whose shell never draws one, never downloads it. It draws on a canvas and styles its few elements
// through the CSSOM, both of which the content security policy allows.

import { language } from "../i18n/index.js";
import { h } from "./dom.js";

export const ECHARTS = "/node_modules/echarts/dist/echarts.esm.min.js";

const BRAND = "#0b5cad";
const SECOND = "#d4731a";
const INK = "#1d2430";
const MUTED = "#5b6675";
const LINE = "#d9dee5";
const FONT = 'system-ui, "PingFang SC", "Noto Sans CJK SC", sans-serif';

let loading = null;

// ECharts writes a tooltip as HTML: a group's name (a provider's, a technician's) goes in as text only.
function escaped(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// The ECharts module, fetched once; a failed fetch (the network went) is tried again at the next chart.
export function loadECharts() {
  loading ??= import(ECHARTS).catch((error) => {
    loading = null;
    throw error;
  });
  return loading;
}

// One chart: its own element (an image to assistive technology, named by `label`; the figures are in the
// page's tables), drawn and redrawn by ECharts, following its element's width.
export class Chart {
  constructor({ label, testId, className = "" }) {
    this.root = h("div", { class: `chart ${className}`.trim(), role: "img", "aria-label": label, "data-testid": testId });
    this.instance = null;
    this.watch = null;
  }

  async draw(option) {
    const echarts = await loadECharts();
    if (!this.instance) {
      this.instance = echarts.init(this.root, null, { renderer: "canvas", locale: language() === "en" ? "EN" : "ZH" });
      // The element's width follows the window and the side-by-side layout; the canvas follows it.
      this.watch = new ResizeObserver(() => this.instance?.resize());
      this.watch.observe(this.root);
    }
    this.instance.setOption(option, true);
    this.root.dataset.drawn = "true";
  }

  on(event, handler) {
    this.instance?.on(event, handler);
  }

  dispose() {
    this.watch?.disconnect();
    this.instance?.dispose();
    this.instance = null;
  }
}

const text = { fontFamily: FONT, color: INK, fontSize: 12 };

function axisLabels(extra = {}) {
  return { color: MUTED, fontFamily: FONT, fontSize: 11, hideOverlap: true, ...extra };
}

// A trend: the volume as bars on the left axis, the headline rate as a line on the right one (`ceiling` fixes
// its top, e.g. 100 for a percentage), one point per period; `labels` name the periods, `tips` the tooltips'.
// `shared`: the line counts what the bars count (last year's requests beside this year's), on the bars' scale.
export function trendOption({ labels, tips, bars, line, ceiling, target, shared = false }) {
  return {
    textStyle: text,
    animation: false,
    color: [BRAND, SECOND],
    grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
    legend: { top: 0, left: 0, textStyle: { ...text, fontSize: 11 }, itemWidth: 14, itemHeight: 8 },
    tooltip: {
      trigger: "axis",
      confine: true,
      textStyle: text,
      formatter: (items) => {
        const index = items[0]?.dataIndex ?? 0;
        const lines = items.map((item) => `${item.marker}${escaped(item.seriesName)}: ${escaped(item.value ?? "–")}`);
        return [escaped(tips[index]), ...lines].join("<br>");
      },
    },
    xAxis: {
      type: "category",
      data: labels,
      axisLine: { lineStyle: { color: LINE } },
      axisTick: { alignWithLabel: true },
      axisLabel: axisLabels(),
    },
    yAxis: [
      { type: "value", minInterval: 1, splitLine: { lineStyle: { color: LINE } }, axisLabel: axisLabels() },
      { type: "value", min: 0, max: ceiling, splitLine: { show: false }, axisLabel: axisLabels(), show: !shared },
    ],
    series: [
      { type: "bar", name: bars.name, data: bars.values, barMaxWidth: 18 },
      {
        type: "line",
        name: line.name,
        data: line.values,
        yAxisIndex: shared ? 0 : 1,
        connectNulls: false,
        symbolSize: 5,
        ...(target
          ? {
              markLine: {
                silent: true,
                symbol: "none",
                lineStyle: { color: MUTED, type: "dashed" },
                label: { formatter: target.label, position: "insideEndTop", color: MUTED, fontFamily: FONT, fontSize: 11 },
                data: [{ yAxis: target.value }],
              },
            }
          : {}),
      },
    ],
  };
}

// Comparable bars: one per group, longest first from the top, each with its figure; `ceiling` fixes the scale.
export function barsOption({ names, values, shown, ceiling, name }) {
  return {
    textStyle: text,
    animation: false,
    color: [BRAND],
    grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
    tooltip: {
      trigger: "item",
      confine: true,
      textStyle: text,
      formatter: ({ dataIndex, marker }) => `${marker}${escaped(names[dataIndex])}: ${escaped(shown[dataIndex])}`,
    },
    xAxis: { type: "value", min: 0, max: ceiling, splitLine: { lineStyle: { color: LINE } }, axisLabel: axisLabels() },
    yAxis: {
      type: "category",
      inverse: true,
      data: names,
      axisLine: { lineStyle: { color: LINE } },
      axisTick: { show: false },
      // Long provider names are cut to the chart's side rather than pushing the bars off a phone.
      axisLabel: axisLabels({ width: 110, overflow: "truncate", color: INK }),
    },
    series: [
      {
        type: "bar",
        name,
        data: values,
        barMaxWidth: 22,
        label: { show: true, position: "right", formatter: ({ dataIndex }) => shown[dataIndex], fontFamily: FONT, fontSize: 11, color: INK },
      },
    ],
  };
}

// The height a bar chart of `count` groups needs to keep its bars readable.
export function barsHeight(count) {
  return Math.max(120, Math.min(count, 30) * 28 + 40);
}
