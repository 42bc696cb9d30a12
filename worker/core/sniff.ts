// Content sniffing: what a file's first bytes say it is, by magic numbers. Beside the extension table
// (media.ts): each format names the extensions its files may carry (its family), so a recognized format
// whose family excludes the extension a file was validated as is a contradiction (an HTML page or a ZIP
// named photo.png, an MP4 named song.mp3). What runs (executables, scripts, markup with script:
// active-content.ts) agrees with nothing and is refused under any name. An unrecognized beginning says
// nothing and passes: some valid MP3s have no header, and text has no magic. A hint, not a guarantee: the sample is bounded
// (LIMITS.sniffBytes) and a crafted file can start like anything.
//
// A table of our own rather than file-type: file-type's buffer entry (core.js with strtok3, token-types and
// uint8array-extras) adds more to the gzip bundle than the headroom the budget leaves (docs/sniffing.md),
// and detects hundreds of formats no provider takes.
import { ACTIVE } from "./active-content";
import { type ChunkReader, chunkReader } from "./bytes";
import { GatewayError } from "./errors";
import { LIMITS } from "./limits";
import { ascii, bytes, type Format, includes, markupStart } from "./magic";
import { type Extension, MEDIA } from "./media";
import type { ChunkSource } from "./stages";

export const SNIFF_BYTES = LIMITS.sniffBytes;

export type { Format };

/** ISO base media (MP4, MOV, M4A, 3GP): one container, told apart by brand, named by any of these. */
const ISO: readonly Extension[] = ["mp4", "m4v", "mov", "m4a", "3gp"];
const ftyp = (b: Uint8Array, brands?: readonly string[]) =>
  ascii(b, 4, "ftyp") && (!brands || brands.some((brand) => ascii(b, 8, brand)));
/** QuickTime files from before ftyp start with one of these atoms. */
const qtAtom = (b: Uint8Array) =>
  ["moov", "mdat", "wide", "free", "skip", "pnot"].some((a) => ascii(b, 4, a));

