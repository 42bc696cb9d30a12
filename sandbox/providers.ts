// The provider sandbox: the upload APIs as their documents (each provider.ts's `docs`, ../specs) describe
// them — auth, fields, formats, limits, error dialects and response shapes — so the gateway can be run
// and tested without provider accounts. This file is the shared handler; each provider's route, dialect,
// accept logic and format tables are in ./dialects/<id>.ts (dev only, outside the deployed tree), transcribed from the vendor's
// document on purpose and never imported from the gateway's tables: the sandbox plays the provider, and a
// mistake in the gateway's table must show up as a disagreement, not be copied. For the same reason the
// sandbox reads multipart bodies with a parser of its own (./multipart.ts; the Node test emulator injects
// busboy), never the gateway's.
//
// Scenarios: a filename containing `sandbox-<scenario>` (for useapi, which gets no filename, the account
// `sandbox-<scenario>`) makes the provider misbehave: rate-limit, server-error, in-band-error, balance,
// not-json, huge-answer (a JSON answer of 4 MiB, streamed with no length), slow, reset, and flaky (a 500
// the first time a name is seen, success after).

import { createHash } from "node:crypto";
import type { ProviderId } from "../worker/providers/kit/capability";
import { authorized, calls, otherCall } from "./calls";
import dify from "./dialects/dify";
import fal from "./dialects/fal";
import gemini from "./dialects/gemini";
import jimmy from "./dialects/jimmy";
import minimax from "./dialects/minimax";
import openai from "./dialects/openai";
import replicate from "./dialects/replicate";
import useapi from "./dialects/useapi";
import wavespeed from "./dialects/wavespeed";
import { json, type SandboxProvider, type Upload } from "./kit";
import { sampleMedia } from "./media";
import { type MultipartReader, readMultipart } from "./multipart";
import { receiveWebhook } from "./webhooks";

export type { Call } from "./calls";
export type { MultipartReader } from "./multipart";

/** Every provider's sandbox. The compiler holds it to the registry: a provider without one fails `tsc`. */
const SANDBOXES = {
  jimmy,
  dify,
  minimax,
  useapi,
  wavespeed,
  openai,
  gemini,
  fal,
  replicate,
} as const satisfies Record<ProviderId, SandboxProvider>;

/** The API key each sandbox provider accepts: each provider folder's dev wiring (provider.ts). */
export const SANDBOX_KEYS = Object.fromEntries(Object.values(SANDBOXES).map((p) => [p.id, p.key])) as {
  readonly [K in ProviderId]: string;
};

/** What the sandbox received, for the curious (GET /__sandbox/received) and for tests. */
export interface Received {
  provider: ProviderId;
  at: string;
  contentType: string | null;
  contentLength: number | null;
  filename: string | null;
  fields: Record<string, string>;
  query: Record<string, string>;
  /** File bytes read, and their SHA-256. */
  bytes: number;
  sha256: string | null;
  /** True only when the whole body arrived intact. */
  complete: boolean;
  error: string | null;
  status: number | null;
}

/** Thrown to make the host drop the connection mid-upload (the Node emulator destroys the socket). */
export class SandboxReset extends Error {}

const SCENARIO = /sandbox-([a-z-]+)/;

/** Reads the file (multipart `file` part or the raw body) to its end, hashing as it goes. */
async function readUpload(
  request: Request,
  record: Received,
  provider: SandboxProvider,
  readBody: MultipartReader,
  resetAfter: number | null,
): Promise<Upload | Response | null> {
  let stream: ReadableStream<Uint8Array> | null = request.body;
  let fields: Record<string, string> = {};
  let filename: string | null = provider.knownAs?.(new URL(request.url)) ?? null;
  let field: string | null = null;
  record.filename = filename;
  let type = record.contentType;
  if (provider.body === "multipart") {
    const contentType = record.contentType ?? "";
    if (!stream || !/boundary=(?:"([^"]+)"|([^\s;]+))/.test(contentType))
      return json({ error: "expected multipart/form-data" }, 400);
    const head = await readBody(stream, contentType);
    fields = head.fields;
    record.fields = fields;
    if (!head.file) return null;
    filename = head.file.filename;
    field = head.file.name ?? null;
    type = head.file.type;
    record.filename = filename;
    stream = head.file.stream;
  }
  if (!stream) return null;
  const hash = createHash("sha256");
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
    record.bytes += value.byteLength;
    if (resetAfter !== null && record.bytes >= resetAfter) {
      await reader.cancel().catch(() => {});
      throw new SandboxReset("sandbox: dropping the connection mid-upload");
    }
  }
  return { field, filename, type, fields, bytes: record.bytes, sha256: hash.digest("hex") };
}

async function drain(body: ReadableStream<Uint8Array> | null): Promise<void> {
  if (!body) return;
  const reader = body.getReader();
  while (!(await reader.read().catch(() => ({ done: true }))).done) {}
}

function route(pathname: string): SandboxProvider | null {
  return Object.values(SANDBOXES).find((p) => p.paths.includes(pathname)) ?? null;
}

