// The SDK's instance, declared (as ky and @vercel/blob declare theirs): what createMediagate returns is this
// interface, so its shape is a contract the compiler holds the implementation to (core.ts), not whatever
// the implementation happens to return. Type behaviour is tested in test/types/sdk.test-d.ts.
import type { CopyOptions, Ensured } from "./reuse";
import type {
  AuditList,
  CreatedKey,
  CreatedWebhook,
  CreateKey,
  CreateUpload,
  CreateWebhook,
  EventDetail,
  EventList,
  EventType,
  FileList,
  FileRecord,
  GatewayEvent,
  ImportResult,
  Key,
  Provider,
  ProviderId,
  ProviderOptions,
  TransferOptions,
  Uploaded,
  UploadInput,
  UploadOptions,
  UploadResult,
  UploadStatus,
  UploadTicket,
  Usage,
  Webhook,
} from "./types";

/** A ticket as uploadWithTicket needs it (what POST /v1/uploads answered, or the fields an app was sent). */
export type TicketForUpload = Pick<UploadTicket, "id" | "upload_url" | "max_bytes" | "headers"> & {
  tus_url?: string;
  filename?: string;
};

export interface ImportOptions extends ProviderOptions {
  provider: ProviderId;
  filename?: string;
  signal?: AbortSignal;
}

export interface FileQuery {
  provider?: ProviderId;
  sha256?: string;
  upload_id?: string;
  kind?: string;
  status?: string;
  limit?: number;
  cursor?: string;
}

/** GET /v1/usage's filters: days as YYYY-MM-DD (UTC; default the 30 days up to today), a key by its id. */
export interface UsageQuery {
  from?: string;
  to?: string;
  provider?: ProviderId;
  key?: string;
}

/** GET /v1/events's filters. */
export interface EventQuery {
  type?: EventType;
  upload_id?: string;
  limit?: number;
  cursor?: string;
}

export interface AuditQuery {
  limit?: number;
  cursor?: string;
}

export interface Mediagate {
  /** Server side, with the key: one request up to the provider's single-request limit, tus above it. */
  upload(input: UploadInput, opts: UploadOptions): Promise<Uploaded>;
  /** App side, no key: the file to a signed ticket; tus when it is larger than one request may carry. */
  uploadWithTicket(
    ticket: TicketForUpload,
    input: UploadInput,
    opts?: TransferOptions & { maxRequestBytes?: number },
  ): Promise<Uploaded>;
  /** GET /v1/providers (cached for the instance's life). */
  providers(): Promise<Provider[]>;
  /** Import a file from a URL (a JSON body on POST /v1/providers/{p}/files). */
  import(url: string, opts: ImportOptions): Promise<ImportResult>;
  readonly tickets: {
    /** A signed, single-use upload URL for an app that holds no key. */
    create(body: CreateUpload): Promise<UploadTicket>;
  };
  readonly uploads: {
    /** A ticket's or a resumable upload's status (only the key's own: another key's is a 404). */
    get(id: string): Promise<UploadStatus>;
  };
  readonly files: {
    list(query?: FileQuery): Promise<FileList>;
    get(id: string): Promise<FileRecord>;
    delete(id: string): Promise<FileRecord>;
  };
  /** Runtime keys of the caller's project (keys:admin). */
  readonly keys: {
    /** A new key, never beyond the caller's own scope; its secret (`key`) is in this answer only. */
    create(body: CreateKey): Promise<CreatedKey>;
    /** Every key of the project, revoked and expired ones too, newest first (never their secrets). */
    list(): Promise<Key[]>;
    /** Refused from its next request on (401 key_revoked), and so are the tickets it minted. */
    revoke(id: string): Promise<Key>;
  };
  /** The project's usage per UTC day and provider, oldest first (usage:read). */
  usage(query?: UsageQuery): Promise<Usage[]>;
  /** Who created and revoked the project's keys, newest first, a page at a time (keys:admin). */
  audit(query?: AuditQuery): Promise<AuditList>;
  /**
   * A live reference for this content at `provider`, with the least transfer: the registry's live record,
   * else a copy from the kept original, else an upload (docs/reuse.md).
   */
  ensure(input: UploadInput, opts: UploadOptions): Promise<Ensured>;
  /** POST /v1/files/{id}/copies: the kept original delivered to another provider, nothing sent. */
  copy(id: string, opts: CopyOptions): Promise<UploadResult>;
  /** POST /v1/files/{id}/refresh: re-delivered from the kept original when expired or within the margin. */
  refresh(id: string, opts?: { margin_seconds?: number }): Promise<FileRecord>;
  /** The project's events, newest first, with their deliveries (events:read; resend: webhooks:admin). */
  readonly events: {
    list(query?: EventQuery): Promise<EventList>;
    /** One event with its delivered data and every delivery attempt. */
    get(id: string): Promise<EventDetail>;
    /** Delivers it again to every endpoint taking its type (202; same webhook-id). */
    resend(id: string): Promise<GatewayEvent>;
  };
  /** Where the project's events are POSTed, signed (webhooks:admin). */
  readonly webhooks: {
    /** A new endpoint; its `secret` (whsec_…) is in this answer only: keep it for verifyWebhook. */
    create(body: CreateWebhook): Promise<CreatedWebhook>;
    list(): Promise<Webhook[]>;
    delete(id: string): Promise<Webhook>;
  };
}
