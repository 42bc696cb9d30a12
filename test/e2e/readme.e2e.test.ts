// End to end, as a new user: `npm start` (the gateway and the sandbox Worker on Miniflare), then the
// README's curl commands. Runs in Node: real processes, real sockets, a real client.
import { execFile } from "node:child_process";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway } from "./start";

const run = promisify(execFile);
/** The gateway's and the sandbox's origins: ports `startGateway` found free. */
let base = "";
let sandbox = "";
const dir = mkdtempSync(join(tmpdir(), "mediagate-e2e-"));

function file(name: string, size: number) {
  const bytes = new Uint8Array(size).map((_, i) => (i * 7919) % 251);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, sha256: createHash("sha256").update(bytes).digest("hex") };
}

async function curl(...args: string[]) {
  const { stdout } = await run("curl", ["-sS", "-w", "\n%{http_code}", ...args]);
  const at = stdout.lastIndexOf("\n");
  return { status: Number(stdout.slice(at + 1)), body: JSON.parse(stdout.slice(0, at)) };
}

let stop: () => void = () => {};
beforeAll(async () => {
  ({ base, sandbox, stop } = await startGateway());
}, 90_000);

afterAll(() => stop());

describe("the README's quick start", () => {
  const auth = ["-H", "Authorization: Bearer dev-key"];

  it("uploads to each of the five sandbox providers with curl", async () => {
    const photo = file("photo.png", 200_000);
    const voice = file("voice.mp3", 150_000);
    const clip = file("clip.mp4", 1_500_000);
    const cases = [
      ["jimmy", photo, [...auth, "-F", `file=@${photo.path}`, `${base}/v1/providers/jimmy/files`]],
      [
        "dify",
        photo,
        [...auth, "-F", "user=alice", "-F", `file=@${photo.path}`, `${base}/v1/providers/dify/files`],
      ],
      [
        "minimax",
        voice,
        [
          ...auth,
          "-F",
          "purpose=voice_clone",
          "-F",
          `file=@${voice.path}`,
          `${base}/v1/providers/minimax/files`,
        ],
      ],
      [
        "useapi",
        clip,
        [
          ...auth,
          "-H",
          "Content-Type: video/mp4",
          "--data-binary",
          `@${clip.path}`,
          `${base}/v1/providers/useapi/files?filename=clip.mp4`,
        ],
      ],
      ["wavespeed", photo, [...auth, "-F", `file=@${photo.path}`, `${base}/v1/providers/wavespeed/files`]],
    ] as const;
    for (const [provider, sample, args] of cases) {
      const { status, body } = await curl(...args);
      expect(status, JSON.stringify(body)).toBe(201);
      expect(body).toMatchObject({ provider, status: "uploaded", file: { sha256: sample.sha256 } });
      expect(body.reference).toBeTypeOf("string");
    }
    const received = (await (await fetch(`${sandbox}/__sandbox/received`)).json()) as {
      provider: string;
      sha256: string;
      complete: boolean;
    }[];
    for (const [provider, sample] of cases) {
      expect(received).toContainEqual(
        expect.objectContaining({ provider, sha256: sample.sha256, complete: true }),
      );
    }
  });

  it("imports the sandbox's sample video into each provider with one curl (the README's commands)", async () => {
    const sampleUrl = `${sandbox}/__sandbox/media/sample.mp4`;
    const options: Record<string, Record<string, string>> = {
      useapi: {},
      wavespeed: {},
      dify: { user: "alice" },
      minimax: { purpose: "video_understanding" },
      jimmy: {},
    };
    const video = new Uint8Array(await (await fetch(sampleUrl)).arrayBuffer());
    const sha = createHash("sha256").update(video).digest("hex");
    for (const [provider, fields] of Object.entries(options)) {
      const body = JSON.stringify({ url: sampleUrl, ...fields });
      const res = await curl(
        ...auth,
        "-H",
        "Content-Type: application/json",
        "-d",
        body,
        `${base}/v1/providers/${provider}/files`,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({
        provider,
        source_url: sampleUrl,
        file: { name: "sample.mp4", sha256: sha, detected_type: "video/mp4" },
      });
    }
  });

  it("answers a wrong key and a bad type with problem+json", async () => {
    const photo = file("notes.pdf", 1000);
    const unauthorized = await curl(
      "-H",
      "Authorization: Bearer nope",
      "-F",
      `file=@${photo.path}`,
      `${base}/v1/providers/jimmy/files`,
    );
    expect(unauthorized).toMatchObject({ status: 401, body: { code: "unauthorized" } });
    const unsupported = await curl(...auth, "-F", `file=@${photo.path}`, `${base}/v1/providers/jimmy/files`);
    expect(unsupported).toMatchObject({ status: 415, body: { code: "unsupported_file_type" } });
  });
});

describe("the README's file registry and dedupe", () => {
  const auth = ["-H", "Authorization: Bearer dev-key"];

  it("the same file twice with its Repr-Digest: the second is deduplicated, nothing more reaches the sandbox; list and delete", async () => {
    // A size of its own: the local D1 outlives the run, and the bytes are a function of the size.
    const photo = file(`dedupe-${Date.now()}.png`, 50_000 + Math.floor(Math.random() * 100_000));
    const digest = Buffer.from(photo.sha256, "hex").toString("base64");
    const upload = () =>
      curl(
        ...auth,
        "-H",
        "Content-Type: image/png",
        "-H",
        `Repr-Digest: sha-256=:${digest}:`,
        "--data-binary",
        `@${photo.path}`,
        `${base}/v1/providers/jimmy/files?filename=photo.png`,
      );
    const received = async () =>
      ((await (await fetch(`${sandbox}/__sandbox/received`)).json()) as { sha256: string | null }[]).filter(
        (r) => r.sha256 === photo.sha256,
      ).length;
    const first = await upload();
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const before = await received();
    const second = await upload();
    expect(second).toMatchObject({ status: 200, body: { id: first.body.id, deduplicated: true } });
    expect(await received()).toBe(before);

    const list = await curl(...auth, `${base}/v1/files?sha256=${photo.sha256}`);
    expect(list.status).toBe(200);
    expect(list.body.data.map((r: { id: string }) => r.id)).toEqual([first.body.id]);
    const deleted = await curl(...auth, "-X", "DELETE", `${base}/v1/files/${first.body.id}`);
    expect(deleted).toMatchObject({ status: 200, body: { status: "deleted", provider_deleted: false } });
  });
});

// Copied from the README ("Verify the signature before trusting it").
function verifyMediagate(rawBody: string, header: string, secret: string, toleranceSeconds = 300) {
  const { t, v1 } = Object.fromEntries(header.split(",").map((kv) => kv.split("=")));
  if (Math.abs(Date.now() / 1000 - Number(t)) > toleranceSeconds) return false; // replayed or stale
  const expected = createHmac("sha256", secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(v1 ?? "", "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe("the README's signed-upload flow", () => {
  it("backend creates a URL, the app PUTs with curl and no key, the backend's callback verifies", async () => {
    const hooks: { body: string; signature: string }[] = [];
    const sink = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        hooks.push({ body, signature: String(req.headers["mediagate-signature"]) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
    const hook = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hooks/mediagate`;
    try {
      const create = await fetch(`${base}/v1/uploads`, {
        method: "POST",
        headers: { authorization: "Bearer dev-key", "content-type": "application/json" },
        body: JSON.stringify({
          provider: "minimax",
          purpose: "voice_clone",
          content_type: "audio/mpeg",
          callback_url: hook,
        }),
      });
      expect(create.status).toBe(201);
      const ticket = (await create.json()) as { id: string; upload_url: string };
      const voice = file("voice.mp3", 120_000);
      // The app's upload, as the README shows it; sent twice, the second must be refused.
      const putVoice = () =>
        curl(
          "-X",
          "PUT",
          "-H",
          "Content-Type: audio/mpeg",
          "-T",
          voice.path,
          `${ticket.upload_url}&filename=voice.mp3`,
        );
      const put = await putVoice();
      expect(put.status, JSON.stringify(put.body)).toBe(201);
      expect(put.body.file.sha256).toBe(voice.sha256);
      const again = await putVoice();
      expect(again).toMatchObject({ status: 409, body: { code: "token_used" } });

      for (let i = 0; i < 100 && hooks.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      const [received] = hooks;
      expect(received).toBeDefined();
      expect(verifyMediagate(received?.body ?? "", received?.signature ?? "", "dev-signing-secret")).toBe(
        true,
      );
      expect(verifyMediagate(received?.body ?? "", received?.signature ?? "", "another-secret")).toBe(false);
      expect(JSON.parse(received?.body ?? "{}")).toMatchObject({ id: ticket.id, status: "completed" });
    } finally {
      sink.close();
    }
  });
});
