#!/usr/bin/env node
// Renders the docs' generated tables between their `<!-- name:start -->` / `<!-- name:end -->` markers: the
// provider table (README.md) from the capability table, the error table (docs/api.md) from the error catalogue,
// so the docs read the same source as validation and GET /v1/providers, and the benchmark's latest results
// (docs/benchmark.md) from bench/results.md. `--check` exits 1 when a file is stale.
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { ERRORS } from "../worker/core/errors.ts";
import { LIMITS } from "../worker/core/limits.ts";
import { CAPABILITIES, PROVIDER_IDS } from "./providers.mjs";

const size = (n) =>
  n === null
    ? "— (MAX_REQUEST_BYTES)"
    : n % 1_000_000_000 === 0
      ? `${n / 1e9} GB`
      : n % (1024 * 1024) === 0
        ? `${n / 1024 / 1024} MiB`
        : `${n.toLocaleString("en")} bytes`;

function providers() {
  const rows = PROVIDER_IDS.map((id) => {
    const c = CAPABILITIES[id];
    const fields =
      c.fields
        .map((f) => {
          const values = f.values
            ? `: ${f.values.map((v) => `\`${v.value}\`${v.extensions ? ` (${v.extensions.join(", ")})` : ""}`).join("; ")}`
            : "";
          const dflt = f.default ? `, default \`${f.default}\`` : "";
          return `\`${f.name}\`${f.required ? " (required)" : ""}${dflt}${values}`;
        })
        .join("<br>") || "—";
    const accepted = c.accepted ? c.accepted.join(" ") : "checked by the provider (413/415 passed on)";
    const retention = c.retentionSeconds ? `${c.retentionSeconds / 86400} days` : "—";
    // Resumable uploads are held to LIMITS.resumableMaxBytes (R2's single-put ceiling) whatever the provider takes.
    const most =
      c.maxBytes !== null && c.maxBytes > LIMITS.resumableMaxBytes
        ? `${size(c.maxBytes)} (${size(LIMITS.resumableMaxBytes)} through tus)`
        : size(c.maxBytes);
    return `| \`${id}\` | [${c.name}](${c.docs}) | ${most} | ${accepted} | ${fields} | ${c.body} | ${retention} |`;
  });
  return [
    "| id | provider | max file | extensions | fields | forwarded as | kept |",
    "|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function errors() {
  const rows = Object.entries(ERRORS).map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.title} |`);
  return ["| code | status | title |", "|---|---|---|", ...rows].join("\n");
}

/** The benchmark's latest table, as bench/results.md has it (written by `npm run bench`). */
function bench() {
  const results = readFileSync(new URL("../bench/results.md", import.meta.url), "utf8");
  return results.slice(results.indexOf("Machine:")).trim();
}

/** Each generated section, and the file (from the repo's root) whose markers hold it. */
const SECTIONS = [
  { name: "providers", file: "README.md", render: providers },
  { name: "errors", file: "docs/api.md", render: errors },
  { name: "bench", file: "docs/benchmark.md", render: bench },
];

const check = process.argv.includes("--check");
const stale = [];
for (const file of new Set(SECTIONS.map((s) => s.file))) {
  const url = new URL(`../${file}`, import.meta.url);
  let text = await readFile(url, "utf8");
  const before = text;
  for (const { name, render } of SECTIONS.filter((s) => s.file === file)) {
    const re = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
    if (!re.test(text)) throw new Error(`${file} lacks the ${name} markers`);
    text = text.replace(re, (_, open, close) => `${open}${render()}\n${close}`);
  }
  if (text === before) continue;
  stale.push(file);
  if (!check) {
    await writeFile(url, text);
    console.log(`wrote the tables in ${file}`);
  }
}
if (check) {
  if (stale.length > 0) {
    console.error(`stale tables in ${stale.join(", ")} (run \`npm run generate\`)`);
    process.exit(1);
  }
  console.log("the docs' tables are up to date");
}
