// Checks an upload against its provider's row in the capability table before a byte is forwarded.

import { GatewayError, type SizeLimit, tooLarge } from "../../core/errors";

import { LIMITS } from "../../core/limits";
import { extensionOf, type FileInfo, type Kind, mediaTypeOf } from "../../core/media";
import type { Capability, FieldName, Options } from "../../providers/kit/capability";
import { missingField, noSuchField, type Surface } from "./advice";

/** A validated file; `size` is at most (see intake.ts Intake.slack). */
export interface ValidatedFile extends FileInfo {
  readonly slack: number;
}

export type { Options, Surface };

/** Generic types that say nothing about the media; the extension decides. */
const UNINFORMATIVE = new Set([
  "application/octet-stream",
  "binary/octet-stream",
  "application/x-www-form-urlencoded",
]);
const MAX_FIELD_LENGTH = LIMITS.fieldValueLength;
/**
 * Text that goes to a provider — filenames and option values, whichever surface set them (multipart
 * fields, query parameters, JSON bodies, tickets, tus metadata) — travels in part headers, query strings
 * and logs: none of it may carry C0 controls, DEL or C1 controls (U+0080–U+009F), the Unicode category Cc.
 * This is the one check for all of it.
 */
const CONTROL = /\p{Cc}/u;
const hasControl = (text: string) => CONTROL.test(text);

function unsupported(detail: string, accepted: readonly string[]): GatewayError {
  return new GatewayError("unsupported_file_type", detail, { extras: { accepted: [...accepted] } });
}

/**
 * Field values: only the provider's fields, allowed values, no control characters; defaults filled. Not
 * `complete` (a signed URL fixing some options, leaving the rest to the upload): required ones may be absent.
 */
export function validateOptions(cap: Capability, given: Options, surface: Surface, complete = true): Options {
  const out: Options = {};
  for (const [name, value] of Object.entries(given) as [FieldName, string][]) {
    const spec = cap.fields.find((f) => f.name === name);
    if (!spec) throw noSuchField(cap, name);
    if (spec.format === "json-object") {
      out[name] = jsonObjectOption(name, value);
      continue;
    }
    if (value.length === 0 || value.length > MAX_FIELD_LENGTH || hasControl(value)) {
      throw new GatewayError(
        "invalid_field",
        `"${name}" must be 1–${MAX_FIELD_LENGTH} characters without control characters.`,
      );
    }
    if (spec.values && !spec.values.some((v) => v.value === value)) {
      throw new GatewayError(
        "invalid_field",
        `"${name}" must be one of ${spec.values.map((v) => v.value).join(", ")}; got "${value}".`,
      );
    }
    if (spec.range && !inRange(value, spec.range)) {
      throw new GatewayError(
        "invalid_field",
        `"${name}" must be a whole number from ${spec.range.min} to ${spec.range.max}; got "${value}".`,
      );
    }
    out[name] = value;
  }
  // A signed URL may fix some options and leave the rest (required ones included) to the upload.
  if (!complete) return out;
  for (const spec of cap.fields) {
    if (out[spec.name] !== undefined) continue;
    if (spec.required) {
      throw missingField(cap, spec, surface);
    }
    if (spec.default !== undefined) out[spec.name] = spec.default;
  }
  return out;
}

/**
 * A json-object option (Replicate's metadata): a JSON object of at most LIMITS.optionJsonBytes as UTF-8,
 * compacted, so what goes on carries no line breaks (JSON's own whitespace is dropped; JSON.stringify escapes
 * the other C0 controls in strings, and DEL or C1 controls still left are refused as in any option).
 */
function jsonObjectOption(name: string, value: string): string {
  const max = LIMITS.optionJsonBytes;
  const invalid = (why: string) =>
    new GatewayError("invalid_field", `"${name}" must be a JSON object of at most ${max} bytes: ${why}.`, {
      extras: { field: name },
    });
  if (new TextEncoder().encode(value).byteLength > max) throw invalid("it is longer");
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalid("it is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw invalid(
      `it is ${Array.isArray(parsed) ? "an array" : parsed === null ? "null" : `a ${typeof parsed}`}`,
    );
  const compact = JSON.stringify(parsed);
  if (hasControl(compact)) throw invalid("it contains control characters");
  return compact;
}

/** An integer option's value, written plainly (digits only), within its bounds. */
const inRange = (value: string, range: { min: number; max: number }) =>
  /^\d{1,15}$/.test(value) && Number(value) >= range.min && Number(value) <= range.max;

