// What the gateway knows about file extensions: each one's kind and the MIME types that may declare it.
// Validation, sniffing and GET /v1/providers read this one table; providers list the extensions they take.
import type { components } from "../../generated/gateway";

export type Kind = components["schemas"]["Kind"];

/** What we know about a file extension: its kind and the MIME types that may declare it. */
export interface MediaType {
  readonly kind: Kind;
  /** First entry is canonical; the rest are aliases clients are seen to send. */
  readonly mime: readonly [string, ...string[]];
}

/** A file as the gateway knows it once validated: name, type, kind and exact size. */
export interface FileInfo {
  readonly name: string;
  readonly extension: string;
  readonly mimeType: string;
  readonly kind: Kind;
  readonly size: number;
}

/** Extensions any provider takes. */
export const MEDIA = {
  jpg: { kind: "image", mime: ["image/jpeg", "image/jpg", "image/pjpeg"] },
  jpeg: { kind: "image", mime: ["image/jpeg", "image/jpg", "image/pjpeg"] },
  png: { kind: "image", mime: ["image/png"] },
  gif: { kind: "image", mime: ["image/gif"] },
  webp: { kind: "image", mime: ["image/webp"] },
  bmp: { kind: "image", mime: ["image/bmp", "image/x-ms-bmp"] },
  svg: { kind: "image", mime: ["image/svg+xml"] },
  tiff: { kind: "image", mime: ["image/tiff"] },
  tif: { kind: "image", mime: ["image/tiff"] },
  mp4: { kind: "video", mime: ["video/mp4"] },
  mov: { kind: "video", mime: ["video/quicktime"] },
  avi: { kind: "video", mime: ["video/x-msvideo", "video/avi", "video/msvideo"] },
  webm: { kind: "video", mime: ["video/webm", "audio/webm"] },
  mkv: { kind: "video", mime: ["video/x-matroska", "video/matroska"] },
  m4v: { kind: "video", mime: ["video/x-m4v", "video/mp4"] },
  flv: { kind: "video", mime: ["video/x-flv"] },
  wmv: { kind: "video", mime: ["video/x-ms-wmv"] },
  "3gp": { kind: "video", mime: ["video/3gpp", "audio/3gpp"] },
  ogv: { kind: "video", mime: ["video/ogg"] },
  mp3: { kind: "audio", mime: ["audio/mpeg", "audio/mp3"] },
  wav: { kind: "audio", mime: ["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"] },
  aac: { kind: "audio", mime: ["audio/aac", "audio/x-aac"] },
  m4a: { kind: "audio", mime: ["audio/mp4", "audio/x-m4a", "audio/m4a"] },
  flac: { kind: "audio", mime: ["audio/flac", "audio/x-flac"] },
  ogg: { kind: "audio", mime: ["audio/ogg", "application/ogg"] },
  opus: { kind: "audio", mime: ["audio/opus", "audio/ogg"] },
  txt: { kind: "document", mime: ["text/plain"] },
  zip: { kind: "document", mime: ["application/zip", "application/x-zip-compressed"] },
} as const satisfies Record<string, MediaType>;

export type Extension = keyof typeof MEDIA;

/** The table's entry for an extension (lower case, no dot), if it has one. */
export function mediaTypeOf(ext: string): MediaType | undefined {
  return Object.hasOwn(MEDIA, ext) ? MEDIA[ext as Extension] : undefined;
}

/**
 * A filename without any path: its last segment after "/" or "\\" — what RFC 6266 §4.3 asks of recipients
 * (https://www.rfc-editor.org/rfc/rfc6266#section-4.3), what browsers send, and what busboy keeps by
 * default. Every name that enters (a multipart filename or filename*, ?filename=, tus metadata, a ticket's,
 * an import's) is taken through this, so "../../etc/x.png" or "C:\\Users\\me\\x.png" is "x.png" to a
 * provider, in the result and in the registry.
 */
export function baseName(filename: string): string {
  return filename.slice(Math.max(filename.lastIndexOf("/"), filename.lastIndexOf("\\")) + 1);
}

/** A filename's extension, lower case, without the dot ("" when it has none). */
export function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf(".");
  return dot === -1 ? "" : filename.slice(dot + 1).toLowerCase();
}

/**
 * A media type's essence — type/subtype, lower case, without parameters (RFC 9110 §8.3.1) — from a
 * Content-Type header or a metadata value; undefined when there is none.
 */
export function essence(value: string | null | undefined): string | undefined {
  return value?.split(";")[0]?.trim().toLowerCase() || undefined;
}
