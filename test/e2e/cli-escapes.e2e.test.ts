// The `mediagate` CLI against a hostile gateway: every string that came from the server (a provider's
// reference and URL, a problem's title and detail, file names in lists, provider names, keys and usage rows)
// may carry terminal control sequences (clear the screen, retitle the window, an OSC 8 link, 8-bit CSI). What
// the CLI prints must carry none of them raw, in text and in --json output alike. The server here is a
// stand-in for a compromised gateway or a provider whose answers the gateway passes on; the CLI is the real
// one.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = join(import.meta.dirname, "../../client/dist/cli.js");
/** ESC[2J clears the screen; OSC 0 retitles the window; OSC 8 hides a link; CSI 8-bit (U+009B); DEL; BEL. */
const EVIL =
  "ok\x1b[2J\x1b]0;pwned\x07\x1b]8;;https://evil.test\x1b\\click\x1b]8;;\x1b\\\u009b31mred\x7f\r\nfake\u202e";
/** Raw terminal controls: C0 (but the newline that ends a line), DEL, C1, and bidi overrides. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

const result = {
  id: `id-${EVIL}`,
  provider: "jimmy",
  status: "uploaded",
  reference: `ref-${EVIL}`,
  url: `https://x.test/${EVIL}`,
  file: { name: `name-${EVIL}`, size: 3, content_type: "image/png", sha256: "0".repeat(64) },
};

const key = {
  id: `key-${EVIL}`,
  prefix: `mg_${EVIL}`,
  name: `name-${EVIL}`,
  providers: [`jimmy${EVIL}`],
  actions: [`upload${EVIL}`],
  quotas: { uploads_per_minute: 2 },
  created_at: `2026-12-02T00:00:00Z${EVIL}`,
  expires_at: null,
  revoked_at: `2026-12-02T00:00:01Z${EVIL}`,
};
const usage = { date: `2026-12-02${EVIL}`, provider: `jimmy${EVIL}`, uploads: `1${EVIL}`, bytes: 3 };

function hostile(req: { url?: string | undefined; method?: string | undefined }): {
  status: number;
  body: unknown;
} {
  const path = new URL(req.url ?? "/", "http://x").pathname;
  if (path === "/v1/keys")
    return req.method === "POST"
      ? { status: 201, body: { ...key, key: `mg_${EVIL}` } }
      : { status: 200, body: { data: [key] } };
  if (path.startsWith("/v1/keys/")) return { status: 200, body: key };
  if (path === "/v1/usage") return { status: 200, body: { data: [usage] } };
  if (path === "/v1/providers")
    return {
      status: 200,
      body: { providers: [{ id: "jimmy", name: `Jimmy ${EVIL}`, configured: true, max_bytes: 1 << 20 }] },
    };
  if (path === "/v1/providers/dify/files")
    return {
      status: 400,
      body: {
        type: "about:blank",
        code: "invalid_field",
        status: 400,
        title: `T ${EVIL}`,
        detail: `D ${EVIL}`,
      },
    };
  if (path.startsWith("/v1/providers/")) return { status: 201, body: result };
  if (path === "/v1/files") return { status: 200, body: { data: [result], next_cursor: `c-${EVIL}` } };
  return { status: 200, body: { ...result, provider_deleted: true } };
}

let server: Server;
let base = "";
beforeAll(async () => {
  if (!existsSync(CLI))
    throw new Error("client/dist/cli.js is missing: run `npm install` (or npm run build).");
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const { status, body } = hostile(req);
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

/** `out` is stdout and stderr as they came; `stdout` alone, for --json. */
function run(args: string[]): Promise<{ code: number | null; out: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args, "--url", base, "--key", "k"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
      out += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      out += c;
    });
    child.on("close", (code) => resolve({ code, out, stdout }));
  });
}

describe("mediagate CLI: what the server says is printed inert", () => {
  const file = join(import.meta.dirname, "../../package.json");
  const commands: [string, string[], number][] = [
    ["upload", ["upload", file, "--provider", "jimmy"], 0],
    ["import", ["import", "https://example.test/a.png", "--provider", "jimmy"], 0],
    ["files ls", ["files", "ls"], 0],
    ["files get", ["files", "get", "x"], 0],
    ["files rm", ["files", "rm", "x"], 0],
    ["providers", ["providers"], 0],
    ["keys create", ["keys", "create", "app", "--uploads-per-minute", "2"], 0],
    ["keys ls", ["keys", "ls"], 0],
    ["keys revoke", ["keys", "revoke", "x"], 0],
    ["usage", ["usage"], 0],
    ["a problem", ["import", "https://example.test/a.png", "--provider", "dify"], 1],
  ];
  for (const [what, args, code] of commands) {
    it(`${what}: no raw control characters, text or --json`, async () => {
      for (const extra of [[], ["--json"]]) {
        const r = await run([...args, ...extra]);
        expect(r.code, r.out).toBe(code);
        expect(r.out).not.toMatch(RAW);
        // Still shown, inert: the visible text around the controls, and the controls spelled out.
        expect(r.out).toContain("fake");
        expect(r.out).toMatch(/\\u001b|\\x1b/i);
        // --json stays JSON, with the server's strings as they were sent.
        if (extra.length && code === 0)
          expect(JSON.stringify(JSON.parse(r.stdout))).toContain(JSON.stringify(EVIL).slice(1, -1));
      }
    });
  }
});
