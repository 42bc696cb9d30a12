// The provider emulator for tests: the sandbox handler (sandbox/providers.ts) behind a real Node HTTP
// server, so the gateway under test talks HTTP to something that can also drop a connection mid-upload.
// It reads multipart bodies with busboy (./busboy.ts), not with the gateway's parser nor the sandbox's.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { handleSandbox, SandboxReset } from "../../sandbox/providers";
import { readMultipartWithBusboy } from "./busboy";

function toRequest(req: IncomingMessage, origin: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url ?? "/", origin), {
    method: req.method ?? "GET",
    headers,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
  } as RequestInit);
}

async function respond(req: IncomingMessage, res: ServerResponse, response: Response): Promise<void> {
  const headers = Object.fromEntries(response.headers);
  // Answering before the body is read (an auth failure, say) leaves the connection unusable for the next
  // request: close it, as real servers do.
  if (!req.readableEnded) headers.connection = "close";
  res.writeHead(response.status, headers);
  if (response.body) for await (const chunk of response.body) res.write(chunk);
  res.end();
}

/** Callbacks received, by sink name: what a backend's webhook endpoint would see. */
const callbacks = new Map<string, { headers: Record<string, string>; body: string }[]>();
let attempts = new Map<string, number>();

/**
 * POST /__callbacks/<name>[?fail=N][&failrate=p][&delay=ms][&redirect=URL] records a callback (failing the
 * first N attempts with 500, and then each with probability p, answering `delay` ms late; with redirect,
 * answering 302 to URL instead); a 500's body says so at length (what a log excerpt must bound);
 * GET /__callbacks/<name> lists the ones received.
 */
function callbackSink(req: IncomingMessage, res: ServerResponse): boolean {
  const url = new URL(req.url ?? "/", "http://x");
  const match = /^\/__callbacks\/([\w-]+)$/.exec(url.pathname);
  if (!match?.[1]) return false;
  const name = match[1];
  if (req.method === "GET") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(callbacks.get(name) ?? []));
    return true;
  }
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => {
    body += chunk;
  });
  req.on("end", async () => {
    // ?delay=ms: a slow backend (the answer comes that much later).
    await new Promise((r) => setTimeout(r, Number(url.searchParams.get("delay") ?? "0")));
    const attempt = (attempts.get(name) ?? 0) + 1;
    attempts.set(name, attempt);
    const unlucky = Math.random() < Number(url.searchParams.get("failrate") ?? "0");
    if (attempt <= Number(url.searchParams.get("fail") ?? "0") || unlucky) {
      res.writeHead(500).end(`not yet ${"!".repeat(2000)}`);
      return;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    callbacks.set(name, [...(callbacks.get(name) ?? []), { headers, body }]);
    const redirect = url.searchParams.get("redirect");
    if (redirect) res.writeHead(302, { location: redirect }).end();
    else res.writeHead(204).end();
  });
  return true;
}

export async function startEmulator(port = 0): Promise<{ url: string; server: Server }> {
  attempts = new Map();
  const server = createServer((req, res) => {
    if (callbackSink(req, res)) return;
    const origin = `http://${req.headers.host ?? "localhost"}`;
    handleSandbox(toRequest(req, origin), { readMultipart: readMultipartWithBusboy }).then(
      (response) => respond(req, res, response),
      (error) => {
        // A SandboxReset (or any crash) drops the connection: the gateway sees a reset, not an answer.
        if (!(error instanceof SandboxReset)) console.error("emulator crash", error);
        res.destroy();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${bound}`, server };
}
