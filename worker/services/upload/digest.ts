// Declared digests: reading them (RFC 9530 Repr-Digest, a hex `sha256`) and holding a stream to one. The
// verifying reader hashes what passes and holds back the latest chunk (at least LIMITS.digestHoldBytes)
// until the source has ended and the digest matched: on a mismatch it errors instead, so whatever reads it
// (the provider's request, an R2 put) never receives the complete file and is aborted.
import { type ChunkReader, chunkReader } from "../../core/bytes";
import { fromB64url, toHex } from "../../core/crypto";
import { GatewayError } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import { type ChunkSource, stage } from "../../core/stages";

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** A hex SHA-256 as given in a field, query or metadata; anything else is invalid_field. */
export function hexDigest(value: string, where: string): string {
  if (!HEX64.test(value))
    throw new GatewayError("invalid_field", `${where} must be a hex SHA-256 (64 digits).`);
  return value.toLowerCase();
}

/**
 * The sha-256 member of a Repr-Digest header (RFC 9530 §3: a Structured Fields dictionary of byte
 * sequences) as hex; undefined when absent or only other algorithms are named (ignored, as §3 says). A
 * header that is not a dictionary of byte sequences, or a sha-256 value that is not 32 bytes of base64, is
 * invalid_field.
 */
export function reprDigestSha256(header: string | null): string | undefined {
  if (header === null) return undefined;
  const bad = (why: string) => new GatewayError("invalid_field", `Repr-Digest: ${why}.`);
  let found: string | undefined;
  for (const member of header.split(",")) {
    const match = /^\s*([a-z*][a-z0-9_\-.*]*)\s*=\s*:([A-Za-z0-9+/=]*):\s*$/.exec(member);
    if (!match?.[1] || match[2] === undefined) throw bad("expected algorithm=:base64:, comma-separated");
    if (match[1] !== "sha-256") continue;
    const bytes = /^[A-Za-z0-9+/]{43}=$/.test(match[2])
      ? fromB64url(match[2].slice(0, 43).replace(/\+/g, "-").replace(/\//g, "_"))
      : null;
    if (bytes?.length !== 32) throw bad("sha-256 must be 32 bytes in base64");
    const hex = toHex(bytes);
    if (found !== undefined && found !== hex) throw bad("sha-256 is given twice, differently");
    found = hex;
  }
  return found;
}

/** Reconciles digests declared in several places: all equal, or invalid_field. */
export function oneDigest(...declared: (string | undefined)[]): string | undefined {
  const given = [...new Set(declared.filter((d): d is string => d !== undefined))];
  if (given.length > 1)
    throw new GatewayError("invalid_field", "The upload declares different SHA-256 digests.");
  return given[0];
}

export const digestMismatch = (expected: string, actual: string) =>
  new GatewayError(
    "digest_mismatch",
    `The file's SHA-256 is ${actual}, not the declared ${expected}; it was not delivered.`,
    { extras: { expected, actual } },
  );

/** `source`, held to the hex SHA-256 `expected` (see the top of this file): a reader stage (core/bytes.ts). */
export function verifyDigest(source: ChunkSource, expected: string): ChunkReader {
  const digest = new crypto.DigestStream("SHA-256");
  const hasher = digest.getWriter();
  // Recycled reads (core/bytes.ts): this stage holds at most one chunk back, within what the ring allows.
  const reader = source instanceof ReadableStream ? chunkReader(source, { recycle: true }) : source;
  let held: Uint8Array[] = [];
  /** Chunks released and not yet read; once the source ended and matched, the rest. */
  let out: Uint8Array[] = [];
  let matched = false;
  const fill = async (): Promise<void> => {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        hasher.abort(error).catch(() => {});
        throw error;
      }
      if (result.done) {
        await hasher.close();
        const actual = toHex(await digest.digest);
        if (actual !== expected) throw digestMismatch(expected, actual);
        out = held;
        held = [];
        matched = true;
        return;
      }
      const chunk = result.value;
      if (chunk.byteLength === 0) continue;
      await hasher.write(chunk);
      held.push(chunk);
      // Release everything but the newest chunk, as long as that alone covers the hold-back.
      const newest = held.at(-1) as Uint8Array;
      if (newest.byteLength >= LIMITS.digestHoldBytes && held.length > 1) {
        out = held.slice(0, -1);
        held = [newest];
        return;
      }
    }
  };
  return stage(
    async () => {
      if (out.length === 0 && !matched) await fill();
      const chunk = out.shift();
      return chunk ? { done: false, value: chunk } : { done: true, value: undefined };
    },
    (reason) => {
      hasher.abort(reason).catch(() => {});
      return reader.cancel(reason);
    },
  );
}
