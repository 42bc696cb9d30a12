// Bytes per day per provider as stacked bars, drawn by the page as inline SVG: nothing is loaded from
// elsewhere, and under the console's CSP (style-src 'self', no inline style) every colour is a class in
// style.css (series-0 … series-5) and every number an SVG attribute. The SVG is one image to assistive
// technology, named by a summary; the usage table beside it has every figure.
import { humanSize } from "../client/src/format";
import type { Usage } from "../client/src/index";

const NS = "http://www.w3.org/2000/svg";
/** The drawing's own units (viewBox): it scales to the page's width. */
const W = 640;
const H = 220;
const LEFT = 70;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 26;
const DAY_MS = 86_400_000;
/** Colours in style.css, in the order series are given. */
export const SERIES_COLOURS = 6;

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  ...kids: (Node | string)[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  node.append(...kids);
  return node;
}

/** YYYY-MM-DD (UTC) of a time. */
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The `n` days (UTC) that end today, oldest first. */
export function lastDays(n: number, now = Date.now()): string[] {
  return Array.from({ length: n }, (_, i) => dayOf(now - (n - 1 - i) * DAY_MS));
}

/** `series[i]`'s colour class. */
export const seriesClass = (series: readonly string[], provider: string) =>
  `series-${Math.max(0, series.indexOf(provider)) % SERIES_COLOURS}`;

/** What the chart says, in words: its name for assistive technology. */
function summary(days: readonly string[], rows: readonly Usage[], series: readonly string[]): string {
  const per = series
    .map((p) => [p, rows.filter((r) => r.provider === p).reduce((n, r) => n + r.bytes, 0)] as const)
    .filter(([, bytes]) => bytes > 0)
    .map(([p, bytes]) => `${p} ${humanSize(bytes)}`);
  // Without the word "provider": the upload form's Provider field goes by it, and one name should lead to one control.
  const span = `${days[0]} to ${days[days.length - 1]}`;
  return `Usage chart, ${span}, bytes received: ${per.length ? per.join(", ") : "none"}.`;
}

/**
 * The chart: one bar a day, stacked by provider in `series` order (each piece names its day, provider and
 * bytes in a tooltip and in data-* attributes), a scale of sizes on the left, dates below.
 */
export function bytesChart(
  days: readonly string[],
  rows: readonly Usage[],
  series: readonly string[],
): SVGSVGElement {
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const totals = days.map((d) => rows.filter((r) => r.date === d).reduce((n, r) => n + r.bytes, 0));
  const max = Math.max(1, ...totals);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "bars" });
  chart.setAttribute("aria-label", summary(days, rows, series));

  for (const f of [0, 0.5, 1]) {
    const y = TOP + plotH - plotH * f;
    chart.append(
      svg("line", { x1: LEFT, x2: W - RIGHT, y1: y, y2: y, class: "grid" }),
      svg("text", { x: LEFT - 6, y: y + 4, "text-anchor": "end", class: "axis" }, humanSize(max * f)),
    );
  }

  const slot = plotW / days.length;
  const barW = Math.max(2, slot * 0.7);
  // Dates under the bars, as many as fit (about one per 60 units), the last always.
  const every = Math.max(1, Math.ceil(days.length / Math.floor(plotW / 60)));
  days.forEach((day, i) => {
    const x = LEFT + i * slot + (slot - barW) / 2;
    let top = TOP + plotH;
    for (const provider of series) {
      const row = rows.find((r) => r.date === day && r.provider === provider);
      if (!row || row.bytes <= 0) continue;
      // At least one unit tall: a day with a few bytes still shows.
      const h = Math.max(1, (plotH * row.bytes) / max);
      top -= h;
      chart.append(
        svg(
          "rect",
          {
            x,
            y: top,
            width: barW,
            height: h,
            class: seriesClass(series, provider),
            "data-date": day,
            "data-provider": provider,
            "data-bytes": row.bytes,
          },
          svg("title", {}, `${day} · ${provider}: ${humanSize(row.bytes)} (${row.bytes} bytes)`),
        ),
      );
    }
    const last = i === days.length - 1;
    if (last || (i % every === 0 && days.length - 1 - i >= every))
      chart.append(
        svg("text", { x: x + barW / 2, y: H - 8, "text-anchor": "middle", class: "axis" }, day.slice(5)),
      );
  });
  return chart;
}
