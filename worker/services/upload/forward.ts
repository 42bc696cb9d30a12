// One upload, end to end: validated intake → metered stream → adapter → normalized result.
// Precedence when things fail: the incoming body's failure (disconnect, malformed, mis-sized) over the
// provider's answer, because a broken body is why the provider saw a broken request.

import { bodyError, GatewayError, type SizeLimit } from "../../core/errors";
import type { ChunkSource } from "../../core/stages";
import { adapter } from "../../providers/adapters";
import type { ProviderConfig } from "../../providers/config";
import { toGatewayError } from "../../providers/failure";
import type { ProviderId } from "../../providers/kit/capability";
import type { Delivered } from "../../providers/kit/types";
import { capability } from "../../providers/table";
import { meter, type Watch } from "./meter";
import type { Options, ValidatedFile } from "./validate";

export interface ForwardRequest {
  readonly provider: ProviderId;
  readonly config: ProviderConfig;
  readonly file: ValidatedFile;
  readonly options: Options;
  /** The file's bytes (the stage before: core/stages.ts). */
  readonly stream: ChunkSource;
  /** The most file bytes allowed: counting past it fails the stream, which aborts the provider's request. */
  readonly limit?: SizeLimit;
  /** How long to wait for the provider's answer after the last byte is sent. */
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
  /** Idle timeout, progress and cancellation of the incoming body. */
  readonly watch?: Watch;
}

export interface Forwarded {
  readonly delivered: Delivered;
  readonly sha256: string;
  /** The file's exact size, counted. */
  readonly size: number;
}

export async function forward(req: ForwardRequest): Promise<Forwarded> {
  const { size, slack } = req.file;
  const cap = capability(req.provider);
  const name = cap.name;
  // A raw upstream body can't absorb a multipart upload's 2-byte uncertainty (providers/kit/encode.ts pads multipart
  // ones), nor can a multi-step upload that declares its size first (exactAboveBytes), so they commit to the
  // CRLF-terminated reading and refuse a body that turns out otherwise.
  const exact = cap.body === "raw" || (cap.exactAboveBytes !== undefined && size > cap.exactAboveBytes);
  const upper = exact ? size - slack : size;
  const metered = meter(
    req.stream,
    {
      min: size - slack,
      max: upper,
      ...(req.limit ? { limit: req.limit } : {}),
      ...(exact && slack
        ? {
            overflowHint:
              "The multipart body must end with CRLF after its closing boundary; or send the file as a raw body.",
          }
        : {}),
    },
    req.watch,
  );
  const providerError = (code: "provider_timeout" | "provider_error", detail: string) =>
    new GatewayError(code, `${name}: ${detail}`, { extras: { provider: req.provider } });
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The clock starts once the provider has every byte: upload time scales with size, answers should not.
  // The timeout's error is made only when it fires: an Error captures its stack when constructed.
  metered.done.then(
    () => {
      timer = setTimeout(() => {
        const detail = `no answer within ${req.timeoutMs} ms of the last byte.`;
        controller.abort(providerError("provider_timeout", detail));
      }, req.timeoutMs);
    },
    () => {
      // Only the incoming body's own failures abort the call; a cancellation from the provider's side
      // surfaces as the call's own failure.
      const broken = metered.failure();
      if (broken !== undefined) controller.abort(bodyError(broken));
    },
  );
  try {
    const result = await adapter(req.provider).upload({
      file: {
        name: req.file.name,
        type: req.file.mimeType,
        size: upper,
        slack: upper - (size - slack),
        stream: metered.reader,
      },
      options: req.options,
      config: req.config,
      fetch: req.fetch,
      signal: controller.signal,
    });
    const broken = metered.failure();
    if (broken !== undefined) throw bodyError(broken);
    if (result.error) throw toGatewayError(req.provider, result.error);
    // A provider that answers success before reading every byte has not received the file.
    const early = () =>
      Promise.reject(providerError("provider_error", "answered before receiving the whole file."));
    await Promise.race([
      metered.done.catch(early),
      scheduler.wait(req.timeoutMs, { signal: controller.signal }).then(early),
    ]);
    return { delivered: result.data, sha256: await metered.sha256, size: metered.bytes() };
  } catch (error) {
    const broken = metered.failure();
    throw broken !== undefined ? bodyError(broken) : error;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    // Stop reading the client if the provider answered early (an error before the body was done).
    if (!controller.signal.aborted) controller.abort(new Error("upload finished"));
  }
}
