// Two real clients that stream a file as a request body with a Content-Length of the caller's choosing (the
// file's size, or more than it: a lying length, the rest never sent while the connection stays open), and
// report whatever answer arrives — the gateway's problem, or anything else (a proxy's text/plain 500, a
// connection lost). curl runs in its own process (platform notes: a client in the sink's event loop skews
// timing); Node fetch (undici) runs here.
import { spawn } from "node:child_process";
import { createReadStream, statSync } from "node:fs";
import { Readable } from "node:stream";

export interface Sent {
  /** The HTTP status, or 0 when no answer arrived (the connection failed; `error` says how). */
  status: number;
  type: string;
  body: string;
  error?: string;
}

export interface Send {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The file whose bytes are sent, all of them. */
  path: string;
  /** The Content-Length sent: the file's size unless given (larger: the client then waits, sending no more). */
  declared?: number;
}

export type Sender = (send: Send) => Promise<Sent>;

/**
 * curl streaming from stdin with an explicit Content-Length (platform notes: `-T -` with an empty
 * Transfer-Encoding, so neither chunked nor read into memory); after the file it waits for the answer.
 */
export const curl: Sender = ({ method, url, headers, path, declared }) =>
  new Promise((resolve) => {
    const length = declared ?? statSync(path).size;
    const args = [
      "-sS",
      "-X",
      method,
      "-T",
      "-",
      "-H",
      "Transfer-Encoding:",
      "-H",
      `Content-Length: ${length}`,
    ];
    for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}: ${v}`);
    // The answer's status and type after its body, on a line of their own.
    args.push("-w", "\n%{http_code} %{content_type}", "--max-time", "60", url);
    const child = spawn("curl", args, { stdio: ["pipe", "pipe", "pipe"] });
    createReadStream(path)
      .pipe(child.stdin)
      .on("error", () => {});
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("close", (code) => {
      const at = out.lastIndexOf("\n");
      const [status = "0", type = ""] = out.slice(at + 1).split(" ");
      const sent: Sent = { status: Number(status) || 0, type, body: out.slice(0, Math.max(0, at)) };
      if (code !== 0) sent.error = `curl exited ${code}: ${err.trim()}`;
      resolve(sent);
    });
  });

/**
 * A file as a stream that, for a lying length, stays open after the file's bytes (the client "still
 * sending") until `hold` is aborted; undici refuses a body that ends short of its Content-Length itself.
 */
function bodyOf(path: string, holdOpen: boolean, hold: AbortSignal): ReadableStream<Uint8Array> {
  const file = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
  if (!holdOpen) return file;
  const reader = file.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (!done) return controller.enqueue(value);
      await new Promise((resolve) => hold.addEventListener("abort", resolve, { once: true }));
      controller.close();
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** Node fetch (undici) streaming the file with `duplex: "half"`; a lying length holds the body open. */
export const nodeFetch: Sender = async ({ method, url, headers, path, declared }) => {
  const size = statSync(path).size;
  const length = declared ?? size;
  const hold = new AbortController();
  const timeout = AbortSignal.timeout(60_000);
  try {
    const response = await fetch(url, {
      method,
      headers: { ...headers, "content-length": String(length) },
      body: bodyOf(path, length > size, hold.signal),
      duplex: "half",
      signal: timeout,
    } as RequestInit);
    return {
      status: response.status,
      type: response.headers.get("content-type") ?? "",
      body: await response.text(),
    };
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause;
    return {
      status: 0,
      type: "",
      body: "",
      error: `${(error as Error).message}${cause ? `: ${cause.message}` : ""}`,
    };
  } finally {
    hold.abort();
  }
};
