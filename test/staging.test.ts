// Re-chunking client PATCHes into R2's equal parts, against miniflare's real R2 (which refuses unequal
// parts): any sequence of PATCH sizes yields the same bytes, nothing temporary is left behind, a broken
// PATCH keeps what arrived, a checksum mismatch keeps nothing.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../worker/core/config";
import {
  append,
  discard,
  MIN_PART_BYTES,
  newStaging,
  partSizeFor,
  type StagingState,
} from "../worker/services/staging/rechunk";
import { randomBytes, sha256 } from "./helpers";

const bucket = (env as unknown as Env).STAGING;
const MiB = 1024 * 1024;

const streamOf = (bytes: Uint8Array, chunk = 64 * 1024) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (let at = 0; at < bytes.length; at += chunk) c.enqueue(bytes.slice(at, at + chunk));
      c.close();
    },
  });

/** Sends `data` as PATCHes of the given sizes; returns the final state and every state committed. */
async function upload(key: string, data: Uint8Array, sizes: number[]) {
  let state = newStaging(key, data.length);
  const commits: StagingState[] = [];
  for (const size of sizes) {
    const body = data.subarray(state.offset, state.offset + size);
    state = await append(bucket, state, streamOf(body), {
      declared: body.length,
      commit: async (s) => {
        commits.push(s);
      },
    });
  }
  return { state, commits };
}

async function objectSha(key: string) {
  const object = await bucket.get(key);
  return object ? sha256(new Uint8Array(await object.arrayBuffer())) : null;
}

async function leftovers(key: string) {
  return (await bucket.list({ prefix: `${key}.` })).objects.map((o) => o.key);
}

/** Seeded sizes that add up to `total`. */
function sizes(total: number, seed: number, max: number): number[] {
  let s = seed;
  const out: number[] = [];
  for (let left = total; left > 0; ) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const n = Math.min(left, 1 + (s % max));
    out.push(n);
    left -= n;
  }
  return out;
}

describe("re-chunking PATCHes into equal R2 parts", () => {
  const data = randomBytes(12 * MiB + 12_345);

  const cases: [string, number[]][] = [
    ["one PATCH", [data.length]],
    ["part-aligned PATCHes", [5 * MiB, 5 * MiB, 2 * MiB + 12_345]],
    ["PATCHes straddling part edges", [3 * MiB, 4 * MiB, 4 * MiB, MiB + 12_345]],
    ["tiny then huge", [1, 2, 3, data.length - 6]],
    ["random sizes up to 3 MiB (seed 7)", sizes(data.length, 7, 3 * MiB)],
    ["random sizes up to 700 KiB (seed 11)", sizes(data.length, 11, 700 * 1024)],
  ];
  it.each(cases)("%s: same bytes, equal parts, nothing left behind", async (_, patchSizes) => {
    const key = `test/${crypto.randomUUID()}`;
    const { state, commits } = await upload(key, data, patchSizes);
    expect(state).toMatchObject({ complete: true, offset: data.length, pending: null });
    expect(await objectSha(key)).toBe(await sha256(data));
    expect(await leftovers(key)).toEqual([]);
    // Offsets only grow, and every committed remainder is shorter than a part.
    for (let i = 1; i < commits.length; i++)
      expect(commits[i]?.offset).toBeGreaterThanOrEqual(commits[i - 1]?.offset ?? 0);
    for (const c of commits) expect(c.pending?.size ?? 0).toBeLessThan(state.partSize);
  });

  it("a small upload is one plain object", async () => {
    const key = `test/${crypto.randomUUID()}`;
    const small = randomBytes(1000);
    await upload(key, small, [10, 990]);
    expect(await objectSha(key)).toBe(await sha256(small));
    expect(await leftovers(key)).toEqual([]);
  });

  it("part size grows to stay within 10,000 parts and refuses what can't fit", () => {
    expect(partSizeFor(5_000_000_000)).toBe(MIN_PART_BYTES);
    expect(Math.ceil((60 * 1024 ** 3) / partSizeFor(60 * 1024 ** 3))).toBeLessThanOrEqual(10_000);
    expect(() => partSizeFor(5 * 1024 ** 3 * 10_001)).toThrow(/more than 10000 parts/);
  });
});

