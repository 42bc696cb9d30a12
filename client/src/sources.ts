// What `upload` takes, opened as a Source (a Node path is opened in node.ts), and what names its content:
// the SHA-256 sent to the gateway, and the key tus resumes by.
//
// Why the key is the content's: tus-js-client finds a previous upload by a fingerprint, and its own does not
// read the whole content — a Buffer by its first 64 KiB, length and endpoint, a Node path by path, size and
// mtime, a browser File by name, type, size and lastModified (node_modules/tus-js-client/lib/node/
// fileSignature.js, lib/browser/fileSignature.js). Another content that matches it resumed the first one's
// upload: the gateway staged the first one's bytes up to the offset and the second one's after it, and
// delivered that. So an upload resumes only another of the very same content, named by its SHA-256 (a
// Node path: read once more, in bounded memory; bytes: hashed in memory; a Blob: read once more where the
// runtime hashes incrementally, else hashed in memory up to 16 MiB, else by its pieces' digests, below).
// The SHA-256 also goes to the gateway (Upload-Metadata `sha256`), which checks the staged file against it
// before delivering anything (worker/services/sessions/session.ts deliverStaged): a file that changed while
// it was sent fails with digest_mismatch instead of being delivered. A one-shot stream cannot be read
// again, so it never resumes across restarts; with `sha256` given, the gateway still checks it.
import { extensionOf, mediaTypeOf } from "../../worker/core/media";
import { MediagateError } from "./errors";
import type { Platform, Source, UploadInput } from "./types";

export const MiB = 1024 * 1024;
/** Bytes up to this size are hashed in memory where there is no incremental hash (a few ms). */
export const DIGEST_MAX = 16 * MiB;
/**
 * A file on disk up to this size is read once more before one request to send its SHA-256 (Repr-Digest), so
 * the gateway can answer a re-upload from its registry (deduplicated) without taking the bytes again. The
 * read is streamed (bounded memory) and costs about a second per few hundred MiB; above this bound the
 * extra read is not worth it for a file that goes through one request only when MAX_REQUEST_BYTES is raised.
 */
export const PATH_DIGEST_MAX = 512 * MiB;

/**
 * The media type a file name implies: the gateway's own table (worker/core/media.ts, bundled in by esbuild, so
 * the SDK and the gateway never disagree on a type), its canonical MIME type; octet-stream for an extension
 * no provider takes (the gateway refuses it with unsupported_file_type, whatever it is called).
 */
export const typeOf = (name: string): string =>
  mediaTypeOf(extensionOf(name))?.mime[0] ?? "application/octet-stream";

/** A stream that hands out `bytes` in slices as it is read (so what was read is what was sent). */
function sliced(bytes: Uint8Array, slice = 256 * 1024): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.byteLength) return controller.close();
      const end = Math.min(at + slice, bytes.byteLength);
      controller.enqueue(bytes.subarray(at, end));
      at = end;
    },
  });
}

const hexOf = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Hex SHA-256 through Web Crypto; undefined where there is none (React Native without a polyfill). */
async function digestHex(bytes: Uint8Array): Promise<string | undefined> {
  if (typeof crypto === "undefined" || !crypto.subtle) return undefined;
  return hexOf(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)));
}

/** `compute`, run at most once (a file is read for its digest once, however many ask). */
function once<T>(compute: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= compute();
    return value;
  };
}

type StreamInput = Extract<UploadInput, { stream: ReadableStream<Uint8Array> }>;
const isStreamInput = (x: UploadInput): x is StreamInput =>
  typeof x === "object" &&
  x !== null &&
  typeof ReadableStream !== "undefined" &&
  (x as { stream?: unknown }).stream instanceof ReadableStream;

