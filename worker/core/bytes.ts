import { type Arrivals, fillWatched, readWatched } from "./arrivals";
import { factsOf, lingers, releasing } from "./body";
import { LIMITS } from "./limits";

// Byte helpers: large reads of a body (chunkReader, reading what the edge declared of it: ./body.ts), and for
// the multipart parser, a delimiter search. The boundary delimiter is found by Boyer–Moore–Horspool (the byte
// under the pattern's last position decides how far to skip), guarded against the contents that make it
// crawl; no content costs much more than random media does (bench/parser-cpu.mjs measures it).

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

/** Skips shorter than this are taken one alignment at a time (see BytePattern.indexIn). */
const SMALL_SKIP = LIMITS.searchSmallSkip;
/** After this many small steps in a row, jump natively to the next byte a match could start with. */
const SMALL_STEPS = LIMITS.searchSmallSteps;

/**
 * One byte pattern, compiled once for every chunk it is searched in: Boyer–Moore–Horspool, with a guard.
 *
 * Plain Horspool skips by the byte under the pattern's last position: about the pattern's length over random
 * media, and m−1 over a run of CR bytes (CR is only the delimiter's first byte), where a native indexOf of
 * each CR paid a call per byte. Its weak spot is a run of bytes that end the pattern (a body of "a" bytes
 * under a boundary of "a"s, or of "-" under "-"s): one-byte skips, each waiting on the load before it. So a
 * small skip steps one alignment at a time (independent loads, which the CPU pipelines), and a run of them
 * ends in a native indexOf of the pattern's first byte: every match starts with it, so the alignments before
 * it cannot match. Each alignment is a constant number of reads; the parser's delimiter begins with the only
 * CR it holds (a boundary holds none), so partial matches never overlap and verification stays linear too.
 */
export class BytePattern {
  readonly bytes: Uint8Array;
  /** For each byte value, how far the pattern may move when that byte is under its last position. */
  private readonly skip = new Int32Array(256);

