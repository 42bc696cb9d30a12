// Bench only: the gateway itself (worker/index.ts, unchanged) with its D1 database optionally made slower and
// the time of each outside call it waits on reported. Production's D1 write goes to the database's primary,
// which may be far from the edge location that took the upload (https://developers.cloudflare.com/d1/
// configuration/data-location/); a request's `x-bench-d1-delay-ms` adds that distance to every D1 call it
// makes, so the bench shows what an answer waits on. The answer's Server-Timing field names the waits: d1 (every D1 call and batch),
// quota (the project's Durable Object), upstream (fetch: the provider), total. Read it at concurrency 1 only:
// the fetch count is module-wide.

import type { Env } from "../../worker/core/config";
import gateway, { ProjectQuota, UploadSession } from "../../worker/index";

export { ProjectQuota, UploadSession };

type Waits = { d1: number; d1calls: number; quota: number; upstream: number };

const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

/** Times a call (Date.now advances across I/O in workerd, which is what is measured here). */
async function timed<T>(
  waits: Waits,
  key: "d1" | "quota" | "upstream",
  call: () => Promise<T>,
  delay = 0,
): Promise<T> {
  const t0 = Date.now();
  if (key === "d1") waits.d1calls++;
  try {
    await sleep(delay);
    return await call();
  } finally {
    waits[key] += Date.now() - t0;
  }
}

// A batch takes the runtime's own statements: the proxy hands its target back.
const TARGET = Symbol("target");

/** The database with `delay` ms before every statement's run and every batch (one round trip each). */
function slowD1(db: D1Database, delay: number, waits: Waits): D1Database {
  const statement = (s: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(s, {
      get(target, prop) {
        if (prop === TARGET) return target;
        if (prop === "bind") return (...args: unknown[]) => statement(target.bind(...args));
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (prop === "first" || prop === "run" || prop === "all" || prop === "raw")
          return (...args: unknown[]) => timed(waits, "d1", () => value.apply(target, args), delay);
        return value.bind(target);
      },
    });
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => statement(target.prepare(sql));
      if (prop === "batch")
        return (list: D1PreparedStatement[]) =>
          timed(waits, "d1", () => target.batch(list.map(unwrap)), delay);
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
const unwrap = (s: D1PreparedStatement) => (s as unknown as Record<symbol, D1PreparedStatement>)[TARGET] ?? s;

/** The quota namespace whose stubs time each call. */
function timedQuotas(ns: DurableObjectNamespace, waits: Waits): DurableObjectNamespace {
  return new Proxy(ns, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop !== "get") return typeof value === "function" ? value.bind(target) : value;
      return (...args: unknown[]) => {
        const stub = value.apply(target, args);
        return new Proxy(stub, {
          get(s, name) {
            const method = Reflect.get(s, name);
            if (typeof method !== "function") return method;
            // An RPC stub's method is itself a stub: call it, never `.apply` (that is a remote method name).
            return (...a: unknown[]) => timed(waits, "quota", () => Reflect.apply(method, s, a));
          },
        });
      };
    },
  });
}

let current: Waits | undefined;
const realFetch = globalThis.fetch;
globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
  const waits = current;
  return waits ? timed(waits, "upstream", () => realFetch(input, init)) : realFetch(input, init);
}) as typeof fetch;

export default {
  async fetch(request, env, ctx) {
    const waits: Waits = { d1: 0, d1calls: 0, quota: 0, upstream: 0 };
    current = waits;
    const t0 = Date.now();
    const delay = Number(request.headers.get("x-bench-d1-delay-ms") ?? 0);
    const slowed = { ...env, DB: slowD1(env.DB, delay, waits), QUOTAS: timedQuotas(env.QUOTAS, waits) };
    const response = await gateway.fetch(request, slowed, ctx);
    const total = Date.now() - t0;
    const headers = new Headers(response.headers);
    headers.set(
      "server-timing",
      Object.entries({ ...waits, total })
        .map(([k, v]) => `${k};dur=${v}`)
        .join(", "),
    );
    return new Response(response.body, { status: response.status, headers });
  },
} satisfies ExportedHandler<Env>;
