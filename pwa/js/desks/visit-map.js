// The positions of a visit drawn for the auditor without map tiles: the address at the centre, each fix of the
// phone as a dot inside its accuracy circle, a scale bar, north up. An address picked on a Chinese map is in
// GCJ-02 or BD-09 (100-700 m off WGS-84) and is brought back to WGS-84 first, as the server does before it
// measures (server/core/geo.py; the same published formulas). Pure but for `visitPlot`, which makes the SVG.

import { h, t } from "./kit.js";

const EARTH_RADIUS_M = 6_371_008.8;
const KRASOVSKY_A = 6378245.0;
const KRASOVSKY_EE = 0.00669342162296594323;
const BD_X_PI = (Math.PI * 3000.0) / 180.0;
// China's outline as GCJ-02's offset covers it: rectangles (north, west, south, east), less those cut out.
const CHINA = [
  [49.2204, 79.4462, 42.8899, 96.33],
  [54.1415, 109.6872, 39.3742, 135.0002],
  [42.8899, 73.1246, 29.5297, 124.143255],
  [29.5297, 82.9684, 26.7186, 97.0352],
  [29.5297, 97.0253, 20.414096, 124.367395],
  [20.414096, 107.975793, 17.871542, 111.744104],
];
const NOT_CHINA = [
  [25.398623, 119.921265, 21.785006, 122.497559],
  [22.284, 101.8652, 20.0988, 106.665],
  [21.5422, 106.4525, 20.4878, 108.051],
  [55.8175, 109.0323, 50.3257, 119.127],
  [55.8175, 127.4568, 49.5574, 137.0227],
  [44.8922, 131.2662, 42.5692, 137.0227],
];

const within = (boxes, lat, lng) => boxes.some(([north, west, south, east]) => south <= lat && lat <= north && west <= lng && lng <= east);

export function inChina(lat, lng) {
  return within(CHINA, lat, lng) && !within(NOT_CHINA, lat, lng);
}

function gcjOffset(lat, lng) {
  const x = lng - 105.0;
  const y = lat - 35.0;
  const wave = ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  let dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) + wave;
  dlat += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  dlat += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320.0 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  let dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) + wave;
  dlng += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  dlng += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  const radLat = (lat * Math.PI) / 180;
  const magic = 1.0 - KRASOVSKY_EE * Math.sin(radLat) ** 2;
  const sqrtMagic = Math.sqrt(magic);
  return [(dlat * 180.0) / (((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrtMagic)) * Math.PI), (dlng * 180.0) / ((KRASOVSKY_A / sqrtMagic) * Math.cos(radLat) * Math.PI)];
}

export function wgs84ToGcj02(lat, lng) {
  if (!inChina(lat, lng)) {
    return [lat, lng];
  }
  const [dlat, dlng] = gcjOffset(lat, lng);
  return [lat + dlat, lng + dlng];
}

// The forward offset has no closed inverse: fixed-point iteration, each round dividing the error by hundreds.
export function gcj02ToWgs84(lat, lng) {
  if (!inChina(lat, lng)) {
    return [lat, lng];
  }
  let [wgsLat, wgsLng] = [lat, lng];
  for (let i = 0; i < 10; i += 1) {
    const [thereLat, thereLng] = wgs84ToGcj02(wgsLat, wgsLng);
    const [errorLat, errorLng] = [thereLat - lat, thereLng - lng];
    wgsLat -= errorLat;
    wgsLng -= errorLng;
    if (Math.abs(errorLat) < 1e-10 && Math.abs(errorLng) < 1e-10) {
      break;
    }
  }
  return [wgsLat, wgsLng];
}

export function bd09ToGcj02(lat, lng) {
  const x = lng - 0.0065;
  const y = lat - 0.006;
  const z = Math.hypot(x, y) - 0.00002 * Math.sin(y * BD_X_PI);
  const theta = Math.atan2(y, x) - 0.000003 * Math.cos(x * BD_X_PI);
  return [z * Math.sin(theta), z * Math.cos(theta)];
}

// [lat, lng] in WGS-84 of a point given in `system` ("wgs84", "gcj02", "bd09"; none is WGS-84).
export function toWgs84(lat, lng, system) {
  if (system === "gcj02") {
    return gcj02ToWgs84(lat, lng);
  }
  if (system === "bd09") {
    return gcj02ToWgs84(...bd09ToGcj02(lat, lng));
  }
  return [lat, lng];
}

// The great-circle distance in metres.
export function distanceM([lat1, lng1], [lat2, lng2]) {
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lng2 - lng1) * rad) / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

// A distance as a person reads it: "80 m", "350 m", "1.2 km", "34 km" (in the user's language).
export function distanceText(metres) {
  if (metres < 1000) {
    return t("visitMap.metres", { value: Math.round(metres) });
  }
  return t("visitMap.km", { value: metres < 10_000 ? (metres / 1000).toFixed(1) : Math.round(metres / 1000) });
}

// The nice lengths a scale bar may show.
const SCALE_STEPS = [1, 2, 5];

