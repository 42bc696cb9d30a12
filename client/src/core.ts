// The SDK proper, for every runtime: what differs between Node, browsers and React Native (reading a path,
// where tus upload URLs are remembered, how a body's progress is counted) comes in as a Platform.
import createClient from "openapi-fetch";
import * as tus from "tus-js-client";
import type { components, paths } from "../../generated/gateway";
import { abortError, MediagateError, networkError, problemError, toMediagateError } from "./errors";

export type UploadResult = components["schemas"]["UploadResult"];
export type UploadTicket = components["schemas"]["UploadTicket"];
export type UploadStatus = components["schemas"]["UploadStatus"];
/** POST /v1/uploads's body; fields with a default in the spec (expires_in) may be left out. */
export type CreateUpload = Omit<components["schemas"]["CreateUpload"], "expires_in"> &
  Partial<Pick<components["schemas"]["CreateUpload"], "expires_in">>;
export type Provider = components["schemas"]["Provider"];
export type ProviderId = components["schemas"]["ProviderId"];
export type Purpose = components["schemas"]["Purpose"];

// The registry (issue 11) and URL import (issue 12) are typed from gateway.yaml once it describes them;
// until then, these fallbacks state the shapes those issues give.
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
    options?: { purpose?: string; user?: string; account?: string };
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
  /** Hex SHA-256 of the file, when you know it: sent as Repr-Digest. */
  sha256?: string;
  /** On abort, also delete the partial tus upload at the gateway (default: keep it, so it can resume). */
  terminateOnAbort?: boolean;
  /** Force a transport; default: one request up to the single-request limit, tus above it. */
  transport?: "single" | "tus";
  /** tus PATCH size (default: the smaller of 50 MiB and the single-request limit). */
  chunkSize?: number;
  /** Called when a tus upload resumes one interrupted earlier (with the bytes already at the gateway). */
  onResume?: (offset: number) => void;
}

export interface UploadOptions extends TransferOptions {
  provider: ProviderId;
  purpose?: Purpose;
  user?: string;
  account?: string;
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
  /** A one-shot stream of the file. */
  stream(): ReadableStream<Uint8Array>;
  /** What tus-js-client takes for it. */
  tusInput(): unknown;
  /** Whether tus can resume it after a restart (it has a stable fingerprint). */
  resumable: boolean;
}

export interface Platform {
  openPath?: (path: string) => Promise<Source>;
  defaultUrlStorage?: () => tus.UrlStorage | undefined;
  /** Buffer for tus in Node; Blob in browsers. */
  bytesForTus: (bytes: Uint8Array) => unknown;
  /** Node: fetch takes a counted stream body (duplex: half). Browsers: XHR for upload progress. */
  countedStreams: boolean;
}

const MiB = 1024 * 1024;
/** Files up to this size in memory are hashed for Repr-Digest (cheap: a few ms). */
const DIGEST_MAX = 16 * MiB;

const TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  bmp: "image/bmp",
  svg: "image/svg+xml",
  tif: "image/tiff",
  tiff: "image/tiff",
  mp4: "video/mp4",
  m4v: "video/x-m4v",
  mov: "video/quicktime",
  avi: "video/x-msvideo",
  webm: "video/webm",
  mkv: "video/x-matroska",
  flv: "video/x-flv",
  wmv: "video/x-ms-wmv",
  "3gp": "video/3gpp",
  ogv: "video/ogg",
  mp3: "audio/mpeg",
  wav: "audio/wav",
  aac: "audio/aac",
  m4a: "audio/mp4",
  flac: "audio/flac",
  ogg: "audio/ogg",
  opus: "audio/opus",
  txt: "text/plain",
  zip: "application/zip",
  pdf: "application/pdf",
};
export const typeOf = (name: string): string =>
  TYPES[name.slice(name.lastIndexOf(".") + 1).toLowerCase()] ?? "application/octet-stream";

/** A stream that hands out `bytes` in slices as it is read (so what was read is what was sent). */
function sliced(bytes: Uint8Array, slice = 256 * 1024): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.byteLength) return controller.close();
      const end = Math.min(at + slice, bytes.byteLength);
      controller.enqueue(bytes.subarray(at, end));
      at = end;
    },
  });
}

type StreamInput = Extract<UploadInput, { stream: ReadableStream<Uint8Array> }>;
const isStreamInput = (x: UploadInput): x is StreamInput =>
  typeof x === "object" &&
  x !== null &&
  typeof ReadableStream !== "undefined" &&
  (x as { stream?: unknown }).stream instanceof ReadableStream;

