// Answers decided while the client is still sending reach the client (http/linger.ts), with three real
// clients in their own processes or sockets: Node fetch (undici), curl and Python requests, under `npm start`.
// Each case is one the gateway used to lose: the connection closed under the client still sending
// ("fetch failed", curl's send failure, a Python ConnectionError) instead of the problem+json.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { curl as curlSender, nodeFetch, type Sender } from "./senders";
import { startGateway } from "./start";

const run = promisify(execFile);
const MiB = 1024 * 1024;
let base = "";
let stop: () => void = () => {};
const dir = mkdtempSync(join(tmpdir(), "mediagate-answers-"));

beforeAll(async () => {
  // Jimmy's own limit is 100 MiB; a request limit above it makes the refusal come after the form's head.
  ({ base, stop } = await startGateway({ MAX_REQUEST_BYTES: String(2 * 1024 * MiB) }));
}, 90_000);
afterAll(() => stop());

interface Answer {
  status: number;
  type: string;
  body: { code?: string; status?: number };
}

/** A body on disk: a multipart form with one file, or raw bytes. */
function multipartFile(name: string, filename: string, type: string, size: number) {
  const boundary = `----mediagate${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(
    `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\ncontent-type: ${type}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([head, Buffer.alloc(size, 0x5a), tail]));
  return { path, contentType: `multipart/form-data; boundary=${boundary}` };
}
function rawFile(name: string, size: number) {
  const path = join(dir, name);
  writeFileSync(path, Buffer.alloc(size, 0x33));
  return path;
}

type Client = (
  url: string,
  path: string,
  headers: Record<string, string>,
  method?: string,
) => Promise<Answer>;

/** A sender of ./senders.ts (Node fetch, curl: each streaming the file) as a Client: the body as JSON. */
const via =
  (send: Sender): Client =>
  async (url, path, headers, method = "POST") => {
    const sent = await send({ method, url, headers, path });
    if (sent.error !== undefined) throw new Error(sent.error);
    return { status: sent.status, type: sent.type, body: JSON.parse(sent.body) as Answer["body"] };
  };
const node = via(nodeFetch);
const curl = via(curlSender);

const python: Client = async (url, path, headers, method = "POST") => {
  const script = `
import json, sys, requests
url, path, method, headers = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
with open(path, "rb") as f:
    r = requests.request(method, url, data=f, headers=headers)
print(json.dumps({"status": r.status_code, "type": r.headers.get("content-type", ""), "body": r.json()}))
`;
  const { stdout } = await run("python3", ["-c", script, url, path, method, JSON.stringify(headers)], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout) as Answer;
};

const CLIENTS = { node, curl, python } as const;
const auth = { authorization: "Bearer dev-key" };

function expectProblem(answer: Answer, status: number, code: string) {
  expect(answer.type).toContain("application/problem+json");
  expect(answer.status).toBe(status);
  expect(answer.body.code).toBe(code);
}

describe("an answer decided while the client is still sending reaches it", () => {
  it.each(Object.keys(CLIENTS))(
    "%s: a Jimmy upload over 100 MiB (request limit 2 GiB) gets its 413 after the form's head",
    async (name) => {
      const form = multipartFile(`big-${name}.bin`, "photo.png", "image/png", 120 * MiB);
      const answer = await CLIENTS[name as keyof typeof CLIENTS](
        `${base}/v1/providers/jimmy/files`,
        form.path,
        {
          ...auth,
          "content-type": form.contentType,
        },
      );
      expectProblem(answer, 413, "file_too_large");
    },
    120_000,
  );

  it.each(Object.keys(CLIENTS))(
    "%s: a provider that fails after the first bytes of 8 MiB: the 502 arrives",
    async (name) => {
      const path = rawFile(`reset-${name}.mp4`, 8 * MiB);
      const answer = await CLIENTS[name as keyof typeof CLIENTS](
        `${base}/v1/providers/useapi/files?filename=clip.mp4&account=sandbox-reset`,
        path,
        { ...auth, "content-type": "video/mp4" },
      );
      expectProblem(answer, 502, "provider_error");
    },
    120_000,
  );

  it("node, curl, python: the second of two concurrent PUTs of 3 MB to one signed URL gets its 409", async () => {
    const created = await fetch(`${base}/v1/uploads`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ provider: "useapi", filename: "clip.mp4" }),
    });
    expect(created.status).toBe(201);
    const { upload_url } = (await created.json()) as { upload_url: string };
    const size = 3_000_000;
    // The first PUT: its head and 64 KiB sent, then held open (it holds the URL's claim).
    const url = new URL(upload_url);
    const first = httpRequest(url, {
      method: "PUT",
      headers: { "content-type": "video/mp4", "content-length": String(size) },
    });
    first.on("error", () => {});
    first.write(Buffer.alloc(64 * 1024, 1));
    await new Promise((r) => setTimeout(r, 1500));
    const path = rawFile("second.mp4", size);
    try {
      for (const client of Object.values(CLIENTS)) {
        const answer = await client(upload_url, path, { "content-type": "video/mp4" }, "PUT");
        expectProblem(answer, 409, "token_used");
      }
    } finally {
      first.destroy();
    }
  }, 120_000);

  it("node, curl, python: a dedupe hit answered before the body is read still reaches a client sending 48 MiB", async () => {
    // Fresh bytes each run (the local registry keeps earlier runs' files).
    const path = join(dir, "repeat.mp4");
    writeFileSync(path, Buffer.concat([randomBytes(32), Buffer.alloc(48 * MiB, 0x44)]));
    const digest = createHash("sha256").update(readFileSync(path)).digest("base64");
    const headers = { ...auth, "content-type": "video/mp4", "repr-digest": `sha-256=:${digest}:` };
    const url = `${base}/v1/providers/useapi/files?filename=clip.mp4`;
    const first = await node(url, path, headers);
    expect(first.status).toBe(201);
    for (const client of Object.values(CLIENTS)) {
      const answer = await client(url, path, headers);
      expect(answer).toMatchObject({ status: 200, body: { deduplicated: true } });
      expect(answer.type).toContain("application/json");
    }
  }, 120_000);
});
