// fal's large-file path, as fal's client takes it: over 90 MiB, initiate-multipart, then 10 MiB parts cut from
// the stream (each with its exact length) and complete; from a request and from a staged tus upload in R2.
import { describe, expect, it } from "vitest";
import { SANDBOX_KEYS } from "../sandbox/providers";
import { adapter } from "../worker/providers/adapters";
import { capability } from "../worker/providers/table";
import { emulatorUrl, marker } from "./helpers";
import { created, MiB, pattern, patternSha, status, uploadPattern } from "./tus/helpers";

interface Call {
  provider: string;
  method: string;
  path: string;
  status: number;
}

const fal = capability("fal");
const SIZE = 90 * MiB + 12_345;

/** What the sandbox's fal stored for a completed multipart upload, by the id in its file_url. */
async function stored(fileUrl: string) {
  const id = /\/fal\/files\/([0-9a-f]{16})\//.exec(fileUrl)?.[1];
  const res = await fetch(`${emulatorUrl()}/fal/__cdn/objects/${id}`, {
    headers: { authorization: `Key ${SANDBOX_KEYS.fal}` },
  });
  return {
    status: res.status,
    object: (await res.json()) as { size: number; sha256: string; parts: number },
  };
}

const callsFor = async (mark: string) =>
  ((await (await fetch(`${emulatorUrl()}/__sandbox/calls`)).json()) as Call[]).filter(
    (c) => c.provider === "fal" && c.path.includes(encodeURIComponent(mark)),
  );

function upload(name: string, seed: number) {
  return adapter("fal").upload({
    file: { name, type: "video/mp4", size: SIZE, stream: pattern(seed, 0, SIZE) },
    options: {},
    config: {
      apiKey: SANDBOX_KEYS.fal,
      baseUrl: `${emulatorUrl()}${fal.dev.sandboxPath}`,
      defaults: {},
      allowPrivateNetwork: true,
    },
    fetch: (input, init) => fetch(input, init),
    signal: new AbortController().signal,
  });
}

describe("fal multipart (files over 90 MiB)", { timeout: 120_000 }, () => {
  it("10 MiB parts in order, then complete: the stored file is the source (SHA-256)", async () => {
    const mark = marker("falmp");
    const result = await upload(`${mark}.mp4`, 21);
    expect(result.error).toBeUndefined();
    const { status: found, object } = await stored(result.data?.url ?? "");
    expect(found).toBe(200);
    expect(object).toEqual({ size: SIZE, sha256: await patternSha(21, SIZE), parts: 10 });
    const calls = await callsFor(mark);
    expect(
      calls.map((c) => `${c.method} ${c.path.split("?")[0]?.replace(/[0-9a-f]{16}/, "ID")} ${c.status}`),
    ).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `PUT /fal/__cdn/multipart/ID/${i + 1} 200`),
      "POST /fal/__cdn/multipart/ID/complete 200",
    ]);
  });

  it("a part failing: the provider's problem naming the part; the upload is never completed", async () => {
    const mark = marker("falmpfail");
    const result = await upload(`${mark}-sandbox-part-error.mp4`, 22);
    expect(result.error).toMatchObject({ code: "provider_error", status: 500 });
    expect(result.error?.detail).toBe("part 2: HTTP 500: server error");
    const calls = await callsFor(mark);
    expect(calls.map((c) => c.status)).toEqual([200, 500]);
    expect(calls.some((c) => c.path.includes("/complete"))).toBe(false);
  });

  it("a staged tus upload goes from R2 in parts", async () => {
    const mark = marker("falmptus");
    const { location, id } = await created(
      { provider: "fal", filename: `${mark}.mp4`, filetype: "video/mp4" },
      SIZE,
    );
    expect((await uploadPattern(location, 23, SIZE, 50 * MiB)).status).toBe(204);
    const done = await status(id);
    expect(done.status, JSON.stringify(done)).toBe("completed");
    const { object } = await stored(done.result?.url ?? "");
    expect(object).toEqual({ size: SIZE, sha256: await patternSha(23, SIZE), parts: 10 });
  });
});
