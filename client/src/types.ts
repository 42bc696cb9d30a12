// The SDK's public types (from specs/gateway.yaml through generated/gateway.d.ts) and the two seams between the
// runtime-neutral core and a runtime: a Source (a file opened for upload) and a Platform.
import type * as tus from "tus-js-client";
import type { components, paths } from "../../generated/gateway";

export type UploadResult = components["schemas"]["UploadResult"];
export type UploadTicket = components["schemas"]["UploadTicket"];
export type UploadStatus = components["schemas"]["UploadStatus"];
/** POST /v1/uploads's body; fields with a default in the spec (expires_in) may be left out. */
export type CreateUpload = Omit<components["schemas"]["CreateUpload"], "expires_in"> &
  Partial<Pick<components["schemas"]["CreateUpload"], "expires_in">>;
export type Provider = components["schemas"]["Provider"];
export type ProviderId = components["schemas"]["ProviderId"];
export type Purpose = components["schemas"]["Purpose"];
/** Keys, their scopes and quotas, usage and audit (docs/keys.md). */
export type Action = components["schemas"]["Action"];
export type Quotas = components["schemas"]["Quotas"];
export type CreateKey = components["schemas"]["CreateKey"];
export type Key = components["schemas"]["Key"];
export type CreatedKey = components["schemas"]["CreatedKey"];
export type Usage = components["schemas"]["Usage"];
export type AuditEntry = components["schemas"]["AuditEntry"];
export type AuditList = components["schemas"]["AuditList"];
export type EventType = components["schemas"]["EventType"];
export type GatewayEvent = components["schemas"]["Event"];
export type EventList = components["schemas"]["EventList"];
export type EventDetail = components["schemas"]["EventDetail"];
export type Webhook = components["schemas"]["Webhook"];
export type CreateWebhook = components["schemas"]["CreateWebhook"];
export type CreatedWebhook = components["schemas"]["CreatedWebhook"];

// The registry and URL import are typed from gateway.yaml once it describes them; until then, these
// fallbacks state their shapes.
type Dig<T, K extends readonly PropertyKey[]> = K extends readonly [
  infer H,
  ...infer R extends readonly PropertyKey[],
]
  ? H extends keyof T
    ? Dig<T[H], R>
    : undefined
  : T;
type Or<T, F> = [T] extends [undefined] ? F : T;
type Json<P extends string, M extends string, S extends number> = Dig<
  paths,
  [P, M, "responses", S, "content", "application/json"]
>;

/** A registry record: an UploadResult with its owner's view of it (status, options, times). */
export type FileRecord = Or<
  Json<"/v1/files/{id}", "get", 200>,
  Omit<UploadResult, "status"> & {
    status: "uploaded" | "staged" | "expired" | "deleted";
    created_at: string;
    options?: { [K in (typeof OPTION_NAMES)[number]]?: string };
    provider_deleted?: boolean;
  }
>;
export type FileList = Or<Json<"/v1/files", "get", 200>, { data: FileRecord[]; next_cursor: string | null }>;
export type ImportResult = UploadResult & { source_url?: string };

/** What `upload` takes: a File/Blob, bytes, a Node path, or a ReadableStream with its size. */
export type UploadInput =
  | Blob
  | Uint8Array
  | string
  | { stream: ReadableStream<Uint8Array>; size: number; name?: string; type?: string };

export interface Progress {
  /** Bytes sent so far: monotonic, ending at `total`. */
  loaded: number;
  total: number;
  /** 0–1. */
  fraction: number;
  transport: "single" | "tus";
}

export interface TransferOptions {
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
  /** The file's name (defaults to the File's or the path's; required for bytes and streams). */
  filename?: string;
  /** The media type (defaults to the Blob's, else from the extension). */
  contentType?: string;
  /** Hex SHA-256 of the file, when you know it: sent as Repr-Digest (one request) or as tus Upload-Metadata
   *  `sha256`, and the gateway refuses to deliver a file that does not match it. */
  sha256?: string;
  /** On abort, also delete the partial tus upload at the gateway (default: keep it, so it can resume). */
  terminateOnAbort?: boolean;
  /** Force a transport; default: one request up to the single-request limit, tus above it. */
  transport?: "single" | "tus";
  /** tus PATCH size (default: the smaller of 50 MiB and the single-request limit). */
  chunkSize?: number;
  /**
   * tus with a gateway key: send the file as this many parts at once (tus concatenation, where the gateway
   * advertises it), each over its own connection; 1 sends it in one sequence. Default 4, for a file of at
   * least 4 PATCHes that can be read at any offset (bytes, a Blob, a path; not a stream).
   */
  parallelUploads?: number;
  /** Called when a tus upload resumes one interrupted earlier (with the bytes already at the gateway). */
  onResume?: (offset: number) => void;
}

