// What a signed upload URL (a ticket) fixes and bounds, and the checks that hold an upload — or an existing
// record answered in its place — to it. Direct uploads with a gateway key have no policy.
import { GatewayError } from "../../core/errors";
import { extensionOf, mediaTypeOf } from "../../core/media";
import type { FileRecord } from "../registry/files";
import type { FileType, Options } from "./validate";

/** What a signed upload URL fixes and bounds. Direct uploads have no policy. */
export interface UploadPolicy {
  /** Largest file accepted (never above the provider's limit). */
  readonly maxBytes: number;
  /** Allowed media types: exact (`image/png`) or wildcard (`image/*`); empty = any the provider takes. */
  readonly contentTypes: readonly string[];
  /** Options the app may not override. */
  readonly fixed: Options;
  /** The filename, when fixed. */
  readonly filename?: string;
  /** The file's SHA-256 (hex), when the ticket binds one. */
  readonly sha256?: string;
  /** Days to keep the original, when the ticket fixes it (docs/reuse.md). */
  readonly keepDays?: number;
}

export const typeAllowed = (type: string, allowed: readonly string[]) =>
  allowed.length === 0 ||
  allowed.some((a) => a === type || (a.endsWith("/*") && type.startsWith(a.slice(0, -1))));

/**
 * A policy's content types against a file: the types checked are those the media table knows for the
 * file's extension (the declared one, which validateName has held to that list, and the canonical one),
 * never a declared type alone. An extension the table lacks has no known type, so a policy that lists
 * types refuses it: otherwise `evil.html` declared image/png would pass for an image.
 */
export function checkContentTypes(type: FileType, allowed: readonly string[]): void {
  if (allowed.length === 0) return;
  const known = mediaTypeOf(type.extension);
  const refuse = (detail: string) =>
    new GatewayError("unsupported_file_type", detail, { extras: { accepted: [...allowed] } });
  if (!known) {
    throw refuse(
      `This upload URL takes ${allowed.join(", ")}; ".${type.extension}" files have no known media type.`,
    );
  }
  if (![type.mimeType, known.mime[0]].some((t) => typeAllowed(t, allowed)))
    throw refuse(`This upload URL does not take ${type.mimeType}.`);
}

/** Merges what the app sent with what the policy fixes; a conflicting value is refused, not overridden. */
export function applyPolicy(given: Options, policy: UploadPolicy | undefined): Options {
  if (!policy) return given;
  const merged: Options = { ...given };
  for (const [name, value] of Object.entries(policy.fixed) as [keyof Options, string][]) {
    if (given[name] !== undefined && given[name] !== value) {
      throw new GatewayError("invalid_field", `"${name}" is fixed by this upload URL to "${value}".`);
    }
    merged[name] = value;
  }
  return merged;
}

/**
 * Whether an existing record may answer a ticket's upload (a dedupe hit): the record must be what the ticket
 * would have taken — within its size, of its types, under its fixed name — or the upload goes ahead and is
 * checked on its own bytes. (Fixed options are matched by the registry lookup itself.)
 */
export function admits(policy: UploadPolicy, record: FileRecord): boolean {
  const { name, size, mime_type: mimeType, kind } = record.file;
  if (size > policy.maxBytes) return false;
  if (policy.filename !== undefined && name !== policy.filename) return false;
  try {
    checkContentTypes({ extension: extensionOf(name), mimeType, kind }, policy.contentTypes);
    return true;
  } catch {
    return false;
  }
}
