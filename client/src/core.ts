// The SDK proper, for every runtime: what differs between Node, browsers and React Native (reading a path,
// where tus upload URLs are remembered, how a body's progress is counted, hashing) comes in as a Platform.
// The inputs and what names their content: sources.ts; one request: single.ts; tus: tus.ts.
import createClient from "openapi-fetch";
import type { components, paths } from "../../generated/gateway";
import { adminCalls } from "./admin";
import { MediagateError, problemError, toMediagateError, unwrap } from "./errors";
import { eventCalls } from "./events";
import type { FileQuery, ImportOptions, Mediagate, TicketForUpload } from "./instance";
import { reuseCalls } from "./reuse";
import { progressReporter, readBody, sendWithFetch, sendWithXhr, XhrClass } from "./single";
import { MiB, openInMemory, reprDigest, typeOf } from "./sources";
import { ticketFilename } from "./ticket";
import { viaTus } from "./tus";
import type {
  CreateUpload,
  FileList,
  FileRecord,
  ImportResult,
  MediagateOptions,
  Platform,
  Provider,
  Source,
  TransferOptions,
  Uploaded,
  UploadInput,
  UploadOptions,
  UploadResult,
  UploadStatus,
  UploadTicket,
} from "./types";
import { OPTION_NAMES } from "./types";

export type {
  AuditQuery,
  FileQuery,
  ImportOptions,
  Mediagate,
  TicketForUpload,
  UsageQuery,
} from "./instance";
export type { CopyOptions, Ensured } from "./reuse";
export { typeOf } from "./sources";
export * from "./types";
export * from "./webhooks";

/** Parts of a large tus upload sent at once by default (each its own connection). */
const PARALLEL_PARTS = 4;

const dedupedOf = (result: UploadResult) => (result as { deduplicated?: unknown }).deduplicated === true;

