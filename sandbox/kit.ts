// What one provider's sandbox declares (./dialects/<id>.ts), and the small helpers it answers with. The
// shared handler (./providers.ts) does the HTTP, the body reading and the scenarios; a provider's dialect
// holds its route, its error dialect and its own accept logic and format tables, transcribed
// from the vendor's document, never imported from the gateway's provider.ts: a mistake in the gateway's
// table must show up as a disagreement.
import type { ProviderId } from "../worker/providers/kit/capability";
import type { MultipartReader } from "./multipart";

export const MB = 1024 * 1024;

/** A filename's extension, lower case ("" when it has none). */
export const ext = (name: string) => name.slice(name.lastIndexOf(".") + 1).toLowerCase();

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers });

/** The file the sandbox read, to its end. */
export interface Upload {
  /** The file part's name (multipart, where the reader reports it); null for a raw body. */
  field?: string | null;
  filename: string | null;
  /** The file part's own Content-Type (multipart) or the body's (raw). */
  type: string | null;
  fields: Record<string, string>;
  bytes: number;
  sha256: string;
}

/** Where the sandbox pretends to keep a file it accepted. */
export const fileUrl = (provider: ProviderId, url: URL, upload: Upload) =>
  `${url.origin}/${provider}/files/${upload.sha256.slice(0, 16)}/${encodeURIComponent(upload.filename || "file")}`;

/** The key of `Authorization: Bearer <key>`, or null. */
export function bearer(request: Request): string | null {
  return /^Bearer\s+(\S+)$/.exec(request.headers.get("authorization") ?? "")?.[1] ?? null;
}

/** A provider's own error code: Dify's are strings, the others' numbers. */
export type Code = string | number;

/** How a provider says no. The optional answers default to the common HTTP ones (see ./providers.ts). */
export interface Dialect {
  error(status: number, message: string, code?: Code): Response;
  /** A failure inside a success status, where the provider has them. */
  inBand(): Response;
  /** A wrong or missing API key (default: 401). */
  unauthorized?(): Response;
  /** Too many requests (default: 429 with Retry-After). */
  rateLimited?(): Response;
  /** Out of credit (default: 402). */
  noBalance?(): Response;
}

/** A file a multi-step provider has put together (OpenAI's completed Upload): recorded as an upload is. */
export interface Arrival {
  readonly filename: string | null;
  readonly contentType: string | null;
  readonly fields: Record<string, string>;
  readonly bytes: number;
  /** Of the file as the provider assembled it; null where the sandbox could not tell. */
  readonly sha256: string | null;
  readonly complete: boolean;
  readonly status: number;
  readonly error?: string;
}

/** What a streamed call is given besides its request: the host's multipart reader, and the record. */
export interface SandboxIo {
  readonly readMultipart: MultipartReader;
  /** Records a file the provider now holds, for GET /__sandbox/received and the tests. */
  arrived(arrival: Arrival): void;
}

/**
 * One of a provider's other calls (delete; a multi-step upload's create, parts, complete, cancel), as its
 * document describes it. Authorized with the provider's key (`SandboxProvider.credential`), logged.
 */
export interface SandboxCall {
  readonly method: string;
  /** Matched against the sandbox path; groups are handed to the handler. */
  readonly path: RegExp;
  /** Matches only what this also accepts (a header naming the step: Gemini's X-Goog-Upload-Command). */
  when?(request: Request): boolean;
  /** The body is bytes (fal's parts): the handler gets them as `bytes`, and `body` is "". */
  readonly binary?: boolean;
  /** The answer to an authorized call; `body` is the request body as text. */
  handle?(body: string, match: RegExpExecArray, url: URL, request: Request, bytes?: Uint8Array): Response;
  /** Or the answer from the request itself, its body read as a stream (a part of a file). */
  stream?(request: Request, match: RegExpExecArray, url: URL, io: SandboxIo): Promise<Response>;
}

export interface SandboxProvider {
  readonly id: ProviderId;
  /** The API key it accepts: the provider folder's dev wiring (provider.ts `dev.sandboxKey`). */
  readonly key: string;
  /** The sandbox paths its upload API answers at (with `uploadMethod`). */
  readonly paths: readonly string[];
  /** The method its upload takes (default POST; fal's signed URL takes a PUT). */
  readonly uploadMethod?: "POST" | "PUT";
  /**
   * Whether a request (an upload or one of its `calls`) is authorized. Default: `Authorization: Bearer <key>`.
   * fal: `Authorization: Key <key>`, and its signed upload URL's token.
   */
  authorized?(request: Request, url: URL): boolean;
  /** How the file arrives: the `file` part of a multipart body, or the raw body. */
  readonly body: "multipart" | "raw";
  /**
   * Where a `sandbox-<scenario>` is named before the body is read, for a provider that gets no filename
   * (useapi: its account). Otherwise the scenario is read from the filename.
   */
  scenarioSource?(url: URL): string;
  readonly dialect: Dialect;
  /** The provider's answer to a well-formed upload: its own checks, then its success shape. */
  accept(upload: Upload, url: URL): Response;
  /** Its other file calls (MiniMax and useapi: delete). */
  readonly calls?: readonly SandboxCall[];
  /**
   * The key a request carries, as the provider reads it (default: `Authorization: Bearer`); a session URL
   * that authorizes by itself answers the provider's key.
   */
  credential?(request: Request, url: URL): string | null;
  /** The name a raw upload is known by, where the provider was told it (a Gemini session's display name). */
  knownAs?(url: URL): string | null;
  /** Refuses an upload on its headers before its body is read (a session's command and offset). */
  precheck?(request: Request, url: URL): Response | null;
}
