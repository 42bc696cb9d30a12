// One conformance suite every provider adapter passes (as tus-node-server runs one suite over every store):
// the same cases, each adapter against the emulator's rendition of its provider.
import { describe, expect, it } from "vitest";
import { SANDBOX_KEYS } from "../sandbox/providers";
import { adapter } from "../worker/providers/adapters";
import type { ProviderId } from "../worker/providers/kit/capability";
import type { AdapterResult, ProviderFailureCode } from "../worker/providers/kit/types";
import { capability, PROVIDER_IDS } from "../worker/providers/table";
import { emulatorUrl, marker, randomBytes, receivedWith, SAMPLES, sha256 } from "./helpers";

/** Where the emulator serves each provider: its folder's dev wiring. */
const BASE = (provider: ProviderId) => capability(provider).dev.sandboxPath;

/** In-band errors: a failure inside an HTTP 200 where the provider has that dialect. */
const IN_BAND = (provider: ProviderId): { code: ProviderFailureCode; status: number } => ({
  code: "provider_error",
  status: capability(provider).dev.inBandStatus,
});

interface Run {
  result: AdapterResult;
  mark: string;
  bytes: Uint8Array;
}

/** Uploads through one adapter; `scenario` makes the emulator misbehave (see sandbox/providers.ts). */
async function run(
  provider: ProviderId,
  opts: { scenario?: string; apiKey?: string; baseUrl?: string } = {},
): Promise<Run> {
  const sample = SAMPLES[provider];
  const mark = opts.scenario ? `${marker(provider)}-sandbox-${opts.scenario}` : marker(provider);
  const bytes = randomBytes(200_000);
  const options = provider === "useapi" ? { ...sample.fields, account: mark } : sample.fields;
  const result = await adapter(provider).upload({
    file: {
      name: `${mark}.${sample.ext}`,
      type: sample.type,
      size: bytes.length,
      stream: new Blob([bytes]).stream(),
    },
    options,
    config: {
      apiKey: opts.apiKey ?? SANDBOX_KEYS[provider],
      baseUrl: opts.baseUrl ?? `${emulatorUrl()}${BASE(provider)}`,
      defaults: {},
      // As the tests' env sets ALLOW_PRIVATE_NETWORK: fal's signed upload_url is on the emulator (127.0.0.1).
      allowPrivateNetwork: true,
    },
    fetch: (input, init) => fetch(input, init),
    signal: new AbortController().signal,
  });
  return { result, mark, bytes };
}

describe.each(PROVIDER_IDS)("adapter conformance: %s", (provider) => {
  it("delivers every byte with an exact Content-Length and normalizes the answer", async () => {
    const { result, mark, bytes } = await run(provider);
    expect(result.error).toBeUndefined();
    expect(result.data?.reference).toBeTypeOf("string");
    expect(result.data?.reference.length).toBeGreaterThan(0);
    expect(result.data?.response).toBeTypeOf("object");
    const [seen] = await receivedWith(mark);
    expect(seen).toMatchObject({ complete: true, bytes: bytes.length, sha256: await sha256(bytes) });
    expect(seen?.contentLength).toBeGreaterThanOrEqual(bytes.length);
  });

  it("turns the provider refusing our key into provider_auth_failed, never a success", async () => {
    const { result } = await run(provider, { apiKey: "wrong" });
    expect(result.error).toMatchObject({ code: "provider_auth_failed" });
    expect(result.error?.detail).toBeTypeOf("string");
  });

  it("turns a rate limit into provider_rate_limited (with Retry-After where given)", async () => {
    const { result } = await run(provider, { scenario: "rate-limit" });
    expect(result.error?.code, JSON.stringify(result.error)).toBe("provider_rate_limited");
    if (provider === "minimax") expect(result.error?.providerCode).toBe(1002);
    else expect(result.error).toMatchObject({ status: 429, retryAfter: "7" });
  });

  it("turns an HTTP 500 into provider_error with the status", async () => {
    const { result } = await run(provider, { scenario: "server-error" });
    expect(result.error).toMatchObject({ code: "provider_error", status: 500 });
  });

  it("treats a failure inside a success status as a failure", async () => {
    const { result } = await run(provider, { scenario: "in-band-error" });
    expect(result.data).toBeUndefined();
    expect(result.error).toMatchObject(IN_BAND(provider));
    // Inside an HTTP 200 only the provider's own code tells a failure (fal and Replicate have none: a 500).
    if (IN_BAND(provider).status === 200) expect(result.error?.providerCode).toBeDefined();
  });

  it("turns an answer that is not JSON into provider_error", async () => {
    const { result } = await run(provider, { scenario: "not-json" });
    expect(result.error?.code).toBe("provider_error");
  });

  it("turns a dropped connection into provider_error", async () => {
    const { result } = await run(provider, { scenario: "reset" });
    expect(result.error).toMatchObject({ code: "provider_error" });
    expect(result.error?.detail).toMatch(/connection/i);
  });

  it("turns an unreachable provider into provider_error", async () => {
    const { result } = await run(provider, { baseUrl: "http://127.0.0.1:9" });
    expect(result.error?.code).toBe("provider_error");
  });
});
