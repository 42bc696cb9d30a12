// HMAC, encodings and constant-time comparison: the primitives signed URLs, tokens and callbacks share.
// Encodings use the runtime's native Uint8Array base64/hex (TC39 "Uint8Array to/from base64") where it has
// them, and a plain loop elsewhere (Node 20 runs this code in the test emulator and scripts).

const encoder = new TextEncoder();

interface NativeBytes {
  toBase64?(options?: { alphabet?: "base64url"; omitPadding?: boolean }): string;
  toHex?(): string;
}
interface NativeBytesCtor {
  fromBase64?(text: string, options?: { alphabet?: "base64url"; lastChunkHandling?: "strict" }): Uint8Array;
}

const native = new Uint8Array(0) as unknown as NativeBytes;
const nativeCtor = Uint8Array as unknown as NativeBytesCtor;

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (native.toHex) return (view as unknown as NativeBytes).toHex?.() ?? "";
  return Array.from(view, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function b64url(bytes: Uint8Array): string {
  if (native.toBase64)
    return (bytes as unknown as NativeBytes).toBase64?.({ alphabet: "base64url", omitPadding: true }) ?? "";
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** base64url (unpadded) to bytes; null when it is not base64url. */
export function fromB64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    if (nativeCtor.fromBase64) return nativeCtor.fromBase64(text, { alphabet: "base64url" });
    const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
}

export async function hmac(secret: string, message: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(message)));
}

/** Equal-length byte arrays compared in constant time; different lengths are simply unequal. */
export const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && crypto.subtle.timingSafeEqual(a, b);
