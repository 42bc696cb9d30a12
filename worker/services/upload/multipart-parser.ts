// Streaming multipart/form-data reader (RFC 7578 over RFC 2046). Reads text fields into memory (bounded),
// then hands back the file part as a stream that is never buffered whole. Like S3's POST uploads, the file
// must be the last part: text fields come first, so every option is known before a byte is forwarded.

import { BytePattern, type ChunkReader, chunkReader, concat, EMPTY, encoder } from "../../core/bytes";
import { bodyError, GatewayError } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import { stage } from "../../core/stages";

export interface MultipartLimits {
  /** Most bytes read before the file's data starts (all text fields and part headers). */
  readonly headBytes: number;
}

export interface MultipartFile {
  /** The part's `name` (the gateway accepts only "file"). */
  readonly field: string;
  /** The part's filename, or undefined when the part has none. */
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
  /** Bytes of the body before the file's data: lets the caller derive the file size from Content-Length. */
  readonly offset: number;
  /** The file's bytes. Errors with a GatewayError when the body turns out malformed or carries another part. */
  readonly stream: ChunkReader;
}

export interface MultipartHead {
  readonly fields: readonly (readonly [string, string])[];
  readonly file: MultipartFile | undefined;
}

/** Bytes a body has after the last part's data, at least: CRLF "--" boundary "--". */
export const closingLength = (boundary: string) => boundary.length + 6;
/** The CRLF most clients add after the closing boundary (the epilogue); some add nothing. */
export const CLOSING_SLACK = 2;

const HEADER_END = new BytePattern(encoder.encode("\r\n\r\n"));
const CR = 13;
const LF = 10;
const DASH = 45;
const decoder = new TextDecoder();

const malformed = (detail: string) =>
  new GatewayError("malformed_body", `Malformed multipart body: ${detail}`);

/** Pull-based byte buffer over a stream reader that counts what it consumed. */
class Cursor {
  buf: Uint8Array = EMPTY;
  consumed = 0;
  constructor(private readonly reader: ChunkReader) {
    reader.closed.catch(() => {}); // failures surface through read()
  }

  /** Appends the next chunk; false at end of stream. A failed read is the body's fault (a 400). */
  async more(): Promise<boolean> {
    const { done, value } = await this.reader.read().catch((error: unknown) => {
      throw bodyError(error);
    });
    if (done) return false;
    this.buf = concat(this.buf, value);
    return true;
  }

  /** Waits until `n` bytes are buffered; false when the stream ends first. */
  async ensure(n: number): Promise<boolean> {
    while (this.buf.length < n) if (!(await this.more())) return false;
    return true;
  }

  take(n: number): Uint8Array {
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    this.consumed += n;
    return out;
  }

  /** Finds `needle`, reading on while no match is found and fewer than `limit` bytes are consumed. */
  async find(needle: BytePattern, limit: number, what: string): Promise<number> {
    for (let from = 0; ; ) {
      const at = needle.indexIn(this.buf, from);
      if (at !== -1) return at;
      // What was searched holds no match; only its last bytes may begin one.
      from = Math.max(0, this.buf.length - needle.length + 1);
      if (this.consumed + this.buf.length > limit) {
        throw new GatewayError(
          "malformed_body",
          `Multipart ${what} exceed ${limit} bytes before the file part.`,
        );
      }
      if (!(await this.more())) throw malformed(`body ended inside ${what}`);
    }
  }

  cancel(reason?: unknown): Promise<void> {
    return this.reader.cancel(reason);
  }
}

interface PartHeaders {
  name: string | undefined;
  filename: string | undefined;
  contentType: string | undefined;
}

/** Parses `form-data; name="a"; filename="b"` including quoted strings and RFC 5987 `filename*`. */
export function parseDisposition(value: string): Pick<PartHeaders, "name" | "filename"> {
  const params = new Map<string, string>();
  const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (const m of value.matchAll(re)) {
    const key = (m[1] ?? "").toLowerCase();
    const raw = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "").trim();
    params.set(key, raw);
  }
  let filename = params.get("filename");
  const extended = params.get("filename*");
  if (extended !== undefined) {
    const ext = /^([\w!#$%&+^`{}~-]+)'[^']*'(.*)$/.exec(extended);
    if (ext && (ext[1] ?? "").toLowerCase() === "utf-8") {
      try {
        filename = decodeURIComponent(ext[2] ?? "");
      } catch {
        throw malformed("undecodable filename*");
      }
    }
  }
  return { name: params.get("name"), filename };
}

function parseHeaders(block: string): PartHeaders {
  const headers: PartHeaders = { name: undefined, filename: undefined, contentType: undefined };
  for (const line of block.split("\r\n")) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw malformed("part header without a colon");
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-disposition") {
      if (!/^form-data\s*(;|$)/i.test(value)) throw malformed("part disposition is not form-data");
      Object.assign(headers, parseDisposition(value));
    } else if (key === "content-type") {
      headers.contentType = value;
    }
  }
  if (headers.name === undefined) throw malformed("part without a name");
  return headers;
}

