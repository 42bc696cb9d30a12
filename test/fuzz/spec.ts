// A fuzz case's request as plain data: mutable, printable, and built into a Request only at the end.

export interface Spec {
  method: string;
  url: string;
  /** In order; a name may repeat (Headers joins repeats with ", "). Content-Length is `length`. */
  headers: [string, string][];
  body: Uint8Array | null;
  /** Content-Length: "auto" is the body's length (absent without a body), null absent, else this value. */
  length: "auto" | null | string;
  /** Send the body as a stream in these chunk sizes; `fail` errors the stream after the last chunk. */
  stream?: { chunks: number[]; fail: boolean };
  /** Overrides of the gateway's environment for this request. */
  env?: Record<string, string>;
}

export const encoder = new TextEncoder();
export const utf8 = (s: string) => encoder.encode(s);

export function cat(...parts: (string | Uint8Array)[]): Uint8Array {
  const chunks = parts.map((p) => (typeof p === "string" ? utf8(p) : p));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Bytes as a header value (one char per byte, as HTTP carries them), minus what Headers refuses. */
export function latin1(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b === 0 || b === 10 || b === 13 ? 0x3f : b);
  return s;
}

/**
 * Any string as a header value, minus what Headers refuses (NUL, CR, LF). workerd sends a value's
 * non-ASCII characters as UTF-8 (with a warning in the log), so raw invalid UTF-8 can't be put in a header.
 */
export const headerSafe = (s: string) => s.replace(/[\0\r\n]/g, "?");

export function getHeader(spec: Spec, name: string): string | undefined {
  return spec.headers.find(([k]) => k.toLowerCase() === name)?.[1];
}

export function setHeader(spec: Spec, name: string, value: string): void {
  removeHeader(spec, name);
  spec.headers.push([name, value]);
}

export function removeHeader(spec: Spec, name: string): void {
  spec.headers = spec.headers.filter(([k]) => k.toLowerCase() !== name);
}

function chunked(bytes: Uint8Array, sizes: number[], fail: boolean): ReadableStream<Uint8Array> {
  let at = 0;
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length && i >= sizes.length) {
        if (fail) controller.error(new Error("fuzz: the client went away"));
        else controller.close();
        return;
      }
      const n = sizes[i++] ?? bytes.length - at;
      // slice: each chunk its own buffer, as a network read hands over.
      controller.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  });
}

/** The Request the gateway gets. Throws where the Fetch API refuses (the caller counts those). */
export function build(spec: Spec): Request {
  const headers = new Headers();
  for (const [k, v] of spec.headers) headers.append(k, v);
  const bodyless = spec.method === "GET" || spec.method === "HEAD";
  const body = bodyless ? null : spec.body;
  if (spec.length === "auto") {
    if (body) headers.set("content-length", String(body.length));
  } else if (spec.length !== null) headers.set("content-length", spec.length);
  const init: RequestInit = { method: spec.method, headers };
  if (body) init.body = spec.stream ? chunked(body, spec.stream.chunks, spec.stream.fail) : body;
  return new Request(spec.url, init);
}

/** The request as text, for the report: enough to rebuild it by hand. */
export function describe(spec: Spec): string {
  const lines = [`${spec.method} ${spec.url}`];
  for (const [k, v] of spec.headers) lines.push(`${k}: ${JSON.stringify(v).slice(1, -1)}`);
  const cl = spec.length === "auto" ? (spec.body ? String(spec.body.length) : null) : (spec.length ?? null);
  if (cl !== null) lines.push(`content-length: ${cl}`);
  if (spec.env) lines.push(`(env overrides: ${JSON.stringify(spec.env)})`);
  if (spec.body) {
    const shown = spec.body.subarray(0, 600);
    const text = JSON.stringify(String.fromCharCode(...shown));
    lines.push(
      `body (${spec.body.length} bytes${spec.stream ? `, streamed in ${spec.stream.chunks.length + 1} reads${spec.stream.fail ? ", then failing" : ""}` : ""}): ${text}${spec.body.length > shown.length ? " …" : ""}`,
    );
  }
  return lines.join("\n  ");
}
