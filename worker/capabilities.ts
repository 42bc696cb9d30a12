// The capability table: the single source for each provider's limits, formats and fields.
// Validation (upload/validate.ts), GET /v1/providers and the README's provider table all read it.
import type { components } from "../generated/gateway";

export type ProviderId = components["schemas"]["ProviderId"];
export type Kind = components["schemas"]["Kind"];
export type Purpose = components["schemas"]["Purpose"];
export type FieldName = components["schemas"]["Field"]["name"];

/** What we know about a file extension: its kind and the MIME types that may declare it. */
interface MediaType {
  readonly kind: Kind;
  /** First entry is canonical; the rest are aliases clients are seen to send. */
  readonly mime: readonly [string, ...string[]];
}

/** Extensions any provider below accepts. */
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

export interface FieldSpec {
  readonly name: FieldName;
  readonly required: boolean;
  readonly description: string;
  /** Allowed values, each with the extensions it accepts (MiniMax's purpose). */
  readonly values?: readonly { readonly value: string; readonly extensions: readonly Extension[] }[];
  /** Sent when the caller gives none. For useapi's account the default comes from USEAPI_ACCOUNT. */
  readonly default?: string;
}

export interface Capability {
  readonly id: ProviderId;
  readonly name: string;
  /** The vendor document the adapter and spec follow. */
  readonly docs: string;
  readonly defaultBaseUrl: string;
  /** The provider's documented per-file limit; null where it documents none. */
  readonly maxBytes: number | null;
  /** Accepted extensions; null where the provider checks types itself (Dify: per deployment). */
  readonly accepted: readonly Extension[] | null;
  readonly fields: readonly FieldSpec[];
  /** How the adapter forwards the file. */
  readonly body: "multipart" | "raw";
  /** How long the provider keeps the file, where documented. */
  readonly retentionSeconds: number | null;
  /**
   * Files larger than this are not uploaded: the provider gets a signed gateway URL to the staged copy
   * instead (WaveSpeed advises URL input over 300 MB).
   */
  readonly urlAboveBytes?: number;
}

const MB = 1024 * 1024;
const DAY = 24 * 60 * 60;

export const CAPABILITIES = {
  jimmy: {
    id: "jimmy",
    name: "Jimmy AI",
    docs: "https://docs.jimmyai.cn/en/api-reference/files/upload",
    defaultBaseUrl: "https://www.jimmyai.cn",
    // "Maximum file size is 100 MB" (binary megabytes assumed; the documented example sizes are bytes).
    maxBytes: 100 * MB,
    accepted: [
      ...["jpg", "jpeg", "png", "gif", "webp", "bmp", "svg"],
      ...["mp4", "mov", "avi", "webm", "mkv", "m4v", "flv"],
      ...["mp3", "wav", "aac", "m4a", "flac", "ogg"],
    ] as Extension[],
    fields: [],
    body: "multipart",
    retentionSeconds: null,
  },
  dify: {
    id: "dify",
    name: "Dify",
    docs: "https://docs.dify.ai/en/api-reference/files/upload-file",
    defaultBaseUrl: "https://api.dify.ai/v1",
    // Dify's size and type limits are per deployment (UPLOAD_*_FILE_SIZE_LIMIT); its 413/415 answers
    // are passed on as our file_too_large/unsupported_file_type.
    maxBytes: null,
    accepted: null,
    fields: [
      {
        name: "user",
        required: false,
        description: "End-user identifier, unique within the Dify application.",
        default: "mediagate",
      },
    ],
    body: "multipart",
    retentionSeconds: null,
  },
  minimax: {
    id: "minimax",
    name: "MiniMax",
    docs: "https://platform.minimax.io/docs/api-reference/file-management-upload",
    defaultBaseUrl: "https://api.minimax.io",
    maxBytes: null,
    accepted: ["mp3", "m4a", "wav", "txt", "zip", "mp4", "avi", "mov", "mkv"],
    fields: [
      {
        name: "purpose",
        required: true,
        description: "What the file is for; each purpose takes its own formats.",
        values: [
          { value: "voice_clone", extensions: ["mp3", "m4a", "wav"] },
          { value: "prompt_audio", extensions: ["mp3", "m4a", "wav"] },
          // Long-text TTS input: MiniMax's async T2A guide takes .txt or a .zip of texts.
          { value: "t2a_async_input", extensions: ["txt", "zip"] },
          { value: "video_understanding", extensions: ["mp4", "avi", "mov", "mkv"] },
        ],
      },
    ],
    body: "multipart",
    retentionSeconds: null,
  },
  useapi: {
    id: "useapi",
    name: "useapi.net (MiniMax)",
    docs: "https://useapi.net/docs/api-minimax-v1/post-minimax-files",
    defaultBaseUrl: "https://api.useapi.net",
    // "up to 5GB": decimal gigabytes, which also stays under R2's 4.995 GiB single-put ceiling.
    maxBytes: 5_000_000_000,
    accepted: ["png", "jpeg", "jpg", "webp", "mp3", "wav", "mp4"],
    fields: [
      {
        name: "account",
        required: false,
        description:
          "hailuoai.video account; needed when several are configured. Defaults to USEAPI_ACCOUNT.",
      },
    ],
    body: "raw",
    retentionSeconds: null,
  },
  wavespeed: {
    id: "wavespeed",
    name: "WaveSpeedAI",
    docs: "https://wavespeed.ai/docs/how-to-upload-files-api",
    defaultBaseUrl: "https://api.wavespeed.ai",
    maxBytes: null,
    accepted: [
      ...["jpg", "jpeg", "png", "webp", "gif", "bmp", "tiff", "tif"],
      ...["mp4", "avi", "mov", "wmv", "flv", "webm", "mkv", "3gp", "ogv"],
      ...["mp3", "wav", "ogg", "aac", "flac", "m4a", "opus"],
    ] as Extension[],
    fields: [],
    body: "multipart",
    retentionSeconds: 7 * DAY,
    urlAboveBytes: 300 * MB,
  },
} as const satisfies Record<ProviderId, Capability>;

export const PROVIDER_IDS = Object.keys(CAPABILITIES) as ProviderId[];

/**
 * Largest resumable upload for providers that document no limit: 5 GB, useapi's, which also keeps every
 * staged object within R2's single-put ceiling should it ever be re-put.
 */
export const RESUMABLE_MAX_BYTES = 5_000_000_000;

/** The most a provider takes through the resumable API (its own limit, or the gateway's). */
export const resumableLimit = (cap: Capability) => cap.maxBytes ?? RESUMABLE_MAX_BYTES;

export function isProviderId(id: string): id is ProviderId {
  return Object.hasOwn(CAPABILITIES, id);
}

export function capability(id: ProviderId): Capability {
  return CAPABILITIES[id];
}

export function mediaType(ext: string): MediaType | undefined {
  return Object.hasOwn(MEDIA, ext) ? MEDIA[ext as Extension] : undefined;
}
