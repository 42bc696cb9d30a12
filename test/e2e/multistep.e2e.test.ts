// 1 GiB through tus, delivered from R2 to the two multi-step providers at once under `npm start`: OpenAI
// through its Uploads API (17 parts of 64 MB cut from the staged object's one stream) and Gemini through
// one resumable session; the sandbox reassembles each and hashes what it holds, which must be the bytes
// sent, by SHA-256.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesOf } from "./data";
import { startGateway } from "./start";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** Each PATCH: within the default MAX_REQUEST_BYTES (100 MiB). */
const PIECE = 64 * MiB;

let base = "";
let sandbox = "";
let stop: () => void = () => {};
let logs: () => string = () => "";
beforeAll(async () => {
  ({ base, sandbox, stop, logs } = await startGateway());
}, 90_000);
afterAll(() => stop());

const b64 = (s: string) => Buffer.from(s).toString("base64");
const auth = { authorization: "Bearer dev-key", "tus-resumable": "1.0.0" };

interface Received {
  provider: string;
  filename: string | null;
  bytes: number;
  sha256: string | null;
  complete: boolean;
  fields: Record<string, string>;
}

describe("1 GiB to OpenAI and Gemini through tus", () => {
  it("reaches OpenAI's Uploads API in 64 MB parts and Gemini's session whole, SHA-256 verified", {
    timeout: 900_000,
  }, async () => {
    const started = Date.now();
    const mark = `gib-${crypto.randomUUID().slice(0, 8)}`;
    const metadata = [
      `providers ${b64("openai,gemini")}`,
      `filename ${b64(`${mark}.mp4`)}`,
      `filetype ${b64("video/mp4")}`,
      `purpose ${b64("user_data")}`,
    ].join(",");
    const created = await fetch(`${base}/v1/tus`, {
      method: "POST",
      headers: { ...auth, "upload-length": String(GiB), "upload-metadata": metadata },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const location = new URL(created.headers.get("location") ?? "", base).href;
    const id = location.split("/").pop()?.split("?")[0] ?? "";

    const hash = createHash("sha256");
    // The last PATCH completes the upload and answers once both deliveries are done.
    let lastPatch = 0;
    for (let offset = 0, seed = 1; offset < GiB; offset += PIECE, seed++) {
      const piece = bytesOf(Math.min(PIECE, GiB - offset), seed);
      lastPatch = Date.now();
      hash.update(piece);
      const res = await fetch(location, {
        method: "PATCH",
        headers: {
          ...auth,
          "content-type": "application/offset+octet-stream",
          "upload-offset": String(offset),
        },
        body: new Blob([piece as Uint8Array<ArrayBuffer>]),
      });
      expect(res.status, `${await res.text()}\n${logs().slice(-3000)}`).toBe(204);
    }
    const digest = hash.digest("hex");
    const delivered = Date.now() - lastPatch;

    // Delivery runs after the last PATCH; wait for both outcomes.
    let status: {
      status: string;
      deliveries?: { provider: string; result?: { file: { sha256: string } } }[];
    };
    for (;;) {
      status = await (await fetch(`${base}/v1/uploads/${id}`, { headers: auth })).json();
      if (status.status !== "receiving" && status.status !== "pending") break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(status, JSON.stringify(status)).toMatchObject({ status: "completed" });
    expect(status.deliveries?.map((d) => [d.provider, d.result?.file.sha256]).sort()).toEqual([
      ["gemini", digest],
      ["openai", digest],
    ]);
    const received = ((await (await fetch(`${sandbox}/__sandbox/received`)).json()) as Received[]).filter(
      (r) => r.filename === `${mark}.mp4`,
    );
    expect(received.map((r) => [r.provider, r.complete, r.bytes, r.sha256]).sort()).toEqual([
      ["gemini", true, GiB, digest],
      ["openai", true, GiB, digest],
    ]);
    // 1 GiB in parts of 64,000,000 bytes: 16 whole ones and the rest.
    expect(received.find((r) => r.provider === "openai")?.fields.parts).toBe("17");
    console.log(
      `1 GiB: ${Math.round((Date.now() - started) / 1000)} s in all; the last PATCH, which delivers to both, ${Math.round(delivered / 1000)} s`,
    );
  });
});
