// The positions of a visit drawn for the auditor without map tiles: the address at the centre, each fix of the
// phone as a dot inside its accuracy circle, a scale bar, north up. The server gives the address in WGS-84
// (converted from a Chinese map's datum by server/core/geo.py, as it is before the checks measure). Pure but for
// `visitPlot`, which makes the SVG.

import { h, t } from "./kit.js";

const EARTH_RADIUS_M = 6_371_008.8;

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
