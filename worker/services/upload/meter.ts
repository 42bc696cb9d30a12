// Counts and hashes the file's bytes on their way through and holds the body to its declared size: a body
// that ends early, runs long or breaks fails the reader, which aborts the outgoing request. A reader
// stage, not a stream (core/stages.ts).

import { type ChunkReader, chunkReader } from "../../core/bytes";
import { toHex } from "../../core/crypto";
import { GatewayError, type SizeLimit, tooLarge } from "../../core/errors";
import { type ChunkSource, stage } from "../../core/stages";

export interface Meter {
  /** The file's bytes, as read from the source; once failed, every read fails the same way. */
  readonly reader: ChunkReader;
  /** Hex SHA-256 of every byte, once the last one has passed. */
  readonly sha256: Promise<string>;
  /** Bytes passed so far (the file's size once `done`). */
  bytes(): number;
  /** Resolves once all `expected` bytes have passed; rejects when the body fails or is cancelled. */
  readonly done: Promise<void>;
  /**
   * Why the incoming body failed (a disconnect, a malformed or mis-sized body), if it did. Recorded before
   * the error reaches the outgoing request, so whoever sees that request fail can tell whose fault it was.
   */
  failure(): unknown;
}

/** The sizes a body may have: exact (min = max) or, for multipart, known to within the epilogue. */
export interface SizeRange {
  readonly min: number;
  readonly max: number;
  /** Why a body longer than `max` is refused, when there is more to say than the numbers. */
  readonly overflowHint?: string;
  /**
   * The provider's or signed URL's limit. A multipart body's `max` may exceed it by the epilogue's slack;
   * counting past it fails the stream with 413, so a provider never receives a file over the limit.
   */
  readonly limit?: SizeLimit;
}

/**
 * How the incoming body is watched while it streams. Its idle timeout is the body's own reader's
 * (core/body.ts watchArrivals), which sees every arrival; this stage sees chunks only once they are large.
 */
export interface Watch {
  /** Called with the running count after each chunk (a signed upload renews its claim from here). */
  readonly onProgress?: (bytes: number) => void;
  /** Aborting it cuts the body with its reason (e.g. the claim was lost). */
  readonly signal?: AbortSignal;
}

export function meter(source: ChunkSource, size: SizeRange, watch: Watch = {}): Meter {
  // DigestStream hashes natively in workerd (https://developers.cloudflare.com/workers/runtime-apis/web-crypto/).
  const digest = new crypto.DigestStream("SHA-256");
  const hasher = digest.getWriter();
  const reader = source instanceof ReadableStream ? chunkReader(source) : source;
  reader.closed.catch(() => {}); // a source failure is reported through `failure()` and `done`
  const { promise: done, resolve, reject } = Promise.withResolvers<void>();
  let seen = 0;
  let failure: unknown;
  const fail = (error: unknown, fromSource: boolean) => {
    if (fromSource && failure === undefined) failure = error;
    reject(error);
    hasher.abort(error).catch(() => {});
  };
  /** Fails the reader with `error` (the source's fault), stops the source and throws. */
  const refuse = (error: unknown): never => {
    fail(error, true);
    reader.cancel(error).catch(() => {});
    throw error;
  };
  const next = async (): Promise<ReadableStreamReadResult<Uint8Array>> => {
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      if (watch.signal?.aborted) throw watch.signal.reason;
      result = await reader.read();
    } catch (error) {
      return refuse(error);
    }
    if (result.done) {
      if (seen < size.min) {
        const error = new GatewayError(
          "malformed_body",
          `The body ended after ${seen} of the declared ${size.min} file bytes.`,
        );
        fail(error, true);
        throw error;
      }
      await hasher.close();
      resolve();
      return result;
    }
    seen += result.value.byteLength;
    if (seen > size.max) {
      refuse(
        new GatewayError(
          "malformed_body",
          `The body carries more than the declared ${size.max} file bytes.${size.overflowHint ? ` ${size.overflowHint}` : ""}`,
        ),
      );
    }
    // Within the declared size but over the limit: only a multipart epilogue's slack allows this.
    if (size.limit && seen > size.limit.bytes) refuse(tooLarge(size.limit));
    watch.onProgress?.(seen);
    // Awaited, so the chunk is hashed before it moves on: the reader upstream may reuse its buffer two
    // reads later (core/bytes.ts, recycle), and an unawaited write could still hold it.
    try {
      await hasher.write(result.value);
    } catch (error) {
      fail(error, false);
      reader.cancel(error).catch(() => {});
      throw error;
    }
    return result;
  };
  const metered = stage(next, (reason) => {
    fail(reason, false);
    return reader.cancel(reason);
  });
  const sha256 = digest.digest.then(toHex);
  done.catch(() => {});
  sha256.catch(() => {});
  return { reader: metered, sha256, done, bytes: () => seen, failure: () => failure };
}
