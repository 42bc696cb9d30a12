// Staging a resumable upload in R2. R2 multipart parts must all be the same size (≥ 5 MiB) but the last,
// while tus PATCH sizes are the client's choice, so bytes are re-chunked: each PATCH fills a part-sized
// buffer (the one place memory grows, bounded by one part whatever the file size), full parts go to the
// multipart upload, and a remainder short of a part is kept as a temporary R2 object that the next PATCH
// reads back first. Progress is durable after every part (and after the remainder is saved), so a
// connection cut mid-PATCH loses at most what was in flight.

import { GatewayError, tooLarge } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import { type ChunkSource, readerOf } from "../../core/stages";
import type { Piece } from "./concat";

/** R2's smallest part (https://developers.cloudflare.com/r2/objects/multipart-objects/#limitations). */
export const MIN_PART_BYTES = LIMITS.minPartBytes;
export const MAX_PART_BYTES = LIMITS.maxPartBytes;
export const MAX_PARTS = LIMITS.maxParts;

export interface StagingState {
  /** R2 key of the assembled object. */
  readonly key: string;
  /** Upload-Length. */
  readonly length: number;
  readonly partSize: number;
  /** Bytes durably received: every part, plus the pending remainder. */
  readonly offset: number;
  readonly multipartId: string | null;
  readonly parts: readonly R2UploadedPart[];
  /** The remainder short of a part, saved as its own object. */
  readonly pending: { readonly key: string; readonly size: number } | null;
  readonly complete: boolean;
  /** A final upload's bytes: its partial uploads' objects, read in order (./concat.ts); `key` holds none. */
  readonly concat?: readonly Piece[];
}

/** Equal parts of at least 5 MiB, few enough for R2's 10,000; refuses lengths that can't fit. */
export function partSizeFor(length: number): number {
  const size = Math.max(MIN_PART_BYTES, Math.ceil(length / MAX_PARTS / MIN_PART_BYTES) * MIN_PART_BYTES);
  if (size > MAX_PART_BYTES || Math.ceil(length / size) > MAX_PARTS) {
    const bytes = MAX_PARTS * MAX_PART_BYTES;
    const detail = `An upload this large would need more than ${MAX_PARTS} parts, R2's most (${bytes} bytes)`;
    throw tooLarge({ bytes, detail }, length);
  }
  return size;
}

export function newStaging(key: string, length: number): StagingState {
  return {
    key,
    length,
    partSize: partSizeFor(length),
    offset: 0,
    multipartId: null,
    parts: [],
    pending: null,
    complete: false,
  };
}

export interface AppendOptions {
  /** Bytes this PATCH declares (Content-Length). */
  readonly declared: number;
  /** Upload-Checksum: the body must hash to this, or nothing of it counts (tus checksum extension). */
  readonly checksum?: { readonly algorithm: "SHA-1" | "SHA-256"; readonly digest: Uint8Array };
  /** Makes progress durable (the Durable Object's storage). */
  readonly commit: (state: StagingState) => Promise<void>;
  readonly contentType?: string;
  /**
   * A body of unknown length (an import without Content-Length): `declared` and the state's length are
   * only its bound, and its end, wherever it comes, completes the object.
   */
  readonly open?: boolean;
}

