// What the CLI prints for lists: the registry's files, the project's keys and its usage as aligned columns,
// and each provider with what it takes (accepted extensions, its fields as the CLI's flags, required ones
// marked). Every string that came from the server goes through inert() (./terminal.ts) before it is measured
// or printed.
import { humanSize, keyState, quotaText } from "./format";
import { inert } from "./terminal";
import type { FileRecord, Key, Provider, Usage } from "./types";

/** Rows of cells, each column padded to its widest cell (the last column is not padded). */
export function columns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows)
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

/** `files ls`: a header, then one aligned row per record. */
export function fileRows(files: FileRecord[]): string[] {
  return columns([
    ["ID", "PROVIDER", "STATUS", "SIZE", "NAME", "REFERENCE"],
    ...files.map((f) =>
      [f.id, f.provider, f.status, humanSize(f.file.size), f.file.name, f.reference ?? "—"].map(inert),
    ),
  ]);
}

/** `providers`: one line per provider, then what it accepts and its fields (as --flags). */
export function providerLines(list: Provider[]): string[] {
  const head = columns(
    list.map((p) => [
      inert(p.id),
      p.configured ? "configured" : "no key",
      `one request ≤ ${humanSize(Number(p.max_bytes))}`,
      inert(p.name),
    ]),
  );
  return list.flatMap((p, i) => {
    // What a server sent is not trusted to be whole: a provider without these members still prints.
    const accepts = Array.isArray(p.accepted)
      ? p.accepted.map((a) => inert(a.extension)).join(" ")
      : "any type (the provider checks it)";
    const fields = (Array.isArray(p.fields) ? p.fields : []).map((f) => {
      const values = f.values?.map((v) =>
        v.extensions ? `${inert(v.value)} (${v.extensions.map(inert).join(", ")})` : inert(v.value),
      );
      const notes = [
        ...(f.required ? ["required"] : []),
        ...(f.default ? [`default ${inert(f.default)}`] : []),
      ];
      return `    --${inert(f.name)}${notes.length ? ` (${notes.join(", ")})` : ""}${values ? `: ${values.join(" | ")}` : ""}`;
    });
    return [head[i] ?? "", `    accepts: ${accepts}`, ...fields];
  });
}

/** A time as people scan a list: "2026-12-02 07:30" (UTC), or "—". */
const minute = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : "—");

/** `keys ls`: a header, then one aligned row per key (newest first, as the gateway lists them). */
export function keyRows(keys: Key[], now = Date.now()): string[] {
  return columns([
    ["ID", "PREFIX", "STATE", "CREATED", "EXPIRES", "PROVIDERS", "ACTIONS", "QUOTAS", "NAME"],
    ...keys.map((k) =>
      [
        k.id,
        k.prefix,
        keyState(k, now),
        minute(k.created_at),
        minute(k.expires_at),
        k.providers?.join(",") ?? "all",
        k.actions.join(","),
        quotaText(k.quotas ?? {}),
        k.name,
      ].map(inert),
    ),
  ]);
}

/** `usage`: one aligned row per day and provider, then the total. */
export function usageRows(rows: Usage[]): string[] {
  const sum = (f: (r: Usage) => number) => rows.reduce((n, r) => n + f(r), 0);
  // Every cell inert: a server is not trusted to send numbers where the spec says numbers.
  const line = (date: string, provider: string, r: Omit<Usage, "date" | "provider">) =>
    [
      date,
      provider,
      r.uploads,
      humanSize(r.bytes),
      r.bytes,
      r.failures,
      r.deduplicated,
      humanSize(r.bytes_saved),
      r.imports,
    ].map(inert);
  const total = {
    uploads: sum((r) => r.uploads),
    bytes: sum((r) => r.bytes),
    failures: sum((r) => r.failures),
    deduplicated: sum((r) => r.deduplicated),
    bytes_saved: sum((r) => r.bytes_saved),
    imports: sum((r) => r.imports),
  };
  return columns([
    ["DATE", "PROVIDER", "UPLOADS", "SIZE", "BYTES", "FAILURES", "DEDUPED", "SAVED", "IMPORTS"],
    ...rows.map((r) => line(r.date, r.provider, r)),
    line("total", "", total),
  ]);
}
