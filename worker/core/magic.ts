// The shape of a format the sniffer recognizes, and the byte comparisons its tests are written with
// (core/sniff.ts for media, core/active-content.ts for what runs). Every test reads only the sample it is
// given, which detect() bounds to LIMITS.sniffBytes.

/** A format recognized by its first bytes. */
export interface Format {
  /** The detected media type reported (detected_type). */
  readonly mime: string;
  /** Extensions files of this format may carry; the first MEDIA extensions are those providers take. */
  readonly family: readonly string[];
  /**
   * Content that runs (an executable, a script, markup with script): it agrees with no name or type, so
   * it is refused whatever it is called (core/active-content.ts).
   */
  readonly active?: true;
  /** Whether `b` (the sample) starts like this format. */
  readonly test: (b: Uint8Array) => boolean;
}

/** Whether `b` holds the characters of `text` (each one byte) at `at`. */
export const ascii = (b: Uint8Array, at: number, text: string) => {
  if (b.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false;
  return true;
};

/** Whether `b` holds the bytes `sig` at `at`. */
export const bytes = (b: Uint8Array, at: number, sig: readonly number[]) =>
  b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);

/** Whether `text` occurs in `b` within its first `within` bytes. */
export const includes = (b: Uint8Array, text: string, within: number) => {
  for (let at = 0; at + text.length <= Math.min(b.length, within); at++) if (ascii(b, at, text)) return true;
  return false;
};

/** Little-endian unsigned integers of 2 and 4 bytes at `at` (0 past the end). */
export const le16 = (b: Uint8Array, at: number) => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
export const le32 = (b: Uint8Array, at: number) => (le16(b, at) | (le16(b, at + 2) << 16)) >>> 0;
/** Big-endian unsigned 4 bytes at `at`. */
export const be32 = (b: Uint8Array, at: number) =>
  (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;

/** Where markup may begin: after a UTF-8 BOM and whitespace (WHATWG MIME Sniffing's leading bytes). */
export function markupStart(b: Uint8Array): number {
  let at = ascii(b, 0, "\xef\xbb\xbf") ? 3 : 0;
  while (at < b.length && [0x09, 0x0a, 0x0c, 0x0d, 0x20].includes(b[at] ?? 0)) at++;
  return at;
}
