// The delimiter search (core/bytes.ts BytePattern) against a naive search, on the contents that stress it:
// bodies of CR, LF and dash bytes, near-misses of the delimiter, boundaries made of the body's own bytes,
// matches cut by chunk edges. Then its cost: no file content may cost much more than random bytes.
import { describe, expect, it } from "vitest";
import { BytePattern } from "../worker/core/bytes";
import { readerOf } from "../worker/core/stages";
import { parseMultipart } from "../worker/services/upload/multipart-parser";
import { bytesOf, randomBytes } from "./helpers";

const enc = new TextEncoder();
const CR = 13;
const LF = 10;
const DASH = 45;

/** A seeded generator, so a failing case can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function naiveIndexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  for (let i = Math.max(0, from); i + needle.length <= haystack.length; i++) {
    let j = 0;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

function naivePartialSuffix(haystack: Uint8Array, needle: Uint8Array): number {
  for (let length = Math.min(needle.length - 1, haystack.length); length > 0; length--) {
    const tail = haystack.subarray(haystack.length - length);
    if (tail.every((b, k) => b === needle[k])) return length;
  }
  return 0;
}

const BOUNDARIES = [
  "a".repeat(70),
  "-".repeat(70),
  "ab".repeat(35),
  "a",
  "-",
  "a-",
  "xyz",
  "----WebKitFormBoundaryX3bY",
];

/** Bytes drawn from CR, LF, dash and the boundary's own characters, in runs (which the skips dislike). */
function hostile(r: () => number, length: number, boundary: string): Uint8Array {
  const alphabet = [CR, LF, DASH, boundary.charCodeAt(0), boundary.charCodeAt(boundary.length - 1), 0x55];
  const out = new Uint8Array(length);
  const delimiter = enc.encode(`\r\n--${boundary}`);
  for (let i = 0; i < length; ) {
    const pick = r();
    if (pick < 0.15) {
      // A near-miss or a whole delimiter, cut short or not.
      const piece = delimiter.subarray(0, 1 + Math.floor(r() * delimiter.length));
      out.set(piece.subarray(0, length - i), i);
      i += piece.length;
    } else {
      const run = 1 + Math.floor(r() * (pick < 0.5 ? 4 : 300));
      const byte = alphabet[Math.floor(r() * alphabet.length)] as number;
      out.fill(byte, i, Math.min(length, i + run));
      i += run;
    }
  }
  return out;
}

describe("BytePattern against a naive search", () => {
  it("indexIn finds the first occurrence at or after `from`, or -1", () => {
    const r = rng(11);
    for (let round = 0; round < 3000; round++) {
      const boundary = BOUNDARIES[round % BOUNDARIES.length] as string;
      const needle =
        round % 3 === 0
          ? hostile(r, 1 + Math.floor(r() * 12), boundary)
          : enc.encode(`${round % 3 === 1 ? "\r\n--" : "--"}${boundary}`);
      const haystack = hostile(r, Math.floor(r() * 3000), boundary);
      const from = Math.floor(r() * 50);
      const pattern = new BytePattern(needle);
      expect(pattern.indexIn(haystack, from), `round ${round}`).toBe(naiveIndexOf(haystack, needle, from));
    }
  });

  it("indexIn over long runs of one byte and of the boundary's bytes", () => {
    for (const boundary of BOUNDARIES) {
      const pattern = new BytePattern(enc.encode(`\r\n--${boundary}`));
      for (const byte of [CR, LF, DASH, boundary.charCodeAt(0), boundary.charCodeAt(boundary.length - 1)]) {
        for (const at of [-1, 0, 1, 15, 16, 17, 100, 4000]) {
          const haystack = new Uint8Array(5000).fill(byte);
          if (at >= 0) haystack.set(pattern.bytes, at);
          const label = `${boundary} ${byte} ${at}`;
          expect(pattern.indexIn(haystack), label).toBe(naiveIndexOf(haystack, pattern.bytes));
        }
      }
    }
  });

  it("partialSuffixOf is the longest suffix that is a proper prefix of the pattern", () => {
    const r = rng(12);
    for (let round = 0; round < 3000; round++) {
      const boundary = BOUNDARIES[round % BOUNDARIES.length] as string;
      const needle = enc.encode(`\r\n--${boundary}`);
      const haystack = new Uint8Array([
        ...hostile(r, Math.floor(r() * 200), boundary),
        ...needle.subarray(0, Math.floor(r() * needle.length)),
      ]);
      const pattern = new BytePattern(needle);
      expect(pattern.partialSuffixOf(haystack), `round ${round}`).toBe(naivePartialSuffix(haystack, needle));
    }
  });
});

