// What the kept-originals tests share (test/reuse.test.ts, test/reuse-paths.test.ts).
import { env } from "cloudflare:workers";
import type { Env } from "../worker/core/config";
import { call, rawRequest } from "./helpers";

export const DB = (env as unknown as Env).DB;
export const STAGING = (env as unknown as Env).STAGING;

/** Two fresh projects (A and B): bootstrap keys that no other test uses. */
export function projects() {
  const a = `reuse-a-${crypto.randomUUID()}`;
  const b = `reuse-b-${crypto.randomUUID()}`;
  const keys = { GATEWAY_API_KEYS: `${a},${b}` };
  const as = (key: string, path: string, init: RequestInit = {}) =>
    call(
      new Request(new URL(path, "http://gw"), {
        ...init,
        headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) },
      }),
      keys,
    );
  const post = (key: string, path: string, body: unknown) =>
    as(key, path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const upload = (key: string, provider: string, bytes: Uint8Array, query: Record<string, string>) =>
    call(
      rawRequest(provider, { filename: query.filename ?? "x.png", type: "image/png", bytes, query, key }),
      keys,
    );
  return { a, b, as, post, upload };
}

export const b64 = (hex: string) =>
  btoa(String.fromCharCode(...(hex.match(/../g) ?? []).map((h) => Number.parseInt(h, 16))));
/** A body that never sends a byte: only an answer given before reading it comes back. */
export const silentBody = () => new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