export interface SandboxOptions {
  /** Called once per upload request, when the sandbox has answered or the body broke. */
  observe?: (record: Received) => void;
  /** How multipart bodies are read: the sandbox's own reader (./multipart.ts) unless a host brings one. */
  readMultipart?: MultipartReader;
}

const received: Received[] = [];

/** The sandbox's fetch handler. */
export async function handleSandbox(request: Request, options: SandboxOptions = {}): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/__sandbox/received") return json(received.slice(-200));
  const sample = sampleMedia(url);
  if (sample) return sample;
  const webhook = await receiveWebhook(request, url);
  if (webhook) return webhook;
  if (url.pathname === "/__sandbox/calls") return json(calls.slice(-200));
  const readBody = options.readMultipart ?? readMultipart;
  const other = await otherCall(Object.values(SANDBOXES), request, url, {
    readMultipart: readBody,
    arrived: (arrival) => {
      const record: Received = {
        // Every sandbox path starts with its provider's id.
        provider: url.pathname.split("/")[1] as ProviderId,
        at: new Date().toISOString(),
        contentLength: null,
        query: Object.fromEntries(url.searchParams),
        error: null,
        ...arrival,
      };
      received.push(record);
      if (received.length > 1000) received.shift();
      options.observe?.(record);
    },
  });
  if (other) return other;
  const provider = route(url.pathname);
  if (!provider) return json({ error: `sandbox: no API at ${url.pathname}` }, 404);
  if (request.method !== (provider.uploadMethod ?? "POST")) return json({ error: "method not allowed" }, 405);
  const length = request.headers.get("content-length");
  const record: Received = {
    provider: provider.id,
    at: new Date().toISOString(),
    contentType: request.headers.get("content-type"),
    contentLength: length === null ? null : Number(length),
    filename: null,
    fields: {},
    query: Object.fromEntries(url.searchParams),
    bytes: 0,
    sha256: null,
    complete: false,
    error: null,
    status: null,
  };
  const finish = (response: Response) => {
    record.status = response.status;
    received.push(record);
    if (received.length > 1000) received.shift();
    options.observe?.(record);
    return response;
  };
  const { dialect } = provider;
  if (!authorized(provider, request, url)) {
    // Drain, then refuse, as typical servers do: the client sees the answer, not a reset.
    await drain(request.body);
    return finish(dialect.unauthorized?.() ?? dialect.error(401, "Unauthorized"));
  }
  const refused = provider.precheck?.(request, url);
  if (refused) {
    await drain(request.body);
    return finish(refused);
  }
  let upload: Upload | Response | null;
  const scenarioSource = provider.scenarioSource?.(url) ?? "";
  const early = SCENARIO.exec(scenarioSource)?.[1];
  try {
    upload = await readUpload(request, record, provider, readBody, early === "reset" ? 64 * 1024 : null);
  } catch (error) {
    record.error = String(error);
    if (error instanceof SandboxReset) {
      finish(new Response(null, { status: 599 }));
      throw error;
    }
    return finish(dialect.error(400, `unreadable body: ${String(error)}`));
  }
  if (upload instanceof Response) return finish(upload);
  if (!upload) return finish(dialect.error(400, "no file uploaded"));
  record.sha256 = upload.sha256;
  record.complete = record.contentLength !== null;
  const scenario = early ?? SCENARIO.exec(upload.filename ?? "")?.[1];
  if (scenario === "reset") throw new SandboxReset("sandbox: dropping the connection");
  const misbehaviour = await misbehave(provider, scenario, upload.filename ?? scenarioSource);
  if (misbehaviour) return finish(misbehaviour);
  return finish(provider.accept(upload, url));
}

/** Names a flaky scenario has already failed once. */
const flaked = new Set<string>();

async function misbehave(
  provider: SandboxProvider,
  scenario: string | undefined,
  name: string,
): Promise<Response | null> {
  const { dialect } = provider;
  switch (scenario) {
    case "flaky":
      if (flaked.has(`${provider.id}:${name}`)) return null;
      flaked.add(`${provider.id}:${name}`);
      return dialect.error(500, "temporarily unavailable");
    case "rate-limit":
      if (dialect.rateLimited) return dialect.rateLimited();
      return json(await dialect.error(429, "Too Many Requests").json(), 429, { "retry-after": "7" });
    case "server-error":
      return dialect.error(500, "internal error");
    case "in-band-error":
      return dialect.inBand();
    case "balance":
      return dialect.noBalance?.() ?? dialect.error(402, "payment required");
    case "not-json":
      return new Response("<html><body>502 Bad Gateway</body></html>", {
        status: 200,
        headers: { "content-type": "text/html" },
      });
    case "huge-answer": {
      // Valid JSON, endlessly long: a gateway that reads whatever it is given would take its id.
      const chunk = new TextEncoder().encode("a".repeat(64 * 1024));
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0) controller.enqueue(new TextEncoder().encode('{"id":"'));
          if (sent++ < 64) return controller.enqueue(chunk);
          controller.enqueue(new TextEncoder().encode('"}'));
          controller.close();
        },
      });
      return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
    }
    case "slow":
      await new Promise((r) => setTimeout(r, 3000));
      return null;
    default:
      return null;
  }
}
