// Fuzz: seeded mutations of multipart, raw, signed-URL, JSON, tus and staged-content requests through the
// gateway's fetch handler. Whatever arrives, the gateway answers: never a 5xx, every non-2xx a problem+json
// whose code is in the catalogue (with the catalogue's status), nothing logged as an unexpected error, and
// a normal upload still works afterwards.
//
// `npm test` runs a short slice with a fixed seed. `npm run fuzz` runs more (FUZZ_RUNS, FUZZ_SEED; see
// scripts/fuzz.mjs); FUZZ_ONLY=<case> replays one case and prints it. Vite hands the values in as
// VITE_FUZZ_* (the Workers runtime has no process.env of the shell).
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../worker/core/config";
import { asGatewayError, ERRORS } from "../../worker/core/errors";
import { signContentUrl } from "../../worker/services/staging/signed-url";
import { stagedKey } from "../../worker/services/staging/staged";
import { call, KEY, multipartRequest, randomBytes, resultOf, SIGNING_SECRET, sha256 } from "../helpers";
import { type Case, generate, type Setup } from "./gen";
import { caseSeed, Rng } from "./rng";
import { build, describe as describeSpec } from "./spec";

/** The in-suite slice's seed: fixed, so `npm test` is deterministic (up to ids and tokens). */
const DEFAULT_SEED = 0x5eed0009;
const DEFAULT_RUNS = 300;

const vars = import.meta.env as Record<string, string | undefined>;
const parse = (value: string | undefined, fallback: number) =>
  value === undefined || value === "" ? fallback : Number(value);
const SEED = parse(vars.VITE_FUZZ_SEED, DEFAULT_SEED) >>> 0;
const RUNS = parse(vars.VITE_FUZZ_RUNS, DEFAULT_RUNS);
const ONLY = vars.VITE_FUZZ_ONLY ? Number(vars.VITE_FUZZ_ONLY) : undefined;
/** Longest a single request may take: the emulator's slowest answer is well under this. */
const ANSWER_MS = 15_000;

const bucket = (env as unknown as Env).STAGING;
const auth = { authorization: `Bearer ${KEY}` };

class SetupFailed extends Error {}

async function expectStatus(response: Response, status: number, what: string): Promise<Response> {
  if (response.status !== status) {
    throw new SetupFailed(`${what}: ${response.status} ${await response.text()}`);
  }
  return response;
}

/** The valid requests cases build on. */
const setup: Setup = {
  async ticket(body) {
    const res = await call(
      new Request("http://gateway.test/v1/uploads", {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    );
    await expectStatus(res, 201, `ticket ${JSON.stringify(body)}`);
    return res.json();
  },
  async tus(headers) {
    const res = await call(new Request("http://gateway.test/v1/tus", { method: "POST", headers }));
    await expectStatus(res, 201, `tus creation ${JSON.stringify(headers)}`);
    return res.headers.get("location") ?? "";
  },
  async patch(location, bytes, offset) {
    const res = await call(
      new Request(location, {
        method: "PATCH",
        headers: {
          ...auth,
          "tus-resumable": "1.0.0",
          "content-type": "application/offset+octet-stream",
          "upload-offset": String(offset),
          "content-length": String(bytes.length),
        },
        body: bytes,
      }),
    );
    await expectStatus(res, 204, `first PATCH of ${bytes.length}`);
  },
  async staged(bytes, filename, type) {
    const id = crypto.randomUUID();
    const object = await bucket.put(stagedKey(id), bytes, {
      httpMetadata: { contentType: type },
      customMetadata: { filename },
    });
    const expires = new Date(Date.now() + 3600_000);
    return {
      url: await signContentUrl("http://gateway.test", id, expires, SIGNING_SECRET),
      etag: object.httpEtag,
    };
  },
};

interface Failure {
  index: number;
  kind:
    | "5xx"
    | "not a problem"
    | "unknown code"
    | "wrong status for code"
    | "exception"
    | "no answer"
    | "setup";
  detail: string;
  c?: Case;
}

interface Stats {
  runs: number;
  unbuildable: Map<string, number>;
  statuses: Map<number, number>;
  codes: Map<string, number>;
  families: Map<string, Map<number, number>>;
  headWithoutBody: number;
  /** Problems from the metered stream (a body shorter or longer than declared, or broken off). */
  metered: number;
}

const METERED = /The body ended after|carries more than the declared|broke off before its end/;

const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
const sorted = <K>(map: Map<K, number>) =>
  [...map].sort(([a], [b]) => String(a).localeCompare(String(b), "en", { numeric: true }));
const tally = <K>(map: Map<K, number>) =>
  sorted(map)
    .map(([k, n]) => `${k}×${n}`)
    .join(" ");

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return Promise.race([
    work,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => {
    if (timer !== null) clearTimeout(timer);
  });
}

/** Checks one answer; a failure's kind and detail, or undefined when it is as it must be. */
async function judge(
  c: Case,
  response: Response,
  stats: Stats,
): Promise<{ failure?: Pick<Failure, "kind" | "detail">; answer: string }> {
  const { status } = response;
  const type = response.headers.get("content-type");
  // Bytes, decoded here: text() on a staged PNG makes workerd warn.
  const text = new TextDecoder().decode(await response.arrayBuffer());
  const answer = `${status} ${type ?? "(no content-type)"} ${text.slice(0, 800)}`;
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { code?: string }).code;
  } catch {}
  if (status >= 300 && code) bump(stats.codes, code);
  if (status >= 300 && METERED.test(text)) stats.metered++;
  const fail = (kind: Failure["kind"]) => ({ failure: { kind, detail: answer }, answer });
  if (status >= 500) return fail("5xx");
  if (status < 300) return { answer };
  // Not Modified carries no body by definition (RFC 9110 §15.4.5): a staged file's conditional GET.
  if (status === 304 && c.family === "content") return { answer };
  if (type !== "application/problem+json") return fail("not a problem");
  if (c.spec.method === "HEAD" && text === "") {
    stats.headWithoutBody++;
    return { answer };
  }
  if (!code || !Object.hasOwn(ERRORS, code)) return fail("unknown code");
  const problem = JSON.parse(text) as { status?: number };
  if (ERRORS[code as keyof typeof ERRORS].status !== status || problem.status !== status) {
    return fail("wrong status for code");
  }
  return { answer };
}

