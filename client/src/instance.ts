// The SDK's instance, declared (as ky and @vercel/blob declare theirs): what createMediagate returns is this
// interface, so its shape is a contract the compiler holds the implementation to (core.ts), not whatever
// the implementation happens to return. Type behaviour is tested in test/types/sdk.test-d.ts.
import type {
  CreateUpload,
  FileList,
  FileRecord,
  ImportResult,
  Provider,
  ProviderId,
  ProviderOptions,
  TransferOptions,
  Uploaded,
  UploadInput,
  UploadOptions,
  UploadStatus,
  UploadTicket,
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
}
