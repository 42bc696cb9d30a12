// Reproducible bytes for the end-to-end tests, and their SHA-256 as the gateway reports it.
import { createHash } from "node:crypto";

/** `n` bytes from a small LCG seeded by `seed`: the same bytes every run, distinct per seed. */
export function bytesOf(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export const hex = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
