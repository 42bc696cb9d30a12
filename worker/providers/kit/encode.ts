// Outgoing bodies with an exact Content-Length. workerd sends Content-Length when the body's length is
// known, and the readable side of a FixedLengthStream is known; writing too few or too many bytes aborts
// the outgoing request, so a short body never reaches a provider looking complete.
import { encoder } from "../../core/bytes";
import { type ChunkSource, readerOf } from "../../core/stages";

/** A file on its way through the gateway: metadata known up front, bytes streamed. */
export interface StreamedFile {
  readonly name: string;
  readonly type: string;
  /** Bytes the stream carries; with `slack`, the most it carries. */
  readonly size: number;
  /**
   * How many bytes short of `size` the stream may end (a multipart upload's size is known only to within
   * its epilogue: see intake.ts). A multipart encoder makes up the difference after its closing boundary.
   */
  readonly slack?: number;
  /** The bytes: the gateway's last upload stage (a reader: core/stages.ts), or a stream. */
  readonly stream: ChunkSource;
  /**
   * The stream is native, of known length, and carries exactly `size` bytes (an R2 object's body): it is
   * sent as it is (raw) or piped natively between preamble and epilogue (multipart), never read in JS.
   */
  readonly native?: boolean;
}

/** A native file's stream (see `native`), for the paths that never read it in JS. */
function nativeStream(file: StreamedFile): ReadableStream<Uint8Array> {
  if (!(file.stream instanceof ReadableStream)) throw new Error("a native file is a stream");
  return file.stream;
}

export interface EncodedBody {
  readonly stream: ReadableStream<Uint8Array>;
  readonly length: number;
  readonly contentType: string;
}

/**
 * Streams the prefix bytes, the file and the suffix bytes into a FixedLengthStream of
 * prefix + file.size + suffix. When the file ends up to `slack` bytes short, `pad(missing)`, written after
 * the suffix, supplies the difference. Aborting `signal` cancels the file's source and aborts the body.
 */
function exactLength(
  prefix: Uint8Array,
  file: StreamedFile,
  suffix: Uint8Array,
  signal: AbortSignal,
  pad?: (missing: number) => Uint8Array,
): ReadableStream<Uint8Array> {
  if (file.native && !file.slack) return nativeLength(prefix, file, suffix, signal);
  const { readable, writable } = new FixedLengthStream(prefix.length + file.size + suffix.length);
  const writer = writable.getWriter();
  const reader = readerOf(file.stream);
  // Failures are handled where they are caused (pump, abort); these would otherwise report as uncaught.
  writer.closed.catch(() => {});
  reader.closed.catch(() => {});
  const stop = (reason: unknown) => {
    reader.cancel(reason).catch(() => {});
    writer.abort(reason).catch(() => {});
  };
  const onAbort = () => stop(signal.reason);
  // The pipe, by hand: pipeTo can't count bytes, and the count decides the padding.
  const pump = async () => {
    if (prefix.length) await writer.write(prefix);
    let sent = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      sent += value.byteLength;
      // Await each write: it resolves when the outgoing request has taken the chunk. (Waiting on
      // writer.ready alone let a 500 MiB upload queue ~900 MB in workerd: its ready does not wait.)
      await writer.write(value);
    }
    const missing = file.size - sent;
    const allowed = pad ? (file.slack ?? 0) : 0;
    if (missing < 0 || missing > allowed) throw new Error(`the file carried ${sent} of ${file.size} bytes`);
    if (suffix.length) await writer.write(suffix);
    if (missing > 0 && pad) await writer.write(pad(missing));
    await writer.close();
  };
  signal.addEventListener("abort", onAbort, { once: true });
  pump()
    .catch(stop)
    .finally(() => signal.removeEventListener("abort", onAbort));
  return readable;
}

/**
 * A native stream of exactly file.size bytes, without a JS pump: as it is when there is nothing around it
 * (its length is known, so workerd sends Content-Length), else the prefix written, the file piped natively
 * into a FixedLengthStream (`preventClose`), the suffix written and the stream closed.
 */