/** Bytes, a Blob or a stream as a Source; undefined for anything else. */
export function openInMemory(input: UploadInput, platform: Platform): Source | undefined {
  if (input instanceof Uint8Array) {
    return {
      size: input.byteLength,
      name: undefined,
      type: undefined,
      bytes: input,
      stream: () => sliced(input),
      tusInput: () => platform.bytesForTus(input),
      resumable: true,
      sha256: once(() => digestHex(input)),
    };
  }
  if (typeof Blob !== "undefined" && input instanceof Blob) {
    const name = (input as { name?: unknown }).name;
    const { hashStream } = platform;
    return {
      size: input.size,
      name: typeof name === "string" ? name : undefined,
      type: input.type || undefined,
      blob: input,
      stream: () => input.stream(),
      tusInput: () => input,
      resumable: true,
      sha256: once(async () => {
        if (hashStream) return hashStream(input.stream());
        if (input.size > DIGEST_MAX) return undefined;
        return digestHex(new Uint8Array(await input.arrayBuffer()));
      }),
    };
  }
  if (isStreamInput(input)) {
    const { stream, size } = input;
    let used = false;
    return {
      size,
      name: input.name,
      type: input.type,
      stream: () => {
        if (used) throw new MediagateError("unexpected", "unexpected_response", "A stream can be sent once.");
        used = true;
        return stream;
      },
      tusInput: () => {
        used = true;
        return stream.getReader();
      },
      resumable: false,
    };
  }
  return undefined;
}

/**
 * A Blob too large to hash in memory, in a runtime with no incremental hash: the SHA-256 of its pieces'
 * SHA-256s (16 MiB each, read one at a time). Not the file's SHA-256 (the gateway cannot check it), but two
 * different contents never share it, which is all resuming needs.
 */
async function piecesKey(blob: Blob): Promise<string | undefined> {
  const digests: Uint8Array[] = [];
  for (let at = 0; at < blob.size; at += DIGEST_MAX) {
    const piece = new Uint8Array(await blob.slice(at, at + DIGEST_MAX).arrayBuffer());
    const hex = await digestHex(piece);
    if (hex === undefined) return undefined;
    digests.push(new TextEncoder().encode(hex));
  }
  const all = new Uint8Array(digests.reduce((n, d) => n + d.byteLength, 0));
  let at = 0;
  for (const d of digests) {
    all.set(d, at);
    at += d.byteLength;
  }
  const key = await digestHex(all);
  return key === undefined ? undefined : `pieces-${DIGEST_MAX}-${key}`;
}

/**
 * What a tus upload of `source` declares and resumes by: `sha256`, the file's SHA-256 (the caller's, else
 * computed), sent to the gateway; `key`, naming the content for the fingerprint (undefined: not resumable).
 * The caller's `sha256` is trusted for the key: were it wrong, the gateway would refuse the file
 * (digest_mismatch) rather than deliver a mix.
 */
export async function contentKey(
  source: Source,
  given: string | undefined,
  resuming: boolean,
): Promise<{ sha256?: string; key?: string }> {
  const declared = given?.toLowerCase();
  // Bytes in memory are hashed even when not resuming: the gateway then checks what it staged, for free.
  const sha256 = declared ?? (resuming || source.bytes ? await source.sha256?.() : undefined);
  if (!resuming || !source.resumable) return sha256 === undefined ? {} : { sha256 };
  const key = sha256 ?? (source.blob ? await piecesKey(source.blob) : undefined);
  return { ...(sha256 === undefined ? {} : { sha256 }), ...(key === undefined ? {} : { key }) };
}

/**
 * Base64 SHA-256 for Repr-Digest on one request: the caller's, in-memory content's up to DIGEST_MAX, or a
 * file on disk's up to PATH_DIGEST_MAX.
 */
export async function reprDigest(source: Source, given: string | undefined): Promise<string | undefined> {
  let hex = given;
  const hashed =
    (source.onDisk && source.size <= PATH_DIGEST_MAX) ||
    (source.size <= DIGEST_MAX && (source.bytes || source.blob));
  if (!hex && hashed) hex = await source.sha256?.();
  if (!hex) return undefined;
  const pairs = hex.match(/[0-9a-f]{2}/gi) ?? [];
  return btoa(String.fromCharCode(...pairs.map((h) => Number.parseInt(h, 16))));
}
