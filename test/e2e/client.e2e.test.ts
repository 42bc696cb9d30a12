// @mediagate/client in Node against `npm start` (spawned): the transport choice, real progress, tickets,
// typed errors, abort, the registry and import (when the gateway has them), and `npm pack` installing elsewhere.
// Resuming is in client-resume.e2e.test.ts.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMediagate, MediagateError, type Progress, uploadWithTicket } from "../../client/src/node";
import { PROVIDER_IDS } from "../../worker/providers/table";
import { bytesOf, hex } from "./data";
import { startGateway } from "./start";

const MiB = 1024 * 1024;
let base = "";
let stop: () => void = () => {};
const dir = mkdtempSync(join(tmpdir(), "mediagate-client-"));
process.env.MEDIAGATE_STATE_DIR = dir;

beforeAll(async () => {
  ({ base, stop } = await startGateway());
}, 90_000);
afterAll(() => stop());

const mg = () => createMediagate({ baseUrl: base, apiKey: "dev-key" });

/** Progress is monotonic and ends at the size. */
function expectProgress(seen: Progress[], size: number) {
  expect(seen.length).toBeGreaterThan(2);
  for (let i = 1; i < seen.length; i++)
    expect(seen[i]?.loaded ?? 0).toBeGreaterThanOrEqual(seen[i - 1]?.loaded ?? 0);
  expect(seen.at(-1)).toMatchObject({ loaded: size, total: size, fraction: 1 });
}

