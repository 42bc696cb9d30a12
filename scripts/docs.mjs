#!/usr/bin/env node
// Renders the README's provider and error tables from the capability table and the error catalogue, so the
// docs read the same source as validation and GET /v1/providers. `--check` exits 1 when README is stale.
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { ERRORS } from "../worker/core/errors.ts";
import { CAPABILITIES, PROVIDER_IDS } from "./providers.mjs";

const readme = new URL("../README.md", import.meta.url);

const size = (n) =>
  n === null ? "— (MAX_REQUEST_BYTES)" : n % 1_000_000_000 === 0 ? `${n / 1e9} GB` : `${n / 1024 / 1024} MiB`;

function providers() {
  const rows = PROVIDER_IDS.map((id) => {
    const c = CAPABILITIES[id];
    const fields =
      c.fields
        .map((f) => {
          const values = f.values
            ? `: ${f.values.map((v) => `\`${v.value}\` (${v.extensions.join(", ")})`).join("; ")}`
            : "";
          const dflt = f.default ? `, default \`${f.default}\`` : "";
          return `\`${f.name}\`${f.required ? " (required)" : ""}${dflt}${values}`;
        })
        .join("<br>") || "—";
    const accepted = c.accepted ? c.accepted.join(" ") : "checked by the provider (413/415 passed on)";
    const retention = c.retentionSeconds ? `${c.retentionSeconds / 86400} days` : "—";
    return `| \`${id}\` | [${c.name}](${c.docs}) | ${size(c.maxBytes)} | ${accepted} | ${fields} | ${c.body} | ${retention} |`;
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

const SECTIONS = { providers, errors, bench };

let text = await readFile(readme, "utf8");
const before = text;
for (const [name, render] of Object.entries(SECTIONS)) {
  const re = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
  if (!re.test(text)) throw new Error(`README.md lacks the ${name} markers`);
  text = text.replace(re, (_, open, close) => `${open}${render()}\n${close}`);
}
if (process.argv.includes("--check")) {
  if (text !== before) {
    console.error("README.md tables are stale (run `npm run generate`)");
    process.exit(1);
  }
  console.log("README.md tables are up to date");
} else if (text !== before) {
  await writeFile(readme, text);
  console.log("wrote README.md tables");
}