  constructor(bytes: Uint8Array) {
    if (bytes.length === 0) throw new Error("empty pattern");
    this.bytes = bytes;
    const m = bytes.length;
    this.skip.fill(m);
    for (let i = 0; i < m - 1; i++) this.skip[bytes[i] as number] = m - 1 - i;
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Index of the first occurrence in `haystack` at or after `from`, or -1. */
  indexIn(haystack: Uint8Array, from = 0): number {
    const p = this.bytes;
    const m = p.length;
    const first = p[0] as number;
    const last = p[m - 1] as number;
    const skip = this.skip;
    const end = haystack.length - m;
    let i = Math.max(0, from);
    let small = 0;
    while (i <= end) {
      const tail = haystack[i + m - 1] as number;
      if (tail === last && haystack[i] === first) {
        let j = 1;
        while (j < m - 1 && haystack[i + j] === p[j]) j++;
        if (j >= m - 1) return i;
      }
      const s = skip[tail] as number;
      if (s >= SMALL_SKIP) {
        i += s;
        small = 0;
      } else if (++small < SMALL_STEPS) {
        i++;
      } else {
        small = 0;
        i = haystack.indexOf(first, i + 1);
        if (i === -1) return -1;
      }
    }
    return -1;
  }

  /**
   * Length of the longest suffix of `haystack` that is a proper prefix of the pattern: a match the chunk
   * edge may have cut, to hold back until the next chunk decides it.
   */
  partialSuffixOf(haystack: Uint8Array): number {
    const p = this.bytes;
    const first = p[0];
    for (let i = Math.max(0, haystack.length - p.length + 1); i < haystack.length; i++) {
      if (haystack[i] !== first) continue;
      const length = haystack.length - i;
      let j = 1;
      while (j < length && haystack[i + j] === p[j]) j++;
      if (j === length) return length;
    }
    return 0;
  }
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

export interface ChunkReaderOptions {
  /**
   * Read into a ring of LIMITS.readRing buffers, reused in turn, instead of a new buffer per read. A fresh
   * isolate otherwise grows by tens of MiB per GiB read: every read's buffer is garbage V8 collects late
   * (measured: a first 1 GiB upload grew workerd +95 MiB with a new buffer per read; bench/run.mjs "fresh"). Only for
   * a consumer that is done with a chunk before it asks for the read after next (the upload path's stages
   * are pull-based with no queue and await their writes; verifyDigest holds one chunk back). A chunk kept
   * longer is not silently overwritten: a BYOB read detaches the buffer it is given, so any view still held
   * of a reused buffer reads as empty, and writing it throws.
   */
  readonly recycle?: boolean;
  /** Watch this body's arrivals (an idle timeout, progress), as watchArrivals does for a registered one. */
  readonly arrivals?: Arrivals;
}

/**
 * Reads `stream` in large chunks where it is a byte stream (request and R2 bodies), by workerd's
 * readAtLeast(); other streams are read as they come. Fewer, larger chunks are most of the difference
 * between a JS streaming path and a bare pipe (npm run bench).
 */
export function chunkReader(
  stream: ReadableStream<Uint8Array>,
  options: ChunkReaderOptions = {},
): ChunkReader {
  const facts = factsOf(stream);
  const arrivals = options.arrivals ?? facts.arrivals;
  const reader = releasable(stream, plainOrAtLeast(stream, options.recycle === true, facts.length, arrivals));
  if (!arrivals) return reader;
  // A read that failed (no byte for the idle timeout) stops the body here, where it is read: the stages
  // above see their stream errored, and cancelling an errored stream reaches nothing below it.
  return {
    read: () =>
      reader.read().catch((error: unknown) => {
        reader.cancel(error).catch(() => {});
        throw error;
      }),
    cancel: (reason) => reader.cancel(reason),
    closed: reader.closed,
  };
}

/** `reader`, except that a lingering body is released, not cancelled (see lingerOnStop). */
function releasable(
  stream: ReadableStream<Uint8Array>,
  reader: ChunkReader & { releaseLock(): void },
): ChunkReader {
  if (!lingers(stream)) return reader;
  // A lingering body is released, not cancelled: the answer drains what is left (http/linger.ts). Where a
  // lock can't be released under a read in flight, that read is let finish first; the answer waits for it.
  let pending: Promise<unknown> = Promise.resolve();
  return {
    read: () => {
      const next = reader.read();
      pending = next.catch(() => {});
      return next;
    },
    cancel: () => {
      const release = () => {
        try {
          reader.releaseLock(); // a read in flight is rejected, where the runtime allows it
          return true;
        } catch {
          return false;
        }
      };
      const done = release()
        ? Promise.resolve()
        : pending.then(() => {
            release();
          });
      releasing(stream, done);
      return done;
    },
    closed: reader.closed,
  };
}

/** A reader taking chunks as they come; each read timed when arrivals are watched. */
function plain(stream: ReadableStream<Uint8Array>, arrivals: Arrivals | undefined) {
  const reader = stream.getReader();
  if (!arrivals) return reader;
  return {
    read: () => readWatched(reader, arrivals),
    cancel: (reason?: unknown) => reader.cancel(reason),
    releaseLock: () => reader.releaseLock(),
    closed: reader.closed,
  };
}

function plainOrAtLeast(
  stream: ReadableStream<Uint8Array>,
  recycle: boolean,
  length: number | undefined,
  arrivals: Arrivals | undefined,
): ChunkReader & { releaseLock(): void } {
  let byob: ReadableStreamBYOBReader & { readAtLeast?: AtLeast };
  try {
    byob = stream.getReader({ mode: "byob" });
  } catch {
    return plain(stream, arrivals);
  }
  // readAtLeast is workerd's; elsewhere (Node, for the test emulator) read chunks as they come. A watched
  // body is read with plain BYOB reads into the same buffer (core/arrivals.ts), so its idle timeout sees
  // every arrival; readAtLeast would show none until `min` bytes were in.
  const readAtLeast = arrivals
    ? (min: number, view: Uint8Array) => fillWatched(byob, view, min, arrivals)
    : byob.readAtLeast?.bind(byob);
  if (!readAtLeast) {
    byob.releaseLock();
    return plain(stream, arrivals);
  }
  let ended = false;
  // The ring (recycle): each slot holds the buffer its last read returned (readAtLeast hands the memory
  // back in a new ArrayBuffer, detaching the one it was given).
  const ring: (ArrayBuffer | undefined)[] = recycle ? new Array(LIMITS.readRing) : [];
  let turn = 0;
  let received = 0;
  return {
    async read() {
      if (ended) return { done: true, value: undefined };
      // A body of declared length needs no buffer larger than what is left of it (a small upload takes a
      // small buffer; the read that finds the end, a tiny one); undeclared, a full one.
      const left = length === undefined ? MAX_READ : length - received;
      const want = Math.min(MAX_READ, Math.max(left, LIMITS.readTailBytes));
      const slot = turn++ % LIMITS.readRing;
      // A tail read (the end of a declared body, a multipart epilogue) takes a small buffer of its own and
      // leaves the ring alone: the last chunks may still be on their way when it is made.
      const tail = want <= LIMITS.readTailBytes;
      const kept = recycle && !tail ? ring[slot] : undefined;
      const buffer = kept && kept.byteLength >= want ? kept : new ArrayBuffer(want);
      const view = new Uint8Array(buffer, 0, want);
      // A watched body fills the buffer: its idle clock sees each arrival anyway (core/arrivals.ts), and each
      // chunk handed on costs every stage after this one a read, a hash update and a write.
      const { done, value } = await readAtLeast(arrivals ? want : Math.min(MIN_READ, want), view);
      if (recycle && !tail && value && value.buffer.byteLength > 0) ring[slot] = value.buffer as ArrayBuffer;
      if (value) received += value.byteLength;
      if (done) ended = true;
      if (value && value.byteLength > 0) return { done: false, value };
      return { done: true, value: undefined };
    },
    cancel: (reason) => byob.cancel(reason),
    releaseLock: () => byob.releaseLock(),
    closed: byob.closed,
  };
}

type AtLeast = (min: number, view: Uint8Array) => Promise<ReadableStreamReadResult<Uint8Array>>;