async function runCase(index: number, stats: Stats, failures: Failure[], verbose: boolean) {
  const rng = new Rng(caseSeed(SEED, index));
  let c: Case;
  try {
    c = await generate(rng, setup);
  } catch (error) {
    failures.push({ index, kind: "setup", detail: String(error) });
    return;
  }
  let request: Request;
  try {
    request = build(c.spec);
  } catch (error) {
    bump(stats.unbuildable, String(error).slice(0, 80));
    return;
  }
  stats.runs++;
  let response: Response;
  try {
    response = await withTimeout(call(request, c.spec.env ?? {}), ANSWER_MS);
  } catch (error) {
    const kind = String(error).includes("no answer in") ? "no answer" : "exception";
    failures.push({
      index,
      kind,
      detail: error instanceof Error ? (error.stack ?? String(error)) : String(error),
      c,
    });
    return;
  }
  bump(stats.statuses, response.status);
  const family = stats.families.get(c.family) ?? new Map<number, number>();
  stats.families.set(c.family, family);
  bump(family, response.status);
  const { failure, answer } = await judge(c, response, stats);
  if (verbose)
    console.log(
      `case ${index}: ${c.family}; ${c.notes.join("; ")}\n  ${describeSpec(c.spec)}\n  → ${answer}`,
    );
  if (failure) failures.push({ index, ...failure, c });
}

function report(failure: Failure): string {
  const lines = [`#${failure.index} ${failure.kind}${failure.c ? ` (${failure.c.family})` : ""}`];
  if (failure.c) {
    lines.push(`  mutations: ${failure.c.notes.join("; ") || "(none)"}`);
    lines.push(`  ${describeSpec(failure.c.spec)}`);
  }
  lines.push(`  answer: ${failure.detail}`);
  return lines.join("\n");
}

