#!/usr/bin/env node
// Proves the spec→types→adapter chain holds: in a scratch copy, rename a field in a provider's spec,
// regenerate, and require `tsc` to fail in that provider's adapter. Two cases: MiniMax's required `purpose`
// (a missing required field), and Dify's optional `user` (an excess key: nothing is missing, so only the
// adapter's exact body check catches it; without it the field would silently stop reaching Dify).
// Exits 1 if a break goes unnoticed.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../", import.meta.url).pathname;

/** What `tsc -p tsconfig.json` needs: its includes (worker, sandbox, generated) and the generator's inputs. */
const COPIED = ["specs", "generated", "worker", "sandbox", "scripts", "tsconfig.json", "package.json"];

const CASES = [
  {
    name: "MiniMax purpose → purpose_v2 (required)",
    spec: "specs/minimax.yaml",
    rename: [
      ["                - purpose\n", "                - purpose_v2\n"],
      ["                purpose:\n", "                purpose_v2:\n"],
    ],
    adapter: "worker/providers/minimax/adapter.ts",
    expect: /worker\/providers\/minimax\/adapter\.ts\(\d+,\d+\): error[^\n]*(\n {2,}[^\n]*)*purpose_v2/,
  },
  {
    name: "Dify user → user_v2 (optional)",
    spec: "specs/dify.yaml",
    rename: [["                user:\n", "                user_v2:\n"]],
    adapter: "worker/providers/dify/adapter.ts",
    expect: /worker\/providers\/dify\/adapter\.ts\(\d+,\d+\): error[^\n]*(\n {2,}[^\n]*)*\buser\b/,
  },
];

/** Applies one rename in a fresh scratch copy and returns tsc's output ("" when it compiled). */
function tscAfterRename({ name, spec, rename }) {
  const scratch = mkdtempSync(join(tmpdir(), "mediagate-spec-"));
  try {
    for (const entry of COPIED) cpSync(join(root, entry), join(scratch, entry), { recursive: true });
    symlinkSync(join(root, "node_modules"), join(scratch, "node_modules"), "dir");
    const path = join(scratch, spec);
    let text = readFileSync(path, "utf8");
    for (const [from, to] of rename) {
      if (!text.includes(from)) throw new Error(`${name}: could not find ${JSON.stringify(from)} in ${spec}`);
      text = text.replace(from, to);
    }
    writeFileSync(path, text);
    execFileSync(process.execPath, ["scripts/generate.mjs"], { cwd: scratch, stdio: "ignore" });
    try {
      execFileSync(
        process.execPath,
        [join(root, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", "tsconfig.json"],
        { cwd: scratch, encoding: "utf8" },
      );
      return "";
    } catch (error) {
      return String(error.stdout);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

let failed = 0;
for (const breaking of CASES) {
  const output = tscAfterRename(breaking);
  if (breaking.expect.test(output)) {
    console.log(`breaking spec change caught (${breaking.name}): tsc fails in ${breaking.adapter}`);
  } else {
    failed++;
    console.error(
      `A breaking spec change (${breaking.name}) did not fail tsc in ${breaking.adapter}:\n`,
      output || "(tsc passed)",
    );
  }
}
process.exit(failed ? 1 : 0);
