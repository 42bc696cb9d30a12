// Shared by the tus tests (test/tus/*.test.ts): tus 1.0.0 at /v1/tus, through the gateway's fetch handler,
// into miniflare's R2 and the upload's Durable Object, delivered to the emulator.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { components } from "../../generated/gateway";
import type { Env } from "../../worker/core/config";
import { call, KEY } from "../helpers";

export type Status = components["schemas"]["UploadStatus"];
export const bucket = (env as unknown as Env).STAGING;
export const MiB = 1024 * 1024;
export const TUS = { "tus-resumable": "1.0.0" };
export const auth = { authorization: `Bearer ${KEY}` };

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
export const metadata = (m: Record<string, string>) =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${b64(v)}`)
    .join(",");

export async function create(
  meta: Record<string, string>,
  length: number,
  headers: Record<string, string> = {},
  body?: Uint8Array | ReadableStream<Uint8Array>,
) {
  return call(
    new Request("http://gw/v1/tus", {
      method: "POST",
      headers: {
        ...TUS,
        ...auth,
        "upload-length": String(length),
        "upload-metadata": metadata(meta),
        ...headers,
      },
      ...(body ? { body } : {}),
    }),
  );
}

export async function created(meta: Record<string, string>, length: number) {
  const res = await create(meta, length);
  expect(res.status, await res.clone().text()).toBe(201);
  const location = res.headers.get("location") ?? "";
  return { location, id: location.split("/").pop()?.split("?")[0] ?? "" };
}

export const patch = (
  location: string,
  offset: number,
  body: Uint8Array | ReadableStream<Uint8Array>,
  length: number,
  headers: Record<string, string> = {},
) =>
  call(
    new Request(location, {
      method: "PATCH",
      headers: {
        ...TUS,
        ...auth,
        "content-type": "application/offset+octet-stream",
        "upload-offset": String(offset),
        "content-length": String(length),
        ...headers,
      },
      body,
    }),
  );

export const head = (location: string) =>
  call(new Request(location, { method: "HEAD", headers: { ...TUS, ...auth } }));

export async function status(id: string): Promise<Status> {
  return (await (await call(new Request(`http://gw/v1/uploads/${id}`, { headers: auth }))).json()) as Status;
}

/** The upload's Durable Object. */
export const stub = (id: string) =>
  (env as unknown as Env).UPLOADS.get((env as unknown as Env).UPLOADS.idFromName(id));

/** Reproducible bytes at any offset: 64 KiB blocks, each from a PRNG seeded by its index. */
export function pattern(seed: number, offset: number, length: number): ReadableStream<Uint8Array> {
  const BLOCK = 64 * 1024;
  const block = (i: number) => {
    const words = new Uint32Array(BLOCK / 4);
    let x = (seed * 2654435761 + i * 40503 + 1) >>> 0 || 1;
    for (let j = 0; j < words.length; j++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[j] = x >>> 0;
    }
    return new Uint8Array(words.buffer);
  };
  let at = offset;
  const end = offset + length;
  return new ReadableStream({
    pull(c) {
      if (at >= end) return c.close();
      const i = Math.floor(at / BLOCK);
      const from = at - i * BLOCK;
      const chunk = block(i).subarray(from, Math.min(BLOCK, from + end - at));
      at += chunk.length;
      c.enqueue(chunk);
    },
  });
}

export async function patternSha(seed: number, length: number) {
  const digest = new crypto.DigestStream("SHA-256");
  await pattern(seed, 0, length).pipeTo(digest);
  return Array.from(new Uint8Array(await digest.digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Uploads `length` pattern bytes in PATCHes of `size`, returning the last PATCH's answer. */
export async function uploadPattern(location: string, seed: number, length: number, size: number) {
  let last: Response | undefined;
  for (let offset = 0; offset < length; offset += size) {
    const n = Math.min(size, length - offset);
    last = await patch(location, offset, pattern(seed, offset, n), n);
    if (last.status !== 204) return last;
  }
  return last as Response;
}
