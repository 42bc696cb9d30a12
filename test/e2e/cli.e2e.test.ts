// The `mediagate` CLI (client/dist/cli.js, built on install) end to end against `npm start`: small and large
// uploads, an interrupted upload resumed by re-running the command, a problem's and a usage error's exit
// codes, and the progress bar drawn in a pseudo-terminal (`script`).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway } from "./start";

const MiB = 1024 * 1024;
const CLI = join(import.meta.dirname, "../../client/dist/cli.js");
const dir = mkdtempSync(join(tmpdir(), "mediagate-cli-"));
let base = "";
let stop: () => void = () => {};

beforeAll(async () => {
  if (!existsSync(CLI))
    throw new Error("client/dist/cli.js is missing: run `npm install` (or npm run build).");
  // One request carries at most 16 MiB here, so a 20 MiB file takes the tus path as a 100+ MiB one would.
  ({ base, stop } = await startGateway({ MAX_REQUEST_BYTES: String(16 * MiB) }));
}, 90_000);
afterAll(() => stop());

const env = () => ({
  ...process.env,
  MEDIAGATE_URL: base,
  MEDIAGATE_KEY: "dev-key",
  MEDIAGATE_STATE_DIR: dir,
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
function run(args: string[], onStderr?: (text: string, child: ChildProcess) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: env(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
      onStderr?.(stderr, child);
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function file(name: string, size: number, seed: number): { path: string; sha256: string } {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) bytes.writeUInt32LE(((i + seed) * 2654435761) >>> 0, i);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, sha256: createHash("sha256").update(bytes).digest("hex") };
}

describe("mediagate CLI", () => {
  it("lists providers", async () => {
    const r = await run(["providers"]);
    expect(r.code).toBe(0);
    for (const id of ["jimmy", "dify", "minimax", "useapi", "wavespeed"]) expect(r.stdout).toContain(id);
  });

  it("uploads a small file in one request, with plain progress lines when not on a terminal", async () => {
    const f = file("small.png", 3 * MiB, 1);
    const r = await run(["upload", f.path, "--provider", "jimmy", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ provider: "jimmy", file: { sha256: f.sha256 } });
    expect(r.stderr).toMatch(/small\.png: 100% \(3145728\/3145728 bytes, single\)/);
    expect(r.stderr).not.toContain("\r");
  });

  it("uploads a file above the single-request limit through tus", async () => {
    const f = file("large.mp4", 20 * MiB, 2);
    const r = await run(["upload", f.path, "--provider", "useapi", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      provider: "useapi",
      file: { size: 20 * MiB, sha256: f.sha256 },
    });
    expect(r.stderr).toContain("100% (20971520/20971520 bytes, tus)");
  }, 120_000);

  it("stops cleanly on Ctrl-C and resumes when the same command is run again", async () => {
    const f = file("resume.mp4", 24 * MiB, 3);
    const args = [
      "upload",
      f.path,
      "--provider",
      "useapi",
      "--resumable",
      "--chunk-size",
      String(4 * MiB),
      "--json",
    ];
    let sent = false;
    const first = await run(args, (text, child) => {
      if (!sent && /resume\.mp4: (2\d|[3-9]\d)%/.test(text)) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    expect(first.code, first.stderr).toBe(130);
    expect(first.stderr).toContain("Interrupted. Run the same command again to resume.");
    const second = await run(args);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/resume\.mp4: resuming at [1-9]\d* bytes/);
    expect(JSON.parse(second.stdout)).toMatchObject({ file: { size: 24 * MiB, sha256: f.sha256 } });
  }, 60_000);

  it("prints a problem's code, title and detail with exit 1, and usage errors with exit 2", async () => {
    const f = file("voice.mp3", 1000, 4);
    const problem = await run(["upload", f.path, "--provider", "minimax"]);
    expect(problem.code).toBe(1);
    expect(problem.stderr).toMatch(/Error 400 invalid_field: .+\n.*purpose/);
    const usage = await run(["upload", f.path]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("upload needs --provider.");
    expect((await run(["nope"])).code).toBe(2);
    const noKey = spawn(process.execPath, [CLI, "providers"], { env: { ...env(), MEDIAGATE_KEY: "" } });
    expect(await new Promise((r) => noKey.on("close", r))).toBe(2);
  });

  it("draws a progress bar (bytes, rate, ETA) on a terminal", () => {
    const f = file("tty.png", 12 * MiB, 5);
    const quoted = [process.execPath, CLI, "upload", f.path, "--provider", "jimmy"]
      .map((a) => `'${a}'`)
      .join(" ");
    // `script` runs the CLI in a pseudo-terminal and copies what it drew.
    const out = execFileSync("script", ["-qefc", quoted, "/dev/null"], { env: env(), encoding: "utf8" });
    expect(out).toContain("\r\x1b[2K");
    expect(out).toMatch(/tty\.png █+ 100% 12\.0 MiB\/12\.0 MiB [\d.]+ (MiB|KiB)\/s ETA 0s/);
    expect(out).toMatch(/░/);
    expect(out).toMatch(/tty\.png: jimmy uploaded reference=\S+ id=/);
  });
});
