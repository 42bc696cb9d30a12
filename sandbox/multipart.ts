// The sandbox's own multipart/form-data reader: a provider's, written apart from the gateway's parser
// (worker/services/upload/multipart-parser.ts) so that a mistake in the gateway's encoder shows up as a
// disagreement instead of being read back by its twin. Deliberately plain: the head (text fields and the
// file part's headers, at most HEAD_LIMIT bytes) is re-scanned as a latin1 string until it parses; the file
// is then streamed, holding back only the bytes that could be the start of the next delimiter. Parameters
// are read as HTML forms write them (raw UTF-8, `"` never inside a quoted value: browsers send %22), with no
// backslash escapes. The test emulator injects busboy instead (test/emulator/busboy.ts).

/** The file part: its stream ends only once the whole body has arrived intact, and errors otherwise. */
export interface MultipartFile {
  /** The part's field name (OpenAI's parts are `data`, every other file `file`). */
  name: string | null;
  filename: string | null;
  /** The part's Content-Type header, or null without one. */
  type: string | null;
  stream: ReadableStream<Uint8Array>;
}

export interface MultipartHead {
  /** The text fields before the file part (the last value of a repeated name). */
  fields: Record<string, string>;
  /** The first part with a filename; null when there is none (the body has then been read to its end). */
  file: MultipartFile | null;
}

/** Reads a multipart body, given its Content-Type, up to the start of the file's data. */
export type MultipartReader = (
  body: ReadableStream<Uint8Array>,
  contentType: string,
) => Promise<MultipartHead>;

const HEAD_LIMIT = 64 * 1024;
const CR = 13;
const DASH = 45;
const utf8 = new TextDecoder();

/** Bytes as a string of the same length, one char per byte, so string offsets are byte offsets. */
function latin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 4096) out += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return out;
}

/** The bytes a latin1() string came from, read as UTF-8. */
const fromLatin1 = (text: string) => utf8.decode(Uint8Array.from(text, (c) => c.charCodeAt(0)));

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The first index of `needle` in `hay`, or -1. */
function find(hay: Uint8Array, needle: Uint8Array): number {
  const first = needle[0] ?? CR;
  for (
    let i = hay.indexOf(first);
    i !== -1 && i <= hay.length - needle.length;
    i = hay.indexOf(first, i + 1)
  ) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** A Content-Disposition parameter: `; key="value"` or `; key=token`; null when absent. */
function param(disposition: string, key: string): string | null {
  const match = new RegExp(`;\\s*${key}\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, "i").exec(disposition);
  return match ? (match[1] ?? match[2] ?? "") : null;
}

interface PartHeaders {
  name: string | null;
  filename: string | null;
  type: string | null;
}

function partHeaders(block: string): PartHeaders {
  const headers: PartHeaders = { name: null, filename: null, type: null };
  for (const line of fromLatin1(block).split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon === -1) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-disposition") {
      headers.name = param(value, "name");
      headers.filename = param(value, "filename");
    } else if (key === "content-type") {
      headers.type = value;
    }
  }
  return headers;
}

type Head = { fields: Record<string, string>; file: (PartHeaders & { dataStart: number }) | null };

/** Parses the head from what has arrived so far: null when more bytes are needed. */
function parseHead(text: string, boundary: string): Head | null {
  const dash = `--${boundary}`;
  const fields: Record<string, string> = {};
  let at = text.indexOf(dash);
  if (at === -1) return null;
  at += dash.length;
  for (;;) {
    if (text.length < at + 2) return null;
    if (text.startsWith("--", at)) return { fields, file: null };
    if (!text.startsWith("\r\n", at)) throw new Error("multipart: a boundary not followed by CRLF");
    const end = text.indexOf("\r\n\r\n", at);
    if (end === -1) return null;
    const headers = partHeaders(text.slice(at + 2, end));
    const dataStart = end + 4;
    if (headers.filename !== null) return { fields, file: { ...headers, dataStart } };
    const valueEnd = text.indexOf(`\r\n${dash}`, dataStart);
    if (valueEnd === -1) return null;
    if (headers.name !== null) fields[headers.name] = fromLatin1(text.slice(dataStart, valueEnd));
    at = valueEnd + 2 + dash.length;
  }
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  while (!(await reader.read()).done) {}
}

/** After the file's delimiter: the close delimiter ("--"), then an epilogue read to the body's end. */
async function closing(reader: ReadableStreamDefaultReader<Uint8Array>, after: Uint8Array): Promise<void> {
  let rest: Uint8Array = after;
  while (rest.length < 2) {
    const { done, value } = await reader.read();
    if (done) throw new Error("multipart: body ended after the file's boundary");
    rest = concat(rest, value);
  }
  if (rest[0] !== DASH || rest[1] !== DASH) throw new Error("multipart: a part follows the file");
  await drain(reader);
}

function fileStream(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  first: Uint8Array,
  boundary: string,
): ReadableStream<Uint8Array> {
  const delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
  // Bytes that could be the start of a delimiter cut by a chunk's edge stay behind until the next read.
  const keep = delimiter.length - 1;
  let pending: Uint8Array = first;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (;;) {
            const at = find(pending, delimiter);
            if (at !== -1) {
              if (at > 0) controller.enqueue(pending.slice(0, at));
              await closing(reader, pending.subarray(at + delimiter.length));
              controller.close();
              return;
            }
            if (pending.length > keep) {
              const cut = pending.length - keep;
              controller.enqueue(pending.slice(0, cut));
              pending = pending.slice(cut);
              return;
            }
            const { done, value } = await reader.read();
            if (done) throw new Error("multipart: body ended inside the file");
            pending = concat(pending, value);
          }
        } catch (error) {
          await reader.cancel(error).catch(() => {});
          throw error;
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/** The sandbox's default MultipartReader. */
export const readMultipart: MultipartReader = async (body, contentType) => {
  const boundary = /boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  const b = boundary?.[1] ?? boundary?.[2];
  if (!b) throw new Error("multipart: no boundary");
  const reader = body.getReader();
  let buf: Uint8Array = new Uint8Array(0);
  try {
    for (;;) {
      const head = parseHead(latin1(buf), b);
      if (head?.file) {
        const { name, filename, type, dataStart } = head.file;
        return {
          fields: head.fields,
          file: { name, filename, type, stream: fileStream(reader, buf.subarray(dataStart), b) },
        };
      }
      if (head) {
        await drain(reader);
        return { fields: head.fields, file: null };
      }
      if (buf.length > HEAD_LIMIT)
        throw new Error(`multipart: no file part in the first ${HEAD_LIMIT} bytes`);
      const { done, value } = await reader.read();
      if (done) throw new Error("multipart: body ended before the file part");
      buf = concat(buf, value);
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  }
};