describe("fuzz", () => {
  const logged: { index: number; text: string }[] = [];
  let current = -1;
  const onRejection = (event: PromiseRejectionEvent) =>
    logged.push({ index: current, text: `unhandled rejection: ${String(event.reason)}` });

  beforeEach(() => {
    logged.length = 0;
    // The Worker (and its Durable Objects) run in this isolate when called through call(): its
    // console.error is this one. asGatewayError logs every unexpected error here.
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      logged.push({
        index: current,
        text: args.map((a) => (a instanceof Error ? (a.stack ?? String(a)) : String(a))).join(" "),
      });
    });
    addEventListener("unhandledrejection", onRejection);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    removeEventListener("unhandledrejection", onRejection);
  });

  it("the Worker's error log is captured", () => {
    asGatewayError(new Error("probe"), "probe-request");
    // One JSON line (core/log.ts), naming the request.
    const lines = logged.splice(0).map((l) => JSON.parse(l.text));
    expect(lines).toMatchObject([
      { level: "error", msg: "unhandled error", request_id: "probe-request", error: { message: "probe" } },
    ]);
  });

  const cases = ONLY === undefined ? RUNS : 1;
  it(
    `answers ${cases} mutated requests with 2xx or catalogued problems, never 5xx (seed ${SEED})`,
    async () => {
      const stats: Stats = {
        runs: 0,
        unbuildable: new Map(),
        statuses: new Map(),
        codes: new Map(),
        families: new Map(),
        headWithoutBody: 0,
        metered: 0,
      };
      const failures: Failure[] = [];
      const started = Date.now();
      const indexes = ONLY === undefined ? Array.from({ length: RUNS }, (_, i) => i) : [ONLY];
      for (const index of indexes) {
        current = index;
        await runCase(index, stats, failures, ONLY !== undefined);
      }
      current = -1;
      const seconds = (Date.now() - started) / 1000;

      const byKind = new Map<string, number>();
      for (const f of failures) bump(byKind, f.kind);
      const seedText = `0x${SEED.toString(16)}`;
      const summary = [
        `fuzz: seed ${seedText} (${SEED}), ${indexes.length} cases, ${stats.runs} requests answered in ${seconds.toFixed(1)} s`,
        `  by status: ${tally(stats.statuses)}`,
        ...[...stats.families].sort().map(([f, m]) => `    ${f}: ${tally(m)}`),
        `  problem codes: ${tally(stats.codes)}`,
        `  HEAD problems without a body: ${stats.headWithoutBody}`,
        `  problems from the metered stream (the body ran short, long or broke off mid-forward): ${stats.metered}`,
        `  not constructible with the Fetch API (skipped): ${[...stats.unbuildable.values()].reduce((a, b) => a + b, 0)} ${stats.unbuildable.size ? `(${tally(stats.unbuildable)})` : ""}`,
        `  failures: ${failures.length} ${tally(byKind)}; console.error lines: ${logged.length}`,
      ];
      console.log(summary.join("\n"));
      if (failures.length) {
        console.log(
          `first failures (replay one: FUZZ_SEED=${SEED} FUZZ_ONLY=<case> npm run fuzz):\n${failures
            .slice(0, 12)
            .map(report)
            .join("\n")}`,
        );
      }
      if (logged.length) {
        console.log(
          `console.error (first 10):\n${logged
            .slice(0, 10)
            .map((l) => `#${l.index}: ${l.text.slice(0, 1200)}`)
            .join("\n")}`,
        );
      }
      const lines = (list: Failure[]) => list.map((f) => `#${f.index} ${f.kind}: ${f.detail.slice(0, 200)}`);
      expect.soft(lines(failures), `failures, seed ${seedText}`).toEqual([]);
      expect(
        logged.map((l) => `#${l.index}: ${l.text.slice(0, 200)}`),
        "console.error",
      ).toEqual([]);
    },
    ONLY === undefined ? 60_000 + RUNS * 250 : 60_000,
  );

  it("still takes a normal upload afterwards, multipart and tus", async () => {
    const bytes = randomBytes(5000);
    const result = await resultOf(
      await call(await multipartRequest("jimmy", { filename: `after-fuzz-${SEED}.png`, bytes })),
    );
    expect(result.file).toMatchObject({
      name: `after-fuzz-${SEED}.png`,
      size: 5000,
      sha256: await sha256(bytes),
    });

    const meta = `provider ${btoa("useapi")},filename ${btoa("after-fuzz.png")},filetype ${btoa("image/png")}`;
    const created = await call(
      new Request("http://gateway.test/v1/tus", {
        method: "POST",
        headers: { ...auth, "tus-resumable": "1.0.0", "upload-length": "5000", "upload-metadata": meta },
      }),
    );
    expect(created.status).toBe(201);
    const location = created.headers.get("location") ?? "";
    await setup.patch(location, bytes, 0);
    const head = await call(
      new Request(location, { method: "HEAD", headers: { ...auth, "tus-resumable": "1.0.0" } }),
    );
    expect(head.headers.get("upload-offset")).toBe("5000");
    expect(logged).toEqual([]);
  });
});
