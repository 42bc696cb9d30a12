// End to end with an unmodified tus-js-client using parallelUploads (the tus concatenation extension): the
// file is sent as 4 partial uploads at once, without metadata, then a final upload names them and the
// provider; the provider receives exactly the file, once.
import { createHash } from "node:crypto";
import { Upload } from "tus-js-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway } from "./start";

let base = "";
let sandbox = "";
let stop: () => void = () => {};
const MiB = 1024 * 1024;

beforeAll(async () => {
  ({ base, sandbox, stop } = await startGateway());
}, 90_000);

afterAll(() => stop());

describe("tus-js-client parallelUploads", () => {
  it("4 partial uploads then a final one: the provider gets the file's exact bytes (SHA-256)", {
    timeout: 120_000,
  }, async () => {
    const file = Buffer.alloc(37 * MiB + 12_345);
    for (let i = 0; i + 4 <= file.length; i += 4) file.writeUInt32LE((i * 2246822519 + 7) >>> 0, i);
    const sha256 = createHash("sha256").update(file).digest("hex");
    const account = `par-${Date.now()}`;
    const options = await fetch(`${base}/v1/tus`, {
      method: "OPTIONS",
      headers: { "tus-resumable": "1.0.0" },
    });
    expect(options.headers.get("tus-extension")).toContain("concatenation");

    const upload = new Upload(file, {
      endpoint: `${base}/v1/tus`,
      headers: { authorization: "Bearer dev-key" },
      parallelUploads: 4,
      chunkSize: 4 * MiB,
      metadata: { provider: "useapi", filename: "clip.mp4", filetype: "video/mp4", account },
      retryDelays: [0, 500],
    });
    await new Promise<void>((resolve, reject) => {
      upload.options.onSuccess = () => resolve();
      upload.options.onError = reject;
      upload.start();
    });
    const id = upload.url?.split("/").pop() ?? "";
    const head = await fetch(`${base}/v1/tus/${id}`, {
      method: "HEAD",
      headers: { authorization: "Bearer dev-key", "tus-resumable": "1.0.0" },
    });
    const parts =
      head.headers
        .get("upload-concat")
        ?.replace(/^final;/, "")
        .split(" ") ?? [];
    expect(parts).toHaveLength(4);
    expect(head.headers.get("upload-length")).toBe(String(file.length));

    const status = (await (
      await fetch(`${base}/v1/uploads/${id}`, { headers: { authorization: "Bearer dev-key" } })
    ).json()) as { status: string; result: { file: { sha256: string; size: number }; provider: string } };
    expect(status).toMatchObject({
      status: "completed",
      result: { provider: "useapi", file: { sha256, size: file.length } },
    });
    const received = (await (await fetch(`${sandbox}/__sandbox/received`)).json()) as {
      provider: string;
      sha256: string;
      bytes: number;
      complete: boolean;
    }[];
    expect(received.filter((r) => r.sha256 === sha256)).toEqual([
      expect.objectContaining({ provider: "useapi", complete: true, bytes: file.length }),
    ]);
  });
});
