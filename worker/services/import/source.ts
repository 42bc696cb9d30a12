// Fetching an import's source: the guard (core/url-guard.ts) on the URL and on every redirect, a deadline
// for the source's headers, and a hold on its body while it streams (its declared length, the size limit,
// an idle timeout). Every failure is the source's problem, never a 5xx of ours, and its body never reaches
// the caller: only its status does.
import { chunkReader } from "../../core/bytes";
import { GatewayError, type SizeLimit, tooLarge } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import { checkUrl, importPolicy } from "../../core/url-guard";

export const MAX_REDIRECTS = LIMITS.importRedirects;

export interface Source {
  /** The URL the body came from, after redirects. */
  readonly url: URL;
  readonly response: Response;
  readonly body: ReadableStream<Uint8Array>;
  /** Content-Length, when the source declared one (its body is never content-coded: identity only). */
  readonly length: number | undefined;
}

const refused = (rule: string, detail: string) =>
  new GatewayError("source_refused", detail, { extras: { rule: rule as never } });

/**
 * Fetches `input`, following at most MAX_REDIRECTS redirects by hand, each checked as the first URL was.
 * The headers (of every hop) must arrive within `timeoutMs`.
 */
export async function fetchSource(
  input: string,
  options: { allowPrivate: boolean; timeoutMs: number },
): Promise<Source> {
  const check = (url: string, hop: number) => {
    const verdict = checkUrl(url, importPolicy(options.allowPrivate));
    if (verdict.ok) return verdict.url;
    const which = hop === 0 ? "The import URL" : `Redirect ${hop} (to ${url.slice(0, 200)})`;
    throw refused(verdict.rule, `${which} ${verdict.reason}.`);
  };
  let url = check(input, 0);
  const controller = new AbortController();
  const timeout = new GatewayError(
    "source_timeout",
    `The source sent no answer within ${options.timeoutMs} ms.`,
  );
  const timer = setTimeout(() => controller.abort(timeout), options.timeoutMs);
  try {
    for (let hop = 0; ; hop++) {
      let response: Response;
      try {
        response = await fetch(url, {
          redirect: "manual",
          signal: controller.signal,
          headers: { "accept-encoding": "identity", "user-agent": "mediagate-import" },
          // The body as sent: the runtime would otherwise inflate a gzip or br body whatever we asked for
          // (https://developers.cloudflare.com/workers/runtime-apis/request/#the-requestinit-object), and an
          // encoded body is refused below, unread.
          encodeResponseBody: "manual",
        });
      } catch (error) {
        if (controller.signal.aborted) throw timeout;
        throw new GatewayError("source_failed", `The source could not be reached (${url.host}).`, {
          cause: error,
        });
      }
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel().catch(() => {});
        if (hop + 1 > MAX_REDIRECTS)
          throw refused("redirects", `The source redirected more than ${MAX_REDIRECTS} times.`);
        let next: string;
        try {
          next = new URL(location, url).href;
        } catch {
          throw new GatewayError("source_failed", "The source redirected to something that is not a URL.", {
            extras: { source_status: response.status },
          });
        }
        url = check(next, hop + 1);
        continue;
      }
      if (!response.ok || response.body === null) {
        // Only the status travels: the source's body (an error page, someone's internal answer) is dropped.
        await response.body?.cancel().catch(() => {});
        throw new GatewayError(
          "source_failed",
          response.ok ? "The source answered with no body." : `The source answered HTTP ${response.status}.`,
          { extras: { source_status: response.status } },
        );
      }
      // Identity only, as asked: decoded, a few KiB of gzip can be gigabytes (a decompression bomb), so
      // neither the source's Content-Length nor its bytes on the wire would bound what it delivers; and
      // media gains nothing from a content coding.
      const coding = response.headers.get("content-encoding");
      if (coding !== null && coding.trim().toLowerCase() !== "identity") {
        await response.body.cancel().catch(() => {});
        throw new GatewayError(
          "source_failed",
          `The source sent its body with Content-Encoding "${coding.slice(0, 40)}" though only identity was accepted; serve the file unencoded.`,
        );
      }
      const header = response.headers.get("content-length");
      const length = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
      return { url, response, body: response.body, length };
    }
  } finally {
    clearTimeout(timer);
  }
}

export interface Hold {
  /** The source's declared length: fewer bytes, or more, fail the stream. */
  readonly length?: number | undefined;
  /** The most bytes allowed (the provider's limit): one more fails the stream with file_too_large. */
  readonly limit: SizeLimit;
  /** The longest pause between the source's chunks. */
  readonly idleMs: number;
}

/**
 * The source's body, held to its declared length, the limit and the idle timeout: on any breach, and when
 * the source breaks off, the stream errors with the problem (source_failed, file_too_large, source_timeout),
 * which aborts whatever it feeds, so the provider never receives a complete-looking file.
 */
export function hold(body: ReadableStream<Uint8Array>, rules: Hold): ReadableStream<Uint8Array> {
  // The idle timeout is the reader's: every arrival counts (core/arrivals.ts), so a source trickling
  // bytes is never taken for stalled, and one that sends nothing for idleMs is.
  const reader = chunkReader(body, {
    arrivals: {
      idleMs: rules.idleMs,
      stalled: () => new GatewayError("source_timeout", `The source sent no bytes for ${rules.idleMs} ms.`),
    },
  });
  let seen = 0;
  const fail = (error: GatewayError) => {
    reader.cancel(error).catch(() => {});
    return error;
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (error) {
          const problem =
            error instanceof GatewayError
              ? error
              : new GatewayError("source_failed", `The source broke off after ${seen} bytes.`, {
                  cause: error,
                });
          throw fail(problem);
        }
        if (next.done) {
          if (rules.length !== undefined && seen < rules.length) {
            throw fail(
              new GatewayError(
                "source_failed",
                `The source ended after ${seen} of the ${rules.length} bytes its Content-Length declared.`,
              ),
            );
          }
          controller.close();
          return;
        }
        seen += next.value.byteLength;
        if (rules.length !== undefined && seen > rules.length) {
          throw fail(
            new GatewayError(
              "source_failed",
              `The source sent more than the ${rules.length} bytes its Content-Length declared.`,
            ),
          );
        }
        if (seen > rules.limit.bytes) throw fail(tooLarge(rules.limit));
        controller.enqueue(next.value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}