function nativeLength(
  prefix: Uint8Array,
  file: StreamedFile,
  suffix: Uint8Array,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  const stream = nativeStream(file);
  if (prefix.length === 0 && suffix.length === 0) return stream;
  const { readable, writable } = new FixedLengthStream(prefix.length + file.size + suffix.length);
  const send = async () => {
    const writer = writable.getWriter();
    await writer.write(prefix);
    writer.releaseLock();
    await stream.pipeTo(writable, { preventClose: true, signal });
    const tail = writable.getWriter();
    await tail.write(suffix);
    await tail.close();
  };
  send().catch((error) => {
    writable.abort(error).catch(() => {});
    stream.cancel(error).catch(() => {});
  });
  return readable;
}

const EMPTY = new Uint8Array(0);

/** The file's bytes as the whole body (useapi). Its size must be exact: a raw body has nowhere to pad. */
export function encodeRaw(file: StreamedFile, signal: AbortSignal): EncodedBody {
  if (file.slack) throw new Error("a raw body needs the file's exact size");
  return { stream: exactLength(EMPTY, file, EMPTY, signal), length: file.size, contentType: file.type };
}

/** A boundary nobody can predict, so no field value can forge a part (CVE-2025-7783). */
function randomBoundary(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return `mediagate-${Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("")}`;
}

/**
 * Quotes a header parameter the way browsers do (HTML's multipart/form-data encoding): `"`, CR and LF
 * become %22, %0D, %0A, so a filename cannot close the header and inject parts (GHSA-hmw2-7cc7-3qxx).
 * A backslash becomes a quoted-pair `\\` (RFC 9110 §5.6.4): unescaped, a name ending in `\` would read
 * as `\"`, an escaped quote, to the many parsers that honour quoted-pairs (Go, Werkzeug, busboy, ours).
 */
export function quoteParam(value: string): string {
  const escaped = value
    .replace(/\\/g, "\\\\")
    .replace(/"/g, "%22")
    .replace(/\r/g, "%0D")
    .replace(/\n/g, "%0A");
  return `"${escaped}"`;
}

/** A field name: a token, or tokens in brackets after one (`expires_after[seconds]`, OpenAI's nested fields). */
const FIELD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\[[!#$%&'*+.^_`|~0-9A-Za-z-]+\])*$/;
const MIME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Encodes `body` as multipart/form-data: text fields first, then the single StreamedFile part, with an
 * exact length of preamble + file size + epilogue. Field values must not contain CR or LF (validation
 * refuses them) and field names are ours; both are checked again here because this is the last line.
 */
export function encodeMultipart(
  body: Readonly<Record<string, string | StreamedFile | undefined>>,
  signal: AbortSignal,
): EncodedBody {
  const boundary = randomBoundary();
  let head = "";
  let file: { name: string; value: StreamedFile } | undefined;
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined) continue;
    if (!FIELD.test(name)) throw new Error(`multipart field name not a token: ${name}`);
    if (typeof value !== "string") {
      if (file) throw new Error("multipart body with two files");
      file = { name, value };
      continue;
    }
    if (/[\r\n]/.test(value) || value.includes(boundary))
      throw new Error(`unsafe multipart value for ${name}`);
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  if (!file) throw new Error("multipart body without a file");
  const type = MIME.test(file.value.type) ? file.value.type : "application/octet-stream";
  head +=
    `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename=${quoteParam(file.value.name)}\r\n` +
    `Content-Type: ${type}\r\n\r\n`;
  const prefix = encoder.encode(head);
  const suffix = encoder.encode(`\r\n--${boundary}--\r\n`);
  // A file that ends short of its upper bound is made up after the closing delimiter: the epilogue,
  // which receivers ignore (RFC 2046 §5.1.1). So the length stays exact either way.
  const epilogue = (missing: number) => encoder.encode("\r\n".repeat(missing).slice(0, missing));
  return {
    stream: exactLength(prefix, file.value, suffix, signal, epilogue),
    length: prefix.length + file.value.size + suffix.length,
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}