export function createCore(options: MediagateOptions, platform: Platform): Mediagate {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const fetcher: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const auth: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const api = createClient<paths>({ baseUrl, fetch: fetcher, headers: auth });
  const urlStorage =
    options.urlStorage === false ? undefined : (options.urlStorage ?? platform.defaultUrlStorage?.());
  const useXhr = !options.fetch && !platform.countedStreams && XhrClass() !== undefined;

  const needKey = (what: string) => {
    if (!options.apiKey)
      throw new MediagateError("problem", "unauthorized", `${what} needs an apiKey (createMediagate).`);
  };

  /** A JSON call to a route the generated paths may not have yet (the registry, import). */
  async function json<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    let response: Response;
    try {
      response = await fetcher(`${baseUrl}${path}`, {
        method,
        headers: { ...auth, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: signal ?? null,
      });
    } catch (error) {
      throw toMediagateError(error, signal);
    }
    const answer = await readBody(response);
    if (!response.ok) throw problemError(response.status, answer, response.headers.get("retry-after"));
    return answer as T;
  }

  /** Whether the gateway speaks tus concatenation (OPTIONS /v1/tus lists it in Tus-Extension); asked once. */
  let concatCache: Promise<boolean> | undefined;
  const concatenation = (): Promise<boolean> => {
    concatCache ??= fetcher(`${baseUrl}/v1/tus`, { method: "OPTIONS", headers: { "tus-resumable": "1.0.0" } })
      .then((r) =>
        (r.headers.get("tus-extension") ?? "").split(",").some((e) => e.trim() === "concatenation"),
      )
      .catch(() => false);
    return concatCache;
  };

  /** Parts to send at once: several for a large file that can be sliced, where the gateway concatenates. */
  async function partsFor(source: Source, chunkSize: number, opts: TransferOptions): Promise<number> {
    const wanted = Math.max(1, Math.floor(opts.parallelUploads ?? PARALLEL_PARTS));
    if (wanted === 1 || !source.resumable || source.size < wanted * chunkSize) return 1;
    return (await concatenation()) ? wanted : 1;
  }

  let providerCache: Promise<Provider[]> | undefined;
  const providers = (): Promise<Provider[]> => {
    needKey("providers()");
    providerCache ??= unwrap(api.GET("/v1/providers")).then((d) => d.providers);
    providerCache.catch(() => {
      providerCache = undefined;
    });
    return providerCache;
  };

  async function open(input: UploadInput): Promise<Source> {
    if (typeof input === "string") {
      if (!platform.openPath)
        throw new TypeError("A path is an upload input in Node only; pass a File, Blob or bytes here.");
      return platform.openPath(input);
    }
    const source = openInMemory(input, platform);
    if (!source)
      throw new TypeError("upload(): input must be a File/Blob, a Uint8Array, a path or { stream, size }.");
    return source;
  }

  async function single(
    url: string,
    method: "POST" | "PUT",
    source: Source,
    name: string,
    type: string,
    extra: Record<string, string>,
    opts: TransferOptions,
  ): Promise<{ result: UploadResult; digest: boolean }> {
    const digest = await reprDigest(source, opts.sha256);
    const headers: Record<string, string> = { "content-type": type, ...extra };
    if (digest) headers["repr-digest"] = `sha-256=:${digest}:`;
    const target = new URL(url);
    if (!target.searchParams.has("filename")) target.searchParams.set("filename", name);
    const report = progressReporter(source.size, "single", opts.onProgress);
    report(0);
    const request = { url: target.href, method, headers, source, report, signal: opts.signal };
    const result = (await (useXhr
      ? sendWithXhr(request)
      : sendWithFetch(fetcher, platform.countedStreams, request))) as UploadResult;
    return { result, digest: digest !== undefined };
  }

  const idOfTusUrl = (url: string) => new URL(url).pathname.split("/").pop() ?? "";
  const chunkFor = (limit: number, opts: TransferOptions) =>
    Math.max(1, Math.min(opts.chunkSize ?? 50 * MiB, limit));

  /** Server side, with the key: one request up to the provider's single-request limit, tus above it. */
  async function upload(input: UploadInput, opts: UploadOptions): Promise<Uploaded> {
    needKey("upload()");
    const source = await open(input);
    const name = opts.filename ?? source.name;
    if (!name) throw new TypeError("upload(): pass { filename } for bytes and streams.");
    const type = opts.contentType ?? source.type ?? typeOf(name);
    const fields: Record<string, string> = {};
    for (const f of OPTION_NAMES) if (opts[f]) fields[f] = String(opts[f]);
    if (opts.keep_days !== undefined) fields.keep_days = String(opts.keep_days);
    const list = await providers();
    const provider = list.find((p) => p.id === opts.provider);
    const limit = provider?.max_bytes ?? 100 * MiB;
    const transport = opts.transport ?? (source.size <= limit ? "single" : "tus");
    try {
      if (transport === "single") {
        const url = new URL(`${baseUrl}/v1/providers/${encodeURIComponent(opts.provider)}/files`);
        for (const [k, v] of Object.entries(fields)) url.searchParams.set(k, v);
        const { result, digest } = await single(url.href, "POST", source, name, type, auth, opts);
        return { result, id: result.id, transport, digest_sent: digest, deduplicated: dedupedOf(result) };
      }
      const meta = { filename: name, filetype: type, provider: opts.provider, ...fields };
      const chunkSize = chunkFor(limit, opts);
      const url = await viaTus({
        endpoint: `${baseUrl}/v1/tus`,
        source,
        metadata: meta,
        headers: auth,
        chunkSize,
        urlStorage,
        opts,
        parallel: await partsFor(source, chunkSize, opts),
      });
      const id = idOfTusUrl(url);
      const status = await unwrap(api.GET("/v1/uploads/{id}", { params: { path: { id } } }));
      const result = status.result ?? status.deliveries?.[0]?.result;
      const error = status.error ?? status.deliveries?.[0]?.error;
      if (!result) {
        if (error) throw problemError(error.status, error);
        throw new MediagateError("unexpected", "unexpected_response", `Upload ${id} is ${status.status}.`);
      }
      return { result, id, transport, digest_sent: false, deduplicated: false };
    } catch (error) {
      throw toMediagateError(error, opts.signal);
    }
  }

  /** App side, no key: the file to a signed ticket; tus when it is larger than one request may carry. */
  async function uploadWithTicket(
    ticket: TicketForUpload,
    input: UploadInput,
    opts: TransferOptions & { maxRequestBytes?: number } = {},
  ): Promise<Uploaded> {
    const source = await open(input);
    // A ticket minted with a filename takes that name only: it wins over the input's and `filename`.
    const name = ticketFilename(ticket) ?? opts.filename ?? source.name ?? "upload";
    const type = opts.contentType ?? ticket.headers["content-type"] ?? source.type ?? typeOf(name);
    if (source.size > ticket.max_bytes)
      throw new MediagateError(
        "problem",
        "file_too_large",
        `This ticket takes files up to ${ticket.max_bytes} bytes.`,
      );
    const limit = Math.min(ticket.max_bytes, opts.maxRequestBytes ?? 100 * MiB);
    const transport = opts.transport ?? (source.size <= limit || !ticket.tus_url ? "single" : "tus");
    try {
      if (transport === "single") {
        const { result, digest } = await single(ticket.upload_url, "PUT", source, name, type, {}, opts);
        return { result, id: result.id, transport, digest_sent: digest, deduplicated: dedupedOf(result) };
      }
      const meta = { filename: name, filetype: type };
      await viaTus({
        endpoint: ticket.tus_url ?? "",
        source,
        metadata: meta,
        headers: {},
        chunkSize: chunkFor(limit, opts),
        urlStorage,
        opts,
        // A ticket's tus_url is for one upload: partial uploads would each need their own.
        parallel: 1,
      });
      return { result: null, id: ticket.id, transport, digest_sent: false, deduplicated: false };
    } catch (error) {
      throw toMediagateError(error, opts.signal);
    }
  }

  return {
    upload,
    uploadWithTicket,
    providers,
    import(url: string, opts: ImportOptions): Promise<ImportResult> {
      needKey("import()");
      const { provider, signal, ...rest } = opts;
      return json<ImportResult>(
        "POST",
        `/v1/providers/${encodeURIComponent(provider)}/files`,
        { url, ...rest },
        signal,
      );
    },
    tickets: {
      /** A signed, single-use upload URL for an app that holds no key. */
      create(body: CreateUpload): Promise<UploadTicket> {
        needKey("tickets.create()");
        return unwrap(api.POST("/v1/uploads", { body: body as components["schemas"]["CreateUpload"] }));
      },
    },
    uploads: {
      get(id: string): Promise<UploadStatus> {
        needKey("uploads.get()");
        return unwrap(api.GET("/v1/uploads/{id}", { params: { path: { id } } }));
      },
    },
    files: {
      list(query: FileQuery = {}): Promise<FileList> {
        needKey("files.list()");
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
        const qs = q.toString();
        return json<FileList>("GET", `/v1/files${qs ? `?${qs}` : ""}`);
      },
      get(id: string): Promise<FileRecord> {
        needKey("files.get()");
        return json<FileRecord>("GET", `/v1/files/${encodeURIComponent(id)}`);
      },
      delete(id: string): Promise<FileRecord> {
        needKey("files.delete()");
        return json("DELETE", `/v1/files/${encodeURIComponent(id)}`);
      },
    },
    ...adminCalls(api, needKey),
    ...reuseCalls({ json, open, upload, needKey }),
    ...eventCalls(api, needKey),
  };
}