export type FileType = Pick<ValidatedFile, "extension" | "mimeType" | "kind">;

/** The file's name and declared type: extension in the provider's table (and the purpose's), type consistent. */
export function validateName(
  cap: Capability,
  name: string,
  declaredType: string | undefined,
  options: Options,
): FileType {
  // Every filename passes here (multipart filename and filename*, ?filename=, tus metadata, a ticket's):
  // CR, LF, NUL and the other control characters (Unicode Cc) have no place in a name and would travel
  // into a provider's part headers and into logs.
  if (hasControl(name))
    throw new GatewayError(
      "invalid_field",
      "The filename contains control characters (CR, LF, NUL, tab, …); send the name without them.",
    );
  if (name.length > LIMITS.filenameLength)
    throw new GatewayError(
      "invalid_field",
      `The filename is longer than ${LIMITS.filenameLength} characters.`,
    );
  const extension = extensionOf(name);
  if (cap.accepted && !(cap.accepted as readonly string[]).includes(extension)) {
    const accepted = cap.accepted.map((e) => `.${e}`).join(", ");
    throw unsupported(
      extension === ""
        ? `"${name}" has no extension; ${cap.name} takes ${accepted} files: name the file with one.`
        : `${cap.name} does not take ".${extension}" files (it takes ${accepted}).`,
      cap.accepted,
    );
  }
  for (const spec of cap.fields) {
    const chosen = spec.values?.find((v) => v.value === options[spec.name]);
    if (chosen?.extensions && !(chosen.extensions as readonly string[]).includes(extension)) {
      throw unsupported(
        `${cap.name} ${spec.name} "${chosen.value}" does not take ".${extension}" files.`,
        chosen.extensions,
      );
    }
  }
  const known = mediaTypeOf(extension);
  const declared = declaredType && !UNINFORMATIVE.has(declaredType) ? declaredType : undefined;
  if (known && declared && !(known.mime as readonly string[]).includes(declared)) {
    throw unsupported(
      `The declared type ${declared} does not match ".${extension}" (${known.mime.join(", ")}).`,
      [extension],
    );
  }
  const mimeType = declared ?? known?.mime[0] ?? "application/octet-stream";
  // The kind comes from the extension's entry: a declared type only chooses among the types the entry
  // lists (a .webm declared audio/webm is audio). An extension the table lacks is a document, whatever
  // the client declares.
  const top = mimeType.split("/")[0];
  const kind: Kind = !known
    ? "document"
    : top === "image" || top === "video" || top === "audio"
      ? top
      : known.kind;
  return { extension, mimeType, kind };
}

/** The tighter of the provider's limit and a signed URL's max_bytes; undefined when neither applies. */
export function sizeLimit(cap: Capability, policyMaxBytes?: number): SizeLimit | undefined {
  const own =
    cap.maxBytes === null
      ? undefined
      : { bytes: cap.maxBytes, detail: `${cap.name} takes files up to ${cap.maxBytes} bytes` };
  if (policyMaxBytes === undefined || (own && own.bytes <= policyMaxBytes)) return own;
  return { bytes: policyMaxBytes, detail: `This upload URL takes files up to ${policyMaxBytes} bytes` };
}

/** The stricter of two size limits (either may be absent). */
export function tighter(a: SizeLimit | undefined, b: SizeLimit | undefined): SizeLimit | undefined {
  if (!a || !b) return a ?? b;
  return b.bytes < a.bytes ? b : a;
}

/**
 * The whole file: name and type as above, size within `limit` as far as the declared length tells. A
 * multipart body's size is known only to within its epilogue (intake.ts Intake.slack), so the smallest size it allows
 * is checked here, and the meter holds the bytes actually counted to the same limit (forward.ts).
 */
export function validateFile(
  cap: Capability,
  intake: {
    readonly filename: string;
    readonly declaredType?: string | undefined;
    readonly size: number;
    readonly slack: number;
  },
  options: Options,
  limit = sizeLimit(cap),
): ValidatedFile {
  const type = validateName(cap, intake.filename, intake.declaredType, options);
  const least = intake.size - intake.slack;
  if (least <= 0) throw new GatewayError("no_file_uploaded", "The file is empty.");
  if (limit && least > limit.bytes) throw tooLarge(limit, least);
  return { name: intake.filename, ...type, size: intake.size, slack: intake.slack };
}