async function readInto(bucket: R2Bucket, key: string, buffer: Uint8Array): Promise<number> {
  const object = await bucket.get(key);
  if (!object) throw new Error(`staged remainder ${key} is missing`);
  let at = 0;
  for await (const chunk of object.body as unknown as AsyncIterable<Uint8Array>) {
    buffer.set(chunk, at);
    at += chunk.byteLength;
  }
  return at;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && crypto.subtle.timingSafeEqual(a, b);

/**
 * Appends one PATCH body at `state.offset` and returns the state it committed. Without a checksum, progress
 * is committed after every part and, if the body breaks, what arrived is kept. With a checksum, nothing is
 * committed unless the whole body arrived and matched (a mismatch throws checksum_mismatch); parts it sent
 * meanwhile sit at part numbers past the committed ones, and the next PATCH overwrites them.
 */
export async function append(
  bucket: R2Bucket,
  state: StagingState,
  body: ChunkSource,
  options: AppendOptions,
): Promise<StagingState> {
  const reader = readerOf(body);
  if (state.offset + options.declared > state.length) {
    await reader.cancel().catch(() => {});
    const left = state.length - state.offset;
    const detail = `This upload has ${left} bytes left of its Upload-Length (${state.length}): a PATCH may send no more`;
    throw tooLarge({ bytes: left, detail }, options.declared);
  }
  const progressive = options.checksum === undefined;
  const httpMetadata = options.contentType ? { httpMetadata: { contentType: options.contentType } } : {};
  const buffer = new Uint8Array(state.partSize);
  let fill = state.pending ? await readInto(bucket, state.pending.key, buffer) : 0;
  let parts = [...state.parts];
  const created = state.multipartId === null;
  let multipart = created ? null : bucket.resumeMultipartUpload(state.key, state.multipartId ?? "");
  /** The last state made durable; R2 objects it doesn't reference are garbage once it is. */
  let committed = state;
  const written = new Set<string>();
  const commit = async (next: StagingState) => {
    await options.commit(next);
    committed = next;
  };
  const snapshot = (pending: StagingState["pending"], offset: number): StagingState => ({
    ...state,
    multipartId: multipart?.uploadId ?? null,
    parts,
    pending,
    offset,
  });
  /** Saves the buffer as the remainder, under a key of its own: the old one stays valid until committed. */
  const remainder = async (): Promise<StagingState> => {
    const offset = parts.length * state.partSize + fill;
    const key = `${state.key}.part-${offset}`;
    await bucket.put(key, buffer.subarray(0, fill));
    written.add(key);
    return snapshot({ key, size: fill }, offset);
  };
  const collect = async () => {
    const garbage = [...written, state.pending?.key].filter(
      (k): k is string => !!k && k !== committed.pending?.key,
    );
    if (garbage.length) await bucket.delete(garbage);
  };

  const hasher = options.checksum ? new crypto.DigestStream(options.checksum.algorithm) : null;
  const hashWriter = hasher?.getWriter();
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > options.declared)
        throw new GatewayError("malformed_body", "The PATCH body is longer than its Content-Length.");
      await hashWriter?.write(value);
      for (let at = 0; at < value.byteLength; ) {
        const take = Math.min(value.byteLength - at, state.partSize - fill);
        buffer.set(value.subarray(at, at + take), fill);
        fill += take;
        at += take;
        if (fill < state.partSize) continue;
        multipart ??= await bucket.createMultipartUpload(state.key, httpMetadata);
        parts = [...parts, await multipart.uploadPart(parts.length + 1, buffer)];
        fill = 0;
        if (progressive) await commit(snapshot(null, parts.length * state.partSize));
      }
    }
    if (received < options.declared && !options.open)
      throw new GatewayError("malformed_body", "The PATCH body is shorter than its Content-Length.");
    if (options.checksum && hasher && hashWriter) {
      await hashWriter.close();
      if (!sameBytes(new Uint8Array(await hasher.digest), options.checksum.digest)) {
        throw new GatewayError("checksum_mismatch", "The PATCH body does not match its Upload-Checksum.");
      }
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    if (progressive) {
      // A broken body: keep what arrived; the client resumes from the offset a HEAD reports.
      if (fill > 0) await commit(await remainder());
    } else if (created && multipart) {
      await multipart.abort().catch(() => {});
    }
    await collect();
    throw error;
  }

  const total = parts.length * state.partSize + fill;
  if (total === state.length || options.open) {
    if (!multipart) {
      await bucket.put(state.key, buffer.subarray(0, fill), httpMetadata);
    } else {
      if (fill > 0)
        parts = [...parts, await multipart.uploadPart(parts.length + 1, buffer.subarray(0, fill))];
      await multipart.complete(parts);
    }
    await commit({
      ...state,
      length: total,
      multipartId: null,
      parts: [],
      pending: null,
      offset: total,
      complete: true,
    });
  } else {
    await commit(fill > 0 ? await remainder() : snapshot(null, total));
  }
  await collect();
  return committed;
}

/** Removes everything an unfinished or terminated upload left in R2. */
export async function discard(bucket: R2Bucket, state: StagingState): Promise<void> {
  if (state.multipartId)
    await bucket
      .resumeMultipartUpload(state.key, state.multipartId)
      .abort()
      .catch(() => {});
  const pieces = state.concat?.map((p) => p.key) ?? [];
  const keys = [state.pending?.key, state.key, ...pieces].filter((k): k is string => !!k);
  await bucket.delete(keys);
}
