// The one small interface every provider adapter implements (and the conformance suite checks).

import type { ErrorCode } from "../../core/errors";
import type { FieldName, Options, ProviderId } from "./capability";
import type { StreamedFile } from "./encode";

/** A provider's key, base URL and deployment defaults (read from the environment by ./config.ts). */
export interface ProviderConfig {
  readonly apiKey: string;
  readonly baseUrl: string;
  /** Option defaults the deployment sets (a field's `defaultVar`, e.g. USEAPI_ACCOUNT). */
  readonly defaults: Partial<Record<FieldName, string>>;
  /**
   * ALLOW_PRIVATE_NETWORK (development): a URL the provider answers with and the gateway then sends to (fal's
   * signed upload_url) may point at a local host, as callbacks and imports may (core/url-guard.ts).
   */
  readonly allowPrivateNetwork?: boolean;
}

export interface AdapterContext {
  readonly file: StreamedFile;
  /** Validated options with defaults filled (purpose, user, account). */
  readonly options: Options;
  readonly config: ProviderConfig;
  /** Injected so tests and other runtimes choose the transport; nothing global is patched. */
  readonly fetch: typeof fetch;
  /** Aborts the outgoing request (timeout, or the incoming body failed). */
  readonly signal: AbortSignal;
}

/** A provider's successful answer, normalized. */
export interface Delivered {
  readonly providerFileId: string | null;
  readonly url: string | null;
  /** What the provider's generation APIs take. */
  readonly reference: string;
  /** The provider's answer, unchanged. */
  readonly response: Record<string, unknown>;
  /**
   * When the provider will delete the file, from its own answer (ISO 8601, checked by the adapter; Replicate's
   * `expires_at`).
   * Absent: the capability's documented retention decides.
   */
  readonly expiresAt?: string;
}

/** Problem codes a provider answer can map to. */
export type ProviderFailureCode = Extract<
  ErrorCode,
  | "provider_rate_limited"
  | "provider_auth_failed"
  | "provider_error"
  | "provider_timeout"
  | "file_too_large"
  | "unsupported_file_type"
>;

/** A provider's failure, as data; converted to a GatewayError at the adapter boundary (failure.ts). */
export interface ProviderFailure {
  readonly code: ProviderFailureCode;
  /**
   * What went wrong, in our own words: the status, the provider's code and our meaning of it
   * ("base_resp 1026: content flagged as sensitive", "HTTP 500: server error", "connection failed").
   * Never text from the provider's answer: the problem's detail is built from it.
   */
  readonly detail: string;
  /** The provider's HTTP status, when it answered. */
  readonly status?: number;
  /** The provider's own code (Dify string code, MiniMax status_code, Jimmy/WaveSpeed code). */
  readonly providerCode?: string | number;
  /** The provider's message, only from the field its spec defines for one; failure.ts cleans and caps it. */
  readonly message?: string;
  readonly retryAfter?: string;
  /** What the provider answered (parsed or as text) or what was thrown: for the logs only. */
  readonly raw?: unknown;
}

export type AdapterResult =
  | { readonly data: Delivered; readonly error?: never }
  | { readonly data?: never; readonly error: ProviderFailure };

/** What deleting an uploaded file needs: the provider's id for it and the options it was uploaded with. */
export interface DeleteContext {
  readonly providerFileId: string;
  readonly options: Options;
  readonly config: ProviderConfig;
  readonly fetch: typeof fetch;
  readonly signal: AbortSignal;
}

export type DeleteResult = { readonly error?: never } | { readonly error: ProviderFailure };

export interface ProviderAdapter {
  readonly id: ProviderId;
  upload(ctx: AdapterContext): Promise<AdapterResult>;
  /** Deletes an uploaded file, where the provider documents a delete API (MiniMax, useapi). */
  remove?(ctx: DeleteContext): Promise<DeleteResult>;
}
