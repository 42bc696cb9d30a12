// Turns an upload request into one file stream plus options, reading nothing but the multipart head.
// Two forms: multipart/form-data (text fields, then one `file` part) or the raw media with ?filename=.

import { stopReading } from "../../core/body";
import { GatewayError, tooLarge } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import { baseName, essence } from "../../core/media";
import type { ChunkSource } from "../../core/stages";
import type { Capability, FieldName } from "../../providers/kit/capability";
import { resumableLimit } from "../../providers/table";
import { parseKeepDays } from "../originals/days";
import { noSuchField } from "./advice";
import { hexDigest, oneDigest, reprDigestSha256 } from "./digest";
import { CLOSING_SLACK, closingLength, parseMultipart } from "./multipart-parser";

export interface Intake {
  readonly form: "multipart" | "raw";
  readonly filename: string;
  /** The media type the client declared (without parameters), if any. */
  readonly declaredType: string | undefined;
  /** File bytes the body carries, at most. */
  readonly size: number;
  /**
   * How many bytes short of `size` the file may turn out: 0 for a raw body; 2 for multipart, whose
   * size depends on whether the client ends the body with CRLF after the closing boundary (browsers,
   * curl, undici, OkHttp and Go do; workerd's FormData does not) — unknowable until the last byte.
   */
  readonly slack: number;
  readonly options: Partial<Record<FieldName, string>>;
  /**
   * The file's SHA-256 (hex) as the request declares it: Repr-Digest on a raw body (RFC 9530), a `sha256`
   * text field before the file part or `?sha256=` (a multipart request's Repr-Digest would be the form's).
   */
  readonly sha256?: string;
  /** `?dedupe=false`: upload even when the registry holds the file. */
  readonly dedupe: boolean;
  /** keep_days (a query parameter or text field): days to keep the original (docs/reuse.md). */
  readonly keepDays?: number;
  /** The file's bytes only: the request body (raw) or the multipart parser's reader. */
  readonly stream: ChunkSource;
}

/** Bytes of text fields and part headers read before the file's data, at most. */
export const MULTIPART_HEAD_BYTES = LIMITS.multipartHeadBytes;

export interface IntakeLimits {
  /** The provider: its fields are the only options a request may carry. */
  readonly provider: Capability;
  /** MAX_REQUEST_BYTES: largest request body. */
  readonly maxRequestBytes: number;
  /** A signed URL's max_bytes: a raw body declaring more is refused before it is read. */
  readonly maxFileBytes?: number;
  /** A signed URL's fixed filename: used when the request names none, refused when it names another. */
  readonly filename?: string | undefined;
}

/** Content-Length, required: forwarded bodies carry an exact length and limits are checked before reading. */
export function declaredLength(request: Request, limits: IntakeLimits): number {
  const header = request.headers.get("content-length");
  if (header === null) {
    if (request.body === null) throw new GatewayError("no_file_uploaded", "The request has no body.");
    throw new GatewayError(
      "length_required",
      "Send Content-Length with the upload; for streams of unknown length use the resumable upload API.",
    );
  }
  const length = Number(header);
  if (!/^\d+$/.test(header) || !Number.isSafeInteger(length)) {
    throw new GatewayError("malformed_body", "Content-Length is not a number.");
  }
  if (length > limits.maxRequestBytes) {
    // The advice fits the file: through tus when the provider takes it that large, else the provider's own
    // limit (a multipart request's file is its length less at most the head).
    const multipart = essence(request.headers.get("content-type")) === "multipart/form-data";
    const file = multipart ? length - MULTIPART_HEAD_BYTES : length;
    const cap = limits.provider;
    const largest = Math.min(resumableLimit(cap), limits.maxFileBytes ?? Number.POSITIVE_INFINITY);
    if (file > largest) {
      const whose = limits.maxFileBytes === largest ? "This upload URL takes" : `${cap.name} takes`;
      throw tooLarge({ bytes: largest, detail: `${whose} files up to ${largest} bytes` }, length);
    }
    const detail = `One request carries at most ${limits.maxRequestBytes} bytes: send the file through the resumable upload API (tus, up to ${largest} bytes)`;
    throw tooLarge({ bytes: limits.maxRequestBytes, detail }, length);
  }
  if (length === 0 || request.body === null)
    throw new GatewayError("no_file_uploaded", "The request body is empty.");
  return length;
}

function boundaryOf(contentType: string): string {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary)
    throw new GatewayError("malformed_body", "multipart/form-data without a valid boundary parameter.");
  return boundary;
}

/** Collects options from text fields and the query; a name given twice or unknown is refused. */
function collectOptions(
  pairs: Iterable<readonly [string, string]>,
  ignore: readonly string[],
  cap: Capability,
) {
  const options: Partial<Record<FieldName, string>> = {};
  for (const [name, value] of pairs) {
    if (ignore.includes(name)) continue;
    if (!cap.fields.some((f) => f.name === name)) throw noSuchField(cap, name);
    if (options[name as FieldName] !== undefined)
      throw new GatewayError("invalid_field", `Field "${name}" is given twice.`);
    options[name as FieldName] = value;
  }
  return options;
}

