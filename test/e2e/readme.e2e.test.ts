// End to end, as a new user: `npm start` (the gateway and the sandbox Worker on Miniflare), then the curl
// commands of the README and docs/ as written, read from the docs themselves (only the origins are changed to
// this run's ports, and a callback URL to the test's own sink), and the callback verifier docs/tickets.md shows.
// Runs in Node: real processes, real sockets, a real client.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blocks, commands, readDoc, root, section } from "./docs";
import { startGateway } from "./start";

const run = promisify(execFile);
/** The gateway's and the sandbox's origins: ports `startGateway` found free. */
let base = "";
let sandbox = "";
const dir = mkdtempSync(join(tmpdir(), "mediagate-e2e-"));

function file(name: string, size: number, folder = dir) {
  const bytes = new Uint8Array(size).map((_, i) => (i * 7919) % 251);
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return { path, sha256: createHash("sha256").update(bytes).digest("hex") };
}

async function curl(...args: string[]) {
  const { stdout } = await run("curl", ["-sS", "-w", "\n%{http_code}", ...args]);
  const at = stdout.lastIndexOf("\n");
  return { status: Number(stdout.slice(at + 1)), body: JSON.parse(stdout.slice(0, at)) };
}

/**
 * A documented shell command, run with `sh` as written in `cwd`, against this run's gateway and sandbox: each
 * `curl` also prints its status after its body. Every answer it printed, in order.
 */
async function shell(command: string, cwd = dir, env: Record<string, string> = {}) {
  const script = command
    .replaceAll("http://localhost:8787", base)
    .replaceAll("http://localhost:8788", sandbox)
    .replace(/\bcurl /g, `curl -sS -w '\\n%{http_code}\\n' `);
  const { stdout } = await run("sh", ["-c", script], { cwd, env: { ...process.env, ...env } });
  const answers: { status: number; body: ReturnType<typeof JSON.parse> }[] = [];
  let body: string[] = [];
  for (const line of stdout.split("\n")) {
    if (/^\d{3}$/.test(line)) {
      answers.push({ status: Number(line), body: JSON.parse(body.join("\n")) });
      body = [];
    } else if (line.trim() !== "") body.push(line);
  }
  return answers;
}

/** The one answer of a documented command that makes one request. */
async function shellOne(command: string, cwd = dir, env: Record<string, string> = {}) {
  const answers = await shell(command, cwd, env);
  expect(answers, command).toHaveLength(1);
  return answers[0] as (typeof answers)[number];
}

/** The provider a documented upload command names in its URL. */
const providerOf = (command: string) => /\/v1\/providers\/(\w+)\/files/.exec(command)?.[1];

let stop: () => void = () => {};
beforeAll(async () => {
  ({ base, sandbox, stop } = await startGateway());
}, 90_000);

afterAll(() => stop());