/** Streams `bytes` cut at the given offsets. */
function cutAt(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const edges = [...new Set([0, ...cuts.filter((c) => c > 0 && c < bytes.length), bytes.length])].sort(
    (a, b) => a - b,
  );
  let k = 0;
  return new ReadableStream({
    pull(c) {
      if (k >= edges.length - 1) return c.close();
      c.enqueue(bytes.slice(edges[k], edges[k + 1]));
      k++;
    },
  });
}

describe("parseMultipart against a naive search, any chunking", () => {
  it("yields exactly the bytes before the first delimiter, with edges inside delimiters and near-misses", async () => {
    const r = rng(13);
    for (let round = 0; round < 300; round++) {
      const boundary = BOUNDARIES[round % BOUNDARIES.length] as string;
      const delimiter = enc.encode(`\r\n--${boundary}`);
      const head = enc.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="user"\r\n\r\nbob\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n`,
      );
      const tail = enc.encode(`\r\n--${boundary}--\r\n`);
      let file = hostile(r, Math.floor(r() * 4000), boundary);
      // The file holds no whole delimiter (it would end the part there), only pieces of one.
      for (let at = naiveIndexOf(file, delimiter); at !== -1; at = naiveIndexOf(file, delimiter)) {
        file = new Uint8Array([...file.subarray(0, at + 1), ...file.subarray(at + delimiter.length)]);
      }
      const body = new Uint8Array([...head, ...file, ...tail]);
      const start = head.length;
      expect(naiveIndexOf(body, delimiter, start)).toBe(start + file.length);
      // Cut inside the closing delimiter, inside pieces of it in the file, and at random.
      const cuts: number[] = [];
      for (let i = 0; i < 1 + r() * 12; i++) cuts.push(Math.floor(r() * body.length));
      for (let at = naiveIndexOf(body, delimiter.subarray(0, 2), start); at !== -1 && cuts.length < 40; ) {
        cuts.push(at + 1 + Math.floor(r() * delimiter.length));
        at = naiveIndexOf(body, delimiter.subarray(0, 2), at + 1 + Math.floor(r() * 200));
      }
      const parsed = await parseMultipart(cutAt(body, cuts), boundary, { headBytes: 65536 });
      expect(parsed.fields, `round ${round}`).toEqual([["user", "bob"]]);
      const bytes = await bytesOf(parsed.file?.stream ?? new ReadableStream());
      expect(bytes.length, `round ${round}`).toBe(file.length);
      expect(bytes, `round ${round}`).toEqual(file);
    }
  });
});

describe("search cost", () => {
  const MiB = 1024 * 1024;
  const boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

  /** Milliseconds to parse a form whose file is `file`, streamed in 256 KiB chunks (workerd's reads). */
  async function parseTime(file: Uint8Array): Promise<number> {
    const head = enc.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n`,
    );
    const body = new Uint8Array(head.length + file.length + boundary.length + 8);
    body.set(head, 0);
    body.set(file, head.length);
    body.set(enc.encode(`\r\n--${boundary}--\r\n`), head.length + file.length);
    const cuts = Array.from({ length: Math.ceil(body.length / (256 * 1024)) }, (_, k) => k * 256 * 1024);
    const t0 = performance.now();
    const parsed = await parseMultipart(cutAt(body, cuts), boundary, { headBytes: 65536 });
    let n = 0;
    const reader = readerOf(parsed.file?.stream ?? new ReadableStream<Uint8Array>());
    for (let next = await reader.read(); !next.done; next = await reader.read()) n += next.value.length;
    const ms = performance.now() - t0;
    expect(n).toBe(file.length);
    return ms;
  }

  it("a file of CR bytes (or CRLF pairs) costs no more than a few times random bytes", {
    timeout: 60_000,
  }, async () => {
    // Before Boyer–Moore–Horspool every CR cost a native indexOf call: ~40× random in bench/parser-cpu.mjs.
    const size = 24 * MiB;
    const random = randomBytes(size);
    const crs = new Uint8Array(size).fill(CR);
    const pairs = new Uint8Array(size).map((_, k) => (k % 2 ? LF : CR));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
    const times: Record<string, number[]> = { random: [], crs: [], pairs: [] };
    for (let rep = 0; rep < 3; rep++) {
      times.random?.push(await parseTime(random));
      times.crs?.push(await parseTime(crs));
      times.pairs?.push(await parseTime(pairs));
    }
    // A floor of 1 ms per MiB for the baseline keeps timer noise on a fast machine from deciding.
    const base = Math.max(median(times.random ?? []), size / MiB);
    expect(median(times.crs ?? []) / base, JSON.stringify(times)).toBeLessThan(4);
    expect(median(times.pairs ?? []) / base, JSON.stringify(times)).toBeLessThan(4);
  });
});