describe("@mediagate/client in Node", () => {
  it("uploads bytes in one request with Repr-Digest and counted, monotonic progress", async () => {
    const bytes = bytesOf(5 * MiB);
    const seen: Progress[] = [];
    const out = await mg().upload(bytes, {
      provider: "jimmy",
      filename: "photo.png",
      onProgress: (p) => seen.push(p),
    });
    expect(out).toMatchObject({ transport: "single", digest_sent: true });
    expect(out.result?.file).toMatchObject({ name: "photo.png", size: bytes.length, sha256: hex(bytes) });
    expectProgress(seen, bytes.length);
  });

  it("uploads a path through tus when asked (and above max_bytes), with the result from GET /v1/uploads", async () => {
    const bytes = bytesOf(9 * MiB, 7);
    const path = join(dir, "clip.mp4");
    writeFileSync(path, bytes);
    const seen: Progress[] = [];
    const out = await mg().upload(path, {
      provider: "useapi",
      transport: "tus",
      chunkSize: 4 * MiB,
      onProgress: (p) => seen.push(p),
    });
    expect(out.transport).toBe("tus");
    expect(out.result?.file).toMatchObject({ name: "clip.mp4", size: bytes.length, sha256: hex(bytes) });
    expectProgress(seen, bytes.length);
    expect(seen.every((p) => p.transport === "tus")).toBe(true);
  });

  it("hashes a path for one request: the same path again is answered from the registry (200, deduplicated)", async () => {
    // Fresh bytes: the registry (local D1) outlives the run.
    const path = join(dir, "again.png");
    writeFileSync(path, bytesOf(300_000, Math.floor(Math.random() * 2 ** 30)));
    const posts: number[] = [];
    const client = createMediagate({
      baseUrl: base,
      apiKey: "dev-key",
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (init?.method === "POST") posts.push(response.status);
        return response;
      },
    });
    const first = await client.upload(path, { provider: "jimmy" });
    expect(first).toMatchObject({ transport: "single", digest_sent: true, deduplicated: false });
    const second = await client.upload(path, { provider: "jimmy" });
    expect(second).toMatchObject({
      transport: "single",
      digest_sent: true,
      deduplicated: true,
      id: first.id,
    });
    expect(posts).toEqual([201, 200]);
  });

  it("mints a ticket on the backend; the app uploads with no key (single PUT and tus)", async () => {
    const ticket = await mg().tickets.create({ provider: "wavespeed", content_type: "image/*" });
    const bytes = bytesOf(2 * MiB, 5);
    const seen: Progress[] = [];
    const out = await uploadWithTicket(
      ticket,
      new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "image/png" }),
      {
        filename: "app.png",
        onProgress: (p) => seen.push(p),
      },
    );
    expect(out.result?.file.sha256).toBe(hex(bytes));
    expectProgress(seen, bytes.length);
    expect((await mg().uploads.get(ticket.id)).status).toBe("completed");

    const big = await mg().tickets.create({ provider: "useapi", content_type: "video/mp4" });
    const video = bytesOf(6 * MiB, 9);
    const viaTus = await uploadWithTicket(big, video, { filename: "app.mp4", maxRequestBytes: 4 * MiB });
    expect(viaTus).toMatchObject({ transport: "tus", result: null, id: big.id });
    const status = await mg().uploads.get(big.id);
    expect(status.status).toBe("completed");
    expect(status.deliveries?.[0]?.result?.file.sha256).toBe(hex(video));
  });

  it("uploads to a ticket with a fixed filename whatever the input is called (single PUT and tus)", async () => {
    const ticket = await mg().tickets.create({
      provider: "wavespeed",
      content_type: "image/*",
      filename: "fixed.png",
    });
    const bytes = bytesOf(MiB, 27);
    const named = new File([bytes as Uint8Array<ArrayBuffer>], "other.png", { type: "image/png" });
    const out = await uploadWithTicket(ticket, named);
    expect(out.result?.file).toMatchObject({ name: "fixed.png", sha256: hex(bytes) });

    const big = await mg().tickets.create({ provider: "useapi", filename: "fixed.mp4" });
    const video = bytesOf(6 * MiB, 29);
    const viaTus = await uploadWithTicket(big, video, { maxRequestBytes: 4 * MiB });
    expect(viaTus.transport).toBe("tus");
    const status = await mg().uploads.get(big.id);
    expect(status.deliveries?.[0]?.result?.file).toMatchObject({ name: "fixed.mp4", sha256: hex(video) });
  });

  it("fails with one MediagateError: a problem's typed code, a network error, an abort", async () => {
    const problem = await mg()
      .upload(bytesOf(1000), { provider: "minimax", filename: "v.mp3" })
      .catch((e: unknown) => e);
    expect(problem).toBeInstanceOf(MediagateError);
    expect(problem).toMatchObject({ kind: "problem", code: "invalid_field", status: 400 });

    const missing = await mg()
      .upload(join(dir, "missing.png"), { provider: "jimmy" })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(MediagateError);
    expect(missing).toMatchObject({ kind: "input", code: "input_unreadable" });
    expect((missing as Error).message).toBe(`${join(dir, "missing.png")}: no such file.`);

    const denied = await createMediagate({ baseUrl: base, apiKey: "wrong" })
      .providers()
      .catch((e: unknown) => e);
    expect(denied).toMatchObject({ kind: "problem", code: "unauthorized", status: 401 });

    const offline = await createMediagate({ baseUrl: "http://127.0.0.1:9", apiKey: "dev-key" })
      .providers()
      .catch((e: unknown) => e);
    expect(offline).toMatchObject({ kind: "network", code: "network_error" });

    const controller = new AbortController();
    const aborted = await mg()
      .upload(bytesOf(20 * MiB), {
        provider: "jimmy",
        filename: "a.png",
        signal: controller.signal,
        onProgress: (p) => {
          if (p.loaded > MiB) controller.abort();
        },
      })
      .catch((e: unknown) => e);
    expect(aborted).toMatchObject({ kind: "aborted", code: "aborted" });
  });

  it("lists, gets and deletes registry files (GET/DELETE /v1/files)", async () => {
    const up = await mg().upload(bytesOf(10_000, 11), { provider: "jimmy", filename: "reg.png" });
    const list = await mg().files.list({ provider: "jimmy" });
    expect(list.data.map((f) => f.id)).toContain(up.id);
    expect((await mg().files.get(up.id)).id).toBe(up.id);
    expect((await mg().files.delete(up.id)).status).toBe("deleted");
  });

  it("imports a file from a URL (JSON body on POST /v1/providers/{p}/files)", async () => {
    const r = await fetch(`${base}/v1/providers/jimmy/files`, {
      method: "POST",
      headers: { authorization: "Bearer dev-key", "content-type": "application/json" },
      body: JSON.stringify({ url: "http://127.0.0.1:9/none.png" }),
    });
    const body = (await r.json()) as { code?: string };
    expect(["source_refused", "source_failed", "source_timeout"]).toContain(body.code);
    const error = await mg()
      .import("http://127.0.0.1:9/none.png", { provider: "jimmy" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediagateError);
  });

  it("runs the README's server-side snippet (From your app) as written, against this gateway", () => {
    const root = join(import.meta.dirname, "../..");
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## From your app"));
    const snippet = /```js\n(import \{ createMediagate \}[\s\S]*?)```/.exec(section)?.[1];
    expect(snippet).toBeTruthy();
    const script = join(root, `.readme-snippet-${process.pid}.mjs`);
    const photo = join(dir, "photo.png");
    writeFileSync(photo, bytesOf(200_000, 13));
    writeFileSync(script, (snippet ?? "").replace("http://localhost:8787", base));
    try {
      const printed = execFileSync(process.execPath, [script, photo], { encoding: "utf8" });
      expect(printed).toContain("100% (single)");
      expect(printed).toMatch(/single http:\/\/\S+\/jimmy\/files\/\S+\/photo\.png/);
    } finally {
      rmSync(script, { force: true });
    }
  });

  it("npm pack: the tarball installs in another project and works from plain Node", async () => {
    const root = join(import.meta.dirname, "../..");
    const out = mkdtempSync(join(tmpdir(), "mediagate-pack-"));
    execFileSync("npm", ["pack", "--pack-destination", out, "-w", "client"], { cwd: root, stdio: "pipe" });
    const tarball = readdirSync(out).find((f) => f.endsWith(".tgz"));
    expect(tarball).toBeTruthy();
    const app = join(out, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", type: "module", private: true }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", join(out, tarball ?? "")], {
      cwd: app,
      stdio: "pipe",
    });
    writeFileSync(
      join(app, "main.mjs"),
      `import { createMediagate } from "@mediagate/client";
const mg = createMediagate({ baseUrl: process.argv[2], apiKey: "dev-key" });
const out = await mg.upload(new Uint8Array(1000), { provider: "jimmy", filename: "x.png" });
console.log(JSON.stringify({ providers: (await mg.providers()).length, size: out.result.file.size }));`,
    );
    const printed = execFileSync(process.execPath, ["main.mjs", base], { cwd: app, encoding: "utf8" });
    expect(JSON.parse(printed)).toEqual({ providers: PROVIDER_IDS.length, size: 1000 });
    const types = execFileSync("ls", [join(app, "node_modules/@mediagate/client/dist/types/client/src")], {
      encoding: "utf8",
    });
    expect(types).toContain("index.d.ts");
    // The package's bin: `npx mediagate` in that project.
    const listed = execFileSync(
      join(app, "node_modules/.bin/mediagate"),
      ["providers", "--url", base, "--key", "dev-key"],
      {
        encoding: "utf8",
      },
    );
    expect(listed).toContain("wavespeed");
  }, 120_000);
});
