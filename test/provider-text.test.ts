// A provider's own text never reaches a client through a problem: not a non-JSON body, not a stack trace
// with the provider's file paths, not fields its spec doesn't define. Problems carry structured provider
// fields (provider, provider_status, provider_code, provider_message where the spec defines a message,
// cleaned and capped) and our own sentence as detail; the raw answer goes to the logs. Problems reach
// keyless clients too: signed upload URLs are readable cross-origin.
import { afterEach, describe, expect, it, vi } from "vitest";
import { problemResponse } from "../worker/core/errors";
import { adapter } from "../worker/providers/adapters";
import { PROVIDER_TEXT_MAX, toGatewayError } from "../worker/providers/failure";
import type { ProviderId } from "../worker/providers/kit/capability";
import type { AdapterResult } from "../worker/providers/kit/types";
import { capability, PROVIDER_IDS } from "../worker/providers/table";
import {
  call,
  KEY,
  marker,
  multipartRequest,
  type Problem,
  problemOf,
  randomBytes,
  rawRequest,
  SAMPLES,
} from "./helpers";

const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Our sentence for a provider's failure, naming the step first where its upload takes several. */
const failedThe = (provider: ProviderId, detail: string) =>
  new RegExp(
    `^${literally(capability(provider).name)} failed the upload \\((?:[a-z][a-z ]*(?: \\d+ of \\d+)?: )?${literally(detail)}\\)\\.$`,
  );

/** The members a provider problem may have: ours (the request's id among them), and the structured provider fields. */
const ALLOWED = [
  "type",
  "title",
  "status",
  "detail",
  "code",
  "instance",
  "request_id",
  "provider",
  "provider_status",
  "provider_code",
  "provider_message",
];

/** Checks a problem carries nothing but the allowed members, each free of `leaks`, except provider_message. */
function expectClean(problem: Problem, leaks: RegExp) {
  for (const key of Object.keys(problem)) expect(ALLOWED, `unexpected member ${key}`).toContain(key);
  const { provider_message: message, ...rest } = problem;
  expect(JSON.stringify(rest)).not.toMatch(leaks);
  if (message !== undefined) {
    expect(Array.from(message).length).toBeLessThanOrEqual(PROVIDER_TEXT_MAX);
    expect(message).not.toMatch(/\p{Cc}/u);
  }
}

/** The gateway's upload request for `provider` with the emulator's `scenario`. */
async function scenarioRequest(provider: ProviderId, scenario: string): Promise<Request> {
  const sample = SAMPLES[provider];
  const mark = `${marker(provider)}-sandbox-${scenario}`;
  if (provider === "useapi")
    return rawRequest(provider, { filename: "a.png", type: sample.type, fields: { account: mark } });
  return multipartRequest(provider, {
    filename: `${mark}.${sample.ext}`,
    type: sample.type,
    fields: sample.fields,
  });
}

describe("through the gateway, against the emulator", () => {
  it.each(PROVIDER_IDS)("%s: an answer that is not JSON is never reflected", async (provider) => {
    const problem = await problemOf(
      await call(await scenarioRequest(provider, "not-json")),
      502,
      "provider_error",
    );
    expectClean(problem, /<html|<body|Bad Gateway|Unexpected token|SyntaxError/i);
    expect(problem.detail).toMatch(failedThe(provider, "answered with a body that is not JSON"));
    expect(problem.provider).toBe(provider);
    expect(problem.provider_message).toBeUndefined();
  });

  it("MiniMax's in-band failure: our sentence from our table, its status_msg as provider_message", async () => {
    const problem = await problemOf(
      await call(await scenarioRequest("minimax", "in-band-error")),
      502,
      "provider_error",
    );
    expect(problem).toMatchObject({
      detail: "MiniMax failed the upload (base_resp 1026: content flagged as sensitive).",
      provider: "minimax",
      provider_status: 200,
      provider_code: 1026,
      provider_message: "sensitive content",
    });
  });

  it("an answer without end is refused once past LIMITS.providerAnswerBytes, never parsed or echoed", async () => {
    for (const provider of ["jimmy", "dify"] as const) {
      const res = await call(
        rawRequest(provider, { filename: `${marker()}-sandbox-huge-answer.png`, type: "image/png" }),
      );
      const problem = await problemOf(res, 502, "provider_error");
      expect(problem.detail).toMatch(/answered with more than 262144 bytes\)\.$/);
      expectClean(problem, /aaaaaaaa/);
    }
  });

  it("a keyless upload through a signed URL gets the same clean problem", async () => {
    const created = await call(
      new Request("http://gw/v1/uploads", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
        body: JSON.stringify({ provider: "jimmy", filename: `${marker()}-sandbox-not-json.png` }),
      }),
    );
    expect(created.status).toBe(201);
    const { upload_url } = (await created.json()) as { upload_url: string };
    const bytes = randomBytes(5000);
    const res = await call(
      new Request(upload_url, {
        method: "PUT",
        headers: {
          "content-type": "image/png",
          "content-length": String(bytes.length),
          origin: "https://app.example",
        },
        body: bytes,
      }),
    );
    const problem = await problemOf(res, 502, "provider_error");
    expectClean(problem, /<html|<body|Bad Gateway|Unexpected token|SyntaxError/i);
    expect(problem.detail).toBe("Jimmy AI failed the upload (answered with a body that is not JSON).");
  });
});

