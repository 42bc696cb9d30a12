// client/README.md as a new user reads it, against `npm start`: each of its ```js examples saved under the
// name its first line gives and run with Node as that line says (`node upload.mjs photo.png`) in a folder
// outside the repo, where `@mediagate/client` is this package; and its CLI commands run as written.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway } from "./start";

const root = join(import.meta.dirname, "../..");
const readme = readFileSync(join(root, "client/README.md"), "utf8");
const blocks = (lang: string) =>
  [...readme.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1] ?? "");

let base = "";
let stop: () => void = () => {};
const app = mkdtempSync(join(tmpdir(), "mediagate-client-readme-"));

beforeAll(async () => {
  ({ base, stop } = await startGateway());
  // The app's node_modules: this package, as `npm install` of its tarball would place it.
  mkdirSync(join(app, "node_modules/@mediagate"), { recursive: true });
  symlinkSync(join(root, "client"), join(app, "node_modules/@mediagate/client"));
  mkdirSync(join(app, "bin"));
  symlinkSync(join(root, "client/bin/mediagate.js"), join(app, "bin/mediagate"));
}, 90_000);
afterAll(() => stop());

/** A file of `size` bytes that differ from run to run (the registry outlives a run). */
function sample(name: string, size: number) {
  const bytes = new Uint8Array(size);
  let x = Math.floor(Math.random() * 2 ** 31);
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  writeFileSync(join(app, name), bytes);
}

/** Each example, saved as its first line names it, run as that line says; what it printed. */
function runExamples(): Map<string, (...again: string[]) => string> {
  const scripts = new Map<string, (...again: string[]) => string>();
  for (const code of blocks("js")) {
    const how = /^\/\/ (\S+\.mjs) — node \1 (\S+)\n/.exec(code);
    expect(how, code.split("\n")[0]).toBeTruthy();
    const [, script = "", input = ""] = how ?? [];
    writeFileSync(join(app, script), code.replaceAll("http://localhost:8787", base));
    scripts.set(script, () =>
      execFileSync(process.execPath, [script, input], { cwd: app, encoding: "utf8", stdio: "pipe" }),
    );
  }
  return scripts;
}

describe("client/README.md", () => {
  it("its examples run as written: an upload (deduplicated the second time), a ticket, an error, keys", () => {
    sample("photo.png", 300_000);
    sample("voice.mp3", 120_000);
    const examples = runExamples();
    expect([...examples.keys()]).toEqual(["upload.mjs", "ticket.mjs", "errors.mjs", "keys.mjs"]);
    const upload = examples.get("upload.mjs")?.() ?? "";
    expect(upload).toContain("100%");
    expect(upload).toMatch(/^single http:\/\/\S+\/photo\.png $/m);
    expect(examples.get("upload.mjs")?.()).toMatch(/^single http:\/\/\S+\/photo\.png \(already there\)$/m);
    const ticket = examples.get("ticket.mjs")?.() ?? "";
    expect(ticket).toMatch(/^app: voice\.mp3 \S+$/m);
    expect(ticket).toMatch(/^backend: completed$/m);
    expect(examples.get("errors.mjs")?.()).toMatch(/^problem invalid_field 400 .*purpose/m);
    // A key with two uploads a minute: two pass, the third is refused with when to retry; the key's usage
    // is those two; once revoked, it is refused.
    const keys = examples.get("keys.mjs")?.() ?? "";
    expect(keys).toMatch(
      /^created mg_\S{8}\n1 uploaded (\d+)\n2 uploaded (\d+)\n3 quota_exceeded uploads_per_minute retry in \d+ s\n/,
    );
    const [, one = "", two = ""] = /^1 uploaded (\d+)\n2 uploaded (\d+)$/m.exec(keys) ?? [];
    const today = new Date().toISOString().slice(0, 10);
    expect(keys).toContain(`\n${today} jimmy ${Number(one) + Number(two)}\n`);
    expect(keys).toMatch(/\nafter revoke: key_revoked\n$/);
  }, 60_000);

  it("its CLI commands run as written; the tarball it names is the one npm pack writes", () => {
    const [install = "", cli = ""] = blocks("sh");
    const { version } = JSON.parse(readFileSync(join(root, "client/package.json"), "utf8"));
    expect(install).toContain(`mediagate-client-${version}.tgz`);
    expect(cli).toContain(`./mediagate-client-${version}.tgz`);
    sample("photo.png", 200_000);
    const env = { ...process.env, PATH: `${join(app, "bin")}:${process.env.PATH}` };
    const lines = cli
      .split("\n")
      .map((l) => l.replace(/\s+#.*$/, "").replace("http://localhost:8787", base))
      .filter((l) => /^(export|mediagate) /.test(l));
    expect(lines).toHaveLength(4);
    const printed = execFileSync("sh", ["-ec", lines.join("\n")], { cwd: app, env, encoding: "utf8" });
    expect(printed).toContain("--purpose (required)");
    expect(printed).toMatch(/^photo\.png: jimmy uploaded reference=\S+ id=\S+$/m);
    expect(printed).toMatch(/^ID +PROVIDER +STATUS +SIZE +NAME +REFERENCE$/m);
  });
});
