#!/usr/bin/env node
// `npm run fuzz`: test/fuzz/fuzz.test.ts with more cases than `npm test`'s slice, and a fresh seed.
//   FUZZ_RUNS   cases (default 1000; the issue's figure is 10000)
//   FUZZ_SEED   the seed (decimal or 0x…; default: a random one, printed so a failure can be replayed)
//   FUZZ_ONLY   replay one case of that seed, printing the request and the answer
// It also reads workerd's own log, which the test cannot see from inside the isolate: a JS error that
// reaches the runtime unhandled (an errored stream it was pumping, say) is logged there as
// "uncaught exception", and any such line fails the run.
import { spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import { fileURLToPath } from "node:url";

const runs = process.env.FUZZ_RUNS ?? "1000";
const seed = process.env.FUZZ_SEED ?? String(randomInt(2 ** 32 - 1));
const only = process.env.FUZZ_ONLY ?? "";
console.log(`fuzz: FUZZ_SEED=${seed} FUZZ_RUNS=${runs}${only ? ` FUZZ_ONLY=${only}` : ""}`);

const vitest = fileURLToPath(new URL("../node_modules/vitest/vitest.mjs", import.meta.url));
const started = Date.now();
const child = spawn(process.execPath, [vitest, "run", "--project", "workers", "test/fuzz"], {
  cwd: fileURLToPath(new URL("..", import.meta.url)),
  // Vite hands VITE_* variables to the test as import.meta.env; the Workers runtime has no process.env.
  env: { ...process.env, VITE_FUZZ_RUNS: runs, VITE_FUZZ_SEED: seed, VITE_FUZZ_ONLY: only },
  stdio: ["ignore", "pipe", "pipe"],
});

const uncaught = new Map();
let pending = "";
function scan(chunk, out) {
  out.write(chunk);
  pending += chunk.toString("utf8");
  const lines = pending.split("\n");
  pending = lines.pop() ?? "";
  for (const line of lines) {
    const match = /uncaught exception; exception = (.*)/.exec(line);
    if (!match) continue;
    // The same failure with different numbers is one kind.
    const kind = (match[1] ?? "").replace(/\d+/g, "N");
    uncaught.set(kind, (uncaught.get(kind) ?? 0) + 1);
  }
}
child.stdout.on("data", (chunk) => scan(chunk, process.stdout));
child.stderr.on("data", (chunk) => scan(chunk, process.stderr));
child.on("exit", (code) => {
  const total = [...uncaught.values()].reduce((a, b) => a + b, 0);
  console.log(`\nfuzz: seed ${seed}, ${runs} cases, ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
  console.log(`fuzz: workerd logged ${total} uncaught exception(s)`);
  for (const [kind, n] of [...uncaught].sort((a, b) => b[1] - a[1])) console.log(`  ${n}× ${kind}`);
  process.exit(code || (total > 0 ? 1 : 0));
});