/** MPEG audio frame header at `at`: its length in bytes, or 0 when it is not one. */
function mpegFrame(b: Uint8Array, at: number): number {
  const [h0, h1 = 0, h2 = 0] = [b[at], b[at + 1], b[at + 2]];
  if (h0 !== 0xff || (h1 & 0xe0) !== 0xe0) return 0;
  const version = (h1 >> 3) & 3; // 0: 2.5, 2: 2, 3: 1 (1 is reserved)
  const layer = (h1 >> 1) & 3; // 1: III, 2: II, 3: I (0 is reserved, ADTS uses it)
  const rateIndex = h2 >> 4;
  const freqIndex = (h2 >> 2) & 3;
  if (version === 1 || layer === 0 || rateIndex === 0 || rateIndex === 15 || freqIndex === 3) return 0;
  const V1 = [
    [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448], // layer I
    [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384], // layer II
    [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320], // layer III
  ];
  const V2 = [
    [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  ];
  const row = 3 - layer; // 0: I, 1: II, 2: III
  const kbps = (version === 3 ? V1 : V2)[row]?.[rateIndex - 1] ?? 0;
  const hz = ([44100, 48000, 32000][freqIndex] ?? 0) / (version === 3 ? 1 : version === 2 ? 2 : 4);
  const padding = (h2 >> 1) & 1;
  if (row === 0) return Math.floor((12 * kbps * 1000) / hz + padding) * 4;
  const perFrame = row === 2 && version !== 3 ? 72 : 144;
  return Math.floor((perFrame * kbps * 1000) / hz) + padding;
}

/** Frame sync alone is two bytes: random data has it once in 2,000 files. A second frame where the first ends confirms it. */
function mpegAudio(b: Uint8Array): boolean {
  const first = mpegFrame(b, 0);
  if (first === 0) return false;
  return b.length < first + 3 ? b.length === first : mpegFrame(b, first) > 0;
}

/** ADTS (raw AAC): sync FFF with layer 00, the frame's length in 13 bits; confirmed by the next header. */
function adts(b: Uint8Array, at = 0, again = true): boolean {
  if (b[at] !== 0xff || ((b[at + 1] ?? 0) & 0xf6) !== 0xf0) return false;
  const length = (((b[at + 3] ?? 0) & 3) << 11) | ((b[at + 4] ?? 0) << 3) | ((b[at + 5] ?? 0) >> 5);
  if (length < 7) return false;
  if (!again || b.length < at + length + 2) return b.length === at + length || !again;
  return adts(b, at + length, false);
}

/** Markup browsers sniff as HTML (WHATWG MIME Sniffing, "identifying a resource with an unknown MIME type"). */
const HTML_TAGS = ["!doctype html", "html", "head", "body", "script", "iframe", "h1", "div", "font", "table"];
// Not "<!--": SVG and other XML start with comments too.
const HTML_MORE = ["a", "style", "title", "b", "br", "p"];
function html(b: Uint8Array): boolean {
  const at = markupStart(b);
  if (b[at] !== 0x3c) return false;
  const rest = String.fromCharCode(...b.subarray(at + 1, at + 16)).toLowerCase();
  return [...HTML_TAGS, ...HTML_MORE].some((tag) => {
    if (!rest.startsWith(tag)) return false;
    const after = rest.charCodeAt(tag.length);
    return after === 0x20 || after === 0x3e;
  });
}

/**
 * The formats, most specific first: what runs (core/active-content.ts) before any media format, so markup
 * with script is never taken for plain HTML. Families list every extension a file of the format may carry,
 * also ones outside MEDIA (a PDF is fine as report.pdf where a provider takes any extension).
 */
export const FORMATS: readonly Format[] = [
  ...ACTIVE,
  { mime: "image/png", family: ["png"], test: (b) => bytes(b, 0, [0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]) },
  { mime: "image/jpeg", family: ["jpg", "jpeg"], test: (b) => bytes(b, 0, [0xff, 0xd8, 0xff]) },
  { mime: "image/gif", family: ["gif"], test: (b) => ascii(b, 0, "GIF87a") || ascii(b, 0, "GIF89a") },
  { mime: "image/webp", family: ["webp"], test: (b) => ascii(b, 0, "RIFF") && ascii(b, 8, "WEBP") },
  { mime: "image/bmp", family: ["bmp"], test: (b) => ascii(b, 0, "BM") && bytes(b, 6, [0, 0, 0, 0]) },
  {
    mime: "image/tiff",
    family: ["tif", "tiff"],
    test: (b) => ascii(b, 0, "II*\0") || ascii(b, 0, "MM\0*"),
  },
  { mime: "audio/mp4", family: ISO, test: (b) => ftyp(b, ["M4A ", "M4B ", "M4P "]) },
  { mime: "video/quicktime", family: ISO, test: (b) => ftyp(b, ["qt  "]) || qtAtom(b) },
  { mime: "video/3gpp", family: ISO, test: (b) => ftyp(b, ["3gp", "3g2"]) },
  { mime: "video/mp4", family: ISO, test: (b) => ftyp(b) },
  {
    mime: "video/webm",
    family: ["webm", "mkv"],
    test: (b) => bytes(b, 0, [0x1a, 0x45, 0xdf, 0xa3]) && includes(b, "webm", 64),
  },
  { mime: "video/x-matroska", family: ["mkv", "webm"], test: (b) => bytes(b, 0, [0x1a, 0x45, 0xdf, 0xa3]) },
  { mime: "video/x-msvideo", family: ["avi"], test: (b) => ascii(b, 0, "RIFF") && ascii(b, 8, "AVI ") },
  { mime: "audio/wav", family: ["wav"], test: (b) => ascii(b, 0, "RIFF") && ascii(b, 8, "WAVE") },
  { mime: "video/x-flv", family: ["flv"], test: (b) => ascii(b, 0, "FLV\x01") },
  {
    mime: "video/x-ms-wmv",
    family: ["wmv", "asf", "wma"],
    test: (b) => bytes(b, 0, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11]),
  },
  { mime: "audio/flac", family: ["flac"], test: (b) => ascii(b, 0, "fLaC") },
  {
    mime: "audio/opus",
    family: ["opus", "ogg", "ogv"],
    test: (b) => ascii(b, 0, "OggS") && includes(b, "OpusHead", 64),
  },
  {
    mime: "video/ogg",
    family: ["ogv", "ogg"],
    test: (b) => ascii(b, 0, "OggS") && includes(b, "\x80theora", 64),
  },
  { mime: "audio/ogg", family: ["ogg", "opus", "ogv"], test: (b) => ascii(b, 0, "OggS") },
  // ID3v2 tags lead MP3s, and sometimes AAC and FLAC files.
  {
    mime: "audio/mpeg",
    family: ["mp3", "aac", "flac"],
    test: (b) => ascii(b, 0, "ID3") && (b[3] ?? 9) < 5,
  },
  { mime: "audio/mpeg", family: ["mp3"], test: mpegAudio },
  { mime: "audio/aac", family: ["aac"], test: (b) => adts(b) },
  {
    mime: "application/zip",
    family: ["zip", "docx", "xlsx", "pptx", "odt", "ods", "odp", "epub", "jar", "apk"],
    test: (b) => ascii(b, 0, "PK\x03\x04") || ascii(b, 0, "PK\x05\x06") || ascii(b, 0, "PK\x07\x08"),
  },
  { mime: "application/pdf", family: ["pdf"], test: (b) => ascii(b, 0, "%PDF-") },
  { mime: "application/gzip", family: ["gz", "tgz"], test: (b) => bytes(b, 0, [0x1f, 0x8b, 8]) },
  { mime: "application/x-7z-compressed", family: ["7z"], test: (b) => ascii(b, 0, "7z\xbc\xaf\x27\x1c") },
  { mime: "application/x-rar-compressed", family: ["rar"], test: (b) => ascii(b, 0, "Rar!\x1a\x07") },
  { mime: "text/html", family: ["html", "htm", "xhtml"], test: html },
];

