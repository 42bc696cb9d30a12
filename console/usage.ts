// The usage view (GET /v1/usage): the last N days of this project, for every key or one, as a chart of the
// bytes each provider received per day (chart.ts) and a table of every figure.
import { humanSize } from "../client/src/format";
import type { Key, Mediagate, Provider, Usage } from "../client/src/index";
import { MediagateError } from "../client/src/index";
import { bytesChart, lastDays, seriesClass } from "./chart";
import { $, describe, el } from "./dom";

const COLUMNS = ["Day", "Provider", "Uploads", "Size", "Failures", "Deduplicated", "Saved", "Imports"];

function table(rows: readonly Usage[]): HTMLTableElement {
  const head = el("tr", {}, ...COLUMNS.map((c) => el("th", { scope: "col", textContent: c })));
  const body = rows
    .slice()
    .reverse()
    .map((r) =>
      el(
        "tr",
        {},
        el("td", { textContent: r.date }),
        el("td", { textContent: r.provider }),
        el("td", { textContent: String(r.uploads) }),
        el("td", { textContent: humanSize(r.bytes), title: `${r.bytes} bytes` }),
        el("td", { textContent: String(r.failures) }),
        el("td", { textContent: String(r.deduplicated) }),
        el("td", { textContent: humanSize(r.bytes_saved) }),
        el("td", { textContent: String(r.imports) }),
      ),
    );
  return el("table", {}, el("thead", {}, head), el("tbody", {}, ...body));
}

export function usageView(getClient: () => Mediagate | undefined) {
  /** Providers in the gateway's order: each keeps its colour whatever the range shows. */
  let series: string[] = [];

  function render(days: string[], rows: Usage[]) {
    for (const r of rows) if (!series.includes(r.provider)) series.push(r.provider);
    const shown = series.filter((p) => rows.some((r) => r.provider === p && r.bytes > 0));
    $("usage-chart").replaceChildren(bytesChart(days, rows, series));
    $("usage-legend").replaceChildren(
      ...shown.map((p) =>
        el(
          "li",
          {},
          el("span", { className: `swatch ${seriesClass(series, p)}` }),
          `${p} ${humanSize(rows.filter((r) => r.provider === p).reduce((n, r) => n + r.bytes, 0))}`,
        ),
      ),
    );
    $("usage-table").replaceChildren(table(rows));
    $("usage-figure").hidden = false;
    $("usage-table").hidden = rows.length === 0;
    $("usage-note").textContent = rows.length ? "" : `No uploads in the last ${days.length} days.`;
  }

  async function load() {
    const mg = getClient();
    if (!mg) return;
    const days = lastDays(Number($<HTMLSelectElement>("usage-days").value));
    const key = $<HTMLSelectElement>("usage-key").value;
    try {
      const from = days[0] as string;
      const to = days[days.length - 1] as string;
      render(days, await mg.usage({ from, to, ...(key ? { key } : {}) }));
    } catch (error) {
      $("usage-figure").hidden = true;
      $("usage-table").hidden = true;
      $("usage-note").textContent =
        error instanceof MediagateError && error.code === "scope_denied"
          ? "This key may not read usage (it lacks usage:read)."
          : describe(error);
    }
  }

  return {
    setup(providers: Provider[]) {
      series = providers.map((p) => p.id);
      $<HTMLSelectElement>("usage-key").onchange = () => void load();
      $<HTMLSelectElement>("usage-days").onchange = () => void load();
      $("usage-refresh").onclick = () => void load();
    },
    /** The keys to show usage of (the keys page lists them), the choice kept when it still exists. */
    setKeys(keys: Key[]) {
      const select = $<HTMLSelectElement>("usage-key");
      const chosen = select.value;
      select.replaceChildren(
        el("option", { value: "", textContent: "All keys" }),
        ...keys.map((k) =>
          el("option", {
            value: k.id,
            textContent: `${k.name} (${k.prefix}…)${k.revoked_at ? ", revoked" : ""}`,
          }),
        ),
      );
      if (keys.some((k) => k.id === chosen)) select.value = chosen;
    },
    refresh: load,
  };
}