describe("a PATCH that breaks off", () => {
  it("keeps what arrived: the offset covers it and the upload resumes from there", async () => {
    const key = `test/${crypto.randomUUID()}`;
    const data = randomBytes(8 * MiB);
    let state = newStaging(key, data.length);
    const commit = async (s: StagingState) => {
      state = s;
    };
    const cutAt = 6 * MiB + 777;
    let sent = 0;
    const broken = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= cutAt) return c.error(new Error("connection lost"));
        const chunk = data.slice(sent, Math.min(cutAt, sent + 64 * 1024));
        sent += chunk.length;
        c.enqueue(chunk);
      },
    });
    await expect(append(bucket, state, broken, { declared: data.length, commit })).rejects.toThrow(
      "connection lost",
    );
    expect(state.offset).toBe(cutAt);
    expect(state.parts).toHaveLength(1);
    expect(state.pending?.size).toBe(cutAt - 5 * MiB);
    state = await append(bucket, state, streamOf(data.subarray(cutAt)), {
      declared: data.length - cutAt,
      commit,
    });
    expect(state.complete).toBe(true);
    expect(await objectSha(key)).toBe(await sha256(data));
    expect(await leftovers(key)).toEqual([]);
  });
});

describe("Upload-Checksum", () => {
  it("a mismatch keeps nothing of the PATCH; a matching retry completes", async () => {
    const key = `test/${crypto.randomUUID()}`;
    const data = randomBytes(7 * MiB);
    let state = newStaging(key, data.length);
    const commit = async (s: StagingState) => {
      state = s;
    };
    state = await append(bucket, state, streamOf(data.subarray(0, 2 * MiB)), { declared: 2 * MiB, commit });
    const rest = data.subarray(2 * MiB);
    const wrong = new Uint8Array(await crypto.subtle.digest("SHA-256", randomBytes(10)));
    const before = state;
    await expect(
      append(bucket, state, streamOf(rest), {
        declared: rest.length,
        commit,
        checksum: { algorithm: "SHA-256", digest: wrong },
      }),
    ).rejects.toMatchObject({ code: "checksum_mismatch" });
    expect(state).toEqual(before);
    const right = new Uint8Array(await crypto.subtle.digest("SHA-1", rest));
    state = await append(bucket, state, streamOf(rest), {
      declared: rest.length,
      commit,
      checksum: { algorithm: "SHA-1", digest: right },
    });
    expect(state.complete).toBe(true);
    expect(await objectSha(key)).toBe(await sha256(data));
    expect(await leftovers(key)).toEqual([]);
  });
});

describe("limits and cleanup", () => {
  it("refuses a PATCH past Upload-Length before reading it", async () => {
    const state = newStaging(`test/${crypto.randomUUID()}`, 100);
    await expect(
      append(bucket, state, streamOf(randomBytes(101)), { declared: 101, commit: async () => {} }),
    ).rejects.toMatchObject({
      code: "file_too_large",
    });
  });

  it("discard leaves nothing: no parts, no remainder, no object", async () => {
    const key = `test/${crypto.randomUUID()}`;
    const data = randomBytes(6 * MiB);
    let state = newStaging(key, 20 * MiB);
    state = await append(bucket, state, streamOf(data), { declared: data.length, commit: async () => {} });
    expect(state.multipartId).not.toBeNull();
    await discard(bucket, state);
    expect(await leftovers(key)).toEqual([]);
    expect(await bucket.head(key)).toBeNull();
    // The multipart upload is gone: completing it now fails.
    await expect(
      bucket.resumeMultipartUpload(key, state.multipartId ?? "").complete([...state.parts]),
    ).rejects.toThrow();
  });
});
