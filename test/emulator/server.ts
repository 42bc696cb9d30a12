// The provider emulator for tests: the sandbox handler (sandbox/providers.ts) behind a real Node HTTP
// server, so the gateway under test talks HTTP to something that can also drop a connection mid-upload.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { handleSandbox, SandboxReset } from "../../sandbox/providers";

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

export async function startEmulator(port = 0): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const origin = `http://${req.headers.host ?? "localhost"}`;
    handleSandbox(toRequest(req, origin)).then(
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
