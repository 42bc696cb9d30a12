// Upload once, use anywhere (docs/reuse.md): copies of a kept original, refreshes, and ensure() — a live
// reference for some content at a provider with the least transfer: the registry's live record (nothing
// sent), else a copy from the project's kept original (the gateway sends it, the client sends nothing), else
// an upload (declaring the digest, so the gateway may still answer it from a kept original unread).
import { MediagateError } from "./errors";
import { blobSha256 } from "./sha256";
import type {
  FileList,
  FileRecord,
  ProviderId,
  ProviderOptions,
  Source,
  Uploaded,
  UploadInput,
  UploadOptions,
  UploadResult,
} from "./types";
import { OPTION_NAMES } from "./types";

export interface CopyOptions extends ProviderOptions {
  provider: ProviderId;
}

export interface Ensured {
  /** live: the registry's record, nothing sent; copy: from the kept original; upload: the bytes were sent. */
  via: "live" | "copy" | "upload";
  id: string;
  reference: string;
  /** The live record, or the copy's or upload's result. */
  result: FileRecord | UploadResult;
}

interface Deps {
  json<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T>;
  open(input: UploadInput): Promise<Source>;
  upload(input: UploadInput, opts: UploadOptions): Promise<Uploaded>;
  needKey(what: string): void;
}

const optionsOf = (opts: ProviderOptions) => {
  const out: Record<string, string> = {};
  for (const name of OPTION_NAMES) if (opts[name] !== undefined) out[name] = String(opts[name]);
  return out;
};

/** A record usable as-is: this provider, live, taken with the same options. */
const liveFor = (record: FileRecord, provider: ProviderId, options: Record<string, string>) =>
  record.provider === provider &&
  (record.status === "uploaded" || record.status === "staged") &&
  Object.entries(options).every(([k, v]) => (record.options as Record<string, string>)?.[k] === v);

export function reuseCalls(d: Deps) {
  const path = (id: string, what: string) => `/v1/files/${encodeURIComponent(id)}/${what}`;
  const copy = (id: string, opts: CopyOptions): Promise<UploadResult> => {
    d.needKey("copy()");
    return d.json<UploadResult>("POST", path(id, "copies"), opts);
  };
  const refresh = (id: string, opts: { margin_seconds?: number } = {}): Promise<FileRecord> => {
    d.needKey("refresh()");
    return d.json<FileRecord>("POST", path(id, "refresh"), opts);
  };

  /**
   * The input is hashed first, once (a path or a stream-hashable Blob in one bounded-memory pass; see
   * docs/reuse.md for browsers); without a digest there is nothing to look up and it is uploaded.
   */
  async function ensure(input: UploadInput, opts: UploadOptions): Promise<Ensured> {
    d.needKey("ensure()");
    const source = await d.open(input);
    // A Blob the runtime could not hash whole (a browser's over 16 MiB) is read once through a JS hash.
    const hashed =
      opts.sha256 ?? (await source.sha256?.()) ?? (source.blob ? await blobSha256(source.blob) : undefined);
    const sha256 = hashed?.toLowerCase();
    if (sha256) {
      const options = optionsOf(opts);
      const list = await d.json<FileList>(
        "GET",
        `/v1/files?sha256=${sha256}&limit=100`,
        undefined,
        opts.signal,
      );
      const live = list.data.find((r) => liveFor(r, opts.provider, options));
      if (live) return { via: "live", id: live.id, reference: live.reference, result: live };
      const kept = list.data.find((r) => (r as { original?: { kept?: boolean } }).original?.kept);
      if (kept) {
        try {
          const result = await copy(kept.id, { provider: opts.provider, ...options });
          return { via: "copy", id: result.id, reference: result.reference, result };
        } catch (error) {
          // Its retention ended since the list was read: upload it.
          if (!(error instanceof MediagateError && error.code === "original_not_kept")) throw error;
        }
      }
    }
    const uploaded = await d.upload(input, { ...opts, ...(sha256 ? { sha256 } : {}) });
    const result = uploaded.result;
    if (!result) throw new MediagateError("unexpected", "unexpected_response", "The upload gave no result.");
    const via = (result as { source?: string }).source === "kept" ? "copy" : "upload";
    return { via, id: result.id, reference: result.reference, result };
  }

  return { ensure, copy, refresh };
}
