#!/usr/bin/env node
// Where a small upload's CPU goes in the gateway's isolate: a scratch gateway (its own state, port and
// DevTools port), the V8 sampling profiler around N sequential 64 KiB raw uploads, self time summed by
// function and by file. `node bench/profile.mjs [N] [out.cpuprofile]`; BENCH_PORT moves the ports.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import WebSocket from "ws";
import { upload } from "./lib/client.mjs";
import { auth, inspectorOf, PORTS, scratchGateway } from "./lib/setup.mjs";
import { startSink } from "./sink.mjs";

const N = Number(process.argv[2] ?? 300);
const OUT = process.argv[3];
const SIZE = 64 * 1024;
const sink = await startSink();
// The root config unminified, so the profile names our functions.
const CONFIG = ".profile.wrangler.toml";
writeFileSync(CONFIG, readFileSync("wrangler.toml", "utf8").replace(/^minify = true$/m, "minify = false"));
process.on("exit", () => rmSync(CONFIG, { force: true }));
const gw = await scratchGateway("profile", CONFIG, "gateway", sink.url);
const send = () =>
  upload(`${gw.url}/v1/providers/useapi/files?filename=clip.mp4`, SIZE, {
    ...auth,
    "content-type": "video/mp4",
  });
try {
  for (let i = 0; i < 50; i++) await send(); // warm
  const targets = await (await fetch(`http://127.0.0.1:${inspectorOf(PORTS.gateway)}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? targets[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((r, j) => ws.once("open", r).once("error", j));
  let seq = 0;
  const pending = new Map();
  ws.on("message", (m) => {
    const msg = JSON.parse(m);
    if (msg.id && pending.has(msg.id)) pending.get(msg.id)(msg);
  });
  const call = (method, params = {}) =>
    new Promise((r) => {
      const id = ++seq;
      pending.set(id, r);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 100 });
  await call("Profiler.start");
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const r = await send();
    if (r.status !== 201) throw new Error(`${r.status} ${r.body}`);
  }
  const wall = performance.now() - t0;
  const { result } = await call("Profiler.stop");
  // The bundle's source, to read the profile's line numbers against.
  const scripts = new Map();
  ws.on("message", (m) => {
    const msg = JSON.parse(m);
    if (msg.method === "Debugger.scriptParsed") scripts.set(msg.params.scriptId, msg.params.url);
  });
  await call("Debugger.enable");
  const bundleId = [...scripts].find(([, url]) => url.endsWith("index.js"))?.[0];
  if (OUT && bundleId) {
    const { result: src } = await call("Debugger.getScriptSource", { scriptId: bundleId });
    writeFileSync(`${OUT}.js`, src.scriptSource);
  }
  ws.close();
  const profile = result.profile;
  if (OUT) writeFileSync(OUT, JSON.stringify(profile));
  const dt = new Map();
  for (let i = 0; i < profile.samples.length; i++)
    dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const byFn = new Map();
  const byUrl = new Map();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const us = dt.get(node.id) ?? 0;
    const f = node.callFrame;
    if (f.functionName === "(idle)") {
      idle += us;
      continue;
    }
    total += us;
    const url = (f.url || "(native)").replace(/^.*\//, "");
    const key = `${f.functionName || "(anon)"} ${url}:${f.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    byUrl.set(url, (byUrl.get(url) ?? 0) + us);
  }
  // Inclusive time (self plus callees) per function, each function counted once per stack.
  const children = new Map(profile.nodes.map((n) => [n.id, n.children ?? []]));
  const nodeOf = new Map(profile.nodes.map((n) => [n.id, n]));
  const incl = new Map();
  const walk = (id, onStack) => {
    const n = nodeOf.get(id);
    const f = n.callFrame;
    const key = `${f.functionName || "(anon)"} ${(f.url || "(native)").replace(/^.*\//, "")}:${f.lineNumber + 1}`;
    let sum = dt.get(id) ?? 0;
    const added = !onStack.has(key);
    if (added) onStack.add(key);
    for (const c of children.get(id)) sum += walk(c, onStack);
    if (added) {
      onStack.delete(key);
      if (f.functionName !== "(idle)") incl.set(key, (incl.get(key) ?? 0) + sum);
    }
    return sum;
  };
  walk(profile.nodes[0].id, new Set());
  const per = (us) => (us / 1000 / N).toFixed(3);
  console.log(
    `${N} uploads, ${(wall / N).toFixed(2)} ms each; isolate busy ${per(total)} ms per upload, idle ${per(idle)}`,
  );
  console.log("\nby file (ms per upload):");
  for (const [k, v] of [...byUrl].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${per(v)}  ${k}`);
  console.log("\nby function, self (ms per upload):");
  for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log(`  ${per(v)}  ${k}`);
  console.log("\nby function, inclusive (ms per upload):");
  for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 70)) console.log(`  ${per(v)}  ${k}`);
} finally {
  await gw.stop();
  sink.close?.();
  process.exit(0);
}
