import { LIMITS } from "./limits";

// Byte helpers for the multipart parser: native indexOf finds candidate CRs, so scanning a file part
// costs one native pass plus a comparison at each CR (about 1 in 256 bytes of binary media).

export const encoder = new TextEncoder();
export const EMPTY = new Uint8Array(0);

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function matchesAt(haystack: Uint8Array, needle: Uint8Array, at: number, length = needle.length): boolean {
  for (let j = 1; j < length; j++) if (haystack[at + j] !== needle[j]) return false;
  return true;
}

/** Index of `needle` in `haystack` at or after `from`, or -1. */
export function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  const last = haystack.length - needle.length;
  for (
    let i = haystack.indexOf(first ?? 0, from);
    i !== -1 && i <= last;
    i = haystack.indexOf(first ?? 0, i + 1)
  ) {
    if (matchesAt(haystack, needle, i)) return i;
  }
  return -1;
}

/** Length of the longest suffix of `haystack` that is a proper prefix of `needle` (a match cut by a chunk edge). */
export function partialSuffix(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0] ?? 0;
  const start = Math.max(0, haystack.length - needle.length + 1);
  for (let i = haystack.indexOf(first, start); i !== -1; i = haystack.indexOf(first, i + 1)) {
    if (matchesAt(haystack, needle, i, haystack.length - i)) return haystack.length - i;
  }
  return 0;
}

/** A reader yielding chunks; at the end, `done` (any last bytes come first as their own chunk). */
export interface ChunkReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(reason?: unknown): Promise<void>;
  readonly closed: Promise<void>;
}

/** Reads of at least this much: request bodies arrive in small chunks, and each chunk costs JS work. */
const MIN_READ = LIMITS.minReadBytes;
const MAX_READ = LIMITS.maxReadBytes;

/**
 * Reads `stream` in large chunks where it is a byte stream (request and R2 bodies), by workerd's
 * readAtLeast(); other streams are read as they come. Fewer, larger chunks are most of the difference
 * between a JS streaming path and a bare pipe (npm run bench).
 */
export function chunkReader(stream: ReadableStream<Uint8Array>): ChunkReader {
  let byob: ReadableStreamBYOBReader & { readAtLeast?: AtLeast };
  try {
    byob = stream.getReader({ mode: "byob" });
  } catch {
    return stream.getReader();
  }
  // readAtLeast is workerd's; elsewhere (Node, for the test emulator) read chunks as they come.
  const readAtLeast = byob.readAtLeast?.bind(byob);
  if (!readAtLeast) {
    byob.releaseLock();
    return stream.getReader();
  }
  let ended = false;
  return {
    async read() {
      if (ended) return { done: true, value: undefined };
      const { done, value } = await readAtLeast(MIN_READ, new Uint8Array(MAX_READ));
      if (done) ended = true;
      if (value && value.byteLength > 0) return { done: false, value };
      return { done: true, value: undefined };
    },
    cancel: (reason) => byob.cancel(reason),
    closed: byob.closed,
  };
}

type AtLeast = (min: number, view: Uint8Array) => Promise<ReadableStreamReadResult<Uint8Array>>;