/** The detected types that agree with an extension (GET /v1/providers lists them beside MEDIA's). */
export function detectableAs(extension: string): string[] {
  return [...new Set(FORMATS.filter((f) => f.family.includes(extension)).map((f) => f.mime))];
}

/** The format a sample starts like, if any. */
export function detect(sample: Uint8Array): Format | undefined {
  const b = sample.subarray(0, SNIFF_BYTES);
  return FORMATS.find((f) => f.test(b));
}

/** What a file was validated as: its extension and media type. */
export interface Claimed {
  readonly extension: string;
  readonly mimeType: string;
}

/** Whether a detected format agrees with what the file was validated as: its extension, or its type. */
export function agrees(format: Format, claimed: Claimed): boolean {
  // Executables are never media: no name or type makes one acceptable.
  if (format.active) return false;
  if (format.family.includes(claimed.extension)) return true;
  // No extension (providers that take any name): the declared type decides, when there is one.
  if (claimed.extension === "" || !Object.hasOwn(MEDIA, claimed.extension)) {
    if (claimed.mimeType === "application/octet-stream") return claimed.extension === "";
    const types = format.family.flatMap((e) =>
      Object.hasOwn(MEDIA, e) ? (MEDIA[e as Extension].mime as readonly string[]) : [],
    );
    return claimed.mimeType === format.mime || types.includes(claimed.mimeType);
  }
  return false;
}

/** The detected type of a sample, or a 415 content_mismatch when it contradicts the claimed type. */
export function checkSample(sample: Uint8Array, claimed: Claimed): string | null {
  const format = detect(sample);
  if (!format) return null;
  if (!agrees(format, claimed)) {
    const declared = claimed.mimeType;
    const named = claimed.extension ? `".${claimed.extension}" (${declared})` : declared;
    const runs = format.active ? ", which runs as a program or script: executables are never media" : "";
    throw new GatewayError(
      "content_mismatch",
      `The file is named or declared ${named}, but its content is ${format.mime}${runs}.`,
      { extras: { declared_type: declared, detected_type: format.mime } },
    );
  }
  return format.mime;
}

export interface Peeked {
  /** The stream's first bytes, at most SNIFF_BYTES (fewer only when the stream is shorter). */
  readonly sample: Uint8Array;
  /** The whole stream again: the bytes read for the sample first, then the rest as it comes. */
  readonly reader: ChunkReader;
}

/**
 * Reads the first bytes of `source` for a sample and hands back a reader that re-emits them ahead of the
 * rest: no second read, no extra round trip, no stream in between (core/stages.ts). Reads as
 * the upload path reads (chunkReader: one large read of a byte stream), so the sample costs no extra read
 * either; only SNIFF_BYTES of it are looked at. A watched body's idle timeout applies to these reads as
 * to any (core/body.ts watchArrivals).
 */
export async function peek(source: ChunkSource, options: { recycle?: boolean } = {}): Promise<Peeked> {
  const reader =
    source instanceof ReadableStream ? chunkReader(source, { recycle: options.recycle === true }) : source;
  const held: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  try {
    while (size < SNIFF_BYTES) {
      const next = await reader.read();
      if (next.done) {
        ended = true;
        break;
      }
      held.push(next.value);
      size += next.value.byteLength;
    }
  } catch (error) {
    // Not awaited: cancelling a byte stream while a read is still pending (the idle timer fired during
    // readAtLeast, which resolves only once its minimum arrived) settles only when that read does, and a
    // stalled client never completes it; the answer must not wait on it.
    reader.cancel(error).catch(() => {});
    throw error;
  }
  const sample = new Uint8Array(Math.min(size, SNIFF_BYTES));
  let at = 0;
  for (const chunk of held) {
    if (at >= sample.length) break;
    const take = chunk.subarray(0, sample.length - at);
    sample.set(take, at);
    at += take.byteLength;
  }
  return {
    sample,
    reader: {
      read: async () => {
        const first = held.shift();
        if (first) return { done: false, value: first };
        if (ended) return { done: true, value: undefined };
        return reader.read();
      },
      cancel: (reason) => reader.cancel(reason),
      closed: reader.closed,
    },
  };
}

/** Peeks at `source` and checks its sample against `claimed`; the reader to send on and the detected type. */
export async function sniff(
  source: ChunkSource,
  claimed: Claimed,
  options: Parameters<typeof peek>[1] = {},
): Promise<{ reader: ChunkReader; detected: string | null }> {
  const { sample, reader } = await peek(source, options);
  try {
    return { reader, detected: checkSample(sample, claimed) };
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  }
}
