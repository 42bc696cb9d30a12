// Request ids and structured logs, in workerd through the gateway's fetch handler: every answer carries
// X-Request-Id (a valid incoming one kept, else one minted), every problem its request_id — from the router,
// from an upload's Durable Object, from a lingering refusal — and every log line is one JSON object with the
// id, never a key or a token. The Worker and its Durable Objects log in this isolate, so the console is read
// here as it is written.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LIMITS } from "../worker/core/limits";
import { log } from "../worker/core/log";
import { call, KEY, marker, mintTicket, multipartRequest, problemOf, randomBytes, resultOf } from "./helpers";
import { created, MiB, patch, TUS } from "./tus/helpers";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const id = () => `req-${crypto.randomUUID()}`;
const auth = { authorization: `Bearer ${KEY}` };

/** Every line the gateway wrote to the console during a test, as written. */
let lines: string[] = [];
beforeEach(() => {
  lines = [];
  for (const level of ["log", "warn", "error"] as const)
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    });
});
afterEach(() => vi.restoreAllMocks());

/** The lines of request `rid`, each parsed (a line that is not one JSON object fails the test). */
const logOf = (rid: string) => parsed().filter((l) => l.request_id === rid);
const parsed = () =>
  lines.map((line) => {
    const value = JSON.parse(line) as Record<string, unknown>;
    expect(value, line).toBeTypeOf("object");
    return value;
  });

/** The answer's id, and its problem's (equal), after checking the problem. */
async function problemId(res: Response, status: number, code: Parameters<typeof problemOf>[2]) {
  const header = res.headers.get("x-request-id");
  const problem = await problemOf(res, status, code);
  expect(problem.request_id).toBe(header);
  return header;
}

const health = (headers: Record<string, string> = {}) => call(new Request("http://gw/healthz", { headers }));

describe("X-Request-Id", () => {
  it("a valid incoming id is kept, on a success", async () => {
    const rid = id();
    const res = await health({ "x-request-id": rid });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe(rid);
    const longest = "a".repeat(LIMITS.requestIdLength);
    expect((await health({ "x-request-id": longest })).headers.get("x-request-id")).toBe(longest);
    const shapes = ["01HZX3K9Q8W7E6R5T4Y3U2I1O0", "Root=1-67891233-abcdef012345678912345678", "a_b.c:d+e/f"];
    for (const given of shapes)
      expect((await health({ "x-request-id": given })).headers.get("x-request-id")).toBe(given);
  });

  it("one is minted when none is sent, a new one per request", async () => {
    const [a, b] = [await health(), await health()].map((r) => r.headers.get("x-request-id") ?? "");
    expect(a).toMatch(UUID);
    expect(b).toMatch(UUID);
    expect(a).not.toBe(b);
  });

  it.each([
    ["too long", "a".repeat(LIMITS.requestIdLength + 1)],
    ["a space", "abc def"],
    ["a quote", 'abc"def'],
    ["markup", "<script>"],
    ["a comma (two ids folded)", "abc,def"],
    ["a semicolon", "abc;def"],
    ["a backslash", "abc\\\\def"],
  ])("an invalid one (%s) is refused and replaced", async (_why, given) => {
    const res = await health({ "x-request-id": given });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(UUID);
  });

  it("an empty one is replaced", async () => {
    const res = await health({ "x-request-id": "" });
    expect(res.headers.get("x-request-id")).toMatch(UUID);
  });
});

describe("every problem carries the request's id", () => {
  it("the router's problems: no route, no key", async () => {
    const rid = id();
    const unknown = await call(
      new Request("http://gw/v1/nowhere", { headers: { ...auth, "x-request-id": rid } }),
    );
    expect(await problemId(unknown, 404, "not_found")).toBe(rid);
    const minted = await call(new Request("http://gw/v1/files"));
    expect(await problemId(minted, 401, "unauthorized")).toMatch(UUID);
  });

  it("a problem the upload's Durable Object renders (a PATCH of an unknown upload), under the Worker's id", async () => {
    const rid = id();
    const location = `http://gw/v1/tus/${crypto.randomUUID()}`;
    const res = await patch(location, 0, new Uint8Array(10), 10, { "x-request-id": rid });
    expect(await problemId(res, 404, "not_found")).toBe(rid);
    expect(res.headers.get("tus-resumable")).toBe("1.0.0");
    // HEAD has no body: the header alone.
    const head = await call(
      new Request(location, { method: "HEAD", headers: { ...TUS, ...auth, "x-request-id": rid } }),
    );
    expect(head.status).toBe(404);
    expect(head.headers.get("x-request-id")).toBe(rid);
  });

  it("a client's id under the Durable Object's own header name is overwritten by the Worker's", async () => {
    // An invalid id the client sends is replaced before the request reaches the object: the object's
    // problem carries the minted id, never the client's.
    const res = await patch(`http://gw/v1/tus/${crypto.randomUUID()}`, 0, new Uint8Array(10), 10, {
      "x-request-id": "not valid",
    });
    const rid = await problemId(res, 404, "not_found");
    expect(rid).toMatch(UUID);
  });

  it("a failed delivery the object answers a PATCH with (a single provider failing)", async () => {
    const bytes = randomBytes(3000);
    const name = `${marker("rid")}-sandbox-flaky.png`;
    const { location } = await created(
      { provider: "jimmy", filename: name, filetype: "image/png" },
      bytes.length,
    );
    const rid = id();
    const res = await patch(location, 0, bytes, bytes.length, { "x-request-id": rid });
    expect(await problemId(res, 502, "provider_error")).toBe(rid);
  });

  it("a used ticket (the object's refusal, rethrown by the Worker)", async () => {
    const t = await mintTicket({ provider: "jimmy", filename: "a.png" });
    const put = (headers: Record<string, string> = {}) =>
      call(
        new Request(t.upload_url, {
          method: "PUT",
          headers: { "content-type": "image/png", "content-length": "100", ...headers },
          body: randomBytes(100),
        }),
      );
    await resultOf(await put());
    const rid = id();
    expect(await problemId(await put({ "x-request-id": rid }), 409, "token_used")).toBe(rid);
    expect(JSON.stringify(lines)).not.toContain(new URL(t.upload_url).searchParams.get("token"));
  });

  it("a lingering refusal: the answer waits for the drained body and still carries the id", async () => {
    const total = 4 * MiB;
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (pulled >= total) return controller.close();
          const n = Math.min(MiB, total - pulled);
          pulled += n;
          controller.enqueue(new Uint8Array(n));
        },
      },
      { highWaterMark: 0 },
    );
    const rid = id();
    const res = await call(
      new Request("http://gw/v1/providers/nosuch/files", {
        method: "POST",
        headers: {
          ...auth,
          "content-type": "image/png",
          "content-length": String(total),
          "x-request-id": rid,
        },
        body,
      }),
    );
    expect(await problemId(res, 404, "unknown_provider")).toBe(rid);
    expect(pulled).toBe(total);
  });
});