/** The filename a request gives (its last path segment), reconciled with the one a signed URL fixes. */
function filenameFor(sent: string | null | undefined, limits: IntakeLimits): string | undefined {
  const given = sent ? baseName(sent) : undefined;
  if (limits.filename === undefined) return given;
  if (given && given !== limits.filename) {
    throw new GatewayError(
      "invalid_field",
      `The filename is fixed by this upload URL to "${limits.filename}".`,
    );
  }
  return limits.filename;
}

/** Query parameters and fields that are not upload options. */
const NOT_OPTIONS = ["filename", "token", "sha256", "dedupe", "keep_days"];

function dedupeParam(url: URL): boolean {
  const value = url.searchParams.get("dedupe");
  if (value === null || value === "true") return true;
  if (value === "false") return false;
  throw new GatewayError("invalid_field", '"dedupe" is true or false.');
}

/** keep_days from a text field or the query (one place, once). */
function keepParam(fields: readonly (readonly [string, string])[], url: URL): number | undefined {
  const given = [
    ...fields.filter(([name]) => name === "keep_days").map(([, v]) => v),
    ...url.searchParams.getAll("keep_days"),
  ];
  if (given.length > 1) throw new GatewayError("invalid_field", '"keep_days" is given twice.');
  return parseKeepDays(given[0]);
}

const queryDigest = (url: URL) => {
  const value = url.searchParams.get("sha256");
  return value === null ? undefined : hexDigest(value, '"sha256"');
};

export async function readIntake(request: Request, limits: IntakeLimits): Promise<Intake> {
  const length = declaredLength(request, limits);
  const body = request.body as ReadableStream<Uint8Array>;
  const url = new URL(request.url);
  const contentType = request.headers.get("content-type") ?? "";
  const type = essence(contentType);

  if (type === "multipart/form-data") {
    const boundary = boundaryOf(contentType);
    const head = await parseMultipart(body, boundary, { headBytes: MULTIPART_HEAD_BYTES });
    const file = head.file;
    try {
      const options = collectOptions([...head.fields, ...url.searchParams], NOT_OPTIONS, limits.provider);
      const fields = head.fields.filter(([name]) => name === "sha256");
      if (fields.length > 1) throw new GatewayError("invalid_field", 'Field "sha256" is given twice.');
      const sha256 = oneDigest(
        fields[0] ? hexDigest(fields[0][1], 'The "sha256" field') : undefined,
        queryDigest(url),
      );
      const dedupe = dedupeParam(url);
      const keepDays = keepParam(head.fields, url);
      if (!file) throw new GatewayError("no_file_uploaded", 'The form has no "file" part.');
      if (file.field !== "file") {
        throw new GatewayError("invalid_field", `The file part must be named "file", not "${file.field}".`);
      }
      const filename = filenameFor(file.filename, limits);
      if (!filename) throw new GatewayError("filename_missing", 'The "file" part has no filename.');
      // The file is the last part, so its size is known from Content-Length before any byte is forwarded:
      // to within the CRLF some clients put after the closing boundary.
      const size = length - file.offset - closingLength(boundary);
      if (size < 0) throw new GatewayError("malformed_body", "Content-Length is shorter than the form.");
      return {
        form: "multipart",
        filename,
        declaredType: essence(file.contentType ?? null),
        size,
        slack: CLOSING_SLACK,
        options,
        ...(sha256 === undefined ? {} : { sha256 }),
        dedupe,
        ...(keepDays === undefined ? {} : { keepDays }),
        stream: file.stream,
      };
    } catch (error) {
      await file?.stream.cancel(error).catch(() => {});
      throw error;
    }
  }

  try {
    if (limits.maxFileBytes !== undefined && length > limits.maxFileBytes) {
      const detail = `This upload URL takes files up to ${limits.maxFileBytes} bytes`;
      throw tooLarge({ bytes: limits.maxFileBytes, detail }, length);
    }
    const filename = filenameFor(url.searchParams.get("filename"), limits);
    const options = collectOptions(url.searchParams, NOT_OPTIONS, limits.provider);
    if (!filename) throw new GatewayError("filename_missing", "Raw uploads name the file with ?filename=.");
    const sha256 = oneDigest(reprDigestSha256(request.headers.get("repr-digest")), queryDigest(url));
    const dedupe = dedupeParam(url);
    const keepDays = keepParam([], url);
    return {
      form: "raw",
      filename,
      declaredType: type,
      size: length,
      slack: 0,
      options,
      ...(sha256 === undefined ? {} : { sha256 }),
      dedupe,
      ...(keepDays === undefined ? {} : { keepDays }),
      stream: body,
    };
  } catch (error) {
    await stopReading(body);
    throw error;
  }
}
