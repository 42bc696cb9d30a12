// One request with the whole file (POST with the key, PUT to a ticket), with real upload progress:
// XMLHttpRequest upload events in browsers and React Native, bytes counted as the network takes them in Node.
import { abortError, networkError, problemError, toMediagateError } from "./errors";
import type { Progress, Source, TransferOptions } from "./types";

export async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Progress that never goes back and ends at the size. */
export function progressReporter(
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

export interface SendSingle {
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
  getResponseHeader(name: string): string | null;
  abort(): void;
  send(body: Blob | null): void;
}
export const XhrClass = () => (globalThis as { XMLHttpRequest?: new () => Xhr }).XMLHttpRequest;

/** One request through XMLHttpRequest: real upload progress events in browsers and React Native. */
export function sendWithXhr({ url, method, headers, source, report, signal }: SendSingle): Promise<unknown> {
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
      } else reject(problemError(xhr.status, body, xhr.getResponseHeader("retry-after")));
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
export async function sendWithFetch(
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
  if (!response.ok) throw problemError(response.status, answer, response.headers.get("retry-after"));
  report(source.size);
  return answer;
}
