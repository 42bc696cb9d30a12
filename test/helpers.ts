// Shared test helpers: build requests the way real clients do, call the gateway, read the emulator's log.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env as baseEnv } from "cloudflare:workers";
import { expect, inject } from "vitest";
import type { components } from "../generated/gateway";
import type { Received } from "../sandbox/providers";
import type { Env } from "../worker/core/config";
import { type ChunkSource, readerOf } from "../worker/core/stages";
import worker from "../worker/index";
import type { ProviderId } from "../worker/providers/kit/capability";
import { capability, PROVIDER_IDS } from "../worker/providers/table";
import { recordProblemCode } from "./catalogue/record";

export type Problem = components["schemas"]["Problem"];
export type UploadResult = components["schemas"]["UploadResult"];

export const KEY = "test-gateway-key";
/** The second tenant (vitest.config.ts lists both keys). */
export const KEY_B = "test-gateway-key-b";
/** Matches the binding in vitest.config.ts, which the Durable Objects see. */
export const SIGNING_SECRET = "test-signing-secret";
export const emulatorUrl = () => inject("emulatorUrl");

/**
 * The gateway's environment: the bindings (vitest.config.ts points every provider at the emulator and sets
 * the keys), with a test's overrides. Durable Objects see the bindings only.
 */
export function gatewayEnv(overrides: Partial<Record<keyof Env, string | undefined>> = {}): Env {
  return { ...(baseEnv as unknown as Env), ...overrides } as Env;
}

/** Calls the gateway's fetch handler with a fresh execution context. */
export async function call(
  request: Request,
  overrides: Parameters<typeof gatewayEnv>[0] = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    request as Parameters<typeof worker.fetch>[0],
    gatewayEnv(overrides),
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

/** Every byte of a stream or of an upload stage's reader (core/stages.ts), copied out as read. */
export async function bytesOf(source: ChunkSource): Promise<Uint8Array> {
  const reader = readerOf(source);
  const parts: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return new Uint8Array(await new Blob(parts).arrayBuffer());
    parts.push(value.slice());
  }
}

export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A unique marker for filenames/accounts, to find this test's requests in the emulator's log. */
export const marker = (prefix = "t") => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

export interface UploadSpec {
  filename?: string;
  bytes?: Uint8Array;
  type?: string;
  /** Text fields (multipart) or query options (raw). */
  fields?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  key?: string | null;
  /**
   * How the multipart body ends after its closing boundary: "crlf" as browsers, curl and undici send
   * (the default), or "none" as workerd's FormData serializer does.
   */
  epilogue?: "crlf" | "none";
}

const base = (provider: string, query: Record<string, string> = {}) => {
  const url = new URL(`http://gateway.test/v1/providers/${provider}/files`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url;
};

const auth = (key: string | null | undefined): Record<string, string> =>
  key === null ? {} : { authorization: `Bearer ${key ?? KEY}` };

/**
 * A multipart upload encoded by workerd's own FormData serializer, with Content-Length set as an HTTP
 * client would, and (by default) the trailing CRLF most clients send.
 */
export async function multipartRequest(provider: string, spec: UploadSpec = {}): Promise<Request> {
  const form = new FormData();
  for (const [k, v] of Object.entries(spec.fields ?? {})) form.append(k, v);
  const bytes = spec.bytes ?? randomBytes(1000);
  form.append("file", new File([bytes], spec.filename ?? "clip.png", { type: spec.type ?? "image/png" }));
  const encoded = new Response(form);
  const serialized = new Uint8Array(await encoded.arrayBuffer());
  const body = spec.epilogue === "none" ? serialized : new Uint8Array([...serialized, 13, 10]);
  return new Request(base(provider, spec.query), {
    method: "POST",
    headers: {
      ...auth(spec.key),
      "content-type": encoded.headers.get("content-type") ?? "",
      "content-length": String(body.length),
      ...spec.headers,
    },
    body,
  });
}

/** A raw-body upload: the media itself, its Content-Type, ?filename= and options in the query. */
export function rawRequest(provider: string, spec: UploadSpec = {}): Request {
  const bytes = spec.bytes ?? randomBytes(1000);
  const query = {
    ...(spec.filename === undefined ? {} : { filename: spec.filename }),
    ...spec.fields,
    ...spec.query,
  };
  return new Request(base(provider, query), {
    method: "POST",
    headers: {
      ...auth(spec.key),
      ...(spec.type === undefined ? {} : { "content-type": spec.type }),
      "content-length": String(bytes.length),
      ...spec.headers,
    },
    body: bytes,
  });
}

/** A hand-written multipart body (for malformed and adversarial cases). */
export function rawMultipart(
  provider: string,
  boundary: string,
  body: string | Uint8Array,
  spec: UploadSpec = {},
) {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  return new Request(base(provider, spec.query), {
    method: "POST",
    headers: {
      ...auth(spec.key),
      "content-type": `multipart/form-data; boundary=${boundary}`,
      "content-length": String(bytes.length),
      ...spec.headers,
    },
    body: bytes,
  });
}

/** Reads a problem+json answer and checks the fields every problem carries. */
export async function problemOf(response: Response, status: number, code: Problem["code"]): Promise<Problem> {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const body = (await response.json()) as Problem;
  expect({ status: response.status, code: body.code }, JSON.stringify(body)).toEqual({ status, code });
  expect(body.status).toBe(status);
  expect(body.type).toBe(`urn:mediagate:problem:${code}`);
  expect(body.title).toBeTypeOf("string");
  expect(body.detail).toBeTypeOf("string");
  // For the catalogue check (test/catalogue): this code was produced, as a problem, by a test.
  await recordProblemCode(body.code);
  return body;
}

export async function resultOf(response: Response): Promise<UploadResult> {
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(201);
  return body as UploadResult;
}

/** Every request the emulator saw whose filename or useapi account is `mark`. */
export async function receivedWith(mark: string, atLeast = 0): Promise<Received[]> {
  // A request the gateway aborted is recorded when the emulator sees it end, which may come just after the
  // gateway's answer: wait (briefly) for the number the test expects.
  const until = Date.now() + 3000;
  for (;;) {
    const response = await fetch(`${emulatorUrl()}/__sandbox/received`);
    const all = (await response.json()) as Received[];
    // useapi's account and fal's signed-URL `file` name a request that carries no filename of its own.
    const mine = all.filter(
      (r) => r.filename?.includes(mark) || r.query.account?.includes(mark) || r.query.file?.includes(mark),
    );
    if (mine.length >= atLeast || Date.now() > until) return mine;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sample file names each provider's table accepts, with the options it needs. */
export const SAMPLES = Object.fromEntries(
  PROVIDER_IDS.map((id) => [id, capability(id).dev.sample]),
) as Record<ProviderId, { ext: string; type: string; fields: Record<string, string> }>;

/** A ticket minted by `key` (POST /v1/uploads), asserting it was created. */
export async function mintTicket(
  body: Record<string, unknown>,
  key = KEY,
): Promise<components["schemas"]["UploadTicket"]> {
  const res = await call(
    new Request("http://gw/v1/uploads", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBe(201);
  return json as components["schemas"]["UploadTicket"];
}