/** A stack trace with the provider's file paths, as a crashing provider prints it. */
const STACK =
  "Error: ENOENT: no such file or directory, open '/srv/provider/uploads/tmp/4f2a'\n" +
  "    at Object.openSync (node:fs:573:3)\n" +
  "    at UploadService.save (/srv/provider/src/upload/service.js:88:17)\n" +
  "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)";
const LEAKS = /ENOENT|\/srv\/provider|service\.js|openSync|node:fs|task_queues/;

/** What console.warn was given, as text: errors with their message, objects as JSON. */
const logged = (calls: unknown[][]) =>
  JSON.stringify(calls, (_key, value) =>
    value instanceof Error ? `${value.name}: ${value.message}` : value,
  );

/** The provider's side of the wire: reads our whole request, then answers `answer`. */
const answering =
  (answer: () => Response): typeof fetch =>
  async (input, init) => {
    await new Request(input, init).arrayBuffer();
    return answer();
  };

const text = (status: number, body: string) =>
  new Response(body, { status, headers: { "content-type": "text/plain" } });
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

async function upload(provider: ProviderId, providerFetch: typeof fetch): Promise<AdapterResult> {
  const sample = SAMPLES[provider];
  const bytes = randomBytes(3000);
  return adapter(provider).upload({
    file: {
      name: `a.${sample.ext}`,
      type: sample.type,
      size: bytes.length,
      stream: new Blob([bytes]).stream(),
    },
    options: sample.fields,
    config: { apiKey: "k", baseUrl: "https://provider.test/base", defaults: {} },
    fetch: providerFetch,
    signal: new AbortController().signal,
  });
}

/** Each provider's failure in its own dialect, its spec-defined message field holding `message`. */
const IN_ITS_MESSAGE_FIELD: Record<ProviderId, (message: string) => Response> = {
  jimmy: (msg) => json(200, { code: 50001, msg }),
  dify: (message) => json(400, { status: 400, code: "invalid_param", message }),
  minimax: (status_msg) => json(200, { base_resp: { status_code: 2013, status_msg } }),
  useapi: (error) => json(200, { error, code: 400 }),
  wavespeed: (message) => json(200, { code: 400, message }),
  openai: (message) =>
    json(400, { error: { message, type: "invalid_request_error", param: null, code: null } }),
  gemini: (message) => json(400, { error: { code: 400, message, status: "INVALID_ARGUMENT" } }),
  fal: (detail) => json(400, { detail }),
  replicate: (detail) => json(400, { title: "Bad Request", detail, status: 400 }),
};

/**
 * Providers whose failures carry `detail` as their message (fal's FastAPI bodies, Replicate's problem+json) and
 * no code of their own: the status is the code.
 */
const DETAIL_ONLY = new Set<ProviderId>(["fal", "replicate"]);

describe.each(PROVIDER_IDS)("%s answering a stack trace (the provider's side of the wire)", (provider) => {
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  afterEach(() => warn.mockClear());

  /** The adapter's failure as the client sees it, after checking the raw answer went to the logs. */
  async function problemFor(answer: () => Response, status: number, code: Problem["code"]) {
    const result = await upload(provider, answering(answer));
    expect(result.error, JSON.stringify(result.data)).toBeDefined();
    if (!result.error) throw new Error("no failure");
    expect(result.error.detail).not.toMatch(LEAKS);
    const response = problemResponse(toGatewayError(provider, result.error));
    // The raw answer (or, for an unparseable success, the parse error quoting it) is logged.
    expect(logged(warn.mock.calls)).toMatch(/ENOENT|"Error: ENO/);
    return problemOf(response, status, code);
  }

  it("as a text/plain HTTP 500: our sentence, the status, nothing of the body", async () => {
    const problem = await problemFor(() => text(500, STACK), 502, "provider_error");
    expectClean(problem, LEAKS);
    expect(problem.detail).toMatch(failedThe(provider, "HTTP 500: server error"));
    expect(problem).toMatchObject({ provider, provider_status: 500 });
    expect(problem.provider_message).toBeUndefined();
  });

  it("as a text/plain HTTP 200 (an unparseable success)", async () => {
    const problem = await problemFor(() => text(200, STACK), 502, "provider_error");
    expectClean(problem, LEAKS);
    expect(problem.provider_message).toBeUndefined();
  });

  it("in JSON fields its spec does not define", async () => {
    const problem = await problemFor(
      () =>
        json(503, {
          trace: STACK,
          error_description: STACK,
          ...(DETAIL_ONLY.has(provider) ? { message: STACK } : { detail: STACK }),
        }),
      502,
      "provider_error",
    );
    expectClean(problem, LEAKS);
    expect(problem.provider_message).toBeUndefined();
  });

  it("in its spec's message field: provider_message only, without control characters, capped", async () => {
    const long = `${STACK}\u0000\u001b[31m\u202e${"x".repeat(500)}`;
    const problem = await problemFor(() => IN_ITS_MESSAGE_FIELD[provider](long), 502, "provider_error");
    expectClean(problem, LEAKS);
    expect(problem.provider_message).toMatch(/^Error: ENOENT: no such file or directory/);
    expect(Array.from(problem.provider_message ?? "")).toHaveLength(PROVIDER_TEXT_MAX);
    expect(problem.provider_message).not.toMatch(/[\n\u202e]/u);
    if (!DETAIL_ONLY.has(provider)) expect(problem.provider_code).toBeDefined();
  });
});
