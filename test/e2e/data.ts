// Reproducible bytes for the end-to-end tests (the fixtures' own generator), and their SHA-256 as the
// gateway reports it.
import { createHash } from "node:crypto";
import { filler } from "../fixtures/media";

/** `n` bytes from a small LCG seeded by `seed`: the same bytes every run, distinct per seed. */
export const bytesOf = (n: number, seed = 1): Uint8Array => filler(n, seed);

export const hex = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
