#!/usr/bin/env node
// The dependency rule (.dependency-cruiser.mjs), checked by dependency-cruiser over worker/: dependencies
// point one way (http → services → providers → core), worker/index.ts alone wires everything, no cycles.
// First proves the rules bite: in a scratch copy of worker/, planted modules must be caught by every rule.
// Then checks the real tree: any violation not in KNOWN fails, and so does a KNOWN one that is gone.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
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

/**
 * Planted modules, new files only (so the proof does not depend on today's files): path, source, and the
 * rule that must catch it.
 */
const PLANTED = [
  ["worker/core/planted-up.ts", 'import "../providers/planted-up";', "core-imports-nothing-above"],
  ["worker/providers/planted-up.ts", 'import "../services/planted-up";', "providers-not-up"],
  ["worker/services/planted-up.ts", 'import "../http/planted-up";', "services-not-up"],
  ["worker/http/planted-up.ts", 'import "../index";', "entry-imported-by-nobody"],
  ["worker/core/planted-a.ts", 'import "./planted-b";', "no-circular"],
  ["worker/core/planted-b.ts", 'import "./planted-a";', "no-circular"],
  ["worker/services/planted-x/one.ts", 'import "../planted-y/two";', "no-circular-folders"],
  ["worker/services/planted-y/three.ts", 'import "../planted-x/four";', "no-circular-folders"],
  ["worker/services/planted-x/four.ts", "export {};", "no-circular-folders"],
  ["worker/services/planted-y/two.ts", "export {};", "no-circular-folders"],
  ["worker/core/planted-missing.ts", 'import "./no-such-module";', "not-to-unresolvable"],
  ["worker/core/planted-tool.ts", 'import "../../scripts/check-deps.mjs";', "no-tests-or-tools-in-worker"],
  ["worker/http/planted-route.ts", 'import "../../sandbox/planted-dialect";', "entry-reaches-no-dev-code"],
  ["sandbox/planted-dialect.ts", "export {};", "entry-reaches-no-dev-code"],
];

/** The one existing file planting touches: the entry, which must reach the planted dev-only module. */
const ENTRY = ["worker/index.ts", 'import "./http/planted-route";'];

function selfTest() {
  const scratch = mkdtempSync(join(tmpdir(), "mediagate-deps-"));
  try {
    for (const entry of ["worker", "generated", "scripts", "tsconfig.json", "package.json"])
      cpSync(join(root, entry), join(scratch, entry), { recursive: true });
    symlinkSync(join(root, "node_modules"), join(scratch, "node_modules"), "dir");
    for (const [file, source] of PLANTED) {
      mkdirSync(dirname(join(scratch, file)), { recursive: true });
      writeFileSync(join(scratch, file), `${source}\n`);
    }
    const entry = join(scratch, ENTRY[0]);
    writeFileSync(entry, `${ENTRY[1]}\n${readFileSync(entry, "utf8")}`);
    const caught = new Set(
      cruise(scratch)
        .summary.violations.filter((v) => /planted/.test(`${v.from} ${v.to}`))
        .map((v) => v.rule.name),
    );
    const missed = [...new Set(PLANTED.map(([, , rule]) => rule))].filter((rule) => !caught.has(rule));
    if (missed.length) {
      console.error(`check:deps: planted violations went unnoticed by rule(s): ${missed.join(", ")}`);
      process.exit(1);
    }
    console.log(`the rules bite: planted modules caught by all ${caught.size} rules`);
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