function openInMemory(input: UploadInput, platform: Platform): Source | undefined {
  if (input instanceof Uint8Array) {
    return {
      size: input.byteLength,
      name: undefined,
      type: undefined,
      bytes: input,
      stream: () => sliced(input),
      tusInput: () => platform.bytesForTus(input),
      resumable: true,
    };
  }
  if (typeof Blob !== "undefined" && input instanceof Blob) {
    const name = (input as { name?: unknown }).name;
    return {
      size: input.size,
      name: typeof name === "string" ? name : undefined,
      type: input.type || undefined,
      blob: input,
      stream: () => input.stream(),
      tusInput: () => input,
      resumable: typeof name === "string",
    };
  }
  if (isStreamInput(input)) {
    const { stream, size } = input;
    let used = false;
    return {
      size,
      name: input.name,
      type: input.type,
      stream: () => {
        if (used) throw new MediagateError("unexpected", "unexpected_response", "A stream can be sent once.");
        used = true;
        return stream;
      },
      tusInput: () => {
        used = true;
        return stream.getReader();
      },
      resumable: false,
    };
  }
  return undefined;
}

async function sha256Base64(source: Source, given: string | undefined): Promise<string | undefined> {
  if (given) {
    const pairs = given.match(/[0-9a-f]{2}/gi) ?? [];
    return btoa(String.fromCharCode(...pairs.map((h) => Number.parseInt(h, 16))));
  }
  if (source.size > DIGEST_MAX || typeof crypto === "undefined" || !crypto.subtle) return undefined;
  const bytes = source.bytes ?? (source.blob ? new Uint8Array(await source.blob.arrayBuffer()) : undefined);
  if (!bytes) return undefined;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let text = "";
  for (const b of digest) text += String.fromCharCode(b);
  return btoa(text);
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Progress that never goes back and ends at the size. */
function progressReporter(
  total: number,
  transport: Progress["transport"],
  onProgress?: TransferOptions["onProgress"],
) {
  let last = -1;
  return (loaded: number) => {
    if (!onProgress) return;
    const value = Math.min(Math.max(loaded, last), total);
    if (value === last) return;
    last = value;
    onProgress({ loaded: value, total, fraction: total === 0 ? 1 : value / total, transport });
  };
}

interface SendSingle {
  url: string;
  method: "POST" | "PUT";
  headers: Record<string, string>;
  source: Source;
  report: (n: number) => void;
  signal: AbortSignal | undefined;
}

/** The part of XMLHttpRequest used here (typed locally: workerd and Node have none). */
interface Xhr {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  upload: { onprogress: ((e: { loaded: number }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  status: number;
  responseText: string;
  abort(): void;
  send(body: Blob | null): void;
}
const XhrClass = () => (globalThis as { XMLHttpRequest?: new () => Xhr }).XMLHttpRequest;

/** One request through XMLHttpRequest: real upload progress events in browsers and React Native. */
function sendWithXhr({ url, method, headers, source, report, signal }: SendSingle): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const Ctor = XhrClass();
    if (!Ctor) return reject(new TypeError("No XMLHttpRequest here."));
    const xhr = new Ctor();
    xhr.open(method, url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => report(e.loaded);
    xhr.onload = () => {
      let body: unknown = xhr.responseText;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {}
      if (xhr.status >= 200 && xhr.status < 300) {
        report(source.size);
        resolve(body);
      } else reject(problemError(xhr.status, body));
    };
    xhr.onerror = () => reject(networkError(new Error("XMLHttpRequest failed")));
    xhr.onabort = () => reject(abortError());
    if (signal) {
      if (signal.aborted) return reject(abortError(signal.reason));
      signal.addEventListener("abort", () => xhr.abort(), { once: true });
    }
    xhr.send(
      (source.blob ?? (source.bytes ? new Blob([source.bytes as Uint8Array<ArrayBuffer>]) : null)) as Blob,
    );
  });
}

/**
 * The file as the network takes it: pulled one slice (≤ 256 KiB) at a time, with no read-ahead, so the bytes
 * handed out so far are the bytes sent (less what is in flight, which the answer confirms).
 */
function countedStream(
  source: ReadableStream<Uint8Array>,
  report: (n: number) => void,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const SLICE = 256 * 1024;
  let pending: Uint8Array | undefined;
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        report(sent);
        if (!pending?.byteLength) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          pending = value;
        }
        const piece = pending.subarray(0, SLICE);
        pending = pending.subarray(piece.byteLength);
        sent += piece.byteLength;
        controller.enqueue(piece);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** One request through fetch; in Node the body is a stream counted as the network takes it. */
async function sendWithFetch(
  fetcher: typeof fetch,
  counted: boolean,
  { url, method, headers, source, report, signal }: SendSingle,
): Promise<unknown> {
  const body: BodyInit =
    counted || (!source.bytes && !source.blob)
      ? countedStream(source.stream(), report)
      : ((source.blob ?? source.bytes) as BodyInit);
  let response: Response;
  try {
    response = await fetcher(url, {
      method,
      headers: { ...headers, "content-length": String(source.size) },
      body,
      signal: signal ?? null,
      duplex: "half",
    } as RequestInit);
  } catch (error) {
    throw toMediagateError(error, signal);
  }
  const answer = await readBody(response).catch((error) => {
    throw toMediagateError(error, signal);
  });
  if (!response.ok) throw problemError(response.status, answer);
  report(source.size);
  return answer;
}

const dedupedOf = (result: UploadResult) => (result as { deduplicated?: unknown }).deduplicated === true;

export function createCore(options: MediagateOptions, platform: Platform) {
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

  /** openapi-fetch's answer as data, or the MediagateError. */
  async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
    let out: { data?: T; error?: unknown; response: Response };
    try {
      out = await call;
    } catch (error) {
      throw toMediagateError(error);
    }
    if (!out.response.ok || out.data === undefined) throw problemError(out.response.status, out.error);
    return out.data;
  }

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
    if (!response.ok) throw problemError(response.status, answer);
    return answer as T;
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
    const digest = await sha256Base64(source, opts.sha256);
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

  /** A tus upload, resumed from a previous one of the same file where the URL storage remembers it. */
  function viaTus(
    endpoint: string,
    source: Source,
    metadata: Record<string, string>,
    headers: Record<string, string>,
    chunkSize: number,
    opts: TransferOptions,
  ): Promise<string> {
    const report = progressReporter(source.size, "tus", opts.onProgress);
    const { signal } = opts;
    return new Promise<string>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal.reason));
      const resumable = source.resumable && urlStorage !== undefined;
      const tag = JSON.stringify(metadata);
      const upload = new tus.Upload(source.tusInput() as Blob, {
        endpoint,
        uploadSize: source.size,
        chunkSize,
        metadata,
        headers,
        retryDelays: [0, 1000, 3000, 5000],
        removeFingerprintOnSuccess: true,
        storeFingerprintForResuming: resumable,
        ...(resumable && urlStorage ? { urlStorage } : {}),
        fingerprint: async (file, o) => {
          const base = await tus.defaultOptions.fingerprint(file, o);
          return base ? `${base}-${tag}` : (null as unknown as string);
        },
        onProgress: (sent) => report(sent),
        onSuccess: () => {
          report(source.size);
          resolve(upload.url ?? "");
        },
        onError: (error) => {
          const response = (error as tus.DetailedError).originalResponse;
          if (signal?.aborted) return reject(abortError(error));
          if (response) {
            let body: unknown = response.getBody();
            try {
              body = JSON.parse(String(body));
            } catch {}
            return reject(problemError(response.getStatus(), body));
          }
          reject(networkError(error));
        },
      });
      signal?.addEventListener(
        "abort",
        () => {
          upload.abort(opts.terminateOnAbort === true).catch(() => {});
          reject(abortError(signal.reason));
        },
        { once: true },
      );
      const start = async () => {
        if (resumable) {
          const previous = await upload.findPreviousUploads();
          const last = previous[0];
          if (last) {
            upload.resumeFromPreviousUpload(last);
            upload.options.onAfterResponse = (req, res) => {
              if (req.getMethod() === "HEAD" && res.getStatus() < 300)
                opts.onResume?.(Number(res.getHeader("upload-offset") ?? 0));
            };
          }
        }
        upload.start();
      };
      start().catch((error) => reject(toMediagateError(error, signal)));
    });
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
    for (const f of ["purpose", "user", "account"] as const) if (opts[f]) fields[f] = String(opts[f]);
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
      const url = await viaTus(`${baseUrl}/v1/tus`, source, meta, auth, chunkFor(limit, opts), opts);
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
    ticket: Pick<UploadTicket, "id" | "upload_url" | "max_bytes" | "headers"> & { tus_url?: string },
    input: UploadInput,
    opts: TransferOptions & { maxRequestBytes?: number } = {},
  ): Promise<Uploaded> {
    const source = await open(input);
    const fixed = new URL(ticket.upload_url).searchParams.get("filename");
    const name = opts.filename ?? source.name ?? fixed ?? "upload";
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
      await viaTus(ticket.tus_url ?? "", source, meta, {}, chunkFor(limit, opts), opts);
      return { result: null, id: ticket.id, transport, digest_sent: false, deduplicated: false };
    } catch (error) {
      throw toMediagateError(error, opts.signal);
    }
  }

  return {
    upload,
    uploadWithTicket,
    providers,
    /** Import a file from a URL (issue 12's JSON body on POST /v1/providers/{p}/files). */
    import(
      url: string,
      opts: {
        provider: ProviderId;
        filename?: string;
        purpose?: Purpose;
        user?: string;
        account?: string;
        signal?: AbortSignal;
      },
    ): Promise<ImportResult> {
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
      list(
        query: {
          provider?: ProviderId;
          sha256?: string;
          kind?: string;
          status?: string;
          limit?: number;
          cursor?: string;
        } = {},
      ): Promise<FileList> {
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
      delete(id: string): Promise<FileRecord & { provider_deleted?: boolean }> {
        needKey("files.delete()");
        return json("DELETE", `/v1/files/${encodeURIComponent(id)}`);
      },
    },
  };
}

export type Mediagate = ReturnType<typeof createCore>;