// A round length (1, 2 or 5 × 10^n metres) no longer than `most` metres.
export function scaleLength(most) {
  let best = 1;
  for (let power = 0; power < 8; power += 1) {
    for (const step of SCALE_STEPS) {
      const length = step * 10 ** power;
      if (length <= most) {
        best = length;
      }
    }
  }
  return best;
}

// What to draw in a `size`×`size` box: the address (WGS-84, or null) at the centre, or the fixes' middle when
// there is none; each fix at its place with its accuracy's radius; a scale bar. Metres become pixels at one
// scale for both axes (a local equirectangular view: true to well under a percent over a few kilometres).
export function plotOf({ address, fixes, size = 320, margin = 24 }) {
  const points = fixes.map((fix) => ({ ...fix, at: [fix.lat, fix.lng] }));
  const centre = address ?? (points.length ? [points.reduce((sum, p) => sum + p.lat, 0) / points.length, points.reduce((sum, p) => sum + p.lng, 0) / points.length] : null);
  if (!centre) {
    return null;
  }
  const cosLat = Math.cos((centre[0] * Math.PI) / 180);
  const metresOf = ([lat, lng]) => [((lng - centre[1]) * Math.PI * EARTH_RADIUS_M * cosLat) / 180, ((lat - centre[0]) * Math.PI * EARTH_RADIUS_M) / 180];
  // The view reaches the farthest fix with its circle, and never less than 100 m from the centre.
  const reach = Math.max(100, ...points.map((p) => Math.hypot(...metresOf(p.at)) + p.accuracy_m));
  const pixelsPerM = (size / 2 - margin) / reach;
  const place = (at) => {
    const [east, north] = metresOf(at);
    return [size / 2 + east * pixelsPerM, size / 2 - north * pixelsPerM];
  };
  const bar = scaleLength((size - 2 * margin) / 3 / pixelsPerM);
  return {
    size,
    address: address ? { x: size / 2, y: size / 2 } : null,
    fixes: points.map((p) => {
      const [x, y] = place(p.at);
      return { step: p.step, x, y, r: Math.max(2, p.accuracy_m * pixelsPerM), distanceM: address ? distanceM(address, p.at) : null, accuracy_m: p.accuracy_m };
    }),
    scale: { metres: bar, pixels: bar * pixelsPerM, x: margin, y: size - margin / 2 },
  };
}

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    element.setAttribute(name, String(value));
  }
  element.append(...children);
  return element;
}

// The plot as an SVG figure with a caption listing each fix's distance from the address, or null when there is
// nothing to place.
export function visitPlot({ address, fixes }) {
  const plot = plotOf({ address, fixes });
  if (!plot) {
    return null;
  }
  const label = (fix) => t(`visitMap.step.${fix.step === "complete" ? "complete" : "arrive"}`);
  const drawing = svg(
    "svg",
    { viewBox: `0 0 ${plot.size} ${plot.size}`, class: "visit-map", role: "img", "aria-label": t("visitMap.title"), "data-testid": "visit-map" },
    svg("rect", { x: 0, y: 0, width: plot.size, height: plot.size, class: "ground" }),
    ...plot.fixes.map((fix) => svg("circle", { cx: fix.x.toFixed(1), cy: fix.y.toFixed(1), r: fix.r.toFixed(1), class: `accuracy step-${fix.step}` })),
    ...plot.fixes.map((fix) => svg("circle", { cx: fix.x.toFixed(1), cy: fix.y.toFixed(1), r: 4, class: `fix step-${fix.step}`, "data-step": fix.step }, svg("title", {}, label(fix)))),
    ...(plot.address
      ? [svg("path", { d: `M${plot.address.x - 7},${plot.address.y} h14 M${plot.address.x},${plot.address.y - 7} v14`, class: "address", "data-testid": "map-address" }, svg("title", {}, t("visitMap.address")))]
      : []),
    svg("line", { x1: plot.scale.x, y1: plot.scale.y, x2: (plot.scale.x + plot.scale.pixels).toFixed(1), y2: plot.scale.y, class: "scale" }),
    svg("text", { x: plot.scale.x, y: plot.scale.y - 4, class: "scale-text", "data-testid": "map-scale" }, distanceText(plot.scale.metres)),
    svg("text", { x: plot.size - 14, y: 18, class: "north" }, t("visitMap.north")),
  );
  const said = plot.fixes.map((fix) =>
    h(
      "li",
      { dataset: { step: fix.step } },
      fix.distanceM === null
        ? t("visitMap.fixNoAddress", { step: label(fix), accuracy: distanceText(fix.accuracy_m) })
        : t("visitMap.fix", { step: label(fix), distance: distanceText(fix.distanceM), accuracy: distanceText(fix.accuracy_m) }),
    ),
  );
  return h("figure", { class: "visit-plot" }, drawing, h("figcaption", {}, plot.address ? null : h("p", { class: "muted" }, t("visitMap.noAddress")), h("ul", {}, said)));
}