describe("browsers", () => {
  it("may send an id (preflight) and read the answer's (exposed)", async () => {
    const origin = "https://app.example";
    const env = { ALLOWED_ORIGINS: origin };
    const preflight = await call(
      new Request("http://gw/v1/tus", {
        method: "OPTIONS",
        headers: { origin, "access-control-request-headers": "x-request-id" },
      }),
      env,
    );
    expect(preflight.headers.get("access-control-allow-headers")).toContain("x-request-id");
    const res = await call(
      new Request("http://gw/v1/tus/nothing", { method: "HEAD", headers: { ...TUS, ...auth, origin } }),
      env,
    );
    expect(res.headers.get("access-control-expose-headers")).toContain("x-request-id");
  });
});

describe("log lines", () => {
  it("one JSON access line per request: route, method, status, provider, bytes, duration, owner prefix", async () => {
    const rid = id();
    const request = await multipartRequest("jimmy", { headers: { "x-request-id": rid } });
    const length = Number(request.headers.get("content-length"));
    await resultOf(await call(request));
    const access = logOf(rid).filter((l) => l.msg === "request");
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      level: "info",
      method: "POST",
      route: "/v1/providers/:provider/files",
      status: 201,
      provider: "jimmy",
      bytes_received: length,
    });
    expect(access[0]?.duration_ms).toBeTypeOf("number");
    expect(access[0]?.owner).toMatch(/^[0-9a-z_-]{1,8}$/i);
  });

  it("a problem's cause is logged as JSON under the request's id; no key, token or signed query in any line", async () => {
    const rid = id();
    const name = `${marker("rid")}-sandbox-flaky.png`;
    const res = await call(
      await multipartRequest("jimmy", { filename: name, headers: { "x-request-id": rid } }),
    );
    await problemId(res, 502, "provider_error");
    const mine = logOf(rid);
    expect(mine.map((l) => l.msg)).toEqual(["problem cause", "request"]);
    expect(mine[0]).toMatchObject({ level: "warn", code: "provider_error" });
    expect(mine[1]).toMatchObject({ level: "info", status: 502, provider: "jimmy" });

    // A signed upload and a tus upload by token: their lines name routes, never the token.
    const t = await mintTicket({ provider: "jimmy", filename: "b.png" });
    const token = new URL(t.upload_url).searchParams.get("token") ?? "";
    const put = new Request(t.upload_url, {
      method: "PUT",
      headers: { "content-type": "image/png", "content-length": "100", "x-request-id": `${rid}-put` },
      body: randomBytes(100),
    });
    await resultOf(await call(put));
    expect(logOf(`${rid}-put`)).toMatchObject([
      { msg: "request", route: "/v1/uploads/:id/file", status: 201, provider: "jimmy", bytes_received: 100 },
    ]);
    const all = lines.join("\n");
    expect(all).not.toContain(KEY);
    expect(all).not.toContain(token);
    expect(all).not.toContain("token=");
    expect(parsed().length).toBe(lines.length);
  });

  it("a tus PATCH's line counts the bytes it forwarded to the upload's object", async () => {
    const bytes = randomBytes(5000);
    const { location } = await created(
      { provider: "jimmy", filename: "c.png", filetype: "image/png" },
      bytes.length,
    );
    const rid = id();
    expect((await patch(location, 0, bytes, bytes.length, { "x-request-id": rid })).status).toBe(204);
    expect(logOf(rid)).toMatchObject([
      { msg: "request", method: "PATCH", route: "/v1/tus/:id", status: 204, bytes_received: 5000 },
    ]);
  });

  it("a logged error's text loses URL queries and Bearer credentials, and is cut", () => {
    const error = new Error(
      `fetch https://gw.example/v1/uploads/u1/file?token=secret-token failed: Bearer sk-live-123; ${"x".repeat(5000)}`,
    );
    log("warn", "probe", { request_id: "probe-1", error });
    const [line] = parsed();
    expect(line).toMatchObject({ level: "warn", msg: "probe", request_id: "probe-1" });
    const message = (line?.error as { message: string } | undefined)?.message ?? "";
    expect(message).toMatch(/^fetch https:\/\/gw\.example\/v1\/uploads\/u1\/file\?… failed: Bearer …;/);
    expect(lines[0]).not.toMatch(/secret-token|sk-live-123/);
    expect(message.length).toBeLessThanOrEqual(LIMITS.logTextChars + 1);
  });
});