describe("the README's first upload, and the sandbox's imports", () => {
  const auth = ["-H", "Authorization: Bearer dev-key"];

  it("uploads to each sandbox provider with the README's curl commands", async () => {
    const samples = {
      "photo.png": file("photo.png", 200_000),
      "voice.mp3": file("voice.mp3", 150_000),
      "clip.mp4": file("clip.mp4", 1_500_000),
    };
    const [block] = blocks(section("README.md", "## First upload"), "sh");
    const documented = commands(block ?? "");
    expect(documented.map(providerOf)).toEqual([
      "jimmy",
      "dify",
      "minimax",
      "useapi",
      "wavespeed",
      "openai",
      "gemini",
      "fal",
      "replicate",
    ]);
    const cases = documented.map((command) => {
      const name = /@(\S+?\.\w+)\b/.exec(command)?.[1] as keyof typeof samples;
      expect(samples[name], command).toBeDefined();
      return { command, provider: providerOf(command), sample: samples[name] };
    });
    for (const { command, provider, sample } of cases) {
      const { status, body } = await shellOne(command);
      expect(status, JSON.stringify(body)).toBe(201);
      expect(body).toMatchObject({ provider, status: "uploaded", file: { sha256: sample.sha256 } });
      expect(body.reference).toBeTypeOf("string");
    }
    const received = (await (await fetch(`${sandbox}/__sandbox/received`)).json()) as {
      provider: string;
      sha256: string;
      complete: boolean;
    }[];
    for (const { provider, sample } of cases) {
      expect(received).toContainEqual(
        expect.objectContaining({ provider, sha256: sample.sha256, complete: true }),
      );
    }
  });

  it("imports the sandbox's sample video into each provider with docs/sandbox.md's curl commands", async () => {
    const sampleUrl = `${sandbox}/__sandbox/media/sample.mp4`;
    const [block] = blocks(section("docs/sandbox.md", "## Sample media and imports"), "sh");
    const documented = commands(block ?? "");
    expect(documented.map(providerOf).sort()).toEqual([
      "dify",
      "gemini",
      "jimmy",
      "minimax",
      "openai",
      "useapi",
      "wavespeed",
    ]);
    const video = new Uint8Array(await (await fetch(sampleUrl)).arrayBuffer());
    const sha = createHash("sha256").update(video).digest("hex");
    for (const command of documented) {
      const res = await shellOne(command);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({
        provider: providerOf(command),
        source_url: sampleUrl,
        file: { name: "sample.mp4", sha256: sha, detected_type: "video/mp4" },
      });
    }
  });

  it("serves the public contract, specs/gateway.yaml as JSON, at GET /openapi.json (a static asset)", async () => {
    const res = await fetch(`${base}/openapi.json`);
    expect(res.status).toBe(200);
    const served = await res.json();
    expect(served).toEqual(JSON.parse(readFileSync("generated/gateway.openapi.json", "utf8")));
    expect(Object.keys(served.paths)).toEqual(
      expect.arrayContaining(["/v1/providers/{provider}/files", "/v1/keys"]),
    );
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

describe("the README's upload once, use anywhere", () => {
  it("keeps an original, copies it to WaveSpeed with nothing sent, lists both, and refreshes the copy", async () => {
    const cwd = join(dir, `reuse-${Date.now()}`);
    mkdirSync(cwd);
    // Fresh bytes: no earlier run's original or record of them.
    const photo = file("photo.png", 30_000 + Math.floor(Math.random() * 30_000), cwd);
    const [block = ""] = blocks(section("README.md", "## Upload once, use anywhere"), "sh");
    const [keep = "", copy = "", list = "", refresh = ""] = commands(block);
    const first = await shellOne(keep, cwd);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({
      provider: "jimmy",
      file: { sha256: photo.sha256 },
      original: { kept: true },
    });
    const copied = await shellOne(copy.replaceAll("ID", first.body.id), cwd);
    expect(copied.status, JSON.stringify(copied.body)).toBe(201);
    expect(copied.body).toMatchObject({
      provider: "wavespeed",
      source: "kept",
      file: { sha256: photo.sha256 },
    });
    const received = (await (await fetch(`${sandbox}/__sandbox/received`)).json()) as {
      provider: string;
      sha256: string;
      complete: boolean;
    }[];
    const atWavespeed = received.filter((r) => r.provider === "wavespeed" && r.sha256 === photo.sha256);
    expect(atWavespeed.map((r) => r.complete)).toEqual([true]);
    const listed = await shellOne(list.replace("SHA256", photo.sha256), cwd);
    expect(listed.body.data.map((r: { provider: string }) => r.provider).sort()).toEqual([
      "jimmy",
      "wavespeed",
    ]);
    const fresh = await shellOne(refresh.replace("COPY_ID", copied.body.id), cwd);
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(201);
    expect(fresh.body).toMatchObject({ provider: "wavespeed", status: "uploaded" });
    const old = await fetch(`${base}/v1/files/${copied.body.id}`, {
      headers: { authorization: "Bearer dev-key" },
    });
    expect(((await old.json()) as { status: string }).status).toBe("expired");
  });
});

describe("docs/keys.md: a project's quotas", () => {
  it("sets them with the documented curl, and they read back; then they are removed again", async () => {
    const [block = ""] = blocks(section("docs/keys.md", "## Quotas"), "sh");
    expect(block).toContain("PUT");
    const { stdout } = await run("sh", [
      "-ec",
      block.replaceAll("http://localhost:8787", base).replace(/^curl /m, `curl -sS -w '\n%{http_code}\n' `),
    ]);
    expect(stdout.trim().split("\n").at(-1)).toBe("200");
    const project = await fetch(`${base}/v1/project`, { headers: { authorization: "Bearer dev-key" } });
    expect(await project.json()).toMatchObject({
      quotas: { bytes_per_day: 10_000_000_000, concurrent_uploads: 50 },
    });
    // Removed, so the other tests' uploads with dev-key are bound by nothing.
    const cleared = await fetch(`${base}/v1/project`, {
      method: "PUT",
      headers: { authorization: "Bearer dev-key", "content-type": "application/json" },
      body: JSON.stringify({ quotas: {} }),
    });
    expect(cleared.status).toBe(200);
  });
});

describe("the README's keys and quotas", () => {
  it("creates a scoped key with a quota, uploads until 429, reads usage, revokes it and is refused, as written", async () => {
    const cwd = join(dir, `keys-${Date.now()}`);
    mkdirSync(cwd);
    // Fresh bytes: curl sends no digest, so nothing is answered from the registry whatever earlier runs left.
    const photo = file("photo.png", 40_000 + Math.floor(Math.random() * 40_000), cwd);
    const cli = `"${process.execPath}" "${join(root, "client/dist/cli.js")}"`;
    const [block = ""] = blocks(section("README.md", "## Keys and quotas"), "sh");
    expect(block).toContain("--uploads-per-minute 2");
    const script = block
      .replaceAll("http://localhost:8787", base)
      // In the repo's folder `npx mediagate` is the workspace's CLI; the test runs that same file.
      .replaceAll("npx mediagate", cli)
      .replace(/\bcurl /g, `curl -sS -w '\\n%{http_code}\\n' `)
      // KEY_ID is what the user reads off the terminal: here, the listed key whose prefix starts $APP_KEY.
      .replace(
        "KEY_ID",
        `"$(${cli} keys ls --json | APP_KEY="$APP_KEY" node -e 'const keys = JSON.parse(require("fs").readFileSync(0, "utf8")).data; console.log(keys.find((k) => process.env.APP_KEY.startsWith(k.prefix)).id)')"`,
      );
    const { stdout, stderr } = await run("sh", ["-ec", script], {
      cwd,
      env: { ...process.env, MEDIAGATE_URL: base },
    });
    expect(stderr).toMatch(/Created key "my app": id key_\S+, prefix mg_\S+\./);
    expect(stderr).toContain("only time it is shown");
    const statuses = [...stdout.matchAll(/^(\d{3})$/gm)].map((m) => Number(m[1]));
    expect(statuses).toEqual([201, 201, 429, 401]);
    expect(stdout).toMatch(/"code":"quota_exceeded"[^\n]*"quota":"uploads_per_minute"/);
    expect(stdout).toMatch(/"code":"key_revoked"/);
    const today = new Date().toISOString().slice(0, 10);
    expect(stdout).toMatch(new RegExp(`^${today} +jimmy +\\d+ `, "m"));
    expect(stdout).toMatch(/^Revoked key_\S+ \(mg_\S+, "my app"\) at \S+: it is refused/m);
    // Two of the three reached Jimmy; the refused one, and the revoked key's, did not.
    const received = (
      (await (await fetch(`${sandbox}/__sandbox/received`)).json()) as { sha256: string }[]
    ).filter((r) => r.sha256 === photo.sha256).length;
    expect(received).toBe(2);
  }, 60_000);
});

describe("docs/registry.md: the file registry and dedupe", () => {
  it("the dedupe loop as written: the second upload is deduplicated and nothing more reaches the sandbox; then the listing, get and delete calls", async () => {
    // A folder and a size of their own: the local D1 outlives the run, and the bytes are a function of the size.
    const cwd = join(dir, `dedupe-${Date.now()}`);
    mkdirSync(cwd);
    const photo = file("photo.png", 50_000 + Math.floor(Math.random() * 100_000), cwd);
    const received = async () =>
      ((await (await fetch(`${sandbox}/__sandbox/received`)).json()) as { sha256: string | null }[]).filter(
        (r) => r.sha256 === photo.sha256,
      ).length;

    const [calls] = blocks(readDoc("docs/registry.md"), "sh");
    const [loop] = blocks(
      section("docs/registry.md", "## Skip what the provider already has (dedupe)"),
      "sh",
    );
    expect(loop).toContain("for i in 1 2");
    const [first, second] = await shell(loop ?? "", cwd);
    expect(first?.status, JSON.stringify(first?.body)).toBe(201);
    expect(first?.body).toMatchObject({ file: { sha256: photo.sha256 } });
    expect(second).toMatchObject({ status: 200, body: { id: first?.body.id, deduplicated: true } });
    expect(await received()).toBe(1);

    const id = String(first?.body.id);
    const [list, page, get, remove] = commands(calls ?? "");
    const listed = await shellOne(list ?? "", cwd, { ID: id });
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ data: expect.any(Array) });
    expect(Object.keys(listed.body)).toContain("next_cursor");
    expect((await shellOne(page ?? "", cwd, { ID: id })).status).toBe(200);
    expect(await shellOne(get ?? "", cwd, { ID: id })).toMatchObject({ status: 200, body: { id } });
    // Not in the docs' commands, but what the record's digest finds: this one upload.
    const bySha = await curl(
      "-H",
      "Authorization: Bearer dev-key",
      `${base}/v1/files?sha256=${photo.sha256}`,
    );
    expect(bySha.body.data.map((r: { id: string }) => r.id)).toEqual([id]);
    expect(await shellOne(remove ?? "", cwd, { ID: id })).toMatchObject({
      status: 200,
      body: { status: "deleted", provider_deleted: false },
    });
  });
});

describe("docs/tickets.md: the signed-upload flow", () => {
  it("backend creates a URL with the documented curl, the app PUTs with curl and no key, the backend's callback verifies with the documented verifier", async () => {
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
    // The verifier as docs/tickets.md shows it, saved as a module of its own.
    const [verifier] = blocks(section("docs/tickets.md", "### Verifying a callback"), "js");
    expect(verifier).toContain("function verifyMediagate(");
    const module = join(dir, "verify.mjs");
    writeFileSync(module, `${verifier}\nexport { verifyMediagate };\n`);
    const { verifyMediagate } = (await import(module)) as {
      verifyMediagate: (rawBody: string, header: string, secret: string) => boolean;
    };
    try {
      // One command whose JSON body spans the block's lines (in single quotes): the block, run as it is.
      const [create] = blocks(section("docs/tickets.md", "## 1. Backend: create the URL"), "sh");
      expect(create).toContain("https://api.example.com/hooks/mediagate");
      const created = await shellOne((create ?? "").replace("https://api.example.com/hooks/mediagate", hook));
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const ticket = created.body as { id: string; upload_url: string; max_bytes: number };
      expect(ticket.max_bytes).toBe(20_000_000);

      const voice = file("voice.mp3", 120_000);
      // The app's upload, as docs/tickets.md shows it; sent twice, the second must be refused.
      const put = blocks(section("docs/tickets.md", "## 2. App: send the file"), "sh").flatMap(commands);
      expect(put).toHaveLength(1);
      const putVoice = () => shellOne(put[0] ?? "", dir, { UPLOAD_URL: ticket.upload_url });
      const first = await putVoice();
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      expect(first.body.file.sha256).toBe(voice.sha256);
      const again = await putVoice();
      expect(again).toMatchObject({ status: 409, body: { code: "token_used" } });

      for (let i = 0; i < 100 && hooks.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      const [received] = hooks;
      expect(received).toBeDefined();
      // npm start's SIGNING_SECRET, as docs/configuration.md gives it.
      expect(verifyMediagate(received?.body ?? "", received?.signature ?? "", "dev-signing-secret")).toBe(
        true,
      );
      expect(verifyMediagate(received?.body ?? "", received?.signature ?? "", "another-secret")).toBe(false);
      expect(JSON.parse(received?.body ?? "{}")).toMatchObject({
        id: ticket.id,
        status: "completed",
        metadata: { user_id: 42 },
      });
    } finally {
      sink.close();
    }
  });
});

describe("the README's Webhooks step", () => {
  it("registers the sandbox's receiver, sees an upload's event arrive signed, attempts pile up while it is down, resend delivers", async () => {
    const cwd = join(dir, `webhooks-${Date.now()}`);
    mkdirSync(cwd);
    file("photo.png", 30_000 + Math.floor(Math.random() * 30_000), cwd);
    const [block = ""] = blocks(section("README.md", "## Webhooks"), "sh");
    // A receiver of this run's own (the sandbox outlives no run, but the name keeps runs apart in one).
    const name = `readme-${Date.now()}`;
    const lines = commands(block).map((l) =>
      l.replaceAll("/__sandbox/webhooks/demo", `/__sandbox/webhooks/${name}`),
    );
    const resend = lines.pop() ?? "";
    expect(resend).toContain("EVENT_ID/resend");
    const answers = await shell(lines.join("\n"), cwd);
    const [created, first, seen, down, second, events, up] = answers;
    expect(created?.status).toBe(201);
    expect(created?.body.secret).toMatch(/^whsec_/);
    expect([first?.status, second?.status]).toEqual([201, 201]);
    expect([down?.body, up?.body]).toEqual([{ down: true }, { down: false }]);
    const [arrival] = seen?.body.received ?? [];
    const { verifyWebhook } = await import("../../client/src/node");
    const headers = {
      "webhook-id": arrival["webhook-id"],
      "webhook-timestamp": arrival["webhook-timestamp"],
      "webhook-signature": arrival["webhook-signature"],
    };
    const event = await verifyWebhook(created?.body.secret, headers, arrival.body);
    expect(event).toMatchObject({ type: "upload.completed", data: { id: first?.body.id } });
    const [pending] = events?.body.data ?? [];
    expect(pending).toMatchObject({ type: "upload.completed", upload_id: second?.body.upload_id });
    const mine = pending.deliveries.find((d: { webhook_id: string }) => d.webhook_id === created?.body.id);
    expect(mine).toMatchObject({ last_status: "pending" });
    expect(mine.attempts).toBeGreaterThanOrEqual(2);
    // The step's shell still holds AUTH (its first line) when the user types the resend.
    const [resent] = await shell([lines[0], resend.replace("EVENT_ID", pending.id)].join("\n"), cwd);
    expect(resent?.status).toBe(202);
    const until = Date.now() + 10_000;
    let ids: string[] = [];
    while (Date.now() < until && !ids.includes(pending.id)) {
      await new Promise((r) => setTimeout(r, 200));
      const got = (await (await fetch(`${sandbox}/__sandbox/webhooks/${name}`)).json()) as {
        received: { "webhook-id": string }[];
      };
      ids = got.received.map((r) => r["webhook-id"]);
    }
    expect(ids).toContain(pending.id);
    // The local D1 outlives the run: the endpoint goes with it (a project holds a bounded number).
    await fetch(`${base}/v1/webhooks/${created?.body.id}`, {
      method: "DELETE",
      headers: { authorization: "Bearer dev-key" },
    });
  }, 60_000);
});
