// `mediagate` (client/dist/cli.js, built on install) run as a user runs it: its own process, the environment
// given (MEDIAGATE_URL, MEDIAGATE_KEY, …), and what it printed on each stream with its exit code.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

export const CLI = join(import.meta.dirname, "../../client/dist/cli.js");

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `onStderr` hears stderr so far as it grows (a test may signal the child on what it sees). */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  onStderr?: (text: string, child: ChildProcess) => void,
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
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
