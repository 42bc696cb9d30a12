// Content that runs: executables, scripts, and markup carrying script. Executables are never media: a
// format here agrees with no name and no declared type (Format.active), so a file that begins like one is
// refused as content_mismatch whatever it is called and wherever it arrives (core/sniff.ts). Each test
// reads only the sample (LIMITS.sniffBytes), so the cost of a check is bounded whatever the file's size.
import { LIMITS } from "./limits";
import { ascii, be32, type Format, le16, le32, markupStart } from "./magic";

const mz = (b: Uint8Array) => ascii(b, 0, "MZ") || ascii(b, 0, "ZM");

/** A Windows PE: MZ, and "PE\0\0" where the DOS header's e_lfanew points, within the sample. */
function portableExecutable(b: Uint8Array): boolean {
  if (!mz(b) || b.length < 64) return false;
  const pe = le32(b, 0x3c);
  return pe >= 64 && ascii(b, pe, "PE\0\0");
}

/**
 * A DOS/Windows executable whose PE header the sample does not show: "MZ" (or the "ZM" DOS also loads)
 * with either a DOS header as linkers write it — bytes in the last page under 512, a header of at least
 * two paragraphs, the relocation table right after the formatted header (offset 0x1c–0x40;
 * https://wiki.osdev.org/MZ) — or an e_lfanew pointing past the sample (the Windows loader reads nothing
 * else of the DOS header, so a PE's other fields prove nothing). Text starting "MZ" is neither: its
 * printable bytes make every one of those numbers far too large, and random bytes match once in 10⁹.
 */
function dosExecutable(b: Uint8Array): boolean {
  if (!mz(b) || b.length < 28) return false;
  const relocations = le16(b, 0x18);
  if (le16(b, 2) < 512 && le16(b, 8) >= 2 && relocations >= 0x1c && relocations <= 0x40) return true;
  const pe = le32(b, 0x3c);
  return b.length >= 64 && pe >= 64 && pe + 4 > b.length && pe < LIMITS.sniffPeOffsetMax;
}

/**
 * Mach-O (https://github.com/apple-oss-distributions/xnu/blob/main/EXTERNAL_HEADERS/mach-o/loader.h and
 * fat.h): 32- and 64-bit, either byte order, and universal ("fat") binaries in both magics and byte orders.
 */
const MACH_O = [0xfeedface, 0xcefaedfe, 0xfeedfacf, 0xcffaedfe];
const FAT = [0xcafebabe, 0xbebafeca, 0xcafebabf, 0xbfbafeca];
/** Java class files share 0xCAFEBABE; their version (major ≥ 45) sits where a fat header's arch count does. */
const javaClass = (b: Uint8Array) => be32(b, 0) === 0xcafebabe && be32(b, 4) >= 30;

/** A script with an interpreter line: "#!", optional blanks, then the interpreter's path. */
function shebang(b: Uint8Array): boolean {
  if (!ascii(b, 0, "#!")) return false;
  let at = 2;
  while (b[at] === 0x20 || b[at] === 0x09) at++;
  return b[at] === 0x2f;
}

const isLetter = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
const isBlank = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
/** Case-insensitive `text` (lower case) at `at`. */
const word = (b: Uint8Array, at: number, text: string) => {
  if (b.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (((b[at + i] ?? 0) | 0x20) !== text.charCodeAt(i)) return false;
  return true;
};

/**
 * Markup (the sample begins with "<" after a BOM and blanks) that carries script within the sample: a
 * <script> element, an event-handler attribute (on…=) or a javascript: URL inside a tag. One linear pass
 * over the sample; script first seen past it is not found (a hint, not a guarantee).
 */
function scripted(b: Uint8Array): boolean {
  const start = markupStart(b);
  if (b[start] !== 0x3c) return false;
  let inTag = false;
  for (let i = start; i < b.length; i++) {
    const c = b[i] ?? 0;
    if (c === 0x3c) {
      inTag = true;
      if (word(b, i + 1, "script") && !isLetter(b[i + 7] ?? 0x20)) return true;
    } else if (c === 0x3e) {
      inTag = false;
    } else if (inTag && (isBlank(c) || c === 0x2f || c === 0x22 || c === 0x27) && word(b, i + 1, "on")) {
      let j = i + 3;
      while (isLetter(b[j] ?? 0)) j++;
      if (j === i + 3) continue;
      while (isBlank(b[j] ?? 0)) j++;
      if (b[j] === 0x3d) return true;
    } else if (inTag && (c === 0x6a || c === 0x4a) && word(b, i, "javascript:")) {
      return true;
    }
  }
  return false;
}

/** An SVG document: its root element within the sample (after any XML declaration, comments, doctype). */
const svg = (b: Uint8Array) => {
  for (let at = markupStart(b); at + 4 < b.length; at++)
    if (b[at] === 0x3c && word(b, at + 1, "svg") && !isLetter(b[at + 4] ?? 0x20)) return true;
  return false;
};

/** Formats that run, checked before the media formats (sniff.ts FORMATS). */
export const ACTIVE: readonly Format[] = [
  {
    mime: "application/vnd.microsoft.portable-executable",
    family: [],
    active: true,
    test: portableExecutable,
  },
  { mime: "application/x-dosexec", family: [], active: true, test: dosExecutable },
  { mime: "application/x-elf", family: [], active: true, test: (b) => ascii(b, 0, "\x7fELF") },
  { mime: "application/x-mach-binary", family: [], active: true, test: (b) => MACH_O.includes(be32(b, 0)) },
  { mime: "application/java-vm", family: [], active: true, test: javaClass },
  { mime: "application/x-mach-binary", family: [], active: true, test: (b) => FAT.includes(be32(b, 0)) },
  { mime: "text/x-shellscript", family: [], active: true, test: shebang },
  { mime: "image/svg+xml", family: [], active: true, test: (b) => scripted(b) && svg(b) },
  { mime: "text/html", family: [], active: true, test: scripted },
];
