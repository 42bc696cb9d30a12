#!/usr/bin/env node
// The dependency rule (.dependency-cruiser.mjs), checked by dependency-cruiser over worker/: dependencies
// point one way (http → services → providers → core), worker/index.ts alone wires everything, no cycles.
// First proves the rules bite: in a scratch copy of worker/, one planted import per rule must be caught.
// Then checks the real tree: any violation not in KNOWN fails, and so does a KNOWN one that is gone.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { KNOWN } from "../.dependency-cruiser.mjs";

const root = new URL("../", import.meta.url).pathname;
const depcruise = join(root, "node_modules/dependency-cruiser/bin/dependency-cruiser.mjs");

/** dependency-cruiser's JSON result for worker/ under `cwd` (it exits non-zero when rules are broken). */
function cruise(cwd) {
  const args = [
    depcruise,
    "worker",
    "--config",
    join(root, ".dependency-cruiser.mjs"),
    "--output-type",
    "json",
  ];
  let stdout;
  try {
    stdout = execFileSync(process.execPath, args, { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
  } catch (error) {
    stdout = error.stdout;
    if (!stdout) throw error;
  }
  return JSON.parse(stdout);
}

const key = (v) => `${v.rule.name ?? v.rule}: ${v.from} → ${v.to}`;

/** One planted import per rule, into a scratch copy: file, import line, the rule that must catch it. */
const PLANTED = [
  ["worker/core/errors.ts", 'import "../providers/registry";', "core-imports-nothing-above"],
  ["worker/providers/failure.ts", 'import "../services/upload/forward";', "providers-not-up"],
  ["worker/services/tus/protocol.ts", 'import "../../http/auth";', "services-not-up"],
  ["worker/core/limits.ts", 'import "./bytes";', "no-circular"],
  ["worker/services/sessions/token.ts", 'import "../tus/staging";', "no-circular-folders"],
  ["worker/services/tus/staging.ts", 'import "../sessions/token";', "no-circular-folders"],
  ["worker/http/cors.ts", 'import "../index";', "entry-imported-by-nobody"],
  ["worker/core/media.ts", 'import "./no-such-module";', "not-to-unresolvable"],
  ["worker/core/config.ts", 'import "../../scripts/providers.mjs";', "no-tests-or-tools-in-worker"],
];

function selfTest() {
  const scratch = mkdtempSync(join(tmpdir(), "mediagate-deps-"));
  try {
    for (const entry of ["worker", "generated", "scripts", "tsconfig.json", "package.json"])
      cpSync(join(root, entry), join(scratch, entry), { recursive: true });
    symlinkSync(join(root, "node_modules"), join(scratch, "node_modules"), "dir");
    for (const [file, line] of PLANTED) {
      const path = join(scratch, file);
      writeFileSync(path, `${line}\n${readFileSync(path, "utf8")}`);
    }
    const caught = new Set(cruise(scratch).summary.violations.map((v) => v.rule.name));
    const missed = [...new Set(PLANTED.map(([, , rule]) => rule))].filter((rule) => !caught.has(rule));
    if (missed.length) {
      console.error(`check:deps: planted violations went unnoticed by rule(s): ${missed.join(", ")}`);
      process.exit(1);
    }
    console.log(`the rules bite: ${PLANTED.length} planted imports caught by ${caught.size} rules`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** For a folder-level violation, the module imports that cross from `from` into `to`. */
function crossings(result, v) {
  if (!(v.rule.name ?? "").endsWith("-folders")) return [];
  return result.modules
    .filter((m) => dirname(m.source) === v.from)
    .flatMap((m) =>
      m.dependencies.filter((d) => dirname(d.resolved) === v.to).map((d) => `${m.source} → ${d.resolved}`),
    );
}

selfTest();
const result = cruise(root);
const found = new Map(result.summary.violations.map((v) => [key(v), v]));
const known = new Map(KNOWN.map((k) => [`${k.rule}: ${k.from} → ${k.to}`, k]));
const fresh = [...found.keys()].filter((k) => !known.has(k));
const gone = [...known.keys()].filter((k) => !found.has(k));
for (const k of found.keys()) {
  if (!known.has(k)) continue;
  console.warn(`known, to fix: ${k} (${known.get(k).why})`);
  for (const line of crossings(result, found.get(k))) console.warn(`    ${line}`);
}
for (const k of fresh) {
  console.error(
    `violation: ${k}${
      found.get(k).rule.name === "no-circular"
        ? `\n    cycle: ${found
            .get(k)
            .cycle.map((c) => c.name ?? c)
            .join(" → ")}`
        : ""
    }`,
  );
  for (const line of crossings(result, found.get(k))) console.error(`    ${line}`);
}
for (const k of gone) console.error(`fixed: ${k}: delete it from KNOWN in .dependency-cruiser.mjs`);
const { totalCruised, totalDependenciesCruised } = result.summary;
if (fresh.length || gone.length) process.exit(1);
console.log(
  `dependency rule holds: ${totalCruised} modules, ${totalDependenciesCruised} dependencies` +
    (found.size ? ` (${found.size} known violation(s) listed above)` : ""),
);
