// Early refusals of large bodies reach the client as the gateway's own problems, under `npm start`. The
// gateway refuses a 2–8 MB body still arriving (on its head, after a few KiB, or when a lying Content-Length
// leaves it idle) and stops reading it; nothing between the client and workerd may answer in its place
// (wrangler dev's proxy used to: a text/plain 500 "Network connection lost."). Many times over, from curl
// in its own process and from Node fetch, to each kind of refusal: every answer must be our problem+json.
//
// REFUSALS (default 120) is the total, split between the two clients; REFUSALS_CONCURRENCY (default 8) how
// many are in flight at once.
import { mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { curl, nodeFetch, type Send, type Sender, type Sent } from "./senders";
import { startGateway } from "./start";

const COUNT = Number(process.env.REFUSALS ?? 120);
const CONCURRENCY = Number(process.env.REFUSALS_CONCURRENCY ?? 8);
const IDLE_MS = 2000;
const MB = 1_000_000;
const auth = { authorization: "Bearer dev-key" };
const dir = mkdtempSync(join(tmpdir(), "mediagate-refusals-"));
let base = "";
let stop: () => void = () => {};

beforeAll(async () => {
  // A short idle timeout: a lying Content-Length is answered 408 once no byte came for this long.
  ({ base, stop } = await startGateway({ IDLE_TIMEOUT_MS: String(IDLE_MS) }));
}, 120_000);
afterAll(() => stop());

/** Bodies of 2–8 MB on disk: raw bytes, and the same inside a multipart form (one file field). */
const SIZES = [2 * MB, 3_500_000, 5 * MB, 8 * MB];
const BOUNDARY = "----mediagate-refusals";
const raw = SIZES.map((size, i) => {
  const path = join(dir, `raw-${i}.bin`);
  writeFileSync(path, Buffer.alloc(size, 0x33));
  return path;
});
const forms = SIZES.map((size, i) => {
  const path = join(dir, `form-${i}.bin`);
  const head = `--${BOUNDARY}\r\ncontent-disposition: form-data; name="file"; filename="photo.png"\r\ncontent-type: image/png\r\n\r\n`;
  writeFileSync(
    path,
    Buffer.concat([Buffer.from(head), Buffer.alloc(size, 0x5a), Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]),
  );
  return path;
});

/** A fresh signed upload URL (single use: one per request that would claim it). */
async function ticket(): Promise<string> {
  const created = await fetch(`${base}/v1/uploads`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ provider: "useapi", filename: "clip.mp4" }),
  });
  expect(created.status).toBe(201);
  return ((await created.json()) as { upload_url: string }).upload_url;
}

interface Kind {
  name: string;
  status: number;
  code: string;
  /** The request for body number `i` (which file and how much to declare). */
  send: (i: number) => Promise<Send>;
}
const MORE = 1_048_576; // a lying Content-Length declares this much more than is sent
const video = { ...auth, "content-type": "video/mp4" };
const rawUrl = () => `${base}/v1/providers/useapi/files?filename=clip.mp4`;
const pick = (files: string[], i: number) => files[i % files.length] as string;
const sizeOf = (i: number) => SIZES[i % SIZES.length] as number;

const KINDS: Kind[] = [
  {
    name: "raw upload, malformed Repr-Digest",
    ...{ status: 400, code: "invalid_field" },
    send: async (i) => ({
      method: "POST",
      url: rawUrl(),
      headers: { ...video, "repr-digest": "sha-256=:bm90IGEgZGlnZXN0:" },
      path: pick(raw, i),
    }),
  },
  {
    name: "raw upload, lying Content-Length",
    ...{ status: 408, code: "upload_stalled" },
    send: async (i) => ({
      method: "POST",
      url: rawUrl(),
      headers: video,
      path: pick(raw, i),
      declared: sizeOf(i) + MORE,
    }),
  },
  {
    name: "multipart upload, lying Content-Length",
    ...{ status: 408, code: "upload_stalled" },
    send: async (i) => {
      const headers = { ...auth, "content-type": `multipart/form-data; boundary=${BOUNDARY}` };
      const path = pick(forms, i);
      return {
        method: "POST",
        url: `${base}/v1/providers/jimmy/files`,
        headers,
        path,
        declared: sizeOf(i) + MORE,
      };
    },
  },
  {
    name: "JSON body too large",
    ...{ status: 400, code: "malformed_body" },
    send: async (i) => ({
      method: "POST",
      url: `${base}/v1/uploads`,
      headers: { ...auth, "content-type": "application/json" },
      path: pick(raw, i),
    }),
  },
  {
    name: "JSON body, lying Content-Length",
    ...{ status: 400, code: "malformed_body" },
    send: async (i) => ({
      method: "POST",
      url: `${base}/v1/uploads`,
      headers: { ...auth, "content-type": "application/json" },
      path: pick(raw, i),
      declared: sizeOf(i) + MORE,
    }),
  },
  {
    name: "unknown provider",
    ...{ status: 404, code: "unknown_provider" },
    send: async (i) => ({
      method: "POST",
      url: `${base}/v1/providers/nope/files`,
      headers: video,
      path: pick(raw, i),
    }),
  },
  {
    name: "bad gateway key",
    ...{ status: 401, code: "unauthorized" },
    send: async (i) => ({
      method: "POST",
      url: rawUrl(),
      headers: { ...video, authorization: "Bearer not-a-key" },
      path: pick(raw, i),
    }),
  },
  {
    name: "signed PUT with a tampered token",
    ...{ status: 401, code: "invalid_token" },
    send: async (i) => {
      const url = new URL(await ticket());
      url.searchParams.set("token", `${url.searchParams.get("token")}x`);
      return { method: "PUT", url: url.href, headers: { "content-type": "video/mp4" }, path: pick(raw, i) };
    },
  },
  {
    name: "signed PUT, lying Content-Length",
    ...{ status: 408, code: "upload_stalled" },
    send: async (i) => ({
      method: "PUT",
      url: await ticket(),
      headers: { "content-type": "video/mp4" },
      path: pick(raw, i),
      declared: sizeOf(i) + MORE,
    }),
  },
];

