import { mkdtempSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMediagate, type UploadInput, type UploadOptions } from "../../client/src/node";
import { bytesOf, hex } from "./data";
import { startGateway } from "./start";

const MiB = 1024 * 1024;
let base = "";
let sandbox = "";
let stop: () => void = () => {};
const dir = mkdtempSync(join(tmpdir(), "mediagate-resume-"));
process.env.MEDIAGATE_STATE_DIR = dir;

beforeAll(async () => {
  ({ base, sandbox, stop } = await startGateway());
}, 90_000);
afterAll(() => stop());

/** A new client each time, as after a restart: only the file under MEDIAGATE_STATE_DIR connects two runs. */
const mg = () => createMediagate({ baseUrl: base, apiKey: "dev-key" });

const tus = { provider: "useapi", transport: "tus", chunkSize: MiB } as const satisfies UploadOptions;

/** Starts an upload of `input` and aborts it once `at` bytes are sent (some chunks reached the gateway). */
async function interrupted(input: UploadInput, opts: UploadOptions, at: number): Promise<void> {
  const controller = new AbortController();
  const error = await mg()
    .upload(input, {
      ...opts,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.loaded >= at) controller.abort();
      },
    })
    .catch((e: unknown) => e);
  expect(error).toMatchObject({ kind: "aborted", code: "aborted" });
}

/** Uploads `input` again; the offset it resumed at (-1: it started afresh) and the result. */
async function again(input: UploadInput, opts: UploadOptions) {
  let resumedAt = -1;
  const out = await mg().upload(input, {
    ...opts,
    onResume: (offset) => {
      resumedAt = offset;
    },
  });
  return { resumedAt, out };
}

/** The SHA-256 of every complete file the sandbox's useapi received since `since`. */
async function receivedSince(since: string): Promise<string[]> {
  const all = (await (await fetch(`${sandbox}/__sandbox/received`)).json()) as {
    provider: string;
    at: string;
    sha256: string | null;
    complete: boolean;
  }[];
  return all.filter((r) => r.provider === "useapi" && r.at >= since && r.complete).map((r) => r.sha256 ?? "");
}

describe("@mediagate/client: resuming only the same content", () => {
  it("resumes an aborted tus upload of the same path after a restart", async () => {
    const bytes = bytesOf(12 * MiB, 3);
    const path = join(dir, "long.mp4");
    writeFileSync(path, bytes);
    const opts = { ...tus, chunkSize: 4 * MiB };
    await interrupted(path, opts, 4 * MiB);
    const { resumedAt, out } = await again(path, opts);
    expect(resumedAt).toBeGreaterThanOrEqual(4 * MiB);
    expect(out.result?.file.sha256).toBe(hex(bytes));
  });

  it("resumes an aborted tus upload of the same bytes in memory", async () => {
    const bytes = bytesOf(6 * MiB, 31);
    const opts = { ...tus, filename: "mem.mp4" };
    await interrupted(bytes, opts, 3 * MiB);
    const { resumedAt, out } = await again(Buffer.from(bytes), opts);
    expect(resumedAt).toBeGreaterThanOrEqual(MiB);
    expect(out.result?.file.sha256).toBe(hex(bytes));
  });

  it("never splices two buffers with the same name, size and first 64 KiB: the second starts afresh", async () => {
    const since = new Date().toISOString();
    const v1 = bytesOf(6 * MiB, 21);
    const v2 = v1.slice();
    v2.set(bytesOf(5 * MiB, 22), MiB);
    const opts = { ...tus, filename: "same.mp4" };
    await interrupted(v1, opts, 3 * MiB);
    const { resumedAt, out } = await again(v2, opts);
    expect(resumedAt).toBe(-1);
    expect(out.result?.file.sha256).toBe(hex(v2));
    // What the provider got is the second buffer, and nothing else was delivered.
    expect(await receivedSince(since)).toEqual([hex(v2)]);
  });

  it("never splices a path rewritten with the same size and mtime: the new content starts afresh", async () => {
    const since = new Date().toISOString();
    const path = join(dir, "edited.mp4");
    const v1 = bytesOf(6 * MiB, 41);
    writeFileSync(path, v1);
    const { mtime } = statSync(path);
    await interrupted(path, tus, 3 * MiB);
    const v2 = v1.slice();
    v2.set(bytesOf(5 * MiB, 42), MiB);
    writeFileSync(path, v2);
    // As an editor that keeps timestamps, or `cp -p`, or two writes within the clock's granularity leave it.
    utimesSync(path, mtime, mtime);
    const { resumedAt, out } = await again(path, tus);
    expect(resumedAt).toBe(-1);
    expect(out.result?.file.sha256).toBe(hex(v2));
    expect(await receivedSince(since)).toEqual([hex(v2)]);
  });

  it("declares the SHA-256 to the gateway: content that does not match it is refused, not delivered", async () => {
    const since = new Date().toISOString();
    const v1 = bytesOf(6 * MiB, 51);
    const v2 = v1.slice();
    v2.set(bytesOf(5 * MiB, 52), MiB);
    // The caller names v1's digest both times (a stale value, say): the SDK trusts it to resume by.
    const opts = { ...tus, filename: "declared.mp4", sha256: hex(v1) };
    await interrupted(v1, opts, 3 * MiB);
    const error = await mg()
      .upload(v2, opts)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "problem", code: "digest_mismatch" });
    expect(await receivedSince(since)).toEqual([]);
  });
});
