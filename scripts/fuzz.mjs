#!/usr/bin/env node
// `npm run fuzz`: test/fuzz/fuzz.test.ts with more cases than `npm test`'s slice, and a fresh seed.
//   FUZZ_RUNS   cases (default 1000; the issue's figure is 10000)
//   FUZZ_SEED   the seed (decimal or 0x…; default: a random one, printed so a failure can be replayed)
//   FUZZ_ONLY   replay one case of that seed, printing the request and the answer
// It also reads workerd's own log, which the test cannot see from inside the isolate: a JS error that
// reaches the runtime unhandled (an errored stream it was pumping, say) is logged there as
// "uncaught exception"; any such line fails the run, except the runtime's reports of subrequests the
// gateway aborted on purpose (ABORTED_SUBREQUEST below), which are counted and listed.
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
/**
 * What workerd logs as "uncaught exception" for a subrequest that fails, although every promise of ours is
 * handled: the reason a request body was aborted with, or the subrequest's own failure. Measured: a bare
 * `fetch()` whose FixedLengthStream body is aborted with an Error, or whose AbortSignal fires, logs the
 * reason this way (platform notes, "Aborted subrequests"). The gateway aborts a provider's (or the upload
 * object's) request on purpose whenever the client's body turns out broken, short, long or malformed, so that
 * the provider never receives a complete-looking file: those lines are reported, not failed. Any other
 * uncaught exception fails the run.
 */
const ABORTED_SUBREQUEST = [
  /^workerd\/jsg\/value\.h:N: failed: jsg\.Error: GatewayError: /,
  /^workerd\/jsg\/value\.h:N: disconnected: jsg\.Error: Network connection lost\.$/,
  /^workerd\/jsg\/value\.h:N: failed: jsg\.DOMException\(AbortError\): The operation was aborted$/,
  /^workerd\/api\/streams\/identity-transform-stream\.c\+\+:N: failed: jsg\.TypeError: Attempt to write too many bytes through a FixedLengthStream\.$/,
  // The fuzzer's own reason for a client body that fails mid-stream, carried to the aborted subrequest.
  /^workerd\/jsg\/value\.h:N: failed: jsg\.Error: fuzz: /,
];

child.on("exit", (code) => {
  const expected = (kind) => ABORTED_SUBREQUEST.some((re) => re.test(kind));
  const count = (keep) => [...uncaught].filter(([kind]) => keep(kind)).reduce((a, [, n]) => a + n, 0);
  const aborted = count(expected);
  const other = count((kind) => !expected(kind));
  console.log(`\nfuzz: seed ${seed}, ${runs} cases, ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
  console.log(
    `fuzz: workerd logged ${aborted} aborted-subrequest line(s) and ${other} other uncaught exception(s)`,
  );
  for (const [kind, n] of [...uncaught].sort((a, b) => b[1] - a[1]))
    console.log(`  ${n}× ${expected(kind) ? "[aborted subrequest] " : "[UNEXPECTED] "}${kind}`);
  process.exit(code || (other > 0 ? 1 : 0));
});