interface Outcome {
  client: string;
  kind: Kind;
  sent: Sent;
}

/** Runs `jobs` with at most `limit` in flight. */
async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const at = next++;
      out[at] = await (jobs[at] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}

/** How each client's answers fell out, by status and content type (printed for the record). */
function tally(outcomes: Outcome[]): Record<string, Record<string, number>> {
  const table: Record<string, Record<string, number>> = {};
  for (const { client, sent } of outcomes) {
    const key = sent.status ? `${sent.status} ${sent.type.split(";")[0]}` : `no answer (${sent.error})`;
    const row = table[client] ?? {};
    row[key] = (row[key] ?? 0) + 1;
    table[client] = row;
  }
  return table;
}

const isOurs = ({ kind, sent }: Outcome) => {
  if (sent.status !== kind.status || !sent.type.startsWith("application/problem+json")) return false;
  try {
    return (JSON.parse(sent.body) as { code?: string }).code === kind.code;
  } catch {
    return false;
  }
};

describe("early refusals of 2–8 MB bodies", () => {
  it(
    `${COUNT} refusals from curl and Node fetch are every one the gateway's problem+json`,
    async () => {
      const clients: [string, Sender][] = [
        ["curl", curl],
        ["fetch", nodeFetch],
      ];
      const jobs = Array.from({ length: COUNT }, (_, i) => async (): Promise<Outcome> => {
        const [client, sender] = clients[i % 2] as [string, Sender];
        const kind = KINDS[Math.floor(i / 2) % KINDS.length] as Kind;
        return { client, kind, sent: await sender(await kind.send(Math.floor(i / 2))) };
      });
      const outcomes = await pool(jobs, CONCURRENCY);
      console.log(`refusals (${COUNT}):`, JSON.stringify(tally(outcomes), null, 1));
      const wrong = outcomes.filter((o) => !isOurs(o));
      expect(
        wrong.map(
          ({ client, kind, sent }) =>
            `${client} ${kind.name}: ${sent.status} ${sent.type} ${sent.error ?? sent.body.slice(0, 120)}`,
        ),
      ).toEqual([]);
    },
    60_000 + COUNT * 1000,
  );
});

describe("a ticket upload that stalls", () => {
  it("100 KB of a declared 1 MB, socket held open: answered 408 upload_stalled within a few seconds", async () => {
    const url = new URL(await ticket());
    const t0 = performance.now();
    const answer = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = request(url, {
        method: "PUT",
        headers: { "content-type": "video/mp4", "content-length": "1000000" },
      });
      req.on("error", reject);
      req.on("response", (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body });
        });
      });
      // The first 100 KB, then nothing more: the request stays open.
      req.write(Buffer.alloc(100_000, 7));
    });
    const seconds = (performance.now() - t0) / 1000;
    expect(answer.status).toBe(408);
    expect(answer.type).toContain("application/problem+json");
    expect(JSON.parse(answer.body)).toMatchObject({ code: "upload_stalled" });
    // The idle timeout (2 s) and its read granularity; far from the 70 s it went unanswered before.
    expect(seconds).toBeGreaterThanOrEqual(IDLE_MS / 1000);
    expect(seconds).toBeLessThan(IDLE_MS / 1000 + 5);
  }, 30_000);
});
