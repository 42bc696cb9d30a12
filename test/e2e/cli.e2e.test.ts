// The `mediagate` CLI (client/dist/cli.js, built on install) end to end against `npm start`: small and large
// uploads, an interrupted upload resumed by re-running the command, a problem's, a usage error's and a
// missing file's exit codes, what `providers` and `files ls` print, the progress bar drawn in a
// pseudo-terminal (`script`), and docs/cli.md's install from `npm pack` run from a folder outside the repo.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, type Run, runCli } from "./cli-run";
import { startGateway } from "./start";

const MiB = 1024 * 1024;
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

function run(args: string[], onStderr?: (text: string, child: ChildProcess) => void): Promise<Run> {
  return runCli(args, env(), onStderr);
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
    for (const id of ["jimmy", "dify", "minimax", "useapi", "wavespeed", "openai", "gemini"])
      expect(r.stdout).toContain(id);
    // What each takes: accepted extensions, and its fields as flags with the required ones marked.
    expect(r.stdout).toMatch(
      /^minimax +configured +one request ≤ [\d.]+ MiB +MiniMax\n {4}accepts: mp3 m4a wav/m,
    );
    expect(r.stdout).toContain("--purpose (required): voice_clone (mp3, m4a, wav) | prompt_audio");
    expect(r.stdout).toMatch(/^dify .*\n {4}accepts: any type/m);
  });

  it("uploads a small file in one request, with plain progress lines when not on a terminal", async () => {
    const f = file("small.png", 3 * MiB, 1);
    const r = await run(["upload", f.path, "--provider", "jimmy", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ provider: "jimmy", file: { sha256: f.sha256 } });
    expect(r.stderr).toMatch(
      /small\.png: 100% \(3\.0 MiB\/3\.0 MiB, single\)\n.*small\.png: all sent, delivering…/,
    );
    expect(r.stderr).not.toContain("\r");
    // The same path again: the CLI hashed it and sent Repr-Digest, so the gateway answers from its registry.
    const again = await run(["upload", f.path, "--provider", "jimmy"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/small\.png: jimmy uploaded reference=\S+ id=\S+ \(deduplicated\)/);
  });

  it("ensure uploads (keeping the original), then finds the live record, then copies; copy ID sends nothing", async () => {
    const f = file(`ensure-${Date.now()}.png`, 200_000 + Math.floor(Math.random() * 1000), 7);
    const first = await run(["ensure", f.path, "--provider", "jimmy", "--keep-days", "1", "--json"]);
    expect(first.code, first.stderr).toBe(0);
    const uploaded = JSON.parse(first.stdout);
    expect(uploaded).toMatchObject({
      via: "upload",
      result: { file: { sha256: f.sha256 }, original: { kept: true } },
    });
    const live = await run(["ensure", f.path, "--provider", "jimmy"]);
    expect(live.stdout).toMatch(new RegExp(`: live reference=\\S+ id=${uploaded.id}`));
    const copied = await run(["ensure", f.path, "--provider", "useapi", "--account", "cli"]);
    expect(copied.code, copied.stderr).toBe(0);
    expect(copied.stdout).toMatch(/: copy reference=\S+ id=\S+/);
    const copy = await run(["copy", uploaded.id, "--provider", "wavespeed", "--json"]);
    expect(copy.code, copy.stderr).toBe(0);
    expect(JSON.parse(copy.stdout)).toMatchObject({
      provider: "wavespeed",
      source: "kept",
      file: { sha256: f.sha256 },
    });
  });

  it("uploads a file above the single-request limit through tus", async () => {
    const f = file("large.mp4", 20 * MiB, 2);
    const r = await run(["upload", f.path, "--provider", "useapi", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      provider: "useapi",
      file: { size: 20 * MiB, sha256: f.sha256 },
    });
    expect(r.stderr).toContain("100% (20.0 MiB/20.0 MiB, tus)");
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
    expect(second.stderr).toMatch(/resume\.mp4: resuming at [1-9][\d.]* MiB/);
    const done = JSON.parse(second.stdout);
    expect(done).toMatchObject({ file: { size: 24 * MiB, sha256: f.sha256 } });
    // Sent as 4 parallel parts (the gateway advertises tus concatenation), each resumed where it was.
    const head = await fetch(`${base}/v1/tus/${done.upload_id}`, {
      method: "HEAD",
      headers: { authorization: "Bearer dev-key", "tus-resumable": "1.0.0" },
    });
    expect(
      head.headers
        .get("upload-concat")
        ?.replace(/^final;/, "")
        .split(" "),
    ).toHaveLength(4);
  }, 60_000);

  it("prints a problem's code, title and detail with exit 1, and usage errors with exit 2", async () => {
    const f = file("voice.mp3", 1000, 4);
    const problem = await run(["upload", f.path, "--provider", "minimax"]);
    expect(problem.code).toBe(1);
    expect(problem.stderr).toMatch(/Error 400 invalid_field: .+\n.*purpose/);
    // The gateway's advice names the wire; the CLI names its flag.
    expect(problem.stderr).toContain('(in this CLI, "purpose" is --purpose)');
    const usage = await run(["upload", f.path]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("upload needs --provider.");
    expect((await run(["nope"])).code).toBe(2);
    const noKey = spawn(process.execPath, [CLI, "providers"], { env: { ...env(), MEDIAGATE_KEY: "" } });
    expect(await new Promise((r) => noKey.on("close", r))).toBe(2);
    // A file that is not there: a sentence naming it, exit 2 (nothing was sent), no stack or errno.
    const missing = await run(["upload", join(dir, "nope.png"), "--provider", "jimmy"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`${join(dir, "nope.png")}: no such file.\n`);
  });

  it("lists files in aligned columns with human sizes", async () => {
    // Fresh bytes: the registry outlives the run, and a repeat would be answered with an older record.
    const seed = Math.floor(Math.random() * 2 ** 30);
    for (const [name, size] of [
      ["a.png", 2000],
      ["a-much-longer-name.png", 1_500_000],
    ] as const) {
      const r = await run(["upload", file(name, size, seed + size).path, "--provider", "wavespeed"]);
      expect(r.code, r.stderr).toBe(0);
    }
    const r = await run(["files", "ls", "--provider", "wavespeed", "--limit", "2"]);
    expect(r.code, r.stderr).toBe(0);
    const [header = "", ...rows] = r.stdout
      .trimEnd()
      .split("\n")
      .filter((l) => !l.startsWith("(more"));
    expect(header).toMatch(/^ID +PROVIDER +STATUS +SIZE +NAME +REFERENCE$/);
    expect(rows).toHaveLength(2);
    for (const column of ["PROVIDER", "STATUS", "SIZE", "NAME", "REFERENCE"]) {
      const at = header.indexOf(column);
      // Each column starts where its heading does, after at least two spaces.
      for (const row of rows) expect(row.slice(at - 2, at + 1), `${column} in ${row}`).toMatch(/^ {2}\S$/);
    }
    expect(rows.join("\n")).toMatch(/ 1\.4 MiB +a-much-longer-name\.png /);
    expect(rows.join("\n")).toMatch(/ 2\.0 KiB +a\.png /);
  });

  it("draws a progress bar (bytes, rate, ETA) on a terminal", () => {
    const f = file("tty.png", 12 * MiB, 5);
    const quoted = [process.execPath, CLI, "upload", f.path, "--provider", "jimmy"]
      .map((a) => `'${a}'`)
      .join(" ");
    // `script` runs the CLI in a pseudo-terminal and copies what it drew.
    const out = execFileSync("script", ["-qefc", quoted, "/dev/null"], { env: env(), encoding: "utf8" });
    expect(out).toContain("\r\x1b[2K");
    // Every byte sent: the gateway is delivering, and the line says so (not "ETA 0s").
    expect(out).toMatch(/tty\.png █+ 100% 12\.0 MiB\/12\.0 MiB delivering…/);
    expect(out).not.toContain("ETA 0s\r\n");
    expect(out).toMatch(/░/);
    expect(out).toMatch(/tty\.png: jimmy uploaded reference=\S+ id=/);
  });

  it("installs from `npm pack -w client` with `npm install -g` (docs/cli.md's commands) and runs in any folder", async () => {
    const root = join(import.meta.dirname, "../..");
    const doc = readFileSync(join(root, "docs/cli.md"), "utf8");
    const section = doc.slice(doc.indexOf("## Install"), doc.indexOf("## Commands"));
    const commands = section.split("\n").filter((l) => /^npm (pack|install -g) /.test(l));
    expect(commands).toHaveLength(2);
    const prefix = mkdtempSync(join(tmpdir(), "mediagate-prefix-"));
    const before = new Set(readdirSync(root));
    try {
      // As docs/cli.md says, in the repo's folder; `-g` installs into a prefix of the test's own.
      for (const line of commands)
        execFileSync("sh", ["-c", line.replace(/\s+#.*$/, "")], {
          cwd: root,
          env: line.includes(" -g ") ? { ...process.env, npm_config_prefix: prefix } : process.env,
          stdio: "pipe",
        });
    } finally {
      for (const f of readdirSync(root)) if (!before.has(f) && f.endsWith(".tgz")) rmSync(join(root, f));
    }
    const away = mkdtempSync(join(tmpdir(), "mediagate-elsewhere-"));
    const photo = join(away, "photo.png");
    writeFileSync(photo, readFileSync(file("away.png", 4000, 77).path));
    const mediagate = (...args: string[]) =>
      execFileSync(join(prefix, "bin/mediagate"), args, { cwd: away, env: env(), encoding: "utf8" });
    expect(existsSync(join(prefix, "lib/node_modules/@mediagate/client/README.md"))).toBe(true);
    expect(mediagate("--help")).toContain("Usage: mediagate <command>");
    expect(mediagate("upload", "photo.png", "--provider", "jimmy")).toMatch(
      /^photo\.png: jimmy uploaded reference=\S+ id=/,
    );
  }, 180_000);
});