/** The options a provider may take (GET /v1/providers lists each provider's), as the gateway names them. */
export const OPTION_NAMES = [
  "purpose",
  "user",
  "account",
  "expires_after",
  "display_name",
  "metadata",
] as const;

export interface ProviderOptions {
  /** MiniMax's and OpenAI's (each takes its own values). */
  purpose?: Purpose;
  /** Dify's end-user id. */
  user?: string;
  /** useapi's account. */
  account?: string;
  /** OpenAI: seconds after creation when it deletes the file (3600 to 2592000), as a string. */
  expires_after?: string;
  /** Gemini: the File's display name (defaults to the filename). */
  display_name?: string;
  /** Replicate: a JSON object, as JSON text. */
  metadata?: string;
}

export interface UploadOptions extends TransferOptions, ProviderOptions {
  provider: ProviderId;
  /** Keep the original in the gateway's R2 this many days (0: not kept; default the project's keep_days). */
  keep_days?: number;
}

export interface Uploaded {
  /** The upload's result; null only for a tus upload through a ticket (the gateway answers the app no body:
   *  your backend reads it with `uploads.get(id)` or its callback). */
  result: UploadResult | null;
  /** The upload id (the result's id, or the ticket's / tus upload's). */
  id: string;
  transport: "single" | "tus";
  /** Whether a Repr-Digest was sent (the registry can then skip a file the provider already holds). */
  digest_sent: boolean;
  /** Whether the gateway answered with an existing record instead of taking the bytes. */
  deduplicated: boolean;
}

export interface MediagateOptions {
  baseUrl: string;
  apiKey?: string;
  /** A fetch to use instead of the global one (tests, workerd service bindings, instrumentation). */
  fetch?: typeof fetch;
  /** Where tus remembers upload URLs to resume after a restart (default: localStorage in browsers, a file in
   *  Node). `false` turns resuming across restarts off. */
  urlStorage?: tus.UrlStorage | false;
}

/** A file opened for upload. */
export interface Source {
  size: number;
  name: string | undefined;
  type: string | undefined;
  /** Whole bytes in memory, when they are (Uint8Array, or a Blob); used for the digest. */
  bytes?: Uint8Array;
  blob?: Blob;
  /** A file on disk (a Node path): hashed for one request up to PATH_DIGEST_MAX (sources.ts). */
  onDisk?: boolean;
  /** A one-shot stream of the file. */
  stream(): ReadableStream<Uint8Array>;
  /** What tus-js-client takes for it. */
  tusInput(): unknown;
  /**
   * Whether tus may resume it after a restart: it can be read again from the start to name its content
   * (bytes, a path, a Blob; not a one-shot stream). The fingerprint that finds a previous upload is then the
   * content's (contentKey in sources.ts), never tus-js-client's own, which does not read the whole content.
   */
  resumable: boolean;
  /** Hex SHA-256 of all of it (memoised); undefined where it cannot be had (see contentKey in sources.ts). */
  sha256?: () => Promise<string | undefined>;
}

export interface Platform {
  openPath?: (path: string) => Promise<Source>;
  defaultUrlStorage?: () => tus.UrlStorage | undefined;
  /** Buffer for tus in Node; Blob in browsers. */
  bytesForTus: (bytes: Uint8Array) => unknown;
  /** Node: fetch takes a counted stream body (duplex: half). Browsers: XHR for upload progress. */
  countedStreams: boolean;
  /** Hex SHA-256 of a stream in one pass of bounded memory (node:crypto); browsers have no incremental hash. */
  hashStream?: (stream: ReadableStream<Uint8Array>) => Promise<string>;
}