const isFilePart = (h: PartHeaders) => h.filename !== undefined || h.name === "file";

/**
 * Reads the body up to the start of the file part's data. The returned file stream owns the rest of the
 * body; when there is no file part the body has been read to its end.
 */
export async function parseMultipart(
  body: ReadableStream<Uint8Array>,
  boundary: string,
  limits: MultipartLimits,
): Promise<MultipartHead> {
  // Recycled reads (core/bytes.ts): a chunk's file bytes leave before the next read, and a tail held back
  // across a read is copied by concat() when that read lands.
  const cursor = new Cursor(chunkReader(body, { recycle: true }));
  const dashBoundary = new BytePattern(encoder.encode(`--${boundary}`));
  const delimiter = new BytePattern(encoder.encode(`\r\n--${boundary}`));
  const fields: [string, string][] = [];
  try {
    // Anything before the first boundary is a preamble to ignore (RFC 2046 §5.1.1); clients send none.
    const first = await cursor.find(dashBoundary, limits.headBytes, "the preamble");
    cursor.take(first + dashBoundary.length);
    while (await afterBoundary(cursor)) {
      const end = await cursor.find(HEADER_END, limits.headBytes, "part headers");
      const headers = parseHeaders(decoder.decode(cursor.take(end)));
      cursor.take(HEADER_END.length);
      if (isFilePart(headers)) {
        const file: MultipartFile = {
          field: headers.name ?? "file",
          filename: headers.filename,
          contentType: headers.contentType,
          offset: cursor.consumed,
          stream: fileStream(cursor, delimiter),
        };
        return { fields, file };
      }
      const valueEnd = await cursor.find(delimiter, limits.headBytes, "text fields");
      fields.push([headers.name ?? "", decoder.decode(cursor.take(valueEnd))]);
      cursor.take(delimiter.length);
    }
    await drainEpilogue(cursor);
    return { fields, file: undefined };
  } catch (error) {
    await cursor.cancel(error).catch(() => {});
    throw error;
  }
}

/** After a boundary: true when another part follows (CRLF), false at the close delimiter ("--"). */
async function afterBoundary(cursor: Cursor): Promise<boolean> {
  if (!(await cursor.ensure(2))) throw malformed("body ended after a boundary");
  if (cursor.buf[0] === DASH && cursor.buf[1] === DASH) {
    cursor.take(2);
    return false;
  }
  // Transport padding (spaces/tabs) may precede the CRLF (RFC 2046 §5.1.1).
  for (;;) {
    const b = cursor.buf[0];
    if (b === 32 || b === 9) cursor.take(1);
    else break;
    if (!(await cursor.ensure(2))) throw malformed("body ended after a boundary");
  }
  if (cursor.buf[0] !== CR || cursor.buf[1] !== LF) throw malformed("boundary not followed by CRLF");
  cursor.take(2);
  return true;
}

/** Reads the epilogue after the close delimiter; clients send a CRLF, anything long is refused. */
async function drainEpilogue(cursor: Cursor): Promise<void> {
  while (await cursor.more()) {
    if (cursor.buf.length > LIMITS.multipartEpilogueBytes) throw malformed("data after the closing boundary");
  }
  cursor.take(cursor.buf.length);
}

/** The file part's bytes, a reader stage (core/stages.ts); once failed, every read fails so. */
function fileStream(cursor: Cursor, delimiter: BytePattern): ChunkReader {
  const next = async (): Promise<ReadableStreamReadResult<Uint8Array>> => {
    for (;;) {
      const at = delimiter.indexIn(cursor.buf);
      // The file's last bytes; what follows the delimiter is read on the next read, once they have been
      // taken (reads reuse buffers: core/bytes.ts, recycle).
      if (at > 0) return { done: false, value: cursor.take(at) };
      if (at === 0) {
        cursor.take(delimiter.length);
        await afterFile(cursor);
        return { done: true, value: undefined };
      }
      // Hold back a tail that could be the start of a delimiter cut by the chunk edge.
      const emit = cursor.buf.length - delimiter.partialSuffixOf(cursor.buf);
      if (emit > 0) return { done: false, value: cursor.take(emit) };
      if (!(await cursor.more())) throw malformed("body ended inside the file (no closing boundary)");
    }
  };
  return stage(
    () =>
      next().catch(async (error: unknown) => {
        await cursor.cancel(error).catch(() => {});
        throw error;
      }),
    (reason) => cursor.cancel(reason),
  );
}

/** After the file's delimiter only the close delimiter may follow: a later part is refused. */
async function afterFile(cursor: Cursor): Promise<void> {
  if (!(await afterBoundary(cursor))) return drainEpilogue(cursor);
  const end = await cursor.find(
    HEADER_END,
    cursor.consumed + LIMITS.multipartTrailingHeadBytes,
    "part headers",
  );
  const next = parseHeaders(decoder.decode(cursor.take(end)));
  if (isFilePart(next)) throw new GatewayError("too_many_files", "Only one file per request is accepted.");
  throw new GatewayError(
    "invalid_field",
    `Field "${next.name}" comes after the file part; send text fields before the file.`,
  );
}
