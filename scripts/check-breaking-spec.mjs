#!/usr/bin/env node
// Proves the spec→types→adapter chain holds: in a scratch copy, rename MiniMax's `purpose` field in its
// spec, regenerate, and require `tsc` to fail in the MiniMax adapter. Exits 1 if the break goes unnoticed.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../", import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), "mediagate-spec-"));
try {
  for (const entry of [
    "specs",
    "generated",
    "worker",
    "sandbox",
    "scripts",
    "tsconfig.json",
    "package.json",
  ]) {
    cpSync(join(root, entry), join(scratch, entry), { recursive: true });
  }
  symlinkSync(join(root, "node_modules"), join(scratch, "node_modules"), "dir");
  const spec = join(scratch, "specs/minimax.yaml");
  const renamed = readFileSync(spec, "utf8")
    .replace("                - purpose\n", "                - purpose_v2\n")
    .replace("                purpose:\n", "                purpose_v2:\n");
  if (!renamed.includes("purpose_v2:")) throw new Error("could not find MiniMax's purpose field to rename");
  writeFileSync(spec, renamed);
  execFileSync(process.execPath, ["scripts/generate.mjs"], { cwd: scratch, stdio: "ignore" });
  let output = "";
  try {
    execFileSync(
      process.execPath,
      [join(root, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", "tsconfig.json"],
      { cwd: scratch, encoding: "utf8" },
    );
  } catch (error) {
    output = String(error.stdout);
  }
  if (!/worker\/providers\/minimax\/adapter\.ts.*purpose_v2/s.test(output)) {
    console.error(
      "A breaking spec change (MiniMax purpose → purpose_v2) did not fail tsc in the adapter:\n",
      output,
    );
    process.exit(1);
  }
  console.log("breaking spec change caught: tsc fails in worker/providers/minimax/adapter.ts");
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
